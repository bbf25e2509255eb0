import pytest
from django.db import transaction

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.org.models import Department


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


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="x", obj=world.hospital)
