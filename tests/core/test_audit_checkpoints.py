"""Signed checkpoints outside the database catch what the chain alone cannot: a chain
rewritten with recomputed hashes, events cut from the end with the head moved back, the
table emptied and the head reset. (SQLite has no triggers: only the checkpoints stop it.)"""

import json
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lianfang.core import audit
from lianfang.core.models import AuditChainHead, AuditEvent
from tests.audit_triggers import tampering


@pytest.fixture
def keys(tmp_path):
    """An Ed25519 key pair in PEM files: (private key path, public key path)."""
    key = Ed25519PrivateKey.generate()
    private = tmp_path / "audit-signing.pem"
    public = tmp_path / "audit-verify.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return str(private), str(public)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "checkpoints"


def write(n, start=0):
    for i in range(start, start + n):
        with transaction.atomic():
            audit.record(
                actor="录入员",
                action="thing.update",
                object_type="test.thing",
                object_id=str(i),
                after={"n": i},
            )


def run(*args, capsys):
    call_command("audit", *args)
    return capsys.readouterr().out.strip()


def fails(*args, code=1):
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", *args)
    assert excinfo.value.returncode == code
    return str(excinfo.value)


def checkpoint(folder, keys, capsys):
    return run("checkpoint", "--dir", str(folder), "--key", keys[0], capsys=capsys)


def forge(n, *, who="冒名者"):
    """Replace the whole chain by `n` events whose hashes are recomputed, and move the head to
    the last: what someone with the database's superuser can do. The chain alone verifies."""
    prev = audit.GENESIS
    now = timezone.now()
    with tampering():
        AuditEvent.objects.all().delete()
        for seq in range(1, n + 1):
            event = AuditEvent(
                seq=seq,
                created_at=now,
                actor_label=who,
                action="thing.update",
                object_type="test.thing",
                object_id=str(seq),
                after={"n": seq},
                prev_hash=prev,
            )
            event.hash = prev = audit.compute_hash(event)
            event.save()
        AuditChainHead.objects.filter(id=1).update(seq=n, hash=prev)
    result = audit.verify()
    assert result.ok and result.count == n  # invisible without the checkpoints


@pytest.mark.django_db
def test_a_checkpoint_signs_the_verified_head_once(folder, keys, capsys):
    write(3)
    out = checkpoint(folder, keys, capsys)
    assert out.startswith("CHECKPOINT {")
    record = json.loads(out.removeprefix("CHECKPOINT "))
    head = AuditChainHead.objects.get()
    assert (record["seq"], record["hash"]) == (3, head.hash)
    files = sorted(folder.iterdir())
    assert [f.name[:29] for f in files] == ["audit-checkpoint-000000000003"]
    assert json.loads(files[0].read_text()) == record
    assert not os.access(files[0], os.W_OK) or os.geteuid() == 0  # read-only (root ignores it)

    assert checkpoint(folder, keys, capsys) == "UNCHANGED 3 events: no new checkpoint"
    write(2, start=3)
    assert '"seq":5' in checkpoint(folder, keys, capsys)
    assert len(list(folder.iterdir())) == 2
    out = run("verify", "--checkpoints", str(folder), "--key", keys[1], capsys=capsys)
    assert out == "OK 5 events (2 signed checkpoints held)"


@pytest.mark.django_db
def test_a_rewrite_with_recomputed_hashes_is_caught(folder, keys, capsys):
    write(5)
    checkpoint(folder, keys, capsys)
    forge(8)
    message = fails("verify", "--checkpoints", str(folder), "--key", keys[1])
    assert "BROKEN: event #5" in message
    assert "is not the event the signed checkpoint #5 of" in message
    result = audit.verify()  # the chain alone
    assert result.ok


@pytest.mark.django_db
def test_events_cut_from_the_end_with_the_head_moved_back_are_caught(folder, keys, capsys):
    write(5)
    checkpoint(folder, keys, capsys)
    with tampering():
        AuditEvent.objects.filter(seq__gt=3).delete()
        AuditChainHead.objects.filter(id=1).update(seq=3, hash=AuditEvent.objects.get(seq=3).hash)
    assert run("verify", "--no-checkpoints", capsys=capsys) == "OK 3 events"
    message = fails("verify", "--checkpoints", str(folder), "--key", keys[1])
    assert "the chain head names 3 events but the signed checkpoint #5 of" in message


@pytest.mark.django_db
def test_an_emptied_table_with_the_head_reset_is_caught(folder, keys, capsys):
    write(4)
    checkpoint(folder, keys, capsys)
    with tampering():
        AuditEvent.objects.all().delete()
        AuditChainHead.objects.filter(id=1).update(seq=0, hash=audit.GENESIS)
    assert audit.verify().ok
    message = fails("verify", "--checkpoints", str(folder), "--key", keys[1])
    assert "the chain head names 0 events but the signed checkpoint #4" in message
    message = fails("verify", "--checkpoints", str(folder), "--since-checkpoint", "--key", keys[1])
    assert "the chain head names 0 events but the signed checkpoint #4" in message
    # ... and no new checkpoint is signed over it.
    assert "BROKEN" in fails("checkpoint", "--dir", str(folder), "--key", keys[0])
    assert len(list(folder.iterdir())) == 1


@pytest.mark.django_db
def test_verify_since_the_last_checkpoint(folder, keys, capsys):
    write(4)
    checkpoint(folder, keys, capsys)
    write(3, start=4)
    args = ("verify", "--checkpoints", str(folder), "--since-checkpoint", "--key", keys[1])
    assert run(*args, capsys=capsys) == (
        "OK 7 events (1 signed checkpoints held; events #5-#7 walked)"
    )
    # An event after the checkpoint altered: named.
    with tampering():
        AuditEvent.objects.filter(seq=6).update(object_id="99")
    assert "event #6" in fails(*args)
    # The chain rewritten from the start, hashes recomputed: the checkpoint's event differs.
    forge(7)
    message = fails(*args)
    assert "event #4" in message and "signed checkpoint #4" in message


@pytest.mark.django_db
def test_a_checkpoint_is_not_signed_over_a_broken_chain(folder, keys, capsys):
    write(3)
    checkpoint(folder, keys, capsys)
    write(2, start=3)
    with tampering():
        AuditEvent.objects.filter(seq=5).update(actor_label="冒名者")
    assert "event #5" in fails("checkpoint", "--dir", str(folder), "--key", keys[0])
    assert len(list(folder.iterdir())) == 1


@pytest.mark.django_db
def test_a_changed_or_foreign_checkpoint_is_refused(folder, keys, capsys, tmp_path):
    write(3)
    checkpoint(folder, keys, capsys)
    (path,) = folder.iterdir()
    record = json.loads(path.read_text())
    forged = folder / path.name.replace("000000000003", "000000000002")
    forged.write_text(json.dumps({**record, "seq": 2}))
    message = fails("verify", "--checkpoints", str(folder), "--key", keys[1], code=2)
    assert f"ERROR: {forged.name}: the signature does not verify" in message
    forged.unlink()

    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "other.pem").write_bytes(other)
    message = fails(
        "verify", "--checkpoints", str(folder), "--key", str(tmp_path / "other.pem"), code=2
    )
    assert "signed with another key" in message


@pytest.mark.django_db
def test_keys_and_folders_that_cannot_be_used_are_named(folder, keys, settings, tmp_path):
    settings.AUDIT_SIGNING_KEY = ""
    assert "no key configured" in fails("checkpoint", "--dir", str(folder), code=2)
    (tmp_path / "not-a-key.pem").write_text("hello")
    message = fails(
        "checkpoint", "--dir", str(folder), "--key", str(tmp_path / "not-a-key.pem"), code=2
    )
    assert "is not an unencrypted PEM private key" in message
    message = fails("verify", "--checkpoints", str(tmp_path / "none"), "--key", keys[1], code=2)
    assert "is not a directory" in message
    assert "--since-checkpoint needs --checkpoints" in fails("verify", "--since-checkpoint")


@pytest.mark.django_db
def test_settings_give_the_key_and_the_folder(folder, keys, settings, capsys):
    settings.AUDIT_SIGNING_KEY, settings.AUDIT_CHECKPOINT_DIR = keys[0], str(folder)
    write(2)
    assert run("checkpoint", capsys=capsys).startswith("CHECKPOINT ")
    settings.AUDIT_SIGNING_KEY, settings.AUDIT_VERIFY_KEY = "", keys[1]  # checking: public key
    assert run("verify", capsys=capsys) == "OK 2 events (1 signed checkpoints held)"
    assert run("verify", "--no-checkpoints", capsys=capsys) == "OK 2 events"


@pytest.mark.django_db
def test_the_audit_page_holds_the_chain_to_the_checkpoints(
    world, folder, keys, settings, capsys, login
):
    write(4)
    checkpoint(folder, keys, capsys)
    settings.AUDIT_CHECKPOINT_DIR, settings.AUDIT_VERIFY_KEY = str(folder), keys[1]
    client = login(world.users["integrity"])
    verify = reverse("core:audit_verify")
    assert "审计链完整：共 4 条事件" in client.post(verify, follow=True).content.decode()
    forge(2)
    html = client.post(verify, follow=True).content.decode()
    assert "链头只记有 2 条事件，而签名检查点" in html and "记有 4 条" in html
    (folder / next(folder.iterdir()).name).chmod(0o644)
    next(folder.iterdir()).write_text("{}")
    html = client.post(verify, follow=True).content.decode()
    assert "审计链的签名检查点无法读取，或其签名不符" in html
