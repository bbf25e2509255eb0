"""The demo hospitals' risk registers: built from the hospital pack, filed, reviewed, regraded."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Q
from django.http import HttpRequest

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.demo.generator import REFERENCE_DATE
from lianfang.demo.register import DOWN_REASONS, UP_REASONS, context_phrase, setting_label
from lianfang.demo.services import DEMO_PASSWORD
from lianfang.org.models import Organisation
from lianfang.risks import grading
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent
from lianfang.risks.vagueness import check_filing

pytestmark = pytest.mark.django_db
Type = RiskPointEvent.Type


@pytest.fixture
def hospital():
    out = StringIO()
    call_command("demo", "--seed", "7", stdout=out)
    assert "个风险点" in out.getvalue() and "风险点台账" in out.getvalue()
    return Organisation.objects.get(name="示例市人民医院")


def test_context_and_label_of_a_department_function():
    assert context_phrase("负责会计核算、预算编制执行和财务分析") == (
        "会计核算、预算编制执行和财务分析工作"
    )
    assert context_phrase("承担门急诊诊疗工作") == "门急诊诊疗工作"
    assert setting_label(context_phrase("负责会计核算、预算编制执行和财务分析")) == "会计核算"


def test_each_hospital_gets_a_filed_register_with_measures_owned(hospital):
    assert hospital.principal_leader.title in {"院长", "党委书记"}
    assert hospital.principal_leader.organisation_id == hospital.pk
    assert hospital.integrity_department.name == "纪检监察室"

    points = RiskPoint.objects.filter(organisation=hospital)
    total = points.count()
    assert 8_000 <= total <= 13_000
    assert set(points.values_list("subject", flat=True)) == {"post", "department", "unit"}
    sources = Counter(points.values_list("source", flat=True))
    assert sources[RiskPoint.Source.LIBRARY] >= 100  # the pack's own points, imported
    assert sources[RiskPoint.Source.SELF] > sources[RiskPoint.Source.LEADER] > 0
    assert points.filter(level__isnull=True).count() == 0
    assert set(points.values_list("level", flat=True)) == {1, 2, 3}

    statuses = Counter(points.values_list("status", flat=True))
    assert statuses[RiskPoint.Status.FILED] > 0.8 * total
    assert statuses[RiskPoint.Status.DRAFT] > 0
    filed = points.filter(status=RiskPoint.Status.FILED)
    # Filed through the bulk path: each filed point has its FILED event, and passes the check.
    assert (
        RiskPointEvent.objects.filter(risk_point__organisation=hospital, type=Type.FILED).count()
        == filed.count()
    )
    assert not filed.annotate(n=Count("measures")).filter(n=0).exists()
    for point in filed.order_by("pk")[::997]:
        assert check_filing(point) == [], point.name
    # Campaign points name their department's setting concretely.
    point = filed.exclude(source=RiskPoint.Source.LIBRARY).select_related("department").first()
    assert point.manifestation.startswith(point.department.name)
    assert "（" in point.name

    measures = Measure.objects.filter(organisation=hospital)
    assert measures.count() > 500
    assert set(measures.values_list("status", flat=True)) == {"planned", "in_place"}
    assert not measures.filter(due__isnull=True).exists()
    by_person = measures.filter(owner_person__isnull=False)
    assert 0.1 * measures.count() < by_person.count() < 0.5 * measures.count()
    assert by_person.filter(owner_person__organisation=hospital).count() == by_person.count()
    assert measures.values("owner_department").distinct().count() >= 30
    assert audit.verify().ok
    # Written through the services: one audit event per write, told apart by "demo.".
    entries = Counter(
        AuditEvent.objects.filter(organisation_id=hospital.pk).values_list("action", flat=True)
    )
    assert entries["demo.risk_point.create"] == total - sources[RiskPoint.Source.LIBRARY]
    assert entries["demo.risk_point.review"] == filed.count()
    assert entries["demo.measure.create"] == measures.filter(library_urn="").count()
    assert entries["demo.measure.link"] == (
        Measure.risk_points.through.objects.filter(measure__organisation=hospital).count()
        - entries["library.import.measure.link"]
    )


def test_some_reviews_are_overdue_and_a_few_levels_changed_last_year(hospital):
    points = RiskPoint.objects.filter(organisation=hospital)
    filed = points.filter(status=RiskPoint.Status.FILED)
    overdue = filed.filter(review_due__lt=REFERENCE_DATE)
    assert 0.03 * filed.count() < overdue.count() < 0.2 * filed.count()
    # The others are due well after the reference date, and every filed point was reviewed.
    assert not filed.filter(
        review_due__gte=REFERENCE_DATE, review_due__lt=REFERENCE_DATE + dt.timedelta(days=30)
    ).exists()
    assert not filed.filter(last_reviewed__isnull=True).exists()
    assert (
        RiskPointEvent.objects.filter(risk_point__organisation=hospital, type=Type.REVIEWED).count()
        == filed.count()
    )
    # The history is dated: each campaign point was last written when its timeline last moved.
    last = {
        row["risk_point"]: row["at"]
        for row in RiskPointEvent.objects.filter(risk_point__organisation=hospital)
        .order_by()
        .values("risk_point")
        .annotate(at=Max("at"))
    }
    sample = points.exclude(source=RiskPoint.Source.LIBRARY).order_by("pk")[::101]
    assert all(p.updated_at == last[p.pk] for p in sample)
    assert all(p.created_at.date() <= REFERENCE_DATE for p in sample)
    # Drafts were found recently and are not overdue, but for the few the filing check refused
    # (查不准的不能过关), which wait since the campaign.
    drafts = points.filter(status=RiskPoint.Status.DRAFT).exclude(source=RiskPoint.Source.LIBRARY)
    recent = drafts.filter(created_at__date__gte=REFERENCE_DATE - dt.timedelta(days=61))
    assert recent.exists() and not recent.filter(review_due__lt=REFERENCE_DATE).exists()
    refused = drafts.exclude(pk__in=recent.values("pk"))
    assert refused.count() < 0.01 * points.count()
    assert all(check_filing(point) for point in refused)

    regraded = RiskPointEvent.objects.filter(
        risk_point__organisation=hospital, type=Type.REGRADED
    ).select_related("risk_point")
    assert 20 <= regraded.count() <= 0.05 * filed.count()
    year_ago = REFERENCE_DATE - dt.timedelta(days=365)
    scheme = grading.active_scheme(hospital)
    directions = Counter()
    for event in regraded:
        point = event.risk_point
        assert year_ago <= event.at.date() <= REFERENCE_DATE
        old, new = event.changes["level"]
        assert point.level == new != old
        assert grading.grade(scheme, likelihood=point.likelihood, harm=point.harm) == new
        if "likelihood" in event.changes:
            assert event.changes["likelihood"][1] == point.likelihood
        if "harm" in event.changes:
            assert event.changes["harm"][1] == point.harm
        up = new < old
        assert event.reason in (UP_REASONS if up else DOWN_REASONS)
        directions[up] += 1
        # Created (or imported) and filed before the change.
        earlier = point.events.filter(at__lt=event.at).values_list("type", flat=True)
        assert {Type.FILED} <= set(earlier) and set(earlier) & {Type.CREATED, Type.IMPORTED}
    assert directions[True] and directions[False]


def test_the_integrity_officer_sees_the_register(hospital, client, settings):
    settings.REQUIRE_OTP = False
    assert client.login(request=HttpRequest(), username="integrity", password=DEMO_PASSWORD)
    current = RiskPoint.objects.filter(organisation=hospital).exclude(status="retired").count()

    response = client.get("/risks/")
    assert response.status_code == 200
    assert response.context["counts"].total == current
    assert len(response.context["table"].page_obj.object_list) == 20

    response = client.get("/risks/", {"level": 1, "overdue": "on", "per_page": 200})
    assert response.status_code == 200
    shown = response.context["table"].page_obj.object_list
    assert shown and all(p.level == 1 for p in shown)

    response = client.get("/risks/overdue/")
    assert response.status_code == 200
    assert (
        response.context["table"].page_obj.paginator.count
        >= RiskPoint.objects.filter(
            organisation=hospital, status="filed", review_due__lt=REFERENCE_DATE
        ).count()
    )

    event = RiskPointEvent.objects.filter(
        risk_point__organisation=hospital, type=Type.REGRADED
    ).first()
    response = client.get(f"/risks/points/{event.risk_point_id}/")
    assert response.status_code == 200
    assert event.reason in response.content.decode()

    # The commission's officer sees the hospital's register too.
    client.logout()
    assert client.login(request=HttpRequest(), username="wjw", password=DEMO_PASSWORD)
    response = client.get("/risks/")
    assert response.context["counts"].total == current
    assert RiskPoint.objects.filter(~Q(organisation=hospital)).count() == 0
