"""Texts to a named reporter who opted in, on each change of state: through the platform's
SMS backend, the number sealed on the report and stored nowhere else, never for an
anonymous reporter, retried on failure."""

import datetime as dt

import pytest
from django.utils import timezone

from lianfang.complaints import retention, services, sms
from lianfang.complaints.models import ReporterSms, State
from lianfang.core import notifications

from .test_encryption import database_text

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
SENT: list[tuple[str, str]] = []
FAILURES: list[Exception] = []


class RecordingBackend:
    """An SMS backend (core.sms's interface) that keeps what it was given, or fails."""

    def send(self, phone, text):
        if FAILURES:
            raise FAILURES.pop(0)
        SENT.append((phone, text))


@pytest.fixture(autouse=True)
def backend(settings):
    settings.LIANFANG_SMS_BACKEND = f"{__name__}.RecordingBackend"
    SENT.clear()
    FAILURES.clear()
    yield
    SENT.clear()
    FAILURES.clear()


def named(office, **data):
    base = {
        "anonymous": False,
        "reporter_name": "王先生",
        "reporter_phone": PHONE,
        "sms_opt_in": True,
    }
    base.update(data)
    return office.file(**base)


def send_all():
    return [sms.deliver(pk) for pk in ReporterSms.objects.values_list("pk", flat=True)]


def test_each_change_of_state_texts_the_reporter_and_the_text_gives_nothing_away(office):
    complaint, code = named(office, content="哨兵内容-收红包")
    assert not ReporterSms.objects.exists()  # filing: the receipt page says it
    services.complaint_accept(actor=office.lead, complaint=complaint)
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    services.complaint_handle(actor=office.handler, complaint=complaint, handling_type="verify")
    services.complaint_handle(actor=office.handler, complaint=complaint, handling_type="talk")
    services.message_send(actor=office.handler, complaint=complaint, body="请补充材料")
    states = list(ReporterSms.objects.values_list("state", flat=True))
    # one per change of state: assigning, a second handling type and a message change none
    assert states == [State.ACCEPTED, State.HANDLING]
    assert send_all() == [ReporterSms.Status.SENT] * 2
    assert [phone for phone, _text in SENT] == [PHONE, PHONE]
    text = SENT[0][1]
    assert "受理" in text and len(text) <= 35
    for secret in (complaint.reference, code, code.replace("-", ""), "哨兵内容", "王先生"):
        assert secret not in text
    # the number is on the report, sealed, and nowhere else
    assert PHONE not in database_text()


def test_an_anonymous_reporter_is_never_texted(office):
    complaint, _code = office.file(reporter_phone=PHONE, sms_opt_in=True)  # anonymous
    assert complaint.reporter_phone == "" and not complaint.sms_opt_in
    services.complaint_accept(actor=office.lead, complaint=complaint)
    assert not ReporterSms.objects.exists()


def test_a_named_reporter_who_did_not_opt_in_is_not_texted(office):
    complaint, _code = named(office, sms_opt_in=False)
    services.complaint_reject(actor=office.lead, complaint=complaint, reason="不属于受理范围")
    assert not ReporterSms.objects.exists()


def test_a_failed_text_is_retried_with_backoff_then_sent(office):
    complaint, _code = named(office)
    services.complaint_transfer(actor=office.lead, complaint=complaint, to="市医保局")
    row = ReporterSms.objects.get()
    FAILURES.append(RuntimeError(f"gateway refused {PHONE}"))
    now = timezone.now()
    assert sms.deliver(row.pk, now=now) == ReporterSms.Status.RETRYING
    row.refresh_from_db()
    assert row.last_error == "RuntimeError" and PHONE not in row.last_error
    assert row.next_attempt_at == now + notifications.backoff(1)
    assert sms.retry_due(now=now) == 0  # not yet
    assert sms.retry_due(now=now + dt.timedelta(minutes=2)) == 1
    row.refresh_from_db()
    assert row.status == ReporterSms.Status.SENT and SENT == [(PHONE, sms.text_for(row))]
    assert sms.deliver(row.pk) == ""  # sent once only


def test_a_text_gives_up_after_the_last_attempt(office):
    complaint, _code = named(office)
    services.complaint_accept(actor=office.lead, complaint=complaint)
    row = ReporterSms.objects.get()
    FAILURES.extend(RuntimeError("down") for _i in range(notifications.MAX_ATTEMPTS))
    statuses = []
    for _i in range(notifications.MAX_ATTEMPTS):
        statuses.append(sms.deliver(row.pk))
    assert statuses[-1] == ReporterSms.Status.FAILED and not SENT


def test_a_purged_report_is_not_texted(office):
    complaint, _code = named(office)
    services.complaint_accept(actor=office.lead, complaint=complaint)
    retention.complaint_purge(complaint=complaint, today=dt.date.today())
    assert send_all() == [ReporterSms.Status.CANCELLED] and not SENT
