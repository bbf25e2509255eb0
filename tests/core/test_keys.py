import base64
import os
import secrets

import pytest
from django.core.management.utils import get_random_secret_key

from lianfang.core.keys import secret_key_weakness


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(60),  # the documented recipe
        lambda: secrets.token_hex(25),  # 50 hex digits
        lambda: secrets.token_hex(32),
        get_random_secret_key,  # Django's startproject key
        lambda: base64.b64encode(os.urandom(48)).decode(),
    ],
)
def test_random_keys_pass(make):
    for _ in range(200):
        key = make()
        assert secret_key_weakness(key) is None, key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "x",
        "s3cr3t-" * 3,
        "a" * 80,
        "ab" * 40,
        "correct-horse-battery-staple-" * 3,
        "django-insecure-" + secrets.token_urlsafe(60),
        "lianfang-development-only-secret-key-never-use-in-production-0123456789",
    ],
    # ids fixed at collection: the parallel workers must collect the same tests
    ids=["empty", "one", "repeated", "a", "ab", "phrase", "django-insecure", "development"],
)
def test_weak_keys_are_named(key):
    assert secret_key_weakness(key)
