"""What risks adds to the power catalogue's pages, through org's slots (org names no risks):
a sortable count of risk points in the list, and on a power's page the risk levels on each
step of the flow chart and the table of the power's risk points, paged like every list."""

from collections import Counter

from django import forms
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from lianfang.core import extensions
from lianfang.core.extensions import Panel
from lianfang.core.tables import paginate
from lianfang.org import power_selectors
from lianfang.org.forms import FilterForm

from . import selectors
from .models import LEVEL_SHORT, Level

POINT_SORTS = {
    "step": ("step__order", "level"),
    "level": ("level", "step__order"),
    "name": "name",
    "category": ("category", "level"),
    "status": ("status", "level"),
}


class PowerPointFilterForm(FilterForm):
    """The power page's risk point filters: a step of the power, a level, a search."""

    level = forms.TypedChoiceField(
        label=_("风险等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("全部等级")),
            *[(lv, LEVEL_SHORT[lv]) for lv in Level.values],
            (selectors.UNGRADED, _("未定级")),
        ],
    )

    def __init__(self, data, *, steps, **kwargs):
        self.steps = steps
        super().__init__(data, **kwargs)

    def setup(self):
        self.fields["step"] = forms.TypedChoiceField(
            label=_("流程环节"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", _("全部环节")), *[(s.pk, s.name) for s in self.steps]],
        )
        self.fields["q"].widget.attrs["placeholder"] = _("风险点名称")
        self.order_fields(["step", "level", "q"])


def power_risk_panel(request, *, power, steps) -> Panel:
    """The power's risk points the user can see, a page at a time (sorted and filtered by
    step, level and name), and their levels counted on each step (one GROUP BY)."""
    points = selectors.power_risk_points(user=request.user, power=power)
    by_step: dict[int | None, Counter] = {}
    for step_id, level, n in (
        points.order_by().values_list("step_id", "level").annotate(n=Count("*"))
    ):
        by_step.setdefault(step_id, Counter())[level] += n
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
    filters = PowerPointFilterForm(request.GET, steps=steps)
    values = filters.values
    shown = points
    if values.get("step"):
        shown = shown.filter(step_id=values["step"])
    if values.get("level") == selectors.UNGRADED:
        shown = shown.filter(level__isnull=True)
    elif values.get("level"):
        shown = shown.filter(level=values["level"])
    if values.get("q"):
        shown = shown.filter(name__icontains=values["q"])
    total = sum(c.total() for c in by_step.values())
    table = paginate(request, shown, sorts=POINT_SORTS, default="step")
    for point in table.rows:
        point.level_short = LEVEL_SHORT.get(point.level, "")
    html = render_to_string(
        "risks/power_panel.html",
        {
            "table": table,
            "filters": filters,
            "total": total,
            "unplaced": by_step.get(None, Counter()).total(),
        },
        request=request,
    )
    return Panel(html=html, marks=marks)


extensions.contribute(power_selectors.POWER_DETAIL, power_risk_panel)
extensions.contribute(
    power_selectors.POWER_COUNTS,
    power_selectors.PowerCount("risks", _("风险点"), selectors.risk_points_visible_to),
)
