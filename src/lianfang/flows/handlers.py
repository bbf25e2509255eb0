"""Who handles a user task: the `lianfang:handler` rule resolved against the organisation.

A rule is one of `dept_head`, `leader_in_charge`, `principal_leader`, `integrity_office`,
`role:<role>`, `post:<Post.code>`, `person:<staff_no>`, `applicant`, or a committee
`committee:<rule>,<rule>,…` (会签: every member a task of its own). It resolves to accounts
(a person handles through their account), when the task becomes ready, with the record of
how (`Resolution.record`, kept on the task).

The people above a department are found as the review chain finds them (`reviews.chain`:
department heads by their grant, leaders in charge by their 分管 in force, the integrity
office of the nearest organisation that has one), so a flow and a filing climb alike.

**No self-approval.** The applicant and the person the matter is about (`lianfang:subject`)
never handle a task of it. When a rule finds only them (or nobody), the task goes up the
ladder — department head → leader in charge → principal leader → integrity office — from
the rung above the rule's (from the department head for a post, a person or a role), and
every rung passed over is a `Skip` (who, why), which the caller records on the timeline and
in the audit log. A committee leaves such a member out; a committee left empty goes up.

**Delegation (代理).** A handler with a delegation in force that day is replaced by their
delegate (`flows.delegations`); the task keeps both. A delegate who is the applicant or the
subject is not used: the task stays with the handler.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.accounts.models import User
from lianfang.accounts.notifications import role_holders
from lianfang.core.roles import Role
from lianfang.org.models import Organisation, Person, PostAssignment
from lianfang.reviews import chain

DEPT_HEAD = "dept_head"
LEADER_IN_CHARGE = "leader_in_charge"
PRINCIPAL_LEADER = "principal_leader"
INTEGRITY_OFFICE = "integrity_office"
APPLICANT = "applicant"
ROLE, POST, PERSON, COMMITTEE = "role", "post", "person", "committee"
# The way up when a rule finds nobody who may handle the task.
LADDER = (DEPT_HEAD, LEADER_IN_CHARGE, PRINCIPAL_LEADER, INTEGRITY_OFFICE)
SIMPLE = (*LADDER, APPLICANT)
WITH_ARGUMENT = (ROLE, POST, PERSON)
ALL, MAJORITY = "all", "majority"
COMPLETIONS = (ALL, MAJORITY)
APPROVE, REJECT = "approve", "reject"

# Why a rung or a member was passed over (`Skip.why`), as the timeline says it.
APPLICANT_SELF, SUBJECT_SELF, NOBODY = "applicant", "subject", "nobody"
WHY_LABELS = {
    APPLICANT_SELF: gettext_lazy("办理人为申请人本人（回避）"),
    SUBJECT_SELF: gettext_lazy("办理人为事项所涉人员本人（回避）"),
    NOBODY: gettext_lazy("无可办理人员"),
}


class HandlerUnresolved(ValidationError):
    """Nobody may handle the task: not the rule, nor anyone up the ladder."""


# Parsing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    kind: str
    argument: str = ""
    members: tuple[Rule, ...] = ()  # a committee's

    def __str__(self) -> str:
        if self.kind == COMMITTEE:
            return f"{COMMITTEE}:" + ",".join(str(m) for m in self.members)
        return f"{self.kind}:{self.argument}" if self.argument else self.kind


def parse(text: str) -> Rule:
    """The rule written in `lianfang:handler`; ValidationError (Chinese) when malformed."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("未设置办理人规则。"))
    if text.startswith(f"{COMMITTEE}:"):
        parts = [p.strip() for p in text[len(COMMITTEE) + 1 :].split(",") if p.strip()]
        if not parts:
            raise ValidationError(_("会签规则“%(rule)s”未列出成员。") % {"rule": text})
        members = tuple(_parse_one(p) for p in parts)
        return Rule(COMMITTEE, members=members)
    return _parse_one(text)


def _parse_one(text: str) -> Rule:
    kind, sep, argument = text.partition(":")
    kind, argument = kind.strip(), argument.strip()
    if kind in SIMPLE and not sep:
        return Rule(kind)
    if kind in WITH_ARGUMENT and argument:
        if kind == ROLE and argument not in Role.values:
            raise ValidationError(_("办理人规则中的角色“%(role)s”不存在。") % {"role": argument})
        return Rule(kind, argument)
    raise ValidationError(_("无法识别的办理人规则“%(rule)s”。") % {"rule": text})


def check(text: str, completion: str = "") -> list[str]:
    """Every reason the rule (and a committee's completion) is refused, in Chinese; [] if
    none. For the definition's validation."""
    try:
        rule = parse(text)
    except ValidationError as error:
        return list(error.messages)
    if completion and completion not in COMPLETIONS:
        return [_("会签完成方式“%(value)s”无效，应为 all 或 majority。") % {"value": completion}]
    if completion and rule.kind != COMMITTEE:
        return [_("只有会签规则可以设置完成方式。")]
    return []


# Resolving -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a rule is resolved against: the applicant's organisation and department, the
    applicant's account, the accounts of the people the matter is about, the day."""

    organisation: Organisation
    department_id: int | None
    applicant_id: int | None
    subject_ids: frozenset[int] = frozenset()
    on: dt.date | None = None

    @property
    def day(self) -> dt.date:
        return self.on or timezone.localdate()

    def why_excluded(self, user_id: int) -> str | None:
        if user_id == self.applicant_id:
            return APPLICANT_SELF
        if user_id in self.subject_ids:
            return SUBJECT_SELF
        return None


@dataclass(frozen=True)
class Skip:
    """A rung (or a committee member) passed over."""

    rule: str
    why: str
    user_id: int | None = None

    @property
    def label(self) -> str:
        return str(WHY_LABELS[self.why])

    def as_dict(self) -> dict:
        return {"rule": self.rule, "why": self.why, "user": self.user_id}


@dataclass(frozen=True)
class Handler:
    """One handler: the account that acts (`user_id`) and, when it acts as a delegate, the
    account it stands in for (`original_id`) and the delegation."""

    user_id: int
    rule: str
    original_id: int | None = None
    delegation_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "user": self.user_id,
            "rule": self.rule,
            "original": self.original_id,
            "delegation": self.delegation_id,
        }


@dataclass
class Resolution:
    """The handlers a rule resolved to and how. `committee` is True for a 会签 (one task per
    handler, completed by `completion`); otherwise `handlers` holds the one handler, chosen
    among the `candidates` the rule found."""

    rule: str
    handlers: list[Handler] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    committee: bool = False
    completion: str = ""
    candidates: list[int] = field(default_factory=list)  # all the rule found, before choosing

    @property
    def handler(self) -> Handler:
        """The one handler of a task that is not a committee's."""
        return self.handlers[0]

    @property
    def user_ids(self) -> list[int]:
        return [h.user_id for h in self.handlers]

    @property
    def record(self) -> dict:
        """JSON kept on the task: the rule, who was found, who was passed over and why."""
        return {
            "rule": self.rule,
            "committee": self.committee,
            "completion": self.completion,
            "handlers": [h.as_dict() for h in self.handlers],
            "skips": [s.as_dict() for s in self.skips],
            "candidates": self.candidates,
        }


def _active(user_ids) -> list[int]:
    ids = set(user_ids)
    if not ids:
        return []
    return sorted(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


def _found(rule: Rule, context: Context, exclude: set[int]) -> list[int]:
    """The active accounts the single rule names (before exclusion, except for the integrity
    office, which is the nearest office with someone not excluded)."""
    org = context.organisation
    if rule.kind == APPLICANT:
        return _active([context.applicant_id] if context.applicant_id else [])
    if rule.kind == DEPT_HEAD:
        if context.department_id is None:
            return []
        return sorted(chain.department_heads(context.department_id))
    if rule.kind == LEADER_IN_CHARGE:
        if context.department_id is None:
            return []
        return sorted(chain.leaders_in_charge(context.department_id, context.day))
    if rule.kind == PRINCIPAL_LEADER:
        person = Person.objects.filter(pk=org.principal_leader_id, active=True).first()
        return _active([person.user_id] if person and person.user_id else [])
    if rule.kind == INTEGRITY_OFFICE:
        _office, users = chain.office_of(org, exclude=exclude)
        return sorted(users)
    if rule.kind == ROLE:
        department = None
        if rule.argument == Role.DEPT_HEAD and context.department_id is not None:
            department = context.department_id
        return sorted(role_holders(rule.argument, org, department))
    if rule.kind == POST:
        holders = PostAssignment.objects.current().filter(
            post__organisation=org,
            post__code=rule.argument,
            person__active=True,
            person__user__isnull=False,
        )
        return _active(holders.values_list("person__user_id", flat=True))
    if rule.kind == PERSON:
        people = Person.objects.filter(
            organisation=org, staff_no=rule.argument, active=True, user__isnull=False
        )
        return _active(people.values_list("user_id", flat=True))
    raise ValueError(f"not a single rule: {rule}")


def _allowed(rule: Rule, context: Context, exclude: set[int]) -> tuple[list[int], list[Skip]]:
    """The accounts of a single rule that may handle the task, and those passed over."""
    found = _found(rule, context, exclude)
    if rule.kind == APPLICANT:
        return found, []
    if rule.kind == INTEGRITY_OFFICE:  # the office found skips the excluded: say whom it did
        _office, everyone = chain.office_of(context.organisation)
        found = sorted(set(found) | (everyone & exclude))
    skips = [Skip(str(rule), context.why_excluded(u), u) for u in found if u in exclude]
    return [u for u in found if u not in exclude], skips


def _climb(rule: Rule, context: Context, exclude: set[int], skips: list[Skip]) -> tuple[str, list]:
    """Up the ladder from above `rule` (from its foot for a rule off it, or a committee) until
    a rung has someone who may handle the task."""
    start = LADDER.index(rule.kind) + 1 if rule.kind in LADDER else 0
    for kind in LADDER[start:]:
        users, passed = _allowed(Rule(kind), context, exclude)
        skips.extend(passed)
        if users:
            return kind, users
        if not passed:
            skips.append(Skip(kind, NOBODY))
    raise HandlerUnresolved(
        _("办理人规则“%(rule)s”找不到可办理的人员（申请人和所涉人员须回避），上级也无人可办理。")
        % {"rule": str(rule)}
    )


def resolve(text: str, context: Context, *, completion: str = "", climb: bool = True) -> Resolution:
    """The handlers of the rule `text` in `context`, applying no-self-approval and the
    delegations in force on `context.day`. HandlerUnresolved when nobody may handle it.
    With `climb=False` a rule that finds nobody resolves to no handler instead of going up
    the ladder (an escalation tries its rules in turn)."""
    from .delegations import delegations_in_force

    rule = parse(text)
    exclude = {i for i in (context.applicant_id, *context.subject_ids) if i}
    resolution = Resolution(rule=str(rule))
    found: list[tuple[int, str]] = []
    if rule.kind == COMMITTEE:
        resolution.committee = True
        resolution.completion = completion or ALL
        for member in rule.members:
            users, passed = _allowed(member, context, exclude)
            resolution.skips.extend(passed)
            if not users and not passed:
                resolution.skips.append(Skip(str(member), NOBODY))
            found.extend((u, str(member)) for u in users)
        if not found and climb:
            kind, users = _climb(rule, context, exclude, resolution.skips)
            found = [(u, kind) for u in users]
    else:
        users, passed = _allowed(rule, context, exclude)
        resolution.skips.extend(passed)
        if users:
            found = [(u, str(rule)) for u in users]
        elif climb:
            if not passed:
                resolution.skips.append(Skip(str(rule), NOBODY))
            kind, users = _climb(rule, context, exclude, resolution.skips)
            found = [(u, kind) for u in users]
    resolution.candidates = [u for u, _via in found]
    if not resolution.committee:
        found = found[:1]  # one task, one handler: the first found (the lowest account id)
    seen: set[int] = set()
    delegations = delegations_in_force([u for u, _rule in found], context.day)
    for user_id, via in found:
        delegation = delegations.get(user_id)
        if delegation is not None and delegation.delegate_id not in exclude:
            handler = Handler(delegation.delegate_id, via, user_id, delegation.pk)
        else:
            handler = Handler(user_id, via)
        if handler.user_id not in seen:
            seen.add(handler.user_id)
            resolution.handlers.append(handler)
    return resolution


def may_handle(instance, spec_task: dict | None, user_id: int | None) -> bool:
    """Whether the account may handle a task of `instance` at all: never the applicant nor
    the person it is about (for a transfer, which names its handler by hand). The applicant
    rule's own task (correct and resubmit) is the exception."""
    if (spec_task or {}).get("handler", "").strip() == APPLICANT:
        return True
    context = context_of(instance, spec_task)
    return user_id is not None and context.why_excluded(user_id) is None


# Countersign (会签) ----------------------------------------------------------------------------


def countersign_outcome(completion: str, decisions: list[str | None]) -> str | None:
    """The outcome of a committee whose members decided `decisions` (None: not yet):
    APPROVE once enough agree (all of them, or more than half), REJECT as soon as that can no
    longer happen, None while it still may go either way."""
    total = len(decisions)
    if total == 0:
        return None
    approvals = sum(1 for d in decisions if d == APPROVE)
    against = sum(1 for d in decisions if d is not None and d != APPROVE)
    needed = total if completion == ALL else total // 2 + 1
    if approvals >= needed:
        return APPROVE
    if total - against < needed:
        return REJECT
    return None


# The engine's seam -------------------------------------------------------------------------

SKIPPED, DELEGATED = "handler_skipped", "delegated"  # timeline entries written here
EVENT_LABELS = {SKIPPED: gettext_lazy("办理人回避"), DELEGATED: gettext_lazy("代理办理")}
_stash = threading.local()  # the resolutions of the tasks being created, until their rows exist


def _person_pk(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("id") or value.get("pk")
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def context_of(instance, spec_task: dict | None = None, *, on: dt.date | None = None) -> Context:
    """The context of an instance's task: its organisation, the applicant's department and
    account, and the accounts of the people it is about (the instance's subject, and the
    person the task's `lianfang:subject` field names)."""
    people = set()
    if instance.subject_id:
        people.add(instance.subject_id)
    field_name = (spec_task or {}).get("subject") or ""
    if field_name:
        pk = _person_pk((instance.data or {}).get(field_name))
        if pk:
            people.add(pk)
    subjects = (
        frozenset(
            Person.objects.filter(pk__in=people, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )
        if people
        else frozenset()
    )
    return Context(
        organisation=instance.organisation,
        department_id=instance.department_id,
        applicant_id=instance.applicant_id,
        subject_ids=subjects,
        on=on,
    )


def assign(*, task, instance, rule, spec_task):
    """`flows.services.set_resolver`'s resolver: the task's handlers by `resolve`, one
    assignment each (a committee's share its key); the resolution is kept until the rows
    exist (`record_resolution`)."""
    from .services import Assignment

    resolution = resolve(
        rule, context_of(instance, spec_task), completion=(spec_task or {}).get("completion", "")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=resolution.user_ids)}
    people = {p.user_id: p for p in Person.objects.filter(user_id__in=resolution.user_ids)}
    originals = [h.original_id for h in resolution.handlers if h.original_id]
    names = {u.pk: str(people.get(u.pk) or u) for u in User.objects.filter(pk__in=originals)}
    names.update({p.user_id: p.name for p in Person.objects.filter(user_id__in=originals)})
    stash = getattr(_stash, "items", None)
    if stash is None or getattr(_stash, "instance", None) is not instance:
        _stash.items, _stash.instance = {}, instance
    _stash.items[task.bpmn_id] = resolution
    key = task.bpmn_id if resolution.committee else ""
    return [
        Assignment(
            user=users.get(h.user_id),
            person=people.get(h.user_id),
            rule=h.rule,
            committee_key=key,
            note=_("代%(name)s办理（代理）") % {"name": names.get(h.original_id, "")}
            if h.original_id
            else "",
        )
        for h in resolution.handlers
    ]


def record_resolution(*, tasks, instance, actor):
    """`flows.services.on_tasks_created`: write on each new task's timeline the handlers
    passed over (回避, with an audit event) and the delegation it went through (代理)."""
    from lianfang.core import audit

    from .models import InstanceEvent

    stash = getattr(_stash, "items", None) or {}
    if getattr(_stash, "instance", None) is not instance:
        return
    written = set()
    for task in tasks:
        resolution = stash.get(task.bpmn_id)
        if resolution is None:
            continue
        if task.bpmn_id not in written and resolution.skips:
            written.add(task.bpmn_id)
            skips = [s.as_dict() | {"label": s.label} for s in resolution.skips]
            InstanceEvent.objects.create(
                instance=instance,
                task=task,
                kind=SKIPPED,
                data={"step": task.name, "rule": resolution.rule, "skips": skips},
            )
            audit.record(
                actor=None,
                action="flow_task.handler_skip",
                obj=task,
                after={"step": task.name, "rule": resolution.rule, "skips": skips},
                organisation=instance.organisation,
            )
        handler = next((h for h in resolution.handlers if h.user_id == task.assignee_id), None)
        if handler is not None and handler.original_id:
            InstanceEvent.objects.create(
                instance=instance,
                task=task,
                kind=DELEGATED,
                data={
                    "step": task.name,
                    "original": handler.original_id,
                    "delegate": handler.user_id,
                    "delegation": handler.delegation_id,
                },
            )
    for bpmn_id in {t.bpmn_id for t in tasks}:
        stash.pop(bpmn_id, None)


def register() -> None:
    """Plug the rules into the engine's seams (called once, when the app is ready)."""
    from . import services

    services.set_resolver(assign)
    if record_resolution not in services.on_tasks_created:
        services.on_tasks_created.insert(0, record_resolution)
