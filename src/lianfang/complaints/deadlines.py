"""The deadline of each step, on the organisation's working-day calendar (core.workdays).

纪检监察机关处理检举控告工作规则: a decision (受理 / 不予受理 / 转办) and its notice to a named
reporter within 15 工作日 of receipt, 转办 within 5 工作日, feedback of the result within
15 工作日 of 办结; a 信访 matter concluded within 60 days of acceptance, extendable once by
30. The numbers are the organisation's settings (org_settings.py).
"""

import datetime as dt

from lianfang.core import orgsettings, workdays

from . import org_settings as keys
from .models import Complaint, State

EXTENSION_DAYS = 30


def due_for(complaint: Complaint) -> dt.date | None:
    """The deadline of the complaint's current step (None when the step has none)."""
    org = complaint.organisation
    if complaint.state == State.REGISTERED:
        return workdays.add_working_days(
            complaint.received_on, orgsettings.value(org, keys.ACCEPT_DAYS), org
        )
    if complaint.state in (State.ACCEPTED, State.HANDLING):
        if not complaint.petition or complaint.accepted_on is None:
            return None
        days = orgsettings.value(org, keys.PETITION_DAYS)
        if complaint.extended:
            days += EXTENSION_DAYS
        return complaint.accepted_on + dt.timedelta(days=days)
    if complaint.state == State.CONCLUDED and complaint.concluded_on:
        return workdays.add_working_days(
            complaint.concluded_on, orgsettings.value(org, keys.FEEDBACK_DAYS), org
        )
    return None


def transfer_due(complaint: Complaint) -> dt.date:
    org = complaint.organisation
    return workdays.add_working_days(
        complaint.received_on, orgsettings.value(org, keys.TRANSFER_DAYS), org
    )


def is_petition(organisation, category: str) -> bool:
    return category in orgsettings.value(organisation, keys.PETITION_CATEGORIES)


def week_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)
