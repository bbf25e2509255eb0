"""The rectification deadline: the daily reminder before it, the warning after it (on the
shared schedule: `lianfang notifications remind` and `lianfang warnings check`)."""

import datetime as dt

import pytest
from django.utils import timezone

from lianfang.assessments import reminders, warning_rules
from lianfang.assessments.models import Assessment
from lianfang.core import warnings, workdays
from lianfang.core.models import Notification, Warning

from .helpers import assess, calendar_known, rectify  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_known")]


def test_the_party_is_reminded_once_before_the_deadline(world):
    assessment = assess(world)
    today = workdays.add_working_days(assessment.due_on, -1, world.hospital)
    assert reminders.remind_due(today) == 1
    reminders.remind_due(today)
    assert (
        Notification.objects.filter(
            recipient=world.users["staff"], kind="assessments.due_soon"
        ).count()
        == 1
    )
    # far ahead: no reminder yet
    assert reminders.remind_due(timezone.localdate() - dt.timedelta(days=1)) == 0


def test_an_overdue_rectification_raises_a_warning_owned_by_the_party(world):
    assessment = assess(world)
    late = assessment.due_on + dt.timedelta(days=1)
    conditions = warning_rules.overdue_conditions(late)
    assert [c.evidence_object for c in conditions] == [assessment]
    assert conditions[0].owner == world.staff_person
    now = timezone.make_aware(dt.datetime.combine(late, dt.time(9)))
    warnings.warnings_check(now=now, only=[("assessments", "rectification_overdue")])
    assert Warning.objects.filter(source="assessments", status="open").count() == 1
    # submitted: the condition is gone and the next check resolves it
    rectify(world, assessment)
    assert Assessment.objects.get().status == Assessment.Status.SUBMITTED
    assert warning_rules.overdue_conditions(late) == []
