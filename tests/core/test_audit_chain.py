"""The audit chain and `lianfang audit verify`: tampering of any kind names the first bad event."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from lianfang.core import audit
from lianfang.core.models import AuditChainHead, AuditEvent
from lianfang.org.models import Department
from tests.audit_triggers import tampering

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def write_events(world, n):
    user = world.users["integrity"]
    for i in range(n):
        with transaction.atomic():
            dept = Department.objects.create(
                organisation=world.hospital, name=f"测试科{i}", code=f"T{i}"
            )
            audit.record(
                actor=user, action="department.create", obj=dept, after=audit.snapshot(dept)
            )


def event(seq):
    return AuditEvent.objects.get(seq=seq)


def verify_fails():
    """Run `lianfang audit verify`, expect failure, and return its message."""
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    assert excinfo.value.returncode != 0
    return str(excinfo.value)


CONTENT = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname != "id"]


def swap(first, second, *, keep=()):
    """Exchange two rows' contents (their ids stay), as a reordering would."""
    a = {k: getattr(first, k) for k in CONTENT if k not in keep}
    b = {k: getattr(second, k) for k in CONTENT if k not in keep}
    with tampering():
        # Park the first row on free unique values so the second can take its own.
        AuditEvent.objects.filter(pk=first.pk).update(seq=10**9, hash="parked")
        AuditEvent.objects.filter(pk=second.pk).update(**a)
        AuditEvent.objects.filter(pk=first.pk).update(**b)
        if "seq" in keep:
            AuditEvent.objects.filter(pk=first.pk).update(seq=first.seq)


@pytest.mark.django_db
def test_chain_verifies_when_untouched(world):
    write_events(world, 5)
    result = audit.verify()
    assert result.ok and result.count == 5
    first = AuditEvent.objects.order_by("seq").first()
    assert first.prev_hash == audit.GENESIS
    assert first.actor_label == "integrity"
    assert first.after["name"] == "测试科0"
    assert first.organisation_path == world.hospital.path
    seqs = list(AuditEvent.objects.order_by("id").values_list("seq", "prev_hash", "hash"))
    assert [s for s, _, _ in seqs] == [1, 2, 3, 4, 5]
    assert all(seqs[i][1] == seqs[i - 1][2] for i in range(1, 5))


@pytest.mark.django_db
def test_command_prints_ok_and_the_count(world, capsys):
    write_events(world, 5)
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "OK 5 events"


@pytest.mark.django_db
def test_empty_chain_is_ok(capsys):
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "OK 0 events"


@pytest.mark.django_db
def test_one_change_records_consecutive_events_with_the_changed_values_only(world):
    with transaction.atomic():
        dept = world.cardiology
        before = audit.snapshot(dept)
        dept.name, dept.phone = "心血管内科", "8001"
        dept.save()
        events = audit.record_many(
            actor=world.users["admin"],
            changes=[
                audit.Change("department.update", dept, before, audit.snapshot(dept)),
                audit.Change("department.note", dept, after={"备注": "更名"}),
            ],
        )
    assert [e.seq for e in events] == [1, 2]
    stored = event(1)
    assert stored.before == {"name": "心内科", "phone": ""}
    assert stored.after == {"name": "心血管内科", "phone": "8001"}
    assert event(2).prev_hash == stored.hash
    assert audit.verify().ok


@pytest.mark.django_db
def test_altered_actor_is_named(world):
    write_events(world, 5)
    row = event(3)
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET actor_label = %s WHERE id = %s", ["某人", row.pk]
        )
    message = verify_fails()
    assert f"event #3 (row {row.pk}) was altered" in message
    result = audit.verify()
    assert (result.broken_seq, result.broken_id, result.problem) == (3, row.pk, "altered")
    assert result.count == 2


@pytest.mark.django_db
def test_altered_values_are_named(world):
    write_events(world, 5)
    row = event(3)
    with tampering():
        AuditEvent.objects.filter(pk=row.pk).update(after={**row.after, "name": "改过的名字"})
    assert f"event #3 (row {row.pk}) was altered" in verify_fails()


@pytest.mark.django_db
def test_moving_an_event_to_another_organisation_is_named(world):
    """The scope columns are hashed too: hiding an event from an office breaks the chain."""
    write_events(world, 5)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(organisation_path=world.other_hospital.path)
    assert "event #3" in verify_fails()


@pytest.mark.django_db
def test_removed_event_is_named(world):
    write_events(world, 5)
    fourth = event(4)
    with tampering():
        AuditEvent.objects.filter(seq=3).delete()
    message = verify_fails()
    assert "event #3 is missing or out of order" in message
    assert f"row {fourth.pk} holds event #4" in message


@pytest.mark.django_db
def test_reordered_pair_is_named(world):
    write_events(world, 5)
    third, fourth = event(3), event(4)
    swap(third, fourth)
    message = verify_fails()
    assert message.startswith("BROKEN: event #3 is missing or out of order")
    assert f"row {third.pk} holds event #4 where #3 belongs" in message


@pytest.mark.django_db
def test_reordered_pair_keeping_the_numbers_is_named(world):
    write_events(world, 5)
    third, fourth = event(3), event(4)
    swap(third, fourth, keep=("seq",))
    message = verify_fails()
    assert f"event #3 (row {third.pk}) does not link to the event before it" in message


@pytest.mark.django_db
def test_removed_last_event_is_caught_by_the_chain_head(world):
    write_events(world, 5)
    with tampering():
        AuditEvent.objects.filter(seq=5).delete()
    message = verify_fails()
    assert "event #5 is missing" in message
    assert "the chain head names 5 events but the chain ends at #4" in message


@pytest.mark.django_db
def test_rewritten_last_event_with_a_fresh_hash_is_caught_by_the_chain_head(world):
    write_events(world, 5)
    last = event(5)
    last.actor_label = "冒名者"
    last.hash = audit.compute_hash(last)
    with tampering():
        AuditEvent.objects.filter(pk=last.pk).update(actor_label=last.actor_label, hash=last.hash)
    message = verify_fails()
    assert f"event #5 (row {last.pk}) is not the event the chain head anchors" in message


@pytest.mark.django_db
def test_event_forged_past_the_head_is_named(world):
    write_events(world, 3)
    last = event(3)
    forged = AuditEvent(
        seq=4,
        created_at=last.created_at,
        actor_label="冒名者",
        action="department.delete",
        object_type="org.department",
        object_id="1",
        object_repr="心内科",
        prev_hash=last.hash,
    )
    forged.hash = audit.compute_hash(forged)
    forged.save()
    message = verify_fails()
    assert f"event #4 (row {forged.pk}) lies beyond the chain head" in message


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_batches_of_any_size_find_the_same_event(world, batch_size, capsys):
    write_events(world, 7)
    call_command("audit", "verify", "--batch-size", str(batch_size))
    assert capsys.readouterr().out.strip() == "OK 7 events"
    row = event(4)
    with tampering():
        AuditEvent.objects.filter(pk=row.pk).update(object_repr="别的科室")
    with pytest.raises(CommandError, match=rf"event #4 \(row {row.pk}\) was altered"):
        call_command("audit", "verify", "--batch-size", str(batch_size))


@pytest.mark.django_db
def test_deleting_a_user_keeps_the_chain_and_the_actor_id(world):
    user = world.users["integrity"]
    write_events(world, 2)
    user_id = user.pk
    user.delete()
    assert audit.verify().ok
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {user_id}


@pytest.mark.django_db
def test_values_are_stored_as_json_keeps_them():
    with transaction.atomic():
        recorded = audit.record(
            actor="system",
            action="thing.update",
            object_type="test.thing",
            object_id="1",
            before={"score": 1e16, "ratio": float("nan"), "items": ("甲", 2)},
            after={"score": 2.5, "ratio": 0.5, "items": ["乙"]},
        )
    stored = AuditEvent.objects.get(pk=recorded.pk)
    assert stored.before == {"score": 1e16, "ratio": "nan", "items": ["甲", 2]}
    assert audit.compute_hash(stored) == stored.hash == recorded.hash


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="x", obj=world.hospital)


@on_postgresql
@pytest.mark.django_db
def test_trigger_refuses_update_and_delete(world):
    write_events(world, 2)
    with pytest.raises(DatabaseError, match="append-only: UPDATE"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(actor_label="某人")
    with pytest.raises(DatabaseError, match="append-only: DELETE"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE seq = 2")
    assert audit.verify().ok
    assert event(1).actor_label == "integrity"


def _database_url():
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_console_command_exit_status():
    """The real `lianfang audit verify` process: status 0 and OK, then 1 naming the event."""
    for i in range(3):
        with transaction.atomic():
            audit.record(
                actor="cli", action="thing.create", object_type="test.thing", object_id=str(i)
            )
    env = {**os.environ, "DATABASE_URL": _database_url()}
    command = [sys.executable, "-m", "lianfang.cli", "audit", "verify"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert (done.returncode, done.stdout.strip()) == (0, "OK 3 events")
    with tampering():
        AuditEvent.objects.filter(seq=2).update(object_id="99")
    row = event(2).pk
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 1
    assert f"event #2 (row {row}) was altered" in done.stderr
    assert AuditChainHead.objects.get().seq == 3
