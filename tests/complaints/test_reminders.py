"""Reminders before a deadline, escalation and a warning once it is missed."""

import datetime as dt

from django.utils import timezone

from lianfang.complaints import reminders, warning_rules
from lianfang.core import warnings, workdays
from lianfang.core.models import AuditEvent, Notification, WarningStatus
from lianfang.core.models import Warning as PlatformWarning


def test_a_step_due_soon_is_brought_to_its_handler_once(office, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 26))
    complaint, _code = office.file()  # due 2025-10-23
    from lianfang.complaints import services

    complaint = services.complaint_assign(
        actor=office.lead, complaint=complaint, handler=office.handler
    ).complaint
    Notification.objects.all().delete()
    assert reminders.remind_due(dt.date(2025, 10, 10)) == 0  # 8 working days ahead
    assert reminders.remind_due(dt.date(2025, 10, 20)) == 1
    reminders.remind_due(dt.date(2025, 10, 20))  # a rerun sends nothing new
    sent = list(Notification.objects.values_list("recipient_id", "kind"))
    assert sent == [(office.handler.pk, "complaints.due_soon")]


def test_a_missed_deadline_escalates_to_the_lead_and_raises_a_content_free_warning(
    office, monkeypatch
):
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 26))
    complaint, _code = office.file(content="机密内容 SENTINEL-W")
    assert reminders.escalate_overdue(dt.date(2025, 10, 23)) == 0
    assert reminders.escalate_overdue(dt.date(2025, 10, 24)) == 1
    assert reminders.escalate_overdue(dt.date(2025, 10, 27)) == 0  # once per deadline
    complaint.refresh_from_db()
    assert complaint.escalated_on == dt.date(2025, 10, 24)
    notified = set(
        Notification.objects.filter(kind="complaints.overdue").values_list(
            "recipient_id", flat=True
        )
    )
    assert office.lead.pk in notified
    # recused people (the subject 张医生 is a designated handler) are never told
    assert office.world.users["staff"].pk not in notified
    assert AuditEvent.objects.filter(action="complaint.escalate").count() == 1
    now = timezone.make_aware(dt.datetime(2025, 10, 24, 9))
    warnings.warnings_check(now=now, only={(warning_rules.SOURCE, warning_rules.OVERDUE)})
    warning = PlatformWarning.objects.get(source="complaints")
    assert complaint.reference in warning.subject
    assert "SENTINEL-W" not in repr((warning.subject, warning.evidence))
    # Accepted: the acceptance step is no longer overdue and the warning resolves.
    from lianfang.complaints import services

    services.complaint_accept(actor=office.lead, complaint=complaint)
    warnings.warnings_check(now=now, only={(warning_rules.SOURCE, warning_rules.OVERDUE)})
    warning.refresh_from_db()
    assert warning.status != WarningStatus.OPEN
