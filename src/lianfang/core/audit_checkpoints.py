"""Signed checkpoints of the audit chain, kept outside the database.

The chain proves that no event was altered, removed or reordered, as long as its end is
known: someone who can write the database can also recompute every hash and move the chain
head, cut events from the end and move the head back, or empty the table and reset the head,
and the chain alone still verifies. A checkpoint records, outside the database, that the
chain head was (seq, hash) at a time, signed with an Ed25519 key the database never holds.
`verify(checkpoints=...)` then requires every checkpoint's event to be in the chain with its
hash, and the head not to be behind any checkpoint.

- `lianfang audit checkpoint` (`checkpoint_make`) verifies the chain since the last
  checkpoint, then signs the head it verified and writes one file per checkpoint,
  `audit-checkpoint-<seq>-<time>.json`, which it never overwrites, and prints the same
  record as one line (the journal, and syslog through it, keep a second copy).
- Its key is read from `settings.AUDIT_SIGNING_KEY` (a PEM file); the web process needs
  neither the key nor write access to the directory. Checking needs only the public key
  (`settings.AUDIT_VERIFY_KEY`, else derived from the private key).
- Run it on a schedule (a systemd timer: `deploy/lianfang-audit-checkpoint.timer`), and keep
  the directory where the database's users cannot delete from it (another user, another
  host, or write-once storage): a checkpoint that is deleted protects nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from . import audit
from .audit import Checkpoint, VerifyResult

FORMAT = "lianfang-audit-checkpoint/1"
_NAME = re.compile(r"^audit-checkpoint-\d+-\d{8}T\d{12}Z\.json$")


class CheckpointError(Exception):
    """A key or a checkpoint that cannot be used (for operators, in English)."""


def _read_pem(path) -> bytes:
    if not path:
        raise CheckpointError("no key configured (LIANFANG_AUDIT_SIGNING_KEY)")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointError(f"cannot read the key {path}: {exc.strerror}") from exc


def signing_key(path=None) -> Ed25519PrivateKey:
    """The Ed25519 private key at `path` (default `settings.AUDIT_SIGNING_KEY`)."""
    path = path or settings.AUDIT_SIGNING_KEY
    try:
        key = serialization.load_pem_private_key(_read_pem(path), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise CheckpointError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def verify_key(path=None) -> Ed25519PublicKey:
    """The public key that checks checkpoints: the PEM public key at `path` (default
    `settings.AUDIT_VERIFY_KEY`), or the public half of a private key file."""
    path = path or settings.AUDIT_VERIFY_KEY
    if not path:
        return signing_key().public_key()
    pem = _read_pem(path)
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        return signing_key(path).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def _signed_bytes(record: dict) -> bytes:
    """What the signature covers: the record without its signature, as sorted compact JSON."""
    content = {k: v for k, v in record.items() if k != "signature"}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode("ascii")


def _record(seq: int, hash_: str, time: dt.datetime, key: Ed25519PrivateKey) -> dict:
    record = {
        "format": FORMAT,
        "seq": seq,
        "hash": hash_,
        "time": time.astimezone(dt.UTC).isoformat(timespec="microseconds"),
    }
    record["signature"] = base64.b64encode(key.sign(_signed_bytes(record))).decode("ascii")
    return record


def _parse(record, public_key: Ed25519PublicKey, name: str) -> Checkpoint:
    try:
        if record.get("format") != FORMAT:
            raise CheckpointError(f"{name}: not a checkpoint of this format")
        signature = base64.b64decode(record["signature"], validate=True)
        public_key.verify(signature, _signed_bytes(record))
        seq, hash_ = record["seq"], record["hash"]
        time = dt.datetime.fromisoformat(record["time"])
    except InvalidSignature as exc:
        raise CheckpointError(
            f"{name}: the signature does not verify with the configured key "
            "(the file was changed, or signed with another key)"
        ) from exc
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{name}: not a readable checkpoint") from exc
    if type(seq) is not int or seq < 0 or not re.fullmatch(r"[0-9a-f]{64}", str(hash_)):
        raise CheckpointError(f"{name}: not a readable checkpoint")
    return Checkpoint(seq=seq, hash=hash_, time=time, name=name)


def checkpoints_read(directory, public_key: Ed25519PublicKey) -> list[Checkpoint]:
    """Every checkpoint in `directory`, by sequence number then time. A file that is not a
    validly signed checkpoint raises `CheckpointError` (it may be a forgery or damage: it
    is not silently skipped)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f"{directory} is not a directory")
    found = []
    for path in sorted(directory.iterdir()):
        if not _NAME.match(path.name):
            continue
        try:
            record = json.loads(path.read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CheckpointError(f"{path.name}: not a readable checkpoint") from exc
        found.append(_parse(record, public_key, path.name))
    return sorted(found, key=lambda c: (c.seq, c.time))


def _write_new(path: Path, text: str):
    """Write a file that must not exist yet, completely or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "x", encoding="ascii") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(partial, path)  # fails if the name is taken: a checkpoint is never replaced
    finally:
        partial.unlink()
    os.chmod(path, 0o444)


@dataclass
class Made:
    result: VerifyResult  # the verification the checkpoint rests on
    checkpoint: Checkpoint | None = None  # None when refused or when the head did not move
    line: str = ""  # the signed record, one line of JSON


def checkpoint_make(directory=None, key_path=None, *, batch_size=2000) -> Made:
    """Verify the chain since the last checkpoint in `directory` (all of it when there is
    none) and, if it holds and has moved, sign its head and write a new checkpoint."""
    directory = Path(directory or settings.AUDIT_CHECKPOINT_DIR or "")
    if not str(directory) or str(directory) == ".":
        raise CheckpointError("no checkpoint directory configured (LIANFANG_AUDIT_CHECKPOINTS)")
    key = signing_key(key_path)
    directory.mkdir(parents=True, exist_ok=True)
    existing = checkpoints_read(directory, key.public_key())
    last = existing[-1] if existing else None
    result = audit.verify(batch_size=batch_size, checkpoints=existing, since=last)
    if not result.ok:
        return Made(result)
    if result.count == 0 or (last is not None and last.seq == result.count):
        return Made(result)  # nothing new to sign
    record = _record(result.count, result.last_hash, timezone.now(), key)
    time = dt.datetime.fromisoformat(record["time"])
    name = f"audit-checkpoint-{result.count:012d}-{time:%Y%m%dT%H%M%S%f}Z.json"
    line = json.dumps(record, sort_keys=True, separators=(",", ":"))
    _write_new(directory / name, line + "\n")
    checkpoint = Checkpoint(seq=result.count, hash=result.last_hash, time=time, name=name)
    return Made(result, checkpoint, line)


def verify_against(directory, key_path=None, *, since=False, batch_size=2000, workers=1):
    """`audit.verify` held to the signed checkpoints in `directory`, from the last one when
    `since`. Returns (result, checkpoints read)."""
    checkpoints = checkpoints_read(directory, verify_key(key_path))
    last = checkpoints[-1] if since and checkpoints else None
    result = audit.verify(
        batch_size=batch_size, checkpoints=checkpoints, since=last, workers=workers
    )
    return result, checkpoints
