"""The demo leaves work in the first hospital's review chain: the department head and the
integrity office each have risk points waiting (待审), one came back after a return, and one
waits for its author to correct it; all through the filing services."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from lianfang.accounts.models import User
from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.demo.campaigns import RETURNED_POINT
from lianfang.demo.campaigns import RETURNS as CAMPAIGN_RETURNS
from lianfang.demo.generator import REFERENCE_DATE
from lianfang.demo.services import DEMO_PASSWORD
from lianfang.demo.submissions import DRAFTS, RETURN_REASONS
from lianfang.org.models import Organisation
from lianfang.reviews.models import Level, Submission
from lianfang.risks import selectors
from lianfang.risks.models import RiskPoint, RiskPointEvent

pytestmark = pytest.mark.django_db


def home_todo(client) -> dict[str, int]:
    """The to-do counts of the signed-in user's home page."""
    response = client.get("/")
    assert response.status_code == 200
    return {t.key: t.value for t in response.context["todo"]}


@pytest.fixture
def hospital():
    out = StringIO()
    call_command("demo", "--seed", "7", stdout=out)
    assert "审核流程" in out.getvalue()
    return Organisation.objects.get(name="示例市人民医院")


def test_reviewers_have_work_waiting_some_after_a_return(hospital, client, settings):
    staff, head, office = (
        User.objects.get(username=name) for name in ("staff", "dept_head", "integrity")
    )
    for_head = selectors.submissions_pending(head)
    for_office = selectors.submissions_pending(office)
    assert for_head.count() >= 2 and for_office.count() >= 1
    assert {s.level for s in for_head} == {Level.DEPARTMENT_HEAD}
    assert {s.level for s in for_office} == {Level.INTEGRITY_OFFICE}
    # the physician's drafts, submitted by the physician; the head's own go past their level
    # (besides the point of this year's campaign, demo/campaigns.py, tested there)
    mine = RiskPoint.objects.filter(organisation=hospital, author=staff).exclude(
        name=RETURNED_POINT
    )
    assert sorted(mine.values_list("name", flat=True)) == sorted(d.name for d in DRAFTS)
    assert set(mine.values_list("status", flat=True)) == {RiskPoint.Status.DRAFT}
    by_name = {p.name: p for p in mine}
    approved = Submission.objects.open().of(by_name[DRAFTS[0].name]).get()
    assert approved.level == Level.INTEGRITY_OFFICE and approved.submitter == staff
    head_submitted = Submission.objects.open().filter(organisation=hospital, submitter=head)
    assert head_submitted.exists()
    assert all(s.level == Level.INTEGRITY_OFFICE for s in head_submitted)

    # returned once, corrected and submitted again: waiting, with its return behind it
    again = by_name[DRAFTS[1].name]
    assert again.return_count == 1 and again.manifestation == DRAFTS[1].corrected
    assert Submission.objects.open().of(again).get().level == Level.DEPARTMENT_HEAD
    types = list(
        RiskPointEvent.objects.filter(risk_point=again).order_by("at").values_list("type", "at")
    )
    assert [t for t, _at in types][-4:] == [
        RiskPointEvent.Type.SUBMITTED,
        RiskPointEvent.Type.RETURNED,
        RiskPointEvent.Type.UPDATED,
        RiskPointEvent.Type.SUBMITTED,
    ]
    assert all(at.date() < REFERENCE_DATE for _t, at in types)  # dated in the story
    # returned and not yet corrected: the physician's to act on
    left = by_name[DRAFTS[3].name]
    assert left.return_count == 1 and not Submission.objects.open().of(left).exists()
    assert selectors.returned_to(staff).filter(object_id=left.pk).exists()
    returned = RiskPointEvent.objects.get(risk_point=left, type=RiskPointEvent.Type.RETURNED)
    assert (returned.reason, returned.actor) == (RETURN_REASONS[left.name], head)

    # the acts are the demo users', on the audit chain
    actions = Counter(
        AuditEvent.objects.filter(action__startswith="risk_point.").values_list("action", "actor")
    )
    # four drafts, one twice; and the campaign's point (demo/campaigns.py): sent once and
    # again after each of its returns, then approved by the head
    campaign = len(CAMPAIGN_RETURNS)
    assert actions[("risk_point.submit", staff.pk)] == 5 + 1 + campaign
    assert actions[("risk_point.return", head.pk)] == 2 + campaign
    assert actions[("risk_point.approve", head.pk)] == 1 + 1
    assert audit.verify().ok

    # the pages the reviewers open first show it
    settings.REQUIRE_OTP = False
    assert client.login(request=HttpRequest(), username="dept_head", password=DEMO_PASSWORD)
    response = client.get("/risks/reviews/")
    assert response.status_code == 200
    assert DRAFTS[1].name in response.content.decode()
    assert home_todo(client)["to_review"] >= 2
    client.logout()
    assert client.login(request=HttpRequest(), username="integrity", password=DEMO_PASSWORD)
    assert DRAFTS[0].name in client.get("/risks/reviews/").content.decode()
    assert home_todo(client)["to_review"] >= 1
    client.logout()
    assert client.login(request=HttpRequest(), username="staff", password=DEMO_PASSWORD)
    # (and the campaign's point, waiting for the integrity office)
    assert home_todo(client) == {"returned": 1, "waiting": 3 + 1}

    # the load's own summary counts the physician's drafts and what waits
    load = AuditEvent.objects.get(action="demo.load", object_id=str(hospital.pk))
    assert load.after["risk_points"] == RiskPoint.objects.filter(organisation=hospital).count()
    assert load.after["risk_point_events"] == (
        RiskPointEvent.objects.filter(risk_point__organisation=hospital).count()
    )
    assert load.after["submissions_waiting"] == (
        Submission.objects.open().filter(organisation=hospital).count()
    )
