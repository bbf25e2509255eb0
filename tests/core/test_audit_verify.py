"""`verify` reads stored rows without parsing them where it can (SQLite): rewrites that keep
the hashed bytes but change the stored values are still caught, and rows stored in another
JSON layout (older code, PostgreSQL's jsonb) still verify."""

import json

import pytest
from django.db import connection, transaction

from lianfang.core import audit
from lianfang.core.models import AuditChainHead, AuditEvent
from tests.audit_triggers import tampering

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL keeps only valid JSON in jsonb"
)


def record(**values):
    with transaction.atomic():
        return audit.record(
            actor="核查员", action="thing.update", object_type="test.thing", **values
        )


def rewrite(event, **columns):
    """Set stored columns of an event as raw SQL does (no conversion by the ORM)."""
    sets = ", ".join(f"{name} = %s" for name in columns)
    with tampering() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        cursor.execute(
            f"UPDATE core_auditevent SET {sets} WHERE id = %s",  # noqa: S608
            [*columns.values(), event.pk],
        )
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


def broken():
    result = audit.verify()
    assert not result.ok
    return result


@pytest.mark.django_db
def test_escaped_text_stored_in_place_of_the_text_is_altered():
    """`名为\\"引号\\"` put between quotes is the JSON of `名为"引号"`: the bytes hash the same,
    the stored value is not the one hashed."""
    event = record(object_id="1", object_repr='名为"引号"')
    record(object_id="2", object_repr="心内科")
    assert audit.verify().ok
    rewrite(event, object_repr='名为\\"引号\\"')
    result = broken()
    assert (result.broken_seq, result.problem) == (1, audit.Problem.ALTERED)


@pytest.mark.django_db
def test_a_backslash_sequence_stored_in_place_of_a_newline_is_altered():
    record(object_id="1")
    event = record(object_id="2", object_repr="换\n行")
    rewrite(event, object_repr="换\\n行")
    result = broken()
    assert (result.broken_seq, result.problem) == (2, audit.Problem.ALTERED)


@on_sqlite
@pytest.mark.django_db
def test_after_and_before_split_elsewhere_are_altered():
    """`after` holding a key "before": its text cut in two, the rest passed off as `before`,
    gives the same bytes in a row; neither stored value is the hashed one."""
    event = record(object_id="1", after={"before": 2, "a": 1})
    with connection.cursor() as cursor:
        cursor.execute("SELECT after FROM core_auditevent WHERE id = %s", [event.pk])
        assert cursor.fetchone() == ('{"a":1,"before":2}',)  # SQLite keeps the hashed JSON
    rewrite(event, after='{"a":1', before='2},"before":null')
    result = broken()
    assert (result.broken_seq, result.problem) == (1, audit.Problem.ALTERED)


@on_sqlite
@pytest.mark.django_db
def test_a_text_stored_in_an_integer_column_is_altered():
    """SQLite keeps a text that is not a number as text in an integer column."""
    event = record(object_id="1", after={"n": 1})
    rewrite(event, organisation_id="x")
    result = broken()
    assert (result.broken_seq, result.problem) == (1, audit.Problem.ALTERED)


@pytest.mark.django_db
def test_json_stored_in_another_layout_verifies():
    """Rows written before before/after were stored canonically (Django's own JSON text), or
    re-serialised by a database, hold the same values: they verify, by parsing."""
    first = record(object_id="1", before={"名称": "甲", "n": 1.0}, after={"名称": "乙", "n": 2})
    record(object_id="2", after={"before": {"created_at": "2026-01-01"}})
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET after = %s WHERE id = %s",
            [json.dumps({"n": 2, "名称": "乙"}), first.pk],
        )
    result = audit.verify()
    assert result.ok and result.count == 2


@pytest.mark.django_db
def test_a_time_stored_without_microseconds_verifies():
    """Django writes a time on the second without a fraction: it hashes with ".000000"."""
    event = record(object_id="1")
    on_the_second = AuditEvent.objects.get(pk=event.pk)
    on_the_second.created_at = event.created_at.replace(microsecond=0)
    on_the_second.hash = audit.compute_hash(on_the_second)
    with tampering():
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=on_the_second.created_at, hash=on_the_second.hash
        )
        AuditChainHead.objects.filter(id=1).update(hash=on_the_second.hash)
    assert audit.verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's session settings")
@pytest.mark.django_db
def test_the_sessions_time_zone_and_date_style_change_nothing():
    record(object_id="1")
    record(object_id="2")
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Shanghai'")
        cursor.execute("SET DateStyle = 'SQL, DMY'")
    result = audit.verify()
    assert result.ok and result.count == 2
