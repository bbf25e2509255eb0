"""系统维护 › 工作日历 in a real browser: the banner of an unknown year leads the platform
administrator to the calendar, where the year's holiday is entered and the year confirmed;
an organisation's administrator sees the platform's days read-only. Desktop and phone
widths, without sideways scrolling."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from lianfang.core import workdays
from lianfang.core.models import WorkdayOverride, WorkdayYear
from tests.factories import make_platform_admin

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.e2e

LAST = workdays.package_years()[-1]
UNKNOWN = LAST + 1


@pytest.fixture
def december(monkeypatch):
    """6 December of the package's last year: the next year must be known by now."""
    monkeypatch.setattr(workdays, "today", lambda: dt.date(LAST, 12, 6))


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_platform_administrator_enters_an_unknown_year(
    world, december, new_page, live_server, viewport
):
    page = new_page(viewport)
    sign_in(page, live_server, make_platform_admin())
    page.goto("/maintenance/modules/")
    banner = page.get_by_test_id("workday-banner")
    expect(banner).to_contain_text(f"工作日历缺少 {UNKNOWN} 年的法定节假日和调休安排")
    assert page_width(page) <= viewport["width"]
    banner.get_by_role("link", name=f"录入 {UNKNOWN} 年节假日").click()

    expect(page.locator("h1")).to_have_text("工作日历")
    expect(page.get_by_test_id(f"workday-year-{UNKNOWN}")).to_contain_text("未知")
    expect(page.get_by_test_id("workday-year-unknown")).to_contain_text(f"没有 {UNKNOWN} 年的安排")
    assert page_width(page) <= viewport["width"]

    # Confirming before anything is entered is refused, with the reason.
    page.get_by_test_id("workday-confirm").click()
    expect(page.locator(".alert-danger")).to_contain_text(f"尚未录入 {UNKNOWN} 年的任何放假日期")

    form = page.get_by_test_id("workday-form")
    form.locator("#id_date").fill(f"{UNKNOWN}-01-01")
    form.locator("#id_kind").select_option("holiday")
    form.locator("#id_name").fill("元旦")
    page.get_by_test_id("workday-add").click()
    expect(page.locator(".alert-success")).to_contain_text("已录入 1 天：元旦")
    expect(page.get_by_test_id("workday-overrides")).to_contain_text(f"{UNKNOWN}-01-01")

    page.get_by_test_id("workday-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text(
        f"已确认全平台 {UNKNOWN} 年的节假日已录入"
    )
    expect(page.get_by_test_id(f"workday-year-{UNKNOWN}")).to_contain_text("已录入并确认")
    expect(page.get_by_test_id("workday-banner")).to_have_count(0)
    assert page_width(page) <= viewport["width"]
    assert WorkdayYear.objects.filter(organisation=None, year=UNKNOWN).exists()
    assert workdays.add_working_days(dt.date(UNKNOWN - 1, 12, 31), 1) == next(
        dt.date(UNKNOWN, 1, d) for d in range(2, 9) if dt.date(UNKNOWN, 1, d).weekday() < 5
    )


def test_an_administrator_sees_the_platforms_days_read_only(world, new_page, live_server):
    WorkdayOverride.objects.create(
        organisation=None, date=dt.date(2025, 10, 12), kind="workday", name="全平台补班"
    )
    page = new_page(PHONE)
    sign_in(page, live_server, world.users["admin"])
    page.goto("/maintenance/calendar/?year=2025")
    expect(page.locator("h1")).to_have_text("工作日历")
    expect(page.get_by_test_id("workday-schedule")).to_contain_text("国庆节、中秋")
    row = page.get_by_test_id("workday-override")
    expect(row).to_contain_text("全平台补班")
    expect(row).to_contain_text("上级设定")
    expect(row.get_by_role("link", name="编辑")).to_have_count(0)
    assert page_width(page) <= PHONE["width"]
