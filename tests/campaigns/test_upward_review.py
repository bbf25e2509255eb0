"""The upward review (干部职工给领导查, campaigns/upward_services.py): a leader's filing that
reaches the integrity office in an open campaign waits a window of working days for the
comments of the staff of the departments the leader is in charge of; anonymous comments hide
their author from the leader, never from the office; the office approves only after the
window; anyone else gets 404 and writes nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lianfang.campaigns.models import UpwardComment, UpwardReview
from lianfang.core import workdays
from lianfang.core.models import AuditEvent, Notification
from lianfang.core.roles import Role
from lianfang.risks import services as risk_services
from lianfang.risks.models import RiskPoint
from tests.campaigns.helpers import make_campaign, post_point
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LEADER_POINT = "分管采购时干预供应商遴选"


@pytest.fixture
def buyer(world):
    """陈采购, staff of 采购中心 (a department 王副院长 is in charge of), with an account."""
    return make_user("buyer", (Role.STAFF, world.hospital), person=world.procurement_person)


def leader_files(world, **campaign):
    """An open campaign (no bottom-up wait) and 王副院长's filing of his own post, submitted:
    no department, so it goes straight to the integrity office."""
    make_campaign(world, leaders_after_departments=False, **campaign)
    point = post_point(world, world.users["leader"], post="P-FYZ", name=LEADER_POINT)
    risk_services.risk_point_submit(actor=world.users["leader"], risk_point=point)
    return RiskPoint.objects.get(pk=point.pk)


def close_window(review):
    """The window ended an hour ago (dated data instead of waiting)."""
    now = timezone.now()
    UpwardReview.objects.filter(pk=review.pk).update(
        opens_at=now - dt.timedelta(days=10), closes_at=now - dt.timedelta(hours=1)
    )


def test_the_window_opens_when_a_leaders_filing_reaches_the_office(world, buyer):
    point = leader_files(world)
    review = UpwardReview.objects.get(risk_point=point)
    assert review.leader == world.leader_person
    assert set(review.departments.all()) == {world.procurement, world.finance}
    # five working days of the core calendar, to the end of the fifth
    assert review.closes_at == workdays.due_at(review.opens_at, 5, world.hospital)
    assert review.submission.level == "integrity_office"
    # the staff of 采购中心 are told, with a link to the page; not the leader, not 心内科
    told = Notification.objects.filter(kind="campaigns.upward_open")
    assert set(told.values_list("recipient__username", flat=True)) == {"buyer"}
    message = told.get()
    assert "王副院长" in message.subject and message.link == reverse(
        "campaigns:upward_detail", args=[review.pk]
    )
    assert review.notified == 1
    assert AuditEvent.objects.filter(action="campaign.upward_open").count() == 1


def test_a_staff_filing_opens_no_window(world, buyer):
    make_campaign(world, leaders_after_departments=False)
    point = post_point(world, world.users["staff"])
    risk_services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    risk_services.risk_point_approve(actor=world.users["dept_head"], risk_point=point)
    assert not UpwardReview.objects.exists()
    risk_services.risk_point_approve(actor=world.users["integrity"], risk_point=point)
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.FILED


def test_the_office_cannot_approve_before_the_window_closes(world, buyer):
    point = leader_files(world)
    review = UpwardReview.objects.get(risk_point=point)
    for approve in (
        lambda: risk_services.risk_point_approve(actor=world.users["integrity"], risk_point=point),
        lambda: risk_services.risk_point_file_directly(
            actor=world.users["integrity"], risk_point=point, reason="年底前需完成"
        ),
    ):
        with pytest.raises(ValidationError) as caught:
            approve()
        assert "征求期至" in caught.value.messages[0]
        assert "截止后方可审核通过" in caught.value.messages[0]
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.DRAFT
    review.submission.refresh_from_db()
    assert review.submission.state == "open"
    # the office may still return it; after the window it approves
    close_window(review)
    risk_services.risk_point_approve(actor=world.users["integrity"], risk_point=point)
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.FILED


def test_the_page_refuses_early_approval_with_the_message(world, buyer, login):
    point = leader_files(world)
    client = login(world.users["integrity"])
    response = client.post(reverse("risks:point_approve", args=[point.pk]), follow=True)
    assert "截止后方可审核通过" in response.content.decode()
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.DRAFT


def test_anonymous_comments_are_hidden_from_the_leader_not_from_the_office(world, buyer, login):
    point = leader_files(world)
    review = UpwardReview.objects.get(risk_point=point)
    client = login(buyer)
    page = client.get(reverse("campaigns:upward_detail", args=[review.pk]))
    assert page.status_code == 200 and "upward-form" in page.content.decode()
    response = client.post(
        reverse("campaigns:upward_comment", args=[review.pk]),
        {"text": "去年遴选供应商时曾打招呼，建议补充回避措施", "anonymous": "on"},
    )
    assert response.status_code == 302
    comment = UpwardComment.objects.get()
    assert comment.anonymous and comment.author == buyer and comment.author_name == "陈采购"
    assert comment.department == world.procurement
    event = AuditEvent.objects.get(action="campaign.upward_comment")
    assert event.actor_id == buyer.pk and event.after["anonymous"] is True

    for url in (
        reverse("campaigns:upward_detail", args=[review.pk]),
        reverse("risks:point_detail", args=[point.pk]),
    ):
        leader_page = login(world.users["leader"]).get(url).content.decode()
        assert "建议补充回避措施" in leader_page and "匿名职工" in leader_page
        assert "陈采购" not in leader_page
        office_page = login(world.users["integrity"]).get(url).content.decode()
        assert "建议补充回避措施" in office_page and "陈采购" in office_page
        assert "匿名职工" not in office_page
    # the audit log, which names the author, is the office's (and the audit reviewer's) only
    assert login(world.users["leader"]).get(reverse("core:audit_list")).status_code == 403


def test_out_of_scope_people_get_404_and_write_nothing(world, buyer, login):
    point = leader_files(world)
    review = UpwardReview.objects.get(risk_point=point)
    detail = reverse("campaigns:upward_detail", args=[review.pk])
    comment = reverse("campaigns:upward_comment", args=[review.pk])
    # 张医生 (心内科, not in charge), another hospital's staff
    for user in (world.users["staff"], world.users["outsider"], world.users["dept_head"]):
        client = login(user)
        assert client.get(detail).status_code == 404
        assert client.post(comment, {"text": "越权意见"}).status_code == 404
        listed = client.get(reverse("campaigns:upward_list")).content.decode()
        assert LEADER_POINT not in listed
    # the leader reads but cannot comment on his own filing
    assert login(world.users["leader"]).post(comment, {"text": "自评"}).status_code == 404
    assert not UpwardComment.objects.exists()
    assert not AuditEvent.objects.filter(action="campaign.upward_comment").exists()
    # the staff asked see it in their list
    assert LEADER_POINT in login(buyer).get(reverse("campaigns:upward_list")).content.decode()


def test_after_the_window_no_comment_is_taken(world, buyer, login):
    point = leader_files(world)
    review = UpwardReview.objects.get(risk_point=point)
    close_window(review)
    client = login(buyer)
    page = client.get(reverse("campaigns:upward_detail", args=[review.pk])).content.decode()
    assert "upward-form" not in page and "征求意见已截止" in page
    response = client.post(
        reverse("campaigns:upward_comment", args=[review.pk]), {"text": "迟到的意见"}, follow=True
    )
    assert "征求意见已于" in response.content.decode()
    assert not UpwardComment.objects.exists()


def test_an_empty_comment_is_refused_in_chinese(world, buyer, login):
    point = leader_files(world)
    review = UpwardReview.objects.get(risk_point=point)
    response = login(buyer).post(
        reverse("campaigns:upward_comment", args=[review.pk]), {"text": "   "}
    )
    assert response.status_code == 200
    assert "请填写意见。" in response.content.decode()
    assert not UpwardComment.objects.exists()


def test_a_window_of_zero_days_is_off(world, buyer):
    point = leader_files(world, upward_review_days=0)
    assert not UpwardReview.objects.exists()
    assert not Notification.objects.filter(kind="campaigns.upward_open").exists()
    risk_services.risk_point_approve(actor=world.users["integrity"], risk_point=point)
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.FILED


def test_the_window_setting_is_checked(world):
    with pytest.raises(ValidationError) as caught:
        make_campaign(world, open_=False, upward_review_days=31)
    assert "职工意见征求期请填写 0 至 30 个工作日" in caught.value.messages[0]


def test_a_leaders_change_request_and_each_resubmission_open_their_own_window(world, buyer):
    point = leader_files(world)
    first = UpwardReview.objects.get(risk_point=point)
    # returned during the window, sent again: a new window for the new submission
    risk_services.risk_point_return(
        actor=world.users["integrity"], risk_point=point, reason="请写明回避措施"
    )
    risk_services.risk_point_submit(
        actor=world.users["leader"], risk_point=RiskPoint.objects.get(pk=point.pk)
    )
    second = UpwardReview.objects.exclude(pk=first.pk).get(risk_point=point)
    assert second.submission_id != first.submission_id
    close_window(second)
    risk_services.risk_point_approve(actor=world.users["integrity"], risk_point=point)
    # a change to the filed point goes the same way
    risk_services.risk_point_request_change(
        actor=world.users["leader"],
        risk_point=RiskPoint.objects.get(pk=point.pk),
        data={"manifestation": "分管采购时为熟人供应商打招呼，干预遴选结果，违反回避规定"},
        reason="补充表现形式",
    )
    assert UpwardReview.objects.filter(risk_point=point).count() == 3
    with pytest.raises(ValidationError):
        risk_services.risk_point_approve(
            actor=world.users["integrity"], risk_point=RiskPoint.objects.get(pk=point.pk)
        )
    assert Notification.objects.filter(kind="campaigns.upward_open").count() == 3


def test_my_tasks_page_points_the_staff_asked_to_the_open_filings(world, buyer, login):
    leader_files(world)
    page = login(buyer).get(reverse("campaigns:mine")).content.decode()
    assert 'data-testid="upward-asked"' in page and "有 1 项领导风险点正在征求您的意见" in page
    assert reverse("campaigns:upward_list") in page
    # not the staff of a department the leader is not in charge of, nor once the window closed
    other = login(world.users["staff"]).get(reverse("campaigns:mine")).content.decode()
    assert 'data-testid="upward-asked"' not in other
    close_window(UpwardReview.objects.get())
    page = login(buyer).get(reverse("campaigns:mine")).content.decode()
    assert 'data-testid="upward-asked"' not in page
