"""Warnings (预警) end to end in Chromium: the demo runs the checkers once, so an overdue
review of its register shows on the integrity office's 预警 list; the officer opens it, sees
its evidence, and moves it to 核查中 and then 已确认. The list is checked at desktop and phone
width (390 px: no sideways scroll). Screenshots go to screenshots/warnings-*.png."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import PHONE, reseed_from_migrations, screenshot, sign_in
from lianfang.accounts.models import User
from lianfang.core.models import Warning, WarningStatus
from lianfang.demo import services as demo

pytestmark = pytest.mark.e2e


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.fixture
def demo_world(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reseed_from_migrations()
    demo.demo_load(seed=1)


def test_an_overdue_review_of_the_demo_is_checked_and_confirmed(demo_world, new_page, live_server):
    officer = User.objects.get(username="integrity")
    # one of the first hospital's, whose office the login is (the small second unit has its own)
    hospital = officer.role_grants.get().organisation
    warning = (
        Warning.objects.filter(source="risks", rule="review_overdue", organisation=hospital)
        .order_by("-pk")
        .first()
    )
    assert warning is not None and warning.status == WarningStatus.OPEN
    page = new_page()
    sign_in(page, live_server, officer)

    page.goto("/")
    expect(page.locator("a[href='/warnings/']").first).to_be_attached()  # 监督 › 预警
    page.goto("/warnings/")
    expect(page.locator("h1")).to_have_text("预警")
    page.select_option("#f-source", "risks")
    page.wait_for_url("**source=risks**")
    link = page.locator(f"a[href='/warnings/{warning.pk}/']")
    row = page.locator("[data-testid=warning-row]", has=link)
    expect(row).to_have_count(1)
    expect(row.locator("[data-testid=warning-status]")).to_have_text("待处理")
    screenshot(page, "warnings-list")
    link.click()

    expect(page.locator("[data-testid=warning-status]")).to_have_text("待处理")
    point_id = warning.evidence["point"][0]
    expect(page.locator("[data-testid=warning-evidence-link]")).to_have_attribute(
        "href", f"/risks/points/{point_id}/"
    )
    page.click("[data-testid=warning-move-checking]")
    expect(page.locator("[data-testid=warning-status]")).to_have_text("核查中")
    page.click("[data-testid=warning-move-confirmed]")
    expect(page.locator("[data-testid=warning-status]")).to_have_text("已确认")
    expect(page.locator("[data-testid=warning-trail]")).to_contain_text("确认预警属实")
    screenshot(page, "warnings-detail")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CONFIRMED

    phone = new_page(PHONE)
    sign_in(phone, live_server, officer)
    phone.goto("/warnings/")
    expect(phone.locator("[data-testid=warning-table]")).to_be_visible()
    assert no_sideways_scroll(phone)
    phone.goto(f"/warnings/{warning.pk}/")
    assert no_sideways_scroll(phone)
    screenshot(phone, "warnings-phone")


def test_an_overdue_review_warns_the_office_and_reaches_its_owner_in_the_inbox(
    demo_world, new_page, live_server
):
    """A filed risk point of 心内科 passes its review date; the daily run (the warnings check
    and the reminders, as the schedule runs them) makes it a warning on the office's 预警
    list, owned by the department's head, and a message in that head's inbox that leads to
    the risk point."""
    import datetime as dt

    from django.utils import timezone

    from lianfang.core import notifications, warnings
    from lianfang.core.models import Notification
    from lianfang.risks.models import RiskPoint

    head = User.objects.get(username="dept_head")
    point = (
        RiskPoint.objects.filter(
            status=RiskPoint.Status.FILED, department__head=head.person, review_due__isnull=False
        )
        .order_by("pk")
        .first()
    )
    RiskPoint.objects.filter(pk=point.pk).update(
        review_due=timezone.localdate() - dt.timedelta(days=3)
    )
    warnings.warnings_check()
    notifications.remind()

    warning = Warning.objects.get(source="risks", rule="review_overdue", key=str(point.pk))
    assert warning.owner == head.person
    message = Notification.objects.get(
        recipient=head, kind="risks.review_overdue", object_id=point.pk
    )

    office = new_page()
    sign_in(office, live_server, User.objects.get(username="integrity"))
    office.goto(f"/warnings/{warning.pk}/")
    expect(office.locator("[data-testid=warning-status]")).to_have_text("待处理")
    expect(office.locator("body")).to_contain_text(head.person.name)

    page = new_page(PHONE)
    sign_in(page, live_server, head)
    page.goto("/notifications/")
    row = page.locator("[data-testid=inbox-row]", has_text=message.subject)
    expect(row).to_have_count(1)
    assert no_sideways_scroll(page)
    screenshot(page, "warnings-owner-inbox")
    row.locator("[data-testid=inbox-link]").click()
    page.wait_for_url(f"**/risks/points/{point.pk}/")
