"""The benchmarks' register volume (`--density dense`), apart from the tests that share one
loaded demo (tests/demo/test_register.py): it loads its own."""

from io import StringIO

import pytest
from django.core.management import call_command

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.org.models import Organisation
from lianfang.risks.models import RiskPoint

pytestmark = pytest.mark.django_db


def test_the_dense_register_clones_each_risk_per_function_for_the_benchmarks():
    """`--density dense` is the benchmarks' volume (bench/register.py): ~10,000 points per
    hospital, each pack risk once per function of the department."""
    out = StringIO()
    call_command("demo", "--seed", "7", "--density", "dense", "--register-only", stdout=out)
    assert "密度 dense" in out.getvalue()
    hospital = Organisation.objects.get(name="示例市人民医院")
    points = RiskPoint.objects.filter(organisation=hospital)
    assert points.count() >= 10_000  # 20 hospitals: the 200,000 the benchmark measures
    cloned = points.exclude(source=RiskPoint.Source.LIBRARY).select_related("department", "post")
    point = cloned.filter(post__isnull=False).first()
    copies = cloned.filter(post=point.post, power=point.power, step=point.step)
    copies = copies.filter(name__startswith=point.name.split("（")[0])
    assert copies.count() >= 2 and "（" in point.name
    assert point.manifestation.startswith(point.department.name + point.post.name + "在")
    load = AuditEvent.objects.get(action="demo.load", object_id=str(hospital.pk))
    assert load.after["density"] == "dense"
    assert load.after["risk_points"] == points.count()
    assert audit.verify().ok
