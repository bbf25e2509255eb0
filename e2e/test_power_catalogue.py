"""The power catalogue in a real browser: the flow chart draws under the strict CSP, and an
integrity officer adds and moves a step."""

import pytest
from playwright.sync_api import expect

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def power(world):
    from lianfang.org.models import Post, Power, PowerStep
    from tests.risks.factories import make_power, make_risk_point

    buyer = Post.objects.get(code="P-CGY")
    power = make_power(
        world.hospital,
        "药品耗材采购",
        "CG-01",
        department=world.procurement,
        category=Power.Category.PROCUREMENT,
        basis="《政府采购法》第二十四条",
        time_limit_days=30,
        steps=[("need", "提出需求"), ("choose", "供应商遴选"), ("accept", "验收入库")],
    )
    power.posts.set([buyer])
    PowerStep.objects.filter(power=power, key="choose").update(is_control_point=True, post=buyer)
    choose = power.steps.get(key="choose")
    make_risk_point(power=power, step=choose, post=buyer, name="遴选中的利益输送", level=1)
    make_risk_point(power=power, step=choose, post=buyer, name="评分标准泄露", level=2)
    return power


def test_flow_chart_and_step_management(world, page, live_server, power):
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/org/powers/")
    expect(page.get_by_test_id("power-table")).to_contain_text("药品耗材采购")
    screenshot(page, "power-list")
    page.get_by_role("link", name="药品耗材采购").click()
    steps = page.get_by_test_id("flow-step")
    expect(steps).to_have_count(3)
    expect(page.locator(".lf-flow-control")).to_contain_text("供应商遴选")
    expect(page.locator(".lf-flow-control .lf-level-1")).to_be_visible()
    screenshot(page, "power-detail")
    page.get_by_role("link", name="添加环节").click()
    page.fill("#id_name", "结算付款")
    page.get_by_role("button", name="保存").click()
    expect(steps).to_have_count(4)
    expect(steps.nth(3)).to_contain_text("结算付款")
    page.get_by_test_id("power-steps").get_by_role("button", name="上移").nth(3).click()
    expect(steps.nth(2)).to_contain_text("结算付款")
