"""Separation of duties in Chromium: the security administrator grants a role on an account's
page, which chooses no role in advance and fits a phone."""

import pytest

from e2e.conftest import PHONE, screenshot, sign_in
from e2e.test_phone_width import overflow
from lianfang.accounts.models import RoleGrant
from lianfang.core.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.e2e


def test_the_security_administrator_grants_a_role(world, new_page, live_server):
    security = make_user("security", (Role.SECURITY, world.hospital))
    staff = world.users["staff"]
    for name, viewport in (("desktop", None), ("phone", PHONE)):
        page = new_page(viewport) if viewport else new_page()
        sign_in(page, live_server, security)
        page.goto(f"/accounts/users/{staff.pk}/")
        assert page.input_value("select[name=role]") == ""  # nothing chosen in advance
        assert overflow(page) is None
        screenshot(page, f"duties-grant-{name}")
    page.select_option("select[name=role]", Role.LEADER)
    page.select_option("select[name=organisation]", str(world.hospital.pk))
    page.click("[data-testid=grant-form] button[type=submit]")
    page.wait_for_selector("[data-testid=grant-table]")
    assert RoleGrant.objects.filter(user=staff, role=Role.LEADER).exists()
    assert "只读" in page.inner_text("[data-testid=grant-table]")
