"""The audit chain: every service write appends events here, inside the write's transaction.

Appends are serialised by locking the chain head row (SELECT ... FOR UPDATE on PostgreSQL,
the IMMEDIATE write lock on SQLite), so concurrent writers never fork the chain.
"""

import binascii
import datetime as dt
import decimal
import enum
import functools
import hashlib
import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter, itemgetter, methodcaller

from django.db import connections, models, transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.duration import duration_iso_string
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

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
    "organisation_path",
    "before",
    "after",
    "prev_hash",
)


_PLAIN = frozenset((str, int, bool, type(None)))


def to_jsonable(value):
    """Turn a model field value into something JSON keeps exactly."""
    kind = type(value)
    if kind in _PLAIN:
        return value  # most values, at bulk-write scale: spare them the checks below
    if kind is dict:  # a snapshot: its plain values are kept without a call each
        return {
            k if type(k) is str else str(k): v if type(v) in _PLAIN else to_jsonable(v)
            for k, v in value.items()
        }
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN and infinities are not JSON (PostgreSQL refuses them)
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
    keys = [k for k in after.keys() | before.keys() if not _same(before.get(k), after.get(k))]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


def _same(a, b) -> bool:
    """Whether two values are the same JSON: True is not 1, nor 1 1.0."""
    if type(a) is type(b) and type(a) in _PLAIN:
        return a == b  # most values: spare them the comparison keys
    return _key(a) == _key(b)


def _key(value) -> str:
    """A comparison key that tells True from 1 and 1 from 1.0, as JSON does."""
    return json.dumps(value, sort_keys=True, default=str)


def _hashable(value):
    """The value as the database gives it back, so a stored event rehashes to the same digest.

    PostgreSQL's jsonb keeps numbers as decimals: a float such as 1e+16 comes back as the
    integer 10000000000000000. Integral floats are therefore hashed as that integer.
    (Exact type checks: this runs over every value of every event `verify` reads.)
    """
    kind = type(value)
    if kind is dict:
        return {k: _hashable(v) for k, v in value.items()}
    if kind is list:
        return [_hashable(v) for v in value]
    if kind is float and value.is_integer():
        return int(decimal.Decimal(repr(value)))
    return value


_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_json_string = json.encoder.encode_basestring  # what `_json` writes for a str, without the checks
# The canonical form's keys in sorted order, each followed by its value's JSON text.
_CANONICAL = "{" + ",".join(f'"{name}":%s' for name in sorted(HASHED_FIELDS)) + "}"


def _json_int(value) -> str:
    return "null" if value is None else repr(value) if type(value) is int else _json(value)


def _json_str(value) -> str:
    return _json_string(value) if type(value) is str else _json(value)


def json_text(value) -> str:
    """The canonical JSON of a before/after value: the text its event's hash covers, and the
    text the event stores (so that `verify` can hash the stored text as it is)."""
    return _json(_hashable(value))


def _timestamp(created_at: dt.datetime) -> str:
    return created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _canonical_text(
    seq, created, actor_id, actor_label, action, object_type, object_id, object_repr,
    organisation_id, organisation_path, before_text, after_text, prev_hash,
) -> str:  # fmt: skip
    """The canonical form from the fields' values (`created` as `_timestamp` gives it, the
    before/after as `json_text` gives them): `_CANONICAL` filled in sorted key order."""
    return _CANONICAL % (
        _json_str(action),
        _json_int(actor_id),
        _json_str(actor_label),
        after_text,
        before_text,
        _json_string(created),
        _json_str(object_id),
        _json_str(object_repr),
        _json_str(object_type),
        _json_int(organisation_id),
        _json_str(organisation_path),
        _json_str(prev_hash),
        _json_int(seq),
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: its content (`HASHED_FIELDS`) as sorted-key compact
    JSON, not ASCII-escaped, in UTF-8; the time in UTC with microseconds, and integral floats
    of before/after as integers (`_hashable`).
    """
    return _canonical_text(
        event.seq,
        _timestamp(event.created_at),
        event.actor_id,
        event.actor_label,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.organisation_id,
        event.organisation_path,
        json_text(event.before),
        json_text(event.after),
        event.prev_hash,
    ).encode("utf-8", "surrogatepass")


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


# Models whose objects are organisation nodes themselves (registered by the organisation app):
# their events are scoped to the node, not to an `organisation` field they do not have.
_NODE_MODELS: set[type] = set()


def register_organisation_model(model):
    """Declare `model` as the organisation tree's node, so that its own writes are scoped to
    the node on the audit page. Returns the model (usable as a class decorator)."""
    _NODE_MODELS.add(model)
    return model


def _organisation_of(obj):
    """The organisation node an object belongs to, if it has one (for scoping the audit page)."""
    if obj is None:
        return None
    if isinstance(obj, tuple(_NODE_MODELS)):
        return obj
    org_id = getattr(obj, "organisation_id", None)
    if org_id is None:
        return None
    return getattr(obj, "organisation", None)


def record_many(*, actor, changes: list[Change]) -> list[AuditEvent]:
    """Append one event per change, in order. Must run inside the writer's transaction.

    The events share one timestamp and take consecutive sequence numbers; nobody else can
    append between them (the chain head stays locked until the transaction ends). Their
    hashes are computed here, the rows go in with one prepared INSERT executed for all of
    them, and the head moves once: a bulk writer's thousands of events cost little more
    than their hashing.
    """
    if not changes:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be appended inside the write's transaction")
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    now = timezone.now()
    created = _timestamp(now)
    actor_id = getattr(actor, "pk", None)
    label = _actor_label(actor)[:150]
    rows, values = [], []
    prev = head.hash
    seq = head.seq
    for change in changes:
        obj = change.obj
        org = change.organisation or _organisation_of(obj)
        before, after = diff(to_jsonable(change.before), to_jsonable(change.after))
        before_text = None if before is None else json_text(before)
        after_text = None if after is None else json_text(after)
        seq += 1
        object_type = change.object_type or (obj._meta.label_lower if obj is not None else "")
        object_id = change.object_id or (str(obj.pk) if obj is not None else "")
        object_repr = change.object_repr or (str(obj) if obj is not None else "")
        row = [
            seq,
            actor_id,
            label,
            change.action[:64],
            object_type[:100],
            object_id[:64],
            object_repr[:255],
            getattr(org, "pk", None),
            getattr(org, "path", "") or "",
            before_text,
            after_text,
            prev,
        ]
        text = _canonical_text(
            seq,
            created,
            *row[1:9],
            "null" if before_text is None else before_text,
            "null" if after_text is None else after_text,
            prev,
        )
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate: SQLite stores valid UTF-8 only, so before/after are stored
            # ASCII-escaped (the same JSON, which `verify` then parses before hashing).
            data = text.encode("utf-8", "surrogatepass")
            row[9:11] = map(_ascii, row[9:11])
        prev = hashlib.sha256(data).hexdigest()
        row.append(prev)
        rows.append(row)
        values.append((before, after))
    ids = _insert(rows, now)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    # Positional arguments in the model's field order (id, seq, created_at, actor, ...).
    return [
        AuditEvent(pk, row[0], now, *row[1:9], before, after, row[11], row[12])
        for pk, row, (before, after) in zip(ids, rows, values, strict=True)
    ]


# The columns `record_many` writes, in the order of its rows (created_at is added here).
_ROW_COLUMNS = (*(name for name in HASHED_FIELDS if name != "created_at"), "hash")


def _insert(rows: list[list], now: dt.datetime) -> list[int]:
    """Insert the rows of new events with one prepared statement; their ids, in order.

    before/after go in as their canonical JSON text: SQLite keeps it as it is (so `verify`
    hashes it without parsing it), PostgreSQL parses it into jsonb.
    """
    connection = transaction.get_connection()
    fields = [AuditEvent._meta.get_field(name) for name in ("created_at", *_ROW_COLUMNS)]
    created = fields[0].get_db_prep_save(now, connection)
    quote = connection.ops.quote_name
    table = quote(AuditEvent._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            [(created, *row) for row in rows],
        )
        seq = quote("seq")
        cursor.execute(
            f"SELECT {quote('id')} FROM {table} WHERE {seq} BETWEEN %s AND %s "  # noqa: S608
            f"ORDER BY {seq}",
            [rows[0][0], rows[-1][0]],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _ascii(text: str | None) -> str | None:
    return None if text is None else json.dumps(json.loads(text), ensure_ascii=True)


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


class Problem(enum.StrEnum):
    """What is wrong with the first broken event."""

    MISSING = "missing"  # the row holding the next sequence number is absent or elsewhere
    UNLINKED = "unlinked"  # its prev_hash is not the previous event's hash
    ALTERED = "altered"  # its content no longer matches its hash
    TRUNCATED = "truncated"  # the chain head names events that are gone from the end
    UNANCHORED = "unanchored"  # the last event is not the one the chain head anchors
    BEYOND_HEAD = "beyond_head"  # rows past the chain head that no append wrote
    DIVERGED = "diverged"  # the event a signed checkpoint anchors is not (or no longer) there
    ROLLED_BACK = "rolled_back"  # a signed checkpoint names more events than the chain head


@dataclass(frozen=True)
class Checkpoint:
    """A signed record, kept outside the database, that the chain head was (seq, hash) at
    `time` (see `core.audit_checkpoints`). A chain rewritten with recomputed hashes, cut
    short, or emptied with its head reset no longer contains it."""

    seq: int
    hash: str
    time: dt.datetime
    name: str = ""  # the file it was read from

    @property
    def label(self) -> str:
        return f"#{self.seq} of {self.time.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


@dataclass
class VerifyResult:
    ok: bool
    count: int  # events verified, in order, before the first broken one (all when ok)
    broken_seq: int | None = None
    broken_id: int | None = None  # the row at the broken position (None when it is gone)
    problem: Problem | None = None
    found_seq: int | None = None  # MISSING: the event found where `broken_seq` belongs
    head_seq: int | None = None  # TRUNCATED, ROLLED_BACK: how many events the head names
    checkpoint: Checkpoint | None = None  # DIVERGED, ROLLED_BACK: the checkpoint it breaks
    start: int = 1  # the first event walked (after the checkpoint `verify` resumed from)
    last_hash: str = GENESIS  # when ok: the hash of the last event, which the head anchors

    @property
    def reason(self) -> str:
        """What is wrong, in English, for operators and logs."""
        seq, row, mark = self.broken_seq, self.broken_id, self.checkpoint
        if self.problem is None:
            return ""
        if self.problem is Problem.DIVERGED and row is None:
            return (
                f"event #{seq}, which the signed checkpoint {mark.label} anchors, is gone "
                "(the chain was rewritten or cut short)"
            )
        return {
            Problem.MISSING: f"event #{seq} is missing or out of order "
            f"(row {row} holds event #{self.found_seq} where #{seq} belongs)",
            Problem.UNLINKED: f"event #{seq} (row {row}) does not link to the event before it "
            "(its prev_hash differs: an event was removed, reordered or rewritten)",
            Problem.ALTERED: f"event #{seq} (row {row}) was altered "
            "(its content does not match its hash)",
            Problem.TRUNCATED: f"event #{seq} is missing: the chain head names "
            f"{self.head_seq} events but the chain ends at #{self.count} "
            "(events removed from the end)",
            Problem.UNANCHORED: f"event #{seq} (row {row}) is not the event the chain head "
            "anchors (the end of the chain was replaced)",
            Problem.BEYOND_HEAD: f"event #{seq} (row {row}) lies beyond the chain head "
            "(written outside the audit service)",
            Problem.DIVERGED: f"event #{seq} (row {row}) is not the event the signed "
            f"checkpoint {mark and mark.label} anchors (the chain was rewritten, with "
            "recomputed hashes, at or before it)",
            Problem.ROLLED_BACK: f"the chain head names {self.head_seq} events but the signed "
            f"checkpoint {mark and mark.label} names {seq} (events removed from the end "
            "and the head moved back)",
        }[self.problem]

    @property
    def message(self) -> str:
        """The result in the user's language, for the audit page."""
        if self.ok:
            return _("审计链完整：共 %(count)s 条事件，逐条校验通过。") % {"count": self.count}
        detail = {
            Problem.MISSING: _(
                "第 %(seq)s 号事件缺失或顺序被调换（记录 %(row)s 处应为第 %(seq)s 号，"
                "实为第 %(found)s 号）。"
            ),
            Problem.UNLINKED: _(
                "第 %(seq)s 号事件（记录 %(row)s）与前一事件的哈希不衔接：事件被删除、调换或改写。"
            ),
            Problem.ALTERED: _("第 %(seq)s 号事件（记录 %(row)s）的内容与其哈希不符，已被篡改。"),
            Problem.TRUNCATED: _(
                "第 %(seq)s 号事件缺失：链头记有 %(head)s 条事件，链只到第 %(count)s 号，"
                "链尾事件已被删除。"
            ),
            Problem.UNANCHORED: _(
                "第 %(seq)s 号事件（记录 %(row)s）不是链头锚定的事件，链尾已被替换。"
            ),
            Problem.BEYOND_HEAD: _(
                "第 %(seq)s 号事件（记录 %(row)s）位于链头之后，不是由审计服务写入的。"
            ),
            Problem.DIVERGED: _(
                "第 %(seq)s 号事件与签名检查点（%(time)s）记录的不符：审计链在此处或之前"
                "被改写并重算了哈希。"
            ),
            Problem.ROLLED_BACK: _(
                "链头只记有 %(head)s 条事件，而签名检查点（%(time)s）记有 %(seq)s 条："
                "链尾事件已被删除，链头被回退。"
            ),
        }[self.problem]
        params = {
            "seq": self.broken_seq,
            "row": self.broken_id,
            "found": self.found_seq,
            "head": self.head_seq,
            "count": self.count,
            "time": self.checkpoint and localtime(self.checkpoint.time).strftime("%Y-%m-%d %H:%M"),
        }
        return _("审计链已被破坏：") + detail % params


# What `verify` reads of each event, in this order.
_READ = ("id", *HASHED_FIELDS, "hash")
_TEXT = {"actor_label", "action", "object_type", "object_id", "object_repr", "organisation_path"}


def _select(connection, *, raw: bool = False) -> str:
    """SELECT of the `_READ` columns as stored, without the ORM's conversions.

    `raw` (SQLite only) reads them for `_raw_batch_holds`: texts, before/after (b"null" for
    NULL) and the hashes as the bytes stored, integers as their decimal bytes or b"null"
    (None when the column holds anything else), and created_at as the canonical time
    without its "+00:00" when it is stored as Django writes it (else None).
    """
    quote = connection.ops.quote_name
    columns = []
    for name in _READ:
        column = quote(AuditEvent._meta.get_field(name).column)
        if name == "created_at" and raw:
            column = (
                f"CASE WHEN length({column}) = 26 "
                f"THEN CAST(replace({column}, ' ', 'T') AS BLOB) END"
            )
        elif name == "created_at" and connection.vendor == "sqlite":
            column = f"CAST({column} AS TEXT)"  # the text, not the driver's datetime
        elif name == "created_at" and connection.vendor == "postgresql":
            # Text in UTC whatever the session's TimeZone and DateStyle: cheaper than the
            # driver's datetime, and the same for every event of a batch (`_stored_time`).
            column = f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
        elif raw and name in ("actor_id", "organisation_id"):
            column = (
                f"CAST(CASE typeof({column}) WHEN 'integer' THEN {column} "
                f"WHEN 'null' THEN 'null' END AS BLOB)"
            )
        elif raw and name in ("before", "after"):
            column = f"CAST(coalesce({column}, 'null') AS BLOB)"
        elif raw and (name in _TEXT or name in ("prev_hash", "hash")):
            column = f"CAST({column} AS BLOB)"
        columns.append(column)
    return f"SELECT {', '.join(columns)} FROM {quote(AuditEvent._meta.db_table)}"  # noqa: S608


@functools.lru_cache(maxsize=16)
def _stored_time(value) -> str:
    """`_timestamp` of a stored created_at: SQLite's text (UTC, as Django writes it) or a
    driver's datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return _timestamp(value)


def _json_float(literal: str):
    """A JSON number with a fraction or exponent, as `_hashable` gives it."""
    value = float(literal)
    return int(decimal.Decimal(repr(value))) if value.is_integer() else value


_decode_json = json.JSONDecoder(parse_float=_json_float).raw_decode


def _parse_json(text: str):
    value, end = _decode_json(text)
    if end != len(text):
        raise ValueError("not one JSON value")
    return value


def _stored_json_text(value) -> str:
    """`json_text` of a stored before/after: parsed from the database's text (jsonb's own
    layout on PostgreSQL, any JSON that was written by other means) and written canonically."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return _json(_parse_json(value))
    return json_text(value)


def _row_hash(row) -> str | None:
    """The hash of a row read with `_select` (not raw), or None when the row cannot be read
    as an event at all (a time or JSON that `record_many` cannot have written)."""
    try:
        return _digest(
            _canonical_text(
                row[1],
                _stored_time(row[2]),
                *row[3:11],
                _stored_json_text(row[11]),
                _stored_json_text(row[12]),
                row[13],
            )
        )
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None


# The canonical form with every text value put between quotes as it is stored, and
# before/after as stored (SQLite keeps the canonical JSON `record_many` writes), filled from
# a row read with `_select(raw=True)`. When these bytes hash to the event's hash, the stored
# values are the hashed ones:
# - no text holds a quote or a backslash (checked), so quoting it is what JSON does, and a
#   control character would make the bytes differ from every canonical form;
# - the integers are integers (the raw SELECT gives None otherwise, which `%` refuses), and
#   the time is the hashed time as Django writes it (anything else differs, or is None);
# - before/after: the texts after them hold no `,"created_at":"` (quotes are refused in
#   them), so before ends where the hashed before ended; two JSON texts side by side could
#   still be split elsewhere (part of after passed off as before), which needs a
#   `,"before":` inside one of them: a batch with a row holding a second one (none is
#   written in practice) is checked by parsing.
_RAW_CANONICAL = (
    b'{"action":"%s","actor_id":%s,"actor_label":"%s","after":%s,"before":%s,'
    b'"created_at":"%s+00:00","object_id":"%s","object_repr":"%s","object_type":"%s",'
    b'"organisation_id":%s,"organisation_path":"%s","prev_hash":"%s","seq":%d}'
)
_BEFORE_KEY = b',"before":'
_RAW_VALUES = itemgetter(5, 3, 4, 12, 11, 2, 7, 8, 6, 9, 10, 13, 1)  # in `_RAW_CANONICAL`
_RAW_TEXTS = itemgetter(4, 5, 6, 7, 8, 10)
_SEQ, _PREV, _HASH = itemgetter(1), itemgetter(13), itemgetter(14)
_DIGEST = methodcaller("digest")


def _raw_batch_holds(rows, prev_hash: bytes, first_seq: int) -> bool:
    """Whether every row of a batch read with `_select(raw=True)`, hashed as stored
    (`_RAW_CANONICAL`), has its hash, and the batch numbers its events from `first_seq` on
    and links them to `prev_hash`. False when any row does not, or cannot be read so: the
    caller then checks the batch row by row, parsing, and names what is wrong.

    Every step runs over the whole batch in C (map, join, count): this is what verify's
    speed on SQLite is.
    """
    join = b"".join
    try:
        texts = join(map(join, map(_RAW_TEXTS, rows)))
        if b'"' in texts or b"\\" in texts:
            return False
        canonical = list(map(_RAW_CANONICAL.__mod__, map(_RAW_VALUES, rows)))
    except TypeError:  # a NULL text, a time or an integer stored otherwise
        return False
    n = len(rows)
    if join(canonical).count(_BEFORE_KEY) != n:  # each holds one: the key before "before"
        return False
    if list(map(_SEQ, rows)) != list(range(first_seq, first_seq + n)):
        return False
    hashes = list(map(_HASH, rows))
    if list(map(_PREV, rows)) != [prev_hash, *hashes[:-1]]:
        return False
    return list(map(binascii.hexlify, map(_DIGEST, map(hashlib.sha256, canonical)))) == hashes


@dataclass
class _Walked:
    """Where a walk that found nothing wrong stopped: the last event's hash and row, the
    next seq expected, and the checkpoints not reached yet."""

    prev_hash: str
    expected_seq: int
    last_id: int
    mark_seq: int
    mark_group: Sequence
    ahead: object


def _walk(cursor, select, raw_select, walked: _Walked, end_seq: int, start: int, batch_size):
    """Check the events from `walked.expected_seq` to `end_seq` in row order; a
    VerifyResult naming the first problem, or where the walk stopped (`_Walked`)."""
    prev_hash, expected_seq, last_id = walked.prev_hash, walked.expected_seq, walked.last_id
    mark_seq, mark_group, ahead = walked.mark_seq, walked.mark_group, walked.ahead
    while expected_seq <= end_seq:
        page = [last_id, min(batch_size, end_seq - expected_seq + 1)]
        if raw_select:
            cursor.execute(f"{raw_select} WHERE id > %s ORDER BY id LIMIT %s", page)
            rows = cursor.fetchall()
            if not rows:
                break
            if _raw_batch_holds(rows, prev_hash.encode(), expected_seq):
                last = expected_seq + len(rows) - 1
                while mark_seq and mark_seq <= last:
                    row = rows[mark_seq - expected_seq]
                    for mark in mark_group:
                        if row[14] != mark.hash.encode():
                            return VerifyResult(
                                False,
                                mark_seq - 1,
                                mark_seq,
                                row[0],
                                Problem.DIVERGED,
                                checkpoint=mark,
                                start=start,
                            )
                    mark_seq, mark_group = next(ahead, (0, ()))
                prev_hash, last_id = rows[-1][14].decode(), rows[-1][0]
                expected_seq = last + 1
                continue
        cursor.execute(f"{select} WHERE id > %s ORDER BY id LIMIT %s", page)
        rows = cursor.fetchall()
        if not rows:
            break
        for row in rows:
            pk, seq, stored = row[0], row[1], row[14]
            if seq != expected_seq:
                return VerifyResult(
                    False, expected_seq - 1, expected_seq, pk, Problem.MISSING, seq, start=start
                )
            if row[13] != prev_hash:
                return VerifyResult(False, seq - 1, seq, pk, Problem.UNLINKED, start=start)
            if _row_hash(row) != stored:
                return VerifyResult(False, seq - 1, seq, pk, Problem.ALTERED, start=start)
            if seq == mark_seq:
                for mark in mark_group:
                    if stored != mark.hash:
                        return VerifyResult(
                            False,
                            seq - 1,
                            seq,
                            pk,
                            Problem.DIVERGED,
                            checkpoint=mark,
                            start=start,
                        )
                mark_seq, mark_group = next(ahead, (0, ()))
            prev_hash = stored
            last_id = pk
            expected_seq += 1
    return _Walked(prev_hash, expected_seq, last_id, mark_seq, mark_group, ahead)


def _marks_ahead(marks):
    """The checkpoints as (seq, [checkpoints signed for it]) in order: an iterator, and its
    first item ((0, ()) when there is none)."""
    ahead = iter([(seq, list(group)) for seq, group in groupby(marks, attrgetter("seq"))])
    mark_seq, mark_group = next(ahead, (0, ()))
    return ahead, mark_seq, mark_group


def _selects(connection) -> tuple[str, str | None]:
    raw = _select(connection, raw=True) if connection.vendor == "sqlite" else None
    return _select(connection), raw


# Below this many events a verify walks in one process (starting workers costs more).
PARALLEL_MIN_EVENTS = 100_000


def _walk_range(task) -> tuple[str, int] | None:
    """A worker process's part of a parallel verify: the events from `first_seq` to
    `end_seq` (after the row `last_id`, linked to `prev_hash`). (last hash, last row) when
    every one of them holds, else None: the caller then walks the whole chain itself, which
    names the problem exactly as a walk in one process does."""
    prev_hash, first_seq, last_id, end_seq, marks, batch_size = task
    connection = connections[AuditEvent.objects.db]
    try:
        select, raw_select = _selects(connection)
        ahead, mark_seq, mark_group = _marks_ahead(marks)
        start = _Walked(prev_hash, first_seq, last_id, mark_seq, mark_group, ahead)
        with connection.cursor() as cursor:
            walked = _walk(cursor, select, raw_select, start, end_seq, first_seq, batch_size)
    finally:
        connection.close()
    if isinstance(walked, VerifyResult) or walked.expected_seq != end_seq + 1 or walked.mark_seq:
        return None
    return walked.prev_hash, walked.last_id


def _parallel_walk(connection, workers, walked: _Walked, head_seq, marks, batch_size):
    """The events from `walked.expected_seq` to `head_seq` checked by `workers` processes,
    each a contiguous run of seqs, whose ends must meet: each run starts after the row
    (and links to the hash) the run before it ended on. `_Walked` at the head when every
    run holds, else None (a problem somewhere, or a run that could not be cut)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    first, total = walked.expected_seq, head_seq - walked.expected_seq + 1
    bounds = [first - 1 + total * i // workers for i in range(1, workers)]
    cut = {
        seq: (pk, stored)
        for seq, pk, stored in AuditEvent.objects.filter(seq__in=bounds).values_list(
            "seq", "id", "hash"
        )
    }
    if len(cut) != len(bounds):
        return None
    tasks, prev_hash, seq, last_id = [], walked.prev_hash, first, walked.last_id
    for end in [*bounds, head_seq]:
        inside = [m for m in marks if seq <= m.seq <= end]
        tasks.append((prev_hash, seq, last_id, end, inside, batch_size))
        if end != head_seq:
            last_id, prev_hash = cut[end]
            seq = end + 1
    connections.close_all()  # each worker opens its own connection; none is shared
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = list(pool.map(_walk_range, tasks))
    if any(r is None for r in results):
        return None
    for result, following in zip(results, tasks[1:], strict=False):
        if result != (following[0], following[2]):
            return None
    prev_hash, last_id = results[-1]
    ahead, mark_seq, mark_group = _marks_ahead([m for m in marks if m.seq > head_seq])
    return _Walked(prev_hash, head_seq + 1, last_id, mark_seq, mark_group, ahead)


def _may_fork(connection) -> bool:
    """Whether worker processes can read what this connection reads: not inside a
    transaction (they would not see its rows) and not an in-memory SQLite database."""
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        return ":memory:" not in name and "mode=memory" not in name
    return True


def verify(
    batch_size: int = 2000,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    since: Checkpoint | None = None,
    workers: int = 1,
    parallel_min: int = PARALLEL_MIN_EVENTS,
) -> VerifyResult:
    """Walk the chain in row order; report the first event altered, removed or reordered.

    The chain head is read first and the walk stops at the event it names, so appends that
    commit while the walk runs are not mistaken for tampering. Reads in batches of
    `batch_size` rows, so memory stays flat however long the chain.

    `checkpoints` (signed, kept outside the database) must each still be in the chain:
    their event must have their hash, and the head must not name fewer events. That catches
    what the chain alone cannot: a rewrite that recomputed every hash and the head, events
    cut from the end with the head moved back, the table emptied and the head reset.
    `since` (one of them, normally the latest) starts the walk after its event, which must
    still hash to the checkpoint's hash: the events before it are taken as the checkpoint
    signed them.

    `workers` > 1 (the command line's default: one per core) checks a chain of at least
    `parallel_min` events in that many processes, each a contiguous run of seqs whose ends
    must meet; when any run finds a problem the chain is walked again in this process, so
    what is reported is the same either way. Not from a web request (it forks) nor inside a
    transaction (the workers would not see its rows): there it walks in one process.

    Speed: rows are read as tuples, never as model instances. On SQLite, where
    `record_many` stores before/after as the canonical JSON the hash covers, a batch is
    first hashed as stored, all at once (`_raw_batch_holds`); a batch that does not hold so
    is read again and checked row by row, parsing (`_row_hash`), which names the first
    event that is wrong. PostgreSQL's jsonb keeps its own layout: there every event is
    parsed.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    connection = connections[AuditEvent.objects.db]
    select, raw_select = _selects(connection)
    marks = sorted(checkpoints, key=attrgetter("seq"))
    prev_hash, expected_seq, last_id = GENESIS, 1, 0

    with connection.cursor() as cursor:
        if since is not None:
            if since.seq > head_seq:
                return VerifyResult(
                    False,
                    0,
                    since.seq,
                    None,
                    Problem.ROLLED_BACK,
                    head_seq=head_seq,
                    checkpoint=since,
                    start=since.seq + 1,
                )
            cursor.execute(f"{select} WHERE seq = %s", [since.seq])
            row = cursor.fetchone()
            if row is None or row[14] != since.hash or _row_hash(row) != since.hash:
                return VerifyResult(
                    False,
                    since.seq - 1,
                    since.seq,
                    None if row is None else row[0],
                    Problem.DIVERGED,
                    checkpoint=since,
                    start=since.seq,
                )
            prev_hash, expected_seq, last_id = since.hash, since.seq + 1, row[0]
    start = expected_seq
    # The checkpoints ahead, by event: two signed for one event must both hold.
    marks = [c for c in marks if c.seq >= start]  # an empty chain's checkpoint says nothing
    ahead, mark_seq, mark_group = _marks_ahead(marks)
    walked = _Walked(prev_hash, expected_seq, last_id, mark_seq, mark_group, ahead)
    result = None
    if workers > 1 and head_seq - start + 1 >= max(parallel_min, workers) and _may_fork(connection):
        result = _parallel_walk(connection, workers, walked, head_seq, marks, batch_size)
    if result is None:
        with connection.cursor() as cursor:
            result = _walk(cursor, select, raw_select, walked, head_seq, start, batch_size)
    if isinstance(result, VerifyResult):
        return result
    prev_hash, expected_seq, last_id = result.prev_hash, result.expected_seq, result.last_id
    mark_seq = result.mark_seq
    count = expected_seq - 1
    if count < head_seq:
        return VerifyResult(
            False, count, count + 1, None, Problem.TRUNCATED, head_seq=head_seq, start=start
        )
    if count and prev_hash != head_hash:
        return VerifyResult(False, count - 1, count, last_id, Problem.UNANCHORED, start=start)
    if mark_seq:  # signed when the chain was longer than its head says now
        beyond = marks[-1]
        return VerifyResult(
            False,
            count,
            beyond.seq,
            None,
            Problem.ROLLED_BACK,
            head_seq=head_seq,
            checkpoint=beyond,
            start=start,
        )
    # Rows past the head: read the highest seq first, then the head again, so an append that
    # commits in between (which moves both) cannot look like a forged row.
    highest = AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0
    latest_head = AuditChainHead.objects.filter(id=1).values_list("seq", flat=True).first() or 0
    if highest > latest_head:
        stray = AuditEvent.objects.filter(seq__gt=latest_head).order_by("seq").first()
        return VerifyResult(False, count, stray.seq, stray.id, Problem.BEYOND_HEAD, start=start)
    return VerifyResult(True, count, start=start, last_hash=head_hash)
