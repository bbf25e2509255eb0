"""Publication at control points (内控点结果公开): when a control point's step is decided
(approved, or rejected: 不同意),
what it decided goes to the organisation's public column 权力运行公开 (`flows/results`)
through `core.publications`, in the transaction of the approval (a failure here undoes the
approval).

The record holds the flow, the instance's number, the step, the decision, the date, the
handler's post (their name only with `lianfang:publishHandlerName="true"`) and the form fields
the control point lists in `lianfang:publishes` — each only if the form declares it public,
it is no file, and neither its name nor its label says it holds private data (证件号, 电话,
住址 …). Nothing else of the instance is copied: not its title (it names the applicant), not
the applicant, not any other field.

`publication_gaps(organisation, month)` lists the control points completed in a month without
their publication in force, per flow; the integrity office's button on 公开发布 (补发) publishes
those never published (a record the office withdrew stays withdrawn).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import publications
from lianfang.core.models import Publication
from lianfang.org.models import Department, Person
from lianfang.org.selectors import current_assignments

from . import bpmn, handlers
from .models import FlowVersion, Task

MODULE, COLUMN = "flows", "results"
NEVER_PUBLISHED = ("attachment",)  # kinds of field that never go public, listed or not


def _public_fields(spec: dict, spec_task: dict) -> list[dict]:
    """The fields the control point publishes: listed, declared public, not a file, and not
    private by name or label."""
    by_name = {f["name"]: f for f in spec.get("fields", [])}
    chosen = []
    for name in spec_task.get("publishes") or []:
        field = by_name.get(name)
        if field is None or not field.get("public") or field.get("type") in NEVER_PUBLISHED:
            continue
        if bpmn._is_private(field["name"], field.get("label", "")):
            continue
        chosen.append(field)
    return chosen


def _shown(field: dict, value) -> str:
    if value in (None, "", []):
        return ""
    kind = field.get("type")
    if kind == "amount":
        try:
            return _("%(amount)s 元") % {"amount": f"{Decimal(str(value)):,.2f}"}
        except (InvalidOperation, ValueError):
            return str(value)
    if kind == "boolean":
        return _("是") if value else _("否")
    if kind == "person":
        person = Person.objects.filter(pk=handlers._person_pk(value)).first()
        return person.name if person else ""
    if kind == "department":
        department = Department.objects.filter(pk=handlers._person_pk(value)).first()
        return department.name if department else ""
    return str(value)


def _spec(task: Task) -> tuple[dict, dict]:
    spec = task.instance.version.spec or {}
    return spec, (spec.get("tasks") or {}).get(task.bpmn_id) or {}


def _post_of(task: Task) -> str:
    person = task.assignee_person
    if person is None and task.completed_by_id:
        person = Person.objects.filter(user_id=task.completed_by_id).first()
    if person is None:
        return ""
    held = current_assignments([person.pk]).get(person.pk)
    if held is not None:
        return held.post.name
    return person.title or ""


def public_values(task: Task) -> dict:
    """The public record of a completed control point (see the module's docstring)."""
    spec, spec_task = _spec(task)
    data = task.instance.data or {}
    lines = [
        f"{f.get('label') or f['name']}：{_shown(f, data.get(f['name']))}"
        for f in _public_fields(spec, spec_task)
    ]
    handler = ""
    if spec_task.get("publish_handler_name"):
        person = task.assignee_person
        handler = person.name if person else str(task.completed_by or task.assignee or "")
    when = task.completed_at or timezone.now()
    return {
        "flow": task.instance.version.definition.name,
        "number": task.instance.number,
        "step": task.name,
        "decision": task.get_decision_display() if task.decision else "",
        "date": timezone.localtime(when).date().isoformat(),
        "post": _post_of(task),
        "handler": handler,
        "content": "\n".join(lines),
    }


publications.register(
    publications.Publishable(
        model=Task,
        title=lambda t: f"{t.instance.version.definition.name}·{t.name}",
        fields=(
            ("flow", gettext_lazy("流程")),
            ("number", gettext_lazy("办件编号")),
            ("step", gettext_lazy("环节")),
            ("decision", gettext_lazy("办理结果")),
            ("date", gettext_lazy("办理日期")),
            ("post", gettext_lazy("办理岗位")),
            ("handler", gettext_lazy("办理人")),
            ("content", gettext_lazy("公开内容")),
        ),
        values=public_values,
    )
)


def column():
    return publications.column_of(MODULE, COLUMN)


def control_point_publish(*, actor, task: Task):
    """Publish what the completed control point `task` decided (once: a record in force is
    kept). Called in the approval's transaction."""
    return publications.publish_one(
        actor=actor, organisation=task.organisation, column=column(), source=task
    )


def publish_on_completion(*, task, instance, actor, spec_task):
    """`flows.services.on_task_completed`: a control point publishes when its step completes."""
    if not (spec_task or {}).get("control_point"):
        return
    task.instance = instance
    control_point_publish(actor=actor, task=task)


# Completeness ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A control point completed without its publication in force."""

    flow: str
    flow_code: str
    task: Task
    withdrawn: bool  # published once, then withdrawn by the office


def _month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=zone),
        dt.datetime.combine(following, dt.time.min, tzinfo=zone),
    )


def _of(organisation) -> Q:
    """The rows of `organisation`: one organisation, or a list of organisation ids (the
    monitoring page of a commission reads all its hospitals in the same queries as one)."""
    if isinstance(organisation, list | tuple | set | frozenset):
        return Q(organisation_id__in=list(organisation))
    return Q(organisation=organisation)


def completed_control_points(
    organisation, month: dt.date | None = None, *, counting: bool = False
) -> list[Task]:
    """The control points of `organisation` whose step was decided, approved or rejected (in
    `month`, by its local calendar month, if given): one task per step; a committee's step
    counts once, when its members' decisions decide it (`handlers.countersign_outcome`).
    `counting`: the rows only to be counted (`publication_completeness`): without the
    matter's form data and the version's parsed spec (read per row, they cost more than the
    query), the committees' specs read apart, once per version."""
    rows = Task.objects.filter(
        _of(organisation),
        is_control_point=True,
        decision__in=(Task.Decision.APPROVE, Task.Decision.REJECT),
    )
    if month is not None:
        start, end = _month_range(month)
        rows = rows.filter(completed_at__gte=start, completed_at__lt=end)
    heavy = ["instance__workflow", "instance__version__bpmn"]  # read by no one here
    if counting:
        heavy += ["instance__data", "instance__version__spec"]
    rows = list(
        rows.select_related("instance__version__definition")
        .defer(*heavy)
        .order_by("completed_at", "pk")
    )
    committees = [r for r in rows if r.committee_key]
    members = defaultdict(list)
    if committees:
        siblings = Task.objects.filter(
            instance_id__in={r.instance_id for r in committees},
            committee_key__in={r.committee_key for r in committees},
        ).exclude(state=Task.State.CANCELLED)
        for row in siblings.values("instance_id", "spiff_id", "committee_key", "decision"):
            key = (row["instance_id"], row["spiff_id"], row["committee_key"])
            members[key].append(row["decision"] or None)
    specs = {}
    if committees and counting:
        specs = dict(
            FlowVersion.objects.filter(
                pk__in={r.instance.version_id for r in committees}
            ).values_list("pk", "spec")
        )
    steps, seen = [], set()
    for row in rows:
        key = (row.instance_id, row.spiff_id, row.committee_key)
        if key in seen:
            continue
        if row.committee_key:
            spec = specs[row.instance.version_id] if counting else row.instance.version.spec
            spec_task = ((spec or {}).get("tasks") or {}).get(row.bpmn_id) or {}
            completion = spec_task.get("completion") or handlers.ALL
            if handlers.countersign_outcome(completion, members[key]) is None:
                continue
        seen.add(key)
        steps.append(row)
    return steps


def _published(tasks, organisation) -> tuple[set, set]:
    """(ids in force, ids only withdrawn) among the steps' tasks (a committee's: any member's)."""
    content_type = ContentType.objects.get_for_model(Task)
    rows = Publication.objects.filter(
        _of(organisation),
        column__module__code=MODULE,
        column__code=COLUMN,
        content_type=content_type,
    )
    by_step = defaultdict(set)
    for task in tasks:
        by_step[task.instance_id, task.spiff_id, task.committee_key].add(task.pk)
    ids = {pk for group in by_step.values() for pk in group}
    if committees := [t for t in tasks if t.committee_key]:
        for row in Task.objects.filter(
            instance_id__in={t.instance_id for t in committees},
            committee_key__in={t.committee_key for t in committees},
        ).values("pk", "instance_id", "spiff_id", "committee_key"):
            key = (row["instance_id"], row["spiff_id"], row["committee_key"])
            if key in by_step:
                by_step[key].add(row["pk"])
                ids.add(row["pk"])
    in_force, withdrawn = set(), set()
    for object_id, gone in rows.filter(object_id__in=ids).values_list("object_id", "withdrawn_at"):
        (withdrawn if gone else in_force).add(object_id)
    steps_in_force, steps_withdrawn = set(), set()
    for task in tasks:
        group = by_step[task.instance_id, task.spiff_id, task.committee_key]
        if group & in_force:
            steps_in_force.add(task.pk)
        elif group & withdrawn:
            steps_withdrawn.add(task.pk)
    return steps_in_force, steps_withdrawn


def publication_gaps(organisation, month: dt.date | None = None) -> list[Gap]:
    """The control points of `organisation` completed (in `month`) without their publication
    in force, in the order they completed. A constant number of queries."""
    steps = completed_control_points(organisation, month)
    in_force, withdrawn = _published(steps, organisation)
    return [
        Gap(
            flow=t.instance.version.definition.name,
            flow_code=t.instance.version.definition.code,
            task=t,
            withdrawn=t.pk in withdrawn,
        )
        for t in steps
        if t.pk not in in_force
    ]


@dataclass(frozen=True)
class Completeness:
    flow: str
    flow_code: str
    completed: int
    published: int

    @property
    def percent(self) -> float:
        return 100.0 if not self.completed else round(100 * self.published / self.completed, 1)


def publication_completeness(organisation, month: dt.date | None = None) -> list[Completeness]:
    """Per flow: the control points completed (in `month`) and those published, for 公开内容是否
    齐全 on the monitoring page."""
    steps = completed_control_points(organisation, month, counting=True)
    in_force, _withdrawn = _published(steps, organisation)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for task in steps:
        definition = task.instance.version.definition
        entry = counts[definition.code, definition.name]
        entry[0] += 1
        entry[1] += task.pk in in_force
    return [
        Completeness(flow=name, flow_code=code, completed=c, published=p)
        for (code, name), (c, p) in sorted(counts.items())
    ]


@transaction.atomic
def publication_gaps_fill(*, actor, organisation):
    """补发: publish every completed control point of `organisation` never published (a
    record the office withdrew stays withdrawn). The integrity office's, as every
    publication by hand (`core.publications.may_publish`). Returns the new publications."""
    if not publications.may_publish(actor, organisation):
        raise PermissionDenied
    made = []
    for gap in publication_gaps(organisation):
        if not gap.withdrawn:
            made.append(control_point_publish(actor=actor, task=gap.task))
    return made


publications.register_publisher(
    publications.Publisher(MODULE, COLUMN, gettext_lazy("补发内控点结果"), publication_gaps_fill)
)


def register() -> None:
    from . import services

    if publish_on_completion not in services.on_task_completed:
        services.on_task_completed.append(publish_on_completion)
