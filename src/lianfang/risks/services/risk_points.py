"""Risk points: the rules of a risk point's write (validation, grading, review dates,
timeline events, audit) and the services that apply them."""

import copy
import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, bulk, publications
from lianfang.core.errors import RowIssue, row_issues, too_long
from lianfang.org.models import Department, Organisation, Post, Power, PowerStep
from lianfang.reviews import chain as review_chain
from lianfang.reviews import services as review_services
from lianfang.reviews.models import Decision

from .. import grading, vagueness
from ..models import (
    Category,
    GradingScheme,
    Level,
    RiskPoint,
    RiskPointEvent,
)
from .errors import (
    RiskError,
    _choice_errors,
    _label,
    _level_name,
    _outside,
    _raise_all,
    error,
)

# Risk points --------------------------------------------------------------------------------

POINT_FIELDS = (
    "subject",
    "department",
    "post",
    "power",
    "step",
    "category",
    "name",
    "manifestation",
    "likelihood",
    "harm",
    "matter_kind",
    "criteria",
    "source",
    "last_reviewed",
    "library_urn",
    "library_version",
)
# What the timeline shows: not the bookkeeping of which library version a point follows.
BOOKKEEPING_FIELDS = ("library_urn", "library_version")
TIMELINE_FIELDS = tuple(f for f in POINT_FIELDS if f not in BOOKKEEPING_FIELDS)
# Inputs a level rests on: when one of them changes, a level set by hand gives way.
SCORE_FIELDS = ("likelihood", "harm", "matter_kind", "criteria")
FOREIGN_KEYS = {"department", "post", "power", "step"}
CHOICES = {
    "subject": frozenset(RiskPoint.Subject.values),
    "category": frozenset(Category.values),
    "source": frozenset(RiskPoint.Source.values),
}


def _display(point: RiskPoint, field: str):
    """A field's value as the timeline keeps it: related objects by name, dates in ISO."""
    if field in FOREIGN_KEYS:
        related = getattr(point, field) if getattr(point, f"{field}_id") else None
        return str(related) if related is not None else None
    value = getattr(point, field)
    # Most values are JSON already; this runs for every field of every row of a bulk write.
    return value if value is None or type(value) in (str, int) else audit.to_jsonable(value)


def _state(point: RiskPoint) -> dict:
    state = {field: _display(point, field) for field in TIMELINE_FIELDS}
    state["level"] = point.level
    state["review_due"] = audit.to_jsonable(point.review_due)
    return state


def _update_change(action: str, obj, before: dict, after: dict, organisation) -> audit.Change:
    """The audit change of an update, with only the snapshot keys that may differ: the audit
    keeps exactly the ones that do, and is spared comparing every field of every row of a
    bulk write (containers and values of another type are left for it to compare)."""
    keys = [
        k
        for k in after.keys() | before.keys()
        if k not in before
        or k not in after
        or before[k] != after[k]
        or type(before[k]) is not type(after[k])
        or type(after[k]) in (list, dict)
    ]
    return audit.Change(
        action,
        obj,
        {k: before.get(k) for k in keys},
        {k: after.get(k) for k in keys},
        organisation=organisation,
    )


def _created(action: str, obj, organisation) -> audit.Change:
    """The audit change of an object a bulk writer creates."""
    return audit.Change(action, obj, after=audit.snapshot(obj), organisation=organisation)


def _changes(before: dict, after: dict, fields) -> dict:
    return {f: [before.get(f), after.get(f)] for f in fields if before.get(f) != after.get(f)}


def _event(point, type_, actor, at, changes=None, reason="") -> RiskPointEvent:
    return RiskPointEvent(
        risk_point=point,
        type=type_,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at,
        changes=changes or {},
        reason=reason or "",
    )


def _assign(obj, data: dict, fields, related: dict, clean: dict):
    """Set each of `fields` that `data` holds on `obj`, as the services take them: text
    stripped; a related object (`related`: field → model) given as itself or by its key, an
    empty one as None; a value of a field in `clean` through its function."""
    for name in fields:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if name in related:
            if hasattr(value, "_meta"):
                pass
            elif value is None or value == "":
                value = None
            else:
                value = related[name].objects.filter(pk=value).first()
        elif name in clean:
            value = clean[name](value)
        setattr(obj, name, value)


def _score(value):
    if value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


POINT_RELATED = {"department": Department, "post": Post, "power": Power, "step": PowerStep}
POINT_CLEAN = {
    "likelihood": _score,
    "harm": _score,
    "library_version": _score,
    "criteria": lambda value: list(dict.fromkeys(value or ())),
    "matter_kind": lambda value: "" if value is None else value,
}


def _assign_point(point: RiskPoint, data: dict):
    _assign(point, data, POINT_FIELDS, POINT_RELATED, POINT_CLEAN)
    if point.subject == RiskPoint.Subject.POST and point.post_id and not point.department_id:
        point.department_id = point.post.department_id


def _check_point(point: RiskPoint, scheme: GradingScheme):
    errors = []
    organisation = point.organisation
    for field in ("subject", "category", "name", "manifestation"):
        if getattr(point, field) in (None, ""):
            errors.append(error(RiskError.REQUIRED, field, label=_label(RiskPoint, field)))
    if not point.power_id:
        errors.append(error(RiskError.REQUIRED, "power", label=_label(RiskPoint, "power")))
    for field, label, limit in too_long(point, ("name", "library_urn")):
        errors.append(error(RiskError.TOO_LONG, field, label=label, max=limit))
    errors += _choice_errors(point, CHOICES, blank=True)
    if point.subject == RiskPoint.Subject.POST and not point.post_id:
        errors.append(error(RiskError.SUBJECT_POST_REQUIRED, "post"))
    if point.subject == RiskPoint.Subject.DEPARTMENT and not point.department_id:
        errors.append(error(RiskError.SUBJECT_DEPARTMENT_REQUIRED, "department"))
    errors += _outside(point, ("department", "post"))
    if point.power_id:
        power = point.power
        # A power of the organisation itself or of a unit above it (a shared catalogue).
        if power.organisation_id not in (organisation.ancestors_ids() or [organisation.pk]):
            errors.append(
                error(
                    RiskError.OUTSIDE_ORGANISATION,
                    "power",
                    label=_label(RiskPoint, "power"),
                    name=power.name,
                    organisation=organisation.name,
                )
            )
        if point.step_id and point.step.power_id != power.pk:
            errors.append(
                error(RiskError.STEP_NOT_OF_POWER, "step", step=point.step.name, power=power.name)
            )
    size = scheme.matrix_size
    for field in ("likelihood", "harm"):
        value = getattr(point, field)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= size:
            errors.append(
                error(
                    RiskError.SCORE_OUT_OF_RANGE,
                    field,
                    label=_label(RiskPoint, field),
                    size=size,
                )
            )
    if point.matter_kind and point.matter_kind not in grading.MATTER_LABELS:
        errors.append(error(RiskError.UNKNOWN_MATTER_KIND, "matter_kind", value=point.matter_kind))
    if not isinstance(point.criteria, list):
        errors.append(error(RiskError.UNKNOWN_CRITERION, "criteria", value=point.criteria))
    else:
        for key in point.criteria:
            if key not in grading.CRITERIA:
                errors.append(error(RiskError.UNKNOWN_CRITERION, "criteria", value=key))
    _raise_all(errors)


def _requested_level(data: dict):
    """The level asked for by hand, or None when the scheme is to decide."""
    value = data.get("level")
    if value in (None, ""):
        return None
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in Level.values:
        raise error(RiskError.INVALID_LEVEL, "level")
    return level


def _apply_grading(point, scheme, *, requested, scores_changed, old_level, reason):
    """Set level, level_manual and review_due. A level that differs from the scheme's and is
    set by hand needs a reason."""
    computed = grading.grade_point(scheme, point)
    if requested == old_level:
        requested = None  # a form showing the current level asks for no change by hand
    if requested is not None:
        point.level_manual = requested != computed
        point.level = requested
    elif point.level_manual and not scores_changed:
        pass  # a level set by hand stays until the scores it overrode change
    else:
        point.level_manual = False
        point.level = computed
    if point.level_manual and point.level != old_level and not (reason or "").strip():
        raise error(
            RiskError.LEVEL_REASON_REQUIRED,
            "reason",
            old=_level_name(old_level),
            new=_level_name(point.level),
        )
    point.review_due = _review_due(point, scheme)


def _review_due(point, scheme) -> dt.date | None:
    days = grading.review_interval_days(scheme, point.level)
    if not days:
        return None
    start = point.last_reviewed
    if start is None:
        start = timezone.localdate(point.created_at) if point.created_at else timezone.localdate()
    return start + dt.timedelta(days=days)


def _regrade_reason(before: dict, after: dict, scheme, manual: bool) -> str:
    if manual:
        return ""
    parts = [
        f"{_label(RiskPoint, f)} {before.get(f) or '—'} → {after.get(f) or '—'}"
        for f in SCORE_FIELDS
        if before.get(f) != after.get(f)
    ]
    detail = "；".join(parts) if parts else _("定级依据变化")
    return _("按定级方案“%(scheme)s”重新定级：%(detail)s") % {
        "scheme": scheme.name,
        "detail": detail,
    }


@dataclass
class _Prepared:
    """What the rules made of one write: the point's states before and after (as the timeline
    keeps them), its audit snapshot before, and the timeline changes."""

    point: RiskPoint
    before: dict | None
    after: dict
    snapshot_before: dict | None
    field_changes: dict
    level_changed: bool
    manual_changed: bool
    bookkeeping_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.before is None or bool(
            self.field_changes
            or self.level_changed
            or self.manual_changed
            or self.bookkeeping_changed
        )


def _prepare(point: RiskPoint, data: dict, scheme, *, reason: str) -> _Prepared:
    """Apply the rules of a risk point's write to `point` in memory: assign `data`, validate
    (every error at once), grade and date the next review. A new point (no pk) is a draft
    of its organisation. Raises ValidationError; writes nothing.

    Whatever the rules read (organisation, power with its steps, post, department) is read
    through the point's related objects, so a caller writing many rows passes objects, not
    ids, and the rules make no query.
    """
    creating = point.pk is None
    before = None if creating else _state(point)
    snapshot_before = None if creating else audit.snapshot(point)
    old_level = point.level
    _assign_point(point, data)
    _check_point(point, scheme)
    scores_changed = creating or any(before[f] != _display(point, f) for f in SCORE_FIELDS)
    _apply_grading(
        point,
        scheme,
        requested=_requested_level(data),
        scores_changed=scores_changed,
        old_level=old_level if not creating else None,
        reason=reason,
    )
    after = _state(point)
    if creating:
        changes = {f: [None, v] for f, v in after.items() if v not in (None, "", [])}
        return _Prepared(point, None, after, None, changes, False, False)
    return _Prepared(
        point,
        before,
        after,
        snapshot_before,
        _changes(before, after, [*TIMELINE_FIELDS, "review_due"]),
        before["level"] != after["level"],
        point.level_manual != snapshot_before.get("level_manual"),
        any(getattr(point, f) != snapshot_before.get(f) for f in BOOKKEEPING_FIELDS),
    )


def _write_events(prepared: _Prepared, actor, at, *, reason: str, label: str, library: bool):
    """The timeline events of one prepared write, as the single services write them: a new
    point gets CREATED (IMPORTED when it comes from a library); a change gets UPDATED with
    the fields that changed and, when the level moved, REGRADED with the reason. The library
    import writes its changes as one IMPORTED event (the library tells its own writes from
    local edits by that type)."""
    point = prepared.point
    if prepared.before is None:
        type_ = (
            RiskPointEvent.Type.IMPORTED
            if point.source == RiskPoint.Source.LIBRARY
            else RiskPointEvent.Type.CREATED
        )
        return [_event(point, type_, actor, at, prepared.field_changes, reason or label)]
    if library:
        changes = dict(prepared.field_changes)
        if prepared.level_changed:
            changes["level"] = [prepared.before["level"], prepared.after["level"]]
        return (
            [_event(point, RiskPointEvent.Type.IMPORTED, actor, at, changes, label)]
            if changes
            else []
        )
    events = []
    if prepared.field_changes:
        events.append(
            _event(
                point,
                RiskPointEvent.Type.UPDATED,
                actor,
                at,
                prepared.field_changes,
                reason or label,
            )
        )
    if prepared.level_changed:
        events.append(
            _event(
                point,
                RiskPointEvent.Type.REGRADED,
                actor,
                at,
                {"level": [prepared.before["level"], prepared.after["level"]]},
                (reason or "").strip()
                or _regrade_reason(
                    prepared.before, prepared.after, scheme_of(point), point.level_manual
                ),
            )
        )
    return events


def _set_author(point: RiskPoint, actor):
    """A new point is its creator's draft (the actor of its CREATED event); a point from a
    library is the department's or the unit's."""
    if getattr(actor, "pk", None) and point.source != RiskPoint.Source.LIBRARY:
        point.author = actor


def scheme_of(point: RiskPoint):
    scheme = getattr(point, "_grading_scheme", None)
    return scheme if scheme is not None else grading.active_scheme(point.organisation)


@transaction.atomic
def risk_point_create(*, actor, organisation: Organisation, data: dict, reason: str = ""):
    """Create a draft risk point of `organisation`, graded by its active scheme.

    `data` holds model field values (related objects or their ids). `data["level"]` sets the
    level by hand (then `reason` is required when it differs from the scheme's); leave it out
    or None to let the scheme decide. An `IMPORTED` event replaces `CREATED` when
    `data["source"]` is the library.
    """
    point = RiskPoint(organisation=organisation, status=RiskPoint.Status.DRAFT)
    point._grading_scheme = grading.active_scheme(organisation)
    prepared = _prepare(point, data, point._grading_scheme, reason=reason)
    _set_author(point, actor)
    point.save()
    for event in _write_events(
        prepared, actor, timezone.now(), reason=reason, label="", library=False
    ):
        event.save()
    audit.record(actor=actor, action="risk_point.create", obj=point, after=audit.snapshot(point))
    return point


@transaction.atomic
def risk_point_update(*, actor, risk_point: RiskPoint, data: dict, reason: str = ""):
    """Change a risk point's fields and re-grade it.

    The timeline gets an `UPDATED` event with {field: [old, new]} for the fields that changed
    and, when the level changed, a `REGRADED` event with the reason (the given one, or which
    scores moved). A level changed by hand (`data["level"]`) requires `reason`. Retired
    points cannot be changed.
    """
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    if point.status == RiskPoint.Status.RETIRED:
        raise error(RiskError.RETIRED, name=point.name)
    point._grading_scheme = grading.active_scheme(point.organisation)
    prepared = _prepare(point, data, point._grading_scheme, reason=reason)
    if not prepared.changed:
        return point
    point.updated_at = now = timezone.now()
    point.save()
    RiskPointEvent.objects.bulk_create(
        _write_events(prepared, actor, now, reason=reason, label="", library=False)
    )
    audit.record(
        actor=actor,
        action="risk_point.update",
        obj=point,
        before=prepared.snapshot_before,
        after=audit.snapshot(point),
    )
    publications.public_changed(point.organisation)  # its level, power, post on the portal
    return point


# Many risk points at once (imports, the standard library, the demo) --------------------------


@dataclass
class PointRow:
    """One risk point for `risk_points_write`: new (`point` None) or a change of `point`.

    `data` is what `risk_point_create`/`update` take, plus an optional "status": a row that
    files the point is checked as `risk_point_file` checks it, against `measures` (the
    measures the point will have once the write is done). `at` is when the row's write
    happened (default: the call's `at`): the point's created_at (for a new point, so its
    first review falls due counted from that day), updated_at and its timeline events' time.
    Only a history loaded as of past dates (the demo) gives it."""

    data: dict
    point: RiskPoint | None = None
    key: object = None
    reason: str = ""
    measures: list | None = None
    at: dt.datetime | None = None


def _status_change(prepared: _Prepared, row: PointRow, phrases, actor, at, label):
    """Apply a row's status as the single services would (filing is checked like
    `risk_point_file`); the events it adds. Raises ValidationError."""
    point = prepared.point
    old = RiskPoint.Status.DRAFT if prepared.before is None else point.status
    new = row.data.get("status") or old
    if new == old:
        point.status = old
        return []
    if new not in RiskPoint.Status.values:
        raise error(
            RiskError.INVALID_CHOICE, "status", label=_label(RiskPoint, "status"), value=new
        )
    point.status = new
    if new == RiskPoint.Status.FILED:
        problems = vagueness.check_filing(point, measures=row.measures or [], phrases=phrases)
        if problems:
            by_field: dict[str, list[str]] = {}
            for p in problems:  # every reason, not only the last one of each field
                by_field.setdefault(p.field or "name", []).append(p.message)
            raise ValidationError(by_field)
        type_ = RiskPointEvent.Type.FILED
    elif new == RiskPoint.Status.RETIRED:
        type_ = RiskPointEvent.Type.RETIRED
    else:
        type_ = RiskPointEvent.Type.UPDATED
    return [_event(point, type_, actor, at, {"status": [old, new]}, row.reason or label)]


def _prepare_rows(organisation, rows, *, actor, at, label, copies=False):
    """Apply the rules to every row: ([(prepared, status events, reason, time)], [issues]).
    With `copies`, existing points are copied first and stay as they were."""
    scheme = grading.active_scheme(organisation)
    phrases = None
    issues: list[RowIssue] = []
    prepared_rows: list[tuple[_Prepared, list, str, dt.datetime]] = []
    for row in rows:
        point = row.point
        row_at = row.at or at
        if point is None:
            point = RiskPoint(organisation=organisation, status=RiskPoint.Status.DRAFT)
            point.created_at = row_at
        elif copies:
            point = copy.copy(point)
        if point.organisation_id == organisation.pk:
            point.organisation = organisation  # one object for every row: no query per row
        point._grading_scheme = scheme
        retired = point.pk is not None and point.status == RiskPoint.Status.RETIRED
        try:
            prepared = _prepare(point, row.data, scheme, reason=row.reason)
            if prepared.before is None:
                _set_author(point, actor)
            if row.data.get("status") == RiskPoint.Status.FILED and phrases is None:
                phrases = vagueness.phrases_for(organisation)
            status_events = _status_change(prepared, row, phrases, actor, row_at, label)
            if retired and (prepared.changed or status_events):
                raise error(RiskError.RETIRED, name=prepared.before["name"])
        except ValidationError as exc:
            issues += row_issues(row.key, exc)
            continue
        prepared_rows.append((prepared, status_events, row.reason, row_at))
    return prepared_rows, issues


def risk_points_check(*, organisation: Organisation, rows: list[PointRow]) -> list[RowIssue]:
    """What `risk_points_write` would refuse in `rows`, as issues keyed by the rows' `key`.
    Writes nothing and leaves the rows' points as they are."""
    _rows, issues = _prepare_rows(
        organisation, rows, actor=None, at=timezone.now(), label="", copies=True
    )
    return issues


def risk_points_write(
    *,
    actor,
    organisation: Organisation,
    rows: list[PointRow],
    label: str = "",
    library: bool = False,
    audit_prefix: str = "",
    at=None,
) -> list[_Prepared]:
    """Create and change many risk points of `organisation` by the rules of
    `risk_point_create`/`risk_point_update` (and `risk_point_file` for rows that file),
    writing in set-based queries. Every row is checked first; if any fails, `RowsInvalid`
    names every problem (keyed by the rows' `key`) and nothing is written. `label` is the
    timeline's reason where the row gives none (e.g. "导入风险点登记表"); `library` writes
    the library import's IMPORTED events; `audit_prefix` prefixes the audit actions; a
    row's `at` (default `at`, default now) dates its write. Returns the prepared writes, in
    row order, with `.changed` telling which wrote anything."""
    at = at or timezone.now()
    return bulk.write_checked(
        lambda: _prepare_rows(organisation, rows, actor=actor, at=at, label=label),
        lambda prepared_rows: _write_points(
            prepared_rows,
            actor=actor,
            organisation=organisation,
            label=label,
            library=library,
            audit_prefix=audit_prefix,
        ),
    )


def _write_points(prepared_rows, *, actor, organisation, label, library, audit_prefix):
    """Write checked rows in set-based queries, with their timeline and audit events."""
    new, changed = [], []
    for prepared, status_events, _reason, row_at in prepared_rows:
        if prepared.before is None:
            new.append(prepared.point)
        elif prepared.changed or status_events:
            changed.append(prepared.point)
        else:
            continue
        prepared.point.updated_at = row_at
    RiskPoint.objects.bulk_create(new, batch_size=500)
    bulk.update_rows(
        changed, [*POINT_FIELDS, "level", "level_manual", "review_due", "status", "updated_at"]
    )
    events, changes = [], []
    for prepared, status_events, reason, row_at in prepared_rows:
        point = prepared.point
        if prepared.before is None:
            events.extend(
                _write_events(prepared, actor, row_at, reason=reason, label=label, library=library)
            )
            events.extend(status_events)
            changes.append(_created(f"{audit_prefix}risk_point.create", point, organisation))
        elif prepared.changed or status_events:
            if prepared.changed:
                events.extend(
                    _write_events(
                        prepared, actor, row_at, reason=reason, label=label, library=library
                    )
                )
            events.extend(status_events)
            changes.append(
                _update_change(
                    f"{audit_prefix}risk_point.update",
                    point,
                    prepared.snapshot_before,
                    audit.snapshot(point),
                    organisation,
                )
            )
    RiskPointEvent.objects.bulk_create(events, batch_size=1000)
    audit.record_many(actor=actor, changes=changes)
    if changed:
        publications.public_changed(organisation)
    _close_submissions(prepared_rows, actor)
    return [p for p, _e, _r, _at in prepared_rows]


def _close_submissions(prepared_rows, actor):
    """A point the write filed or retired no longer waits in the review chain: its open
    submission is closed (the office's import files directly, as the bulk path may)."""
    ended = {RiskPointEvent.Type.FILED: [], RiskPointEvent.Type.RETIRED: []}
    for prepared, status_events, _reason, _at in prepared_rows:
        if prepared.before is not None:
            for event in status_events:
                if event.type in ended:
                    ended[event.type].append(prepared.point.pk)
    whys = {
        RiskPointEvent.Type.FILED: Decision.Why.FILED_BY_IMPORT,
        RiskPointEvent.Type.RETIRED: Decision.Why.RETIRED,
    }
    for type_, pks in ended.items():
        if pks:
            review_services.close_open(
                model=RiskPoint, object_ids=pks, actor=actor, why=whys[type_]
            )


@transaction.atomic
def risk_point_file(*, actor, risk_point: RiskPoint) -> RiskPoint:
    """File (备案) a draft risk point. Refused, with every reason, unless it passes the
    vagueness check (`vagueness.check_filing`): each reason is a ValidationError whose code
    is the problem's code.

    This is the filing itself, with no review: the pages and the API never call it. A draft
    is filed by the review chain (`filing.risk_point_submit`, then each level's approval) or
    by the integrity office directly with a reason (`filing.risk_point_file_directly`)."""
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    if point.status != RiskPoint.Status.DRAFT:
        raise error(RiskError.NOT_DRAFT, status=point.get_status_display())
    problems = vagueness.check_filing(point)
    if problems:
        raise ValidationError(
            [ValidationError(p.message, code=p.code.value) for p in problems],
        )
    return _change_status(
        actor, point, RiskPoint.Status.FILED, RiskPointEvent.Type.FILED, "risk_point.file"
    )


@transaction.atomic
def risk_point_retire(*, actor, risk_point: RiskPoint, reason: str) -> RiskPoint:
    """Retire (停用) a risk point, with a reason. It stays on record with its history."""
    if not (reason or "").strip():
        raise error(RiskError.RETIRE_REASON_REQUIRED, "reason")
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    if point.status == RiskPoint.Status.RETIRED:
        raise error(RiskError.RETIRED, name=point.name)
    submission = review_chain.open_submission(point)
    if submission is not None:  # a retired point waits for nobody
        review_services.close(
            submission=submission, actor=actor, why=Decision.Why.RETIRED, reason=reason
        )
    return _change_status(
        actor,
        point,
        RiskPoint.Status.RETIRED,
        RiskPointEvent.Type.RETIRED,
        "risk_point.retire",
        reason.strip(),
    )


def _change_status(actor, point: RiskPoint, status, type_, action: str, reason: str = ""):
    """Write a checked change of `point`'s status: the point, its timeline event (of `type_`,
    with `reason`) and the audit event `action`."""
    before = audit.snapshot(point)
    old_status = point.status
    point.status = status
    point.updated_at = timezone.now()
    point.save(update_fields=["status", "updated_at"])
    _event(point, type_, actor, point.updated_at, {"status": [old_status, status]}, reason).save()
    audit.record(actor=actor, action=action, obj=point, before=before, after=audit.snapshot(point))
    publications.public_changed(point.organisation)
    return point


# What a review writes: the audit entry of a review holds these, as no other field changes.
REVIEW_FIELDS = ("last_reviewed", "review_due", "updated_at")


def _review(point: RiskPoint, scheme, *, on: dt.date, note: str, actor, at):
    """The rule of a review (复核), applied to `point` in memory: last_reviewed becomes `on`,
    the next review falls one review interval of the point's level later. Returns the
    REVIEWED event (with the note) to write and the audit values before and after; retired
    points are refused."""
    if point.status == RiskPoint.Status.RETIRED:
        raise error(RiskError.RETIRED, name=point.name)
    before = audit.snapshot(point, REVIEW_FIELDS)
    point.last_reviewed = on
    point.review_due = _review_due(point, scheme)
    point.updated_at = at
    after = audit.snapshot(point, REVIEW_FIELDS)
    event = _event(
        point,
        RiskPointEvent.Type.REVIEWED,
        actor,
        at,
        {
            "last_reviewed": [before["last_reviewed"], after["last_reviewed"]],
            "review_due": [before["review_due"], after["review_due"]],
        },
        (note or "").strip(),
    )
    return event, before, after


@transaction.atomic
def risk_point_review(*, actor, risk_point: RiskPoint, note: str = "", today=None) -> RiskPoint:
    """Record a review (复核): last_reviewed becomes today, the next review falls one review
    interval of the point's level later."""
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    scheme = grading.active_scheme(point.organisation)
    event, before, after = _review(
        point,
        scheme,
        on=today or timezone.localdate(),
        note=note,
        actor=actor,
        at=timezone.now(),
    )
    point.save(update_fields=list(REVIEW_FIELDS))
    event.save()
    audit.record(actor=actor, action="risk_point.review", obj=point, before=before, after=after)
    return point


@dataclass
class PointReview:
    """One review for `risk_points_review`: `point` (of the organisation) was reviewed on
    `on` with `note`; `at` is when it was recorded (default: the call's `at`)."""

    point: RiskPoint
    on: dt.date
    note: str = ""
    key: object = None
    at: dt.datetime | None = None


def risk_points_review(
    *,
    actor,
    organisation: Organisation,
    reviews: list[PointReview],
    audit_prefix: str = "",
    at=None,
) -> list[RiskPoint]:
    """Record many reviews by the rule of `risk_point_review`, in set-based queries: each
    point's last_reviewed and next review, a REVIEWED event with the note, and a
    "risk_point.review" audit event (prefixed by `audit_prefix`). Every review is checked
    first; if any is refused (a retired point, a point of another organisation),
    `RowsInvalid` names them all and nothing is written. Returns the points reviewed."""
    at = at or timezone.now()

    def check():
        scheme = grading.active_scheme(organisation)
        issues: list[RowIssue] = []
        events, changes = [], []
        for review in reviews:
            point = review.point
            try:
                if point.organisation_id != organisation.pk:
                    raise error(
                        RiskError.OUTSIDE_ORGANISATION,
                        label=_label(RiskPoint, "name"),
                        name=point.name,
                        organisation=organisation.name,
                    )
                event, before, after = _review(
                    point, scheme, on=review.on, note=review.note, actor=actor, at=review.at or at
                )
            except ValidationError as exc:
                issues += row_issues(review.key, exc)
                continue
            events.append(event)
            changes.append(
                audit.Change(
                    f"{audit_prefix}risk_point.review",
                    point,
                    before,
                    after,
                    organisation=organisation,
                )
            )
        return (events, changes), issues

    def write(checked):
        events, changes = checked
        points = [review.point for review in reviews]
        bulk.update_rows(points, REVIEW_FIELDS)
        RiskPointEvent.objects.bulk_create(events, batch_size=1000)
        audit.record_many(actor=actor, changes=changes)
        return points

    return bulk.write_checked(check, write)
