"""系统维护 › 单位参数 in a real browser: the hospital's integrity officer shortens the
"measures due soon" window, and a staff member's home page counts by it. Desktop and phone
widths, without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from lianfang.core import orgsettings
from lianfang.dashboard.org_settings import DUE_SOON_DAYS

from .conftest import DESKTOP, PHONE, screenshot, sign_in

pytestmark = pytest.mark.e2e


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_office_sets_a_threshold_that_the_home_page_follows(
    world, new_page, live_server, viewport
):
    page = new_page(viewport)
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/maintenance/settings/")
    expect(page.locator("h1")).to_have_text("单位参数")
    assert page_width(page) <= viewport["width"]
    page.get_by_test_id(f"edit-organisation-{world.hospital.pk}").click()
    row = page.get_by_test_id(f"setting-{DUE_SOON_DAYS}")
    expect(row).to_contain_text("系统默认")
    assert page_width(page) <= viewport["width"]
    row.locator("input").fill("400")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id(f"setting-{DUE_SOON_DAYS}")).to_contain_text("365")
    page.get_by_test_id(f"setting-{DUE_SOON_DAYS}").locator("input").fill("7")
    page.get_by_test_id("save").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    expect(page.get_by_test_id(f"current-{DUE_SOON_DAYS}")).to_contain_text("7 天")
    expect(page.get_by_test_id(f"current-{DUE_SOON_DAYS}")).to_contain_text("本单位设置")
    assert page_width(page) <= viewport["width"]
    screenshot(page, f"org-settings-{'phone' if viewport is PHONE else 'desktop'}")
    assert orgsettings.value(world.hospital, DUE_SOON_DAYS) == 7

    staff = new_page(viewport)
    sign_in(staff, live_server, world.users["staff"])
    staff.goto("/")
    expect(staff.get_by_test_id("figure-my-due")).to_contain_text("7 天内到期的措施")
