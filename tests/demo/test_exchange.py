"""The commission's reports in the demo: a small second unit (示例市妇幼保健院) beside the first
hospital, and the two hospitals' reports, one submitted on the server, one imported from its
exchange file."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from lianfang.accounts.models import User
from lianfang.campaigns.models import Campaign
from lianfang.exchange.models import Report
from lianfang.org.models import Department, Organisation, Person
from lianfang.risks.models import RiskPoint

pytestmark = pytest.mark.django_db


def test_the_commission_has_reports_from_two_hospitals(client):
    out = StringIO()
    call_command("demo", "--seed", "7", stdout=out)
    assert "fy_integrity" in out.getvalue()
    small = Organisation.objects.get(code="SL-FY01")
    assert small.parent.code == "SL-WJW"
    assert 5 <= Department.objects.filter(organisation=small).count() <= 8
    assert 90 <= Person.objects.filter(organisation=small).count() <= 110
    assert RiskPoint.objects.filter(organisation=small, status=RiskPoint.Status.FILED).exists()
    closed = Campaign.objects.get(organisation=small)
    assert closed.state == Campaign.State.CLOSED
    assert closed.summary["points"] > 0 and closed.summary["not_reconfirmed"] == 0

    submitted = Report.objects.get(organisation__code="SL-H01")
    imported = Report.objects.get(organisation=small)
    assert submitted.method == Report.Method.SUBMITTED and submitted.campaign is not None
    assert imported.method == Report.Method.IMPORTED and imported.key_fingerprint
    assert imported.figures["campaign_state"] == "closed"

    client.force_login(User.objects.get(username="wjw"))
    page = client.get(reverse("exchange:received")).content.decode()
    assert "示例市人民医院" in page and "示例市妇幼保健院" in page
    assert "2 / 2 个单位已上报" in page
