"""防控运行监控: the monitoring page (numbers and ECharts, each linking to the list behind it)
and that list, the tasks of the user's reach filtered by flow, department, state and step.
Thin: each parses, calls the monitoring selectors, renders."""

import datetime as dt

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core.access import role_required
from lianfang.core.forms import BootstrapFormMixin, style_fields
from lianfang.core.tables import paginate
from lianfang.org.models import Department
from lianfang.org.scoping import subtree_organisations

from . import monitoring, selectors
from .models import Task
from .views import LIST_COUNT_CAP, _mark_due

STATE_LABELS = {
    "ready": gettext_lazy("办理中"),
    "overdue": gettext_lazy("已超时"),
    "due_soon": gettext_lazy("即将到期"),
    "escalated": gettext_lazy("已升级"),
    "done": gettext_lazy("已办结环节"),
    "returned": gettext_lazy("被退回"),
    "unpublished": gettext_lazy("未公开的内控点"),
}
SORTS = {
    "created": "created_at",
    "due": "due_at",
    "completed": "completed_at",
    "flow": ("instance__version__definition__code", "created_at"),
}


class MonitorFilterForm(BootstrapFormMixin, forms.Form):
    flow = forms.TypedChoiceField(
        label=gettext_lazy("流程"), required=False, coerce=int, empty_value=None
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("科室"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    step = forms.CharField(label=gettext_lazy("环节"), required=False, max_length=120)
    month = forms.DateField(
        label=gettext_lazy("月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        definitions = selectors.definitions_visible_to(user).only("pk", "name").order_by("code")
        self.fields["flow"].choices = [
            ("", _("全部流程")),
            *[(d.pk, d.name) for d in definitions[:200]],
        ]
        departments = (
            Department.objects.filter(organisation_id__in=subtree_organisations(user))
            .only("pk", "name")
            .order_by("organisation_id", "name")[:300]
        )
        self.fields["department"].choices = [
            ("", _("全部科室")),
            *[(d.pk, d.name) for d in departments],
        ]
        self.fields["state"].choices = [
            ("" if k == "ready" else k, label) for k, label in STATE_LABELS.items()
        ]
        style_fields(self)

    @property
    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _month(request) -> dt.date:
    raw = request.GET.get("month", "")
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


def _link(**params) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse("flows:monitor_tasks") + ("?" + urlencode(query) if query else "")


@role_required(*monitoring.MONITORS)
def monitor(request):
    month = _month(request)
    m = month.strftime("%Y-%m")
    data = monitoring.overview(request.user, month=month)
    for flow in data.flows:
        flow.links = {
            state: _link(flow=flow.pk, state="" if state == "ready" else state)
            for state in ("ready", "overdue", "due_soon", "escalated")
        }
    for step in data.steps:
        step.done_link = _link(flow=step.flow_pk, step=step.step, state="done")
        step.returns_link = _link(flow=step.flow_pk, step=step.step, state="returned")
    codes = dict(
        selectors.definitions_visible_to(request.user)
        .filter(code__in=[c.flow_code for c in data.completeness])
        .values_list("code", "pk")
    )
    shares = [
        {
            "row": c,
            "link": _link(flow=codes.get(c.flow_code), state="unpublished", month=m),
        }
        for c in data.completeness
    ]
    departments = [
        {"pk": pk, "name": name or _("未填科室"), "count": n, "link": _link(department=pk)}
        for pk, name, n in data.departments
    ]
    chart_data = {
        "flows": {
            "labels": [f.name for f in data.flows],
            "running": [f.running for f in data.flows],
            "overdue": [f.overdue for f in data.flows],
            "escalated": [f.escalated for f in data.flows],
            "links": [f.links["ready"] for f in data.flows],
            "names": {
                "running": _("办理中"),
                "overdue": _("已超时"),
                "escalated": _("已升级"),
            },
        },
        "departments": {
            "labels": [d["name"] for d in departments[:30]],
            "values": [d["count"] for d in departments[:30]],
            "links": [d["link"] for d in departments[:30]],
        },
        "completeness": {
            "labels": [s["row"].flow for s in shares],
            "values": [s["row"].percent for s in shares],
            "links": [s["link"] for s in shares],
        },
    }
    return render(
        request,
        "flows/monitor.html",
        {
            "data": data,
            "departments": departments,
            "shares": shares,
            "month": m,
            "chart_data": chart_data,
            "totals_links": {
                "running": _link(),
                "overdue": _link(state="overdue"),
                "due_soon": _link(state="due_soon"),
                "escalated": _link(state="escalated"),
                "unpublished": _link(state="unpublished", month=m),
            },
        },
    )


@role_required(*monitoring.MONITORS)
def monitor_tasks(request):
    filters = MonitorFilterForm(request.GET or None, user=request.user)
    values = filters.values
    state = values.get("state", "")
    qs = monitoring.monitored_tasks(request.user, state=state, month=values.get("month"))
    if values.get("flow"):
        qs = qs.filter(instance__version__definition_id=values["flow"])
    if values.get("department"):
        qs = qs.filter(instance__department_id=values["department"])
    if values.get("step"):
        qs = qs.filter(bpmn_id=values["step"])
    default = "-completed" if state in ("done", "returned", "unpublished") else "-created"
    table = paginate(
        request,
        qs,
        sorts=SORTS,
        default=default,
        count_cap=LIST_COUNT_CAP,
        load=lambda pks: monitoring.task_rows(Task.objects.filter(pk__in=pks)),
    )
    _mark_due(table.rows)
    sorts = [("-created", _("最新到达")), ("due", _("时限最近")), ("flow", _("按流程"))]
    return render(
        request,
        "flows/monitor_tasks.html",
        {
            "table": table,
            "filters": filters,
            "sorts": sorts,
            "state_label": STATE_LABELS.get(state or "ready"),
        },
    )
