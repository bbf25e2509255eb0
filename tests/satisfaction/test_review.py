"""The integrity office's review of flagged answers (存疑评价核查): cleared, an answer counts
with its weight; confirmed, it stays out; a reason each time, audited, the office's only."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.core.models import AuditEvent
from lianfang.satisfaction import selectors, services
from lianfang.satisfaction.models import Answer, Review

from .helpers import at, questionnaire, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def burst(world):
    """Ten honest answers spread over a day, and a burst of sixteen fives in eight minutes."""
    q = questionnaire(world.hospital)
    honest = rows(
        world.cardiology, q, 10, value=3, start=at(dt.date(2026, 10, 5), hour=8),
        step=dt.timedelta(minutes=50),
    )  # fmt: skip
    stuffed = rows(
        world.cardiology, q, 16, value=5, comment="非常好", step=dt.timedelta(seconds=30)
    )
    services.answers_write(actor=None, rows=honest + stuffed)
    flagged = list(Answer.objects.filter(flagged=True).order_by("pk"))
    assert len(flagged) == 16
    return flagged


def total(world):
    return selectors.department_total(department=world.cardiology, since=at(dt.date(2026, 1, 1)))


def test_a_cleared_answer_counts_with_its_weight_and_a_confirmed_one_does_not(world, burst):
    before = total(world)
    assert before.count == 10 and before.flagged == 16
    integrity = world.users["integrity"]
    n = services.answers_review(
        actor=integrity, answers=burst[:3], decision=Review.CLEARED, reason="经核实为义诊活动"
    )
    assert n == 3
    after = total(world)
    assert after.count == 13 and after.flagged == 13
    assert after.mean > before.mean  # three fives now count
    # a poster answer weighs the poster weight (30%), not 1
    assert after.weight == pytest.approx(before.weight + 3 * 0.3)
    services.answers_review(
        actor=integrity, answers=burst[3:], decision=Review.CONFIRMED, reason="同一设备集中提交"
    )
    assert total(world).count == 13
    cleared = Answer.objects.get(pk=burst[0].pk)
    assert (cleared.review, cleared.flagged, cleared.burst) == (Review.CLEARED, False, True)
    assert cleared.reviewed_by == integrity and cleared.review_reason == "经核实为义诊活动"
    events = AuditEvent.objects.filter(action__startswith="satisfaction.answer.c")
    assert events.filter(action="satisfaction.answer.clear").count() == 3
    confirm = events.filter(action="satisfaction.answer.confirm").first()
    assert confirm.after["reason"] == "同一设备集中提交" and confirm.before["review"] == ""


def test_a_cleared_answer_is_not_flagged_again_by_later_answers(world, burst):
    services.answers_review(
        actor=world.users["integrity"], answers=burst, decision=Review.CLEARED, reason="已核实"
    )
    q = questionnaire(world.hospital)
    more = rows(
        world.cardiology, q, 3, value=5, comment="非常好", start=at(minute=9),
        step=dt.timedelta(seconds=20),
    )  # fmt: skip
    services.answers_write(actor=None, rows=more)
    assert not Answer.objects.filter(pk__in=[a.pk for a in burst], flagged=True).exists()
    assert Answer.objects.filter(flagged=True).count() == 3


def test_a_reason_and_a_decision_are_required_and_only_flagged_answers_are_reviewed(world, burst):
    integrity = world.users["integrity"]
    with pytest.raises(ValidationError):
        services.answers_review(actor=integrity, answers=burst, decision="cleared", reason=" ")
    with pytest.raises(ValidationError):
        services.answers_review(actor=integrity, answers=burst, decision="drop", reason="x")
    honest = Answer.objects.filter(flagged=False).first()
    with pytest.raises(ValidationError):
        services.answers_review(actor=integrity, answers=[honest], decision="cleared", reason="x")
    assert not Answer.objects.exclude(review="").exists()


@pytest.mark.parametrize("key", ["commission_integrity", "admin", "leader", "dept_head"])
def test_only_the_hospitals_own_office_reviews(world, burst, key):
    with pytest.raises(PermissionDenied):
        services.answers_review(
            actor=world.users[key], answers=burst, decision="cleared", reason="x"
        )
    assert not Answer.objects.exclude(review="").exists()


def test_the_page_lists_waiting_answers_and_reviews_the_ticked_ones(world, burst, login):
    client = login(world.users["integrity"])
    page = client.get(reverse("satisfaction:flagged")).content.decode()
    assert page.count('data-testid="sat-flagged-row"') == 16
    assert 'data-testid="sat-review-form"' in page
    response = client.post(
        reverse("satisfaction:flagged_review"),
        {
            "answer": [burst[0].pk, burst[1].pk],
            "decision": "cleared",
            "reason": "经核实为真实评价",
            "next": reverse("satisfaction:flagged"),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("satisfaction:flagged")).content.decode()
    assert page.count('data-testid="sat-flagged-row"') == 14
    cleared = client.get(reverse("satisfaction:flagged") + "?review=cleared").content.decode()
    assert cleared.count('data-testid="sat-flagged-row"') == 2 and "经核实为真实评价" in cleared
    # no reason: refused with a message, nothing written
    page = client.post(
        reverse("satisfaction:flagged_review"),
        {"answer": [burst[2].pk], "decision": "confirmed", "reason": ""},
        follow=True,
    ).content.decode()
    assert "请填写核查说明" in page
    assert Answer.objects.get(pk=burst[2].pk).review == ""


def test_the_commission_reads_the_list_but_cannot_review(world, burst, login):
    client = login(world.users["commission_integrity"])
    page = client.get(reverse("satisfaction:flagged")).content.decode()
    assert page.count('data-testid="sat-flagged-row"') == 16
    assert 'data-testid="sat-review-form"' not in page
    response = client.post(
        reverse("satisfaction:flagged_review"),
        {"answer": [burst[0].pk], "decision": "cleared", "reason": "x"},
    )
    assert response.status_code == 403
    assert Answer.objects.get(pk=burst[0].pk).review == ""


def test_an_answer_of_another_organisation_is_not_found(world, burst, login):
    other = login(world.users["outsider"])
    assert other.get(reverse("satisfaction:flagged")).status_code == 403
    response = login(world.users["integrity"]).post(
        reverse("satisfaction:flagged_review"),
        {"answer": [burst[0].pk, 999999], "decision": "cleared", "reason": "x"},
    )
    assert response.status_code == 404
