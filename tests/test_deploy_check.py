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


def test_deploy_check_passes_behind_a_proxy(tmp_path):
    result = run_check(
        tmp_path, BEHIND_PROXY="1", CSRF_TRUSTED_ORIGINS="https://lianfang.example.org"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_on_a_weak_secret_key(tmp_path):
    result = run_check(tmp_path, SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "LIANFANG_DATA_KEY"])
def test_production_refuses_to_start_without_keys(tmp_path, missing):
    result = run_check(tmp_path, **{missing: None})
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off" in result.stderr
