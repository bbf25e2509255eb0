"""`verify(workers=N)`: a long chain checked by N processes, each a run of events whose ends
must meet. Whatever is wrong, the result is the one walk in one process gives (a run that
finds a problem makes verify walk the chain again itself, naming it exactly).

Transactional tests: the worker processes read through connections of their own, which see
only what is committed."""

import pytest
from django.db import connection, transaction

from lianfang.core import audit
from lianfang.core.models import AuditChainHead, AuditEvent
from tests.audit_triggers import tampering

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = 40


def chain(n=EVENTS):
    for i in range(n):
        with transaction.atomic():
            audit.record(
                actor="核查员",
                action="thing.update",
                object_type="test.thing",
                object_id=str(i),
                object_repr=f"事项 {i}",
                before={"n": i},
                after={"n": i + 1, "备注": "改"},
            )


def in_parallel(**options):
    return audit.verify(workers=3, parallel_min=1, batch_size=4, **options)


def in_one(**options):
    return audit.verify(workers=1, batch_size=4, **options)


def walked_in_parallel():
    """The parallel walk alone: `_Walked` at the head when every run held, else None."""
    head = AuditChainHead.objects.get(id=1)
    ahead, seq, group = audit._marks_ahead([])
    start = audit._Walked(audit.GENESIS, 1, 0, seq, group, ahead)
    return audit._parallel_walk(connection, 3, start, head.seq, [], 4)


def test_an_untouched_chain_is_walked_by_the_workers_to_its_head():
    chain()
    walked = walked_in_parallel()
    head = AuditChainHead.objects.get(id=1)
    assert walked is not None
    assert (walked.expected_seq, walked.prev_hash) == (EVENTS + 1, head.hash)
    assert walked.last_id == AuditEvent.objects.get(seq=EVENTS).pk
    result = in_parallel()
    assert result.ok and result.count == EVENTS
    assert result == in_one()


def rewrite(at, **columns):
    pk = AuditEvent.objects.get(seq=at).pk
    sets = ", ".join(f"{name} = %s" for name in columns)
    with tampering() as cursor:
        cursor.execute(
            f"UPDATE core_auditevent SET {sets} WHERE id = %s",  # noqa: S608
            [*columns.values(), pk],
        )


def remove(seq):
    with tampering() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq = %s", [seq])


# Events at the start, inside each worker's run, and at the cuts between runs (40 events in
# 3 runs: 1-13, 14-26, 27-40).
@pytest.mark.parametrize("seq", [1, 7, 13, 14, 20, 26, 27, 33, EVENTS])
def test_an_altered_event_is_named_as_one_process_names_it(seq):
    chain()
    rewrite(seq, actor_label="别人")
    assert walked_in_parallel() is None
    result = in_parallel()
    assert not result.ok and result.broken_seq == seq
    assert result.problem is audit.Problem.ALTERED
    assert result == in_one()


@pytest.mark.parametrize("seq", [2, 13, 14, 27, 39])
def test_a_removed_event_is_named_as_one_process_names_it(seq):
    chain()
    remove(seq)
    result = in_parallel()
    assert not result.ok and result.broken_seq == seq
    assert result == in_one()


def test_events_renumbered_across_a_cut_are_named_as_one_process_names_them():
    chain()
    first, second = (AuditEvent.objects.get(seq=s) for s in (13, 14))
    rewrite(13, seq=999_999)
    rewrite(14, seq=13, prev_hash=first.prev_hash)
    with tampering() as cursor:
        cursor.execute("UPDATE core_auditevent SET seq = 14 WHERE id = %s", [first.pk])
    assert walked_in_parallel() is None
    result = in_parallel()
    assert not result.ok and result.broken_seq == 13
    assert result == in_one()
    assert result.broken_id == first.pk and second.pk > first.pk


def test_the_last_event_rewritten_with_a_fresh_hash_is_caught_by_the_head():
    chain()
    last = AuditEvent.objects.get(seq=EVENTS)
    last.object_repr = "改写"
    fresh = audit.compute_hash(last)
    rewrite(EVENTS, object_repr="改写", hash=fresh)
    result = in_parallel()
    assert not result.ok and result.problem is audit.Problem.UNANCHORED
    assert result == in_one()


def test_a_short_chain_is_walked_in_one_process():
    chain(5)
    result = audit.verify(workers=3)  # under PARALLEL_MIN_EVENTS
    assert result.ok and result.count == 5


def test_inside_a_transaction_the_chain_is_walked_in_one_process():
    chain(6)
    with transaction.atomic():
        audit.record(actor="核查员", action="thing.update", object_type="test.thing")
        # Workers would not see the uncommitted seventh event and cut the chain at it.
        result = audit.verify(workers=2, parallel_min=1)
        assert result.ok and result.count == 7


def test_the_command_checks_with_workers(capsys):
    from django.core.management import call_command

    chain()
    call_command("audit", "verify", "--workers", "2", "--no-checkpoints")
    assert capsys.readouterr().out.strip() == f"OK {EVENTS} events"
