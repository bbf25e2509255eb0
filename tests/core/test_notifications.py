"""Notifications (core.notifications): who receives a message, by which channels, how a
delivery is sent, retried and given up, the digest, the inbox pages and the unread count in
the top bar.

The kinds used are the review chain's (`lianfang.reviews.notifications`): 待审 goes by e-mail
by default, 审核通过 only to the inbox."""

import datetime as dt
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.core import jobs, notifications, sms
from lianfang.core.models import (
    AuditEvent,
    Delivery,
    Notification,
    NotificationChoice,
    NotificationSettings,
)
from lianfang.core.notification_services import notification_settings_save
from lianfang.core.roles import Role
from lianfang.reviews.notifications import APPROVED, WAITING

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def inbox_of(user):
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def with_email(*users):
    for user in users:
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


# Who receives it -----------------------------------------------------------------------------


def test_recipients_by_person_and_by_role_each_get_one_message(world):
    staff, integrity, head = (world.users[r] for r in ("staff", "integrity", "dept_head"))
    messages = notifications.notify(
        WAITING,
        recipients=[
            staff,
            notifications.RoleOn(Role.INTEGRITY, world.hospital),
            notifications.RoleOn(Role.DEPT_HEAD, world.hospital, world.cardiology),
            head.pk,  # named twice: still one message
        ],
        context={"subject": "处方点评", "kind": "备案", "actor": "张医生", "level": "科主任"},
    )
    assert sorted(m.recipient_id for m in messages) == sorted([staff.pk, integrity.pk, head.pk])
    (message,) = inbox_of(integrity)
    assert message.subject == "待您审核：处方点评"
    assert "等待科主任审核" in message.body
    # nobody else: not the commission's office, not the other hospital
    assert inbox_of(world.users["commission_integrity"]) == []
    assert inbox_of(world.users["outsider"]) == []


def test_inactive_accounts_and_the_excluded_get_nothing(world):
    staff, head = world.users["staff"], world.users["dept_head"]
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    sent = notifications.notify(
        WAITING, recipients=[staff, head], context={"subject": "x"}, exclude=[head.pk]
    )
    assert sent == [] and Notification.objects.count() == 0


def test_a_keyed_message_is_not_repeated(world):
    head = world.users["dept_head"]
    first = notifications.notify(WAITING, recipients=[head], context={"subject": "x"}, key="k:1")
    again = notifications.notify(WAITING, recipients=[head], context={"subject": "x"}, key="k:1")
    assert len(first) == 1 and again == []
    assert len(inbox_of(head)) == 1


def test_an_undeclared_kind_is_refused(world):
    with pytest.raises(ValueError, match="no notification kind"):
        notifications.notify("nothing.such", recipients=[world.users["staff"]])


# Channels ------------------------------------------------------------------------------------


def test_the_kinds_defaults_apply_until_a_person_chooses(world):
    head, integrity = world.users["dept_head"], world.users["integrity"]
    with_email(head, integrity)
    notifications.notify(WAITING, recipients=[head, integrity], context={"subject": "x"})
    notifications.notify(APPROVED, recipients=[head], context={"subject": "x"})
    # 待审 goes by e-mail by default, 审核通过 to the inbox alone
    assert sorted(Delivery.objects.values_list("recipient_id", "channel")) == sorted(
        [(head.pk, "email"), (integrity.pk, "email")]
    )
    assert len(inbox_of(head)) == 2


def test_a_persons_choice_decides_and_the_inbox_is_always_on(world):
    head, integrity = world.users["dept_head"], world.users["integrity"]
    with_email(head, integrity)
    notification_settings_save(
        actor=head,
        phone="138 0013 8000",
        digest=False,
        choices={WAITING: {"email": False, "sms": True}},
    )
    notification_settings_save(
        actor=integrity, phone="", digest=False, choices={WAITING: {"email": False, "sms": False}}
    )
    notifications.notify(WAITING, recipients=[head, integrity], context={"subject": "x"})
    assert list(Delivery.objects.values_list("recipient_id", "channel", "address")) == [
        (head.pk, "sms", "13800138000")
    ]
    # everything off: still in the inbox
    assert len(inbox_of(integrity)) == 1 and len(inbox_of(head)) == 1
    event = AuditEvent.objects.get(action="notification_settings.update", actor=head)
    assert event.after["phone"] == "13800138000"
    assert event.after[WAITING] == {"email": False, "sms": True}


def test_choosing_sms_needs_a_phone_and_a_phone_must_be_one(world):
    from django.core.exceptions import ValidationError

    staff = world.users["staff"]
    with pytest.raises(ValidationError) as refused:
        notification_settings_save(
            actor=staff, phone="", digest=False, choices={WAITING: {"email": False, "sms": True}}
        )
    assert "phone" in refused.value.error_dict
    with pytest.raises(ValidationError):
        notification_settings_save(actor=staff, phone="12345", digest=False, choices={})
    with pytest.raises(ValidationError):  # a digest needs an address
        notification_settings_save(actor=staff, phone="", digest=True, choices={})
    assert not NotificationSettings.objects.exists() and not NotificationChoice.objects.exists()


# E-mail --------------------------------------------------------------------------------------


def test_an_email_delivery_is_sent_once_the_write_commits(
    world, django_capture_on_commit_callbacks
):
    head = world.users["dept_head"]
    with_email(head)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(WAITING, recipients=[head], context={"subject": "处方点评"})
        assert mail.outbox == []  # nothing leaves before the commit
    jobs.run_pending()  # the worker: the delivery's task was queued by the commit
    (sent,) = mail.outbox
    assert sent.to == ["dept_head@example.org"] and sent.subject == "待您审核：处方点评"
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
    assert delivery.sent_at is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_email_through_a_real_smtp_server(world, settings):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        head = world.users["dept_head"]
        with_email(head)
        notifications.notify(WAITING, recipients=[head], context={"subject": "处方点评"})
        delivery = Delivery.objects.get()
        assert notifications.deliver(delivery.pk) == Delivery.Status.SENT
    finally:
        controller.stop()
    (message,) = received
    assert message["To"] == "dept_head@example.org"
    from email.header import decode_header, make_header

    assert str(make_header(decode_header(message["Subject"]))) == "待您审核：处方点评"


def test_a_failed_email_is_retried_with_backoff_then_given_up(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    head = world.users["dept_head"]
    with_email(head)
    notifications.notify(WAITING, recipients=[head], context={"subject": "x"})
    delivery = Delivery.objects.get()
    now = NOW
    for attempt in range(1, notifications.MAX_ATTEMPTS):
        assert notifications.deliver(delivery.pk, now=now) == Delivery.Status.RETRYING
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert delivery.next_attempt_at == now + notifications.backoff(attempt)
        assert "ConnectionRefusedError" in delivery.last_error
        # not due yet: the sweep leaves it
        assert notifications.retry_due(now=delivery.next_attempt_at - dt.timedelta(seconds=1)) == 0
        now = delivery.next_attempt_at
    assert notifications.retry_due(now=now) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (
        Delivery.Status.FAILED,
        notifications.MAX_ATTEMPTS,
    )
    assert delivery.next_attempt_at is None
    assert notifications.retry_due(now=now + dt.timedelta(days=1)) == 0


# SMS -----------------------------------------------------------------------------------------

KEY_ID, SECRET = "LTAI-test-key", "test-secret-不可外传"


class FakeAliyun:
    """A local stand-in for Aliyun's SMS endpoint: checks each request's signature and
    parameters, answers as configured ("OK", a business error, or HTTP 500)."""

    def __init__(self):
        self.requests = []
        self.answers = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                expected = sms.aliyun_signature(query, SECRET)
                fake.requests.append((query, query.get("Signature") == expected))
                answer = fake.answers.pop(0) if fake.answers else "OK"
                if answer == 500:
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                body = json.dumps({"Code": answer, "Message": "m", "RequestId": "r"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def aliyun(settings):
    with FakeAliyun() as fake:
        settings.LIANFANG_SMS_BACKEND = "lianfang.core.sms.AliyunBackend"
        settings.LIANFANG_SMS_ACCESS_KEY_ID = KEY_ID
        settings.LIANFANG_SMS_ACCESS_KEY_SECRET = SECRET
        settings.LIANFANG_SMS_SIGN_NAME = "示例医院"
        settings.LIANFANG_SMS_TEMPLATE = "SMS_100001"
        settings.LIANFANG_SMS_ENDPOINT = fake.url
        yield fake


def test_the_signature_matches_the_documented_example():
    """Aliyun's own worked example of signature method 1.0 (its RPC signature page):
    DescribeRegions with AccessKey secret "testsecret"."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert sms.aliyun_signature(params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def sms_for(world):
    head = world.users["dept_head"]
    notification_settings_save(
        actor=head, phone="13800138000", digest=False, choices={WAITING: {"sms": True}}
    )
    notifications.notify(WAITING, recipients=[head], context={"subject": "超剂量开具特定药品"})
    return Delivery.objects.get(channel="sms")


def test_sms_is_sent_signed_to_aliyun(world, aliyun):
    delivery = sms_for(world)
    assert notifications.deliver(delivery.pk) == Delivery.Status.SENT
    ((query, signed),) = aliyun.requests
    assert signed
    assert query["Action"] == "SendSms" and query["Version"] == "2017-05-25"
    assert query["AccessKeyId"] == KEY_ID and query["PhoneNumbers"] == "13800138000"
    assert query["SignName"] == "示例医院" and query["TemplateCode"] == "SMS_100001"
    assert json.loads(query["TemplateParam"]) == {"title": "待您审核：超剂量开具特定药品"}


def test_a_refused_sms_is_retried_and_then_sent(world, aliyun):
    delivery = sms_for(world)
    aliyun.answers = [500, "isv.BUSINESS_LIMIT_CONTROL"]
    assert notifications.deliver(delivery.pk, now=NOW) == Delivery.Status.RETRYING
    delivery.refresh_from_db()
    assert "HTTP 500" in delivery.last_error
    later = delivery.next_attempt_at
    assert notifications.deliver(delivery.pk, now=later) == Delivery.Status.RETRYING
    delivery.refresh_from_db()
    assert "isv.BUSINESS_LIMIT_CONTROL" in delivery.last_error
    assert delivery.next_attempt_at - later == notifications.backoff(2)
    assert notifications.retry_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 3)
    assert len(aliyun.requests) == 3 and all(signed for _query, signed in aliyun.requests)
    # a delivery already sent is not sent again
    assert notifications.deliver(delivery.pk) == ""
    assert len(aliyun.requests) == 3


def test_a_wrong_secret_is_what_the_fake_server_catches(world, aliyun, settings):
    settings.LIANFANG_SMS_ACCESS_KEY_SECRET = "another"
    delivery = sms_for(world)
    notifications.deliver(delivery.pk)
    ((_query, signed),) = aliyun.requests
    assert not signed


# Digest --------------------------------------------------------------------------------------


def test_the_daily_digest_gathers_the_unread_messages_once(
    world, django_capture_on_commit_callbacks
):
    head, staff = world.users["dept_head"], world.users["staff"]
    with_email(head, staff)
    notification_settings_save(actor=head, phone="", digest=True, choices={})
    for n in range(3):
        notifications.notify(
            APPROVED, recipients=[head, staff], context={"subject": f"点{n}"}, now=NOW
        )
    Notification.objects.filter(recipient=head, context__subject="点0").update(read_at=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.digest(now=NOW + dt.timedelta(hours=20)) == 1
    jobs.run_pending()
    (sent,) = mail.outbox
    assert sent.to == ["dept_head@example.org"]
    assert "2 条未读通知" in sent.subject
    assert "审核通过：点1" in sent.body and "审核通过：点2" in sent.body
    assert "点0" not in sent.body
    assert notifications.digest(now=NOW + dt.timedelta(hours=21)) == 0


# Pages ---------------------------------------------------------------------------------------


def test_the_inbox_shows_ones_own_messages_only(world, login):
    head, staff = world.users["dept_head"], world.users["staff"]
    notifications.notify(APPROVED, recipients=[head], context={"subject": "主任的"})
    notifications.notify(APPROVED, recipients=[staff], context={"subject": "医生的"})
    page = login(head).get(reverse("core:inbox")).content.decode()
    assert "主任的" in page and "医生的" not in page


def test_anothers_message_answers_404(world, login):
    (message,) = notifications.notify(
        APPROVED, recipients=[world.users["staff"]], context={"subject": "x"}
    )
    client = login(world.users["dept_head"])
    assert client.get(reverse("core:notification_open", args=[message.pk])).status_code == 404
    assert client.post(reverse("core:notification_read", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_one_and_all_read(world, login):
    head = world.users["dept_head"]
    first, *_ = (
        notifications.notify(APPROVED, recipients=[head], context={"subject": f"m{n}"})[0]
        for n in range(3)
    )
    client = login(head)
    response = client.post(reverse("core:notification_read", args=[first.pk]))
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=head, read_at__isnull=True).count() == 2
    client.post(reverse("core:notification_read_all"))
    assert Notification.objects.filter(recipient=head, read_at__isnull=True).count() == 0


def test_a_link_is_followed_only_while_the_reader_sees_its_object(world, login):
    head, outsider = world.users["dept_head"], world.users["outsider"]
    # about the cardiology department: the head sees it, the other hospital's staff does not
    link = reverse("org:department_detail", args=[world.cardiology.pk])
    for user in (head, outsider):
        notifications.notify(
            APPROVED,
            recipients=[user],
            context={"subject": "科室"},
            target=world.cardiology,
            link=link,
        )
    mine = Notification.objects.get(recipient=head)
    theirs = Notification.objects.get(recipient=outsider)
    client = login(head)
    assert (
        reverse("core:notification_open", args=[mine.pk])
        in client.get(reverse("core:inbox")).content.decode()
    )
    response = client.get(reverse("core:notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == link
    mine.refresh_from_db()
    assert mine.read_at is not None

    client = login(outsider)
    page = client.get(reverse("core:inbox")).content.decode()
    assert reverse("core:notification_open", args=[theirs.pk]) not in page
    response = client.get(reverse("core:notification_open", args=[theirs.pk]))
    assert response["Location"] == reverse("core:inbox")


def test_the_unread_count_in_the_top_bar_costs_one_query_whatever_the_number(world, login):
    head = world.users["dept_head"]
    client = login(head)
    url = reverse("core:job_list")

    def queries_with(n):
        Notification.objects.filter(recipient=head).delete()
        for i in range(n):
            notifications.notify(APPROVED, recipients=[head], context={"subject": f"m{i}"})
        client.get(url)  # warm per-process caches
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).content.decode()
        counts = [q["sql"] for q in captured.captured_queries if "core_notification" in q["sql"]]
        return len(captured.captured_queries), counts, page

    few, few_counts, page = queries_with(1)
    assert 'data-testid="inbox-badge">1<' in page
    many, many_counts, page = queries_with(30)
    assert 'data-testid="inbox-badge">30<' in page
    assert few == many and len(few_counts) == len(many_counts) == 1


def test_the_inbox_page_keeps_its_queries_as_messages_grow(world, login):
    head = world.users["dept_head"]
    link = reverse("org:department_detail", args=[world.cardiology.pk])
    client = login(head)

    def queries_with(n):
        for i in range(n):
            notifications.notify(
                APPROVED,
                recipients=[head],
                context={"subject": f"m{i}"},
                target=world.cardiology,
                link=link,
            )
        client.get(reverse("core:inbox"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("core:inbox")).status_code == 200
        return len(captured.captured_queries)

    assert queries_with(2) == queries_with(40)


def test_the_settings_page_saves_and_refuses_clearly(world, login):
    head = world.users["dept_head"]
    client = login(head)
    url = reverse("core:notification_settings")
    page = client.get(url).content.decode()
    assert "有事项待我审核" in page
    bad = client.post(url, {"phone": "", f"sms__{WAITING}": "on"})
    assert bad.status_code == 200 and "选择短信通知时须填写手机号码" in bad.content.decode()
    good = client.post(url, {"phone": "13800138000", f"sms__{WAITING}": "on"})
    assert good.status_code == 302
    assert NotificationChoice.objects.get(user=head, kind=WAITING).sms
    # a kind left unticked is switched off, even one on by default
    assert not NotificationChoice.objects.get(user=head, kind=WAITING).email


def test_deliveries_are_listed_for_administrators_of_their_organisations(world, login):
    head, outsider = world.users["dept_head"], world.users["outsider"]
    with_email(head, outsider)
    notifications.notify(
        WAITING, recipients=[head], context={"subject": "本院"}, organisation=world.hospital
    )
    notifications.notify(
        WAITING,
        recipients=[outsider],
        context={"subject": "外院"},
        organisation=world.other_hospital,
    )
    page = login(world.users["admin"]).get(reverse("core:delivery_list")).content.decode()
    assert "待您审核：本院" in page and "待您审核：外院" not in page
    assert login(head).get(reverse("core:delivery_list")).status_code == 403


def test_the_english_interface_shows_the_subject_in_english(world, login):
    head = world.users["dept_head"]
    notifications.notify(APPROVED, recipients=[head], context={"subject": "处方点评"})
    client = login(head)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("core:inbox")).content.decode()
    assert "Approved: 处方点评" in page


def test_the_scheduler_commands(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("notifications", "remind", stdout=out)
    assert "rotation: 1 message(s)" in out.getvalue()  # 陈采购's rotation, to the admin
    assert "review_overdue: 0 message(s)" in out.getvalue()
    call_command("notifications", "digest", stdout=out)
    assert "queued 0 digest(s)" in out.getvalue()
    call_command("notifications", "retry", stdout=out)
    assert "attempted 0 delivery(ies)" in out.getvalue()
    assert Notification.objects.filter(kind="org.rotation_due").count() == 1
