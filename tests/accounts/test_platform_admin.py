"""The platform administrator (平台管理员): a superuser of no organisation, made on the command
line, who signs in like anyone (TOTP included) and lands on the platform settings."""

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.urls import reverse

from lianfang.accounts.models import User
from lianfang.core.roles import PLATFORM_ADMIN
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_createsuperuser_makes_a_platform_administrator(monkeypatch, client):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser", username="root", email="root@example.org", interactive=False, verbosity=0
    )
    user = User.objects.get(username="root")
    assert user.is_superuser and user.organisation is None
    assert user.roles == {PLATFORM_ADMIN}
    assert user.is_privileged
    assert client.login(request=HttpRequest(), username="root", password=PASSWORD)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:module_list")
    assert "平台管理员" in response.content.decode()  # the role, under the account menu


def test_an_inactive_superuser_is_no_platform_administrator(platform_admin):
    platform_admin.is_active = False
    platform_admin.save()
    assert User.objects.get(pk=platform_admin.pk).roles == frozenset()


def test_the_platform_administrator_must_bind_an_authenticator(settings, login, platform_admin):
    settings.REQUIRE_OTP = True
    client = login(platform_admin)
    response = client.get(reverse("core:module_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_setup"))
    assert client.get(reverse("accounts:otp_setup")).status_code == 200


def test_the_platform_administrator_changes_their_own_password(login, platform_admin):
    assert login(platform_admin).get(reverse("accounts:password_change")).status_code == 200


def test_the_platform_administrator_sees_no_organisation_data(login, platform_admin, world):
    client = login(platform_admin)
    for name in ("org:organisation_list", "risks:register", "accounts:user_list"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_accounts_pages_show_the_role_and_keep_it_from_the_organisations_admin(login, world):
    root = User.objects.create(username="root", is_superuser=True, organisation=world.hospital)
    client = login(world.users["admin"])
    html = client.get(reverse("accounts:user_list")).content.decode()
    assert 'data-testid="platform-admin"' in html
    detail = client.get(reverse("accounts:user_detail", args=[root.pk])).content.decode()
    assert "平台管理员" in detail
    response = client.post(reverse("accounts:user_deactivate", args=[root.pk]), follow=True)
    assert "超级用户只能通过命令行管理。" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active
