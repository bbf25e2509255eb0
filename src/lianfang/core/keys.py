"""Strength of the secret keys a production server starts with (read by settings.py).

Django's deployment check only warns (security.W009) about a weak SECRET_KEY, and only when
someone runs it; a server started with `SECRET_KEY=x` would sign sessions, password-reset
links and CSRF tokens with a key anyone can guess. So settings.py refuses to start with one
when DEBUG is off. Standard library only: settings import it before Django is set up.
"""

import zlib

MIN_LENGTH = 50
MIN_DISTINCT = 10
# A key that compresses below this share of its length repeats itself ("abcabc...").
MIN_COMPRESSED_SHARE = 0.8
PLACEHOLDERS = ("change-me", "changeme", "django-insecure-", "development-only")


def secret_key_weakness(key: str) -> str | None:
    """Why `key` is too weak to sign sessions in production, or None if it is not."""
    lowered = key.lower()
    if any(word in lowered for word in PLACEHOLDERS):
        return "it is a placeholder or the development key"
    if len(key) < MIN_LENGTH:
        return f"it has {len(key)} characters, fewer than {MIN_LENGTH}"
    distinct = len(set(key))
    if distinct < MIN_DISTINCT:
        return f"it uses only {distinct} distinct characters (at least {MIN_DISTINCT})"
    if len(zlib.compress(key.encode(), 9)) < MIN_COMPRESSED_SHARE * len(key.encode()):
        return "it repeats itself"
    return None


HOW_TO_MAKE = 'python3 -c "import secrets; print(secrets.token_urlsafe(60))"'
