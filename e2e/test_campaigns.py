"""Campaigns in Chromium: the integrity office creates a campaign, opens it and follows it on
the progress page (a returned filing and late tasks), whose numbers open their lists; the
pages at desktop width and at 390 px without sideways scrolling."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, screenshot, sign_in
from lianfang.campaigns.models import Campaign
from lianfang.risks import services as risk_services
from tests.campaigns.helpers import phases_around, post_point

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page):
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], sizes


def test_the_office_runs_a_campaign_and_follows_its_progress(world, new_page, live_server):
    page = new_page(DESKTOP)
    page.set_default_timeout(30000)  # the shared machine is slow; the pages are not
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/campaigns/")
    screenshot(page, "campaigns-list-empty")
    page.get_by_test_id("campaign-new").click()
    page.fill("#id_name", "2026年度廉政风险排查")
    page.fill("#id_year", "2026")
    page.select_option("#id_organisation", str(world.hospital.pk))
    for phase, (start, end) in phases_around().items():
        page.fill(f"#id_phase_{phase}_start", start.isoformat())
        page.fill(f"#id_phase_{phase}_end", end.isoformat())
    screenshot(page, "campaigns-form")
    page.get_by_test_id("campaign-save").click()
    page.get_by_test_id("campaign-open").click()
    expect(page.get_by_test_id("campaign-progress")).to_be_visible()
    campaign = Campaign.objects.get()
    assert campaign.state == "open"

    staff, head = world.users["staff"], world.users["dept_head"]
    point = post_point(world, staff)
    risk_services.risk_point_submit(actor=staff, risk_point=point)
    risk_services.risk_point_return(actor=head, risk_point=point, reason="表现形式不具体")
    page.reload()
    expect(page.get_by_test_id("total-returns")).to_have_text("1")
    expect(page.get_by_test_id("total-late")).to_have_text("7")  # not started after 查找风险
    screenshot(page, "campaigns-progress")
    page.get_by_test_id("total-late").click()
    expect(page.get_by_test_id("task-row")).to_have_count(7)
    screenshot(page, "campaigns-tasks-late")

    phone = new_page(PHONE)
    phone.set_default_timeout(30000)
    sign_in(phone, live_server, world.users["integrity"])
    for url, name in (
        (f"/campaigns/{campaign.pk}/", "campaigns-progress-phone"),
        (f"/campaigns/{campaign.pk}/tasks/?returned=1", "campaigns-tasks-phone"),
        ("/campaigns/", "campaigns-list-phone"),
        (f"/campaigns/{campaign.pk}/edit/", "campaigns-form-phone"),
    ):
        phone.goto(url)
        no_sideways_scroll(phone)
        screenshot(phone, name)
