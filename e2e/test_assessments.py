"""Assessments in Chromium: the office creates an assessment citing an overdue measure and
issues its notice; the staff member signs and rectifies on a phone; the office returns it twice
and the conclusion rises to 预警 with a second notice; then accepts a rectification, whose
measure joins the register. Screenshots at desktop and 390 px."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from lianfang.assessments.models import Assessment
from lianfang.core.models import WarningLevel
from tests.assessments.helpers import calendar_known, overdue_measure  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("calendar_known")]


def no_sideways_scroll(page):
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], sizes


def rectify(page, assessment, text):
    page.goto(f"/assessments/{assessment.pk}/rectify/")
    page.fill("#id_cause", "科室自查流于形式，验收制度执行不严。")
    page.fill("#id_rule_changes", "修订《药品验收管理办法》")
    page.fill("#id_m1_text", text)
    page.select_option("#id_m1_department", label="心内科")
    page.fill("#id_m1_due", "2030-01-31")
    page.get_by_test_id("rectification-submit").click()
    expect(page.get_by_test_id("assessment-status")).to_have_text("整改待审")


def test_an_assessment_issued_rectified_escalated_and_accepted(world, new_page, live_server):
    _point, _measure = overdue_measure(world, person=world.staff_person)
    office = new_page()
    sign_in(office, live_server, world.users["integrity"])
    office.goto(f"/assessments/new/?person={world.staff_person.pk}")
    form = office.get_by_test_id("assessment-form")
    expect(form).to_contain_text("双人验收药品入库")
    form.locator('input[name="cite"]').first.check()
    form.locator('input[name="level"][value="1"]').check()
    form.locator('input[name="risk_points"]').first.check()
    office.fill("#id_grounds", "防控措施逾期未落实。")
    form.locator('input[name="measures"][value="reminder_talk"]').check()
    form.locator('input[name="measures"][value="rectify"]').check()
    office.fill("#id_requirements", "一个月内落实双人验收，修订验收制度。")
    screenshot(office, "assessments-new-desktop")
    office.get_by_test_id("assessment-save").click()
    office.get_by_test_id("assessment-issue").click()
    expect(office.get_by_test_id("notice-table")).to_contain_text("廉评〔")
    screenshot(office, "assessments-detail-desktop")
    assessment = Assessment.objects.get()

    staff = new_page(PHONE)
    sign_in(staff, live_server, world.users["staff"])
    staff.goto("/assessments/mine/")
    expect(staff.get_by_test_id("mine-row")).to_have_count(1)
    no_sideways_scroll(staff)
    screenshot(staff, "assessments-mine-phone")
    staff.get_by_test_id("mine-row").locator("a").click()
    staff.get_by_test_id("notice-sign").click()
    expect(staff.get_by_test_id("notice-table")).not_to_contain_text("未签收")
    no_sideways_scroll(staff)
    screenshot(staff, "assessments-party-phone")

    for round_, reason in enumerate(("原因分析不深入", "措施仍无落实记录"), start=1):
        rectify(staff, assessment, f"第 {round_} 次整改：每月自查")
        if round_ == 1:
            no_sideways_scroll(staff)
            screenshot(staff, "assessments-submitted-phone")
        office.goto(f"/assessments/{assessment.pk}/")
        office.fill("#id_reason", reason)
        office.get_by_test_id("rectification-return").click()
    office.goto(f"/assessments/{assessment.pk}/")
    expect(office.get_by_test_id("assessment-level").first).to_have_text("预警")
    expect(office.get_by_test_id("assessment-timeline")).to_contain_text("结论升级")
    expect(office.get_by_test_id("notice-table").locator("tbody tr")).to_have_count(2)
    screenshot(office, "assessments-escalated-desktop")

    rectify(staff, assessment, "药品入库双人验收并每月抽查")
    office.goto(f"/assessments/{assessment.pk}/")
    office.get_by_test_id("rectification-accept").click()
    expect(office.get_by_test_id("assessment-status")).to_have_text("整改通过")
    expect(office.get_by_test_id("rectification").first).to_contain_text("已纳入台账")
    assessment.refresh_from_db()
    assert assessment.level == WarningLevel.WARNING

    office.goto("/assessments/")
    expect(office.get_by_test_id("assessment-row")).to_have_count(1)
    screenshot(office, "assessments-list-desktop")
    office.goto("/assessments/statistics/")
    expect(office.get_by_test_id("statistics-chart").locator("canvas")).to_have_count(1)
    screenshot(office, "assessments-statistics-desktop")
    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users["integrity"])
    for url, name in (
        ("/assessments/", "list"),
        (f"/assessments/{assessment.pk}/", "detail"),
        ("/assessments/statistics/", "statistics"),
        (f"/org/people/{world.staff_person.pk}/", "person-timeline"),
    ):
        phone.goto(url)
        no_sideways_scroll(phone)
        screenshot(phone, f"assessments-{name}-phone")
