"""Receipt codes (回执码): how a reporter, named or not, comes back to a report.

A code is 4 groups of 5 characters from a 32-letter alphabet without 0/O, 1/I (100 bits of
randomness), e.g. `K7M2Q-9XTRB-4HWCE-PZ3NA`. Its first four characters (20 bits) are stored
in the clear as a lookup key, so checking a code hashes against the few reports sharing them,
not every row; the whole code is stored only as an Argon2 hash (Django's
Argon2PasswordHasher). The other 80 bits are in no database. A code that opens nothing
still costs one hash (a dummy one), so a wrong code is answered as slowly as a right one.
"""

import re
import secrets

from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
GROUPS, GROUP_LEN = 4, 5
PREFIX_LEN = 4
LENGTH = GROUPS * GROUP_LEN
# Argon2 itself, not the first of settings.PASSWORD_HASHERS: what protects a receipt does not
# change with the hashers configured for passwords (tests that hash passwords with MD5 for speed
# still file and open reports).
HASHER = Argon2PasswordHasher()
_DUMMY = None
_TYPED = re.compile(r"[\s\-_—–·.]+")
# Lower-case letters and the look-alikes people type for the excluded characters.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1"})


def generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP_LEN] for i in range(0, LENGTH, GROUP_LEN))


def normalise(typed: str) -> str:
    """The code as stored for hashing: upper case, separators dropped ("" when malformed)."""
    text = _TYPED.sub("", (typed or "").upper())
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return text


def prefix_of(code: str) -> str:
    return normalise(code)[:PREFIX_LEN]


def hash_code(code: str) -> str:
    return make_password(normalise(code), hasher=HASHER)


def _check(raw: str, encoded: str) -> bool:
    """Whether `raw` hashes to `encoded` (an Argon2 hash; its own parameters are used)."""
    return encoded.startswith(f"{HASHER.algorithm}$") and HASHER.verify(raw, encoded)


def matches(code: str, encoded: str) -> bool:
    return bool(code) and _check(normalise(code), encoded)


def spend_a_hash() -> None:
    """One Argon2 check that opens nothing: a wrong code costs what a right one does."""
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = make_password(generate().replace("-", ""), hasher=HASHER)
    _check("0" * LENGTH, _DUMMY)


def quotes(text: str, prefix: str, encoded: str, *, limit: int = 5) -> bool:
    """Whether `text` contains the receipt code (hashed as `encoded`, first group `prefix`),
    with any separators, spaces or case. Only stretches starting with the prefix are hashed
    (at most `limit`), so a long message costs a few hashes at most."""
    squashed = re.sub(r"[^0-9A-Z]", "", (text or "").upper().translate(_LOOKALIKES))
    checked, start = 0, squashed.find(prefix)
    while start != -1 and checked < limit:
        window = squashed[start : start + LENGTH]
        if len(window) == LENGTH and all(ch in ALPHABET for ch in window):
            checked += 1
            if _check(window, encoded):
                return True
        start = squashed.find(prefix, start + 1)
    return False
