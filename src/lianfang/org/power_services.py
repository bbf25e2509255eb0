"""The rules and writes of the power catalogue (职权目录): powers (权力事项) and their steps
(流程环节).

One set of rules serves every path that writes a power: the pages call the single services
(`power_create`, `power_update`, `power_step_add` …); the Excel import
(`power_io.power_import`), the standard-library import (`risks.library_import`) and the demo
(through the library import) call the bulk writer `powers_write`, which applies the same rules
to many rows, reports every row's problems and writes nothing unless all pass, then writes in
set-based queries with the same audit events (optionally prefixed, e.g. "library.import.").

The rules: a power has a 编码 unique within its organisation, a name and a valid category; its
承办部门 and 承办岗位 are the organisation's own; time limits run from 1 to TIME_LIMIT_MAX days.
A step has a name and a key (a slug, unique within its power; made from its order when not
given); a new step without an order goes last; its 办理岗位 is the organisation's own. A step
that risk points sit on cannot be removed.

(It runs past 600 lines as one aggregate's rules with their two users, the single services
and the bulk writer: split, the rules would sit apart from one of them.)
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from lianfang.core import audit, bulk, publications
from lianfang.core.errors import RowIssue

from .models import Department, Organisation, Post, Power, PowerStep
from .services import (
    BATCH_SIZE,
    OrgError,
    Problems,
    _assign,
    bulk_insert,
    check_lengths,
    check_required,
    taken_by_other,
)

POWER_FIELDS = (
    "code",
    "name",
    "category",
    "basis",
    "department",
    "duties",
    "time_limit_days",
    "is_public",
    "active",
)
# Set by the standard-library import only (through the bulk writer).
LIBRARY_FIELDS = ("library_urn", "library_version")
STEP_FIELDS = ("key", "name", "order", "is_control_point", "post", "time_limit_days")
TIME_LIMIT_MAX = 3650
ORDER_MAX = 32767


def power_snapshot(power: Power, post_ids=None) -> dict:
    """`audit.snapshot` of a power with its 承办岗位 as a sorted list of post ids (read from
    the database unless `post_ids` are given)."""
    data = audit.snapshot(power)
    if post_ids is None:
        post_ids = power.posts.values_list("pk", flat=True) if power.pk else []
    data["post_ids"] = sorted(post_ids)
    return data


# What the rules read -------------------------------------------------------------------------


@dataclass
class PowerContext:
    """What the power rules read from the database, read once for a whole batch."""

    organisation: Organisation
    department_ids: set[int]
    post_ids: set[int]
    codes: dict[str, int]  # 编码 -> power id (as the batch being checked will leave them)
    steps: dict[int, list[PowerStep]]  # the steps of the powers being written, by power id


def power_context(organisation: Organisation, *, powers=(), codes=None) -> PowerContext:
    """The context for writing powers of `organisation`: its departments and posts, the ids
    of its powers by code (all, or those with `codes`) and the steps of `powers`."""
    codes_query = Power.objects.filter(organisation=organisation)
    if codes is not None:
        codes_query = codes_query.filter(code__in=list(codes))
    steps = defaultdict(list)
    ids = [p.pk for p in powers if p.pk]
    for start in range(0, len(ids), BATCH_SIZE):
        for step in PowerStep.objects.filter(power_id__in=ids[start : start + BATCH_SIZE]):
            steps[step.power_id].append(step)
    for power_steps in steps.values():
        power_steps.sort(key=lambda s: (s.order, s.pk))
    return PowerContext(
        organisation=organisation,
        department_ids=set(
            Department.objects.filter(organisation=organisation).values_list("pk", flat=True)
        ),
        post_ids=set(Post.objects.filter(organisation=organisation).values_list("pk", flat=True)),
        codes=dict(codes_query.values_list("code", "pk")),
        steps=dict(steps),
    )


class FlowSteps:
    """One power's steps as the step rules see them: which step holds each key, and the last
    order (so a new step without one goes last)."""

    def __init__(self, steps):
        self.by_key = {}
        self.last = None
        for step in steps:
            self.claim(step)

    @staticmethod
    def _same(a, b) -> bool:
        return a is b or (a.pk is not None and a.pk == b.pk)

    def key_taken(self, step: PowerStep) -> bool:
        owner = self.by_key.get(step.key)
        return owner is not None and not self._same(owner, step)

    def claim(self, step: PowerStep):
        """Count `step` (with its key, if any, and its order) among the power's steps."""
        self.by_key = {k: s for k, s in self.by_key.items() if not self._same(s, step)}
        if step.key:
            self.by_key[step.key] = step
        if step.order is not None:
            self.last = step.order if self.last is None else max(self.last, step.order)

    def next_order(self) -> int:
        return 1 if self.last is None else min(self.last + 1, ORDER_MAX)


# The rules ----------------------------------------------------------------------------------


def check_time_limit(problems: Problems, value, field_name="time_limit_days"):
    if value is not None and not (1 <= value <= TIME_LIMIT_MAX):
        problems.add(
            field_name,
            OrgError.OUT_OF_RANGE,
            _("期限须为 1 至 %(max)s 天。") % {"max": TIME_LIMIT_MAX},
        )


def check_power(power: Power, posts, context: PowerContext) -> Problems:
    """The rules of a power (see the module docstring); `posts` None: 承办岗位 unchanged."""
    problems = Problems()
    check_required(problems, power, "code", "name")
    check_lengths(problems, power, "code", "name", "library_urn")
    if power.category not in Power.Category.values:
        problems.add("category", OrgError.INVALID, _("请选择有效的权力类别。"))
    if power.code and taken_by_other(context.codes.get(power.code), power):
        problems.add(
            "code",
            OrgError.DUPLICATE,
            _("本单位已有编码为“%(code)s”的权力事项。") % {"code": power.code},
        )
    if power.department_id and power.department_id not in context.department_ids:
        problems.add("department", OrgError.OUTSIDE_ORGANISATION, _("承办部门须为本单位的科室。"))
    if posts is not None:
        foreign = [p.name for p in posts if p.pk not in context.post_ids]
        if foreign:
            problems.add(
                "posts",
                OrgError.OUTSIDE_ORGANISATION,
                _("承办岗位须为本单位的岗位：%(names)s 不是。") % {"names": "、".join(foreign)},
            )
    check_time_limit(problems, power.time_limit_days)
    return problems


def check_step(step: PowerStep, flow: FlowSteps, context: PowerContext) -> Problems:
    """The rules of a step of a power whose other steps are `flow`."""
    problems = Problems()
    check_required(problems, step, "name")
    check_lengths(problems, step, "name", "key")
    if step.key:
        try:
            validate_slug(step.key)
        except ValidationError:
            problems.add(
                "key",
                OrgError.INVALID,
                _("环节代码只能包含英文字母、数字、连字符和下划线。"),
            )
        else:
            if flow.key_taken(step):
                problems.add(
                    "key",
                    OrgError.DUPLICATE,
                    _("本权力事项已有代码为“%(key)s”的环节。") % {"key": step.key},
                )
    if step.order is not None and not (0 <= step.order <= ORDER_MAX):
        problems.add(
            "order",
            OrgError.OUT_OF_RANGE,
            _("顺序须为 0 至 %(max)s 的整数。") % {"max": ORDER_MAX},
        )
    if step.post_id and step.post_id not in context.post_ids:
        problems.add("post", OrgError.OUTSIDE_ORGANISATION, _("办理岗位须为本单位的岗位。"))
    check_time_limit(problems, step.time_limit_days)
    return problems


def free_step_key(order: int, taken: set[str]) -> str:
    """A step key made from the step's order ("step-3"), not in `taken` (which it joins)."""
    key = f"step-{order}"
    n = 1
    while key in taken:
        n += 1
        key = f"step-{order}-{n}"
    taken.add(key)
    return key


def steps_in_use(steps: list[PowerStep]) -> list[tuple[PowerStep, str]]:
    """The steps of `steps` that risk points sit on, each with why it cannot be removed."""
    if not steps:
        return []
    counts = dict(
        PowerStep.objects.filter(pk__in=[s.pk for s in steps])
        .annotate(n=Count("risk_points"))
        .values_list("pk", "n")
    )
    return [
        (
            step,
            _("环节“%(name)s”上有 %(n)s 个风险点，不能删除。请先把这些风险点调整到其他环节。")
            % {"name": step.name, "n": counts[step.pk]},
        )
        for step in steps
        if counts.get(step.pk)
    ]


def _step_change(action, step, power, before=None, after=None):
    return audit.Change(
        action,
        step,
        before,
        after,
        object_repr=f"{power.name} · {step.name}",
        organisation=power.organisation,
    )


# Single services ----------------------------------------------------------------------------


@transaction.atomic
def power_create(*, actor, organisation: Organisation, data: dict) -> Power:
    """Create a power of `organisation`; `data["posts"]` (optional) are its 承办岗位."""
    power = Power(organisation=organisation)
    _assign(power, data, POWER_FIELDS)
    posts = list(data.get("posts") or [])
    check_power(power, posts, power_context(organisation, codes=[power.code])).raise_if_any()
    power.save()
    power.posts.set(posts)
    audit.record(
        actor=actor,
        action="power.create",
        obj=power,
        after=power_snapshot(power, [p.pk for p in posts]),
    )
    publications.public_changed(organisation)  # the portal's 职权目录 reads the powers
    return power


@transaction.atomic
def power_update(*, actor, power: Power, data: dict) -> Power:
    """Update a power. Its organisation cannot change (its steps, posts and risk points hang
    on it). `data["posts"]`, when present, replaces the 承办岗位."""
    obj = Power.objects.select_for_update().select_related("organisation").get(pk=power.pk)
    before = power_snapshot(obj)
    _assign(obj, data, POWER_FIELDS)
    posts = list(data["posts"]) if data.get("posts") is not None else None
    check_power(obj, posts, power_context(obj.organisation, codes=[obj.code])).raise_if_any()
    obj.save()
    if posts is not None:
        obj.posts.set(posts)
    audit.record(
        actor=actor, action="power.update", obj=obj, before=before, after=power_snapshot(obj)
    )
    publications.public_changed(obj.organisation)
    return obj


@transaction.atomic
def power_step_add(*, actor, power: Power, data: dict) -> PowerStep:
    """Add a step to `power`. Without an order it goes last; without a key it gets one made
    from its order (step-3)."""
    power = Power.objects.select_for_update().select_related("organisation").get(pk=power.pk)
    context = power_context(power.organisation, powers=[power], codes=[])
    flow = FlowSteps(context.steps.get(power.pk, []))
    step = PowerStep(power=power)
    _assign(step, data, STEP_FIELDS)
    if data.get("order") is None:
        step.order = flow.next_order()
    check_step(step, flow, context).raise_if_any()
    if not step.key:
        step.key = free_step_key(step.order, set(flow.by_key))
    step.save()
    audit.record_many(
        actor=actor,
        changes=[_step_change("power_step.create", step, power, after=audit.snapshot(step))],
    )
    publications.public_changed(power.organisation)
    return step


@transaction.atomic
def power_step_update(*, actor, step: PowerStep, data: dict) -> PowerStep:
    """Update a step; an emptied key keeps the old one."""
    obj = (
        PowerStep.objects.select_for_update().select_related("power__organisation").get(pk=step.pk)
    )
    before = audit.snapshot(obj)
    _assign(obj, data, STEP_FIELDS)
    if not obj.key:
        obj.key = before["key"]
    if obj.order is None:
        obj.order = before["order"]
    context = power_context(obj.power.organisation, powers=[obj.power], codes=[])
    check_step(obj, FlowSteps(context.steps.get(obj.power_id, [])), context).raise_if_any()
    obj.save()
    audit.record_many(
        actor=actor,
        changes=[_step_change("power_step.update", obj, obj.power, before, audit.snapshot(obj))],
    )
    publications.public_changed(obj.power.organisation)
    return obj


@transaction.atomic
def power_step_remove(*, actor, step: PowerStep) -> None:
    """Remove a step. Refused while risk points (or anything else) sit on it."""
    obj = (
        PowerStep.objects.select_for_update().select_related("power__organisation").get(pk=step.pk)
    )
    for _step, reason in steps_in_use([obj]):
        raise ValidationError(reason, code=OrgError.IN_USE.value)
    audit.record_many(
        actor=actor,
        changes=[_step_change("power_step.delete", obj, obj.power, before=audit.snapshot(obj))],
    )
    try:
        with transaction.atomic():
            obj.delete()
    except models.ProtectedError as exc:
        raise ValidationError(
            _("环节“%(name)s”已被其他记录引用，不能删除。") % {"name": obj.name},
            code=OrgError.IN_USE.value,
        ) from exc
    publications.public_changed(obj.power.organisation)


@transaction.atomic
def power_step_reorder(*, actor, power: Power, step_ids: list[int]) -> list[PowerStep]:
    """Put `power`'s steps in the order of `step_ids` (every step of the power, once each),
    numbering them 1, 2, 3…; only the steps whose order changes are written and audited."""
    power = Power.objects.select_for_update().select_related("organisation").get(pk=power.pk)
    steps = {s.pk: s for s in power.steps.all()}
    ids = [int(i) for i in step_ids]
    if len(ids) != len(set(ids)) or set(ids) != set(steps):
        raise ValidationError(
            _("环节顺序无效：须包含本权力事项的全部环节，且每个环节只出现一次。"),
            code=OrgError.INVALID.value,
        )
    changes, changed = [], []
    for position, pk in enumerate(ids, start=1):
        step = steps[pk]
        if step.order != position:
            before = audit.snapshot(step, fields=("order",))
            step.order = position
            changed.append(step)
            changes.append(
                _step_change(
                    "power_step.update",
                    step,
                    power,
                    before,
                    audit.snapshot(step, fields=("order",)),
                )
            )
    bulk.update_rows(changed, ["order"])
    audit.record_many(actor=actor, changes=changes)
    if changed:
        publications.public_changed(power.organisation)
    return [steps[pk] for pk in ids]


# The bulk writer ----------------------------------------------------------------------------


@dataclass
class StepRow:
    """A step to write: `values` of STEP_FIELDS, for the existing `step` or a new one."""

    values: dict
    step: PowerStep | None = None


@dataclass
class PowerRow:
    """One power to write: new (`power` None) or existing, with its steps.

    `values` are power fields to set (POWER_FIELDS and LIBRARY_FIELDS; "posts", a list of
    posts, replaces the 承办岗位); `steps` are created or updated, `remove_steps` removed.
    `number` names the row in the problems reported.
    """

    values: dict
    power: Power | None = None
    steps: list[StepRow] = field(default_factory=list)
    remove_steps: list[PowerStep] = field(default_factory=list)
    number: int = 0


@dataclass(eq=False)
class PowerWritten:
    """What a row became: the saved power and steps (in the row's order), and the counts."""

    power: Power
    steps: list[PowerStep]
    created: bool = False
    changed: bool = False  # its own fields or 承办岗位
    steps_created: int = 0
    steps_updated: int = 0
    steps_removed: int = 0

    @property
    def touched(self) -> bool:
        return bool(
            self.created
            or self.changed
            or self.steps_created
            or self.steps_updated
            or self.steps_removed
        )


@dataclass(eq=False)
class _Plan:
    row: PowerRow
    power: Power
    before: dict | None  # None: a new power
    posts: list[Post] | None  # None: 承办岗位 unchanged
    post_ids: list[int]
    fields: set[str] = field(default_factory=set)  # the fields an update changes
    new_steps: list[PowerStep] = field(default_factory=list)
    changed_steps: list[tuple[PowerStep, dict, set[str]]] = field(default_factory=list)
    steps: list[PowerStep] = field(default_factory=list)


def _changed_fields(model, before: dict, after: dict) -> set[str]:
    names = {f.attname: f.name for f in model._meta.concrete_fields}
    return {names[key] for key in names if key in after and before.get(key) != after[key]}


def _current_post_ids(powers: list[Power]) -> dict[int, list[int]]:
    found = defaultdict(list)
    ids = [p.pk for p in powers]
    Through = Power.posts.through
    for start in range(0, len(ids), BATCH_SIZE):
        for power_id, post_id in Through.objects.filter(
            power_id__in=ids[start : start + BATCH_SIZE]
        ).values_list("power_id", "post_id"):
            found[power_id].append(post_id)
    return found


def _plan(organisation, rows, context) -> tuple[list[_Plan], list[RowIssue]]:
    """Apply the rules to every row, in memory; the plans, and every row's problems."""
    current_posts = _current_post_ids([r.power for r in rows if r.power is not None])
    plans = []
    for row in rows:
        power = row.power or Power()
        power.organisation = organisation
        old_posts = current_posts.get(power.pk, []) if power.pk else []
        before = power_snapshot(power, old_posts) if power.pk else None
        if before and context.codes.get(before["code"]) == power.pk:
            del context.codes[before["code"]]  # taken again below, as it will be
        _assign(power, row.values, POWER_FIELDS + LIBRARY_FIELDS)
        posts = list(row.values["posts"]) if row.values.get("posts") is not None else None
        post_ids = [p.pk for p in posts] if posts is not None else old_posts
        plans.append(_Plan(row, power, before, posts, post_ids))
    for plan in plans:
        if plan.before:
            context.codes.setdefault(plan.power.code, plan.power.pk)

    issues = []
    removed = [step for row in rows for step in row.remove_steps]
    in_use = {step.pk: reason for step, reason in steps_in_use(removed)}
    first_row_of: dict[str, int] = {}
    for plan in plans:
        row, power = plan.row, plan.power
        problems = check_power(power, plan.posts, context)
        if power.code in first_row_of and not problems.has("code"):
            problems.add(
                "code",
                OrgError.DUPLICATE,
                _("编码“%(code)s”与第 %(row)s 行重复。")
                % {"code": power.code, "row": first_row_of[power.code]},
            )
        if power.code:
            first_row_of.setdefault(power.code, row.number)
        found = [(f, message) for f, message in problems.items()]
        found += [("steps", in_use[s.pk]) for s in row.remove_steps if s.pk in in_use]
        found += [("steps", message) for message in _plan_steps(plan, context)]
        issues += [RowIssue(row.number, f, message) for f, message in found]
        if plan.before is not None:
            plan.fields = _changed_fields(Power, plan.before, power_snapshot(power, plan.post_ids))
            if sorted(plan.post_ids) != plan.before["post_ids"]:
                plan.fields.add("posts")
    return plans, issues


def _plan_steps(plan: _Plan, context: PowerContext) -> list[str]:
    """Apply the step rows of `plan` to its power's steps, in memory; their problems."""
    row, power = plan.row, plan.power
    removed = {step.pk for step in row.remove_steps}
    flow = FlowSteps(s for s in context.steps.get(power.pk, []) if s.pk not in removed)
    messages = []
    for position, step_row in enumerate(row.steps, start=1):
        step = step_row.step or PowerStep()
        step.power = power
        before = audit.snapshot(step) if step.pk else None
        _assign(step, step_row.values, STEP_FIELDS)
        if before is not None:
            step.key = step.key or before["key"]
            step.order = before["order"] if step.order is None else step.order
        elif step_row.values.get("order") is None:
            step.order = flow.next_order()
        messages += [
            _("第 %(n)s 个环节：%(reason)s") % {"n": position, "reason": message}
            for _field, message in check_step(step, flow, context).items()
        ]
        flow.claim(step)
        plan.steps.append(step)
        if before is None:
            plan.new_steps.append(step)
        else:
            changed = _changed_fields(PowerStep, before, audit.snapshot(step))
            if changed:
                plan.changed_steps.append((step, before, changed))
    for step in plan.new_steps:
        if not step.key:
            step.key = free_step_key(step.order, set(flow.by_key))
            flow.claim(step)
    return messages


def _check(organisation, rows, context):
    context = context or power_context(organisation, powers=[r.power for r in rows if r.power])
    return _plan(organisation, rows, context)


def powers_check(*, organisation: Organisation, rows: list[PowerRow], context=None):
    """The problems `powers_write` would refuse `rows` for (nothing is written; the rows'
    objects are changed in memory)."""
    return _check(organisation, rows, context)[1]


def powers_write(
    *,
    actor,
    organisation: Organisation,
    rows: list[PowerRow],
    context: PowerContext | None = None,
    audit_prefix: str = "",
) -> list[PowerWritten]:
    """Write `rows` of `organisation` with the rules of the single services.

    Raises `RowsInvalid` with every row's problems and writes nothing when any row breaks a
    rule. Otherwise removes, creates and updates powers, their 承办岗位 and steps in set-based
    queries, with the audit events of the single services ("power.create", "power.update",
    "power_step.create" / ".update" / ".delete", their actions prefixed with `audit_prefix`);
    what does not change is not written. A step another record protects raises
    `ProtectedError` (the transaction is rolled back). Returns one `PowerWritten` per row, in
    order. `context` (from `power_context`, with the steps of the rows' powers) may be passed
    when the caller has read it already.
    """

    def write(plans):
        audit.record_many(actor=actor, changes=_write(organisation, plans, audit_prefix))
        publications.public_changed(organisation)
        return [
            PowerWritten(
                power=plan.power,
                steps=plan.steps,
                created=plan.before is None,
                changed=bool(plan.fields),
                steps_created=len(plan.new_steps),
                steps_updated=len(plan.changed_steps),
                steps_removed=len(plan.row.remove_steps),
            )
            for plan in plans
        ]

    return bulk.write_checked(lambda: _check(organisation, rows, context), write)


def _write(organisation, plans: list[_Plan], audit_prefix) -> list[audit.Change]:
    """Write checked plans; their audit changes."""
    removed = [step for plan in plans for step in plan.row.remove_steps]
    for start in range(0, len(removed), BATCH_SIZE):
        PowerStep.objects.filter(
            pk__in=[s.pk for s in removed[start : start + BATCH_SIZE]]
        ).delete()
    created = [plan for plan in plans if plan.before is None]
    bulk_insert([plan.power for plan in created], key=("organisation_id", "code"))
    updated = [plan for plan in plans if plan.fields - {"posts"}]
    bulk.update_rows(
        [plan.power for plan in updated],
        sorted(set().union(*(plan.fields for plan in updated)) - {"posts"}),
    )
    Through = Power.posts.through
    reposted = [plan for plan in plans if plan.before is None or "posts" in plan.fields]
    replaced = [plan.power.pk for plan in reposted if plan.before is not None]
    for start in range(0, len(replaced), BATCH_SIZE):
        Through.objects.filter(power_id__in=replaced[start : start + BATCH_SIZE]).delete()
    Through.objects.bulk_create(
        [
            Through(power_id=plan.power.pk, post_id=post_id)
            for plan in reposted
            for post_id in plan.post_ids
        ],
        batch_size=BATCH_SIZE,
    )
    new_steps = []
    for plan in plans:
        for step in plan.new_steps:
            step.power = plan.power  # sets the key of a power inserted above
            new_steps.append(step)
    bulk_insert(new_steps, key=("power_id", "key"))
    changed_steps = [item for plan in plans for item in plan.changed_steps]
    bulk.update_rows(
        [step for step, _before, _fields in changed_steps],
        sorted(set().union(*(fields for _step, _before, fields in changed_steps))),
    )

    changes = []
    for plan in plans:
        power = plan.power

        def change(action, obj, before=None, after=None, object_repr=""):
            changes.append(
                audit.Change(
                    audit_prefix + action,
                    obj,
                    before,
                    after,
                    object_repr=object_repr,
                    organisation=organisation,
                )
            )

        if plan.before is None:
            change("power.create", power, after=power_snapshot(power, plan.post_ids))
        elif plan.fields:
            change("power.update", power, plan.before, power_snapshot(power, plan.post_ids))
        for step in plan.row.remove_steps:
            change(
                "power_step.delete",
                step,
                before=audit.snapshot(step),
                object_repr=f"{power.name} · {step.name}",
            )
        for step, before, _fields in plan.changed_steps:
            change(
                "power_step.update",
                step,
                before,
                audit.snapshot(step),
                object_repr=f"{power.name} · {step.name}",
            )
        for step in plan.new_steps:
            change(
                "power_step.create",
                step,
                after=audit.snapshot(step),
                object_repr=f"{power.name} · {step.name}",
            )
    return changes
