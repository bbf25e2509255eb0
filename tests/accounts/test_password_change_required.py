"""A password someone else chose (an initial password, an administrator's reset) must be
replaced at the first sign-in: every page but the password page, signing out and static
files sends the user there until they have."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lianfang.accounts import api_tokens
from lianfang.accounts.models import User
from lianfang.core.models import AuditEvent
from tests.factories import PASSWORD

NEW_PASSWORD = "Ziji-de-mima-2026"


@pytest.fixture
def forced(world):
    staff = world.users["staff"]
    User.objects.filter(pk=staff.pk).update(must_change_password=True)
    staff.refresh_from_db()
    return staff


def change_url():
    return reverse("accounts:password_change")


@pytest.mark.parametrize(
    "url", ["/", "/org/people/", "/risks/", "/org/people/search/?q=zs", "/accounts/users/"]
)
def test_every_page_sends_the_user_to_the_password_page(forced, login, url):
    response = login(forced).get(url)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == change_url()
    assert parse_qs(target.query) == {"next": [url]}


def test_the_password_page_sign_out_and_static_files_stay_open(forced, login, settings):
    client = login(forced)
    page = client.get(change_url())
    assert page.status_code == 200
    assert "请先设置只有您自己知道的新密码" in page.content.decode()
    assert client.get("/static/lianfang/app.js").status_code in (200, 404)  # never a redirect
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_the_api_answers_a_session_with_403_and_a_token_as_usual(world, forced, login):
    response = login(forced).get("/api/org/people/")
    assert response.status_code == 403
    assert response.json() == {"detail": "请先修改初始密码。"}
    account = api_tokens.service_account_create(
        actor=world.users["admin"], username="his-sync", organisation=world.hospital
    )
    from lianfang.accounts import services
    from lianfang.core.roles import Role

    services.role_grant(
        actor="cli:test", user=account, role=Role.INTEGRITY, organisation=world.hospital
    )
    User.objects.filter(pk=account.pk).update(must_change_password=True)
    token = Token.objects.create(user=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/org/people/").status_code == 200


def test_choosing_a_new_password_lifts_the_obligation_and_is_audited(forced, login):
    client = login(forced)
    response = client.post(
        change_url(),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    forced.refresh_from_db()
    assert not forced.must_change_password
    assert forced.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # still signed in, and free to go on
    event = AuditEvent.objects.get(action="accounts.user.password_change")
    assert event.after == {"must_change_password": False}
    assert NEW_PASSWORD not in str(event.after) and forced.password not in str(event.after)


def test_the_initial_password_cannot_be_kept(forced, login):
    response = login(forced).post(
        change_url(),
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "新密码不能与当前密码相同" in response.content.decode()
    forced.refresh_from_db()
    assert forced.must_change_password


def test_users_without_the_flag_are_not_stopped(world, login):
    assert login(world.users["staff"]).get("/org/people/").status_code == 200
