"""Reads of 防控运行监控 (the monitoring page): running matters by flow and department, their
progress, due soon / overdue / escalated tasks, handling time and returns per step, and the
publication completeness of the control points. Each makes a fixed number of queries whatever
the number of rows (grouped in the database; the p90 of handling times over a bounded sample
of the latest completed tasks, a share per organisation: `_latest_completed`).

Every read covers what the flows selectors' `instances_visible_to` admits, but not through it:
its OR with a correlated EXISTS (the matters the user handled) stops the databases from using
any index, so each count read every matter, and every task of them, of the user's reach (about
50 s per page at 270,000 tasks: bench/README.md, "运行监控"). Here the reach is split in two
disjoint parts (`Reach`): the user's subtree, filtered by the rows' own `organisation_id`
(tasks carry their matter's), which the indexes of migration 0004 serve; and the few matters
outside it the user sees as applicant, by department or as handler, found once per request by
id.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Count,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.utils import timezone

from lianfang.core.roles import Role
from lianfang.core.scoping import scope_of
from lianfang.org.models import Department, Organisation
from lianfang.org.scoping import subtree_organisations

from . import publications
from .models import FlowDefinition, FlowVersion, Instance, InstanceEvent, Task

# Who watches the flows: the integrity office and the leaders (scoped as their reach says).
MONITORS = (Role.INTEGRITY, Role.LEADER)
DUE_SOON_HOURS = 24  # as the to-do list's badge
# Handling times are measured over the latest completed tasks, about this many (shared out
# among the organisations of the reach: `_latest_completed`), within this many days: enough
# for a stable p90, bounded whatever the history and the number of hospitals.
TIMING_SAMPLE = 5000
TIMING_DAYS = 180

TASK_STATES = ("ready", "overdue", "due_soon", "escalated", "done", "returned", "unpublished")


@dataclass(frozen=True)
class Reach:
    """The matters the user sees (`selectors.instances_visible_to`), as two disjoint parts: the
    ids of the organisations of their subtree, and the ids of the matters outside it they see
    otherwise (started, of a department in their scope, handled: usually none). Ids, not
    subqueries: SQLite plans `organisation_id IN (subquery)` as if it matched every row, and
    reads one organisation's rows in an index's order only when it sees the one id."""

    organisations: tuple[int, ...]
    outside: tuple[int, ...] = ()

    def instances(self) -> Q:
        return Q(organisation_id__in=self.organisations) | Q(pk__in=self.outside)

    def tasks(self) -> Q:
        return Q(organisation_id__in=self.organisations) | Q(instance_id__in=self.outside)

    def events(self) -> Q:
        return Q(instance__organisation_id__in=self.organisations) | Q(instance_id__in=self.outside)


def reach(user) -> Reach:
    """The user's `Reach`, computed once per request (cached on the user object). One query
    for the matters outside the subtree: the user's own tasks and matters there, found by the
    indexes (assignee, organisation) and (completed_by, organisation), so it reads none of
    the rows the user handled inside the subtree."""
    cached = getattr(user, "_lianfang_flow_reach", None)
    if cached is not None:
        return cached
    scope = scope_of(user)
    if scope.is_empty or not getattr(user, "pk", None):
        found = Reach(())
    else:
        subtree = tuple(subtree_organisations(user).values_list("pk", flat=True))
        # the other organisations as ids too: with `IN (subquery)` PostgreSQL expected half
        # the user's tasks to match and read them all (90,000 rows, 90 ms, for none)
        outside = list(Organisation.objects.exclude(pk__in=subtree).values_list("pk", flat=True))
        ids = set()
        if outside:
            mine = Q(applicant_id=user.pk)
            if scope.department_ids:
                mine |= Q(department_id__in=scope.department_ids)
            ids = set(
                Instance.objects.filter(mine, organisation_id__in=outside)
                .order_by()
                .values_list("pk", flat=True)
                .union(
                    Task.objects.filter(assignee_id=user.pk, organisation_id__in=outside)
                    .order_by()
                    .values_list("instance_id", flat=True),
                    Task.objects.filter(completed_by_id=user.pk, organisation_id__in=outside)
                    .order_by()
                    .values_list("instance_id", flat=True),
                )
            )
        found = Reach(subtree, tuple(sorted(ids)))
    user._lianfang_flow_reach = found
    return found


def running_instances(user) -> QuerySet[Instance]:
    return Instance.objects.filter(reach(user).instances(), state=Instance.State.RUNNING)


def _ready_tasks(user) -> QuerySet[Task]:
    """The ready tasks of the running matters in the user's reach, filtered on the matter's
    columns: the databases then start from the running matters (the index flows_inst_monitor)
    and look up each one's ready tasks, instead of reading every matter in the version's order
    for the counts grouped by it."""
    found = reach(user)
    return Task.objects.filter(
        Q(instance__organisation_id__in=found.organisations) | Q(instance_id__in=found.outside),
        state=Task.State.READY,
        instance__state=Instance.State.RUNNING,
    )


def _due_filters(now) -> dict[str, Q]:
    soon = now + dt.timedelta(hours=DUE_SOON_HOURS)
    waiting = Q(suspended_at__isnull=True)
    return {
        "overdue": waiting & Q(due_at__lt=now),
        "due_soon": waiting & Q(due_at__gte=now, due_at__lt=soon),
        "escalated": Q(escalated_at__isnull=False),
    }


def _by_organisation(user, make) -> list[QuerySet]:
    """`make(q)` for each part of the user's reach: one per organisation of the subtree (an
    equality, so that each reads its own range of an index: given `organisation_id IN (…)`
    SQLite, which keeps no histogram, may scan the table instead) and one for the matters
    outside it. Combined with UNION ALL by the caller, it is one query whatever the parts."""
    found = reach(user)
    parts = [make(Q(organisation_id=pk)) for pk in found.organisations]
    if found.outside:
        parts.append(make(Q(instance_id__in=found.outside)))
    return parts


def _due_counts(user, now) -> dict[int, list[int]]:
    """Per flow version: the ready tasks overdue, due within DUE_SOON_HOURS, and escalated.

    Read from the ready tasks alone, by the indexes (organisation, state, due_at) and
    (organisation, state, escalated_at): only the tasks due by then, or escalated, are
    read (a ready task's matter is running: `services._close` cancels the ready tasks of a
    matter it closes). The flow version is a scalar subquery per task read, not a join: with
    a join, SQLite walked every matter in the version's order to save a sort, reading all
    the running matters' tasks (0.3 s at 20,000 running matters, bench/README.md)."""
    soon = now + dt.timedelta(hours=DUE_SOON_HOURS)
    due = _due_filters(now)
    version = Subquery(
        Instance.objects.filter(pk=OuterRef("instance_id")).values("version_id").order_by()
    )

    def due_soon(part):
        return (
            Task.objects.filter(part, state=Task.State.READY, due_at__lt=soon)
            .annotate(flow_version=version)
            .values("flow_version")
            .annotate(
                overdue=Count("pk", filter=due["overdue"]),
                due_soon=Count("pk", filter=due["due_soon"]),
                escalated=Value(0),
            )
            .values_list("flow_version", "overdue", "due_soon", "escalated")
            .order_by()
        )

    def escalated(part):
        return (
            Task.objects.filter(part, state=Task.State.READY, escalated_at__isnull=False)
            .annotate(flow_version=version)
            .values("flow_version")
            .annotate(overdue=Value(0), due_soon=Value(0), escalated=Count("pk"))
            .values_list("flow_version", "overdue", "due_soon", "escalated")
            .order_by()
        )

    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = _union_all(_by_organisation(user, due_soon) + _by_organisation(user, escalated))
    for flow_version, *figures in rows:
        for i, n in enumerate(figures):
            counts[flow_version][i] += n
    return counts


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


def _versions(pks) -> dict[int, tuple[int, str, int]]:
    """{version id: (its definition's id, the definition's name, its number of user tasks)}:
    one query for the few versions the counts name (the counts group by the version id alone,
    so the databases join nothing per row)."""
    rows = FlowVersion.objects.filter(pk__in=set(pks)).values_list(
        "pk", "definition_id", "definition__name", "spec"
    )
    return {
        pk: (flow, name, len((spec or {}).get("tasks") or {}) or 1) for pk, flow, name, spec in rows
    }


def _flows(user, now) -> tuple[list[FlowRow], list[tuple[int | None, str, int]]]:
    """The rows per flow, and the running matters per department (from the same count, which
    also sums the matters' approved steps for the progress: all from flows_inst_monitor)."""
    running = list(
        running_instances(user)
        .values("version_id", "department_id")
        .annotate(n=Count("pk"), approved=Sum("steps_approved"))
        .values_list("version_id", "department_id", "n", "approved")
    )
    counts = _due_counts(user, now)
    per_version: dict[int, int] = defaultdict(int)
    approved: dict[int, int] = defaultdict(int)
    for version, _department, n, steps in running:
        per_version[version] += n
        approved[version] += steps or 0
    versions = _versions([*per_version, *counts])
    rows: dict[int, FlowRow] = {}

    def row_of(version) -> FlowRow:
        pk, name, _steps = versions[version]
        return rows.setdefault(pk, FlowRow(pk=pk, name=name))

    for version, n in per_version.items():
        row_of(version).running += n
    for version, (overdue, due_soon, escalated) in counts.items():
        flow = row_of(version)
        flow.overdue += overdue
        flow.due_soon += due_soon
        flow.escalated += escalated
    _progress(rows, per_version, approved, versions)
    return sorted(rows.values(), key=lambda r: (-r.running, r.name)), _departments(running)


def _progress(rows: dict[int, FlowRow], per_version, approved, versions) -> None:
    """Per flow: the steps approved (distinct per matter: `Instance.steps_approved`) over the
    steps of its running matters (every user task of their version: a path that skips a tier
    never reaches 100% before it ends)."""
    possible: dict[int, int] = defaultdict(int)
    finished: dict[int, int] = defaultdict(int)
    for version, n in per_version.items():
        flow, _name, steps = versions[version]
        possible[flow] += steps * n
        finished[flow] += min(approved[version], steps * n)
    for pk, flow in rows.items():
        if possible.get(pk):
            flow.progress = round(100 * finished[pk] / possible[pk], 1)


def _departments(running) -> list[tuple[int | None, str, int]]:
    per_department: dict[int | None, int] = defaultdict(int)
    for _version, department, n, _approved in running:
        per_department[department] += n
    names = dict(
        Department.objects.filter(pk__in=[pk for pk in per_department if pk]).values_list(
            "pk", "name"
        )
    )
    rows = [(pk, names.get(pk, ""), n) for pk, n in per_department.items()]
    # as the database ordered them: most first, then by name (no department, "", first)
    return sorted(rows, key=lambda r: (-r[2], r[1]))


def _sampled_organisations(found: Reach, since) -> list[int]:
    """The organisations of the subtree with a task completed since `since`: one query, an
    index probe per organisation (flows_task_org_done), so that the sample's share of each
    is not spent on the many that have none (a commission, a unit without flows). A scalar
    subquery with a LIMIT rather than EXISTS: PostgreSQL turned the EXISTS into a semi-join
    that read every completed task of the period (22 ms at 60,000 tasks)."""
    if len(found.organisations) <= 1:
        return list(found.organisations)
    latest = (
        Task.objects.filter(
            organisation_id=OuterRef("pk"), state=Task.State.COMPLETED, completed_at__gte=since
        )
        .order_by("-completed_at", "-pk")
        .values("pk")[:1]
    )
    return list(
        Organisation.objects.filter(pk__in=found.organisations)
        .annotate(latest=Subquery(latest))
        .filter(latest__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# SQLite refuses a compound SELECT of more than 500 parts (SQLITE_MAX_COMPOUND_SELECT)
PARTS_PER_QUERY = 250


def _latest_completed(user, since) -> list[tuple]:
    """The handling-time sample: per organisation of the user's subtree with tasks completed
    since `since`, its latest ⌈TIMING_SAMPLE / k⌉ completed tasks (k such organisations, plus
    one part for the matters outside the subtree the user sees, if any), as rows (version,
    step, step name, hours taken, task id) in no particular order. An organisation with
    fewer gives all of its period's. So a hospital's page samples its latest TIMING_SAMPLE
    tasks, and a commission's gives each of its hospitals the same share, whatever their
    number (the busiest does not crowd out the others), about TIMING_SAMPLE rows in all.

    Each part reads the first rows of the index (organisation, state, completed_at DESC, id
    DESC) in order, under a LIMIT, and the parts are one UNION ALL query: the rows read stay
    about TIMING_SAMPLE whatever the number of hospitals or the length of their history (before,
    a subtree of several read and sorted every task of the period of each)."""
    found = reach(user)
    organisations = _sampled_organisations(found, since)
    parts = [Q(organisation_id=pk) for pk in organisations]
    if found.outside:
        parts.append(Q(instance_id__in=found.outside))
    if not parts:
        return []
    share = math.ceil(TIMING_SAMPLE / len(parts))
    querysets = [
        Task.objects.filter(part, state=Task.State.COMPLETED, completed_at__gte=since)
        .annotate(hours=_Hours("completed_at", "created_at"))
        .order_by("-completed_at", "-pk")
        .values_list("instance__version_id", "bpmn_id", "name", "hours", "pk")[:share]
        for part in parts
    ]
    return _union_all(querysets)


class _Hours(Func):
    """The hours from the second time column to the first, as a float computed by the database: the
    sample's 5,000 rows then come back without two datetimes each to parse (on SQLite Django
    converts each text value in Python: about half of the page's time at scale 20)."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 24.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)",
            arg_joiner=" - ",
            **extra,
        )


def _union_all(querysets) -> list[tuple]:
    """The rows of `querysets` (the same columns; each may be ordered and sliced, or grouped)
    in one query per PARTS_PER_QUERY of them. Django refuses LIMIT in a compound statement's
    parts on SQLite; each part is wrapped as a subquery instead (`SELECT * FROM (… LIMIT n)
    AS s0 UNION ALL …`), which both databases take, and the first part's compiler converts
    the values (dates on SQLite)."""
    rows: list[tuple] = []
    for start in range(0, len(querysets), PARTS_PER_QUERY):
        chunk = querysets[start : start + PARTS_PER_QUERY]
        compilers = [qs.query.get_compiler(using=qs.db) for qs in chunk]
        sqls, params = [], []
        for i, compiler in enumerate(compilers):
            try:
                sql, part_params = compiler.as_sql()
            except EmptyResultSet:
                continue
            sqls.append(f"SELECT * FROM ({sql}) AS s{i}")  # noqa: S608 (Django's own SQL)
            params.extend(part_params)
        if not sqls:
            continue
        with connections[chunk[0].db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(sqls), params)
            fetched = cursor.fetchall()
        rows += compilers[0].results_iter(results=[fetched], tuple_expected=True)
    return rows


def _steps(user, now) -> list[StepRow]:
    since = now - dt.timedelta(days=TIMING_DAYS)
    sample = _latest_completed(user, since)
    returns = list(
        InstanceEvent.objects.filter(
            reach(user).events(), kind=InstanceEvent.Kind.RETURNED, task__isnull=False
        )
        .values("instance__version_id", "task__bpmn_id", "task__name")
        .annotate(n=Count("pk"))
        .values_list("instance__version_id", "task__bpmn_id", "task__name", "n")
    )
    versions = _versions([r[0] for r in sample] + [r[0] for r in returns])
    hours: dict[tuple, list[float]] = defaultdict(list)
    names: dict[tuple, tuple[str, str]] = {}
    for version, step, name, taken, _pk in sample:
        flow_pk, flow, _count = versions[version]
        key = (flow_pk, step)
        names.setdefault(key, (flow, name))
        hours[key].append(max(0.0, taken or 0.0))
    returned: dict[tuple, int] = defaultdict(int)
    for version, step, name, n in returns:
        flow_pk, flow, _count = versions[version]
        key = (flow_pk, step)
        names.setdefault(key, (flow, name))
        returned[key] += n
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


def monitored_organisations(user) -> list[int]:
    """The ids of the organisations whose completeness the user reads: their subtree's,
    those with flows (read together: `publications` takes a list of ids)."""
    return list(
        Organisation.objects.filter(pk__in=reach(user).organisations)
        .filter(pk__in=FlowDefinition.objects.values("organisation_id"))
        .order_by("path")
        .values_list("pk", flat=True)
    )


def completeness(user, month: dt.date) -> list[publications.Completeness]:
    """Per flow (by code, summed over the user's organisations): control points completed in
    `month` and those published. The same queries for one hospital or a commission's many."""
    organisations = monitored_organisations(user)
    if not organisations:
        return []
    merged: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in publications.publication_completeness(organisations, month):
        entry = merged[row.flow_code, row.flow]
        entry[0] += row.completed
        entry[1] += row.published
    return [
        publications.Completeness(flow=name, flow_code=code, completed=c, published=p)
        for (code, name), (c, p) in sorted(merged.items())
    ]


def unpublished_task_ids(user, month: dt.date, flow_code: str = "") -> list[int]:
    organisations = monitored_organisations(user)
    if not organisations:
        return []
    return [
        gap.task.pk
        for gap in publications.publication_gaps(organisations, month)
        if not flow_code or gap.flow_code == flow_code
    ]


def overview(user, *, month: dt.date | None = None, now=None) -> Overview:
    now = now or timezone.now()
    month = month or timezone.localdate(now).replace(day=1)
    flows, departments = _flows(user, now)
    shares = completeness(user, month)
    return Overview(
        flows=flows,
        departments=departments,
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
        qs = Task.objects.filter(reach(user).tasks())
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
        qs = Task.objects.filter(reach(user).tasks(), pk__in=unpublished_task_ids(user, month))
    else:
        # on the task's own columns, not its matter's as the counts (`_ready_tasks`): a ready
        # task's matter is running (`services._close` cancels the ready tasks of a matter it
        # closes), and so the list reads the indexes (organisation, state, due_at, id) and
        # (organisation, state, created_at DESC, id DESC) in its order under the page's LIMIT;
        # joined to the matters, SQLite built a Bloom filter of every matter of the table
        # (their serialised workflows too) to sort by due date (0.8 s at 300,000 tasks), and
        # both databases sorted every ready task of the reach for the newest
        qs = Task.objects.filter(reach(user).tasks(), state=Task.State.READY)
        due = _due_filters(now)
        if state in due:
            qs = qs.filter(due[state])
    return task_rows(qs)


def task_rows(qs) -> QuerySet[Task]:
    """The tasks of `qs` with what the list shows of them. The list picks its page's ids
    first and loads only those rows this way (`core.tables.paginate(load=…)`): joining first
    made the databases join every ready task of the reach before sorting them for twenty."""
    return qs.select_related(
        "instance__version__definition",
        "instance__department",
        "instance__applicant_person",
        "assignee_person",
    ).defer(
        "instance__workflow", "instance__data", "instance__version__bpmn", "instance__version__spec"
    )
