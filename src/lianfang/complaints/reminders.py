"""Daily reminders (`lianfang notifications remind`): a complaint's step due within the
organisation's reminder days is brought to its handlers (the office lead while unassigned);
one past its deadline is escalated to the office lead, once per deadline, and recorded."""

import datetime as dt

from django.db import transaction

from lianfang.core import audit, notifications, orgsettings, workdays

from . import org_settings as keys
from .models import Assignment, Complaint, Event, Officer, State
from .services import _notify
from .warning_rules import overdue


def _leads(complaint) -> set[int]:
    return set(
        Officer.objects.filter(
            organisation_id=complaint.organisation_id, duty=Officer.Duty.LEAD
        ).values_list("user_id", flat=True)
    )


def _handlers(complaint) -> set[int]:
    return set(
        Assignment.objects.current()
        .filter(complaint=complaint)
        .values_list("handler_id", flat=True)
    )


@notifications.reminder("complaints_due")
def remind_due(today: dt.date) -> int:
    sent = 0
    soon = Complaint.objects.filter(
        state__in=State.OPEN, due_on__gte=today, due_on__lte=today + dt.timedelta(days=31)
    ).select_related("organisation")
    for complaint in soon:
        days = orgsettings.value(complaint.organisation, keys.REMIND_DAYS)
        if workdays.add_working_days(today, days, complaint.organisation) < complaint.due_on:
            continue
        recipients = _handlers(complaint) or _leads(complaint)
        with transaction.atomic():
            _notify(
                complaint,
                recipients,
                kind="complaints.due_soon",
                key=f"complaints.due_soon:{complaint.pk}:{complaint.due_on}",
            )
        sent += 1
    return sent


@notifications.reminder("complaints_overdue")
def escalate_overdue(today: dt.date) -> int:
    escalated = 0
    for complaint in overdue(today).filter(escalated_on__isnull=True):
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
            if complaint.escalated_on is not None:
                continue
            complaint.escalated_on = today
            complaint.save(update_fields=["escalated_on"])
            Event.objects.create(
                complaint=complaint, type="escalated", state=complaint.state,
                data={"due": complaint.due_on.isoformat()},
            )  # fmt: skip
            audit.record(
                actor=None,
                action="complaint.escalate",
                obj=complaint,
                object_repr=complaint.reference,
                after={"reference": complaint.reference, "due": complaint.due_on},
                organisation=complaint.organisation,
            )
            _notify(
                complaint,
                _leads(complaint) | _handlers(complaint),
                kind="complaints.overdue",
                key=f"complaints.overdue:{complaint.pk}:{complaint.due_on}",
            )
        escalated += 1
    return escalated
