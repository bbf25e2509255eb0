"""The campaigns' warning rule: a department in an open campaign with tasks not filed after
the filing phase ended (风险排查逾期未备案), owned by its head; and a carried-over risk point a
closed campaign did not re-confirm (排查未重新确认的风险点), owned by its department's head."""

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import warnings
from lianfang.org.models import Department

from .models import Campaign, CampaignPoint, CampaignTask, Phase

SOURCE = "campaigns"
FILING_LATE = "filing_late"
NOT_RECONFIRMED = "not_reconfirmed"


def late_conditions(today: dt.date) -> list[warnings.Condition]:
    conditions = []
    for campaign in Campaign.objects.filter(state=Campaign.State.OPEN).select_related(
        "organisation"
    ):
        phase = campaign.phases.filter(phase=Phase.FILE).first()
        if phase is None or today <= phase.end:
            continue
        rows = (
            CampaignTask.objects.filter(campaign=campaign, department__isnull=False)
            .exclude(status=CampaignTask.Status.FILED)
            .values("department_id")
            .annotate(n=Count("pk"))
            .order_by("department_id")
        )
        counts = {row["department_id"]: row["n"] for row in rows}
        departments = Department.objects.filter(pk__in=list(counts)).select_related("head")
        for department in departments:
            conditions.append(
                warnings.Condition(
                    key=f"{campaign.pk}:{department.pk}",
                    organisation=campaign.organisation,
                    subject=_("%(campaign)s：%(department)s逾期未完成备案")
                    % {"campaign": campaign.name, "department": department.name},
                    level=warnings.level_by_days((today - phase.end).days, warning_after=10),
                    evidence={
                        "campaign": [campaign.pk, campaign.name],
                        "department": [department.pk, department.name],
                        "end": phase.end,
                    },
                    evidence_object=campaign,
                    owner=department.head or department,
                )
            )
    return conditions


def not_reconfirmed_conditions(today: dt.date) -> list[warnings.Condition]:
    """Points carried into the latest closed campaign of each organisation and not
    re-confirmed there, still filed: flagged for review, not silently kept."""
    latest = {}
    for campaign in Campaign.objects.filter(state=Campaign.State.CLOSED).order_by(
        "organisation_id", "closed_at"
    ):
        latest[campaign.organisation_id] = campaign
    conditions = []
    points = (
        CampaignPoint.objects.filter(
            task__campaign__in=[c.pk for c in latest.values()],
            origin=CampaignPoint.Origin.CARRIED,
            confirmed=False,
            risk_point__status="filed",
        )
        .select_related("risk_point__organisation", "risk_point__department__head", "task")
        .order_by("pk")
    )
    seen = set()
    for cp in points:
        point = cp.risk_point
        if point.pk in seen:  # a post's point sits in the task of each holder of the post
            continue
        seen.add(point.pk)
        campaign = latest[point.organisation_id]
        department = point.department
        conditions.append(
            warnings.Condition(
                key=f"{campaign.pk}:{point.pk}",
                organisation=point.organisation,
                subject=_("风险点“%(point)s”未在%(campaign)s中重新确认，请复核")
                % {"point": point.name, "campaign": campaign.name},
                level=warnings.level_by_days(0, warning_after=30),
                evidence={
                    "campaign": [campaign.pk, campaign.name],
                    "point": [point.pk, point.name],
                },
                evidence_object=point,
                owner=(department.head or department) if department else None,
            )
        )
    return conditions


def _links(warning) -> list[tuple[str, str]]:
    evidence = warning.evidence or {}
    links = []
    if evidence.get("campaign"):
        pk, name = evidence["campaign"]
        links.append((name, reverse("campaigns:detail", args=[pk])))
    if evidence.get("point"):
        pk, name = evidence["point"]
        links.append((name, reverse("risks:point_detail", args=[pk])))
    return links


warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=FILING_LATE,
        label=gettext_lazy("风险排查逾期未备案"),
        source_label=gettext_lazy("风险排查"),
        check=late_conditions,
        evidence_labels={
            "campaign": gettext_lazy("风险排查"),
            "department": gettext_lazy("科室"),
            "end": gettext_lazy("备案截止"),
        },
        links=_links,
    )
)
warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=NOT_RECONFIRMED,
        label=gettext_lazy("排查未重新确认的风险点"),
        source_label=gettext_lazy("风险排查"),
        check=not_reconfirmed_conditions,
        evidence_labels={
            "campaign": gettext_lazy("风险排查"),
            "point": gettext_lazy("风险点"),
        },
        links=_links,
    )
)
