"""The campaigns' background job: creating the tasks of a large campaign, with progress."""

from django.db import transaction
from django.utils.translation import gettext_lazy

from lianfang.core import jobs

from .models import Campaign
from .services import OPEN_JOB, tasks_create


@jobs.handler(OPEN_JOB, gettext_lazy("创建排查任务"))
def open_tasks(job, progress):
    campaign = Campaign.objects.get(pk=job.params["campaign"])
    with transaction.atomic():
        count = tasks_create(campaign, progress)
    return {"tasks": count}
