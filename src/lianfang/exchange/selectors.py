"""Reads of reporting upward (上报).

- Who reports: the integrity office and administrators of a unit that has a higher level
  (`reporting_units`: the organisations they write, below another one).
- Who receives: those of a higher level (`receiving_units`: the organisations strictly below
  their grants; `importable_units`: below the nodes they write).
- A report is read by whoever reads its unit (`reports_visible_to`): the unit's office and
  every level above it.
- `payload_of`: what a unit reports for a year and a campaign, built from the register (the
  filed points with their levels and measures), the commitments' status and the campaign's
  summary; the documents of the exchange file's JSON members.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils import timezone

from lianfang.campaigns.models import Campaign
from lianfang.campaigns.services import summary_of
from lianfang.commitments import selectors as commitment_selectors
from lianfang.core.scoping import register, scope_of
from lianfang.org.models import Organisation
from lianfang.org.selectors import organisations_manageable_by
from lianfang.risks.models import Measure, RiskPoint

from .models import Report
from .schema import CAMPAIGN, COMMITMENTS, REGISTER, SCHEMA


@register(Report)
def reports_visible_to(user) -> QuerySet[Report]:
    scope = scope_of(user)
    if scope.is_empty or not scope.subtree_paths:
        return Report.objects.none()
    return Report.objects.filter(scope.subtree_q("organisation__path"))


def reporting_units(user) -> QuerySet[Organisation]:
    """The units `user` reports for: those they write that have a level above."""
    return organisations_manageable_by(user).filter(parent__isnull=False).order_by("path")


def _below(paths) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path) & ~Q(path=path)
    return q


def receiving_units(user) -> QuerySet[Organisation]:
    """The units below the organisations `user` reads: whose reports they receive."""
    scope = scope_of(user)
    if not scope.subtree_paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(_below(scope.subtree_paths)).order_by("path")


def importable_units(user) -> QuerySet[Organisation]:
    """The units whose exchange files `user` may import: below a node they write."""
    reach = scope_of(user).write
    return Organisation.objects.filter(_below((*reach.subtrees, *reach.nodes))).order_by("path")


def campaigns_to_report(unit: Organisation) -> QuerySet[Campaign]:
    """The unit's campaigns that can be reported: opened (in progress or closed)."""
    return Campaign.objects.filter(
        organisation=unit, state__in=(Campaign.State.OPEN, Campaign.State.CLOSED)
    ).order_by("-year", "-pk")


# What a unit reports ---------------------------------------------------------------------------


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _moment(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def register_document(unit: Organisation, year: int) -> dict:
    """The unit's filed risk points, their levels and measures (three queries)."""
    points = list(
        RiskPoint.objects.filter(organisation=unit, status=RiskPoint.Status.FILED)
        .order_by("pk")
        .values_list(
            "pk",
            "subject",
            "department__name",
            "post__name",
            "category",
            "name",
            "manifestation",
            "level",
            "review_due",
        )
    )
    links = defaultdict(list)
    for measure_id, point_id in Measure.risk_points.through.objects.filter(
        riskpoint__organisation=unit, riskpoint__status=RiskPoint.Status.FILED
    ).values_list("measure_id", "riskpoint_id"):
        links[point_id].append(measure_id)
    measures = {
        pk: {
            "text": text,
            "owner": person or department or "",
            "due": _date(due),
            "status": status,
        }
        for pk, text, person, department, due, status in Measure.objects.filter(
            pk__in={m for ids in links.values() for m in ids}
        ).values_list("pk", "text", "owner_person__name", "owner_department__name", "due", "status")
    }
    levels = {"1": 0, "2": 0, "3": 0, "none": 0}
    rows = []
    for pk, subject, department, post, category, name, manifestation, level, due in points:
        levels[str(level) if level else "none"] += 1
        rows.append(
            {
                "ref": pk,
                "subject": subject,
                "department": department or "",
                "post": post or "",
                "category": category,
                "name": name,
                "manifestation": manifestation,
                "level": level,
                "review_due": _date(due),
                "measures": [measures[m] for m in sorted(links[pk]) if m in measures],
            }
        )
    used = {m for ids in links.values() for m in ids}
    in_place = sum(1 for m in used if measures[m]["status"] == Measure.Status.IN_PLACE)
    return {
        "schema": SCHEMA,
        "unit": unit.code,
        "year": year,
        "levels": levels,
        "measures": {"planned": len(used) - in_place, "in_place": in_place},
        "points": rows,
    }


def commitments_document(unit: Organisation, year: int) -> dict:
    """How many of the unit's people and departments have signed their commitment."""
    people = commitment_selectors.counts(commitment_selectors.due_people([unit.pk], year))
    departments = commitment_selectors.counts(commitment_selectors.due_departments([unit.pk], year))
    return {
        "schema": SCHEMA,
        "unit": unit.code,
        "year": year,
        "personal": people,
        "departmental": departments,
    }


def campaign_document(unit: Organisation, year: int, campaign: Campaign | None) -> dict:
    """The campaign's summary: frozen when it closed, else as it stands."""
    body = None
    if campaign is not None:
        body = {
            "name": campaign.name,
            "year": campaign.year,
            "state": campaign.state,
            "opened_at": _moment(campaign.opened_at),
            "closed_at": _moment(campaign.closed_at),
            "summary": campaign.summary or summary_of(campaign),
        }
    return {"schema": SCHEMA, "unit": unit.code, "year": year, "campaign": body}


def payload_of(unit: Organisation, *, year: int, campaign: Campaign | None) -> dict:
    """The documents of a report: the JSON members of an exchange file, by name."""
    return {
        REGISTER: register_document(unit, year),
        COMMITMENTS: commitments_document(unit, year),
        CAMPAIGN: campaign_document(unit, year, campaign),
    }


def figures_of(documents: dict) -> dict:
    """The dashboard's figures of a report: points by level, measures, commitments signed,
    the campaign's state."""
    register_doc = documents[REGISTER]
    personal = documents[COMMITMENTS]["personal"]
    due = sum(personal.values())
    campaign = documents[CAMPAIGN]["campaign"]
    return {
        "points": len(register_doc["points"]),
        "levels": register_doc["levels"],
        "measures": register_doc["measures"],
        "signed": personal["signed"],
        "due": due,
        "signed_pct": round(100 * personal["signed"] / due, 1) if due else None,
        "campaign_state": campaign["state"] if campaign else "",
    }


# The receiving side's dashboard -----------------------------------------------------------------


def dashboard(*, user, year: int | None = None) -> list[dict]:
    """One row per unit below the user's organisations: its latest report (of `year`, when
    given) with its figures, how it arrived, and how many versions it has."""
    units = list(receiving_units(user).select_related("parent"))
    reports = (
        reports_visible_to(user)
        .filter(organisation__in=units)
        .defer("payload")
        .select_related("by")
        .order_by("organisation_id", "-at", "-pk")
    )
    if year:
        reports = reports.filter(year=year)
    latest, counts = {}, defaultdict(int)
    for report in reports:
        latest.setdefault(report.organisation_id, report)
        counts[report.organisation_id] += 1
    return [
        {"unit": unit, "report": latest.get(unit.pk), "reports": counts[unit.pk]} for unit in units
    ]


def unit_history(unit: Organisation) -> QuerySet[Report]:
    return (
        Report.objects.filter(organisation=unit)
        .defer("payload")
        .select_related("by", "receiver", "campaign")
        .order_by("-at", "-pk")
    )


def versions_of(report: Report) -> QuerySet[Report]:
    """Every version of what the report's unit reported for its year and campaign."""
    return (
        Report.objects.filter(
            organisation_id=report.organisation_id,
            year=report.year,
            campaign_name=report.campaign_name,
        )
        .defer("payload")
        .select_related("by")
        .order_by("-version")
    )


def latest_of(unit: Organisation, year: int, campaign_name: str) -> Report | None:
    return (
        Report.objects.filter(organisation=unit, year=year, campaign_name=campaign_name)
        .order_by("-version")
        .first()
    )


def this_year() -> int:
    return timezone.localdate().year
