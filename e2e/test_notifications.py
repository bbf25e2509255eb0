"""Notifications end to end in Chromium: a filing submitted by a staff member reaches the
department head's inbox; the bell in the top bar shows the unread count; the head opens the
inbox (desktop and 390 px phone width, no sideways scroll), follows the link to the risk point,
and the count is gone. Screenshots go to screenshots/notify-*.png."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from tests.risks.factories import make_power
from tests.risks.test_filing import draft

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_a_submitted_filing_reaches_the_heads_inbox(world, new_page, live_server):
    prescribing = make_power(
        world.hospital, "处方开具", "QL-CF", department=world.cardiology, steps=["开具处方"]
    )
    point = draft(world, prescribing, world.users["staff"])
    staff, head = new_page(), new_page()
    sign_in(staff, live_server, world.users["staff"])
    sign_in(head, live_server, world.users["dept_head"])

    head.goto("/")
    expect(head.locator("[data-testid=inbox-badge]")).to_have_count(0)

    staff.goto(f"/risks/points/{point.pk}/")
    staff.click("[data-testid=file-button]")
    expect(staff.locator(".alert-success")).to_contain_text("已提交备案审核")

    head.goto("/")
    expect(head.locator("[data-testid=inbox-badge]")).to_have_text("1")
    screenshot(head, "notify-1-badge", full_page=False)
    head.click("[data-testid=inbox-bell]")
    row = head.locator("[data-testid=inbox-row]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"待您审核：{point.name}")
    screenshot(head, "notify-2-inbox")
    head.click("[data-testid=inbox-link]")
    expect(head.locator("h1")).to_contain_text(point.name)
    expect(head.locator("[data-testid=inbox-badge]")).to_have_count(0)

    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users["dept_head"])
    phone.goto("/notifications/")
    expect(phone.locator("[data-testid=inbox-row]")).to_have_count(1)
    assert no_sideways_scroll(phone)
    screenshot(phone, "notify-3-inbox-phone")
    phone.goto("/notifications/settings/")
    expect(phone.locator("[data-testid=notification-settings]")).to_contain_text("有事项待我审核")
    assert no_sideways_scroll(phone)
    screenshot(phone, "notify-4-settings-phone")
