"""Rate limiting of receipt checks: short-lived counters in the cache, never the database.

A client (`request.complaints_client_key`, an hourly keyed hash of the address, see
middleware.py) gets LIMIT wrong codes per WINDOW; so does each lookup prefix (one report's
code tried from many addresses). Counters expire with the window.
"""

from django.core.cache import cache

LIMIT = 5
PREFIX_LIMIT = 20
WINDOW = 15 * 60


def _keys(client_key: str, prefix: str) -> list[tuple[str, int]]:
    keys = [(f"complaints:receipt:client:{client_key}", LIMIT)]
    if prefix:
        keys.append((f"complaints:receipt:prefix:{prefix}", PREFIX_LIMIT))
    return keys


def blocked(client_key: str, prefix: str = "") -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(client_key, prefix))


def failed(client_key: str, prefix: str = "") -> None:
    for key, _limit in _keys(client_key, prefix):
        if not cache.add(key, 1, WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, WINDOW)
