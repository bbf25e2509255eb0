"""The login page's refusals, in the browser: a username that failed three times waits, and
the page says how long, in Chinese."""

import re

import pytest
from django.core.cache import cache

from lianfang.accounts import throttle

from .conftest import PASSWORD, log_in, screenshot


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    cache.clear()
    fake = Clock()
    monkeypatch.setattr(throttle.LOGIN, "clock", fake)
    yield fake
    cache.clear()


def attempt(page, username, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_slowed_username_is_told_how_long_to_wait(world, page, problems, clock):
    for _ in range(3):
        attempt(page, "staff", "wrong-password")
        assert "用户名或密码错误" in page.inner_text(".lf-card")
    attempt(page, "staff", PASSWORD)
    assert "该账号登录失败次数过多，请 2 秒后再试。" in page.inner_text(".lf-card")
    assert page.input_value("#id_username") == "staff"
    screenshot(page, "login-slowdown", full_page=False)
    # The refusal answers 429, which the browser reports on its console: expected here.
    refused = [p for p in problems if "status of 429" in p]
    assert len(refused) == 1
    problems[:] = [p for p in problems if p not in refused]

    clock.now += 2
    log_in(page, "staff")
    assert re.search(r"/$", page.url)
