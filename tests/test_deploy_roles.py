"""deploy/postgresql-grants.sql: the application's role may only add and read audit events,
and the checkpoint job's role may only read them (run with psql, as an operator would)."""

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from lianfang.core import audit, audit_checkpoints
from lianfang.core.models import AuditChainHead, AuditEvent
from tests.core.test_audit_checkpoints import keys  # noqa: F401 - a fixture

SCRIPT = Path(__file__).resolve().parent.parent / "deploy" / "postgresql-grants.sql"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
    pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def roles():
    """Two fresh roles (roles belong to the whole cluster), granted by the script."""
    suffix = secrets.token_hex(4)
    app, auditor = f"lf_test_app_{suffix}", f"lf_test_audit_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {app}")
        cursor.execute(f"CREATE ROLE {auditor}")
        owner = connection.settings_dict["USER"]
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    done = subprocess.run(  # noqa: S603
        [
            shutil.which("psql"),
            "--no-psqlrc",
            "--quiet",
            f"--host={settings.get('HOST') or 'localhost'}",
            f"--port={settings.get('PORT') or 5432}",
            f"--username={owner}",
            f"--dbname={settings['NAME']}",
            "-v",
            f"owner={owner}",
            "-v",
            f"app={app}",
            "-v",
            f"auditor={auditor}",
            "-f",
            str(SCRIPT),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    yield app, auditor
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        for role in (app, auditor):
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def as_role(role):
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")


def refused(sql):
    with (
        pytest.raises(DatabaseError, match="permission denied|must be owner"),
        transaction.atomic(),
    ):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def record(i):
    with transaction.atomic():
        audit.record(actor="应用", action="thing.create", object_type="t", object_id=str(i))


def test_the_application_adds_and_reads_events_and_nothing_more(roles):
    app, _auditor = roles
    as_role(app)
    for i in range(3):
        record(i)  # INSERT events, lock and move the head
    assert AuditEvent.objects.count() == 3 and audit.verify().ok
    refused("UPDATE core_auditevent SET actor_label = 'x'")
    refused("DELETE FROM core_auditevent")
    refused("TRUNCATE core_auditevent")
    refused("DELETE FROM core_auditchainhead")
    refused("TRUNCATE core_auditchainhead")
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic():
        AuditChainHead.objects.filter(id=1).update(seq=1)
    refused("ALTER TABLE core_auditevent DISABLE TRIGGER ALL")


def test_the_checkpoint_job_reads_the_chain_and_writes_nothing(roles, keys, tmp_path):  # noqa: F811
    app, auditor = roles
    as_role(app)
    record(0)
    record(1)
    as_role(auditor)
    made = audit_checkpoints.checkpoint_make(tmp_path / "checkpoints", keys[0])
    assert made.result.ok and made.checkpoint.seq == 2
    with pytest.raises(DatabaseError, match="permission denied"):
        record(2)
    refused("SELECT count(*) FROM core_module")
