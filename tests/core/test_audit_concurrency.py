"""Concurrent writers append to one chain: no fork, no gap, no duplicate sequence number."""

import threading

import pytest
from django.db import connection, transaction

from lianfang.core import audit
from lianfang.core.models import AuditChainHead, AuditEvent

THREADS = 8
WRITES = 25


def writer(number, barrier, errors):
    try:
        barrier.wait()
        for i in range(WRITES):
            with transaction.atomic():
                audit.record(
                    actor=f"writer-{number}",
                    action="thing.update",
                    object_type="test.thing",
                    object_id=f"{number}-{i}",
                    before={"n": i},
                    after={"n": i + 1, "写入者": number},
                )
    except Exception as exc:  # noqa: BLE001 - reported by the test below
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    # SQLite serialises them with BEGIN IMMEDIATE and a 20 s busy timeout (see settings);
    # PostgreSQL with SELECT ... FOR UPDATE on the chain head, created by the first writer.
    barrier = threading.Barrier(THREADS)
    errors = []
    threads = [threading.Thread(target=writer, args=(n, barrier, errors)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)

    total = THREADS * WRITES
    result = audit.verify()
    assert result.ok, result.reason
    assert result.count == total
    rows = list(AuditEvent.objects.order_by("id").values_list("seq", "prev_hash", "hash"))
    assert [seq for seq, _, _ in rows] == list(range(1, total + 1))
    assert rows[0][1] == audit.GENESIS
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, total))
    assert AuditEvent.objects.values("object_id").distinct().count() == total
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (total, rows[-1][2])
