"""SQLite connections are set for concurrent use (docs/architecture.md, "SQLite and concurrent
use"): WAL, writers queued at BEGIN, a busy timeout."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings"),
]


def pragma(name):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_every_connection_uses_wal_a_busy_timeout_and_immediate_transactions():
    assert pragma("journal_mode") == "wal"  # readers beside one writer
    assert pragma("busy_timeout") == 20_000  # a writer waits 20 s for the write lock
    assert pragma("synchronous") == 1  # NORMAL: safe with WAL, fewer fsyncs
    assert connection.transaction_mode == "IMMEDIATE"  # atomic blocks take the lock at BEGIN
