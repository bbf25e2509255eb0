"""What risks adds to the power catalogue's pages, through org's slots (org names no risks):
a sortable count of risk points in the list, and on a power's page the risk levels on each
step of the flow chart and the table of the power's risk points."""

from collections import Counter

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from lianfang.core import extensions
from lianfang.core.extensions import Panel
from lianfang.org import power_selectors

from . import selectors
from .models import LEVEL_SHORT


def power_risk_panel(request, *, power, steps) -> Panel:
    """The power's risk points the user can see, and their levels counted on each step."""
    points = list(selectors.power_risk_points(user=request.user, power=power))
    by_step: dict[int | None, Counter] = {}
    for point in points:
        point.level_short = LEVEL_SHORT.get(point.level, "")
        by_step.setdefault(point.step_id, Counter())[point.level] += 1
    marks = {}
    for step in steps:
        counts = by_step.get(step.pk)
        if counts:
            marks[step.pk] = render_to_string(
                "risks/includes/power_step_levels.html",
                {
                    "levels": [(lv, LEVEL_SHORT[lv], counts[lv]) for lv in (1, 2, 3) if counts[lv]],
                    "ungraded": counts[None],
                },
            )
    html = render_to_string(
        "risks/power_panel.html",
        {"risk_points": points, "unplaced": by_step.get(None, Counter()).total()},
        request=request,
    )
    return Panel(html=html, marks=marks)


extensions.contribute(power_selectors.POWER_DETAIL, power_risk_panel)
extensions.contribute(
    power_selectors.POWER_COUNTS,
    power_selectors.PowerCount("risks", _("风险点"), selectors.risk_points_visible_to),
)
