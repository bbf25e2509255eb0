"""Grading schemes in Chromium: the one-click switch to a 5×5 matrix asks for confirmation,
re-grades the register and says how many risk points changed; the edit form colours the
matrix cells as levels are chosen, under the CSP."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from tests.risks.factories import make_power, make_risk_point

pytestmark = pytest.mark.e2e


def test_switch_to_5x5_and_edit_the_matrix(world, page, live_server):
    power = make_power(world.hospital, "药品耗材采购", department=world.procurement)
    for a in (1, 2, 3):
        for b in (1, 2, 3):
            make_risk_point(power=power, likelihood=a, harm=b, name=f"风险{a}{b}")
    sign_in(page, live_server, world.users["integrity"])
    page.goto(f"/risks/schemes/org/{world.hospital.pk}/")
    expect(page.locator("[data-testid=scheme-matrix] td.lf-level-1")).to_have_count(3)
    screenshot(page, "risks-scheme-default")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.click("[data-testid=switch-5x5]")
    expect(page.locator(".alert-success")).to_contain_text("已重新定级 8 个风险点")
    assert dialogs and "5×5" in dialogs[0]
    expect(page.locator("[data-testid=scheme-matrix] td[class^=lf-level]")).to_have_count(25)
    screenshot(page, "risks-scheme-5x5")

    page.click("[data-testid=own-schemes] a:has-text('编辑')")
    cell = page.locator("#id_grid_1_1")
    expect(cell.locator("xpath=..")).to_have_class("lf-level-3")
    cell.select_option("1")
    expect(cell.locator("xpath=..")).to_have_class("lf-level-1")
    screenshot(page, "risks-scheme-form")
    page.click("[data-testid=scheme-form] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("已重新定级 1 个风险点")
