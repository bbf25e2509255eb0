"""The exchange file: a zip of JSON members, an Excel workbook for people to read, a manifest
of the members' SHA-256 and the manifest's Ed25519 signature (docs/exchange.md).

The zip's comment holds the Ed25519 signature of the whole file (as written without the
comment), so that a byte changed outside the members is refused too.

`build` writes one; `read` checks one and returns what it holds, or raises ValidationError
with the reason in Chinese. Neither touches the database."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import keys
from .schema import (
    CAMPAIGN,
    LISTED,
    MANIFEST,
    MEMBERS,
    SCHEMA,
    SIGNATURE,
    WORKBOOK,
    validate,
)

MAX_FILE_MB = 50  # the upload
MAX_MEMBER_MB = 200  # one member, inflated
CHUNK = 1024 * 1024
JSON_MEMBERS = tuple(name for name in LISTED if name.endswith(".json"))


def canonical(document) -> bytes:
    """A JSON document's canonical bytes (keys sorted, no spaces): what content hashes hash."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_sha256(documents: dict) -> str:
    """The digest of a report's content: its JSON members, whatever file carried them."""
    return hashlib.sha256(canonical({n: documents[n] for n in JSON_MEMBERS})).hexdigest()


def _pretty(document) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode()


def build(
    *,
    unit_code: str,
    unit_name: str,
    year: int,
    campaign_name: str,
    documents: dict,
    workbook: bytes,
    public_key: str,
    sealed_private_key: str,
    created_at: str,
) -> bytes:
    """The zip of `documents` (register, commitments, campaign), the workbook, the manifest
    and its signature."""
    members = {name: _pretty(documents[name]) for name in JSON_MEMBERS}
    members[WORKBOOK] = workbook
    manifest = {
        "schema": SCHEMA,
        "unit": unit_code,
        "unit_name": unit_name,
        "year": year,
        "campaign": campaign_name,
        "created_at": created_at,
        "members": [
            {"name": name, "sha256": hashlib.sha256(members[name]).hexdigest(), "size": len(data)}
            for name, data in ((n, members[n]) for n in LISTED)
        ],
        "key": {
            "algorithm": "Ed25519",
            "public_key": public_key,
            "fingerprint": keys.fingerprint(public_key),
        },
    }
    manifest_bytes = _pretty(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, keys.sign(sealed_private_key, manifest_bytes).hex() + "\n")
        for name in LISTED:
            archive.writestr(name, members[name])
    return seal(out.getvalue(), sealed_private_key)


# The whole file's signature, in the zip's comment: the manifest's signature covers what the
# members hold, this one every other byte (headers, times, the central directory), so that a
# changed byte anywhere is refused. It signs the file as written without a comment.
FILE_SIGNATURE = b"LIANFANG-EXCHANGE-SIGNATURE:"
_EOCD_COMMENT_LENGTH = 2  # the end record's last field, before the comment


def _unsigned(content: bytes, comment: bytes) -> bytes:
    body = content[: len(content) - len(comment) - _EOCD_COMMENT_LENGTH]
    return body + b"\x00\x00"


def seal(content: bytes, sealed_private_key: str) -> bytes:
    """`content` (a zip without comment) with its Ed25519 signature as the comment."""
    comment = FILE_SIGNATURE + keys.sign(sealed_private_key, content).hex().encode()
    return content[:-_EOCD_COMMENT_LENGTH] + len(comment).to_bytes(2, "little") + comment


def _check_seal(content: bytes, comment: bytes, public_key: str) -> None:
    if not comment.startswith(FILE_SIGNATURE):
        _refuse(_("上报文件缺少整体签名，或签名被改动。"))
    try:
        signature = bytes.fromhex(comment[len(FILE_SIGNATURE) :].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        signature = b""
    unsigned = _unsigned(content, comment)
    # the end record's comment length, which the signature does not cover (it signs the file
    # as written without a comment), must be the comment's: zipfile reads a comment declared
    # longer than the file's tail as the tail, so a changed high byte went unnoticed
    declared = content[
        len(content) - len(comment) - _EOCD_COMMENT_LENGTH : len(content) - len(comment)
    ]
    if (
        not content.endswith(comment)
        or declared != len(comment).to_bytes(_EOCD_COMMENT_LENGTH, "little")
        or not keys.verifies(public_key, signature, unsigned)
    ):
        _refuse(_("上报文件在签名后被改动：整体签名校验失败。"))


@dataclass
class Package:
    manifest: dict
    documents: dict  # the JSON members, parsed and checked
    file_sha256: str

    @property
    def unit_code(self) -> str:
        return self.manifest["unit"]

    @property
    def public_key(self) -> str:
        return self.manifest["key"]["public_key"]

    @property
    def fingerprint(self) -> str:
        return self.manifest["key"]["fingerprint"]


def _refuse(message: str):
    raise ValidationError(message, code="refused")


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MEMBER_MB * CHUNK:
        _refuse(_("上报文件中的 %(name)s 过大。") % {"name": info.filename})
    out = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                out += chunk
                if len(out) > MAX_MEMBER_MB * CHUNK:
                    _refuse(_("上报文件中的 %(name)s 过大。") % {"name": info.filename})
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        zlib.error,
        NotImplementedError,
        RuntimeError,
    ):
        # a changed byte of the compressed data (the CRC, or inflating it, fails), of a
        # header (an unknown compression method, the encryption flag)
        _refuse(_("上报文件已损坏：%(name)s 无法读出或校验失败。") % {"name": info.filename})
    return bytes(out)


def _json(name: str, data: bytes):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        _refuse(_("%(name)s 不是有效的 JSON 文件。") % {"name": name})


def read(content: bytes) -> Package:
    """The checked content of an exchange file, or ValidationError naming what is wrong:
    not a zip, a member missing or unexpected, the manifest's signature, a member changed
    after signing (its SHA-256), a JSON member against its schema, members that disagree
    on the unit, the year or the campaign."""
    if len(content) > MAX_FILE_MB * CHUNK:
        _refuse(_("上报文件超过 %(mb)s MB。") % {"mb": MAX_FILE_MB})
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        _refuse(_("不是有效的上报文件：无法作为 zip 文件读取。"))
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        _refuse(_("上报文件中有重名的文件。"))
    unexpected = [n for n in names if n not in MEMBERS]
    if unexpected:
        shown = (n if n.isprintable() else ascii(n) for n in unexpected)
        _refuse(_("上报文件含有清单之外的文件：%(names)s。") % {"names": "、".join(shown)})
    missing = [n for n in MEMBERS if n not in names]
    if missing:
        _refuse(_("上报文件缺少 %(names)s。") % {"names": "、".join(missing)})
    data = {info.filename: _member(archive, info) for info in infos}

    manifest_bytes = data[MANIFEST]
    manifest = _json(MANIFEST, manifest_bytes)
    problem = validate(MANIFEST, manifest)
    if problem:
        _refuse(problem)
    key = manifest["key"]
    if keys.fingerprint(key["public_key"]) != key["fingerprint"]:
        _refuse(_("清单中的公钥指纹与公钥不符。"))
    try:
        signature = bytes.fromhex(data[SIGNATURE].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        signature = b""
    if not keys.verifies(key["public_key"], signature, manifest_bytes):
        _refuse(_("签名无效：清单（manifest.json）在签名后被改动，或签名不是清单中的公钥所签。"))
    listed = {m["name"]: m for m in manifest["members"]}
    if sorted(listed) != sorted(LISTED) or len(manifest["members"]) != len(LISTED):
        _refuse(_("清单列出的文件与上报文件格式不符。"))
    for name in LISTED:
        digest = hashlib.sha256(data[name]).hexdigest()
        if digest != listed[name]["sha256"] or len(data[name]) != listed[name]["size"]:
            _refuse(_("%(name)s 的 SHA-256 与清单不符：文件在签名后被改动。") % {"name": name})
    documents = {}
    for name in JSON_MEMBERS:
        document = _json(name, data[name])
        problem = validate(name, document)
        if problem:
            _refuse(problem)
        if document["unit"] != manifest["unit"] or document["year"] != manifest["year"]:
            _refuse(_("%(name)s 的单位代码或年度与清单不符。") % {"name": name})
        documents[name] = document
    campaign = documents[CAMPAIGN]["campaign"]
    if (campaign["name"] if campaign else "") != manifest["campaign"]:
        _refuse(_("campaign.json 的排查名称与清单不符。"))
    # last: the reasons above name what changed; this one catches any other byte
    _check_seal(content, archive.comment, key["public_key"])
    return Package(
        manifest=manifest,
        documents=documents,
        file_sha256=hashlib.sha256(content).hexdigest(),
    )
