"""Login throttling beside axes' lockout, so that nobody can lock anybody else out.

Three rules, each keyed by the client's address as `core.client_address` reads it (behind a
trusted proxy: from X-Forwarded-For):

1. Lockout (axes, settings.AXES_*): five failures of one username from one address lock that
   pair for 30 minutes. The same username from any other address is not locked.
2. Slowdown of a username: once it has failed `LIANFANG_LOGIN_SLOWDOWN_AFTER` times (from any
   addresses, within the window), an address that has failed on it must wait 2, 4, 8...
   seconds (at most `LIANFANG_LOGIN_SLOWDOWN_MAX`) after the username's last failure before
   trying it again. An address that has not failed on it is never held back, so the real
   user signs in while someone elsewhere guesses their password.
3. Limit of an address: `LIANFANG_LOGIN_ADDRESS_LIMIT` failures within a window of
   `LIANFANG_LOGIN_WINDOW` seconds, over all usernames, and the address may not try any
   username until the window ends (one client spraying a password over many usernames).

A refused attempt checks no password and counts as no failure. Nothing sleeps in the server:
the refusal says how long to wait. The counters live in the cache (shared by every worker
and host when REDIS_URL is set); usernames and addresses enter the keys only hashed. The
clock is a parameter so that tests travel in time instead of sleeping.
"""

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import checks
from django.core.cache import cache
from django.utils.translation import gettext as _

from lianfang.core.client_address import client_address

PREFIX = "lianfang:login:"


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before its password is checked, and for how long."""

    seconds: int
    reason: str  # "username" (slowdown) or "address" (limit)

    @property
    def message(self) -> str:
        if self.reason == "address" and self.seconds >= 120:
            return _("该网络地址登录失败次数过多，请 %(minutes)s 分钟后再试。") % {
                "minutes": math.ceil(self.seconds / 60)
            }
        if self.reason == "address":
            return _("该网络地址登录失败次数过多，请 %(seconds)s 秒后再试。") % {
                "seconds": self.seconds
            }
        return _("该账号登录失败次数过多，请 %(seconds)s 秒后再试。") % {"seconds": self.seconds}


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _username(username) -> str:
    return str(username or "").strip().casefold()


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock

    # settings are read on each use, so tests may change them
    @property
    def window(self) -> int:
        return settings.LIANFANG_LOGIN_WINDOW

    def slowdown(self, failures: int) -> int:
        """Seconds an address that failed must wait after a username's `failures`-th failure."""
        after = settings.LIANFANG_LOGIN_SLOWDOWN_AFTER
        if failures < after:
            return 0
        return min(2 ** (failures - after + 1), settings.LIANFANG_LOGIN_SLOWDOWN_MAX)

    def _user_key(self, username):
        return PREFIX + "user:" + _digest(_username(username))

    def _pair_key(self, username, address):
        return PREFIX + "pair:" + _digest(_username(username), address)

    def _address_key(self, address, bucket):
        return f"{PREFIX}addr:{_digest(address)}:{bucket}"

    def _fresh(self, stamp, now) -> bool:
        return stamp is not None and now - stamp < self.window

    def refusal(self, username, address: str) -> Refusal | None:
        """The refusal of an attempt on `username` from `address` now, or None to go ahead."""
        now = self.clock()
        bucket = int(now // self.window)
        if cache.get(self._address_key(address, bucket), 0) >= (
            settings.LIANFANG_LOGIN_ADDRESS_LIMIT
        ):
            return Refusal(math.ceil((bucket + 1) * self.window - now), "address")
        if not self._fresh(cache.get(self._pair_key(username, address)), now):
            return None  # this address has not failed on this username: never slowed
        state = cache.get(self._user_key(username))
        if not state or not self._fresh(state["last"], now):
            return None
        wait = state["last"] + self.slowdown(state["failures"]) - now
        return Refusal(math.ceil(wait), "username") if wait > 0 else None

    def failed(self, username, address: str) -> None:
        now = self.clock()
        timeout = self.window + settings.LIANFANG_LOGIN_SLOWDOWN_MAX
        user_key = self._user_key(username)
        state = cache.get(user_key)
        failures = state["failures"] + 1 if state and self._fresh(state["last"], now) else 1
        cache.set(user_key, {"failures": failures, "last": now}, timeout)
        cache.set(self._pair_key(username, address), now, timeout)
        key = self._address_key(address, int(now // self.window))
        cache.add(key, 0, 2 * self.window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, 2 * self.window)

    def succeeded(self, username, address: str) -> None:
        """The address signed in: it is no longer one that failed on this username. The
        username's count stays until it ages out, so an attacker's pace is not reset by the
        real user signing in."""
        cache.delete(self._pair_key(username, address))

    def forget(self, username) -> None:
        """An administrator reset the password: the username's slowdown ends at once."""
        cache.delete(self._user_key(username))


LOGIN = LoginThrottle()


def _on_failure(sender, credentials, request=None, **kwargs):
    if request is not None:
        LOGIN.failed(credentials.get("username"), client_address(request))


def _on_success(sender, request, user, **kwargs):
    if request is not None:
        LOGIN.succeeded(user.get_username(), client_address(request))


def connect() -> None:
    user_login_failed.connect(_on_failure, dispatch_uid="lianfang.accounts.throttle.failure")
    user_logged_in.connect(_on_success, dispatch_uid="lianfang.accounts.throttle.success")


@checks.register(checks.Tags.security, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """The throttle counts in the cache: a cache of each process counts per worker."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            checks.Warning(
                "The cache is local to each worker process, so the login throttle (a "
                "username's slowdown, an address's limit) counts each worker's attempts apart.",
                hint="Set REDIS_URL (see docs/deployment.md).",
                id="lianfang.W002",
            )
        ]
    return []
