import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The demo hashes its password once per load; argon2 would dominate these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
