"""Login throttling behind the documented nginx: the client's address comes from
X-Forwarded-For (REMOTE_ADDR is the proxy), the lockout holds one username from one address,
a username slows down without locking its owner out, and one address cannot spray many
usernames. Real cache, real database, a clock moved by the test."""

import pytest
from django.test import Client
from django.urls import reverse

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
OFFICER = "198.51.100.7"


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    settings.LIANFANG_TRUSTED_PROXIES = ["127.0.0.1", "::1", "10.0.0.0/24"]


def via_proxy(client_address):
    """A browser at `client_address` whose requests reach Django through nginx."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def attempt(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def signed_in(client):
    return "_auth_user_id" in client.session


def fail_patiently(client, clock, username, times):
    """`times` wrong passwords, each after the slowdown has passed."""
    for _ in range(times):
        response = attempt(client, username, "not-the-password")
        assert "登录失败次数过多" not in response.content.decode()  # not held back
        assert not signed_in(client)
        clock.advance(61)


def test_anonymous_failures_do_not_lock_the_integrity_officer_out(world, password, clock):
    attacker = via_proxy(ATTACKER)
    fail_patiently(attacker, clock, "integrity", 5)

    # The attacker's address is locked for this username...
    response = attempt(attacker, "integrity", password)
    assert response.status_code == 429
    assert "登录已被暂时锁定" in response.content.decode()
    assert not signed_in(attacker)

    # ...the officer, at their own desk behind the same nginx, signs in at once.
    officer = via_proxy(OFFICER)
    response = attempt(officer, "integrity", password)
    assert response.status_code == 302
    assert int(officer.session["_auth_user_id"]) == world.users["integrity"].pk


def test_a_username_slows_down_by_growing_steps_up_to_a_minute(world, password, clock):
    attacker = via_proxy(ATTACKER)
    for _ in range(3):
        assert attempt(attacker, "staff", "wrong-password").status_code == 200

    # Third failure: the next try from this address waits 2 s, even with the right password.
    response = attempt(attacker, "staff", password)
    assert response.status_code == 429
    assert response["Retry-After"] == "2"
    assert "请 2 秒后再试" in response.content.decode()
    assert not signed_in(attacker)
    clock.advance(1)
    assert "请 1 秒后再试" in attempt(attacker, "staff", password).content.decode()
    clock.advance(1)
    assert attempt(attacker, "staff", "wrong-password").status_code == 200  # fourth failure

    assert "请 4 秒后再试" in attempt(attacker, "staff", password).content.decode()

    # Many addresses guessing the same username: the wait grows, capped at a minute.
    for i in range(10):
        clock.advance(60)
        assert attempt(via_proxy(f"192.0.2.{i}"), "staff", "wrong-password").status_code == 200
    response = attempt(via_proxy("192.0.2.1"), "staff", password)
    assert response.status_code == 429
    assert "请 60 秒后再试" in response.content.decode()

    clock.advance(60)
    assert attempt(via_proxy("192.0.2.1"), "staff", password).status_code == 302


def test_the_slowdown_never_holds_back_an_address_that_has_not_failed(world, password, clock):
    for i in range(8):
        attempt(via_proxy(f"192.0.2.{i}"), "staff", "wrong-password")
    assert attempt(via_proxy("192.0.2.1"), "staff", password).status_code == 429

    # The owner, from an address that has not failed, signs in during the slowdown...
    owner = via_proxy(OFFICER)
    assert attempt(owner, "staff", password).status_code == 302
    assert int(owner.session["_auth_user_id"]) == world.users["staff"].pk

    # ...and a typo of theirs is an ordinary wrong password, after which they wait too.
    typo = via_proxy("198.51.100.8")
    response = attempt(typo, "staff", "typo")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert attempt(typo, "staff", password).status_code == 429


def test_signing_in_clears_the_address_of_its_failures(world, password, clock):
    owner = via_proxy(OFFICER)
    fail_patiently(owner, clock, "staff", 3)
    assert attempt(owner, "staff", password).status_code == 302
    owner.logout()
    # Another guesser keeps the username's count up, but the owner's address is clean again.
    attempt(via_proxy(ATTACKER), "staff", "wrong-password")
    assert attempt(owner, "staff", password).status_code == 302


def test_one_address_cannot_spray_many_usernames(world, password, clock, settings):
    settings.LIANFANG_LOGIN_ADDRESS_LIMIT = 6
    settings.LIANFANG_LOGIN_WINDOW = 900
    sprayer = via_proxy(ATTACKER)
    for name in ["admin", "integrity", "leader", "dept_head", "staff", "no-such-user"]:
        response = attempt(sprayer, name, "Spring2026!")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()

    # Every username is refused from that address now, the right password too.
    response = attempt(sprayer, "outsider", password)
    assert response.status_code == 429
    assert "该网络地址登录失败次数过多，请 15 分钟后再试" in response.content.decode()
    assert not signed_in(sprayer)

    # Other addresses behind the same proxy are not affected.
    assert attempt(via_proxy(OFFICER), "outsider", password).status_code == 302

    # Once the window has passed, the address may try again.
    clock.advance(900)
    assert attempt(sprayer, "outsider", password).status_code == 302


@pytest.mark.parametrize(
    "remote, forwarded",
    [
        # A client reaching Django directly cannot pick its address with the header.
        (ATTACKER, "192.0.2.{i}"),
        # Behind nginx appending to the header ($proxy_add_x_forwarded_for), the client's own
        # entries stand left of the address nginx saw; only the right-most untrusted one counts.
        (PROXY, "192.0.2.{i}, " + ATTACKER),
    ],
)
def test_a_forged_forwarded_for_does_not_change_the_address(
    world, password, clock, remote, forwarded
):
    def forger(i):
        return Client(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded.format(i=i))

    for i in range(5):
        attempt(forger(i), "staff", "wrong-password")
        clock.advance(61)
    # Every attempt counted against the attacker's address, whatever the header said.
    assert attempt(forger(99), "staff", password).status_code == 429
    assert attempt(via_proxy(OFFICER), "staff", password).status_code == 302
