"""The review chain's messages and the daily reminders (overdue reviews, overdue rotations):
who is told, with which link, and that a reminder is not repeated."""

import datetime as dt

import pytest
from django.urls import reverse

from lianfang.core import notifications
from lianfang.core.models import Notification
from lianfang.risks import services
from lianfang.risks.models import RiskPoint
from tests.risks.test_filing import draft, prescribing  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def kinds_of(user):
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


def test_each_step_of_the_chain_tells_the_next_reviewer_then_the_author(world, prescribing):  # noqa: F811
    staff, head, office = (world.users[r] for r in ("staff", "dept_head", "integrity"))
    point = draft(world, prescribing, staff)
    services.risk_point_submit(actor=staff, risk_point=point)
    (waiting,) = Notification.objects.filter(recipient=head)
    assert waiting.kind == "review.waiting"
    assert waiting.subject == f"待您审核：{point.name}"
    assert waiting.link == reverse("risks:point_detail", args=[point.pk])
    assert waiting.object_id == point.pk
    assert waiting.organisation == world.hospital
    assert kinds_of(office) == [] and kinds_of(staff) == []  # not yet; never the submitter

    services.risk_point_approve(actor=head, risk_point=point, note="属实")
    assert kinds_of(office) == ["review.waiting"]
    assert kinds_of(head) == ["review.waiting"]  # nothing new for the one who acted

    services.risk_point_return(actor=office, risk_point=point, reason="措施不具体")
    (returned,) = Notification.objects.filter(recipient=staff)
    assert returned.kind == "review.returned"
    assert "措施不具体" in returned.body

    services.risk_point_submit(actor=staff, risk_point=point)
    services.risk_point_approve(actor=head, risk_point=point)
    services.risk_point_approve(actor=office, risk_point=point)
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.FILED
    assert kinds_of(staff) == ["review.returned", "review.approved"]
    assert kinds_of(head) == ["review.waiting", "review.waiting"]
    assert kinds_of(office) == ["review.waiting", "review.waiting"]


def test_overdue_reviews_remind_the_author_and_the_head_once(world, prescribing):  # noqa: F811
    staff, head, office = (world.users[r] for r in ("staff", "dept_head", "integrity"))
    point = draft(world, prescribing, staff)
    services.risk_point_submit(actor=staff, risk_point=point)
    services.risk_point_approve(actor=head, risk_point=point)
    services.risk_point_approve(actor=office, risk_point=point)
    Notification.objects.all().delete()
    due = dt.date(2026, 3, 1)
    RiskPoint.objects.filter(pk=point.pk).update(review_due=due)

    assert notifications.remind(due)["review_overdue"] == 0  # due today: not overdue yet
    sent = notifications.remind(due + dt.timedelta(days=1))
    assert sent["review_overdue"] == 2
    for user in (staff, head):
        (message,) = Notification.objects.filter(recipient=user, kind="risks.review_overdue")
        assert message.subject == f"复核逾期：{point.name}"
        assert message.link == reverse("risks:point_detail", args=[point.pk])
    assert kinds_of(office) == []
    # the next day's run does not repeat it; a new review date would be reminded again
    assert notifications.remind(due + dt.timedelta(days=2))["review_overdue"] == 0


def test_overdue_rotations_remind_the_organisations_administrators_once(world):
    admin = world.users["admin"]
    # 陈采购 has held 采购员 (3-year rotation) since 2015-03-01
    sent = notifications.remind(dt.date(2026, 3, 2))
    assert sent["rotation"] == 1
    (message,) = Notification.objects.filter(recipient=admin, kind="org.rotation_due")
    assert message.subject == "轮岗到期：陈采购（采购员）"
    assert "2018-03-01" in message.body
    assert message.link.startswith(reverse("org:rotation_list"))
    assert Notification.objects.filter(kind="org.rotation_due").count() == 1
    assert notifications.remind(dt.date(2026, 3, 3))["rotation"] == 0
