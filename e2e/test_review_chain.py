"""Issue #9's filing review end to end in Chromium: a staff member registers a risk point from
the form and submits it; the department head returns it once; the staff member corrects and
resubmits it; the head approves; the integrity office approves, which files it; the staff
member then asks for a change. The 待审 page is checked at desktop and phone width (390 px:
no sideways scroll). Screenshots go to screenshots/review-*.png."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, screenshot, sign_in
from lianfang.org.models import Post
from lianfang.reviews.models import Submission
from lianfang.risks.models import RiskPoint, RiskPointEvent
from tests.risks.factories import make_power

pytestmark = pytest.mark.e2e

NAME = "门诊处方中超剂量开具特定厂家药品"
VAGUE_ENOUGH = "主治医师为获取回扣开具特定厂家药品"
CORRECTED = "主治医师在开具处方环节为获取药品回扣，超剂量、超疗程开具特定厂家的药品"
CHANGED = "门诊及院外处方中超剂量开具特定厂家药品"


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def flash(page):
    return page.locator(".alert-success")


def test_filing_review_from_form_to_change_request(world, new_page, live_server):
    prescribing = make_power(
        world.hospital,
        "处方开具",
        "QL-CF",
        department=world.cardiology,
        steps=["开具处方", "审核处方"],
    )
    staff = new_page()
    head = new_page()
    office = new_page()
    sign_in(staff, live_server, world.users["staff"])
    sign_in(head, live_server, world.users["dept_head"])
    sign_in(office, live_server, world.users["integrity"])

    # 1. 张医生 registers a risk point of his post from the form, adds a measure, submits it.
    staff.goto("/risks/points/new/")
    staff.select_option("#id_post", str(Post.objects.get(code="P-ZZYS").pk))
    staff.select_option("#id_power", str(prescribing.pk))
    staff.select_option("#id_step", str(prescribing.steps.get(order=1).pk))
    staff.select_option("#id_category", "post_duty")
    staff.fill("#id_name", NAME)
    staff.fill("#id_manifestation", VAGUE_ENOUGH)
    staff.select_option("#id_likelihood", "2")
    staff.select_option("#id_harm", "3")
    staff.click("[data-testid=edit-form] button[type=submit]")
    expect(staff.locator("h1")).to_contain_text(NAME)
    point = RiskPoint.objects.get(name=NAME)
    assert point.author == world.users["staff"]
    staff.click("[data-testid=point-actions] >> text=关联措施")
    staff.fill("#id_new-text", "处方点评每月抽查超剂量处方，结果在科务会通报并约谈当事医师")
    staff.select_option("#id_new-owner_person", str(world.staff_person.pk))
    staff.click("[data-testid=measure-form] button[type=submit]")
    expect(staff.locator("[data-testid=measure-table]")).to_contain_text("处方点评每月抽查")
    staff.click("[data-testid=file-button]")
    expect(flash(staff)).to_contain_text("已提交备案审核，待部门负责人审核")
    expect(staff.locator("[data-testid=in-review]")).to_have_text("审核中")
    expect(staff.locator("[data-testid=file-button]")).to_have_count(0)
    screenshot(staff, "review-1-submitted")

    # 2. 李主任 finds it on his 待审 page (and its count on the home page) and returns it once.
    head.goto("/")
    expect(head.locator("[data-testid=todo-to_review-value]")).to_have_text("1")
    expect(
        head.locator("#lf-sidebar a", has_text="待审").locator("[data-testid=nav-badge]")
    ).to_have_text("1")
    screenshot(head, "review-2-head-home", full_page=False)
    head.click("[data-testid=todo-to_review]")
    rows = head.locator("[data-testid=review-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(NAME)
    expect(rows.first).to_contain_text("部门负责人")
    screenshot(head, "review-2-queue-desktop")
    rows.first.locator("[data-testid=return-row]").click()
    head.fill("#id_text", "表现形式未写明在哪个环节、以什么方式，请补充。")
    head.click("[data-testid=edit-form] button[type=submit]")
    expect(flash(head)).to_contain_text("已退回编写人")
    expect(head.locator("[data-testid=review-row]")).to_have_count(0)
    point.refresh_from_db()
    assert (point.status, point.return_count) == (RiskPoint.Status.DRAFT, 1)

    # 3. 张医生 sees the return and its reason, corrects the point and submits it again.
    staff.goto("/")
    expect(staff.locator("[data-testid=todo-returned-value]")).to_have_text("1")
    badge = staff.locator("#lf-sidebar a", has_text="我的风险点").locator("[data-testid=nav-badge]")
    expect(badge).to_have_text("退回 1")
    staff.goto(f"/risks/points/{point.pk}/")
    returned = staff.locator("[data-testid=returned]")
    expect(returned).to_contain_text("表现形式未写明在哪个环节")
    expect(staff.locator("[data-testid=return-count]")).to_have_text("1")
    screenshot(staff, "review-3-returned")
    staff.click("[data-testid=point-actions] >> text=编辑")
    staff.fill("#id_manifestation", CORRECTED)
    staff.click("[data-testid=edit-form] button[type=submit]")
    expect(staff.locator("[data-testid=file-button]")).to_contain_text("重新提交备案")
    staff.click("[data-testid=file-button]")
    expect(flash(staff)).to_contain_text("待部门负责人审核")

    # 4. 李主任 approves it from his list; it goes on to the integrity office.
    head.goto("/risks/reviews/")
    rows = head.locator("[data-testid=review-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("1")  # returned once
    rows.first.locator("[data-testid=approve-row]").click()
    expect(flash(head)).to_contain_text("待纪检监察部门审核")
    assert Submission.objects.open().of(point).get().level == "integrity_office"

    # 5. The integrity office approves it on the point's page: filed.
    office.goto("/risks/reviews/")
    office.locator("[data-testid=review-row] a", has_text=NAME).click()
    steps = office.locator("[data-testid=review-steps]")
    expect(steps).to_contain_text("部门负责人")
    expect(steps).to_contain_text("已通过")
    expect(steps).to_contain_text("分管领导")
    screenshot(office, "review-5-office-decides")
    office.fill("#lf-approve-note", "同意备案")
    office.click("[data-testid=approve-button]")
    expect(flash(office)).to_contain_text("已办结")
    expect(office.locator("h1")).to_contain_text("已备案")
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.FILED
    timeline = office.locator("[data-testid=timeline]")
    for words in ("提交备案审核", "退回", "审核通过", "跳过审核环节", "备案"):
        expect(timeline).to_contain_text(words)
    screenshot(office, "review-5-filed")

    # 6. 张医生 asks for a change; the point stays as filed until the change is approved.
    staff.goto(f"/risks/points/{point.pk}/")
    staff.click("[data-testid=request-change-link]")
    staff.fill("#id_name", CHANGED)
    staff.fill("#id_reason", "院外处方中同样存在此类问题，扩大风险点范围。")
    staff.click("[data-testid=edit-form] button[type=submit]")
    expect(flash(staff)).to_contain_text("已提交变更申请")
    expect(staff.locator("[data-testid=in-review]")).to_have_text("变更审核中")
    expect(staff.locator("[data-testid=proposed-changes]")).to_contain_text(CHANGED)
    expect(staff.locator("h1")).to_contain_text(NAME)  # still in force as filed
    screenshot(staff, "review-6-change-requested")
    point.refresh_from_db()
    assert point.name == NAME
    assert point.events.filter(type=RiskPointEvent.Type.CHANGE_REQUESTED).exists()

    # The 待审 page at phone width: the change waits for the head; nothing scrolls sideways.
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        view = new_page(viewport)
        sign_in(view, live_server, world.users["dept_head"])
        view.goto("/risks/reviews/")
        expect(view.locator("[data-testid=review-row]")).to_have_count(1)
        expect(view.locator("[data-testid=review-row]")).to_contain_text("变更")
        assert no_sideways_scroll(view), name
        screenshot(view, f"review-queue-{name}")
    view.goto(f"/risks/points/{point.pk}/")
    assert no_sideways_scroll(view)
    screenshot(view, "review-point-phone")


def test_a_slow_answer_to_an_earlier_choice_leaves_the_chosen_step(world, new_page, live_server):
    """The form asks the server for the post's powers, then the power's steps. When the post's
    answer comes after the step is picked, it must not empty the step (it did: the filing
    was then refused for want of a step, a review-chain test failed on it under load)."""
    prescribing = make_power(
        world.hospital,
        "处方开具",
        "QL-CF",
        department=world.cardiology,
        steps=["开具处方", "审核处方"],
    )
    step = str(prescribing.steps.get(order=1).pk)
    page = new_page()
    sign_in(page, live_server, world.users["staff"])
    page.goto("/risks/points/new/")
    held = []

    def hold_the_posts_answer(route):
        if "power=" not in route.request.url and not held:
            held.append(route)  # answered below, after the step is picked
        else:
            route.continue_()

    page.route("**/risks/points/new/options/**", hold_the_posts_answer)
    page.select_option("#id_post", str(Post.objects.get(code="P-ZZYS").pk))
    page.select_option("#id_power", str(prescribing.pk))
    page.select_option("#id_step", step)
    assert held, "the post's question was asked"
    with page.expect_response("**/risks/points/new/options/**"):
        held[0].continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # its handler has run
    expect(page.locator("#id_step")).to_have_value(step)
