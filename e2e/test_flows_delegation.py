"""Delegation (代理) and 中止计时 in a real browser: a head of department sets a delegation for
their leave on a phone, picking the delegate with the person picker, and ends it; the
integrity office lists it at 1280 px; a handler stops and restarts a task's clock."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from lianfang.flows import services
from lianfang.flows.delegations import Delegation
from tests.flows.uikit import procurement

from .conftest import PHONE, screenshot, sign_in

pytestmark = pytest.mark.e2e


def no_horizontal_scroll(page):
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_head_delegates_on_a_phone_and_the_office_lists_it(world, new_page, live_server):
    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users["dept_head"])
    phone.goto("/flows/delegations/")
    phone.get_by_test_id("delegation-new").click()
    # the picker searches the colleagues of their organisation (names and departments)
    picker = phone.locator(".ts-wrapper").first
    picker.locator("input").press_sequentially("张")
    option = phone.locator(".ts-dropdown .option", has_text="张医生")
    option.wait_for()
    option.click()
    phone.keyboard.press("Escape")
    today = dt.date.today()
    phone.fill("[name=start]", today.isoformat())
    phone.fill("[name=end]", (today + dt.timedelta(days=4)).isoformat())
    phone.fill("[name=reason]", "年休假")
    no_horizontal_scroll(phone)
    screenshot(phone, "flows-delegation-new-phone")
    phone.get_by_test_id("delegation-submit").click()
    expect(phone.locator(".alert-success").first).to_contain_text("已设置代理")
    row = phone.get_by_test_id("delegation-row").filter(has_text="年休假")
    expect(row).to_contain_text("生效中")
    no_horizontal_scroll(phone)
    screenshot(phone, "flows-delegation-list-phone")
    delegation = Delegation.objects.get()
    assert delegation.delegate == world.users["staff"]

    desk = new_page()
    sign_in(desk, live_server, world.users["integrity"])
    desk.goto("/flows/delegations/")
    expect(desk.get_by_test_id("delegation-row").filter(has_text="年休假")).to_have_count(1)
    screenshot(desk, "flows-delegation-office")

    row.get_by_test_id("delegation-end-toggle").click()
    row.locator("[name=reason]").fill("提前返岗")
    row.get_by_test_id("delegation-end-submit").click()
    expect(phone.locator(".alert-success").first).to_contain_text("代理已结束")
    expect(phone.get_by_test_id("delegation-row").first).to_contain_text("已提前结束")
    delegation.refresh_from_db()
    assert delegation.ended_at is not None


def test_the_handler_stops_and_restarts_the_clock_on_a_phone(world, new_page, live_server):
    version = procurement(world)
    instance = services.instance_start(
        actor=world.users["staff"],
        version=version,
        data={"item": "输液泵", "amount": "8000", "method": "询价", "reason": "更新"},
    )
    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users["dept_head"])
    phone.goto(f"/flows/instances/{instance.pk}/")
    phone.get_by_test_id("action-suspend").check()
    phone.fill("[name=reason]", "等待供应商补充报价")
    phone.get_by_test_id("act-submit").click()
    expect(phone.locator(".alert-success").first).to_contain_text("已中止计时")
    expect(phone.get_by_test_id("clock-suspended")).to_be_visible()
    expect(phone.get_by_test_id("timeline")).to_contain_text("等待供应商补充报价")
    no_horizontal_scroll(phone)
    screenshot(phone, "flows-clock-suspended-phone")
    phone.get_by_test_id("action-resume").check()
    phone.get_by_test_id("act-submit").click()
    expect(phone.locator(".alert-success").first).to_contain_text("已恢复计时")
    expect(phone.get_by_test_id("timeline")).to_contain_text("恢复计时")
