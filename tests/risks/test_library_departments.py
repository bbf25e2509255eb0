"""Every power the hospital pack brings gets a 承办部门 in a hospital that has the usual
departments, even where the pack names one the hospital lacks (科教科, 经济运营部) or names
the clinical departments as a whole (临床科室)."""

import pytest

from lianfang.libraries import load_pack
from lianfang.org.models import Department, Organisation, Power
from lianfang.risks import library_import
from lianfang.risks.models import Measure, RiskPoint
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
    assert not [p.name for p in powers if p.department is None]
    by_code = {p.code: p.department.name for p in powers}
    assert by_code["YY-YY-01"] == "医务科"  # 处方开具与审核: 临床科室 → the office managing them
    assert by_code["YY-CW-07"] == "医务科"  # 科研经费管理: 科教科, kept by 医务科 here
    assert by_code["YY-RS-05"] == "财务科"  # 绩效工资核算与分配: 经济运营部
    assert by_code["YY-CG-01"] == "药剂科"  # 药学部, the usual other name


def test_clinical_risk_points_do_not_land_on_the_office_that_manages_them(world):
    """处方开具与审核 is handled by every clinical department: 医务科 is its 承办部门 and owns
    its measures, but its risk points stay with the posts, else with the unit."""
    hospital = make_org("示例市中心医院", "H9", world.commission, kind=Organisation.Kind.HOSPITAL)
    for i, name in enumerate(DEPARTMENTS):
        make_department(hospital, name, f"D{i:02}", Department.Kind.ADMINISTRATIVE)
    library_import.library_import(
        actor=world.users["commission_integrity"], organisation=hospital, pack_key="hospital"
    )
    prescribing = Power.objects.get(organisation=hospital, code="YY-YY-01")
    points = RiskPoint.objects.filter(power=prescribing)
    assert points.exists()
    assert set(points.values_list("subject", flat=True)) == {"unit"}  # no 临床医师 post here
    owners = Measure.objects.filter(risk_points__in=points).values_list(
        "owner_department__name", flat=True
    )
    assert set(owners) == {"医务科"}
