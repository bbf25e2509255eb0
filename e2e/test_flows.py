"""Power flows in a real browser: a staff member starts a procurement of ¥150,000, the head of
department approves it on a phone, then the leader in charge and the 院长; the committee
(三重一大) is next. The instance page draws the diagram with the current step and lists the
step's risk points; the designer opens in Chinese."""

import pytest
from playwright.sync_api import expect

from lianfang.flows.models import Instance
from tests.flows.uikit import MEASURE_TEXT, RISK_NAME, procurement

from .conftest import PHONE, screenshot, sign_in

pytestmark = pytest.mark.e2e


def no_horizontal_scroll(page):
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def diagram_ready(page):
    viewer = page.locator("[data-flow-viewer]")
    expect(viewer).to_have_attribute("data-ready", "1")
    return viewer


def approve(page, live_server, user, instance, reason, shot=None, phone=False):
    page.context.clear_cookies()
    sign_in(page, live_server, user)
    page.goto("/flows/")
    row = page.get_by_test_id("todo-row").filter(has_text=instance.title)
    expect(row).to_be_visible()
    if phone:
        no_horizontal_scroll(page)
        screenshot(page, f"{shot}-todo")
    row.locator("a").click()
    diagram_ready(page)
    if phone:
        no_horizontal_scroll(page)
    if shot:
        screenshot(page, shot)
    page.get_by_test_id("action-approve").check()
    page.fill("[name=reason]", reason)
    page.get_by_test_id("act-submit").click()
    expect(page.locator(".alert-success, .alert")).to_contain_text("已办理")


def test_procurement_of_150000_runs_to_the_committee(world, new_page, live_server):
    procurement(world)
    desk = new_page()
    sign_in(desk, live_server, world.users["staff"])
    desk.goto("/flows/start/")
    desk.get_by_test_id("start-goods_procurement").click()
    desk.fill("[name=item]", "心电监护仪")
    desk.fill("[name=amount]", "15万")
    desk.select_option("[name=method]", "询价")
    desk.fill("[name=reason]", "心内科监护单元设备更新")
    screenshot(desk, "flows-start")
    desk.get_by_test_id("start-submit").click()
    viewer = diagram_ready(desk)
    instance = Instance.objects.get()
    expect(desk.get_by_test_id("current-steps")).to_contain_text("部门负责人审核")
    expect(desk.get_by_test_id("instance-values")).to_contain_text("150000")
    # the current step is marked on the diagram
    current = desk.locator('.djs-element.lf-step-current[data-element-id="Task_dept"]')
    expect(current).to_have_count(1)
    screenshot(desk, "flows-instance-applicant")

    phone = new_page(PHONE)
    approve(
        phone,
        live_server,
        world.users["dept_head"],
        instance,
        "同意采购",
        "flows-phone-dept-head",
        phone=True,
    )
    # before approving, the head saw the step's risk points: check them on the next handler's page
    desk.context.clear_cookies()
    sign_in(desk, live_server, world.users["leader"])
    desk.goto(f"/flows/instances/{instance.pk}/")
    diagram_ready(desk)
    expect(desk.locator('.lf-step-current[data-element-id="Task_leader"]')).to_have_count(1)
    expect(desk.locator('.lf-step-done[data-element-id="Task_dept"]')).to_have_count(1)
    approve(desk, live_server, world.users["leader"], instance, "同意", "flows-leader")
    approve(
        desk,
        live_server,
        world.users["principal"],
        instance,
        "同意，提交集体决策",
        "flows-principal",
    )

    desk.goto(f"/flows/instances/{instance.pk}/")
    diagram_ready(desk)
    expect(desk.get_by_test_id("current-steps")).to_contain_text("“三重一大”集体决策")
    expect(desk.locator('.lf-step-current[data-element-id="Task_collective"]')).to_have_count(1)
    events = desk.get_by_test_id("timeline-event")
    expect(events.filter(has_text="同意")).to_have_count(3)
    screenshot(desk, "flows-committee")
    assert viewer is not None


def test_the_head_sees_the_steps_risk_points_on_a_phone(world, new_page, live_server):
    version = procurement(world)
    from lianfang.flows import services

    instance = services.instance_start(
        actor=world.users["staff"],
        version=version,
        data={"item": "输液泵", "amount": "150000", "method": "询价", "reason": "更新"},
    )
    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users["dept_head"])
    phone.goto(f"/flows/instances/{instance.pk}/")
    diagram_ready(phone)
    risks = phone.get_by_test_id("step-risks")
    expect(risks).to_contain_text("本环节廉政风险点及防控措施")
    expect(risks.get_by_test_id("step-risk-point")).to_contain_text(RISK_NAME)
    expect(risks.get_by_test_id("step-risk-measure")).to_contain_text(MEASURE_TEXT)
    no_horizontal_scroll(phone)
    screenshot(phone, "flows-phone-risk-points")


def test_the_designer_shows_the_palette_in_chinese(world, new_page, live_server):
    version = procurement(world)
    page = new_page()
    sign_in(page, live_server, world.users["admin"])
    page.goto(f"/flows/definitions/{version.definition_id}/design/")
    designer = page.locator("[data-flow-designer]")
    expect(designer).to_have_attribute("data-ready", "1")
    expect(page.locator('.djs-palette [aria-label="创建开始事件"]')).to_have_count(1)
    page.locator('.djs-element[data-element-id="Task_purchase"]').click()
    expect(page.get_by_test_id("prop-handler")).to_have_value("dept_head")
    expect(page.locator(".djs-context-pad [title='删除']")).to_have_count(1)
    screenshot(page, "flows-designer")
    page.get_by_test_id("designer-save").click()
    expect(page).to_have_url(f"{live_server.url}/flows/definitions/{version.definition_id}/")
