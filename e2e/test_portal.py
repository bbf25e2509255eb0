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
