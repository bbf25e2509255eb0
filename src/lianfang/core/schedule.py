"""Periodic work: one scheduler, driven by the database, that enqueues django-tasks tasks.

An app registers each periodic task in one line, when it is ready (its `tasks.py`, imported
by `AppConfig.ready`):

    schedule.register("core.purge_job_files", purge_job_files, every=DAY, at=dt.time(3, 10))

`task` is a django-tasks task (`@task()`) that takes no arguments; `every` its period;
`at` (optional) the local time of day (settings.TIME_ZONE) its slots are counted from. The
slots of a schedule are `at + k * every` from 2000-01-01 local time: every=1 day at 03:10 is
03:10 each day; every=5 minutes is :00, :05, … of each hour.

`tick()` enqueues every task whose slot has come, on whatever backend settings.TASKS names
(the database, RQ): the scheduler only decides *when*, the framework's workers do the work.
Who ticks:
- `lianfang schedule run` (one process per site, a systemd unit in production), which ticks
  every minute;
- the demo's worker thread (`LIANFANG_JOBS=thread`, core.jobs), between the jobs it runs.

Each schedule's next slot is a row (`ScheduledRun`). A slot is claimed with a conditional
UPDATE of that row before its task is enqueued (in one transaction on the database backend),
so a slot is enqueued once even if two schedulers run by mistake, and slots missed while no
scheduler ran are run once, not once each, when one comes back. A new schedule's first slot
is the next one after it is first seen.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from . import jobs
from .models import ScheduledRun

logger = logging.getLogger(__name__)

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Schedule:
    name: str
    task: Task
    every: dt.timedelta
    at: dt.time | None = None

    def anchor(self) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(dt.date(2000, 1, 1), self.at or dt.time(0, 0)),
            timezone.get_default_timezone(),
        )

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first slot strictly after `moment`."""
        anchor = self.anchor()
        passed = (moment - anchor) // self.every
        return anchor + (passed + 1) * self.every


SCHEDULES: dict[str, Schedule] = {}


def register(name: str, task: Task, *, every: dt.timedelta, at: dt.time | None = None):
    """Run `task` (a django-tasks task taking no arguments) every `every`, from `at`."""
    if not isinstance(task, Task):
        raise TypeError(f"{name}: schedule a django-tasks task (@task()), not {task!r}")
    if every < MINUTE:
        raise ValueError(f"{name}: the scheduler ticks once a minute; every={every} is shorter")
    if name in SCHEDULES and SCHEDULES[name].task.module_path != task.module_path:
        raise ValueError(f"{name}: scheduled twice, for different tasks")
    SCHEDULES[name] = Schedule(name, task, every, at)
    return task


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue each registered task whose slot has come; returns their names."""
    now = now or timezone.now()
    known = {row.name: row for row in ScheduledRun.objects.filter(name__in=list(SCHEDULES))}
    enqueued = []
    for name, spec in sorted(SCHEDULES.items()):
        row = known.get(name)
        if row is None:
            ScheduledRun.objects.get_or_create(
                name=name, defaults={"next_at": spec.next_after(now)}
            )
            continue
        if row.next_at > now:
            continue
        if _enqueue_slot(spec, row.next_at, now):
            enqueued.append(name)
    return enqueued


def _enqueue_slot(spec: Schedule, due: dt.datetime, now: dt.datetime) -> bool:
    with transaction.atomic():
        claimed = ScheduledRun.objects.filter(name=spec.name, next_at=due).update(
            next_at=spec.next_after(now), last_at=now
        )
        if not claimed:
            return False  # another scheduler took this slot

        def remember(result):
            ScheduledRun.objects.filter(name=spec.name).update(last_task_id=str(result.id))

        jobs.submit(spec.task, after=remember)
    logger.info("scheduled task %s enqueued (due %s)", spec.name, due)
    return True


def run_now(name: str) -> None:
    """Enqueue a registered task now, outside its slots (`lianfang schedule run-now`)."""
    spec = SCHEDULES[name]
    with transaction.atomic():

        def remember(result):
            ScheduledRun.objects.filter(name=name).update(last_task_id=str(result.id))

        jobs.submit(spec.task, after=remember)


def until_next(now: dt.datetime | None = None) -> float:
    """Seconds until the earliest next slot (a scheduler sleeps that long, at most a minute)."""
    now = now or timezone.now()
    soonest = ScheduledRun.objects.filter(name__in=list(SCHEDULES)).order_by("next_at").first()
    if soonest is None:
        return MINUTE.total_seconds()
    return max(1.0, min((soonest.next_at - now).total_seconds(), MINUTE.total_seconds()))
