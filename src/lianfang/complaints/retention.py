"""Retention (保存期限): an archived complaint's content, identity, messages, notes and files
are deleted once its organisation's retention period after archiving has passed (per
finding: a report found true may be kept longer). The row stays with its dates, category,
channel, state and finding, so statistics still count it; a content-free audit event records
each purge."""

import datetime as dt

from django.db import transaction

from lianfang.core import audit, orgsettings

from . import files
from . import org_settings as keys
from .models import Complaint, Finding, IdentityRequest, Message, Note, State

SEALED = (
    "subject_text", "content", "happened_when", "happened_where", "reporter_name",
    "reporter_phone", "reporter_contact", "decision_reason", "conclusion",
)  # fmt: skip


def retention_years(complaint: Complaint) -> int:
    key = keys.RETENTION_TRUE_YEARS if complaint.finding in (
        Finding.TRUE, Finding.PARTLY
    ) else keys.RETENTION_YEARS  # fmt: skip
    return orgsettings.value(complaint.organisation, key)


def due_for_purge(today: dt.date):
    for complaint in (
        Complaint.objects.filter(state=State.ARCHIVED, archived_on__isnull=False)
        .filter(purged_on__isnull=True)
        .select_related("organisation")
        .order_by("pk")
    ):
        years = retention_years(complaint)
        try:
            limit = complaint.archived_on.replace(year=complaint.archived_on.year + years)
        except ValueError:  # 29 February
            limit = complaint.archived_on.replace(year=complaint.archived_on.year + years, day=28)
        if limit <= today:
            yield complaint


@transaction.atomic
def complaint_purge(*, complaint: Complaint, today: dt.date) -> None:
    """Delete what the complaint said and who said it; keep the content-free row."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    stored = list(complaint.files.all())
    Message.objects.filter(complaint=complaint).delete()
    Note.objects.filter(complaint=complaint).delete()
    IdentityRequest.objects.filter(complaint=complaint).delete()
    complaint.files.all().delete()
    complaint.exclusions.all().delete()
    for name in SEALED:
        setattr(complaint, name, "" if name != "content" else "—")
    complaint.subject_person = None
    complaint.receipt_hash = ""
    complaint.purged_on = today
    complaint.sms_opt_in = False
    complaint.save()
    complaint.events.create(type="purged", state=complaint.state, data={})
    audit.record(
        actor=None,
        action="complaint.purge",
        obj=complaint,
        object_repr=complaint.reference,
        after={"reference": complaint.reference, "files": len(stored)},
        organisation=complaint.organisation,
    )
    transaction.on_commit(lambda: [files.delete_stored(f) for f in stored])


def purge(today: dt.date) -> int:
    n = 0
    for complaint in due_for_purge(today):
        complaint_purge(complaint=complaint, today=today)
        n += 1
    return n
