"""Measures (防控措施): create, change, link to and unlink from risk points."""

from django.db import transaction
from django.utils import timezone

from lianfang.core import audit
from lianfang.org.models import Department, Organisation, Person

from ..models import (
    Measure,
    RiskPoint,
    RiskPointEvent,
)
from .errors import RiskError, _label, _raise_all, error
from .risk_points import _changes, _event

# Measures -----------------------------------------------------------------------------------

MEASURE_FIELDS = ("text", "owner_person", "owner_department", "due", "status", "library_urn")


def _assign_measure(measure: Measure, data: dict):
    for name in MEASURE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if name in ("owner_person", "owner_department"):
            if value in ("", None):
                value = None
            elif not hasattr(value, "_meta"):
                model = Person if name == "owner_person" else Department
                value = model.objects.filter(pk=value).first()
        if name == "due" and value == "":
            value = None
        setattr(measure, name, value)


def _check_measure(measure: Measure):
    errors = []
    if not measure.text:
        errors.append(error(RiskError.REQUIRED, "text", label=_label(Measure, "text")))
    if bool(measure.owner_person_id) == bool(measure.owner_department_id):
        errors.append(error(RiskError.MEASURE_OWNER, "owner_person"))
    for field in ("owner_person", "owner_department"):
        owner = getattr(measure, field) if getattr(measure, f"{field}_id") else None
        if owner is not None and owner.organisation_id != measure.organisation_id:
            errors.append(
                error(
                    RiskError.OUTSIDE_ORGANISATION,
                    field,
                    label=_label(Measure, field),
                    name=owner.name,
                    organisation=measure.organisation.name,
                )
            )
    if measure.status not in Measure.Status.values:
        errors.append(
            error(
                RiskError.INVALID_CHOICE,
                "status",
                label=_label(Measure, "status"),
                value=measure.status,
            )
        )
    _raise_all(errors)


def _measure_state(measure: Measure) -> dict:
    return {
        "text": measure.text,
        "owner": str(measure.owner) if measure.owner else None,
        "due": audit.to_jsonable(measure.due),
        "status": measure.status,
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


@transaction.atomic
def measure_update(*, actor, measure: Measure, data: dict) -> Measure:
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
        action="measure.update",
        obj=measure,
        before=before,
        after=audit.snapshot(measure),
    )
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
