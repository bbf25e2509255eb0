"""Material attached to a complaint: checked by the platform's upload rules (type from the
bytes, size limit, image decoding under a pixel limit), sealed (crypto.seal) and written to
the platform's file store. The original is kept as evidence; an image also gets a copy
re-encoded without its metadata (location, camera, author), which is what handlers open by
default."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import attachments

from .crypto import seal, unseal
from .models import File

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
EVIDENCE = attachments.AttachmentUse(
    code="complaint_evidence",
    label=_("投诉举报材料"),
    types=("application/pdf", "image/jpeg", "image/png", *attachments.DOCUMENTS[1:]),
    max_bytes=MAX_BYTES,
    may_read=lambda user, target: False,  # served only by complaints' own views
    max_files=MAX_FILES,
)


def _context(complaint_id: int, kind: str) -> str:
    return f"complaints.file.{complaint_id}.{kind}"


def check(upload) -> tuple[bytes, bytes, str]:
    """(original bytes, clean bytes or b"", MIME type), or AttachmentError."""
    clean, mime, _received = attachments.check_upload(EVIDENCE, upload)
    if hasattr(upload, "seek"):
        upload.seek(0)
    original = attachments._read(upload, MAX_BYTES)
    return original, (clean if mime in attachments.IMAGES else b""), mime


def store(complaint, upload, *, from_reporter: bool) -> File:
    original, clean, mime = check(upload)
    original_path = attachments.store_content(seal(original, _context(complaint.pk, "original")))
    clean_path = (
        attachments.store_content(seal(clean, _context(complaint.pk, "clean"))) if clean else ""
    )
    return File.objects.create(
        complaint=complaint,
        name=attachments._name(upload),
        mime_type=mime,
        size=len(original),
        original_path=original_path,
        clean_path=clean_path,
        from_reporter=from_reporter,
    )


def content(file: File, *, original: bool = False) -> bytes:
    kind = "original" if original or not file.clean_path else "clean"
    path = file.original_path if kind == "original" else file.clean_path
    with attachments.store.storage.open(path, "rb") as handle:
        return unseal(handle.read(), _context(file.complaint_id, kind))


def delete_stored(file: File) -> None:
    for path in (file.original_path, file.clean_path):
        if path:
            attachments.store.storage.delete(path)
