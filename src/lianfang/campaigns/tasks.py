"""The campaigns' periodic work: reminders before the filing phase ends and escalation after
(`deadlines.deadlines_run`), daily."""

import datetime as dt

from django_tasks import task

from lianfang.core import schedule

from .deadlines import deadlines_run


@task()
def check_deadlines() -> dict:
    """Remind the people whose filing is due soon, and tell the heads and the office of late
    departments (each once)."""
    return deadlines_run()


schedule.register(
    "campaigns.check_deadlines", check_deadlines, every=schedule.DAY, at=dt.time(7, 45)
)
