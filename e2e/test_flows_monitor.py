"""防控运行监控 in a real browser: a handful of procurements made through the services (one
published at its control point, one returned, overdue, due soon, escalated); the integrity
office reads the page at 1280 px and on a 390-px phone, the charts draw, and a number opens
the list behind it."""

import pytest
from playwright.sync_api import expect

from tests.flows import monitorkit

from .conftest import PHONE, screenshot, sign_in

pytestmark = pytest.mark.e2e


def no_horizontal_scroll(page):
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("viewport", ["desk", "phone"])
def test_the_office_reads_the_monitoring_page(world, new_page, live_server, viewport):
    monitorkit.build(world)
    page = new_page(PHONE) if viewport == "phone" else new_page()
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/flows/monitor/")
    expect(page.get_by_role("heading", name="防控运行监控")).to_be_visible()
    expect(page.get_by_test_id("total-running")).to_contain_text("5")
    expect(page.get_by_test_id("total-overdue")).to_contain_text("2")
    expect(page.get_by_test_id("total-escalated")).to_contain_text("1")
    for chart in ("chart-flows", "chart-departments", "chart-completeness"):
        expect(page.get_by_test_id(chart)).to_have_attribute("data-rendered", "true")
    expect(page.get_by_test_id("monitor-steps")).to_contain_text("分管院长审批")
    no_horizontal_scroll(page)
    screenshot(page, f"flows-monitor-{viewport}")
    page.get_by_test_id("total-overdue").click()
    expect(page.get_by_test_id("monitor-row")).to_have_count(2)
    no_horizontal_scroll(page)
    screenshot(page, f"flows-monitor-overdue-{viewport}")
