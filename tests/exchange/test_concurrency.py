"""Imports of one unit's files at once, each on its own connection: they number their
versions in turn, with no repeat, and the same content is kept once (PostgreSQL: the unit's
row lock; SQLite: writers queue on the write lock)."""

import threading

import pytest
from django.db import connection

from lianfang.exchange import services
from lianfang.exchange.models import Report
from tests.factories import build_world

from .helpers import filed_points

THREADS = 4


def importer(commission, unit, content, barrier, errors):
    try:
        barrier.wait()
        services.report_import(actor=commission, unit=unit, content=content)
    except Exception as exc:  # noqa: BLE001 - reported by the test below
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_number_in_turn_and_keep_the_same_content_once():
    world = build_world()
    office, commission = world.users["integrity"], world.users["commission_integrity"]
    files = []
    for _ in range(THREADS // 2):
        filed_points(world, 1)  # each pair of files holds a new register
        content = services.exchange_export(actor=office, unit=world.hospital, year=2026)[0]
        files += [content, content]
    barrier = threading.Barrier(THREADS)
    errors = []
    threads = [
        threading.Thread(target=importer, args=(commission, world.hospital, f, barrier, errors))
        for f in files
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    versions = sorted(Report.objects.values_list("version", flat=True))
    # two contents: two, or three when the first content came back after the second
    assert versions == list(range(1, len(versions) + 1))
    assert 2 <= len(versions) <= 3
