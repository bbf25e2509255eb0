"""The disclosure portal in a real browser: an anonymous visitor on a phone opens the demo
hospital's public site at the root URL, finds the leaders and what they are in charge of,
then the procurement power with its risk points; the same site at desktop width."""

import pytest
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, reseed_from_migrations, screenshot
from lianfang.core import publications
from lianfang.core.models import Publication
from lianfang.demo.services import demo_load
from lianfang.org.models import Power
from lianfang.portal.models import PortalSite
from lianfang.risks.models import RiskPoint

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reseed_from_migrations()
    demo_load(seed=1)
    return PortalSite.objects.select_related("organisation").get(enabled=True)


def no_sideways_scroll(page):
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def procurement_power(hospital):
    """The demo hospital's first public procurement power with published risk points."""
    column = publications.column_of("risks", "risk_points")
    published = Publication.objects.filter(
        organisation=hospital, column=column, withdrawn_at__isnull=True
    ).values_list("object_id", flat=True)
    powers = RiskPoint.objects.filter(pk__in=list(published)).values_list("power_id", flat=True)
    return (
        Power.objects.filter(
            organisation=hospital,
            category="procurement",
            is_public=True,
            active=True,
            pk__in=list(powers),
        )
        .order_by("code")
        .first()
    )


def test_an_anonymous_visitor_reads_the_demo_hospitals_portal_on_a_phone(demo, new_page):
    hospital = demo.organisation
    power = procurement_power(hospital)
    assert power is not None
    page = new_page(PHONE)
    page.goto("/")
    expect(page.get_by_test_id("portal-brand")).to_contain_text(hospital.name)
    expect(page.get_by_test_id("home-power-holders")).to_be_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "portal-phone-home")

    page.get_by_test_id("nav-power-holders").click()
    leaders = page.get_by_test_id("leader")
    expect(leaders.first).to_be_visible()
    assert leaders.count() >= 3
    expect(page.get_by_test_id("divisions").first).to_contain_text("分管")
    avatar = leaders.first.locator("img.gk-avatar")
    expect(avatar).to_be_visible()
    assert page.evaluate(
        "(img) => img.complete && img.naturalWidth === 192", avatar.element_handle()
    )
    assert no_sideways_scroll(page)
    screenshot(page, "portal-phone-power-holders")

    page.get_by_test_id("nav-catalogue").click()
    page.get_by_role("link", name=power.name, exact=True).first.click()
    expect(page.get_by_test_id("power-name")).to_have_text(power.name)
    expect(page.get_by_test_id("flow")).to_be_visible()
    risks = page.get_by_test_id("risk")
    expect(risks.first).to_be_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "portal-phone-procurement")

    page.get_by_test_id("nav-risk-points").click()
    expect(page.get_by_test_id("risk").first).to_be_visible()
    page.select_option("#gk-level", "1")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#gk-level")).to_have_value("1")
    assert no_sideways_scroll(page)
    screenshot(page, "portal-phone-risk-points", full_page=False)  # a long list
    # an anonymous visitor is given no cookie, however far they read
    assert page.context.cookies() == []


def test_the_portal_at_desktop_width(demo, new_page):
    page = new_page(DESKTOP)
    page.goto(f"/gk/{demo.organisation.code}/")
    expect(page.get_by_test_id("home-catalogue")).to_be_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "portal-desktop-home")
    page.get_by_test_id("nav-power-holders").click()
    expect(page.get_by_test_id("department").first).to_be_visible()
    page.get_by_test_id("department").first.locator("summary").click()
    screenshot(page, "portal-desktop-power-holders", full_page=False)


def charted_procurement_power(hospital):
    """The demo hospital's first public procurement power with published risk points and a
    flow chart (a flow definition of the shipped library drives it)."""
    from lianfang.portal.columns import power_chart

    column = publications.column_of("risks", "risk_points")
    published = Publication.objects.filter(
        organisation=hospital, column=column, withdrawn_at__isnull=True
    ).values_list("object_id", flat=True)
    with_risks = RiskPoint.objects.filter(pk__in=list(published)).values_list("power_id", flat=True)
    powers = Power.objects.filter(
        organisation=hospital,
        category="procurement",
        is_public=True,
        active=True,
        pk__in=list(with_risks),
    ).order_by("code")
    return next((p for p in powers if power_chart(p)), None)


def test_done_when_a_new_visitor_finds_it_all_and_a_published_notice_appears(
    demo, new_page, live_server
):
    """Issue 12's Done when, on a 390 px Chromium: a visitor, not signed in, finds the leaders
    and what they are in charge of, the procurement power with its flow chart and risk points,
    this month's notices and a cadre selection's published results; then an editor's notice
    passes the 审核 and appears. What to look for is read from the seeded demo, not assumed."""
    from django.utils import timezone

    from e2e.conftest import sign_in
    from lianfang.accounts.models import User
    from lianfang.content.models import Article
    from lianfang.content.permissions import may_edit_column
    from lianfang.portal import selectors as portal_selectors
    from lianfang.portal.models import PortalColumn

    hospital = demo.organisation
    code = hospital.code
    power = charted_procurement_power(hospital)
    assert power is not None, "the demo publishes a procurement power with its chart and risks"
    today = timezone.localdate()
    this_month = list(
        Article.objects.public()
        .filter(
            organisation=hospital,
            column__kind="notices",
            published_on__year=today.year,
            published_on__month=today.month,
        )
        .values_list("title", flat=True)
    )
    assert this_month, "the demo has notices of this month"
    cadre = [
        r
        for r in portal_selectors.published_results(hospital)
        if "竞聘" in portal_selectors.flow_of(r)
    ]
    assert cadre, "the demo publishes a cadre selection's control points"
    cadre_flow = portal_selectors.flow_of(cadre[0])

    page = new_page(PHONE)
    page.goto(f"/gk/{code}/")
    expect(page.get_by_test_id("portal-brand")).to_contain_text(hospital.name)
    assert no_sideways_scroll(page)
    screenshot(page, "done-1-home")

    # the leaders and what they are in charge of
    page.get_by_test_id("nav-power-holders").click()
    expect(page.get_by_test_id("leader").first).to_be_visible()
    expect(page.get_by_test_id("divisions").first).to_contain_text("分管")
    assert no_sideways_scroll(page)
    screenshot(page, "done-2-leaders")

    # the procurement power, its flow chart and its risk points
    page.get_by_test_id("nav-catalogue").click()
    page.get_by_role("link", name=power.name, exact=True).first.click()
    expect(page.get_by_test_id("power-name")).to_have_text(power.name)
    expect(page.get_by_test_id("flow-chart")).to_be_visible()
    expect(page.get_by_test_id("risk").first).to_be_visible()
    assert no_sideways_scroll(page)
    screenshot(page, "done-3-procurement")

    # this month's notices
    page.get_by_test_id("nav-notices").click()
    items = page.get_by_test_id("column-items")
    for title in this_month:
        expect(items).to_contain_text(title)
    assert no_sideways_scroll(page)
    screenshot(page, "done-4-notices")

    # a cadre selection's published results
    page.get_by_test_id("nav-results").click()
    page.select_option("#gk-flow", cadre_flow)
    page.get_by_role("button", name="筛选").click()
    groups = page.get_by_test_id("result-group")
    expect(groups).to_have_count(1)
    expect(groups.first).to_contain_text(cadre_flow)
    groups.first.get_by_test_id("result").first.get_by_role("link").click()
    expect(page.locator("main")).to_contain_text(cadre[0].title)
    expect(page.locator("main")).to_contain_text("心内科护士长")
    assert no_sideways_scroll(page)
    screenshot(page, "done-5-cadre-results")
    assert page.context.cookies() == []

    # an editor writes a notice and submits it; the integrity office publishes it (审核)
    notices = PortalColumn.objects.get(organisation=hospital, kind="notices")
    editor_user = next(
        u
        for u in User.objects.filter(username__in=["admin", "dept_head", "staff"]).order_by("pk")
        if may_edit_column(u, notices)
    )
    title = "关于开展廉洁从业集中教育的通知"
    editor = new_page(PHONE)
    sign_in(editor, live_server, editor_user)
    editor.goto("/content/new/")
    editor.select_option("#id_column", str(notices.pk))
    editor.fill("#id_title", title)
    body = editor.locator(".prose-editor [contenteditable=true]")
    body.click()
    editor.keyboard.type("请各科室组织职工学习《九项准则》。")
    editor.get_by_test_id("article-save").click()
    expect(editor.get_by_test_id("article-status")).to_have_text("草稿")
    editor.get_by_test_id("article-submit").click()
    expect(editor.get_by_test_id("article-status")).to_have_text("待审核")
    screenshot(editor, "done-6-submitted")

    reviewer = new_page(PHONE)
    sign_in(reviewer, live_server, User.objects.get(username="integrity"))
    reviewer.goto("/content/review/")
    reviewer.get_by_role("link", name=title).click()
    reviewer.get_by_test_id("article-publish").click()
    expect(reviewer.get_by_test_id("article-status")).to_have_text("已发布")
    screenshot(reviewer, "done-7-published")

    # the visitor's notices column shows it, first among this month's
    page.goto(f"/gk/{code}/c/{notices.code}/")
    page.reload()  # the browser asks again; the site renders afresh after a publication
    expect(page.get_by_test_id("column-items")).to_contain_text(title)
    page.get_by_test_id("column-items").get_by_role("link", name=title).click()
    expect(page.get_by_test_id("public-article")).to_contain_text("九项准则")
    assert no_sideways_scroll(page)
    screenshot(page, "done-8-notice-appears")
    assert page.context.cookies() == []
