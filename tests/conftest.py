from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from tests.audit_triggers import audit_triggers_let_the_test_database_be_emptied  # noqa: F401
from tests.factories import PASSWORD, build_world, make_platform_admin
from tests.small_demo import FAST_PASSWORD_HASHERS, smaller_demo


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def platform_admin(db):
    """The platform administrator (平台管理员): a superuser of no organisation."""
    return make_platform_admin()


@pytest.fixture
def login(client):
    """Sign a test client in as a user of the world."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def default_language(settings):
    """Every test starts in the platform's default language: a request made in English by an
    earlier test must not leave English active in this thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def jobs_run_by_the_test(settings, tmp_path):
    """Background jobs wait in the queue until a test runs them (`jobs.run_pending()`), in
    the test's own thread and transaction; their files, and the stored attachments, go to a
    folder of the test's (the suite runs in parallel processes: none may see another's files)."""
    settings.LIANFANG_JOBS = "worker"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"


@pytest.fixture(autouse=True)
def small_demo(monkeypatch):
    smaller_demo(monkeypatch)


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The (smaller) demo, seed 7, loaded once for all the tests of a module that read it: a
    load takes the better part of a minute, and most demo tests only look. It is loaded in a
    transaction that stays open while the module's tests run, each in a savepoint of it as
    usual (what a test writes is rolled back after it), and is rolled back after the last one,
    so no other module sees it. Yields what the command printed."""
    files = tmp_path_factory.mktemp("demo")
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(
            PASSWORD_HASHERS=FAST_PASSWORD_HASHERS,
            LIANFANG_JOBS="worker",
            MEDIA_ROOT=files / "media",
            LIANFANG_ATTACHMENTS_DIR=files / "attachments",
        ),
    ):
        smaller_demo(patch)
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = StringIO()
            call_command("demo", "--seed", "7", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
