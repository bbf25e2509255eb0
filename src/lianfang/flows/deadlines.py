"""Time limits of tasks in working days (办理时限, 工作日), on the platform's calendar.

- **Due.** A task whose user task declares `lianfang:limit="N"` is due at the end of the Nth
  working day after the day it became ready (`core.workdays.due_at`, on its organisation's
  calendar): `clock_start`, called when the task is created.
- **Reminder** at 80% of the limit (单位参数 `flows.remind_at_percent`): on the working day
  that many working days after it became ready (at least one), at the same time of day, the
  handler gets `flows.task_due_soon`, once.
- **超时.** Past its due time the task is overdue (`overdue_at`); the handler is told once.
- **Escalation.** Past due by `lianfang:escalateAfter` more working days (default 单位参数
  `flows.escalate_after_days`), the task escalates to the first of `lianfang:escalateTo`'s
  rules (default leader in charge, then integrity office) that finds someone other than its
  handler, the applicant and the subject: they are told, the timeline and the audit log say
  so, and a warning (`flows.task_escalated`, keyed by the task) is raised once.
- **中止计时.** The handler (or the integrity office) stops the clock with a reason while
  waiting for someone else (a supplier's documents); resuming moves the due time by the
  working days it was stopped. Both are audited and on the timeline.

`deadlines_run(now=)` does the reminders, 超时 and escalations due at `now`; the scheduler
runs it (`flows/tasks.py`). Each task is re-read and locked in its own transaction, so two runs
at once, or a run beside a handler acting, never remind or escalate twice.
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import audit, notifications, orgsettings, warnings, workdays
from lianfang.core.chunks import chunks
from lianfang.core.models import WarningLevel
from lianfang.core.roles import Role
from lianfang.core.scoping import write_reach

from . import handlers
from .models import InstanceEvent, Task
from .org_settings import ESCALATE_AFTER_DAYS, REMIND_AT_PERCENT

DEFAULT_ESCALATE_TO = (handlers.LEADER_IN_CHARGE, handlers.INTEGRITY_OFFICE)
REASON_MAX = 500
WARNING_SOURCE, WARNING_RULE = "flows", "task_escalated"

# Timeline entries (InstanceEvent.kind) this module writes, with their words.
SUSPENDED, RESUMED, OVERDUE, ESCALATED = "suspended", "resumed", "overdue", "escalated"
DUE_IN_CALENDAR_DAYS = "due_calendar_days"
EVENT_LABELS = {
    DUE_IN_CALENDAR_DAYS: gettext_lazy("工作日历未录入，时限按自然日计算"),
    SUSPENDED: gettext_lazy("中止计时"),
    RESUMED: gettext_lazy("恢复计时"),
    OVERDUE: gettext_lazy("超时"),
    ESCALATED: gettext_lazy("超时升级"),
}

DUE_SOON = notifications.declare(
    notifications.Kind(
        code="flows.task_due_soon",
        label=gettext_lazy("办件即将到期提醒"),
        subject=gettext_lazy("即将到期：%(task)s（%(title)s），办理时限 %(due)s"),
        email=True,
        order=60,
    )
)
OVERDUE_NOTICE = notifications.declare(
    notifications.Kind(
        code="flows.task_overdue",
        label=gettext_lazy("办件超时提醒"),
        subject=gettext_lazy("已超时：%(task)s（%(title)s），办理时限 %(due)s"),
        email=True,
        order=61,
    )
)
ESCALATED_NOTICE = notifications.declare(
    notifications.Kind(
        code="flows.task_escalated",
        label=gettext_lazy("办件超时升级"),
        subject=gettext_lazy("超时升级：%(task)s（%(title)s）由 %(handler)s 办理，已超时"),
        email=True,
        order=62,
    )
)


# What a task declares --------------------------------------------------------------------------


def task_spec(task: Task) -> dict:
    """The parsed `lianfang:` attributes of the task's user task (the version's spec)."""
    spec = task.instance.version.spec or {}
    return (spec.get("tasks") or {}).get(task.bpmn_id) or {}


def _int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def limit_of(task: Task) -> int | None:
    limit = _int(task_spec(task).get("limit"))
    return limit if limit and limit > 0 else None


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def instance_link(instance) -> str:
    """The instance's page."""
    return reverse("flows:instance", args=[instance.pk])


def _event(task: Task, kind: str, actor=None, **data) -> InstanceEvent:
    return InstanceEvent.objects.create(
        instance=task.instance, task=task, actor=actor, kind=kind, data=data
    )


# The clock ---------------------------------------------------------------------------------------


def clock_start(task: Task, *, now: dt.datetime | None = None, save: bool = True) -> Task:
    """Set the task's due time from its `lianfang:limit`, counted from `now` (when it became
    ready) on its organisation's calendar; a task without a limit has none. An unknown year
    raises `workdays.UnknownWorkdayYear` (a ValidationError naming the year)."""
    limit = limit_of(task)
    if limit is None:
        return task
    start = now or task.created_at or timezone.now()
    try:
        task.due_at = workdays.due_at(start, limit, organisation=task.organisation)
    except workdays.UnknownWorkdayYear as unknown:
        # A year whose holidays are not entered yet must not stop the flow: counted in
        # calendar days (7 for every 5, as core.warnings does) and said on the timeline.
        day = workdays.local_date(start) + dt.timedelta(days=math.ceil(limit * 7 / 5))
        task.due_at = dt.datetime.combine(
            day, workdays.workday_end(), tzinfo=workdays.calendar_zone()
        )
        if task.pk:
            _event(task, DUE_IN_CALENDAR_DAYS, None, why=unknown.messages[0])
    if save and task.pk:
        task.save(update_fields=["due_at"])
    return task


def remind_at(task: Task, calendar: workdays.WorkCalendar, percent: int) -> dt.datetime | None:
    """When the handler is reminded: `percent` of the limit's working days after the task
    became ready (rounded down, at least one), at the same time of day; never after the due
    time."""
    limit = limit_of(task)
    if limit is None or task.due_at is None:
        return None
    days = max(1, math.floor(limit * percent / 100))
    moment = calendar.add_working_days(timezone.localtime(task.created_at), days)
    return min(moment, task.due_at)


def escalate_at(task: Task, calendar: workdays.WorkCalendar, after: int) -> dt.datetime | None:
    """When an overdue task escalates: the end of the `after`th working day past its due
    day (its due time itself for 0)."""
    if task.due_at is None:
        return None
    if after <= 0:
        return task.due_at
    return calendar.due_at(task.due_at, after)


def escalate_after(task: Task, default: int) -> int:
    after = _int(task_spec(task).get("escalate_after"))
    return default if after is None or after < 0 else after


def may_suspend(user, task: Task) -> bool:
    """The task's handler, or the integrity office of its organisation (or above, with
    下级单位可写), stops and restarts its clock."""
    if getattr(user, "pk", None) is not None and user.pk == task.assignee_id:
        return True
    grants = getattr(user, "active_grants", None) or ()
    return write_reach(grants, {Role.INTEGRITY}).covers(task.organisation.path)


def _locked(task: Task) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("instance__version", "organisation")
        .get(pk=task.pk)
    )


@transaction.atomic
def task_suspend(*, actor, task: Task, reason: str, now: dt.datetime | None = None) -> Task:
    """Stop the task's clock (中止计时) with a reason. Refused for a task not ready, without a
    time limit, already stopped or already overdue."""
    task = _locked(task)
    if not may_suspend(actor, task):
        raise PermissionDenied
    reason = (reason or "").strip()
    now = now or timezone.now()
    if not reason:
        raise ValidationError({"reason": _("请填写中止计时的原因。")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("原因不能超过 %(n)s 个字。") % {"n": REASON_MAX}})
    if task.state != Task.State.READY:
        raise ValidationError(_("该环节已办理，不能中止计时。"))
    if task.due_at is None:
        raise ValidationError(_("该环节没有办理时限。"))
    if task.suspended_at is not None:
        raise ValidationError(_("该环节已中止计时。"))
    if task.overdue_at is not None or now > task.due_at:
        raise ValidationError(_("该环节已超时，不能中止计时。"))
    task.suspended_at = now
    task.save(update_fields=["suspended_at"])
    _event(task, SUSPENDED, actor, reason=reason)
    audit.record(
        actor=actor,
        action="flow_task.suspend",
        obj=task,
        before={"due_at": task.due_at},
        after={"suspended_at": now, "reason": reason},
    )
    return task


@transaction.atomic
def task_resume(*, actor, task: Task, now: dt.datetime | None = None) -> Task:
    """Restart a stopped clock: the due time moves by the working days it was stopped (the
    working days after the day it stopped, up to and including the day it restarts)."""
    task = _locked(task)
    if not may_suspend(actor, task):
        raise PermissionDenied
    if task.suspended_at is None:
        raise ValidationError(_("该环节未中止计时。"))
    now = now or timezone.now()
    calendar = workdays.calendar_for(task.organisation)
    stopped = max(0, calendar.working_days_between(task.suspended_at, now))
    before = {"due_at": task.due_at, "suspended_at": task.suspended_at}
    if stopped:
        task.due_at = calendar.add_working_days(timezone.localtime(task.due_at), stopped)
    task.suspended_at = None
    task.save(update_fields=["due_at", "suspended_at"])
    _event(task, RESUMED, actor, stopped_days=stopped, due_at=task.due_at.isoformat())
    audit.record(
        actor=actor,
        action="flow_task.resume",
        obj=task,
        before=before,
        after={"due_at": task.due_at, "stopped_days": stopped},
    )
    return task


# Reminders, 超时 and escalation -----------------------------------------------------------------


def _context(task: Task) -> dict:
    return {
        "task": task.name,
        "title": task.instance.title,
        "due": _local(task.due_at),
        "handler": str(task.assignee) if task.assignee_id else "",
    }


def _remind(task: Task, now: dt.datetime) -> int:
    task.reminded_at = now
    task.save(update_fields=["reminded_at"])
    return len(
        notifications.notify(
            DUE_SOON,
            recipients=[task.assignee_id],
            context=_context(task),
            target=task,
            link=instance_link(task.instance),
            organisation=task.organisation,
            key=f"flows.due_soon:{task.pk}",
            now=now,
        )
    )


def _overdue(task: Task, now: dt.datetime) -> None:
    task.overdue_at = task.due_at
    task.save(update_fields=["overdue_at"])
    _event(task, OVERDUE, None, due_at=task.due_at.isoformat())
    audit.record(actor=None, action="flow_task.overdue", obj=task, after={"due_at": task.due_at})
    notifications.notify(
        OVERDUE_NOTICE,
        recipients=[task.assignee_id],
        context=_context(task),
        target=task,
        link=instance_link(task.instance),
        organisation=task.organisation,
        key=f"flows.overdue:{task.pk}",
        now=now,
    )


def escalation_targets(task: Task, on: dt.date) -> tuple[str, list[int]]:
    """(the rule, the accounts) an overdue task escalates to: the first rule of its
    `lianfang:escalateTo` (default leader in charge, then integrity office) that finds
    someone other than the handler, the applicant and the subject."""
    spec = task_spec(task)
    rules = spec.get("escalate_to") or DEFAULT_ESCALATE_TO
    if isinstance(rules, str):
        rules = [r.strip() for r in rules.split(",") if r.strip()]
    context = handlers.context_of(task.instance, spec, on=on)
    for rule in rules:
        try:
            found = handlers.resolve(rule, context, climb=False)
        except (ValidationError, handlers.HandlerUnresolved):
            continue
        users = [u for u in found.candidates if u != task.assignee_id]
        if users:
            return str(rule), users
    return "", []


def _escalate(task: Task, now: dt.datetime) -> list[int]:
    rule, users = escalation_targets(task, timezone.localdate(now))
    task.escalated_at = now
    task.save(update_fields=["escalated_at"])
    _event(task, ESCALATED, None, rule=rule, to=users, due_at=task.due_at.isoformat())
    audit.record(
        actor=None,
        action="flow_task.escalate",
        obj=task,
        after={"rule": rule, "to": users, "due_at": task.due_at},
    )
    notifications.notify(
        ESCALATED_NOTICE,
        recipients=users,
        context=_context(task),
        target=task,
        link=instance_link(task.instance),
        organisation=task.organisation,
        key=f"flows.escalated:{task.pk}",
        now=now,
    )
    warnings.raise_warning(**_condition(task, users), now=now)
    return users


def _condition(task: Task, escalated_to: list[int]) -> dict:
    """The escalation warning of a task, as raised and as the checker finds it again."""
    from lianfang.org.models import Person

    owner = Person.objects.filter(user_id__in=escalated_to[:1]).first() if escalated_to else None
    return {
        "source": WARNING_SOURCE,
        "rule": WARNING_RULE,
        "key": str(task.pk),
        "organisation": task.organisation,
        "subject": _("办件“%(title)s”的“%(task)s”环节超时未办，已升级")
        % {"title": task.instance.title[:80], "task": task.name},
        "level": WarningLevel.WARNING,
        "evidence": {
            "instance": [task.instance_id, task.instance.title],
            "task": [task.pk, task.name],
            "handler": [task.assignee_id, str(task.assignee) if task.assignee_id else ""],
            "due_at": task.due_at,
        },
        "evidence_object": task,
        "owner": owner,
    }


def _settings(organisations) -> dict[tuple[int, str], int]:
    return orgsettings.values_for(organisations, [ESCALATE_AFTER_DAYS, REMIND_AT_PERCENT])


def deadlines_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the reminders, mark 超时 and escalate what is due at `now`. Safe to run twice:
    each step happens once per task (its time is set on the task, in the transaction that
    notifies)."""
    now = now or timezone.now()
    done = {"reminded": 0, "overdue": 0, "escalated": 0}
    waiting = (
        Task.objects.filter(state=Task.State.READY, due_at__isnull=False)
        .filter(suspended_at__isnull=True, escalated_at__isnull=True)
        .select_related("instance__version", "organisation", "assignee")
        .defer("instance__workflow", "instance__version__bpmn")
    )
    for chunk in chunks(waiting.order_by("pk"), size=500):
        organisations = {t.organisation_id: t.organisation for t in chunk}
        calendars = workdays.calendars_for(organisations.values())
        values = _settings(organisations.values())
        for task in chunk:
            org = task.organisation_id
            calendar = calendars[org]
            percent = values[org, REMIND_AT_PERCENT]
            after = escalate_after(task, values[org, ESCALATE_AFTER_DAYS])
            try:
                due_reminder = task.reminded_at is None and (
                    (remind_at(task, calendar, percent) or now) <= now
                )
                due_overdue = task.overdue_at is None and task.due_at < now
                due_escalation = (escalate_at(task, calendar, after) or now) < now
            except workdays.UnknownWorkdayYear:
                continue  # the calendar page and its banner say so; nothing is guessed
            if not (due_reminder or due_overdue or due_escalation):
                continue
            with transaction.atomic():
                task = _locked(task)
                if task.state != Task.State.READY or task.suspended_at is not None:
                    continue
                if task.due_at is None or task.escalated_at is not None:
                    continue
                if due_reminder and task.reminded_at is None:
                    _remind(task, now)
                    done["reminded"] += 1
                if due_overdue and task.overdue_at is None and task.due_at < now:
                    _overdue(task, now)
                    done["overdue"] += 1
                if due_escalation:
                    _escalate(task, now)
                    done["escalated"] += 1
    return done


# The warning -------------------------------------------------------------------------------------


def escalated_conditions(today: dt.date) -> list[warnings.Condition]:
    """Every task still waiting after its escalation. Two queries: the tasks, and their
    escalation events (whom they went to)."""
    tasks = list(
        Task.objects.filter(state=Task.State.READY, escalated_at__isnull=False)
        .select_related("instance", "organisation", "assignee")
        .defer("instance__workflow")
        .order_by("pk")
    )
    to = {}
    events = InstanceEvent.objects.filter(
        kind=ESCALATED, task_id__in=[t.pk for t in tasks]
    ).order_by("at", "pk")
    for task_id, data in events.values_list("task_id", "data"):
        to[task_id] = (data or {}).get("to") or []
    owners = _owners({u for users in to.values() for u in users[:1]})
    conditions = []
    for task in tasks:
        values = _condition_values(task)
        first = (to.get(task.pk) or [None])[0]
        conditions.append(warnings.Condition(**values, owner=owners.get(first)))
    return conditions


def _owners(user_ids) -> dict:
    from lianfang.org.models import Person

    if not user_ids:
        return {}
    return {p.user_id: p for p in Person.objects.filter(user_id__in=user_ids)}


def _condition_values(task: Task) -> dict:
    values = _condition(task, [])
    for key in ("source", "rule", "owner"):
        values.pop(key)
    return values


# The engine's seam --------------------------------------------------------------------------------


def start_clocks(*, tasks, instance, actor):
    """`flows.services.on_tasks_created`: each new task's due time, from when it arrived."""
    now = timezone.now()
    for task in tasks:
        task.instance = instance
        clock_start(task, now=now)


def register() -> None:
    from . import services

    if start_clocks not in services.on_tasks_created:
        services.on_tasks_created.append(start_clocks)
