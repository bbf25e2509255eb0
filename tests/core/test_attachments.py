"""The shared attachment store: type from the bytes, limits per use, images re-encoded,
bombs refused, optional encryption at rest, downloads only through the checked view."""

import io
import zipfile

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lianfang.core import attachments
from lianfang.core.attachments import AttachmentError, AttachmentUse, register_use
from lianfang.core.models import Attachment, AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def attachments_dir(tmp_path, settings):
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachments.store.__dict__.pop("storage", None)  # the cached storage follows the setting
    yield
    attachments.store.__dict__.pop("storage", None)


@pytest.fixture
def use():
    return register_use(
        AttachmentUse(
            code="test_use",
            label="测试",
            types=("application/pdf", "image/png", "image/jpeg"),
            max_bytes=200_000,
            may_read=lambda user, target: user.username == "integrity",
            max_files=3,
        )
    )


def upload(content, name="凭证.pdf"):
    return SimpleUploadedFile(name, content)


def png(width=8, height=8, **info):
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, format="PNG", **info)
    return out.getvalue()


def office(part):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return out.getvalue()


def test_type_comes_from_the_bytes_not_the_name():
    assert attachments.detect_type(PDF) == "application/pdf"
    assert attachments.detect_type(png()) == "image/png"
    assert attachments.detect_type(office("word/document.xml")).endswith(
        "wordprocessingml.document"
    )
    assert attachments.detect_type(office("xl/workbook.xml")).endswith("spreadsheetml.sheet")
    assert attachments.detect_type(office("other.xml")) is None  # a zip, but no Office file
    assert attachments.detect_type(b"PK\x03\x04 broken zip") is None
    assert attachments.detect_type(b"MZ\x90\x00 an executable") is None
    assert attachments.detect_type(b"hello") is None


def test_save_keeps_the_file_with_its_hash_and_an_audit_event(world, use):
    target = world.hospital
    saved = attachments.attachment_save(
        actor=world.users["integrity"], use="test_use", target=target, upload=upload(PDF)
    )
    assert (saved.name, saved.mime_type, saved.size) == ("凭证.pdf", "application/pdf", len(PDF))
    assert saved.organisation is None or saved.organisation == target
    import hashlib

    assert saved.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachments.attachment_content(saved) == PDF
    assert list(attachments.attachments_of(target)) == [saved]
    event = AuditEvent.objects.get(action="attachment.save")
    assert event.after["sha256"] == saved.sha256 and event.after["name"] == "凭证.pdf"


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"", "空.pdf", "文件是空的"),
        (b"MZ\x90\x00" + b"\x00" * 100, "伪装.pdf", "不支持该文件类型"),
        (office("word/document.xml"), "文档.docx", "不支持该文件类型"),  # not allowed by this use
        (PDF + b"0" * 300_000, "大.pdf", "超过"),
    ],
)
def test_refused_uploads_say_why_and_keep_nothing(world, use, content, name, message):
    with pytest.raises(AttachmentError) as exc:
        attachments.attachment_save(
            actor=world.users["integrity"],
            use="test_use",
            target=world.hospital,
            upload=upload(content, name),
        )
    assert message in exc.value.messages[0]
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="attachment.save").exists()


def test_images_are_reencoded_without_their_metadata_or_trailing_bytes(world, use):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret payload")
    content = png(pnginfo=info) + b"<?php evil() ?>"
    saved = attachments.attachment_save(
        actor=world.users["integrity"],
        use="test_use",
        target=world.hospital,
        upload=upload(content, "照片.png"),
    )
    kept = attachments.attachment_content(saved)
    assert b"secret payload" not in kept and b"evil" not in kept
    assert Image.open(io.BytesIO(kept)).size == (8, 8)


def test_a_decompression_bomb_is_refused(world, use, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PIXELS", 10_000)
    with pytest.raises(AttachmentError) as exc:
        attachments.attachment_save(
            actor=world.users["integrity"],
            use="test_use",
            target=world.hospital,
            upload=upload(png(200, 200), "大图.png"),
        )
    assert "像素" in exc.value.messages[0]
    assert not Attachment.objects.exists()


def test_at_most_max_files_per_object(world, use):
    for i in range(3):
        attachments.attachment_save(
            actor=world.users["integrity"],
            use="test_use",
            target=world.hospital,
            upload=upload(PDF, f"{i}.pdf"),
        )
    with pytest.raises(AttachmentError):
        attachments.attachment_save(
            actor=world.users["integrity"],
            use="test_use",
            target=world.hospital,
            upload=upload(PDF),
        )


def test_encrypted_uses_keep_ciphertext_on_disk(world, settings):
    settings.LIANFANG_DATA_KEY = Fernet.generate_key().decode()
    register_use(
        AttachmentUse(
            code="secret_use",
            label="保密",
            types=("application/pdf",),
            max_bytes=100_000,
            may_read=lambda user, target: True,
            encrypt=True,
        )
    )
    saved = attachments.attachment_save(
        actor=world.users["integrity"], use="secret_use", target=world.hospital, upload=upload(PDF)
    )
    on_disk = (settings.LIANFANG_ATTACHMENTS_DIR / saved.path).read_bytes()
    assert b"%PDF" not in on_disk and saved.encrypted
    assert attachments.attachment_content(saved) == PDF
    settings.LIANFANG_DATA_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        attachments.attachment_content(saved)


def test_download_only_for_readers_as_an_attachment(
    world, use, login, django_capture_on_commit_callbacks
):
    saved = attachments.attachment_save(
        actor=world.users["integrity"], use="test_use", target=world.hospital, upload=upload(PDF)
    )
    url = reverse("core:attachment_download", args=[saved.pk])
    response = login(world.users["integrity"]).get(url)
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert login(world.users["staff"]).get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        attachments.attachment_delete(
            actor=world.users["integrity"], attachment=saved, reason="传错"
        )
    assert login(world.users["integrity"]).get(url).status_code == 404
    assert not (attachments.store.storage.exists(saved.path))
    assert AuditEvent.objects.filter(action="attachment.delete").count() == 1
