"""Core's periodic maintenance, as django-tasks tasks on the schedule (core.schedule).

Each is registered in one line below; an app adds its own the same way in its `tasks.py`
(docs/architecture.md, "Background tasks and the schedule"). The audit chain's checkpoint is
not here: it signs with a key the workers must not hold, so it keeps its own systemd timer
under its own user (deploy/lianfang-audit-checkpoint.timer).
"""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import attachments, jobs, notifications, schedule, warnings

logger = logging.getLogger(__name__)


@task()
def recover_jobs() -> dict:
    """Jobs whose worker died mid-run, and queued jobs whose task the queue lost, get a new
    task (core.jobs.recover)."""
    return jobs.recover()


@task()
def purge_job_files() -> dict:
    """The files of jobs finished more than LIANFANG_JOB_FILES_DAYS ago (the job rows stay)."""
    return {"purged": jobs.purge_files(older_than_days=settings.LIANFANG_JOB_FILES_DAYS)}


@task()
def purge_orphan_attachments() -> dict:
    """Attachment files without a row (saved in a transaction later rolled back) or whose
    attachment was withdrawn, older than a day."""
    return {"purged": attachments.purge_orphans()}


@task()
def prune_task_results() -> dict:
    """The database backend's records of tasks finished more than LIANFANG_TASK_RESULTS_DAYS
    ago (the schedule alone adds hundreds a day). Jobs keep their own record."""
    if not jobs.in_transaction(jobs.run_job.get_backend()):
        return {"deleted": 0}
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(days=settings.LIANFANG_TASK_RESULTS_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return {"deleted": deleted}


@task()
def check_warnings() -> dict:
    """Every warning rule's checker: raise what holds, resolve what no longer does, then
    escalate what is past its time limit (core.warnings.warnings_check)."""
    report, escalated = warnings.warnings_check()
    return {
        "raised": {f"{c.rule.source}.{c.rule.code}": c.holding for c in report},
        "escalated": escalated,
    }


@task()
def send_reminders() -> dict:
    """The daily reminders the apps declare (overdue reviews, rotations): once per item."""
    return notifications.remind()


@task()
def send_digests() -> dict:
    """The daily digest e-mails of those who chose one."""
    return {"sent": notifications.digest()}


@task()
def retry_deliveries() -> dict:
    """E-mails and SMS whose last attempt failed and whose retry is due."""
    return {"sent": notifications.retry_due()}


schedule.register("core.recover_jobs", recover_jobs, every=5 * schedule.MINUTE)
schedule.register("core.purge_job_files", purge_job_files, every=schedule.DAY, at=dt.time(3, 10))
schedule.register(
    "core.purge_orphan_attachments", purge_orphan_attachments, every=schedule.DAY, at=dt.time(3, 20)
)
schedule.register(
    "core.prune_task_results", prune_task_results, every=schedule.DAY, at=dt.time(3, 30)
)
schedule.register("core.check_warnings", check_warnings, every=schedule.DAY, at=dt.time(6, 30))
schedule.register("core.send_reminders", send_reminders, every=schedule.DAY, at=dt.time(7, 0))
schedule.register("core.send_digests", send_digests, every=schedule.DAY, at=dt.time(7, 30))
schedule.register("core.retry_deliveries", retry_deliveries, every=5 * schedule.MINUTE)
