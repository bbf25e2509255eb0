"""The demo hospitals' risk registers: built from the hospital pack, filed, reviewed, regraded;
realistic by default, dense (the benchmarks' volume) on request."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count, Max, Q
from django.http import HttpRequest
from django.utils import timezone

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.demo import campaign
from lianfang.demo.catalogue import LEADERS
from lianfang.demo.generator import REFERENCE_DATE
from lianfang.demo.register import (
    DOWN_REASONS,
    RISK_URN,
    UP_REASONS,
    context_phrase,
    setting_label,
    short_setting,
)
from lianfang.demo.services import DEMO_PASSWORD
from lianfang.libraries import load_pack
from lianfang.org.models import Organisation
from lianfang.risks import grading
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent
from lianfang.risks.vagueness import check_filing

pytestmark = pytest.mark.django_db
Type = RiskPointEvent.Type


@pytest.fixture
def hospital(demo_once):
    assert "个风险点" in demo_once and "风险点台账" in demo_once
    return Organisation.objects.get(name="示例市人民医院")


def test_context_and_label_of_a_department_function():
    assert context_phrase("负责会计核算、预算编制执行和财务分析") == (
        "会计核算、预算编制执行和财务分析工作"
    )
    assert context_phrase("承担门急诊诊疗工作") == "门急诊诊疗工作"
    assert setting_label(context_phrase("负责会计核算、预算编制执行和财务分析")) == "会计核算"
    assert short_setting("承担冠心病、高血压、心力衰竭等心血管疾病的门诊、急诊和住院诊疗工作") == (
        "冠心病等心血管疾病的门诊、急诊和住院诊疗工作"
    )
    assert short_setting("开展冠状动脉介入治疗、心脏起搏器植入和射频消融等技术") == (
        "冠状动脉介入治疗等技术工作"
    )
    assert short_setting("负责本科室药品、医用耗材的合理使用与管理，开展处方点评") == (
        "药品、医用耗材的合理使用与管理工作"
    )


def test_every_risk_the_campaign_names_is_in_the_pack():
    slugs = {spec.urn.removeprefix(RISK_URN) for spec in load_pack("hospital").risk_points}
    named = set(campaign.DEPARTMENT_RISKS) | set(campaign.CLINICAL_DEPARTMENT_RISKS)
    named |= set(campaign.LEADER_DECISIONS)
    for posts in (campaign.CLINICAL_POSTS, campaign.SURGICAL_POSTS):
        named |= {slug for risks, _count in posts.values() for slug in risks}
    named |= {slug for risks in campaign.POSTS.values() for slug in risks}
    named |= {slug for risks in campaign.LEADERS.values() for slug in risks}
    assert named - slugs == set()
    assert set(campaign.LEADERS) == {leader.key for leader in LEADERS}


def test_each_hospital_gets_a_filed_register_with_measures_owned(hospital):
    assert hospital.principal_leader.title in {"院长", "党委书记"}
    assert hospital.principal_leader.organisation_id == hospital.pk
    assert hospital.integrity_department.name == "纪检监察室"

    points = RiskPoint.objects.filter(organisation=hospital)
    total = points.count()
    assert 300 <= total <= 650  # a few hundred, as a real hospital's register
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
    for point in filed.order_by("pk")[::17]:
        assert check_filing(point) == [], point.name
    # The campaign files each pack risk once per post (or department), under the pack's name,
    # set in its department's work where the library's own point does not already read so.
    pack = load_pack("hospital")
    # (not the drafts the demo's physician wrote in their own words: demo/submissions.py)
    campaign_points = (
        points.exclude(source=RiskPoint.Source.LIBRARY)
        .filter(author__isnull=True)
        .select_related("department", "post")
    )
    assert campaign_points.count() > 200
    assert set(campaign_points.values_list("name", flat=True)) <= {
        spec.name.zh for spec in pack.risk_points
    }
    held = Counter(campaign_points.values_list("subject", "post", "department", "name"))
    assert max(held.values()) == 1
    pack_text = {spec.name.zh: spec.manifestation.zh for spec in pack.risk_points}
    concrete = [p for p in campaign_points if p.department_id]
    set_in = [p for p in concrete if p.manifestation != pack_text[p.name]]
    assert len(set_in) > 0.5 * len(concrete)
    for point in set_in:
        lead = point.manifestation.removesuffix(pack_text[point.name])
        assert lead.startswith(point.department.name + "在") and lead.endswith("工作中，")

    measures = Measure.objects.filter(organisation=hospital)
    assert 150 <= measures.count() <= 600
    assert set(measures.values_list("status", flat=True)) == {"planned", "in_place"}
    assert not measures.filter(due__isnull=True).exists()
    # Some planned measures are past their due date (overdue), most are in place.
    planned = measures.filter(status=Measure.Status.PLANNED)
    assert planned.filter(due__lt=REFERENCE_DATE).exists()
    assert planned.filter(due__gte=REFERENCE_DATE).exists()
    in_place = measures.filter(status=Measure.Status.IN_PLACE)
    assert in_place.count() > planned.count()
    # 已落实 with the date and what was done, after the measure existed; planned ones have
    # neither.
    assert not in_place.filter(Q(done_on__isnull=True) | Q(evidence="")).exists()
    assert not in_place.filter(done_on__gt=REFERENCE_DATE).exists()
    assert all(m.done_on >= timezone.localtime(m.created_at).date() for m in in_place)
    assert not planned.filter(Q(done_on__isnull=False) | ~Q(evidence="")).exists()
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
    # (and the measures of an accepted rectification, which the assessment writes through the
    # register's own service: demo/assessments.py)
    assert (
        entries["demo.measure.create"] + entries["measure.create"]
        == measures.filter(library_urn="").count()
    )
    links = Measure.risk_points.through.objects.filter(measure__organisation=hospital)
    # a rectification's measure is linked to the assessment's points in its own create event
    rectified = AuditEvent.objects.filter(organisation_id=hospital.pk, action="measure.create")
    rectified_links = links.filter(
        measure_id__in=[int(pk) for pk in rectified.values_list("object_id", flat=True)]
    ).count()
    assert entries["demo.measure.link"] == (
        links.count() - entries["library.import.measure.link"] - rectified_links
    )


def test_leaders_have_their_own_points_with_measures(hospital):
    """Each 院领导 files the 三重一大 risks and those of the fields in their charge, on their
    own post, with measures that have an owner (their own, or the library's)."""
    points = RiskPoint.objects.filter(
        organisation=hospital, post__is_leadership=True
    ).select_related("post", "power")
    by_post = {}
    for point in points:
        by_post.setdefault(point.post.code, []).append(point)
    assert set(by_post) == {leader.post_code for leader in LEADERS}
    for code, own in by_post.items():
        assert len(own) >= 3, code
        assert any(p.power.category == "decision" for p in own), code  # 三重一大
        assert any(p.power.category != "decision" for p in own), code  # 分管领域
        assert all(p.department_id is None and p.subject == "post" for p in own)
    for point in points.filter(status=RiskPoint.Status.FILED):
        owners = [m.owner for m in point.measures.all()]
        assert owners and all(owners), point.name
    # Measures of their own: owned by the leader who holds the post.
    owned = Measure.objects.filter(organisation=hospital, owner_person__is_leader=True)
    assert owned.count() >= len(LEADERS)
    for measure in owned.prefetch_related("risk_points__post__assignments"):
        for point in measure.risk_points.all():
            holders = {a.person_id for a in point.post.assignments.all() if a.end is None}
            assert measure.owner_person_id in holders


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
    # one review each, and one more for each point a campaign re-confirmed (保留, which is a
    # review: demo/campaigns.py)
    reviews = RiskPointEvent.objects.filter(risk_point__organisation=hospital, type=Type.REVIEWED)
    assert set(reviews.values_list("risk_point", flat=True)) == set(
        filed.values_list("pk", flat=True)
    )
    confirmed = AuditEvent.objects.filter(
        organisation_id=hospital.pk, action="campaign.point_confirm"
    ).count()
    assert reviews.count() == filed.count() + confirmed
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
    assert 8 <= regraded.count() <= 0.08 * filed.count()
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
