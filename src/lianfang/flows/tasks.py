"""The flows' periodic work: reminders at 80% of a task's limit, 超时 and escalation
(`flows.deadlines.deadlines_run`), every 15 minutes."""

from django_tasks import task

from lianfang.core import schedule

from .deadlines import deadlines_run


@task()
def check_deadlines() -> dict:
    """Remind, mark overdue and escalate the tasks due now (each once)."""
    return deadlines_run()


schedule.register("flows.check_deadlines", check_deadlines, every=15 * schedule.MINUTE)
