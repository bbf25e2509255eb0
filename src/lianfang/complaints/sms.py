"""Text messages to a named reporter who gave a phone number and asked for them (实名举报, opt
in; never offered to an anonymous reporter): one when the report changes state (受理, 不予受理,
转办, 办理, 办结, 反馈, 归档), sent through the platform's SMS backend (core.notifications'
`sms_backend`, core.sms), from the task queue once the change commits, retried with core's
backoff (`notifications.backoff`, at most `notifications.MAX_ATTEMPTS` attempts; the retry run
is complaints.tasks' every five minutes).

What is stored: a `ReporterSms` row (the report, the state, the delivery's status), no number
and no text. The number is unsealed from the report at the moment of sending and handed to
the backend only. The text names the new state and says to use the receipt: no reference, no
organisation, no content, never the receipt code (a phone is read by others too). A report
made anonymous, opted out, or purged since is not texted (the row is cancelled).
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task

from lianfang.core import notifications

from .models import Complaint, ReporterSms

logger = logging.getLogger(__name__)


def wants_sms(complaint: Complaint) -> bool:
    return bool(
        complaint.sms_opt_in
        and not complaint.anonymous
        and complaint.purged_on is None
        and complaint.reporter_phone
    )


def queue(complaint: Complaint) -> ReporterSms | None:
    """Queue a text for the complaint's new state (in the caller's transaction; sent once it
    commits). None when the reporter asked for none."""
    if not wants_sms(complaint):
        return None
    row = ReporterSms.objects.create(complaint=complaint, state=complaint.state)
    transaction.on_commit(partial(deliver_task.enqueue, row.pk))
    return row


def text_for(row: ReporterSms) -> str:
    """What the reporter reads (at most 35 characters: an Aliyun template variable)."""
    with translation.override(settings.LANGUAGE_CODE):
        state = row.get_state_display()
        return _("您反映的问题状态：%(state)s。请凭回执码查看。") % {"state": state}


def deliver(row_id: int, *, now: dt.datetime | None = None) -> str:
    """One attempt at one text (claimed by a conditional UPDATE, so two runners never send
    it twice at once). Returns the row's status afterwards ("" when there was nothing to do)."""
    now = now or timezone.now()
    row = ReporterSms.objects.filter(pk=row_id).select_related("complaint").first()
    if row is None or row.status not in (ReporterSms.Status.PENDING, ReporterSms.Status.RETRYING):
        return ""
    claimed = ReporterSms.objects.filter(
        pk=row.pk, status=row.status, attempts=row.attempts
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return ""
    row.attempts += 1
    if not wants_sms(row.complaint):
        row.status, row.next_attempt_at = ReporterSms.Status.CANCELLED, None
        row.save(update_fields=["status", "next_attempt_at"])
        return row.status
    try:
        notifications.sms_backend().send(row.complaint.reporter_phone, text_for(row))
    except Exception as exc:  # noqa: BLE001 - any failure of the channel is retried
        row.last_error = type(exc).__name__[:100]
        if row.attempts >= notifications.MAX_ATTEMPTS:
            row.status, row.next_attempt_at = ReporterSms.Status.FAILED, None
            logger.error("reporter SMS %s failed for good (%s)", row.pk, row.last_error)
        else:
            row.status = ReporterSms.Status.RETRYING
            row.next_attempt_at = now + notifications.backoff(row.attempts)
        row.save(update_fields=["status", "next_attempt_at", "last_error"])
        if row.status == ReporterSms.Status.RETRYING and default_task_backend.supports_defer:
            deliver_task.using(run_after=row.next_attempt_at).enqueue(row.pk)
        return row.status
    row.status, row.sent_at, row.next_attempt_at = ReporterSms.Status.SENT, now, None
    row.save(update_fields=["status", "sent_at", "next_attempt_at"])
    return row.status


@task()
def deliver_task(row_id: int) -> str:
    return deliver(row_id)


def retry_due(*, now: dt.datetime | None = None) -> int:
    """Attempt again each text whose wait is over, and any pending one the queue lost."""
    now = now or timezone.now()
    due = list(
        ReporterSms.objects.filter(
            Q(status=ReporterSms.Status.RETRYING, next_attempt_at__lte=now)
            | Q(status=ReporterSms.Status.PENDING, created_at__lte=now - dt.timedelta(minutes=5))
        ).values_list("pk", flat=True)
    )
    for pk in due:
        deliver(pk, now=now)
    return len(due)
