"""Reads of 防控运行监控 (the monitoring page): running matters by flow and department, their
progress, due soon / overdue / escalated tasks, handling time and returns per step, and the
publication completeness of the control points. Every read starts from the flows selectors'
`visible_to`, and each makes a fixed number of queries whatever the number of rows (grouped in
the database; the p90 of handling times over a bounded sample of the latest completed tasks).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lianfang.core.roles import Role
from lianfang.org.models import Organisation
from lianfang.org.scoping import subtree_organisations

from . import publications, selectors
from .models import FlowDefinition, FlowVersion, Instance, InstanceEvent, Task

# Who watches the flows: the integrity office and the leaders (scoped as their reach says).
MONITORS = (Role.INTEGRITY, Role.LEADER)
DUE_SOON_HOURS = 24  # as the to-do list's badge
# Handling times are measured over the latest completed tasks, at most this many, within
# this many days: enough for a stable p90, bounded whatever the history.
TIMING_SAMPLE = 5000
TIMING_DAYS = 180

TASK_STATES = ("ready", "overdue", "due_soon", "escalated", "done", "returned", "unpublished")


def running_instances(user) -> QuerySet[Instance]:
    return selectors.instances_visible_to(user).filter(state=Instance.State.RUNNING)


def _ready_tasks(user) -> QuerySet[Task]:
    return Task.objects.filter(
        instance__in=running_instances(user).values("pk"), state=Task.State.READY
    )


def _due_filters(now) -> dict[str, Q]:
    soon = now + dt.timedelta(hours=DUE_SOON_HOURS)
    waiting = Q(suspended_at__isnull=True)
    return {
        "overdue": waiting & Q(due_at__lt=now),
        "due_soon": waiting & Q(due_at__gte=now, due_at__lt=soon),
        "escalated": Q(escalated_at__isnull=False),
    }


@dataclass
class FlowRow:
    pk: int
    name: str
    running: int = 0
    progress: float = 0.0  # share of the flow's steps done, over its running matters, in %
    overdue: int = 0
    due_soon: int = 0
    escalated: int = 0


@dataclass
class StepRow:
    flow_pk: int
    flow: str
    step: str  # the BPMN id
    name: str
    done: int = 0
    average_hours: float | None = None
    p90_hours: float | None = None
    returns: int = 0


@dataclass
class Overview:
    flows: list[FlowRow] = field(default_factory=list)
    departments: list[tuple[int | None, str, int]] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    completeness: list[publications.Completeness] = field(default_factory=list)
    totals: dict = field(default_factory=dict)


def p90(values: list[float]) -> float | None:
    """The 90th percentile by the nearest-rank method (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _flows(user, now) -> list[FlowRow]:
    rows: dict[int, FlowRow] = {}
    running = (
        running_instances(user)
        .values("version__definition_id", "version__definition__name")
        .annotate(n=Count("pk"))
    )
    for row in running:
        pk = row["version__definition_id"]
        rows[pk] = FlowRow(pk=pk, name=row["version__definition__name"], running=row["n"])
    due = _due_filters(now)
    counts = (
        _ready_tasks(user)
        .values("instance__version__definition_id", "instance__version__definition__name")
        .annotate(**{name: Count("pk", filter=q) for name, q in due.items()})
    )
    for row in counts:
        pk = row["instance__version__definition_id"]
        flow = rows.setdefault(pk, FlowRow(pk=pk, name=row["instance__version__definition__name"]))
        flow.overdue += row["overdue"]
        flow.due_soon += row["due_soon"]
        flow.escalated += row["escalated"]
    _progress(user, rows)
    return sorted(rows.values(), key=lambda r: (-r.running, r.name))


def _progress(user, rows: dict[int, FlowRow]) -> None:
    """Per flow: the steps approved (distinct per matter) over the steps of its running
    matters (every user task of their version: a path that skips a tier never reaches 100%
    before it ends)."""
    per_version = dict(
        running_instances(user)
        .values("version_id")
        .annotate(n=Count("pk"))
        .values_list("version_id", "n")
    )
    if not per_version:
        return
    done = (
        Task.objects.filter(
            instance__in=running_instances(user).values("pk"),
            state=Task.State.COMPLETED,
            decision=Task.Decision.APPROVE,
        )
        .values("instance__version_id", "bpmn_id")
        .annotate(n=Count("instance_id", distinct=True))
    )
    done_per_version: dict[int, int] = defaultdict(int)
    for row in done:
        done_per_version[row["instance__version_id"]] += row["n"]
    possible: dict[int, int] = defaultdict(int)
    finished: dict[int, int] = defaultdict(int)
    versions = FlowVersion.objects.filter(pk__in=per_version).only("pk", "definition_id", "spec")
    for version in versions:
        steps = len((version.spec or {}).get("tasks") or {}) or 1
        possible[version.definition_id] += steps * per_version[version.pk]
        finished[version.definition_id] += min(
            done_per_version[version.pk], steps * per_version[version.pk]
        )
    for pk, flow in rows.items():
        if possible.get(pk):
            flow.progress = round(100 * finished[pk] / possible[pk], 1)


def _departments(user) -> list[tuple[int | None, str, int]]:
    rows = (
        running_instances(user)
        .values("department_id", "department__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "department__name")
    )
    return [(r["department_id"], r["department__name"] or "", r["n"]) for r in rows]


def _steps(user, now) -> list[StepRow]:
    since = now - dt.timedelta(days=TIMING_DAYS)
    sample = (
        selectors.tasks_visible_to(user)
        .filter(state=Task.State.COMPLETED, completed_at__gte=since)
        .order_by("-completed_at", "-pk")
        .values_list(
            "instance__version__definition_id",
            "instance__version__definition__name",
            "bpmn_id",
            "name",
            "created_at",
            "completed_at",
        )[:TIMING_SAMPLE]
    )
    hours: dict[tuple, list[float]] = defaultdict(list)
    names: dict[tuple, tuple[str, str]] = {}
    for flow_pk, flow, step, name, created, completed in sample:
        key = (flow_pk, step)
        names.setdefault(key, (flow, name))
        hours[key].append(max(0.0, (completed - created).total_seconds() / 3600))
    returns = (
        InstanceEvent.objects.filter(
            instance__in=selectors.instances_visible_to(user).values("pk"),
            kind=InstanceEvent.Kind.RETURNED,
            task__isnull=False,
        )
        .values(
            "instance__version__definition_id",
            "instance__version__definition__name",
            "task__bpmn_id",
            "task__name",
        )
        .annotate(n=Count("pk"))
    )
    returned: dict[tuple, int] = {}
    for row in returns:
        key = (row["instance__version__definition_id"], row["task__bpmn_id"])
        names.setdefault(key, (row["instance__version__definition__name"], row["task__name"]))
        returned[key] = row["n"]
    steps = []
    for key, (flow, name) in names.items():
        values = hours.get(key, [])
        steps.append(
            StepRow(
                flow_pk=key[0],
                flow=flow,
                step=key[1],
                name=name,
                done=len(values),
                average_hours=round(sum(values) / len(values), 1) if values else None,
                p90_hours=round(p90(values), 1) if values else None,
                returns=returned.get(key, 0),
            )
        )
    return sorted(steps, key=lambda s: (s.flow, s.name, s.step))


def monitored_organisations(user):
    """The organisations whose completeness the user reads: their subtree's, with flows."""
    return list(
        Organisation.objects.filter(pk__in=subtree_organisations(user))
        .filter(pk__in=FlowDefinition.objects.values("organisation_id"))
        .order_by("path")[:50]
    )


def completeness(user, month: dt.date) -> list[publications.Completeness]:
    """Per flow (by code, summed over the user's organisations): control points completed in
    `month` and those published."""
    merged: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for organisation in monitored_organisations(user):
        for row in publications.publication_completeness(organisation, month):
            entry = merged[row.flow_code, row.flow]
            entry[0] += row.completed
            entry[1] += row.published
    return [
        publications.Completeness(flow=name, flow_code=code, completed=c, published=p)
        for (code, name), (c, p) in sorted(merged.items())
    ]


def unpublished_task_ids(user, month: dt.date, flow_code: str = "") -> list[int]:
    ids = []
    for organisation in monitored_organisations(user):
        for gap in publications.publication_gaps(organisation, month):
            if not flow_code or gap.flow_code == flow_code:
                ids.append(gap.task.pk)
    return ids


def overview(user, *, month: dt.date | None = None, now=None) -> Overview:
    now = now or timezone.now()
    month = month or timezone.localdate(now).replace(day=1)
    flows = _flows(user, now)
    shares = completeness(user, month)
    return Overview(
        flows=flows,
        departments=_departments(user),
        steps=_steps(user, now),
        completeness=shares,
        totals={
            "running": sum(f.running for f in flows),
            "overdue": sum(f.overdue for f in flows),
            "due_soon": sum(f.due_soon for f in flows),
            "escalated": sum(f.escalated for f in flows),
            "completed": sum(c.completed for c in shares),
            "published": sum(c.published for c in shares),
        },
    )


def monitored_tasks(user, *, state: str = "", month: dt.date | None = None, now=None):
    """The tasks behind a number of the page: `state` one of TASK_STATES (none: every ready
    task of a running matter)."""
    now = now or timezone.now()
    if state in ("done", "returned"):
        qs = selectors.tasks_visible_to(user)
        if state == "done":
            since = now - dt.timedelta(days=TIMING_DAYS)
            qs = qs.filter(state=Task.State.COMPLETED, completed_at__gte=since)
        else:
            qs = qs.filter(
                pk__in=InstanceEvent.objects.filter(
                    kind=InstanceEvent.Kind.RETURNED, task__isnull=False
                ).values("task_id")
            )
    elif state == "unpublished":
        month = month or timezone.localdate(now).replace(day=1)
        qs = selectors.tasks_visible_to(user).filter(pk__in=unpublished_task_ids(user, month))
    else:
        qs = _ready_tasks(user)
        due = _due_filters(now)
        if state in due:
            qs = qs.filter(due[state])
    return qs.select_related(
        "instance__version__definition",
        "instance__department",
        "instance__applicant_person",
        "assignee_person",
    ).defer(
        "instance__workflow", "instance__data", "instance__version__bpmn", "instance__version__spec"
    )
