"""Commitments (廉政承诺) in Chromium: a physician generates this year's commitment from the
post's filed risk points, adds a personal line and submits it; the leader in charge returns
it once, then approves; the physician signs with the password and the hash shows; the office
sees the status and a post change makes the signed one stale. Screenshots at desktop width
and at 390 px go to screenshots/commitments-*.png; no page scrolls sideways on the phone."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from lianfang.org.models import LeaderDivision, Post, PostAssignment
from lianfang.risks.models import RiskPoint
from tests.factories import PASSWORD
from tests.risks.factories import make_measure, make_risk_point

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def as_user(page, live_server, user):
    page.context.clear_cookies()
    sign_in(page, live_server, user)


def test_generate_review_sign_and_go_stale(world, page, live_server):
    doctor_post = Post.objects.get(code="P-ZZYS")
    point = make_risk_point(
        post=doctor_post, name="收受医药代表回扣", status=RiskPoint.Status.FILED
    )
    make_measure(
        world.hospital, "处方点评每月一次，异常处方约谈", owner_department=world.cardiology,
        points=[point],
    )  # fmt: skip
    LeaderDivision.objects.create(
        leader=world.leader_person, department=world.cardiology, since=dt.date(2022, 1, 1)
    )
    staff, leader = world.users["staff"], world.users["leader"]
    page.set_default_timeout(30_000)  # the shared machine: the first page may load slowly

    as_user(page, live_server, staff)
    page.goto(f"{live_server.url}/commitments/")
    screenshot(page, "commitments-mine-empty")
    page.get_by_test_id("commitment-generate").click()
    expect(page.get_by_test_id("commitment-points")).to_contain_text("收受医药代表回扣")
    expect(page.get_by_test_id("commitment-points")).to_contain_text("处方点评每月一次")
    page.get_by_test_id("commitment-personal").fill("不参加医药代表组织的宴请")
    page.get_by_role("button", name="保存").first.click()
    page.get_by_test_id("commitment-submit").click()
    expect(page.get_by_test_id("commitment-state")).to_have_text("待审核")
    detail = page.url

    as_user(page, live_server, leader)
    page.goto(f"{live_server.url}/commitments/queue/")
    expect(page.get_by_test_id("commitment-queue-row")).to_have_count(1)
    screenshot(page, "commitments-queue")
    page.get_by_test_id("commitment-queue-row").get_by_role("link").click()
    page.fill("#reason", "补充承诺请写具体")
    page.get_by_test_id("commitment-return").click()
    expect(page.get_by_test_id("commitment-state")).to_have_text("已退回")

    as_user(page, live_server, staff)
    page.goto(detail)
    expect(page.get_by_test_id("commitment-return-reason")).to_contain_text("补充承诺请写具体")
    page.get_by_test_id("commitment-personal").fill("不参加医药代表组织的任何宴请和旅游")
    page.get_by_role("button", name="保存").first.click()
    page.get_by_test_id("commitment-submit").click()

    as_user(page, live_server, leader)
    page.goto(detail)
    page.get_by_test_id("commitment-approve").click()
    expect(page.get_by_test_id("commitment-state")).to_have_text("已审核待签署")

    as_user(page, live_server, staff)
    page.goto(detail)
    page.fill("#password", "wrong-password")
    page.get_by_test_id("commitment-sign").click()
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text("密码不正确")
    page.fill("#password", PASSWORD)
    page.get_by_test_id("commitment-sign").click()
    expect(page.get_by_test_id("commitment-state")).to_have_text("已签署")
    expect(page.get_by_test_id("commitment-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.get_by_test_id("commitment-archive")).to_contain_text(".pdf")
    screenshot(page, "commitments-signed")
    page.set_viewport_size(PHONE)
    page.reload()
    assert no_sideways_scroll(page)
    screenshot(page, "commitments-signed-phone")
    page.goto(f"{live_server.url}/commitments/")
    assert no_sideways_scroll(page)
    screenshot(page, "commitments-mine-phone")

    # the roster's post change: the signed commitment is stale on the office's overview
    new_post = Post.objects.create(
        organisation=world.hospital, department=world.cardiology, name="医疗组长", code="P-ZZ"
    )
    today = timezone.localdate()
    PostAssignment.objects.filter(person=world.staff_person, end__isnull=True).update(
        end=today - dt.timedelta(days=1)
    )
    PostAssignment.objects.create(person=world.staff_person, post=new_post, start=today)
    as_user(page, live_server, world.users["integrity"])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/commitments/overview/?status=stale")
    expect(page.get_by_test_id("due-row")).to_have_count(1)
    expect(page.get_by_test_id("due-row")).to_contain_text("岗位变动待重签")
    expect(page.get_by_test_id("count-stale")).to_have_text("1")
    screenshot(page, "commitments-overview")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/commitments/overview/")
    assert no_sideways_scroll(page)
    screenshot(page, "commitments-overview-phone")
