"""The upward review (干部职工给领导查) end to end in Chromium: 王副院长's filing reaches the
integrity office in an open campaign; 陈采购, staff of 采购中心 which he is in charge of, finds
it on 领导风险点征求意见 and comments anonymously; the leader reads the comment as 匿名职工;
the office reads the author's name, is refused approval while the window runs, and approves
once it has closed (the window's dates moved into the past: no waiting). Pages at desktop and
phone width (390 px, no sideways scroll). Screenshots: screenshots/upward-*.png."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from lianfang.campaigns.models import UpwardComment, UpwardReview
from lianfang.core.roles import Role
from lianfang.risks import services as risk_services
from lianfang.risks.models import RiskPoint
from tests.campaigns.helpers import make_campaign, post_point
from tests.factories import make_user

pytestmark = pytest.mark.e2e

NAME = "分管采购时干预供应商遴选"
COMMENT = "去年遴选供应商时曾为熟人打招呼，建议把回避写进防控措施"


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_staff_comment_anonymously_and_the_office_approves_after_the_window(
    world, new_page, live_server
):
    buyer = make_user("buyer", (Role.STAFF, world.hospital), person=world.procurement_person)
    make_campaign(world, leaders_after_departments=False)
    point = post_point(world, world.users["leader"], post="P-FYZ", name=NAME)
    risk_services.risk_point_submit(actor=world.users["leader"], risk_point=point)
    review = UpwardReview.objects.get(risk_point=point)

    # 1. 陈采购 finds the leader's filing on 领导风险点征求意见 and comments anonymously.
    staff = new_page()
    sign_in(staff, live_server, buyer)
    staff.goto("/campaigns/upward/")
    expect(staff.locator("h1")).to_have_text("领导风险点征求意见")
    row = staff.locator("[data-testid=upward-row]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("王副院长")
    expect(row).to_contain_text("征求中")
    screenshot(staff, "upward-list")
    row.get_by_role("link", name=NAME).click()
    expect(staff.locator("[data-testid=upward-leader]")).to_contain_text("王副院长")
    staff.fill("#id_text", COMMENT)
    staff.check("#id_anonymous")
    staff.click("[data-testid=upward-submit]")
    expect(staff.locator(".alert-success")).to_contain_text("意见已提交")
    expect(staff.locator("[data-testid=upward-comment]")).to_contain_text(COMMENT)
    screenshot(staff, "upward-comment")
    assert UpwardComment.objects.get().anonymous

    # ... and at phone width, without sideways scroll.
    phone = new_page(PHONE)
    sign_in(phone, live_server, buyer)
    for path in ("/campaigns/upward/", f"/campaigns/upward/{review.pk}/"):
        phone.goto(path)
        expect(phone.locator("h1")).to_be_visible()
        assert no_sideways_scroll(phone), path
    screenshot(phone, "upward-comment-phone")

    # 2. The leader reads the comment on his point's page, its author hidden.
    leader = new_page()
    sign_in(leader, live_server, world.users["leader"])
    leader.goto(f"/risks/points/{point.pk}/")
    panel = leader.locator("[data-testid=upward-panel]")
    expect(panel).to_contain_text(COMMENT)
    expect(panel.locator("[data-testid=upward-comment-author]")).to_have_text("匿名职工")
    expect(leader.locator("body")).not_to_contain_text("陈采购")
    screenshot(leader, "upward-leader")

    # 3. The office reads the name, is refused approval while the window runs ...
    office = new_page()
    sign_in(office, live_server, world.users["integrity"])
    office.goto(f"/risks/points/{point.pk}/")
    panel = office.locator("[data-testid=upward-panel]")
    expect(panel.locator("[data-testid=upward-comment-author]")).to_have_text("陈采购")
    expect(panel.locator("[data-testid=upward-anonymous]")).to_have_text("对领导匿名")
    office.click("[data-testid=approve-button]")
    expect(office.locator(".alert-danger")).to_contain_text("截止后方可审核通过")
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.DRAFT
    screenshot(office, "upward-office")

    # ... and approves once the window has closed.
    now = timezone.now()
    UpwardReview.objects.filter(pk=review.pk).update(
        opens_at=now - dt.timedelta(days=8), closes_at=now - dt.timedelta(hours=1)
    )
    office.goto(f"/risks/points/{point.pk}/")
    expect(office.locator("[data-testid=upward-panel]")).to_contain_text("已截止")
    office.click("[data-testid=approve-button]")
    expect(office.locator(".alert-success")).to_contain_text("已办结")
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.FILED

    # the office's page at phone width
    office_phone = new_page(PHONE)
    sign_in(office_phone, live_server, world.users["integrity"])
    office_phone.goto(f"/campaigns/upward/{review.pk}/")
    expect(office_phone.locator("[data-testid=upward-comment-author]")).to_have_text("陈采购")
    assert no_sideways_scroll(office_phone)
    screenshot(office_phone, "upward-office-phone")
