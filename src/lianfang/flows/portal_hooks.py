"""What the flows give the disclosure portal (which sits below them and cannot name them):

- a public power's flow chart: the steps of the power's active flow, in their order, rendered
  on the server as a plain ordered list (control points marked). The public site's strict CSP
  and its cache are kept simple that way: no script, no public URL serving BPMN XML, and
  nothing of a definition but its steps' names is shown;
- the completeness check "control points completed without a publication".
"""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lianfang.portal import columns

from . import publications
from .models import FlowDefinition, Instance


def _active_definition(power):
    return (
        FlowDefinition.objects.filter(
            power=power,
            organisation_id=power.organisation_id,
            active=True,
            current_version__isnull=False,
        )
        .select_related("current_version")
        .only("pk", "name", "code", "current_version__spec")
        .order_by("code")
        .first()
    )


def power_chart(power) -> str | None:
    """The steps of the public power's active flow, as safe HTML (None: no flow, or the power
    is not public)."""
    if not getattr(power, "is_public", False):
        return None
    definition = _active_definition(power)
    if definition is None:
        return None
    tasks = (definition.current_version.spec or {}).get("tasks") or {}
    steps = [
        {"name": t.get("name") or key, "control_point": bool(t.get("control_point"))}
        for key, t in tasks.items()
    ]
    if not steps:
        return None
    return render_to_string("flows/portal_chart.html", {"definition": definition, "steps": steps})


def unpublished_control_points(organisation) -> list[columns.GapItem]:
    gaps = publications.publication_gaps(organisation)
    departments = dict(
        Instance.objects.filter(pk__in={g.task.instance_id for g in gaps}).values_list(
            "pk", "department__name"
        )
    )
    return [
        columns.GapItem(
            title=f"{gap.flow} · {gap.task.name}",
            department=departments.get(gap.task.instance_id) or "",
            url=reverse("flows:instance", args=[gap.task.instance_id]),
            note=str(_("已撤回")) if gap.withdrawn else "",
        )
        for gap in gaps
    ]


columns.register_power_chart(power_chart)
columns.register_gap(
    columns.Gap(
        code="flows_control_points",
        label=_("内控点已办结但未公开"),
        find=unpublished_control_points,
        column="results",
        order=40,
    )
)
