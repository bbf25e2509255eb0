"""The hospital pack's powers find their 承办部门 in a hospital under its usual other names;
the clinical departments as a whole (临床科室) and departments the hospital lacks stay empty."""

import pytest

from lianfang.libraries import load_pack
from lianfang.org.models import Department, Organisation, Power
from lianfang.risks import library_import
from tests.factories import make_department, make_org

pytestmark = pytest.mark.django_db

# The functional departments of the demo hospital (src/lianfang/demo/catalogue.py), which has
# no 科教科 and no 经济运营部.
DEPARTMENTS = (
    "院长办公室 党委办公室 人事科 财务科 医务科 护理部 医保办 药剂科 设备科 总务科 基建科 "
    "信息中心 采购中心 审计科 纪检监察室 保卫科 心内科 检验科 放射科"
).split()


def test_every_hospital_pack_power_gets_a_department(world):
    hospital = make_org("示例市中心医院", "H9", world.commission, kind=Organisation.Kind.HOSPITAL)
    for i, name in enumerate(DEPARTMENTS):
        make_department(hospital, name, f"D{i:02}", Department.Kind.ADMINISTRATIVE)
    library_import.library_import(
        actor=world.users["commission_integrity"], organisation=hospital, pack_key="hospital"
    )
    powers = Power.objects.filter(organisation=hospital).select_related("department")
    assert powers.count() == len(load_pack("hospital").powers)
    # the pack's departments this hospital has, or has under another usual name, are found;
    # 临床科室 (every clinical department) and the 科教科 and 经济运营部 it lacks stay empty
    absent = {"临床科室", "科教科", "经济运营部"}
    specs = {s.code: s.department for s in load_pack("hospital").powers}
    assert not [p.name for p in powers if p.department is None and specs[p.code] not in absent]
    by_code = {p.code: p.department.name for p in powers if p.department is not None}
    assert "YY-YY-01" not in by_code  # 处方开具与审核: 临床科室
    assert by_code["YY-CG-01"] == "药剂科"  # 药学部, the usual other name
