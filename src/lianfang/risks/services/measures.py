"""Measures (防控措施): create, change, link to and unlink from risk points, one at a time
or many at once (`measures_write`), by the same rules."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianfang.core import attachments, audit, bulk, orgsettings, publications
from lianfang.core.errors import RowIssue, row_issues
from lianfang.org.models import Department, Organisation, Person

from .. import vagueness
from ..models import (
    Measure,
    RiskPoint,
    RiskPointEvent,
)
from ..org_settings import MIN_EVIDENCE_CHARS
from .errors import RiskError, _choice_errors, _label, _outside, _raise_all, error
from .risk_points import _assign, _changes, _created, _event, _update_change, risk_point_create

# Measures -----------------------------------------------------------------------------------

MEASURE_FIELDS = (
    "text",
    "owner_person",
    "owner_department",
    "due",
    "status",
    "done_on",
    "evidence",
    "library_urn",
)
# The evidence of a measure put in place must say what was done and where the record is.


def _assign_measure(measure: Measure, data: dict):
    _assign(
        measure,
        data,
        MEASURE_FIELDS,
        {"owner_person": Person, "owner_department": Department},
        {
            "due": lambda value: None if value == "" else value,
            "done_on": lambda value: None if value == "" else value,
            "evidence": lambda value: (value or "").strip(),
        },
    )


def _check_measure(measure: Measure):
    errors = []
    if not measure.text:
        errors.append(error(RiskError.REQUIRED, "text", label=_label(Measure, "text")))
    if bool(measure.owner_person_id) == bool(measure.owner_department_id):
        errors.append(error(RiskError.MEASURE_OWNER, "owner_person"))
    errors += _outside(measure, ("owner_person", "owner_department"))
    errors += _choice_errors(measure, {"status": Measure.Status.values}, blank=False)
    if measure.done_on and measure.done_on > timezone.localdate():
        errors.append(error(RiskError.DONE_ON_FUTURE, "done_on"))
    _raise_all(errors)


def _measure_state(measure: Measure) -> dict:
    return {
        "text": measure.text,
        "owner": str(measure.owner) if measure.owner else None,
        "due": audit.to_jsonable(measure.due),
        "status": measure.status,
        "done_on": audit.to_jsonable(measure.done_on),
        "evidence": measure.evidence,
    }


@transaction.atomic
def measure_create(*, actor, organisation: Organisation, data: dict) -> Measure:
    """Create a measure of `organisation` owned by a person XOR a department; the risk points
    in `data["risk_points"]` (if any) are linked, each with a timeline event."""
    measure = Measure(organisation=organisation)
    _assign_measure(measure, data)
    _check_measure(measure)
    measure.save()
    audit.record(actor=actor, action="measure.create", obj=measure, after=audit.snapshot(measure))
    if data.get("risk_points"):
        _link(actor, measure, data["risk_points"])
    return measure


# What the risk point form calls the first measure's fields.
_FIRST_MEASURE_FIELDS = {"text": "measure_text", "owner_person": "measure_owner"}


@transaction.atomic
def risk_point_create_with_measure(
    *, actor, organisation: Organisation, data: dict, reason: str = "", measure: dict | None
):
    """Register a draft risk point (`risk_point_create`) and, when `measure` (the data of
    `measure_create`) is given, its first measure covering it, in one transaction: the form's
    write, so that a point started from a suggestion can be submitted for filing at once.
    The measure's errors are keyed by the form's names (measure_text, measure_owner); with
    any error nothing is written."""
    point = risk_point_create(actor=actor, organisation=organisation, data=data, reason=reason)
    if measure is not None:
        try:
            measure_create(
                actor=actor, organisation=organisation, data={**measure, "risk_points": [point]}
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    _FIRST_MEASURE_FIELDS.get(field, field): errors
                    for field, errors in exc.update_error_dict({}).items()
                }
            ) from exc
    return point


@transaction.atomic
def measure_update(*, actor, measure: Measure, data: dict, action="measure.update") -> Measure:
    """Change a measure; each risk point it covers gets an `UPDATED` event naming the
    measure's changed fields."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    before = audit.snapshot(measure)
    old_state = _measure_state(measure)
    _assign_measure(measure, data)
    _check_measure(measure)
    new_state = _measure_state(measure)
    changed = _changes(old_state, new_state, old_state)
    if not changed:
        return measure
    measure.save()
    now = timezone.now()
    changes = {f"measure.{field}": values for field, values in changed.items()}
    RiskPointEvent.objects.bulk_create(
        _event(point, RiskPointEvent.Type.UPDATED, actor, now, changes)
        for point in measure.risk_points.all()
    )
    audit.record(
        actor=actor,
        action=action,
        obj=measure,
        before=before,
        after=audit.snapshot(measure),
    )
    publications.public_changed(measure.organisation)
    return measure


@transaction.atomic
def measure_record_progress(
    *, actor, measure: Measure, done_on, evidence: str, files=()
) -> Measure:
    """Record that `measure` is in place (已落实) since `done_on`, with the evidence: a note
    of what was done and where its record is, and/or files (scans, photos, minutes) kept as
    attachments. The date cannot be in the future; a note or a file is required. A measure
    already in place gets its date and evidence corrected (files are added). Each risk point
    it covers gets an `UPDATED` event, like any change of the measure; a file that its use
    refuses refuses the whole record."""
    evidence = (evidence or "").strip()
    files = [f for f in files if f]
    errors = []
    if not done_on:
        errors.append(error(RiskError.REQUIRED, "done_on", label=_label(Measure, "done_on")))
    least = orgsettings.value(measure.organisation, MIN_EVIDENCE_CHARS)
    if not files and vagueness.counted_chars(evidence) < least:
        errors.append(error(RiskError.EVIDENCE_REQUIRED, "evidence", n=least))
    _raise_all(errors)
    measure = measure_update(
        actor=actor,
        measure=measure,
        data={"status": Measure.Status.IN_PLACE, "done_on": done_on, "evidence": evidence},
        action="measure.progress",
    )
    for upload in files:
        try:
            attachments.attachment_save(
                actor=actor, use="measure_evidence", target=measure, upload=upload
            )
        except attachments.AttachmentError as exc:
            raise ValidationError({"files": exc.messages}) from exc
    return measure


def _points(risk_points) -> list[RiskPoint]:
    ids = [getattr(p, "pk", p) for p in risk_points]
    return list(RiskPoint.objects.filter(pk__in=ids).select_related("organisation"))


def _link(actor, measure: Measure, risk_points):
    points = _points(risk_points)
    _raise_all(
        [
            error(RiskError.MEASURE_OTHER_ORGANISATION, "risk_points", name=p.name)
            for p in points
            if p.organisation_id != measure.organisation_id
        ]
    )
    linked = set(measure.risk_points.values_list("pk", flat=True))
    new = [p for p in points if p.pk not in linked]
    if not new:
        return []
    measure.risk_points.add(*new)
    _link_events(actor, measure, new, RiskPointEvent.Type.MEASURE_LINKED, "measure.link")
    return new


def _link_events(actor, measure, points, type_, action):
    now = timezone.now()
    text = measure.text
    changes = {
        "measures": [None, text] if type_ == RiskPointEvent.Type.MEASURE_LINKED else [text, None]
    }
    RiskPointEvent.objects.bulk_create(_event(p, type_, actor, now, changes) for p in points)
    publications.public_changed(measure.organisation)
    audit.record_many(
        actor=actor,
        changes=[
            audit.Change(
                action=action,
                obj=measure,
                organisation=p.organisation,
                before={"risk_point_id": None if action == "measure.link" else p.pk},
                after={"risk_point_id": p.pk if action == "measure.link" else None},
            )
            for p in points
        ],
    )


@transaction.atomic
def measure_link(*, actor, measure: Measure, risk_points) -> list[RiskPoint]:
    """Let `measure` cover `risk_points` (objects or ids) of its organisation; returns the
    points newly linked, each with a `MEASURE_LINKED` event."""
    return _link(actor, measure, risk_points)


@transaction.atomic
def measure_unlink(*, actor, measure: Measure, risk_points) -> list[RiskPoint]:
    """Stop `measure` covering `risk_points`; returns the points unlinked, each with a
    `MEASURE_UNLINKED` event."""
    points = _points(risk_points)
    linked = set(measure.risk_points.values_list("pk", flat=True))
    gone = [p for p in points if p.pk in linked]
    if gone:
        measure.risk_points.remove(*gone)
        _link_events(actor, measure, gone, RiskPointEvent.Type.MEASURE_UNLINKED, "measure.unlink")
    return gone


# Many measures at once (imports, the standard library, the demo) ----------------------------


@dataclass
class MeasureRow:
    """One measure for `measures_write`: `measure` is new (no pk) or loaded, `data` what
    `measure_create`/`measure_update` take. `at` is when the row's write happened (default:
    the call's `at`): a new measure's created_at, the time of the events its change writes.
    Only a history loaded as of past dates (the demo) gives it."""

    measure: Measure
    data: dict
    key: object = None
    at: dt.datetime | None = None


def _link_changes(measure, point, linked: bool, prefix: str, organisation) -> audit.Change:
    action = "measure.link" if linked else "measure.unlink"
    return audit.Change(
        action=f"{prefix}{action}",
        obj=measure,
        organisation=organisation,
        before={"risk_point_id": None if linked else point.pk},
        after={"risk_point_id": point.pk if linked else None},
    )


def _prepare_measures(organisation, rows, links, at):
    """Apply the rules to every row and link: ((new measures, changed ones), issues)."""
    issues: list[RowIssue] = []
    new, changed = [], []
    for row in rows:
        measure = row.measure
        row_at = row.at or at
        if measure.pk is None:
            measure.organisation = organisation
            measure.created_at = row_at
            old_state = None
        else:
            old_state, snapshot = _measure_state(measure), audit.snapshot(measure)
        try:
            _assign_measure(measure, row.data)
            _check_measure(measure)
        except ValidationError as exc:
            issues += row_issues(row.key, exc)
            continue
        if old_state is None:
            new.append(measure)
            continue
        diff = _changes(old_state, _measure_state(measure), old_state)
        if diff:
            changed.append((measure, snapshot, diff, row_at))
    for _measure, point, _at in links:
        if point.organisation_id != organisation.pk:
            message = error(RiskError.MEASURE_OTHER_ORGANISATION, name=point.name).messages[0]
            issues.append(RowIssue(getattr(point, "pk", None), "measures", message))
    return (new, changed), issues


def measures_write(
    *,
    actor,
    organisation: Organisation,
    rows: list[MeasureRow] = (),
    links: list[tuple] = (),
    unlinks: list[tuple] = (),
    label: str = "",
    audit_prefix: str = "",
    at=None,
) -> list[Measure]:
    """Create and change many measures of `organisation`, and link or unlink them, by the
    rules of `measure_create`, `measure_update`, `measure_link` and `measure_unlink`, in
    set-based queries: the same validation, the same timeline events on the risk points
    (UPDATED for a covering measure's change, MEASURE_LINKED, MEASURE_UNLINKED) and the same
    audit events (prefixed by `audit_prefix`). `links` and `unlinks` are (measure, risk
    point) pairs, or (measure, risk point, time) to date the event; the measures in `links`
    may be new ones of `rows`; the risk points must be saved. Every row is checked first; if
    any fails, `RowsInvalid` names every problem (keyed by the rows' `key`) and nothing is
    written. Returns the measures that changed."""
    at = at or timezone.now()
    links = [(m, p, rest[0] if rest else at) for m, p, *rest in links]
    unlinks = [(m, p, rest[0] if rest else at) for m, p, *rest in unlinks]

    return bulk.write_checked(
        lambda: _prepare_measures(organisation, rows, links, at),
        lambda checked: _write_measures(
            *checked,
            links,
            unlinks,
            actor=actor,
            organisation=organisation,
            label=label,
            audit_prefix=audit_prefix,
        ),
    )


def _write_measures(new, changed, links, unlinks, *, actor, organisation, label, audit_prefix):
    """Write checked measures, links and unlinks in set-based queries, with their timeline and
    audit events; the measures that changed."""
    Measure.objects.bulk_create(new, batch_size=500)
    bulk.update_rows([m for m, _s, _d, _at in changed], list(MEASURE_FIELDS))
    events, changes = [], []
    for measure in new:
        changes.append(_created(f"{audit_prefix}measure.create", measure, organisation))
    covered: dict[int, list[int]] = {}
    if changed:
        through = Measure.risk_points.through
        for chunk_start in range(0, len(changed), 1000):
            ids = [m.pk for m, _s, _d, _at in changed[chunk_start : chunk_start + 1000]]
            for measure_id, point_id in through.objects.filter(measure_id__in=ids).values_list(
                "measure_id", "riskpoint_id"
            ):
                covered.setdefault(measure_id, []).append(point_id)
    for measure, snapshot, diff, row_at in changed:
        point_changes = {f"measure.{field}": values for field, values in diff.items()}
        events.extend(
            RiskPointEvent(
                risk_point_id=point_id,
                type=RiskPointEvent.Type.UPDATED,
                actor=actor if getattr(actor, "pk", None) else None,
                at=row_at,
                changes=point_changes,
                reason=label,
            )
            for point_id in covered.get(measure.pk, [])
        )
        changes.append(
            _update_change(
                f"{audit_prefix}measure.update",
                measure,
                snapshot,
                audit.snapshot(measure),
                organisation,
            )
        )
    through = Measure.risk_points.through
    through.objects.bulk_create(
        [through(measure_id=m.pk, riskpoint_id=p.pk) for m, p, _at in links],
        batch_size=1000,
        ignore_conflicts=True,
    )
    for measure, point, link_at in links:
        events.append(
            _event(
                point,
                RiskPointEvent.Type.MEASURE_LINKED,
                actor,
                link_at,
                {"measures": [None, measure.text]},
                label,
            )
        )
        changes.append(_link_changes(measure, point, True, audit_prefix, organisation))
    if unlinks:
        gone = Q(pk__in=[])
        for measure, point, _at in unlinks:
            gone |= Q(measure_id=measure.pk, riskpoint_id=point.pk)
        through.objects.filter(gone).delete()
    for measure, point, unlink_at in unlinks:
        events.append(
            _event(
                point,
                RiskPointEvent.Type.MEASURE_UNLINKED,
                actor,
                unlink_at,
                {"measures": [measure.text, None]},
                label,
            )
        )
        changes.append(_link_changes(measure, point, False, audit_prefix, organisation))
    RiskPointEvent.objects.bulk_create(events, batch_size=1000)
    audit.record_many(actor=actor, changes=changes)
    if changed or links or unlinks:
        publications.public_changed(organisation)
    return [*new, *(m for m, _s, _d, _at in changed)]
