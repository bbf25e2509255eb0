"""PostgreSQL: the audit log cannot be wiped quietly. TRUNCATE is refused, and the chain head
only moves forward."""

import pytest
from django.db import DatabaseError, connection, transaction

from lianfang.core import audit
from lianfang.core.models import AuditChainHead, AuditEvent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL"),
    pytest.mark.django_db,
]


def write(n):
    for i in range(n):
        with transaction.atomic():
            audit.record(actor="测试", action="thing.create", object_type="t", object_id=str(i))


def refused(sql, params=(), match="not allowed"):
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


@pytest.mark.parametrize("table", ["core_auditevent", "core_auditchainhead"])
def test_truncate_is_refused(table):
    write(3)
    refused(f"TRUNCATE {table}", match="TRUNCATE is not allowed")
    refused("TRUNCATE core_auditevent, core_auditchainhead CASCADE", match="TRUNCATE")
    assert AuditEvent.objects.count() == 3
    assert audit.verify().ok


def test_the_head_cannot_be_lowered_or_reset():
    write(3)
    head = AuditChainHead.objects.get()
    refused("UPDATE core_auditchainhead SET seq = 2", match="only moves forward")
    refused(
        "UPDATE core_auditchainhead SET seq = 0, hash = %s", [audit.GENESIS], "only moves forward"
    )
    refused("DELETE FROM core_auditchainhead", match="DELETE is not allowed")
    assert (AuditChainHead.objects.get().seq, AuditChainHead.objects.get().hash) == (3, head.hash)


def test_the_head_keeps_its_hash_for_its_event():
    write(2)
    third = audit.GENESIS.replace("0", "f")
    refused("UPDATE core_auditchainhead SET hash = %s", [third], match="only moves forward")
    refused("UPDATE core_auditchainhead SET id = 2", match="only moves forward")
    # Rewriting it with the same values changes nothing, and is allowed.
    with transaction.atomic():
        AuditChainHead.objects.filter(id=1).update(seq=2)
    assert audit.verify().ok


def test_appends_move_the_head_forward():
    write(2)
    with transaction.atomic():
        audit.record_many(
            actor=None,
            changes=[
                audit.Change("thing.touch", object_type="t", object_id=str(i)) for i in range(5)
            ],
        )
    assert AuditChainHead.objects.get().seq == 7
    assert audit.verify().ok
