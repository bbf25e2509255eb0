"""Raisers at once, each on its own connection, collide on the same conditions: each
condition is kept once, raised once, and nobody fails (PostgreSQL: the unique constraint and
the retry in a savepoint; SQLite: writers queue on the write lock)."""

import threading

import pytest
from django.db import connection

from lianfang.core import audit, warnings
from lianfang.core.models import AuditEvent, Warning, WarningLevel
from tests.factories import make_org

THREADS = 6
KEYS = 20


def raiser(number, organisation, barrier, errors, results):
    try:
        conditions = [
            warnings.Condition(
                key=f"k{i}",
                organisation=organisation,
                subject=f"同一事项 {i}",
                level=WarningLevel.NOTICE,
                evidence={"i": i},
            )
            # each raiser in its own order, so that inserts interleave
            for i in (range(KEYS) if number % 2 else reversed(range(KEYS)))
        ]
        barrier.wait()
        results.append(warnings.raise_warnings(source="race", rule="same", conditions=conditions))
        one = warnings.raise_warning(
            source="race",
            rule="single",
            key="only",
            organisation=organisation,
            subject="单条",
            level=WarningLevel.WARNING,
        )
        results.append(one)
    except Exception as exc:  # noqa: BLE001 - reported by the test below
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_raisers_keep_each_condition_once():
    organisation = make_org("并发医院", "RACE")
    barrier = threading.Barrier(THREADS)
    errors, results = [], []
    threads = [
        threading.Thread(target=raiser, args=(n, organisation, barrier, errors, results))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)

    assert Warning.objects.filter(source="race", rule="same").count() == KEYS
    assert Warning.objects.filter(source="race", rule="single").count() == 1
    assert set(Warning.objects.values_list("occurrences", flat=True)) == {1}
    # every condition raised exactly once; the others found it unchanged
    raised = [r for r in results if isinstance(r, warnings.Raised)]
    assert sum(len(r.created) for r in raised) == KEYS
    assert sum(r.unchanged for r in raised) == KEYS * (THREADS - 1)
    assert AuditEvent.objects.filter(action="warning.raise").count() == KEYS + 1
    assert audit.verify().ok
