"""Encryption at rest: what a reporter types is nowhere in the database nor the file store."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from lianfang.complaints import crypto, files, services
from lianfang.complaints.models import Complaint, File

from .conftest import pdf_upload, png_upload

SENTINEL = "SENTINEL-举报内容-7f3a9c"
NAME = "SENTINEL-姓名-王小明"
PHONE = "13912345678"


def database_text() -> str:
    """Every row of every table of the database, as the database gives it back as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT t::text FROM {quoted} t")  # noqa: S608
            else:
                cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def stored_files(root: Path) -> list[bytes]:
    return [p.read_bytes() for p in root.rglob("*") if p.is_file()]


def file_a_named_report(office):
    complaint, code = office.file(
        anonymous=False,
        reporter_name=NAME,
        reporter_phone=PHONE,
        content=f"{SENTINEL} 在门诊收红包",
        subject_text=f"{SENTINEL} 心内科",
        happened_where=f"{SENTINEL} 门诊三楼",
        uploads=[pdf_upload(SENTINEL, f"{SENTINEL}.pdf"), png_upload(SENTINEL)],
    )
    services.complaint_reporter_reply(complaint=complaint, body=f"补充 {SENTINEL}")
    services.complaint_accept(actor=office.lead, complaint=complaint)
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    services.note_add(actor=office.handler, complaint=complaint, body=f"备注 {SENTINEL}")
    services.identity_request(
        actor=office.handler, complaint=complaint, reason=f"核实需要 {SENTINEL}"
    )
    return complaint, code


def test_the_sentinel_is_nowhere_in_the_database_rows_nor_the_stored_files(
    office, attachment_store
):
    complaint, code = file_a_named_report(office)
    text = database_text()
    for secret in (SENTINEL, NAME, PHONE, code, code.replace("-", "")):
        assert secret not in text
    blobs = stored_files(attachment_store)
    assert len(blobs) == 3  # the PDF; the image's original and its clean copy
    for blob in blobs:
        assert SENTINEL.encode() not in blob
        assert SENTINEL.encode("utf-16-le") not in blob
    # …and yet the handler reads it all back.
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert SENTINEL in complaint.content
    assert complaint.reporter_name == NAME
    names = sorted(f.name for f in complaint.files.all())
    assert f"{SENTINEL}.pdf" in names


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="the SQLite file"
)
def test_the_sentinel_is_not_in_the_sqlite_database_file(attachment_store):
    from tests.factories import build_world

    from .conftest import Office

    office = Office(build_world())
    file_a_named_report(office)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    path = Path(connection.settings_dict["NAME"])
    data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert len(data) > 10_000
    assert b"kickback" in data  # the file is the one holding the report
    assert SENTINEL.encode() not in data
    assert NAME.encode() not in data
    assert PHONE.encode() not in data


def test_an_image_keeps_its_original_and_a_copy_without_metadata(office):
    complaint, _code = office.file(uploads=[png_upload(SENTINEL)])
    image = complaint.files.get()
    assert image.clean_path
    original = files.content(image, original=True)
    clean = files.content(image)
    assert SENTINEL.encode() in original  # the evidence as received
    assert SENTINEL.encode() not in clean  # what handlers open by default
    assert clean.startswith(b"\x89PNG")


def test_a_sealed_value_does_not_open_in_another_column_or_with_another_key(office, settings):
    complaint, _code = office.file(content=SENTINEL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM complaints_complaint WHERE id = %s", [complaint.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith(crypto.PREFIX)
    assert crypto.unseal_text(stored, "complaints.complaint.content") == SENTINEL
    with pytest.raises(ImproperlyConfigured):
        crypto.unseal_text(stored, "complaints.complaint.subject_text")
    crypto._aead.cache_clear()
    settings.LIANFANG_DATA_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="
    with pytest.raises(ImproperlyConfigured):
        Complaint.objects.get(pk=complaint.pk)
    crypto._aead.cache_clear()


def test_every_free_text_column_of_the_module_is_sealed():
    sealed = {
        f"{m._meta.model_name}.{f.name}"
        for m in apps.get_app_config("complaints").get_models()
        for f in m._meta.fields
        if isinstance(f, crypto.SealedTextField)
    }
    assert {
        "complaint.content",
        "complaint.subject_text",
        "complaint.happened_when",
        "complaint.happened_where",
        "complaint.reporter_name",
        "complaint.reporter_phone",
        "complaint.reporter_contact",
        "complaint.conclusion",
        "complaint.decision_reason",
        "message.body",
        "note.body",
        "identityrequest.reason",
        "file.name",
    } <= sealed
    assert File._meta.get_field("name").__class__ is crypto.SealedTextField
