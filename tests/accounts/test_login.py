import pytest
from django.urls import reverse

from lianfang.accounts.models import User


@pytest.fixture
def login_url():
    return reverse("accounts:login")


def post_login(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.django_db
def test_new_passwords_are_hashed_with_argon2(world):
    user = User.objects.create_user(username="new_user", password="Another-pass-2026")
    assert user.password.startswith("argon2")
    assert user.check_password("Another-pass-2026")


def test_login_page_renders_in_chinese(client, login_url, db):
    response = client.get(login_url)
    assert response.status_code == 200
    assert "账号登录" in response.content.decode()


def test_right_password_signs_in_and_goes_home(client, world, login_url, password):
    response = post_login(client, login_url, "staff", password)
    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")
    assert int(client.session["_auth_user_id"]) == world.users["staff"].pk


def test_wrong_password_gets_a_chinese_error(client, world, login_url):
    response = post_login(client, login_url, "staff", "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivated_account_cannot_sign_in(client, world, login_url, password):
    staff = world.users["staff"]
    staff.is_active = False
    staff.save()
    response = post_login(client, login_url, "staff", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def fail(client, url, clock, times):
    """`times` wrong passwords for staff, each after the slowdown of the last has passed."""
    for _ in range(times):
        post_login(client, url, "staff", "wrong-password")
        clock.advance(60)


def test_four_failures_do_not_lock(client, world, login_url, password, clock):
    fail(client, login_url, clock, 4)
    response = post_login(client, login_url, "staff", password)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_five_failures_lock_the_account_but_not_others(client, world, login_url, password, clock):
    fail(client, login_url, clock, 5)

    response = post_login(client, login_url, "staff", password)
    body = response.content.decode()
    assert response.status_code == 429
    assert "登录已被暂时锁定" in body
    assert "请在 30 分钟后再试" in body
    assert "_auth_user_id" not in client.session

    # Another account signing in from the same address is not affected.
    response = post_login(client, login_url, "integrity", password)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.users["integrity"].pk
