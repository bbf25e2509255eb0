"""Events recorded in a batch (`record_many`) are the events `record` writes one at a time."""

import datetime as dt
import decimal
import hashlib
import json

import pytest
from django.db import connection, transaction

from lianfang.core import audit
from lianfang.core.models import AuditChainHead, AuditEvent

CONTENT = [f.attname for f in AuditEvent._meta.concrete_fields]
CHAINED = {"id", "seq", "created_at", "prev_hash", "hash"}  # where in the chain, and when


def as_stored(value):
    """A JSON value as the database gives it back: integral floats as integers."""
    if isinstance(value, dict):
        return {k: as_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_stored(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(decimal.Decimal(repr(value)))
    return value


def reference_hash(event) -> str:
    """The chain's definition, written out independently of `audit`: SHA-256 of the hashed
    fields as sorted-key compact JSON, UTF-8, the time in UTC with microseconds."""
    content = {name: getattr(event, name) for name in audit.HASHED_FIELDS}
    content["created_at"] = event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    content["before"] = as_stored(event.before)
    content["after"] = as_stored(event.after)
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def changes(world):
    dept, hospital = world.cardiology, world.hospital
    before = audit.snapshot(dept)
    return [
        audit.Change("department.create", dept, after=before),
        audit.Change("department.update", dept, before, {**before, "name": "心血管内科"}),
        audit.Change("department.delete", dept, before=before),
        audit.Change(
            "thing.update",
            object_type="test.thing",
            object_id="7",
            object_repr='名为"引号"\\与反斜杠\n换行',
            before={"score": 1e16, "ratio": float("nan"), "half": 0.5, "list": ("甲", 2)},
            after={"score": 2.0, "ratio": 1, "half": -0.0, "list": [True, None]},
            organisation=hospital,
        ),
        audit.Change("organisation.note", hospital, after={"备注": "整改", "次数": 3}),
        audit.Change("thing.touch", object_type="test.thing", object_id="8"),
    ]


@pytest.mark.django_db
def test_a_batch_writes_the_events_recording_one_by_one_writes(world):
    actor = world.users["integrity"]
    with transaction.atomic():
        single = [audit.record(actor=actor, **vars(change)) for change in changes(world)]
    with transaction.atomic():
        batch = audit.record_many(actor=actor, changes=changes(world))
    n = len(single)
    assert [e.seq for e in single + batch] == list(range(1, 2 * n + 1))
    stored = list(AuditEvent.objects.order_by("seq"))
    one_by_one, batched = stored[:n], stored[n:]

    # What `record_many` returns is what it stored.
    for returned, row in zip(batch, batched, strict=True):
        assert {k: getattr(returned, k) for k in CONTENT} == {k: getattr(row, k) for k in CONTENT}
    # The batch's events hold the values the single path stored, field by field.
    for one, other in zip(one_by_one, batched, strict=True):
        assert {k: getattr(one, k) for k in CONTENT if k not in CHAINED} == {
            k: getattr(other, k) for k in CONTENT if k not in CHAINED
        }
    # ...and the same hashes, once placed where the batch put them: the single path's event,
    # with the batch's number, time and predecessor, hashes (by the definition) to the
    # batch's hash.
    prev = one_by_one[-1].hash
    for one, other in zip(one_by_one, batched, strict=True):
        one.seq, one.created_at, one.prev_hash = other.seq, other.created_at, prev
        assert reference_hash(one) == other.hash
        prev = other.hash
    assert len({e.created_at for e in batched}) == 1
    for event in AuditEvent.objects.order_by("seq"):
        assert reference_hash(event) == audit.compute_hash(event) == event.hash
    result = audit.verify()
    assert result.ok and result.count == 2 * n


@pytest.mark.django_db
def test_a_batch_moves_the_head_once_to_its_last_event(world):
    with transaction.atomic():
        events = audit.record_many(actor=None, changes=changes(world) * 50)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (300, events[-1].hash)
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert audit.verify().ok


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses lone surrogates in jsonb"
)
@pytest.mark.django_db
def test_a_lone_surrogate_is_stored_escaped_and_still_verifies():
    with transaction.atomic():
        recorded = audit.record(
            actor="测试",
            action="thing.update",
            object_type="test.thing",
            object_id="1",
            after={"text": "半个\ud800字符"},
        )
    stored = AuditEvent.objects.get(pk=recorded.pk)
    assert stored.after == {"text": "半个\ud800字符"}
    assert reference_hash(stored) == stored.hash == recorded.hash
    assert audit.verify().ok
