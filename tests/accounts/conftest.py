import pytest
from django.core.cache import cache

from lianfang.accounts import throttle
from lianfang.core.roles import Role
from tests.factories import make_user


@pytest.fixture
def security(world):
    """The hospital's security administrator (安全管理员), who grants and revokes roles."""
    return make_user("security", (Role.SECURITY, world.hospital))


@pytest.fixture(autouse=True)
def empty_cache():
    """The login throttle counts in the cache: each test starts with none of its counts."""
    cache.clear()
    yield
    cache.clear()


class Clock:
    """The throttle's clock, moved by the test instead of sleeping."""

    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttle.LOGIN, "clock", fake)
    return fake
