"""Complaints end to end in Chromium (issue 13's "Done when"): a new user on a phone files an
anonymous report against a named doctor and keeps the receipt; the integrity office lead
assigns it, and the doctor's head and 分管 leader cannot be picked; the handler asks a
question, the reporter answers with the receipt, and the case concludes with feedback.
Screenshots go to screenshots/complaints-*.png."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, screenshot, sign_in
from lianfang.complaints import services
from lianfang.complaints.models import Complaint, Officer, State
from lianfang.core.roles import Role
from lianfang.org.models import LeaderDivision, Post, Power
from tests.factories import make_user

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.fixture
def office(world, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    hospital = world.hospital
    # 张医生 holds a post of the published power catalogue: the public form offers him.
    power = Power.objects.create(
        organisation=hospital, code="QL-01", name="处方权", category="other"
    )
    power.posts.add(Post.objects.get(code="P-ZZYS"))
    import datetime as dt

    LeaderDivision.objects.create(
        leader=world.leader_person, department=world.cardiology, since=dt.date(2022, 1, 1)
    )
    security = make_user("security", (Role.SECURITY, hospital))
    handler = make_user("handler", (Role.INTEGRITY, hospital))
    lead = world.users["integrity"]
    for user, duty in (
        (lead, Officer.Duty.LEAD),
        (handler, Officer.Duty.HANDLER),
        (world.users["dept_head"], Officer.Duty.HANDLER),
        (world.users["leader"], Officer.Duty.HANDLER),
    ):
        services.officer_grant(actor=security, organisation=hospital, user=user, duty=duty)
    return {"lead": lead, "handler": handler, "hospital": hospital}


def test_an_anonymous_report_from_a_phone_is_handled_to_feedback(
    world, office, new_page, live_server
):
    reporter = new_page(PHONE)
    reporter.goto(f"/complaints/report/{office['hospital'].code}/")
    expect(reporter.get_by_test_id("privacy-note")).to_be_visible()
    reporter.select_option("#id_category", "kickback")
    expect(reporter.locator("#id_reporter_name")).to_be_hidden()  # anonymous: never offered
    reporter.select_option("#id_subject_person", label="张医生")
    reporter.fill("#id_content", "张医生在门诊收受患者红包。")
    reporter.fill("#id_happened_when", "上周三上午")
    assert no_sideways_scroll(reporter)
    screenshot(reporter, "complaints-phone-form")
    reporter.get_by_test_id("complaint-submit").click()
    code = reporter.get_by_test_id("receipt-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}(-[2-9A-HJ-NP-Z]{5}){3}", code)
    screenshot(reporter, "complaints-phone-receipt")
    complaint = Complaint.objects.get()
    assert complaint.anonymous and complaint.subject_person == world.staff_person

    lead = new_page()
    sign_in(lead, live_server, office["lead"])
    lead.goto("/complaints/")
    lead.get_by_role("link", name=complaint.reference).click()
    options = lead.locator(
        "#act-assign select[name=handler] option, [data-testid=act-assign] select option"
    )
    texts = options.all_inner_texts()
    assert "handler" in texts
    assert "dept_head" not in texts and "leader" not in texts  # head and 分管 leader: recused
    lead.locator("[data-testid=act-accept] button").click()
    expect(lead.get_by_test_id("complaint-state")).to_have_text("受理")
    lead.locator("[data-testid=act-assign] select").select_option(label="handler")
    lead.locator("[data-testid=act-assign] button").click()
    expect(lead.get_by_test_id("complaint-handlers")).to_have_text("handler")
    screenshot(lead, "complaints-lead-detail")

    handler = new_page()
    sign_in(handler, live_server, office["handler"])
    handler.goto(f"/complaints/{complaint.pk}/")
    handler.locator("[data-testid=act-handle] select").select_option("verify")
    handler.locator("[data-testid=act-handle] button").click()
    expect(handler.get_by_test_id("complaint-state")).to_have_text("办理")
    handler.locator("[data-testid=act-message] textarea").fill("请问是哪一间诊室？")
    handler.locator("[data-testid=act-message] button").click()
    expect(handler.get_by_test_id("complaint-messages")).to_contain_text("哪一间诊室")

    reporter.goto("/complaints/receipt/")
    reporter.fill("#id_code", code.lower())
    reporter.get_by_test_id("receipt-submit").click()
    expect(reporter.get_by_test_id("receipt-messages")).to_contain_text("哪一间诊室")
    reporter.locator("#id_body").fill(f"我的回执码是 {code}")
    reporter.get_by_test_id("reply-submit").click()
    expect(reporter.locator(".invalid-feedback, .alert-danger").first).to_contain_text("回执码")
    reporter.locator("#id_body").fill("内科三诊室。")
    reporter.get_by_test_id("reply-submit").click()
    expect(reporter.get_by_test_id("receipt-messages")).to_contain_text("内科三诊室")
    assert no_sideways_scroll(reporter)
    screenshot(reporter, "complaints-phone-case")

    handler.reload()
    expect(handler.get_by_test_id("complaint-messages")).to_contain_text("内科三诊室")
    handler.locator("[data-testid=act-conclude] select").select_option("true")
    handler.locator("[data-testid=act-conclude] textarea").fill("经核实属实，已按规定处理。")
    handler.locator("[data-testid=act-conclude] button").click()
    expect(handler.get_by_test_id("complaint-state")).to_have_text("办结")
    handler.locator("[data-testid=act-feedback] textarea").fill("您反映的问题经核实属实，已处理。")
    handler.locator("[data-testid=act-feedback] button").click()
    expect(handler.get_by_test_id("complaint-state")).to_have_text("反馈")
    screenshot(handler, "complaints-handler-detail")

    reporter.reload()
    expect(reporter.get_by_test_id("receipt-state")).to_have_text("反馈")
    expect(reporter.get_by_test_id("receipt-messages")).to_contain_text("经核实属实")

    lead.goto("/complaints/due/")
    expect(lead.locator("h1")).to_have_text("本周到期")
    screenshot(lead, "complaints-due")
    complaint.refresh_from_db()
    assert complaint.state == State.FEEDBACK and complaint.finding == "true"

    # The doctor's head opens nothing of it.
    head = new_page()
    sign_in(head, live_server, world.users["dept_head"])
    head.goto("/complaints/")
    expect(head.get_by_test_id("complaint-empty")).to_be_visible()
