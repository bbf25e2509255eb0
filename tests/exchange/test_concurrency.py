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
    rows = list(Report.objects.order_by("version").values_list("version", "content_sha256"))
    versions = [version for version, _content in rows]
    contents = [content for _version, content in rows]
    assert versions == list(range(1, len(versions) + 1))
    # two contents, each kept when it differs from the latest version: two versions, or up to
    # four when the contents took turns (A, B, A, B); never the same content twice in a row
    assert len(set(contents)) == 2 and 2 <= len(rows) <= THREADS
    assert all(a != b for a, b in zip(contents, contents[1:], strict=False))
