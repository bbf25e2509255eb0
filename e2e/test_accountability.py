"""述责述廉 and the leaders' board in Chromium: the staff member opens their yearly report from
我的承诺 (the register, the commitment's fulfilment with the reviewer's check, the assessment
and its rectification) and downloads it as Word; the leader in charge sees the unit's current
亮牌 on the home page and opens the report from the person's page. Screenshots at desktop
width and at 390 px go to screenshots/accountability-*.png; no page scrolls sideways."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from lianfang.core.models import WarningLevel
from tests.assessments.helpers import assess, calendar_known  # noqa: F401
from tests.assessments.test_accountability import YEAR, year_of_work  # noqa: F401
from tests.commitments.conftest import filed  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("calendar_known")]


def no_sideways_scroll(page):
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], sizes


def test_the_yearly_report_and_the_leaders_board(year_of_work, page, new_page, live_server):  # noqa: F811
    w = year_of_work
    assess(w, level=WarningLevel.CARD, person=w.colleague_person)
    page.set_default_timeout(30_000)  # the shared machine: the first page may load slowly

    sign_in(page, live_server, w.users["staff"])
    page.goto(f"{live_server.url}/commitments/")
    page.get_by_test_id("accountability-link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{YEAR} 年度述责述廉报告")
    expect(page.get_by_test_id("accountability-points")).to_contain_text("收受医药代表回扣")
    expect(page.get_by_test_id("fulfilment-check").first).to_contain_text("事例具体，予以认可")
    expect(page.get_by_test_id("accountability-rectification").first).to_contain_text(
        "每月自查处方"
    )
    screenshot(page, "accountability-report-desktop")
    with page.expect_download() as download:
        page.get_by_test_id("accountability-docx").click()
    assert download.value.suggested_filename.endswith(".docx")

    leader = new_page(PHONE)
    sign_in(leader, live_server, w.users["leader"])
    leader.goto(f"{live_server.url}/")
    expect(leader.get_by_test_id("card-count")).to_have_text("1")
    expect(leader.get_by_test_id("card-row")).to_contain_text(w.colleague_person.name)
    no_sideways_scroll(leader)
    screenshot(leader, "accountability-leader-board-phone")
    leader.goto(f"{live_server.url}/org/people/{w.staff_person.pk}/")
    leader.get_by_test_id("accountability-link").first.click()
    expect(leader.get_by_test_id("accountability-points")).to_contain_text("收受医药代表回扣")
    no_sideways_scroll(leader)
    screenshot(leader, "accountability-report-phone")
