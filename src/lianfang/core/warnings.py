"""Warnings (预警): the mechanism every module raises its conditions through.

An app declares its rules (`register_rule(Rule(...))` in its `warning_rules` module, found
when first needed): a checker that returns the conditions holding now. `warnings_check`
runs every checker, raises what holds (`raise_warnings`), resolves what no longer does
(`resolve_missing`) and then escalates the warnings past their time limit
(`warnings_escalate`). Core knows no app: a rule brings its labels and its evidence links.

- **Idempotent.** A warning is kept once per (source, rule, key) (a unique constraint).
  Raising it again updates it; two raisers at once collide on the constraint, and the loser
  retries in its savepoint, finding the winner's row.
- **Lifecycle.** open → checking → confirmed / dismissed → closed (`TRANSITIONS`), by the
  integrity office through `warning_transition`, each move audited (a reason where
  `REASON_REQUIRED`). The checker closes a warning whose condition no longer holds, from any
  status. A closed warning whose condition is found again is **reopened** (status open,
  `occurrences` + 1, a new time limit): closing does not make a condition go away. A
  dismissed or confirmed warning stays as the office left it while its condition holds.
- **Time limit.** `due_at` is `Rule.due_days` working days after it was raised (or
  reopened), on the organisation's calendar (`core.workdays`). For a year the calendar does
  not know it falls back to calendar days (7 for every 5 working days) and says so
  (`due_in_calendar_days`), rather than refusing to raise the warning.
- **Escalation.** `warnings_escalate` takes the open and checking warnings past their time
  limit, raises each one level (the domain's rule: failing again raises the conclusion one
  level) once, audits it and calls the callables registered with `@escalation(source,
  rule)`.
- **Hooks.** `warning_raised` (new and reopened warnings) and `warning_escalated` are sent
  once the transaction commits, with `warnings=[...]`: where notifications plug in. Each
  warning carries its owner (a person or department: `owner`, `owner_label`).
"""

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from . import audit, workdays
from .bulk import update_rows
from .models import Warning, WarningLevel, WarningStatus
from .roles import Role

S = WarningStatus
LEVELS = WarningLevel

# Who may move a warning where: {from: {to, ...}}. The checker's closing and reopening are
# not moves of the office and are not listed here.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.CHECKING}),
    S.CHECKING: frozenset({S.CONFIRMED, S.DISMISSED}),
    S.CONFIRMED: frozenset({S.CLOSED}),
    S.DISMISSED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
REASON_REQUIRED = frozenset({S.DISMISSED, S.CLOSED})
ACTIONS = {
    S.CHECKING: "warning.check",
    S.CONFIRMED: "warning.confirm",
    S.DISMISSED: "warning.dismiss",
    S.CLOSED: "warning.close",
}
# The label of each move, as its button says it.
MOVE_LABELS = {
    S.CHECKING: gettext_lazy("开始核查"),
    S.CONFIRMED: gettext_lazy("确认属实"),
    S.DISMISSED: gettext_lazy("排除"),
    S.CLOSED: gettext_lazy("关闭"),
}
ACTIVE = (S.OPEN, S.CHECKING)  # what the time limit and escalation apply to
REASON_MAX = 500
RESOLVED = gettext_noop("条件已消除")  # the resolution the checker writes (shown translated)
CHUNK = 500

warning_raised = Signal()  # warnings=[Warning, ...]: new and reopened, after commit
warning_escalated = Signal()  # warnings=[Warning, ...]: escalated, after commit


# Declarations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One condition that holds now, as a checker reports it."""

    key: str
    organisation: object  # the organisation node (its pk and path are read)
    subject: str
    level: int
    evidence: dict = field(default_factory=dict)
    evidence_object: object = None  # a model instance: what the condition is about
    owner: object = None  # a model instance: who must act (a person, a department)


@dataclass(frozen=True)
class Rule:
    """A condition an app checks. `check(today)` returns every `Condition` that holds now,
    in a constant number of queries; `links(warning)` the evidence pages as (label, url)."""

    source: str
    code: str
    label: object
    source_label: object
    check: Callable[[dt.date], Iterable[Condition]] | None = None
    due_days: int = 5  # working days to handle it (回告期限: 5 working days)
    evidence_labels: dict = field(default_factory=dict)
    links: Callable[[Warning], list[tuple[str, str]]] | None = None


_RULES: dict[tuple[str, str], Rule] = {}
_ESCALATIONS: dict[tuple[str, str], list[Callable[[list[Warning]], None]]] = {}
_discovered = False


def register_rule(rule: Rule) -> Rule:
    key = (rule.source, rule.code)
    if key in _RULES and _RULES[key] != rule:
        raise ValueError(f"warning rule {key!r} is declared twice")
    _RULES[key] = rule
    return rule


def escalation(source: str, rule: str):
    """Register `fn(warnings)` to be called, in the escalation's transaction, with the
    warnings of (source, rule) that have just passed their time limit."""

    def decorator(fn):
        _ESCALATIONS.setdefault((source, rule), []).append(fn)
        return fn

    return decorator


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("warning_rules")
        _discovered = True


def rules() -> dict[tuple[str, str], Rule]:
    _discover()
    return dict(_RULES)


def rule_of(warning: Warning) -> Rule | None:
    return rules().get((warning.source, warning.rule))


def sources() -> dict[str, object]:
    """Each source's label, as the rules declare them."""
    return {r.source: r.source_label for r in rules().values()}


# Raising -------------------------------------------------------------------------------------


@dataclass
class Raised:
    """What one raise did: the warnings created, reopened, updated (level, subject, evidence
    or owner changed) and found unchanged."""

    created: list[Warning] = field(default_factory=list)
    reopened: list[Warning] = field(default_factory=list)
    updated: list[Warning] = field(default_factory=list)
    unchanged: int = 0


def raise_warning(
    *,
    source: str,
    rule: str,
    key: str,
    organisation,
    subject: str,
    level: int,
    evidence: dict | None = None,
    evidence_object=None,
    owner=None,
    now: dt.datetime | None = None,
) -> Warning:
    """Raise one condition; idempotent on (source, rule, key). Returns the warning."""
    condition = Condition(
        key=key,
        organisation=organisation,
        subject=subject,
        level=level,
        evidence=evidence or {},
        evidence_object=evidence_object,
        owner=owner,
    )
    raise_warnings(source=source, rule=rule, conditions=[condition], now=now)
    return Warning.objects.get(source=source, rule=rule, key=str(key))


def raise_warnings(
    *, source: str, rule: str, conditions: Iterable[Condition], now: dt.datetime | None = None
) -> Raised:
    """Raise every condition, each once per (source, rule, key): new ones are created, closed
    ones reopened, the others updated where they changed. A query per 500 conditions, plus
    the writes; the hooks run once the transaction commits.

    Safe against concurrent raisers: the rows are written in key order in a savepoint; a
    raiser that loses the race to insert a key gets an IntegrityError, rolls its savepoint
    back and tries again, then finding the other's row.
    """
    now = now or timezone.now()
    _discover()  # the rule's time limit
    by_key = {}
    for condition in conditions:
        by_key[str(condition.key)] = condition
    attempts = 3
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                result = _raise(source, rule, by_key, now)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            continue
        raised = result.created + result.reopened
        if raised:
            transaction.on_commit(
                lambda raised=raised: warning_raised.send(sender=Warning, warnings=raised)
            )
        return result
    raise AssertionError("unreachable")


_MUTABLE = ("organisation", "subject", "level", "owner_type", "owner_id", "owner_label")
_MUTABLE += ("evidence_type", "evidence_id", "evidence")
_REOPEN = ("status", "raised_at", "occurrences", "due_at", "due_in_calendar_days")
_REOPEN += ("escalated_at", "closed_at", "resolution")


def _raise(source, rule, by_key, now) -> Raised:
    result = Raised()
    keys = sorted(by_key)
    existing: dict[str, Warning] = {}
    for start in range(0, len(keys), CHUNK):
        rows = (
            Warning.objects.select_for_update(of=("self",))
            .filter(source=source, rule=rule, key__in=keys[start : start + CHUNK])
            .order_by("key")
        )
        existing.update((w.key, w) for w in rows)
    declared = _RULES.get((source, rule))
    due_days = declared.due_days if declared else 5
    needs_due = [c.organisation for k, c in by_key.items() if existing.get(k) is None]
    needs_due += [
        c.organisation
        for k, c in by_key.items()
        if k in existing and existing[k].status == S.CLOSED
    ]
    calendars = workdays.calendars_for(needs_due) if needs_due else {}
    changes, written, seen = [], [], []
    for key in keys:
        condition = by_key[key]
        values = _values(condition)
        warning = existing.get(key)
        if warning is None:
            warning = Warning(source=source, rule=rule, key=key, raised_at=now, last_seen_at=now)
            _assign(warning, values, condition)
            warning.due_at, warning.due_in_calendar_days = _due(
                calendars[condition.organisation.pk], now, due_days
            )
            result.created.append(warning)
            continue
        before = audit.snapshot(warning, _MUTABLE + _REOPEN)
        if warning.escalated_at is not None and warning.status != S.CLOSED:
            values["level"] = max(values["level"], warning.level)  # an escalation stays
        if warning.status == S.CLOSED:
            _assign(warning, values, condition)
            warning.status = S.OPEN
            warning.raised_at = warning.last_seen_at = now
            warning.occurrences += 1
            warning.due_at, warning.due_in_calendar_days = _due(
                calendars[condition.organisation.pk], now, due_days
            )
            warning.escalated_at = warning.closed_at = None
            warning.resolution = ""
            result.reopened.append(warning)
            action = "warning.reopen"
        elif any(getattr(warning, name) != value for name, value in values.items()):
            _assign(warning, values, condition)
            warning.last_seen_at = now
            result.updated.append(warning)
            action = "warning.update"
        else:
            seen.append(warning.pk)
            result.unchanged += 1
            continue
        written.append(warning)
        changes.append(
            audit.Change(
                action,
                obj=warning,
                before=before,
                after=audit.snapshot(warning, _MUTABLE + _REOPEN),
            )
        )
    if result.created:
        Warning.objects.bulk_create(result.created, batch_size=CHUNK)
        changes.extend(
            audit.Change("warning.raise", obj=w, after=_raised_snapshot(w)) for w in result.created
        )
    if written:
        update_rows(written, (*_MUTABLE, *_REOPEN, "last_seen_at"))
    for start in range(0, len(seen), CHUNK):
        Warning.objects.filter(pk__in=seen[start : start + CHUNK]).update(last_seen_at=now)
    audit.record_many(actor=None, changes=changes)
    return result


def _values(condition: Condition) -> dict:
    owner, evidence = condition.owner, condition.evidence_object
    return {
        "organisation_id": condition.organisation.pk,
        "subject": str(condition.subject)[:255],
        "level": int(WarningLevel(condition.level)),
        "owner_type_id": _type_id(owner),
        "owner_id": getattr(owner, "pk", None),
        "owner_label": (str(owner) if owner is not None else "")[:150],
        "evidence_type_id": _type_id(evidence),
        "evidence_id": getattr(evidence, "pk", None),
        "evidence": audit.to_jsonable(dict(condition.evidence)),
    }


def _assign(warning: Warning, values: dict, condition: Condition) -> None:
    for name, value in values.items():
        setattr(warning, name, value)
    warning.organisation = condition.organisation  # read by the audit event, no query


def _type_id(obj):
    return ContentType.objects.get_for_model(obj).pk if obj is not None else None


def _raised_snapshot(warning: Warning) -> dict:
    fields = ("source", "rule", "key", "status", "due_at", "due_in_calendar_days")
    return audit.snapshot(warning, _MUTABLE + fields)


def _due(calendar: workdays.WorkCalendar, now: dt.datetime, days: int):
    """(the time limit, whether it is counted in calendar days because the year is unknown)."""
    try:
        return calendar.due_at(now, days), False
    except workdays.UnknownWorkdayYear:
        day = workdays.local_date(now) + dt.timedelta(days=math.ceil(days * 7 / 5))
        return dt.datetime.combine(
            day, workdays.workday_end(), tzinfo=workdays.calendar_zone()
        ), True


def resolve_missing(
    *, source: str, rule: str, keys_still_true: Iterable[str], now: dt.datetime | None = None
) -> list[Warning]:
    """Close the warnings of (source, rule) not yet closed whose key is not among
    `keys_still_true`: their condition no longer holds. Two queries and the writes."""
    now = now or timezone.now()
    keep = {str(k) for k in keys_still_true}
    with transaction.atomic():
        gone = [
            w
            for w in Warning.objects.select_for_update(of=("self",))
            .filter(source=source, rule=rule)
            .exclude(status=S.CLOSED)
            .select_related("organisation")
            .order_by("key")
            if w.key not in keep
        ]
        changes = []
        for warning in gone:
            before = {"status": warning.status}
            warning.status, warning.closed_at, warning.resolution = S.CLOSED, now, RESOLVED
            changes.append(
                audit.Change(
                    "warning.resolve",
                    obj=warning,
                    before=before,
                    after={"status": warning.status, "resolution": RESOLVED},
                )
            )
        update_rows(gone, ("status", "closed_at", "resolution"))
        audit.record_many(actor=None, changes=changes)
    return gone


# The office's moves --------------------------------------------------------------------------


def may_handle(user, warning: Warning) -> bool:
    """Whether `user` is of the integrity office of the warning's organisation or above."""
    path = warning.organisation.path
    return any(
        g.role == Role.INTEGRITY and path.startswith(g.organisation.path)
        for g in getattr(user, "active_grants", ()) or ()
    )


def moves_for(user, warning: Warning) -> list[str]:
    """The statuses `user` may move `warning` to now."""
    if not may_handle(user, warning):
        return []
    return [s for s in S.values if s in TRANSITIONS[warning.status]]


def warning_transition(*, actor, warning: Warning, to: str, reason: str = "") -> Warning:
    """Move `warning` to `to`, as the integrity office; refused (ValidationError) when the
    lifecycle does not allow it or a required reason is missing."""
    if not may_handle(actor, warning):
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError(
            _("说明不能超过 %(n)s 个字。") % {"n": REASON_MAX}, code="reason_too_long"
        )
    with transaction.atomic():
        locked = (
            Warning.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=warning.pk)
        )
        if to not in TRANSITIONS.get(locked.status, ()):
            raise ValidationError(
                _("预警当前为“%(status)s”，不能改为“%(to)s”。")
                % {"status": locked.get_status_display(), "to": _status_label(to)},
                code="transition_refused",
            )
        if to in REASON_REQUIRED and not reason:
            raise ValidationError(
                _("“%(to)s”需要填写说明。") % {"to": _status_label(to)}, code="reason_required"
            )
        before = {"status": locked.status}
        locked.status = to
        fields = ["status"]
        if to == S.CLOSED:
            locked.closed_at, locked.resolution = timezone.now(), reason
            fields += ["closed_at", "resolution"]
        locked.save(update_fields=fields)
        after = {"status": to, **({"reason": reason} if reason else {})}
        audit.record(actor=actor, action=ACTIONS[to], obj=locked, before=before, after=after)
    return locked


def _status_label(status: str) -> str:
    try:
        return str(S(status).label)
    except ValueError:
        return status


# Escalation and the check -------------------------------------------------------------------


def warnings_escalate(*, now: dt.datetime | None = None) -> list[Warning]:
    """Escalate, once, each open or checking warning past its time limit: one level up (to
    亮牌 at most), audited, then the callables registered for its rule. Returns them."""
    now = now or timezone.now()
    _discover()
    with transaction.atomic():
        late = list(
            Warning.objects.select_for_update(of=("self",))
            .filter(status__in=ACTIVE, due_at__lt=now, escalated_at__isnull=True)
            .select_related("organisation")
            .order_by("pk")
        )
        changes = []
        for warning in late:
            before = {"level": warning.level}
            warning.level = min(warning.level + 1, max(WarningLevel.values))
            warning.escalated_at = now
            changes.append(
                audit.Change(
                    "warning.escalate",
                    obj=warning,
                    before=before,
                    after={"level": warning.level, "due_at": warning.due_at},
                )
            )
        update_rows(late, ("level", "escalated_at"))
        audit.record_many(actor=None, changes=changes)
        by_rule: dict[tuple[str, str], list[Warning]] = {}
        for warning in late:
            by_rule.setdefault((warning.source, warning.rule), []).append(warning)
        for key, group in by_rule.items():
            for fn in _ESCALATIONS.get(key, ()):
                fn(group)
        if late:
            transaction.on_commit(lambda: warning_escalated.send(sender=Warning, warnings=late))
    return late


@dataclass
class Checked:
    """What the check did for one rule."""

    rule: Rule
    holding: int
    raised: Raised
    resolved: int


def warnings_check(*, now: dt.datetime | None = None, only=None) -> tuple[list[Checked], int]:
    """Run every rule's checker (or those of `only`, (source, code) pairs): raise what holds,
    resolve what no longer does, each rule in its own transaction; then escalate. Returns
    what each rule did and the number escalated. A scheduler calls this."""
    now = now or timezone.now()
    today = workdays.local_date(now)
    report = []
    for key, rule in sorted(rules().items()):
        if rule.check is None or (only is not None and key not in only):
            continue
        with transaction.atomic():
            conditions = list(rule.check(today))
            raised = raise_warnings(
                source=rule.source, rule=rule.code, conditions=conditions, now=now
            )
            resolved = resolve_missing(
                source=rule.source,
                rule=rule.code,
                keys_still_true=[c.key for c in conditions],
                now=now,
            )
        report.append(Checked(rule, len(conditions), raised, len(resolved)))
    escalated = warnings_escalate(now=now)
    return report, len(escalated)


def level_by_days(days_late: int, *, warning_after: int = 30) -> int:
    """The level a checker gives a condition late by `days_late` days: 提示, then 预警 after
    `warning_after` days. 亮牌 comes only by escalation (or the office's decision)."""
    return WarningLevel.WARNING if days_late > warning_after else WarningLevel.NOTICE


def evidence_rows(warning: Warning) -> list[tuple[str, object]]:
    """The warning's evidence as (label, value) rows, labelled by its rule."""
    rule = rule_of(warning)
    labels = rule.evidence_labels if rule else {}
    rows = []
    for key, value in (warning.evidence or {}).items():
        if key in labels:
            rows.append((str(labels[key]), _shown(value)))
    return rows


def _shown(value) -> str:
    """An evidence value as text: a reference [id, name] by its name, a list of them joined."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], int) and not isinstance(value[1], list):
            return str(value[1])
        return "、".join(_shown(v) for v in value) or "—"
    return str(value)
