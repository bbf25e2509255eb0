"""Receipt codes: strong, shown once, stored only as an Argon2 hash, rate-limited."""

import math
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lianfang.complaints import receipts, services
from lianfang.complaints.models import Complaint


def test_a_code_has_at_least_80_bits_without_ambiguous_characters():
    code = receipts.generate()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}(-[2-9A-HJ-NP-Z]{5}){3}", code)
    assert len(set(receipts.ALPHABET)) == 32
    assert not set("01IO") & set(receipts.ALPHABET)
    bits = receipts.LENGTH * math.log2(len(receipts.ALPHABET))
    public = receipts.PREFIX_LEN * math.log2(len(receipts.ALPHABET))
    assert bits - public >= 80  # what is not in the database


def test_only_an_argon2_hash_is_stored_and_each_code_opens_exactly_its_report(office):
    first, code1 = office.file()
    second, code2 = office.file()
    stored = Complaint.objects.values_list("receipt_hash", flat=True)
    assert all(h.startswith("argon2$") for h in stored)
    assert code1.replace("-", "") not in "".join(stored)
    assert services.complaint_by_receipt(code1) == first
    assert services.complaint_by_receipt(code2.lower().replace("-", " ")) == second
    assert services.complaint_by_receipt(code1[:-1] + ("A" if code1[-1] != "A" else "B")) is None
    assert services.complaint_by_receipt("not a code") is None


def test_the_lookup_hashes_only_against_reports_sharing_the_prefix(office, monkeypatch):
    for _ in range(3):
        office.file()
    checks = []
    real = receipts._check
    monkeypatch.setattr(receipts, "_check", lambda *a: checks.append(1) or real(*a))
    complaint, code = office.file()
    checks.clear()
    assert services.complaint_by_receipt(code) == complaint
    same_prefix = Complaint.objects.filter(receipt_prefix=receipts.prefix_of(code)).count()
    assert len(checks) <= same_prefix


def test_a_message_quoting_the_receipt_is_refused(office):
    complaint, code = office.file()
    for quoted in (
        code,
        code.lower(),
        code.replace("-", " "),
        f"我的码是{code.replace('-', '')}。",
    ):
        with pytest.raises(ValidationError, match="回执码"):
            services.complaint_reporter_reply(complaint=complaint, body=quoted)
    services.complaint_reporter_reply(complaint=complaint, body="补充：时间是上周三")
    assert complaint.messages.count() == 1


def test_the_reporter_reads_status_and_replies_with_the_receipt(client, office):
    complaint, code = office.file()
    services.complaint_accept(actor=office.lead, complaint=complaint)
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    services.message_send(actor=office.handler, complaint=complaint, body="请问具体是哪天？")
    response = client.post(reverse("complaints:receipt_lookup"), {"code": code})
    assert response.status_code == 302
    page = client.get(reverse("complaints:receipt_case"))
    assert "请问具体是哪天？" in page.content.decode()
    assert "受理" in page.content.decode()
    client.post(reverse("complaints:receipt_case"), {"body": "上周三上午"})
    assert complaint.messages.filter(author="reporter").get().body == "上周三上午"
    quoted = client.post(reverse("complaints:receipt_case"), {"body": code})
    assert quoted.status_code == 200 and "回执码" in quoted.content.decode()
    # The reporter sees neither internal notes nor who handles the case.
    services.note_add(actor=office.handler, complaint=complaint, body="内部：疑似属实")
    page = client.get(reverse("complaints:receipt_case")).content.decode()
    assert "疑似属实" not in page and "handler" not in page


def test_wrong_codes_are_rate_limited(client, office):
    complaint, code = office.file()
    url = reverse("complaints:receipt_lookup")
    for _ in range(5):
        wrong = client.post(url, {"code": "22222-33333-44444-55555"})
        assert "回执码不正确" in wrong.content.decode()
    blocked = client.post(url, {"code": code})
    assert blocked.status_code == 200
    assert "尝试次数过多" in blocked.content.decode()


def test_a_receipt_cookie_opens_no_other_report(client, office):
    first, code1 = office.file()
    second, _code2 = office.file(content="另一份举报")
    client.post(reverse("complaints:receipt_lookup"), {"code": code1})
    page = client.get(reverse("complaints:receipt_case")).content.decode()
    assert first.reference in page and second.reference not in page
    client.cookies["lf_receipt"] = "forged"
    assert client.get(reverse("complaints:receipt_case")).status_code == 302
