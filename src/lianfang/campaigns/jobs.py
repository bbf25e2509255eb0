"""The campaigns' background job: creating the tasks of a large campaign, with progress."""

from django.utils.translation import gettext_lazy

from lianfang.core import jobs

from .models import Campaign
from .services import OPEN_JOB, tasks_create


@jobs.handler(OPEN_JOB, gettext_lazy("创建排查任务"))
def open_tasks(job, progress):
    """No transaction round the whole: `tasks_create` commits batch by batch, so the job page
    sees the tasks counted as they are made, and a rerun keeps what was made."""
    campaign = Campaign.objects.get(pk=job.params["campaign"])
    return {"tasks": tasks_create(campaign, progress)}
