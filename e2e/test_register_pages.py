"""The register pages in Chromium: charts drawn under the CSP, the step choices that follow the
power, and "my risk points" printing without the navigation."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from tests.risks.register_data import build_register

pytestmark = pytest.mark.e2e


def test_register_and_its_charts(world, page, live_server):
    build_register(world)
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/risks/")
    expect(page.locator("[data-testid=register-row]")).to_have_count(5)
    expect(page.locator("[data-testid=level-summary]")).to_contain_text("共 5 个风险点")
    # choosing a level in the filter bar submits the form by itself
    page.select_option("#id_level", "1")
    page.wait_for_url("**/risks/?*level=1*")
    expect(page.locator("[data-testid=register-row]")).to_have_count(2)
    screenshot(page, "risks-register")
    page.click("[data-testid=charts-link]")
    expect(page.locator("[data-risk-chart][data-rendered=true]")).to_have_count(3)
    for chart in ("heatmap", "levels", "departments"):
        expect(page.locator(f"[data-testid=chart-{chart}] canvas").first).to_be_visible()
    box = page.locator("[data-testid=chart-heatmap] canvas").first.bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    # tooltips are drawn on the canvas: hovering must not trip the CSP (watched by `problems`)
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.15)
    page.wait_for_timeout(300)
    screenshot(page, "risks-charts")


def test_step_choices_follow_the_power(world, page, live_server):
    register = build_register(world)
    sign_in(page, live_server, world.users["integrity"])
    page.goto(f"/risks/points/{register.head.pk}/edit/")
    steps = page.locator("select[data-step-select] option:not([hidden])")
    expect(steps).to_have_count(3)  # (未指定) and the two steps of 处方开具
    # the powers offered are the post's (科主任 of 心内科: 处方开具); the others on demand
    page.click("[data-testid=powers-all]")
    page.select_option("select[data-power-select]", str(register.procurement_power.pk))
    expect(steps).to_have_count(2)  # (未指定) and 遴选供应商
    expect(page.locator("select[data-step-select]")).to_have_value("")
    screenshot(page, "risks-point-edit")
    page.goto(f"/risks/points/{register.cardiology.pk}/measures/")
    page.check("input[name=new-owner_kind][value=department]")
    screenshot(page, "risks-point-measures")
    page.goto(f"/risks/points/{register.doctor.pk}/")
    screenshot(page, "risks-point-detail")


def test_my_risk_points_print_without_navigation(world, page, live_server):
    build_register(world)
    sign_in(page, live_server, world.users["staff"])
    page.goto("/risks/mine/")
    expect(page.locator("[data-testid=point-row]")).to_have_count(1)
    expect(page.locator("[data-testid=rules]")).to_contain_text("处方管理办法")
    page.emulate_media(media="print")
    expect(page.locator(".lf-sidebar")).to_be_hidden()
    expect(page.locator("[data-testid=print-button]")).to_be_hidden()
    expect(page.locator(".lf-printable")).to_be_visible()
    screenshot(page, "risks-mine-print")
