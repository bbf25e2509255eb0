"""The positioning table and the register import in Chromium: pages under the CSP, the
downloads with their Chinese file names, and an upload with its summary."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from lianfang.risks import register_io
from lianfang.risks.models import RiskPoint
from tests.risks.test_positioning import filed, register  # noqa: F401 - the shared fixtures

pytestmark = pytest.mark.e2e


def test_positioning_table_and_its_downloads(world, filed, page, live_server):  # noqa: F811
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/risks/positioning/")
    expect(page.locator("[data-testid=positioning-person]")).to_have_count(2)
    page.click("text=王副院长")
    expect(page.locator("[data-testid=positioning-row]")).to_have_count(3)
    expect(page.locator("[data-testid=positioning-table]")).to_contain_text("周院长")
    screenshot(page, "risks-positioning")
    # WeasyPrint takes a few seconds on a busy machine
    with page.expect_download(timeout=60000) as download:
        page.click("[data-testid=positioning-pdf]", timeout=60000)
    assert download.value.suggested_filename.startswith("廉政风险定位表-王副院长")
    assert download.value.suggested_filename.endswith(".pdf")
    with page.expect_download(timeout=30000) as download:
        page.click("[data-testid=positioning-xlsx]", timeout=30000)
    assert download.value.suggested_filename.endswith(".xlsx")


def test_register_import_page(world, register, page, live_server, tmp_path):  # noqa: F811
    points = RiskPoint.objects.filter(organisation=world.hospital)
    path = tmp_path / "风险点登记表.xlsx"
    with register_io.export_register(points) as exported:
        path.write_bytes(exported.read())
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/risks/register/import/")
    page.select_option("#id_organisation", str(world.hospital.pk))
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=import-form] button[type=submit]")
    expect(page.locator("[data-testid=import-summary]")).to_be_visible()
    expect(page.locator("[data-testid=import-unchanged]")).to_have_text("5")
    expect(page.locator("[data-testid=import-created]")).to_have_text("0")
    screenshot(page, "risks-register-import")


def test_a_download_link_shows_it_is_working_until_the_file_starts(
    world,
    register,  # noqa: F811
    page,
    live_server,
):
    """The register export is held back on its way (as a large one takes seconds): the link
    shows a spinner and 正在生成… and takes no second click; once the file starts to arrive
    it is the link it was. (While the request is held Playwright waits for the navigation
    before it reads the page, so the page records the link's states itself.)"""
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/risks/")
    page.evaluate(
        """() => {
          const link = document.querySelector("[data-testid=register-xlsx]");
          window.lfStates = [];
          new MutationObserver(() => window.lfStates.push({
            busy: link.getAttribute("aria-busy"),
            text: link.textContent.trim(),
            spinner: link.querySelectorAll(".spinner-border").length,
            icon: link.querySelectorAll(".bi-file-earmark-excel").length,
          })).observe(link, {attributes: true, childList: true, subtree: true});
        }"""
    )
    held = []
    page.route("**/risks/register/xlsx/**", lambda route: held.append(route))
    page.click("[data-testid=register-xlsx]", no_wait_after=True)
    page.wait_for_timeout(300)  # the request reaches the route
    assert len(held) == 1
    with page.expect_download(timeout=30000) as download:
        held[0].continue_()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.wait_for_function("() => window.lfStates.some((s) => s.busy === null)")
    states = page.evaluate("() => window.lfStates")
    busy = next(s for s in states if s["busy"] == "true" and s["spinner"])
    assert busy["text"] == "正在生成…" and busy["icon"] == 0
    last = states[-1]
    assert last["busy"] is None and last["spinner"] == 0 and last["icon"] == 1
    assert last["text"] == "导出 Excel"
    assert "lf_download_done" not in page.evaluate("() => document.cookie")  # cleared
