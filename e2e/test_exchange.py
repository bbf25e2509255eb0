"""Reporting upward (上报) in Chromium: the hospital's integrity office submits to the
commission on the server; the commission's office sees it on its dashboard of units and opens
it; the other hospital's office downloads its signed exchange file, and the commission's office
imports it through the page (and is refused the same file for the wrong unit). Screenshots at
desktop width and at 390 px go to screenshots/exchange-*.png; no page scrolls sideways on the
phone."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from lianfang.core.roles import Role
from lianfang.exchange.models import Report
from tests.exchange.helpers import filed_points
from tests.factories import make_user

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def as_user(page, live_server, user):
    page.context.clear_cookies()
    sign_in(page, live_server, user)


def test_submit_see_export_and_import(world, page, live_server, tmp_path):
    filed_points(world, 3)
    other_office = make_user("h2_office", (Role.INTEGRITY, world.other_hospital))
    page.set_default_timeout(30_000)  # the shared machine: the first page may load slowly

    # the hospital's office submits to the commission
    as_user(page, live_server, world.users["integrity"])
    page.goto(f"{live_server.url}/exchange/")
    expect(page.get_by_test_id("exchange-receiver")).to_have_text("示例市卫生健康委员会")
    page.select_option("#exchange-campaign", "")
    page.get_by_test_id("exchange-submit").click()
    expect(page.locator(".alert-success").first).to_contain_text("已提交示例市卫生健康委员会")
    expect(page.get_by_test_id("history-row")).to_have_count(1)
    screenshot(page, "exchange-unit")
    page.set_viewport_size(PHONE)
    page.reload()
    assert no_sideways_scroll(page)
    screenshot(page, "exchange-unit-phone")

    # the other hospital's office downloads its exchange file
    as_user(page, live_server, other_office)
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(f"{live_server.url}/exchange/")
    with page.expect_download() as download:
        page.get_by_test_id("exchange-export").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("上报-H2") and path.suffix == ".zip"

    # the commission's office: the dashboard shows the hospital's report, not yet the other's
    as_user(page, live_server, world.users["commission_integrity"])
    page.goto(f"{live_server.url}/exchange/received/")
    expect(page.get_by_test_id("unit-row")).to_have_count(2)
    expect(page.get_by_test_id("exchange-reported")).to_contain_text("1 / 2")
    expect(page.get_by_test_id("unit-row").first).to_contain_text("在线提交")
    screenshot(page, "exchange-received")

    # the file imported for the wrong unit is refused with the reason; for its own, kept
    page.get_by_test_id("exchange-import").click()
    page.select_option("#id_unit", str(world.hospital.pk))
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("exchange-import-save").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("不是所选的示例市人民医院")
    assert Report.objects.count() == 1
    page.select_option("#id_unit", str(world.other_hospital.pk))
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("exchange-import-save").click()
    expect(page.locator(".alert-success").first).to_contain_text("已导入示例市第二医院的上报")
    expect(page.get_by_test_id("report-method")).to_have_text("文件导入")
    screenshot(page, "exchange-report")

    page.goto(f"{live_server.url}/exchange/received/")
    expect(page.get_by_test_id("exchange-reported")).to_contain_text("2 / 2")
    page.get_by_test_id("unit-report").first.click()
    expect(page.get_by_test_id("figure-points")).to_have_text("3")
    expect(page.get_by_test_id("report-point")).to_have_count(3)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/exchange/received/")
    assert no_sideways_scroll(page)
    screenshot(page, "exchange-received-phone")
    page.get_by_test_id("unit-report").first.click()
    assert no_sideways_scroll(page)
    screenshot(page, "exchange-report-phone")
