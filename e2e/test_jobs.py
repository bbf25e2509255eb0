"""A background job in Chromium: a register export too large for the request runs in a
thread of the server, its page follows the progress through htmx, then offers the file."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from lianfang.core.models import Job
from tests.risks.test_positioning import register  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.e2e


def test_a_large_export_runs_in_the_background_and_offers_its_file(
    world,
    register,  # noqa: F811
    page,
    live_server,
    settings,
    tmp_path,
):
    settings.LIANFANG_JOBS = "thread"
    settings.LIANFANG_EXPORT_INLINE_ROWS = 1
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/risks/")
    page.click("[data-testid=register-xlsx]")
    expect(page).to_have_url(f"{live_server.url}/jobs/{Job.objects.get().pk}/")
    expect(page.locator(".alert")).to_contain_text("已转入后台导出")
    status = page.locator("[data-testid=job-status]")
    # htmx polls every 2 s until the thread has written the file
    expect(status).to_have_attribute("data-status", "done", timeout=30000)
    expect(status).to_contain_text("已导出")
    bar = page.locator(".progress-bar")
    assert bar.evaluate("el => el.style.width") == "100%"
    screenshot(page, "core-job-done")
    with page.expect_download(timeout=30000) as download:
        page.click("[data-testid=job-download]")
    assert download.value.suggested_filename.startswith("风险点登记表-")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto("/jobs/")
    expect(page.locator("[data-testid=job-row]")).to_have_count(1)
    expect(page.locator("[data-testid=job-row]")).to_contain_text("100%")
    screenshot(page, "core-job-list")
