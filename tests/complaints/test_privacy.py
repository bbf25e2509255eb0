"""No client address and no user agent on the intake and receipt pages: not in the database,
the audit chain, nor the logs."""

import logging

from django.test import RequestFactory
from django.urls import reverse

from lianfang.complaints.middleware import ReporterPrivacyMiddleware
from lianfang.complaints.models import Complaint
from lianfang.core.models import AuditEvent

from .test_encryption import database_text

IP = "203.0.113.77"
FORWARDED = "198.51.100.88"
AGENT = "SentinelAgent/9.9 (PrivacyProbe)"
HEADERS = {
    "REMOTE_ADDR": IP,
    "HTTP_X_FORWARDED_FOR": FORWARDED,
    "HTTP_X_REAL_IP": FORWARDED,
    "HTTP_USER_AGENT": AGENT,
    "HTTP_REFERER": f"https://{IP}/from",  # another site's page: dropped
}


def _seen_by_views(path):
    seen = {}

    def view(request):
        seen.update(request.META)
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().get(path, **HEADERS)
    ReporterPrivacyMiddleware(view)(request)
    return seen


def test_the_middleware_strips_address_agent_and_foreign_referer_on_the_reporter_pages():
    for path in ("/complaints/report/H1/", "/complaints/receipt/", "/complaints/receipt/case/"):
        meta = _seen_by_views(path)
        text = repr(meta)
        assert IP not in text and FORWARDED not in text and AGENT not in text
    # Elsewhere, nothing changes (login throttling needs the address).
    assert _seen_by_views("/accounts/login/")["REMOTE_ADDR"] == IP


def test_the_middleware_is_the_first_of_the_settings(settings):
    assert settings.MIDDLEWARE[0] == "lianfang.complaints.middleware.ReporterPrivacyMiddleware"


def test_no_address_nor_agent_reaches_database_audit_or_logs(client, office, caplog):
    caplog.set_level(logging.DEBUG)
    hospital = office.world.hospital
    url = reverse("complaints:report_new", args=[hospital.code])
    assert client.get(url, **HEADERS).status_code == 200
    response = client.post(
        url,
        {"category": "kickback", "anonymous": "1", "content": "门诊收红包"},
        **HEADERS,
    )
    assert response.status_code == 200
    code = response.context["code"]
    lookup = reverse("complaints:receipt_lookup")
    client.post(lookup, {"code": "22222-22222-22222-22222"}, **HEADERS)  # a wrong one
    client.post(lookup, {"code": code}, **HEADERS)
    case = client.post(reverse("complaints:receipt_case"), {"body": "补充情况"}, **HEADERS)
    assert case.status_code == 302
    client.get(reverse("complaints:report_new", args=["NO-SUCH-ORG"]), **HEADERS)  # a 404 log
    assert Complaint.objects.get().messages.count() == 1
    everything = database_text()
    audit = repr(list(AuditEvent.objects.values()))
    for secret in (IP, FORWARDED, AGENT, "SentinelAgent"):
        assert secret not in everything
        assert secret not in audit
        assert secret not in caplog.text
        for record in caplog.records:
            assert secret not in repr(getattr(record, "request", None) and record.request.META)


def test_the_log_filter_drops_addresses_from_records_about_reporter_pages():
    from lianfang.complaints.log_filters import ReporterPrivacyFilter

    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Bad: %s from %s",
        ("/complaints/receipt/", IP), None,
    )  # fmt: skip
    ReporterPrivacyFilter().filter(record)
    assert IP not in record.getMessage()
    other = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Bad: %s", (IP,), None
    )
    ReporterPrivacyFilter().filter(other)
    assert IP in other.getMessage()


def test_the_nginx_example_logs_nothing_of_the_reporter_pages_and_forwards_no_address():
    from pathlib import Path

    import lianfang

    conf = (Path(lianfang.__file__).parents[2] / "deploy" / "nginx-lianfang.conf").read_text()
    block = conf.split("location ~ ^/complaints/(report|receipt)/ {", 1)[1].split("}", 1)[0]
    assert "access_log off;" in block
    assert "error_log /dev/null crit;" in block
    assert 'proxy_set_header X-Forwarded-For "";' in block
    assert 'proxy_set_header User-Agent "";' in block
    from lianfang.complaints.middleware import PRIVATE_PREFIXES

    assert PRIVATE_PREFIXES == ("/complaints/report/", "/complaints/receipt/")
    gunicorn = (Path(lianfang.__file__).parents[2] / "deploy" / "gunicorn.conf.py").read_text()
    line = next(x for x in gunicorn.splitlines() if x.startswith("access_log_format"))
    assert "%(h)s" not in line and "%(a)s" not in line
