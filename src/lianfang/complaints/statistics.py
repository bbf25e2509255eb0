"""Statistics for the office's quarterly report and the annual 述责述廉: counts by category,
channel, department concerned, finding and month; handling time; the share of deadlines met.
Counts only: no content, no identities, no person concerned."""

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from lianfang.core import orgsettings, workdays

from . import org_settings as keys
from .models import Category, Channel, Complaint, Finding, Officer
from .selectors import duty_org_ids


def complaints_for_statistics(user, year: int | None = None):
    """The complaints of the organisations where `user` is the office lead."""
    qs = Complaint.objects.filter(organisation_id__in=duty_org_ids(user, Officer.Duty.LEAD))
    if year:
        qs = qs.filter(received_on__year=year)
    return qs


def _labelled(rows, labels) -> list[tuple[str, int]]:
    return [(str(labels.get(key, key or _("未填写"))), n) for key, n in rows]


def statistics(user, year: int | None = None) -> dict:
    qs = complaints_for_statistics(user, year)

    def by(field):
        return list(qs.values_list(field).annotate(n=Count("pk")).order_by("-n", field))

    months = [
        (m.strftime("%Y-%m"), n)
        for m, n in qs.annotate(m=TruncMonth("received_on"))
        .values_list("m")
        .annotate(n=Count("pk"))
        .order_by("m")
        if m is not None
    ]
    departments = list(
        qs.filter(subject_department__isnull=False)
        .values_list("subject_department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "subject_department__name")
    )
    timing = _timing(qs)
    return {
        "total": qs.count(),
        "category": _labelled(by("category"), dict(Category.choices)),
        "channel": _labelled(by("channel"), dict(Channel.choices)),
        "finding": _labelled([(k, n) for k, n in by("finding") if k], dict(Finding.choices)),
        "department": [(name, n) for name, n in departments],
        "month": months,
        **timing,
    }


def _timing(qs) -> dict:
    rows = list(
        qs.select_related("organisation").only(
            "organisation", "received_on", "accepted_on", "concluded_on", "feedback_on"
        )
    )
    days, met, due = [], Counter(), Counter()
    for c in rows:
        org = c.organisation
        if c.concluded_on:
            days.append((c.concluded_on - c.received_on).days)
        if c.accepted_on:
            due["accept"] += 1
            limit = workdays.add_working_days(
                c.received_on, orgsettings.value(org, keys.ACCEPT_DAYS), org
            )
            met["accept"] += c.accepted_on <= limit
        if c.feedback_on and c.concluded_on:
            due["feedback"] += 1
            limit = workdays.add_working_days(
                c.concluded_on, orgsettings.value(org, keys.FEEDBACK_DAYS), org
            )
            met["feedback"] += c.feedback_on <= limit
    total_due = due["accept"] + due["feedback"]
    return {
        "concluded": len(days),
        "mean_days": round(sum(days) / len(days), 1) if days else None,
        "deadlines_due": total_due,
        "deadlines_met": met["accept"] + met["feedback"],
        "deadlines_share": round(100 * (met["accept"] + met["feedback"]) / total_due, 1)
        if total_due
        else None,
    }


def years_of(user) -> list[int]:
    qs = complaints_for_statistics(user)
    return sorted({d.year for d in qs.dates("received_on", "year")}, reverse=True) or [
        dt.date.today().year
    ]
