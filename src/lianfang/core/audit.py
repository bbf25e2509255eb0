"""The audit chain: every service write appends events here, inside the write's transaction.

Appends are serialised by locking the chain head row (SELECT ... FOR UPDATE on PostgreSQL,
the IMMEDIATE write lock on SQLite), so concurrent writers never fork the chain.
"""

import datetime as dt
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "organisation_id",
    "before",
    "after",
    "prev_hash",
)


def to_jsonable(value):
    """Turn a model field value into something JSON keeps exactly."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields=None) -> dict:
    """The concrete field values of `obj` (foreign keys as ids), for before/after."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        data[field.attname] = to_jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys whose values changed (all keys for create and delete)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after.keys() | before.keys() if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


def canonical(event: AuditEvent) -> bytes:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["created_at"] = event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(
        to_jsonable(content), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


@dataclass(frozen=True)
class Change:
    """One write to record: the object and its values before and after."""

    action: str
    obj: models.Model | None = None
    before: dict | None = None
    after: dict | None = None
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""
    organisation: object = None


def _organisation_of(obj):
    """The organisation node an object belongs to, if it has one (for scoping the audit page)."""
    if obj is None:
        return None
    from lianfang.org.models import Organisation

    if isinstance(obj, Organisation):
        return obj
    org_id = getattr(obj, "organisation_id", None)
    if org_id is None:
        return None
    return getattr(obj, "organisation", None)


def record_many(*, actor, changes: list[Change]) -> list[AuditEvent]:
    """Append one event per change, in order. Must run inside the writer's transaction."""
    if not changes:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be appended inside the write's transaction")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    now = timezone.now()
    label = _actor_label(actor)
    events = []
    prev = head.hash
    seq = head.seq
    for change in changes:
        obj = change.obj
        org = change.organisation or _organisation_of(obj)
        before, after = diff(change.before, change.after)
        seq += 1
        event = AuditEvent(
            seq=seq,
            created_at=now,
            actor_id=getattr(actor, "pk", None),
            actor_label=label,
            action=change.action,
            object_type=change.object_type or (obj._meta.label_lower if obj is not None else ""),
            object_id=change.object_id or (str(obj.pk) if obj is not None else ""),
            object_repr=(change.object_repr or (str(obj) if obj is not None else ""))[:255],
            organisation_id=getattr(org, "pk", None),
            organisation_path=getattr(org, "path", "") or "",
            before=to_jsonable(before),
            after=to_jsonable(after),
            prev_hash=prev,
        )
        event.hash = compute_hash(event)
        prev = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=500)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return events


def record(*, actor, action: str, obj=None, before=None, after=None, **extra) -> AuditEvent:
    """Append one event for a write. See `record_many`."""
    return record_many(
        actor=actor,
        changes=[Change(action=action, obj=obj, before=before, after=after, **extra)],
    )[0]


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return actor.get_username()


@dataclass
class VerifyResult:
    ok: bool
    count: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""


def verify(batch_size: int = 2000) -> VerifyResult:
    """Walk the chain in order; report the first event altered, removed or reordered."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            last_id = event.id
            count += 1
            if event.seq != expected_seq:
                reason = (
                    f"event #{expected_seq} is missing or out of order "
                    f"(found #{event.seq} at row {event.id})"
                )
                return VerifyResult(False, count, expected_seq, event.id, reason)
            if event.prev_hash != prev_hash:
                return VerifyResult(
                    False,
                    count,
                    event.seq,
                    event.id,
                    f"event #{event.seq} does not follow the previous event (chain broken)",
                )
            if compute_hash(event) != event.hash:
                return VerifyResult(
                    False, count, event.seq, event.id, f"event #{event.seq} was altered"
                )
            prev_hash = event.hash
            expected_seq += 1
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    if head_seq != count or head_hash != prev_hash:
        return VerifyResult(
            False,
            count,
            count + 1 if head_seq > count else head_seq,
            None,
            f"the chain head names event #{head_seq} but the chain ends at #{count}"
            " (events removed from the end)",
        )
    return VerifyResult(True, count)
