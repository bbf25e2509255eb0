"""Shared builders of the assessments tests."""

import datetime as dt

import pytest
from django.utils import timezone

from lianfang.assessments import services
from lianfang.core.models import WarningLevel, WorkdayYear
from lianfang.risks.models import Measure, RiskPoint
from tests.risks.factories import make_risk_point


@pytest.fixture
def calendar_known(db):
    """Next year confirmed as weekends only, so a deadline issued in late December counts."""
    WorkdayYear.objects.get_or_create(
        organisation=None,
        year=timezone.localdate().year + 1,
        defaults={"confirmed_at": timezone.now()},
    )


def overdue_measure(world, person=None, department=None, text="双人验收药品入库"):
    point = make_risk_point(
        post=(person or world.staff_person).assignments.get().post,
        name="药品采购中收受回扣",
        status=RiskPoint.Status.FILED,
        review_due=timezone.localdate() - dt.timedelta(days=3),
    )
    measure = Measure.objects.create(
        organisation=world.hospital,
        text=text,
        owner_person=person,
        owner_department=department,
        due=timezone.localdate() - dt.timedelta(days=10),
    )
    measure.risk_points.add(point)
    return point, measure


DATA = {
    "level": WarningLevel.NOTICE,
    "grounds": "防控措施逾期未落实，复核逾期。",
    "measures": ["reminder_talk", "rectify"],
    "requirements": "一个月内完成验收制度修订并落实双人验收。",
}


def assess(world, *, level=WarningLevel.NOTICE, person=None, issue=True, **data):
    """An assessment of the staff member (or `person`) citing every candidate, issued."""
    from lianfang.assessments.selectors import evidence_candidates

    person = person or world.staff_person
    office = world.users["integrity"]
    cite = list(evidence_candidates(person=person))
    assessment = services.assessment_create(
        actor=office,
        organisation=world.hospital,
        person=person,
        data={**DATA, "level": level, **data},
        cite=cite,
        findings=[] if cite else ["2026 年度内部审计：验收记录缺双人签字"],
    )
    if issue:
        services.assessment_issue(actor=office, assessment=assessment)
        assessment.refresh_from_db()
    return assessment


def rectify(world, assessment, user=None, text="修订验收制度"):
    return services.rectification_submit(
        actor=user or world.users["staff"],
        assessment=assessment,
        data={
            "cause": "对验收制度执行不严。",
            "rule_changes": "修订《药品验收管理办法》",
            "measures": [
                {
                    "text": text,
                    "owner": world.staff_person,
                    "due": timezone.localdate() + dt.timedelta(days=30),
                }
            ],
        },
    )
