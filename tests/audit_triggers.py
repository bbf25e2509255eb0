"""PostgreSQL's audit triggers in tests: a superuser session that switches them off, and a
fixture for every test directory (imported by the tests/ and e2e/ conftest files)."""

from contextlib import contextmanager

import pytest
from django.db import connection


@contextmanager
def tampering():
    """A database superuser's session: on PostgreSQL the audit triggers are switched off
    (`session_replication_role = replica`), as an administrator doing maintenance, or an
    intruder with the superuser's password, can do."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            if postgres:
                cursor.execute("SET session_replication_role = DEFAULT")


def _transactional(request) -> bool:
    """Whether pytest-django empties the database after this test (instead of rolling back)."""
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def audit_triggers_let_the_test_database_be_emptied(request):
    """On PostgreSQL the audit tables refuse TRUNCATE, which is how Django empties the
    database after a transactional test. Just before that, the test's session switches
    triggers off, as a superuser doing maintenance would (`session_replication_role`);
    Django then closes the connection, so the next test starts with them on."""
    if not _transactional(request):
        yield
        return
    request.getfixturevalue("_django_db_helper")  # torn down after this fixture: the flush
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
