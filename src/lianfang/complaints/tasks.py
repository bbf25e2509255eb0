"""The complaints' periodic work: texts to reporters whose retry is due (sms.py)."""

from django_tasks import task

from lianfang.core import schedule

from . import sms


@task()
def retry_reporter_sms() -> dict:
    return {"tried": sms.retry_due()}


schedule.register("complaints.retry_reporter_sms", retry_reporter_sms, every=5 * schedule.MINUTE)
