import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The demo hashes its password once per load; argon2 would dominate these tests' time.
    # Argon2 stays known for the complaints' receipts (demo/complaints.py hashes them cheaply).
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
