"""Daily reminder (`lianfang notifications remind`, on the shared schedule): a rectification
due within two working days is brought to the assessed party, once per deadline. Past the
deadline the warning rule `assessments.rectification_overdue` takes over."""

import datetime as dt

from django.db import transaction

from lianfang.core import notifications, workdays

from . import notification_kinds as kinds
from .models import Assessment
from .services import _notify, _party_users

REMIND_DAYS = 2


@notifications.reminder("assessments_due")
def remind_due(today: dt.date) -> int:
    sent = 0
    soon = Assessment.objects.filter(
        status__in=(Assessment.Status.ISSUED, Assessment.Status.RETURNED),
        due_on__gte=today,
        due_on__lte=today + dt.timedelta(days=14),
    ).select_related("organisation", "person", "department")
    for assessment in soon:
        if (
            workdays.add_working_days(today, REMIND_DAYS, assessment.organisation)
            < assessment.due_on
        ):
            continue
        with transaction.atomic():
            _notify(
                assessment,
                kinds.DUE_SOON,
                recipients=_party_users(assessment),
                actor=None,
                key=f"assessments.due_soon:{assessment.pk}:{assessment.due_on}",
                due=assessment.due_on.isoformat(),
            )
        sent += 1
    return sent
