"""`lianfang check --deploy` passes with production settings (and fails when they are weak)."""

import base64
import os
import secrets
import subprocess
import sys

import pytest

# Variables of this process that a production server would not have.
NOT_INHERITED = {
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests
}


def run_check(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="lianfang.example.org",
        LIANFANG_DATA_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        # Not contacted: the deployment checks read the settings only.
        DATABASE_URL="postgres://lianfang@db.example.invalid:5432/lianfang",
        REDIS_URL="redis://cache.example.invalid:6379/1",
        LIANFANG_VAR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    env.update(overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-m", "lianfang.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_production_settings(tmp_path):
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


BEHIND_NGINX = {
    "BEHIND_PROXY": "1",
    "CSRF_TRUSTED_ORIGINS": "https://lianfang.example.org",
    "LIANFANG_TRUSTED_PROXIES": "127.0.0.1,::1",
}


def test_deploy_check_passes_behind_a_proxy(tmp_path):
    result = run_check(tmp_path, **BEHIND_NGINX)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_warns_behind_a_proxy_it_does_not_trust(tmp_path):
    # Every client would have nginx's address: the lockout would lock usernames for everybody.
    result = run_check(tmp_path, **{**BEHIND_NGINX, "LIANFANG_TRUSTED_PROXIES": None})
    assert result.returncode != 0
    assert "lianfang.W001" in result.stdout + result.stderr
    assert "LIANFANG_TRUSTED_PROXIES" in result.stdout + result.stderr


def test_deploy_check_warns_without_a_shared_cache(tmp_path):
    # The login throttle would count each gunicorn worker's attempts apart.
    result = run_check(tmp_path, REDIS_URL=None)
    assert result.returncode != 0
    assert "lianfang.W002" in result.stdout + result.stderr


def test_production_refuses_a_bad_trusted_proxy(tmp_path):
    result = run_check(tmp_path, **{**BEHIND_NGINX, "LIANFANG_TRUSTED_PROXIES": "nginx"})
    assert result.returncode != 0
    assert "LIANFANG_TRUSTED_PROXIES: 'nginx' is not an address or a network" in result.stderr


@pytest.mark.parametrize(
    "key, reason",
    [
        ("x", "it has 1 characters, fewer than 50"),
        ("too-short", "it has 9 characters, fewer than 50"),
        ("a" * 64, "only 1 distinct characters"),
        ("0123456789abcdef" * 4, "it repeats itself"),
        ("change-me-to-50-or-more-random-characters-0123456789", "a placeholder"),
    ],
)
def test_production_refuses_to_start_with_a_weak_secret_key(tmp_path, key, reason):
    result = run_check(tmp_path, SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr
    assert reason in result.stderr
    assert "secrets.token_urlsafe(60)" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "LIANFANG_DATA_KEY"])
def test_production_refuses_to_start_without_keys(tmp_path, missing):
    result = run_check(tmp_path, **{missing: None})
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr
