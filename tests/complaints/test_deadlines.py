"""Deadlines on the working-day calendar, across 国庆 and a 调休 Saturday."""

import datetime as dt

from django.urls import reverse

from lianfang.complaints import deadlines, services
from lianfang.complaints.models import State
from lianfang.core import workdays


def test_the_acceptance_notice_counts_15_working_days_across_national_day(office, monkeypatch):
    # 2025: Oct 1-8 off (国庆 + 中秋); Sunday Sep 28 and Saturday Oct 11 are working days (调休).
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 26))
    complaint, _code = office.file()
    # Sep 28 (Sun, 调休), 29, 30; Oct 9, 10, 11 (Sat, 调休), 13-17, 20-23.
    assert complaint.due_on == dt.date(2025, 10, 23)


def test_transfer_is_due_within_5_working_days(office, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 29))
    complaint, _code = office.file()
    # Sep 30; Oct 9, 10, 11 (调休 Saturday), 13.
    assert deadlines.transfer_due(complaint) == dt.date(2025, 10, 13)


def test_feedback_is_due_15_working_days_after_conclusion(office, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 30))
    complaint, _code = office.file(category="kickback")
    complaint = services.complaint_accept(actor=office.lead, complaint=complaint)
    assert complaint.due_on is None  # not a 信访 matter: no conclusion deadline
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    services.complaint_handle(actor=office.handler, complaint=complaint, handling_type="verify")
    complaint = services.complaint_conclude(
        actor=office.handler, complaint=complaint, finding="false", conclusion="不属实"
    )
    # From Sep 30: Oct 9, 10, 11 (调休 Saturday), 13-17, 20-24, 27, 28 → the 15th is Oct 28.
    assert complaint.due_on == dt.date(2025, 10, 28)


def test_a_petition_is_due_in_60_days_and_extends_once_by_30(office, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 1))
    complaint, _code = office.file(category="charges")  # 收费问题: a 信访 category by default
    assert complaint.petition
    complaint = services.complaint_accept(actor=office.lead, complaint=complaint)
    assert complaint.due_on == dt.date(2025, 10, 31)
    complaint = services.complaint_extend(actor=office.lead, complaint=complaint, reason="需调查")
    assert complaint.due_on == dt.date(2025, 11, 30)
    assert "延长 30 日" in complaint.messages.last().body


def test_the_due_page_lists_what_is_due_this_week_and_what_is_overdue(login, office, monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 1))
    old, _c = office.file()
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 10, 1))
    new, _c = office.file()
    monkeypatch.setattr(workdays, "today", lambda: dt.date(2025, 9, 24))  # the week of Sep 22
    page = login(office.lead).get(reverse("complaints:due")).content.decode()
    assert old.reference in page  # due Sep 22
    assert new.reference not in page
    assert old.state == State.REGISTERED
