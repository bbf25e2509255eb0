"""Retention: past the period after archiving, the content, identity, messages and files go;
the content-free row and an audit event stay."""

import datetime as dt
import io

from django.core.management import call_command

from lianfang.complaints import retention, services
from lianfang.complaints.models import Complaint
from lianfang.core import workdays
from lianfang.core.models import AuditEvent

from .conftest import pdf_upload


def archived(office, monkeypatch, finding="false"):
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2020, 3, 2))
    complaint, _code = office.file(
        anonymous=False, reporter_name="钱某", content="SENTINEL-R", uploads=[pdf_upload("x")]
    )
    services.complaint_accept(actor=office.lead, complaint=complaint)
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    services.complaint_handle(actor=office.handler, complaint=complaint, handling_type="verify")
    services.complaint_conclude(
        actor=office.handler, complaint=complaint, finding=finding, conclusion="SENTINEL-R"
    )
    services.complaint_feedback(actor=office.handler, complaint=complaint, text="SENTINEL-R")
    return services.complaint_archive(actor=office.lead, complaint=complaint)


def test_purge_deletes_content_and_files_after_five_years(
    office, monkeypatch, attachment_store, django_capture_on_commit_callbacks
):
    complaint = archived(office, monkeypatch)
    assert list(attachment_store.rglob("*.bin"))
    assert retention.purge(dt.date(2025, 3, 1)) == 0
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 3, 2))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("complaints", "purge", stdout=out)
    assert "已清除 1 件" in out.getvalue()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.purged_on == dt.date(2025, 3, 2)
    assert complaint.reporter_name == "" and "SENTINEL-R" not in complaint.content
    assert complaint.conclusion == "" and complaint.finding == "false"
    assert not complaint.messages.exists() and not complaint.files.exists()
    assert not list(attachment_store.rglob("*.bin"))
    event = AuditEvent.objects.get(action="complaint.purge")
    assert "SENTINEL-R" not in repr((event.before, event.after))
    assert retention.purge(dt.date(2030, 1, 1)) == 0  # once


def test_a_true_finding_is_kept_longer(office, monkeypatch):
    archived(office, monkeypatch, finding="true")
    assert retention.purge(dt.date(2025, 3, 2)) == 0
    assert retention.purge(dt.date(2030, 3, 2)) == 1
