"""The satisfaction module's warning rule: a department whose satisfaction stayed below the
organisation's line (`satisfaction.warning_below`) in each of the last two complete months,
each month with at least the minimum count that ranks a unit (fewer answers say too little).
Six queries for every organisation at once."""

import datetime as dt

from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import orgsettings, warnings
from lianfang.org.models import Department, Organisation

from . import org_settings
from .models import Answer
from .selectors import Stat, _aggregates, _fill, _weight, month_start

SOURCE = "satisfaction"
LOW_SCORE = "low_score"


def low_score_conditions(today: dt.date) -> list[warnings.Condition]:
    first, second, end = (month_start(n, today) for n in (2, 1, 0))
    rows = list(
        Answer.objects.filter(submitted_at__gte=first, submitted_at__lt=end)
        .annotate(month=TruncMonth("submitted_at"))
        .values("department_id", "organisation_id", "month")
        .annotate(**_aggregates(_weight(Answer.objects.values("organisation_id").distinct())))
    )
    if not rows:
        return []
    organisations = list(Organisation.objects.filter(pk__in={r["organisation_id"] for r in rows}))
    values = orgsettings.values_for(
        organisations, [org_settings.WARNING_BELOW, org_settings.MIN_RANKED]
    )
    months: dict[int, dict] = {}
    for row in rows:
        stat = _fill(Stat(key=row["department_id"], label=""), row)
        line = values[row["organisation_id"], org_settings.WARNING_BELOW]
        minimum = values[row["organisation_id"], org_settings.MIN_RANKED]
        low = stat.mean is not None and stat.mean < line and stat.count >= minimum
        months.setdefault(row["department_id"], {})[timezone.localtime(row["month"]).date()] = (
            stat if low else None
        )
    wanted = (first.date(), second.date())
    low_departments = {
        pk: found for pk, found in months.items() if all(found.get(m) for m in wanted)
    }
    departments = Department.objects.filter(Q(pk__in=list(low_departments))).select_related(
        "organisation", "head"
    )
    conditions = []
    for department in departments.order_by("pk"):
        found = low_departments[department.pk]
        line = values[department.organisation_id, org_settings.WARNING_BELOW]
        conditions.append(
            warnings.Condition(
                key=f"{department.pk}:{second:%Y-%m}",
                organisation=department.organisation,
                subject=_("%(name)s 患者满意度连续两个月低于 %(line)s 分")
                % {"name": department.name, "line": line},
                level=warnings.level_by_days(0),
                evidence={
                    "department": [department.pk, department.name],
                    "line": line,
                    "first": [f"{first:%Y-%m}", round(found[wanted[0]].mean, 1)],
                    "second": [f"{second:%Y-%m}", round(found[wanted[1]].mean, 1)],
                },
                evidence_object=department,
                owner=department.head or department,
            )
        )
    return conditions


def _links(warning):
    department = (warning.evidence or {}).get("department")
    if not department:
        return []
    return [(department[1], reverse("satisfaction:department", args=[department[0]]))]


warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=LOW_SCORE,
        label=gettext_lazy("科室满意度连续偏低"),
        source_label=gettext_lazy("患者满意度"),
        check=low_score_conditions,
        evidence_labels={
            "department": gettext_lazy("科室"),
            "line": gettext_lazy("预警线"),
            "first": gettext_lazy("前一月得分"),
            "second": gettext_lazy("上月得分"),
        },
        links=_links,
    )
)
