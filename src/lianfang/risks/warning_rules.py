"""The register's warning rules: a filed risk point past its review date (复核逾期) and a
measure still planned after its time limit (措施逾期), the conditions of the overdue lists
(`reviews_overdue`, `measures_overdue`). Each checker reads every organisation's rows in a
constant number of queries."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import warnings

from .models import Measure, RiskPoint

SOURCE = "risks"
REVIEW_OVERDUE = "review_overdue"
MEASURE_OVERDUE = "measure_overdue"
SOURCE_LABEL = gettext_lazy("风险防控")
POINTS_SHOWN = 3  # the risk points a measure's warning names


def _owner(department):
    """Who must act for a department's matter: its head, else the department itself."""
    if department is None:
        return None
    return department.head or department


def review_conditions(today: dt.date) -> list[warnings.Condition]:
    """Every filed risk point whose review is past due. One query. The owner is the head of
    its department (who reviews it), else the department; a unit's point has none."""
    points = (
        RiskPoint.objects.filter(status=RiskPoint.Status.FILED, review_due__lt=today)
        .select_related("organisation", "department__head")
        .order_by("pk")
    )
    conditions = []
    for point in points:
        late = (today - point.review_due).days
        conditions.append(
            warnings.Condition(
                key=str(point.pk),
                organisation=point.organisation,
                subject=_("风险点“%(name)s”复核逾期") % {"name": point.name},
                level=warnings.level_by_days(late),
                evidence={
                    "point": [point.pk, point.name],
                    "review_due": point.review_due,
                    "last_reviewed": point.last_reviewed,
                },
                evidence_object=point,
                owner=_owner(point.department),
            )
        )
    return conditions


def measure_conditions(today: dt.date) -> list[warnings.Condition]:
    """Every measure still planned after its time limit. Two queries: the measures, and the
    risk points they cover (a few named per measure). The owner is the measure's."""
    measures = list(
        Measure.objects.overdue(today)
        .select_related("organisation", "owner_person", "owner_department__head")
        .order_by("pk")
    )
    points: dict[int, list] = {}
    links = (
        Measure.risk_points.through.objects.filter(
            measure__status=Measure.Status.PLANNED, measure__due__lt=today
        )
        .order_by("measure_id", "riskpoint_id")
        .values_list("measure_id", "riskpoint_id", "riskpoint__name")
    )
    for measure_id, point_id, name in links:
        named = points.setdefault(measure_id, [])
        if len(named) < POINTS_SHOWN:
            named.append([point_id, name])
    conditions = []
    for measure in measures:
        late = (today - measure.due).days
        conditions.append(
            warnings.Condition(
                key=str(measure.pk),
                organisation=measure.organisation,
                subject=_("防控措施“%(text)s”逾期未落实") % {"text": measure.text[:60]},
                level=warnings.level_by_days(late),
                evidence={"points": points.get(measure.pk, []), "due": measure.due},
                evidence_object=measure,
                owner=measure.owner_person or measure.owner_department,
            )
        )
    return conditions


def _point_links(warning) -> list[tuple[str, str]]:
    point = (warning.evidence or {}).get("point")
    return [(point[1], reverse("risks:point_detail", args=[point[0]]))] if point else []


def _measure_links(warning) -> list[tuple[str, str]]:
    links = [(_("防控措施"), reverse("risks:measure_detail", args=[warning.evidence_id]))]
    return links + [
        (name, reverse("risks:point_detail", args=[pk]))
        for pk, name in (warning.evidence or {}).get("points", [])
    ]


warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=REVIEW_OVERDUE,
        label=gettext_lazy("风险点复核逾期"),
        source_label=SOURCE_LABEL,
        check=review_conditions,
        evidence_labels={
            "point": gettext_lazy("风险点"),
            "review_due": gettext_lazy("下次复核"),
            "last_reviewed": gettext_lazy("最近复核"),
        },
        links=_point_links,
    )
)
warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=MEASURE_OVERDUE,
        label=gettext_lazy("防控措施逾期未落实"),
        source_label=SOURCE_LABEL,
        check=measure_conditions,
        evidence_labels={
            "points": gettext_lazy("所涉风险点"),
            "due": gettext_lazy("完成时限"),
        },
        links=_measure_links,
    )
)
