"""系统维护 › Word 模板, 监督 › 公开发布 and the public page in Chromium, at desktop and phone
width: they render, and nothing scrolls sideways."""

import pytest

from e2e.conftest import DESKTOP, PHONE, sign_in
from e2e.test_phone_width import overflow
from lianfang.org.publications import power_catalogue_publish
from lianfang.portal.models import PortalSite
from lianfang.risks.publications import risk_points_publish
from tests.risks.register_data import build_register

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_pages_fit(world, new_page, live_server, size, tmp_path, settings):
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path
    build_register(world)
    office = world.users["integrity"]
    power_catalogue_publish(actor=office, organisation=world.hospital)
    risk_points_publish(actor=office, organisation=world.hospital)
    page = new_page(size)
    sign_in(page, live_server, world.users["admin"])
    page.goto(f"/maintenance/organisations/{world.hospital.pk}/word-templates/")
    assert page.get_by_test_id("upload").is_visible()
    assert overflow(page) is None
    name = "desktop" if size is DESKTOP else "phone"
    page.screenshot(path=str(tmp_path / f"word-{name}.png"), full_page=True)
    page.context.clear_cookies()
    sign_in(page, live_server, office)
    page.goto(f"/publications/{world.hospital.pk}/risks/risk_points/")
    assert page.get_by_test_id("publish").is_visible()
    assert overflow(page) is None
    page.screenshot(path=str(tmp_path / f"publications-{name}.png"), full_page=True)
    page.context.clear_cookies()
    PortalSite.objects.get_or_create(organisation=world.hospital, defaults={"enabled": True})
    page.goto(f"/public/{world.hospital.pk}/risks/risk_points/")
    assert page.get_by_test_id("public-records").is_visible()
    assert overflow(page) is None
    page.screenshot(path=str(tmp_path / f"public-{name}.png"), full_page=True)
    print("screenshots:", tmp_path)
