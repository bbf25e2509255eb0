"""Patient satisfaction in Chromium: a patient on a phone answers with the code from the
discharge slip, which counts once (a second use is refused with a clear message); a stuffed
burst of answers appears on the integrity office's list of flagged answers."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from lianfang.satisfaction import services
from lianfang.satisfaction.models import Answer
from lianfang.satisfaction.questionnaires import questionnaire_import

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page):
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], sizes


def answer_all(page, value):
    items = page.get_by_test_id("answer-item")
    for i in range(items.count()):
        items.nth(i).locator(f'input[value="{value}"]').check()


def test_a_tokened_answer_counts_once(world, new_page):
    questionnaire_import(actor=None, organisation=world.hospital)
    code, token = services.token_issue(actor=None, department=world.cardiology, visit="ZY-E2E")
    page = new_page(PHONE)
    url = f"/satisfaction/s/{world.cardiology.pk}/?t={code}"
    page.goto(url)
    expect(page.get_by_test_id("answer-tokened")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "satisfaction-answer-phone")
    answer_all(page, 5)
    page.select_option("#id_person", str(world.staff_person.pk))
    page.fill("#id_comment", "医生解释很耐心")
    page.get_by_test_id("answer-submit").click()
    expect(page.get_by_test_id("answer-thanks")).to_be_visible()
    screenshot(page, "satisfaction-thanks-phone")

    # The same slip scanned again (the page was opened before the first answer went in).
    second = new_page(PHONE)
    second.goto(url)
    page.goto(url)
    page.get_by_test_id("answer-submit").click()  # the scores are missing: the form says so
    expect(page.locator(".invalid-feedback").first).to_contain_text("请为这道题打分")
    page = second
    answer_all(page, 1)
    page.get_by_test_id("answer-submit").click()
    refused = page.get_by_test_id("answer-refused")
    expect(refused).to_contain_text("该评价码已使用过，每个评价码只能评价一次")
    no_sideways_scroll(page)
    screenshot(page, "satisfaction-code-used-phone")
    expect(page.get_by_test_id("answer-form")).to_have_count(0)
    assert Answer.objects.filter(token=token).count() == 1
    assert Answer.objects.get().score == 5


def test_a_burst_is_flagged_on_the_office_s_page(world, new_page, live_server):
    q = questionnaire_import(actor=None, organisation=world.hospital)[0]
    start = timezone.localtime().replace(hour=11, minute=0, second=0, microsecond=0)
    if start > timezone.localtime():
        start -= dt.timedelta(days=1)
    for i in range(16):  # sixteen five-star answers within six minutes
        services.answer_submit(
            department=world.cardiology,
            questionnaire=q,
            scores={"explain": 5, "attitude": 5},
            comment="非常好",
            now=start + dt.timedelta(seconds=22 * i),
        )
    assert Answer.objects.filter(flagged=True, burst=True).count() == 16
    for viewport, name in ((None, "desktop"), (PHONE, "phone")):
        page = new_page(viewport) if viewport else new_page()
        sign_in(page, live_server, world.users["integrity"])
        page.goto("/satisfaction/flagged/")
        rows = page.get_by_test_id("sat-flagged-row")
        expect(rows).to_have_count(16)
        expect(rows.first).to_contain_text("心内科")
        expect(rows.first).to_contain_text("短时集中提交")
        if viewport:
            no_sideways_scroll(page)
        screenshot(page, f"satisfaction-flagged-{name}")
    # the office clears two flags with a reason: they leave the list and count
    page.locator('input[name="answer"]').nth(0).check()
    page.locator('input[name="answer"]').nth(1).check()
    page.get_by_label("核查结论").select_option("cleared")
    page.get_by_label("核查说明").fill("经核实为病友会集中填写")
    page.get_by_role("button", name="提交核查").click()
    expect(page.get_by_test_id("sat-flagged-row")).to_have_count(14)
    page.goto("/satisfaction/flagged/?review=cleared")
    expect(page.get_by_test_id("sat-flagged-review")).to_have_count(2)
    expect(page.get_by_test_id("sat-flagged-review").first).to_contain_text(
        "经核实为病友会集中填写"
    )
    no_sideways_scroll(page)
    screenshot(page, "satisfaction-flagged-cleared-phone")
    assert Answer.objects.filter(flagged=False, review="cleared").count() == 2
    page.goto("/satisfaction/")
    expect(page.get_by_test_id("sat-department-row").first).to_contain_text("心内科")
    expect(page.get_by_test_id("sat-trend").locator("canvas")).to_have_count(1)
    no_sideways_scroll(page)
    screenshot(page, "satisfaction-results-phone")
    page.goto(f"/satisfaction/departments/{world.cardiology.pk}/")
    no_sideways_scroll(page)
    screenshot(page, "satisfaction-department-phone")
    # the department page: satisfaction beside the complaint counts (none here)
    page.goto(f"/org/departments/{world.cardiology.pk}/")
    expect(page.get_by_test_id("department-satisfaction")).to_have_count(1)
    expect(page.get_by_test_id("department-complaints")).to_contain_text("没有涉及该科室的投诉举报")
    no_sideways_scroll(page)
    screenshot(page, "department-panels-phone")
