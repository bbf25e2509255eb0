"""The assessments' services: evidence, numbering, signing, rectification, escalation and the
register measures an accepted rectification writes."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianfang.assessments import selectors, services
from lianfang.assessments.models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    Notice,
)
from lianfang.complaints.models import Complaint, Finding
from lianfang.core import workdays
from lianfang.core.models import AuditEvent, Notification, WarningLevel
from lianfang.risks.models import Measure, RiskPointEvent

from .helpers import DATA, assess, calendar_known, overdue_measure, rectify  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_known")]


def test_the_candidates_are_the_partys_overdue_records(world):
    point, measure = overdue_measure(world, person=world.staff_person)
    overdue_measure(world, person=world.head_person, text="别人的措施")
    found = selectors.evidence_candidates(person=world.staff_person)
    assert set(found) == {f"measure:{measure.pk}", f"point:{point.pk}"}
    assert "双人验收药品入库" in found[f"measure:{measure.pk}"].text
    # a measure in place is no longer overdue
    Measure.objects.filter(pk=measure.pk).update(status=Measure.Status.IN_PLACE)
    assert f"measure:{measure.pk}" not in selectors.evidence_candidates(person=world.staff_person)


def test_a_complaint_found_true_is_cited_by_number_and_finding_only(world):
    complaint = Complaint.objects.create(
        organisation=world.hospital,
        channel="online",
        category="kickback",
        received_on=timezone.localdate(),
        subject_person=world.staff_person,
        content="某医生收受回扣的详细经过",
        finding=Finding.TRUE,
        receipt_prefix="ABCD",
        receipt_hash="x",
    )
    found = selectors.evidence_candidates(person=world.staff_person)
    text = found[f"complaint:{complaint.pk}"].text
    assert complaint.reference in text and "属实" in text
    assert "回扣" not in text
    assessment = services.assessment_create(
        actor=world.users["integrity"],
        organisation=world.hospital,
        person=world.staff_person,
        data=DATA,
        cite=[f"complaint:{complaint.pk}"],
    )
    # the office reads it; the assessed person does not
    services.assessment_issue(actor=world.users["integrity"], assessment=assessment)
    assert [e.kind for e in selectors.evidence_for(world.users["integrity"], assessment)] == [
        Evidence.Kind.COMPLAINT
    ]
    assert selectors.evidence_for(world.users["staff"], assessment) == []


def test_create_requires_evidence_a_conclusion_and_the_office(world):
    office = world.users["integrity"]
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(
            actor=office, organisation=world.hospital, person=world.staff_person, data=DATA
        )
    assert "依据" in str(exc.value)
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=office,
            organisation=world.hospital,
            person=world.staff_person,
            data={**DATA, "level": 7},
            findings=["审计发现"],
        )
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=office,
            organisation=world.hospital,
            person=world.staff_person,
            data=DATA,
            cite=["measure:999999"],
        )
    with pytest.raises(PermissionDenied):
        services.assessment_create(
            actor=world.users["leader"],
            organisation=world.hospital,
            person=world.staff_person,
            data=DATA,
            findings=["审计发现"],
        )
    # another unit's person
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=office,
            organisation=world.hospital,
            person=world.other_person,
            data=DATA,
            findings=["审计发现"],
        )
    assert not Assessment.objects.exists()


def test_notice_numbers_run_per_organisation_and_year_without_gaps(world):
    first = assess(world)
    second = assess(world, person=world.colleague_person)
    year = timezone.localdate().year
    assert [n.seq for n in Notice.objects.order_by("seq")] == [1, 2]
    assert first.notices.get().number == f"廉评〔{year}〕1号"
    # a refused issue takes no number
    with pytest.raises(ValidationError):
        services.assessment_issue(actor=world.users["integrity"], assessment=second)
    third = assess(world, person=world.head_person)
    assert third.notices.get().seq == 3


def test_the_reply_is_due_five_working_days_after_the_talk(world):
    talk = timezone.localdate() + dt.timedelta(days=2)
    assessment = assess(world, talk_on=talk)
    notice = assessment.notices.get()
    assert notice.reply_due == workdays.add_working_days(talk, 5, world.hospital)
    assert assessment.due_on == notice.reply_due
    assert Notification.objects.filter(recipient=world.users["staff"]).exists()


def test_a_talk_date_needs_a_talk(world):
    with pytest.raises(ValidationError):
        assess(world, measures=["rectify"], talk_on=timezone.localdate())


def test_the_party_signs_once_and_nobody_else(world):
    assessment = assess(world)
    notice = assessment.notices.get()
    with pytest.raises(PermissionDenied):
        services.notice_sign(actor=world.users["dept_head"], notice=notice)
    services.notice_sign(actor=world.users["staff"], notice=notice)
    notice.refresh_from_db()
    assert notice.signed_by == world.users["staff"] and notice.signed_at
    with pytest.raises(ValidationError):
        services.notice_sign(actor=world.users["staff"], notice=notice)


def test_an_accepted_rectification_becomes_register_measures(world):
    point, _measure = overdue_measure(world, person=world.staff_person)
    assessment = assess(world, risk_points=[point])
    rectification = rectify(world, assessment)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    services.rectification_accept(actor=world.users["integrity"], assessment=assessment)
    row = rectification.measures.get()
    measure = Measure.objects.get(pk=row.register_measure_id)
    assert measure.text == "修订验收制度" and measure.owner_person == world.staff_person
    assert list(measure.risk_points.all()) == [point]
    # written by the register's own service: its audit event and the point's timeline
    assert AuditEvent.objects.filter(action="measure.create").count() == 1
    assert RiskPointEvent.objects.filter(risk_point=point).exists()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.ACCEPTED
    with pytest.raises(ValidationError):
        rectify(world, assessment)


def test_failing_twice_raises_the_level_with_a_new_notice(world):
    assessment = assess(world, level=WarningLevel.NOTICE)
    office = world.users["integrity"]
    rectify(world, assessment)
    services.rectification_return(actor=office, assessment=assessment, reason="原因分析不深入")
    assessment.refresh_from_db()
    assert (assessment.level, assessment.status, assessment.failures) == (
        WarningLevel.NOTICE,
        Assessment.Status.RETURNED,
        1,
    )
    rectify(world, assessment)
    services.rectification_return(actor=office, assessment=assessment, reason="措施仍未落实")
    assessment.refresh_from_db()
    assert assessment.level == WarningLevel.WARNING
    assert assessment.failures == 0 and assessment.status == Assessment.Status.ISSUED
    notices = list(assessment.notices.order_by("seq"))
    assert [n.level for n in notices] == [WarningLevel.NOTICE, WarningLevel.WARNING]
    assert [n.seq for n in notices] == [1, 2]
    # two more failures: 亮牌
    for _ in range(2):
        rectify(world, assessment)
        services.rectification_return(actor=office, assessment=assessment, reason="仍不合格")
    assessment.refresh_from_db()
    assert assessment.level == WarningLevel.CARD
    # at 亮牌 there is no higher level: the failures are recorded, no new notice
    for _ in range(2):
        rectify(world, assessment)
        services.rectification_return(actor=office, assessment=assessment, reason="仍不合格")
    assessment.refresh_from_db()
    assert assessment.level == WarningLevel.CARD and assessment.notices.count() == 3
    types = list(assessment.events.values_list("type", flat=True))
    assert types.count(AssessmentEvent.Type.ESCALATED) == 2
    assert AuditEvent.objects.filter(action="assessment.escalate").count() == 2


def test_a_return_needs_a_reason_and_a_submitted_rectification(world):
    assessment = assess(world)
    office = world.users["integrity"]
    with pytest.raises(ValidationError):
        services.rectification_return(actor=office, assessment=assessment, reason="x")
    rectify(world, assessment)
    with pytest.raises(ValidationError):
        services.rectification_return(actor=office, assessment=assessment, reason="  ")
    with pytest.raises(PermissionDenied):
        services.rectification_accept(actor=world.users["staff"], assessment=assessment)


def test_a_rectification_needs_a_measure_with_owner_and_date(world):
    assessment = assess(world)
    staff = world.users["staff"]
    base = {"cause": "原因", "measures": []}
    with pytest.raises(ValidationError):
        services.rectification_submit(actor=staff, assessment=assessment, data=base)
    with pytest.raises(ValidationError):
        services.rectification_submit(
            actor=staff,
            assessment=assessment,
            data={
                **base,
                "measures": [
                    {"text": "措施", "owner": world.other_person, "due": dt.date(2027, 1, 1)}
                ],
            },
        )
    with pytest.raises(PermissionDenied):
        rectify(world, assessment, user=world.users["dept_head"])
    assert not assessment.rectifications.exists()


def test_a_department_is_rectified_by_its_head(world):
    assessment = services.assessment_create(
        actor=world.users["integrity"],
        organisation=world.hospital,
        department=world.cardiology,
        data=DATA,
        findings=["审计发现：科室耗材领用无审批"],
    )
    services.assessment_issue(actor=world.users["integrity"], assessment=assessment)
    rectify(world, assessment, user=world.users["dept_head"])
    with pytest.raises(PermissionDenied):
        services.notice_sign(actor=world.users["staff"], notice=assessment.notices.get())


def test_who_sees_what(world):
    card = assess(world, level=WarningLevel.CARD)
    notice = assess(world, level=WarningLevel.NOTICE, person=world.colleague_person)
    draft = assess(
        world,
        person=world.buyer_person if hasattr(world, "buyer_person") else world.procurement_person,
        issue=False,
    )

    def seen(role):
        return set(selectors.assessments_visible_to(world.users[role]).values_list("pk", flat=True))

    assert seen("integrity") == {card.pk, notice.pk, draft.pk}
    assert seen("commission_integrity") == {card.pk, notice.pk, draft.pk}
    assert seen("leader") == {card.pk}
    assert seen("dept_head") == {card.pk, notice.pk}  # the cardiology people's
    assert seen("staff") == {card.pk}
    assert seen("outsider") == set()
    assert seen("admin") == set()


def test_every_step_is_on_the_timeline_and_audited(world):
    assessment = assess(world)
    services.notice_sign(actor=world.users["staff"], notice=assessment.notices.get())
    rectify(world, assessment)
    services.rectification_accept(actor=world.users["integrity"], assessment=assessment)
    assert list(assessment.events.values_list("type", flat=True)) == [
        "created",
        "issued",
        "signed",
        "submitted",
        "accepted",
    ]
    person_steps = selectors.party_timeline(user=world.users["staff"], person=world.staff_person)
    assert person_steps.count() == 5
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "assessment.create",
        "assessment.notice.issue",
        "assessment.notice.sign",
        "assessment.rectification.submit",
        "assessment.rectification.accept",
    } <= actions
    stats = selectors.statistics(user=world.users["integrity"])
    assert stats["total"] == 1
    assert {row["type"]: row["count"] for row in stats["steps"]}["accepted"] == 1
