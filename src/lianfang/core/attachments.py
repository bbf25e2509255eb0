"""Uploaded files, stored once for every module (附件).

Each app declares the *uses* it has for files (`AttachmentUse`: which types, how large, whether
encrypted at rest, who may read one) with `register_use`, once, when it is ready. Then:

    attachment_save(actor=user, use="measure_evidence", target=measure, upload=request.FILES[…])

checks the upload against its use and refuses with a Chinese message (`AttachmentError`, a
ValidationError) what does not fit:
- the type is detected from the bytes (puremagic; an Office file is told apart by the parts of
  its zip), never from the name or the browser's word, and must be one the use allows;
- the size limit is the use's;
- an image is decoded with Pillow under a pixel limit (a decompression bomb is refused) and
  re-encoded, so what is kept is pixels and nothing else (no metadata, no trailing payload);
- a use that says so is encrypted at rest (Fernet) with the platform's data key
  (LIANFANG_DATA_KEY), which the database does not hold.

The file goes to a directory of its own (LIANFANG_ATTACHMENTS_DIR, default var/attachments),
not under MEDIA_ROOT: nothing serves it but `core:attachment_download`, which asks the use's
`may_read(user, target)` and answers with `Content-Disposition: attachment`. The SHA-256 of
what was uploaded is kept to prove later that a file is the one received. Saving and deleting
are audit events.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import puremagic
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .models import Attachment

logger = logging.getLogger(__name__)

# The types a use may allow: MIME type -> (label, extension kept for downloads).
TYPES = {
    "application/pdf": (gettext_lazy("PDF 文档"), "pdf"),
    "image/jpeg": (gettext_lazy("JPEG 图片"), "jpg"),
    "image/png": (gettext_lazy("PNG 图片"), "png"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        gettext_lazy("Word 文档"),
        "docx",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        gettext_lazy("Excel 工作簿"),
        "xlsx",
    ),
}
IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG"}
DOCUMENTS = ("application/pdf", *[t for t in TYPES if "officedocument" in t])
# Office files are zips; the part that names each kind.
_OFFICE_PARTS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_PIXELS = 40_000_000  # 40 megapixels: any photo of a document; a bomb is far above


class AttachmentError(ValidationError):
    """An upload its use refuses; the message says why, in Chinese."""


@dataclass(frozen=True)
class AttachmentUse:
    """What one kind of attachment accepts and who may read it.

    `may_read(user, target)` is asked before every download (the target is the object the
    file is attached to); `may_attach(user, target)` before a save from a page.
    """

    code: str
    label: str
    types: tuple[str, ...]
    max_bytes: int
    may_read: Callable
    may_attach: Callable | None = None
    encrypt: bool = False
    max_files: int = 10
    extra: dict = field(default_factory=dict)

    @property
    def type_labels(self) -> str:
        return "、".join(str(TYPES[t][0]) for t in self.types)

    @property
    def accept(self) -> str:
        """The file input's accept attribute (a hint to the browser; the bytes decide)."""
        return ",".join(f".{TYPES[t][1]}" for t in self.types)


_USES: dict[str, AttachmentUse] = {}


def register_use(use: AttachmentUse) -> AttachmentUse:
    unknown = set(use.types) - set(TYPES)
    if unknown:
        raise ImproperlyConfigured(f"attachment use {use.code}: unknown types {unknown}")
    _USES[use.code] = use
    return use


def use_of(code: str) -> AttachmentUse:
    try:
        return _USES[code]
    except KeyError:
        raise ImproperlyConfigured(f"no attachment use {code!r} is registered") from None


# Where and how files are kept -------------------------------------------------------------------


class _Store:
    @cached_property
    def storage(self) -> FileSystemStorage:
        return FileSystemStorage(location=settings.LIANFANG_ATTACHMENTS_DIR)

    def fernet(self) -> Fernet:
        key = getattr(settings, "LIANFANG_DATA_KEY", "")
        if not key:
            raise ImproperlyConfigured(
                "LIANFANG_DATA_KEY is not set: attachments that must be encrypted cannot be kept."
            )
        return Fernet(key)


store = _Store()


def detect_type(content: bytes) -> str | None:
    """The MIME type of `content` from its bytes, or None when it is none we know."""
    if content[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        for part, mime in _OFFICE_PARTS.items():
            if part in names and "[Content_Types].xml" in names:
                return mime
        return None
    try:
        mime = puremagic.from_string(content, mime=True)
    except (puremagic.PureError, ValueError):
        return None
    return mime if mime in TYPES else None


def _reencoded(content: bytes, mime: str) -> bytes:
    """The image's pixels, decoded under MAX_PIXELS and written again (metadata dropped)."""
    from PIL import Image, UnidentifiedImageError

    refused = AttachmentError(
        _("图片无法读取或像素过多（上限 %(n)s 万像素）。") % {"n": MAX_PIXELS // 10_000}
    )
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise refused
            image.load()
            if mime == "image/jpeg" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=IMAGES[mime], optimize=True)
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, ValueError) as exc:
        raise refused from exc
    return out.getvalue()


def _read(upload, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the upload (enough to know it is too large)."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks, size = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


def _name(upload) -> str:
    name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:200] or _("附件")


# Services ---------------------------------------------------------------------------------------


def check_upload(use: AttachmentUse, upload) -> tuple[bytes, str, str]:
    """The bytes to keep, their type and the SHA-256 of what was received, or
    AttachmentError saying why not."""
    content = _read(upload, use.max_bytes)
    if not content:
        raise AttachmentError(_("文件是空的。"))
    if len(content) > use.max_bytes:
        raise AttachmentError(
            _("文件超过 %(n)s MB 的上限。") % {"n": round(use.max_bytes / 1024 / 1024, 1)}
        )
    received = hashlib.sha256(content).hexdigest()
    mime = detect_type(content)
    if mime is None or mime not in use.types:
        raise AttachmentError(
            _("不支持该文件类型（按文件内容识别），请上传：%(types)s。")
            % {"types": use.type_labels}
        )
    if mime in IMAGES:
        content = _reencoded(content, mime)
    return content, mime, received


def store_content(content: bytes, *, encrypt: bool = False) -> str:
    """Write accepted bytes (`check_upload`'s) to the store, encrypted when asked, as
    `YYYY/MM/<uuid>.bin`; its path. The caller creates the row (and removes the file if it
    cannot)."""
    stored = store.fernet().encrypt(content) if encrypt else content
    name = f"{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.bin"
    return store.storage.save(name, ContentFile(stored))


@transaction.atomic
def attachment_save(*, actor, use: str, target, upload, organisation=None) -> Attachment:
    """Keep `upload` as an attachment of `target` for `use`, or refuse with AttachmentError."""
    spec = use_of(use)
    content_type = ContentType.objects.get_for_model(type(target))
    existing = Attachment.objects.filter(
        use=use, content_type=content_type, object_id=target.pk, deleted_at__isnull=True
    ).count()
    if existing >= spec.max_files:
        raise AttachmentError(_("附件已达 %(n)s 个的上限。") % {"n": spec.max_files})
    content, mime, received = check_upload(spec, upload)
    path = store_content(content, encrypt=spec.encrypt)
    organisation = organisation or getattr(target, "organisation", None)
    try:
        attachment = Attachment.objects.create(
            use=use,
            content_type=content_type,
            object_id=target.pk,
            organisation=organisation,
            name=_name(upload),
            mime_type=mime,
            size=len(content),
            sha256=received,
            encrypted=spec.encrypt,
            path=path,
            uploaded_by=actor,
        )
    except BaseException:
        store.storage.delete(path)  # no row, no file
        raise
    audit.record(
        actor=actor,
        action="attachment.save",
        obj=attachment,
        after=_state(attachment, target),
        organisation=organisation,
    )
    return attachment


def _state(attachment: Attachment, target) -> dict:
    return {
        "use": attachment.use,
        "target": f"{attachment.content_type.app_label}.{attachment.content_type.model}"
        f"#{attachment.object_id}",
        "target_repr": str(target)[:100],
        "name": attachment.name,
        "type": attachment.mime_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


@transaction.atomic
def attachment_delete(*, actor, attachment: Attachment, reason: str = "") -> Attachment:
    """Withdraw an attachment: it is no longer listed nor served; the record and the audit
    event stay (the file is removed from disk)."""
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.deleted_at is not None:
        return attachment
    attachment.deleted_at = timezone.now()
    attachment.save(update_fields=["deleted_at"])
    path = attachment.path
    transaction.on_commit(lambda: store.storage.delete(path))
    audit.record(
        actor=actor,
        action="attachment.delete",
        obj=attachment,
        before=_state(attachment, attachment.target),
        after={"reason": (reason or "").strip()[:200]},
        organisation=attachment.organisation,
    )
    return attachment


def attachment_content(attachment: Attachment) -> bytes:
    """The file as it was accepted (decrypted when kept encrypted)."""
    with store.storage.open(attachment.path, "rb") as handle:
        data = handle.read()
    if attachment.encrypted:
        try:
            data = store.fernet().decrypt(data)
        except InvalidToken as exc:
            raise ImproperlyConfigured("the data key does not open this attachment") from exc
    return data


def attachments_of(target, use: str | None = None):
    """The attachments of `target` (of one `use`), oldest first."""
    content_type = ContentType.objects.get_for_model(type(target))
    qs = Attachment.objects.filter(
        content_type=content_type, object_id=target.pk, deleted_at__isnull=True
    )
    return qs.filter(use=use) if use else qs


# Files left behind ------------------------------------------------------------------------------

# A file younger than this is left alone: its transaction may not have committed yet.
ORPHAN_GRACE = 24 * 3600


def purge_orphans(*, older_than: float = ORPHAN_GRACE, now: float | None = None) -> int:
    """Delete the stored files that no attachment in use names, last written more than
    `older_than` seconds ago: a file saved by `attachment_save` in a transaction that was
    later rolled back (the file is written before the row, and nothing removes it when an
    outer transaction fails), and a withdrawn attachment's file whose removal after the
    commit did not happen (the process stopped). Returns how many were deleted.
    A scheduled task (core.tasks) runs it daily."""
    root = Path(store.storage.location)
    if not root.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - older_than
    old = {}
    for path in root.rglob("*.bin"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                old[path.relative_to(root).as_posix()] = path
        except FileNotFoundError:  # removed meanwhile
            continue
    names = sorted(old)
    purged = 0
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        kept = set(
            Attachment.objects.filter(path__in=batch, deleted_at__isnull=True).values_list(
                "path", flat=True
            )
        )
        for name in batch:
            if name not in kept:
                old[name].unlink(missing_ok=True)
                purged += 1
    if purged:
        logger.info("purged %s attachment file(s) without an attachment in use", purged)
    return purged
