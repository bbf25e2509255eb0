"""Pages of the flows: 待办, 已办, 我发起的, starting a flow, the instance page with its diagram
and the step's risk points, acting on a task, and the definitions with their designer.
Thin: each parses, calls one selector or service, renders."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core.access import role_required
from lianfang.core.attachments import attachments_of
from lianfang.core.pages import NOT_SAVED, save_form
from lianfang.core.roles import Role
from lianfang.core.tables import paginate
from lianfang.org.models import Department, Person, PowerStep
from lianfang.org.selectors import organisations_manageable_by
from lianfang.risks.selectors import step_risk_points

from . import deadlines, handlers, selectors, services
from .forms import ActForm, DesignerForm, ListFilterForm, StartForm
from .models import FlowDefinition, FlowVersion, InstanceEvent, Task

# Everyone with an account of an organisation may start flows and handle the tasks given them.
PARTICIPANTS = Role.ALL
# Who keeps the definitions: the system administrator and the integrity office.
DESIGNERS = (Role.ADMIN, Role.INTEGRITY)
DUE_SOON_HOURS = 24
# 待办, 已办 and 我发起的 count a person's rows up to this many (a leader may have hundreds of
# thousands of completed tasks: the exact count grew with them): "共 10,000+ 条" beyond it,
# and the further pages reached by ‹ › (core.tables.CappedPaginator)
LIST_COUNT_CAP = 10_000

TASK_SORTS = {
    "created": "created_at",
    "due": "due_at",
    "flow": ("instance__version__definition__code", "created_at"),
    "title": "instance__title",
}
DONE_SORTS = {
    "completed": "completed_at",
    "flow": ("instance__version__definition__code", "completed_at"),
    "title": "instance__title",
}
MINE_SORTS = {
    "started": "started_at",
    "flow": ("version__definition__code", "started_at"),
    "state": ("state", "started_at"),
    "title": "title",
}


def _filters(request):
    definitions = (
        selectors.definitions_visible_to(request.user).only("pk", "name").order_by("code")[:200]
    )
    return ListFilterForm(request.GET or None, definitions=list(definitions))


def _filtered(qs, values, *, instance="instance__"):
    if values.get("flow"):
        qs = qs.filter(**{f"{instance}version__definition_id": values["flow"]})
    if values.get("q"):
        q = values["q"]
        qs = qs.filter(Q(**{f"{instance}title__icontains": q}) | Q(**{f"{instance}number": q}))
    return qs


def _due_state(task, now):
    """超时 / 即将到期 / 中止计时 / None, for the lists' badges."""
    if task.suspended_at:
        return "suspended"
    if task.due_at is None:
        return None
    if task.due_at < now:
        return "overdue"
    if (task.due_at - now).total_seconds() < DUE_SOON_HOURS * 3600:
        return "soon"
    return None


def _mark_due(rows):
    now = timezone.now()
    for task in rows:
        task.due_state = _due_state(task, now)
    return rows


@role_required(*PARTICIPANTS)
def todo(request):
    filters = _filters(request)
    table = paginate(
        request,
        _filtered(selectors.my_ready_tasks(request.user), filters.values),
        sorts=TASK_SORTS,
        count_cap=LIST_COUNT_CAP,
        default="-created",
    )
    _mark_due(table.rows)
    sorts = [("-created", _("最新到达")), ("due", _("时限最近")), ("flow", _("按流程"))]
    return render(request, "flows/todo.html", {"table": table, "filters": filters, "sorts": sorts})


@role_required(*PARTICIPANTS)
def done(request):
    filters = _filters(request)
    table = paginate(
        request,
        _filtered(selectors.my_done_tasks(request.user), filters.values),
        sorts=DONE_SORTS,
        count_cap=LIST_COUNT_CAP,
        default="-completed",
    )
    sorts = [("-completed", _("最近办理")), ("flow", _("按流程")), ("title", _("按标题"))]
    return render(request, "flows/done.html", {"table": table, "filters": filters, "sorts": sorts})


@role_required(*PARTICIPANTS)
def mine(request):
    filters = _filters(request)
    table = paginate(
        request,
        _filtered(selectors.started_by(request.user), filters.values, instance=""),
        sorts=MINE_SORTS,
        count_cap=LIST_COUNT_CAP,
        default="-started",
    )
    sorts = [("-started", _("最近发起")), ("state", _("按状态")), ("flow", _("按流程"))]
    return render(request, "flows/mine.html", {"table": table, "filters": filters, "sorts": sorts})


@role_required(*PARTICIPANTS)
def start_list(request):
    definitions = selectors.startable_definitions(request.user)
    return render(request, "flows/start_list.html", {"definitions": definitions})


def _startable(user, pk) -> FlowDefinition:
    for definition in selectors.startable_definitions(user):
        if definition.pk == pk:
            return definition
    raise Http404


@role_required(*PARTICIPANTS)
def start(request, pk):
    definition = _startable(request.user, pk)
    version = definition.current_version
    version.definition = definition
    form = StartForm(request.POST or None, request.FILES or None, version=version)

    def save(cleaned):
        data, files = form.values()
        return services.instance_start(
            actor=request.user, version=version, data=data, files=files, title=cleaned["title"]
        )

    if request.method == "POST":
        instance = save_form(request, form, save, _("已发起，已送下一环节办理。"))
        if instance is not NOT_SAVED:
            return redirect("flows:instance", pk=instance.pk)
    return render(request, "flows/start.html", {"definition": definition, "form": form})


# The instance page ------------------------------------------------------------------------------


def _display_values(instance) -> list[dict]:
    """The form's fields with their values as a reader sees them (names for people and
    departments, files listed apart)."""
    specs = (instance.version.spec or {}).get("fields", [])
    data = instance.data or {}
    people = [data.get(s["name"]) for s in specs if s["type"] == "person"]
    depts = [data.get(s["name"]) for s in specs if s["type"] == "department"]
    names = dict(Person.objects.filter(pk__in=[p for p in people if p]).values_list("pk", "name"))
    dept_names = dict(
        Department.objects.filter(pk__in=[d for d in depts if d]).values_list("pk", "name")
    )
    rows = []
    for spec in specs:
        if spec["type"] == "attachment":
            continue
        value = data.get(spec["name"])
        if spec["type"] == "person":
            value = names.get(value, value)
        elif spec["type"] == "department":
            value = dept_names.get(value, value)
        elif spec["type"] == "boolean":
            value = _("是") if value else _("否")
        rows.append({"label": spec["label"], "value": value, "type": spec["type"]})
    return rows


def _clock_actions(task, now=None) -> list[str]:
    """中止计时 while the clock runs (a limit, not stopped, not overdue); 恢复计时 once stopped."""
    if task.suspended_at is not None:
        return ["resume"]
    now = now or timezone.now()
    if task.due_at is not None and task.overdue_at is None and task.due_at > now:
        return ["suspend"]
    return []


def _actions_for(user, instance, task) -> list[str]:
    if task.assignee_id == user.pk:
        actions = ["approve", "return", "reject", "comment", "transfer"]
        if instance.applicant_id == user.pk:
            actions.append("withdraw")
        return actions + _clock_actions(task)
    return ["withdraw", "comment"]


def _instance_context(request, instance, act_form=None):
    user = request.user
    tasks = list(instance.tasks.all())
    ready = [t for t in tasks if t.state == Task.State.READY]
    mine = next((t for t in ready if t.assignee_id == user.pk), None)
    # the applicant withdraws (before any approval) or comments on a ready task of theirs
    applicant_task = ready[0] if (ready and instance.applicant_id == user.pk) else None
    acting = mine or applicant_task
    if acting is not None and act_form is None:
        act_form = ActForm(
            organisation=instance.organisation,
            return_targets=services.return_targets(instance, acting),
            actions=_actions_for(user, instance, acting),
            initial={"lock": instance.lock_version},
        )
    # the risk points of the step in front of the reader: their own task's, else the first
    shown = mine or (ready[0] if ready else None)
    step = shown.step if shown is not None else None
    points = list(step_risk_points(step=step)) if step is not None else []
    _mark_due(ready)
    return {
        "instance": instance,
        "definition": instance.version.definition,
        "values": _display_values(instance),
        "tasks": tasks,
        "ready": ready,
        "acting": acting,
        "act_form": act_form,
        "step": step,
        "points": points,
        "events": _labelled(instance.events.all(), instance),
        "attachments": list(attachments_of(instance)),
        "current_ids_json": json.dumps(sorted({t.bpmn_id for t in ready})),
        "done_ids_json": json.dumps(
            sorted({t.bpmn_id for t in tasks if t.state == Task.State.COMPLETED})
        ),
        "bpmn_xml": instance.version.bpmn,
    }


def _user_ids(value) -> list[int]:
    values = value if isinstance(value, (list, tuple)) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _labelled(events, instance) -> list:
    """The timeline's entries with their label and, where an entry points somewhere, whom or
    which step it points to by name (`event.to_display`): the escalation's recipients and the
    delegation's people are kept as account ids, a return's target as the step's BPMN id."""
    # the engine's kinds, and those the rules write (回避, 代理, 中止/恢复计时, 超时, 升级)
    kinds = {
        **dict(InstanceEvent.Kind.choices),
        **handlers.EVENT_LABELS,
        **deadlines.EVENT_LABELS,
    }
    events = list(events)
    ids = set()
    for event in events:
        data = event.data or {}
        if event.kind == deadlines.ESCALATED:
            ids.update(_user_ids(data.get("to")))
        elif event.kind == handlers.DELEGATED:
            ids.update(_user_ids([data.get("original"), data.get("delegate")]))
    names = selectors.people_names(ids)
    steps = instance.version.spec.get("tasks", {})
    for event in events:
        event.label = kinds.get(event.kind, event.kind)
        data = event.data or {}
        if event.kind == deadlines.ESCALATED:
            event.to_display = "、".join(names.get(i, "") for i in _user_ids(data.get("to")))
        elif event.kind == handlers.DELEGATED:
            event.to_display = _("%(delegate)s（代理 %(original)s）") % {
                "delegate": names.get(data.get("delegate"), ""),
                "original": names.get(data.get("original"), ""),
            }
        elif event.kind == InstanceEvent.Kind.RETURNED and data.get("to"):
            event.to_display = steps.get(data["to"], {}).get("name") or data["to"]
        else:
            event.to_display = data.get("to") or ""
    return events


@role_required(*PARTICIPANTS)
def instance(request, pk):
    found = selectors.instance_detail(request.user, pk)
    if found is None:
        raise Http404
    return render(request, "flows/instance.html", _instance_context(request, found))


@role_required(*PARTICIPANTS)
@require_POST
def task_act(request, pk):
    """Act on a task (the handler's actions; the applicant's withdraw and comment). A task that
    is not the user's, not ready any more or out of scope: 404, nothing changed."""
    task = selectors.task_for_actor(request.user, pk)
    if task is None:
        raise Http404
    found = selectors.instance_detail(request.user, task.instance_id)
    if found is None or request.user.pk not in (task.assignee_id, found.applicant_id):
        raise Http404
    form = ActForm(
        request.POST,
        request.FILES,
        organisation=found.organisation,
        return_targets=services.return_targets(found, task),
        actions=_actions_for(request.user, found, task),
    )
    if form.is_valid() and form.cleaned_data["action"] in ActForm.CLOCK_ACTIONS:
        if _clock(request, form, task):
            return redirect("flows:instance", pk=found.pk)
    elif form.is_valid():
        data = form.cleaned_data
        files = {"attachment": data["attachment"]} if data.get("attachment") else None
        try:
            services.task_act(
                actor=request.user,
                task=task,
                action=data["action"],
                reason=data["reason"],
                target=form.target_for_service(),
                files=files,
                expected_version=data.get("lock"),
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            messages.success(request, _("已办理：%(action)s。") % {"action": _label(form)})
            still_mine = selectors.my_ready_tasks(request.user).filter(instance_id=found.pk)
            if data["action"] == "comment" or still_mine.exists():
                return redirect("flows:instance", pk=found.pk)
            return redirect("flows:todo")
    return render(request, "flows/instance.html", _instance_context(request, found, act_form=form))


def _clock(request, form, task) -> bool:
    """中止计时 (with the reason) or 恢复计时 of the handler's task, through flows.deadlines;
    False with the refusal on the form."""
    try:
        if form.cleaned_data["action"] == "suspend":
            deadlines.task_suspend(
                actor=request.user, task=task, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已中止计时。恢复计时后，办理时限顺延中止的工作日。"))
        else:
            task = deadlines.task_resume(actor=request.user, task=task)
            messages.success(
                request,
                _("已恢复计时，办理时限顺延至 %(due)s。")
                % {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
            )
    except ValidationError as error:
        form.apply_service_errors(error)
        return False
    return True


def _label(form) -> str:
    return dict(form.fields["action"].choices).get(form.cleaned_data["action"], "")


# Definitions and the designer ------------------------------------------------------------------


@role_required(*DESIGNERS)
def definitions(request):
    filters = ListFilterForm(request.GET or None)
    qs = selectors.definitions_visible_to(request.user).select_related(
        "organisation", "power", "current_version"
    )
    values = filters.values
    if values.get("q"):
        qs = qs.filter(Q(name__icontains=values["q"]) | Q(code__icontains=values["q"]))
    table = paginate(
        request,
        qs.defer("current_version__bpmn", "current_version__spec"),
        sorts={"code": "code", "name": "name", "organisation": ("organisation__path", "code")},
        default="code",
    )
    del filters.fields["flow"]
    return render(request, "flows/definitions.html", {"table": table, "filters": filters})


@role_required(*DESIGNERS)
def definition(request, pk):
    found = get_object_or_404(
        selectors.definitions_visible_to(request.user).select_related(
            "organisation", "power", "current_version"
        ),
        pk=pk,
    )
    versions = (
        FlowVersion.objects.filter(definition=found)
        .select_related("published_by")
        .defer("bpmn", "spec")
        .order_by("-number")
    )
    return render(
        request,
        "flows/definition.html",
        {
            "definition": found,
            "versions": list(versions),
            "bpmn_xml": found.current_version.bpmn if found.current_version_id else "",
        },
    )


def _designer(request, found):
    organisations = organisations_manageable_by(request.user)
    if found is not None and not organisations.filter(pk=found.organisation_id).exists():
        raise Http404
    form = DesignerForm(request.POST or None, organisations=organisations, definition=found)
    if request.method == "POST":

        def save(cleaned):
            return services.definition_publish(
                actor=request.user,
                organisation=found.organisation if found else cleaned["organisation"],
                code=found.code if found else cleaned["code"],
                bpmn=cleaned["xml"],
            )

        version = save_form(
            request, form, save, lambda v: _("已发布第 %(n)s 版。") % {"n": v.number}
        )
        if version is not NOT_SAVED:
            return redirect("flows:definition", pk=version.definition_id)
        xml = request.POST.get("xml") or render_to_string("flows/blank.bpmn")
    else:
        xml = (
            found.current_version.bpmn
            if found and found.current_version_id
            else render_to_string("flows/blank.bpmn")
        )
    steps = []
    if organisations:
        org_ids = (
            [found.organisation_id] if found else list(organisations.values_list("pk", flat=True))
        )
        steps = [
            {"value": f"{code}/{key}", "label": f"{code} {power} · {name}"}
            for code, key, power, name in PowerStep.objects.filter(
                power__organisation_id__in=org_ids
            )
            .order_by("power__code", "order")
            .values_list("power__code", "key", "power__name", "name")[:2000]
        ]
    return render(
        request,
        "flows/designer.html",
        {
            "definition": found,
            "form": form,
            "bpmn_xml": xml,
            "steps": steps,
            "i18n_url": static("vendor/bpmn-js-i18n/zn.js"),
            "cancel_url": reverse("flows:definition", args=[found.pk])
            if found
            else reverse("flows:definitions"),
        },
    )


@role_required(*DESIGNERS)
def designer(request, pk):
    found = get_object_or_404(
        selectors.definitions_visible_to(request.user).select_related(
            "organisation", "current_version"
        ),
        pk=pk,
    )
    return _designer(request, found)


@role_required(*DESIGNERS)
def designer_new(request):
    return _designer(request, None)
