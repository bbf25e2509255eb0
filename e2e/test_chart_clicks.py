"""The register charts in Chromium: a click on a heat-map cell or a department bar opens the
register filtered to it."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import sign_in
from tests.risks.register_data import build_register

pytestmark = pytest.mark.e2e


def _click_cell(page, chart, value):
    """Click the chart's point of `value` (ECharts converts data to pixels)."""
    canvas = page.locator(f"[data-testid=chart-{chart}] canvas").first
    canvas.scroll_into_view_if_needed()
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    x, y = page.evaluate(
        "([chart, value]) => echarts.getInstanceByDom("
        "document.querySelector(`[data-testid=chart-${chart}]`))"
        ".convertToPixel({seriesIndex: 0}, value)",
        [chart, value],
    )
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_a_heatmap_cell_and_a_bar_open_the_filtered_register(world, page, live_server):
    build_register(world)
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/risks/charts/")
    expect(page.locator("[data-risk-chart][data-rendered=true]")).to_have_count(3)
    _click_cell(page, "heatmap", [2, 2])  # harm 3, likelihood 3: 开大处方收取回扣
    page.wait_for_url(re.compile(r"/risks/\?.*likelihood=3"))
    assert "harm=3" in page.url
    expect(page.locator("#id_likelihood")).to_have_value("3")
    expect(page.locator("[data-testid=register-row]")).to_have_count(1)
    expect(page.locator("[data-testid=register-row]")).to_contain_text("开大处方收取回扣")

    page.goto("/risks/charts/")
    expect(page.locator("[data-risk-chart][data-rendered=true]")).to_have_count(3)
    _click_cell(page, "departments", [0.5, 0])  # 心内科's 一级 bar (the first department)
    page.wait_for_url(re.compile(r"/risks/\?.*department="))
    assert "level=1" in page.url
    expect(page.locator("[data-testid=register-row]")).to_have_count(1)
    expect(page.locator("[data-testid=register-row]")).to_contain_text("开大处方收取回扣")
