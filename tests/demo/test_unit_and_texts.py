"""The demo's small second unit has its commitments under way (a handful never generated,
not a hundred overdue warnings), and named reporters who asked for texts get them (issue 13)."""

import pytest
from django.test import Client
from django.urls import reverse

from lianfang.accounts.models import User
from lianfang.commitments.models import Commitment
from lianfang.complaints.models import Complaint, ReporterSms
from lianfang.core.models import Warning
from lianfang.org.models import Organisation, Person

pytestmark = pytest.mark.django_db


def test_the_small_unit_has_its_commitments_under_way_leaving_a_handful(demo_once):
    small = Organisation.objects.get(code="SL-FY01")
    overdue = Warning.objects.filter(
        organisation=small, source="commitments", rule="commitment_due"
    ).count()
    assert 0 < overdue < 10  # the few whose commitment was never generated
    personal = Commitment.objects.personal().filter(organisation=small)
    people = Person.objects.active().filter(organisation=small).count()
    assert people - 10 < personal.count() < people  # all but the few never generated
    assert personal.filter(state=Commitment.State.SIGNED).count() >= 10
    assert personal.filter(state=Commitment.State.SUBMITTED).exists()  # waiting for the office
    departmental = Commitment.objects.departmental().filter(organisation=small)
    assert departmental.exists()
    assert not departmental.exclude(state=Commitment.State.SIGNED).exists()
    # signed through the chain: the office approved, the signer's own account signed
    one = personal.filter(state=Commitment.State.SIGNED).select_related("person").first()
    assert one.signed_by_id == one.person.user_id and one.content_hash
    assert one.reviewer.username == "fy_integrity"
    # every account's password is the platform's to hash once its holder signs in
    assert not User.objects.filter(person__organisation=small, must_change_password=False)


def test_named_reporters_who_opted_in_get_texts_and_no_anonymous_one(demo_once):
    hospital = Organisation.objects.get(code="SL-H01")
    opted = Complaint.objects.filter(organisation=hospital, sms_opt_in=True)
    assert opted.exists()
    assert not opted.filter(anonymous=True).exists()
    assert not Complaint.objects.filter(anonymous=True, sms_opt_in=True).exists()
    texts = ReporterSms.objects.filter(complaint__organisation=hospital)
    assert texts.exists()
    assert not texts.filter(complaint__anonymous=True).exists()
    assert not texts.filter(complaint__sms_opt_in=False).exists()
    assert set(texts.values_list("status", flat=True)) == {ReporterSms.Status.SENT}
    for complaint in opted:
        assert complaint.reporter_phone.startswith("1380000")  # fictional numbers
    # the handler's page says the reporter asked for texts, and which did not
    complaint = opted.first()
    client = Client()
    client.force_login(User.objects.get(username="integrity"))
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "举报人已选择在状态变化时接收短信通知" in page
    named = Complaint.objects.filter(organisation=hospital, anonymous=False, sms_opt_in=False)
    page = client.get(reverse("complaints:detail", args=[named.first().pk])).content.decode()
    assert "举报人未选择短信通知" in page
