"""Writes to the risk register: risk points, measures, grading schemes and generic phrases.

Every service runs in one transaction, validates its input (raising a `ValidationError` whose
messages are Chinese sentences with a stable `code` from `RiskError`, keyed by field where one
is to blame), writes a `RiskPointEvent` on the timeline of every risk point it changes and
appends audit events with the values before and after. Who may call a service is decided by
the caller (views fetch the objects through scoped selectors).

Grading happens on every write: a risk point's level is what the active scheme of its
organisation gives, unless it was set by hand with a reason (`level_manual`); such a level is
kept until the scores it rests on change. `review_due` follows from the level's review
interval, counted from the last review (or, before the first one, from the creation date).
"""

import datetime as dt
import enum
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import audit, bulk, jobs
from lianfang.org.models import Department, Organisation, Person, Post, Power, PowerStep

from . import grading, vagueness
from .models import (
    Category,
    GenericPhrase,
    GradingScheme,
    Level,
    Measure,
    MonitorRole,
    RiskPoint,
    RiskPointEvent,
)

# Points re-graded per round trip when a scheme changes (bounded memory, few queries).
REGRADE_BATCH = 2000


class RiskError(enum.StrEnum):
    """Stable, machine-readable error codes of the risk register (the API answers with them)."""

    REQUIRED = "required"
    INVALID_CHOICE = "invalid_choice"
    SUBJECT_POST_REQUIRED = "subject_post_required"
    SUBJECT_DEPARTMENT_REQUIRED = "subject_department_required"
    OUTSIDE_ORGANISATION = "outside_organisation"
    STEP_NOT_OF_POWER = "step_not_of_power"
    SCORE_OUT_OF_RANGE = "score_out_of_range"
    UNKNOWN_MATTER_KIND = "unknown_matter_kind"
    UNKNOWN_CRITERION = "unknown_criterion"
    INVALID_LEVEL = "invalid_level"
    LEVEL_REASON_REQUIRED = "level_reason_required"
    RETIRED = "retired"
    NOT_DRAFT = "not_draft"
    RETIRE_REASON_REQUIRED = "retire_reason_required"
    MEASURE_OWNER = "measure_owner"
    MEASURE_OTHER_ORGANISATION = "measure_other_organisation"
    SCHEME_METHOD = "scheme_method"
    SCHEME_SIZE = "scheme_size"
    SCHEME_GRID = "scheme_grid"
    SCHEME_MATTER_LEVELS = "scheme_matter_levels"
    SCHEME_CRITERIA_LEVELS = "scheme_criteria_levels"
    SCHEME_MONITORS = "scheme_monitors"
    SCHEME_REVIEW_DAYS = "scheme_review_days"
    PHRASE_DUPLICATE = "phrase_duplicate"

    @property
    def message(self) -> str:
        """The Chinese sentence, with %(name)s placeholders."""
        return str(_MESSAGES[self])


_MESSAGES = {
    RiskError.REQUIRED: gettext_lazy("请填写%(label)s。"),
    RiskError.INVALID_CHOICE: gettext_lazy("%(label)s的取值“%(value)s”无效。"),
    RiskError.SUBJECT_POST_REQUIRED: gettext_lazy("对象为岗位时须选择岗位。"),
    RiskError.SUBJECT_DEPARTMENT_REQUIRED: gettext_lazy("对象为科室时须选择科室。"),
    RiskError.OUTSIDE_ORGANISATION: gettext_lazy("%(label)s“%(name)s”不属于%(organisation)s。"),
    RiskError.STEP_NOT_OF_POWER: gettext_lazy("流程环节“%(step)s”不属于权力事项“%(power)s”。"),
    RiskError.SCORE_OUT_OF_RANGE: gettext_lazy(
        "%(label)s须为 1 至 %(size)s 之间的整数（定级方案为 %(size)s 级）。"
    ),
    RiskError.UNKNOWN_MATTER_KIND: gettext_lazy("事项性质“%(value)s”不在可选范围内。"),
    RiskError.UNKNOWN_CRITERION: gettext_lazy("定级条件“%(value)s”不在可选范围内。"),
    RiskError.INVALID_LEVEL: gettext_lazy("风险等级须为一级、二级或三级。"),
    RiskError.LEVEL_REASON_REQUIRED: gettext_lazy(
        "人工调整风险等级（%(old)s → %(new)s）须填写调整原因。"
    ),
    RiskError.RETIRED: gettext_lazy("风险点“%(name)s”已停用，不能再修改。"),
    RiskError.NOT_DRAFT: gettext_lazy("只有草稿状态的风险点可以备案（当前状态：%(status)s）。"),
    RiskError.RETIRE_REASON_REQUIRED: gettext_lazy("停用风险点须填写原因。"),
    RiskError.MEASURE_OWNER: gettext_lazy("防控措施须指定责任人或责任部门，且只能指定其中之一。"),
    RiskError.MEASURE_OTHER_ORGANISATION: gettext_lazy(
        "防控措施与风险点“%(name)s”不属于同一单位。"
    ),
    RiskError.SCHEME_METHOD: gettext_lazy("定级方法须为矩阵、按事项性质或按符合条件数之一。"),
    RiskError.SCHEME_SIZE: gettext_lazy("矩阵阶数须为 3、4 或 5。"),
    RiskError.SCHEME_GRID: gettext_lazy(
        "矩阵须为 %(size)s×%(size)s，每格取一级、二级或三级：%(detail)s。"
    ),
    RiskError.SCHEME_MATTER_LEVELS: gettext_lazy("事项等级设置有误：%(detail)s。"),
    RiskError.SCHEME_CRITERIA_LEVELS: gettext_lazy("条件数等级设置有误：%(detail)s。"),
    RiskError.SCHEME_MONITORS: gettext_lazy("监控人设置有误：%(detail)s。"),
    RiskError.SCHEME_REVIEW_DAYS: gettext_lazy("复核周期设置有误：%(detail)s。"),
    RiskError.PHRASE_DUPLICATE: gettext_lazy("空泛表述“%(phrase)s”已在列表中。"),
}


def error(code: RiskError, field: str | None = None, **params) -> ValidationError:
    """A ValidationError carrying `code`, keyed by `field` when one is to blame."""
    message = code.message % params if params else code.message
    exc = ValidationError(message, code=code.value)
    return ValidationError({field: exc}) if field else exc


def _raise_all(errors: list[ValidationError]):
    if not errors:
        return
    merged = {}
    for exc in errors:
        for field, items in exc.update_error_dict({}).items():
            merged.setdefault(field, []).extend(items)
    raise ValidationError(merged)


def _label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def _level_name(level) -> str:
    return str(Level(level).label) if level else _("未定级")


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
# Inputs a level rests on: when one of them changes, a level set by hand gives way.
SCORE_FIELDS = ("likelihood", "harm", "matter_kind", "criteria")
FOREIGN_KEYS = {"department", "post", "power", "step"}


def _display(point: RiskPoint, field: str):
    """A field's value as the timeline keeps it: related objects by name, dates in ISO."""
    if field in FOREIGN_KEYS:
        related = getattr(point, field) if getattr(point, f"{field}_id") else None
        return str(related) if related is not None else None
    return audit.to_jsonable(getattr(point, field))


def _state(point: RiskPoint) -> dict:
    state = {field: _display(point, field) for field in POINT_FIELDS}
    state["level"] = point.level
    state["review_due"] = audit.to_jsonable(point.review_due)
    return state


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


def _assign_point(point: RiskPoint, data: dict):
    for name in POINT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        if name in ("likelihood", "harm", "library_version"):
            if value == "":
                value = None
            elif isinstance(value, str) and value.isdigit():
                value = int(value)
        if name == "criteria":
            value = list(dict.fromkeys(value or ()))
        if name in FOREIGN_KEYS:
            if value is not None and not hasattr(value, "_meta"):
                value = (
                    {
                        "department": Department,
                        "post": Post,
                        "power": Power,
                        "step": PowerStep,
                    }[name]
                    .objects.filter(pk=value)
                    .first()
                )
            setattr(point, name, value)
            continue
        setattr(point, name, "" if value is None and name in ("matter_kind",) else value)
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
    choices = {
        "subject": RiskPoint.Subject.values,
        "category": Category.values,
        "source": RiskPoint.Source.values,
    }
    for field, allowed in choices.items():
        value = getattr(point, field)
        if value and value not in allowed:
            errors.append(
                error(RiskError.INVALID_CHOICE, field, label=_label(RiskPoint, field), value=value)
            )
    if point.subject == RiskPoint.Subject.POST and not point.post_id:
        errors.append(error(RiskError.SUBJECT_POST_REQUIRED, "post"))
    if point.subject == RiskPoint.Subject.DEPARTMENT and not point.department_id:
        errors.append(error(RiskError.SUBJECT_DEPARTMENT_REQUIRED, "department"))
    for field in ("department", "post"):
        related = getattr(point, field) if getattr(point, f"{field}_id") else None
        if related is not None and related.organisation_id != organisation.pk:
            errors.append(
                error(
                    RiskError.OUTSIDE_ORGANISATION,
                    field,
                    label=_label(RiskPoint, field),
                    name=related.name,
                    organisation=organisation.name,
                )
            )
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


@transaction.atomic
def risk_point_create(*, actor, organisation: Organisation, data: dict, reason: str = ""):
    """Create a draft risk point of `organisation`, graded by its active scheme.

    `data` holds model field values (related objects or their ids). `data["level"]` sets the
    level by hand (then `reason` is required when it differs from the scheme's); leave it out
    or None to let the scheme decide. An `IMPORTED` event replaces `CREATED` when
    `data["source"]` is the library.
    """
    scheme = grading.active_scheme(organisation)
    point = RiskPoint(organisation=organisation, status=RiskPoint.Status.DRAFT)
    _assign_point(point, data)
    _check_point(point, scheme)
    _apply_grading(
        point,
        scheme,
        requested=_requested_level(data),
        scores_changed=True,
        old_level=None,
        reason=reason,
    )
    point.save()
    after = _state(point)
    changes = {f: [None, v] for f, v in after.items() if v not in (None, "", [])}
    type_ = (
        RiskPointEvent.Type.IMPORTED
        if point.source == RiskPoint.Source.LIBRARY
        else RiskPointEvent.Type.CREATED
    )
    _event(point, type_, actor, timezone.now(), changes, reason).save()
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
    scheme = grading.active_scheme(point.organisation)
    before = _state(point)
    before_snapshot = audit.snapshot(point)
    old_level = point.level
    _assign_point(point, data)
    _check_point(point, scheme)
    after_inputs = _state(point)
    scores_changed = any(before[f] != after_inputs[f] for f in SCORE_FIELDS)
    _apply_grading(
        point,
        scheme,
        requested=_requested_level(data),
        scores_changed=scores_changed,
        old_level=old_level,
        reason=reason,
    )
    after = _state(point)
    field_changes = _changes(before, after, [*POINT_FIELDS, "review_due"])
    level_changed = before["level"] != after["level"]
    if (
        not field_changes
        and not level_changed
        and point.level_manual == before_snapshot.get("level_manual")
    ):
        return point
    point.save()
    now = timezone.now()
    events = []
    if field_changes:
        events.append(_event(point, RiskPointEvent.Type.UPDATED, actor, now, field_changes, reason))
    if level_changed:
        events.append(
            _event(
                point,
                RiskPointEvent.Type.REGRADED,
                actor,
                now,
                {"level": [before["level"], after["level"]]},
                (reason or "").strip()
                or _regrade_reason(before, after, scheme, point.level_manual),
            )
        )
    RiskPointEvent.objects.bulk_create(events)
    audit.record(
        actor=actor,
        action="risk_point.update",
        obj=point,
        before=before_snapshot,
        after=audit.snapshot(point),
    )
    return point


@transaction.atomic
def risk_point_file(*, actor, risk_point: RiskPoint) -> RiskPoint:
    """File (备案) a draft risk point. Refused, with every reason, unless it passes the
    vagueness check (`vagueness.check_filing`): each reason is a ValidationError whose code
    is the problem's code."""
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    if point.status != RiskPoint.Status.DRAFT:
        raise error(RiskError.NOT_DRAFT, status=point.get_status_display())
    problems = vagueness.check_filing(point)
    if problems:
        raise ValidationError(
            [ValidationError(p.message, code=p.code.value) for p in problems],
        )
    before = audit.snapshot(point)
    point.status = RiskPoint.Status.FILED
    point.save(update_fields=["status", "updated_at"])
    _event(
        point,
        RiskPointEvent.Type.FILED,
        actor,
        timezone.now(),
        {"status": [RiskPoint.Status.DRAFT.value, RiskPoint.Status.FILED.value]},
    ).save()
    audit.record(
        actor=actor, action="risk_point.file", obj=point, before=before, after=audit.snapshot(point)
    )
    return point


@transaction.atomic
def risk_point_retire(*, actor, risk_point: RiskPoint, reason: str) -> RiskPoint:
    """Retire (停用) a risk point, with a reason. It stays on record with its history."""
    if not (reason or "").strip():
        raise error(RiskError.RETIRE_REASON_REQUIRED, "reason")
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    if point.status == RiskPoint.Status.RETIRED:
        raise error(RiskError.RETIRED, name=point.name)
    before = audit.snapshot(point)
    old_status = point.status
    point.status = RiskPoint.Status.RETIRED
    point.save(update_fields=["status", "updated_at"])
    _event(
        point,
        RiskPointEvent.Type.RETIRED,
        actor,
        timezone.now(),
        {"status": [old_status, point.status]},
        reason.strip(),
    ).save()
    audit.record(
        actor=actor,
        action="risk_point.retire",
        obj=point,
        before=before,
        after=audit.snapshot(point),
    )
    return point


@transaction.atomic
def risk_point_review(*, actor, risk_point: RiskPoint, note: str = "", today=None) -> RiskPoint:
    """Record a review (复核): last_reviewed becomes today, the next review falls one review
    interval of the point's level later."""
    point = RiskPoint.objects.select_for_update().get(pk=risk_point.pk)
    if point.status == RiskPoint.Status.RETIRED:
        raise error(RiskError.RETIRED, name=point.name)
    scheme = grading.active_scheme(point.organisation)
    before = audit.snapshot(point)
    old = (audit.to_jsonable(point.last_reviewed), audit.to_jsonable(point.review_due))
    point.last_reviewed = today or timezone.localdate()
    point.review_due = _review_due(point, scheme)
    point.save(update_fields=["last_reviewed", "review_due", "updated_at"])
    _event(
        point,
        RiskPointEvent.Type.REVIEWED,
        actor,
        timezone.now(),
        {
            "last_reviewed": [old[0], audit.to_jsonable(point.last_reviewed)],
            "review_due": [old[1], audit.to_jsonable(point.review_due)],
        },
        (note or "").strip(),
    ).save()
    audit.record(
        actor=actor,
        action="risk_point.review",
        obj=point,
        before=before,
        after=audit.snapshot(point),
    )
    return point


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


# Grading schemes ------------------------------------------------------------------------------

SCHEME_FIELDS = (
    "name",
    "method",
    "matrix_size",
    "grid",
    "matter_levels",
    "criteria_levels",
    "monitors",
    "review_days",
)
LEVEL_KEYS = ("1", "2", "3")


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _clean_scheme_values(values: dict) -> dict:
    """Validated, normalised scheme data; missing parts take the defaults."""
    errors = []
    method = values.get("method") or GradingScheme.Method.MATRIX
    if method not in GradingScheme.Method.values:
        raise error(RiskError.SCHEME_METHOD, "method")
    size = _as_int(values.get("matrix_size", 3))
    if size not in (3, 4, 5):
        raise error(RiskError.SCHEME_SIZE, "matrix_size")
    defaults = grading.default_scheme_values(method, size)
    data = {"method": str(method), "matrix_size": size}
    name = (values.get("name") or "").strip()
    data["name"] = name[:80] or (
        _("%(n)s×%(n)s 矩阵") % {"n": size}
        if method == GradingScheme.Method.MATRIX
        else str(GradingScheme.Method(method).label)
    )

    grid = values.get("grid") or defaults["grid"]
    detail = ""
    if not isinstance(grid, list | tuple) or len(grid) != size:
        detail = _("应有 %(size)s 行") % {"size": size}
    else:
        clean_grid = []
        for r, row in enumerate(grid, start=1):
            if not isinstance(row, list | tuple) or len(row) != size:
                detail = _("第 %(row)s 行应有 %(size)s 格") % {"row": r, "size": size}
                break
            clean_row = []
            for c, cell in enumerate(row, start=1):
                level = _as_int(cell)
                if level not in Level.values:
                    detail = _("第 %(row)s 行第 %(col)s 列的值“%(value)s”无效") % {
                        "row": r,
                        "col": c,
                        "value": cell,
                    }
                    break
                clean_row.append(level)
            if detail:
                break
            clean_grid.append(clean_row)
        data["grid"] = clean_grid
    if detail:
        errors.append(error(RiskError.SCHEME_GRID, "grid", size=size, detail=detail))

    matter = values.get("matter_levels")
    matter = defaults["matter_levels"] if matter is None else matter
    clean_matter = {}
    if not isinstance(matter, dict):
        errors.append(error(RiskError.SCHEME_MATTER_LEVELS, "matter_levels", detail=_("格式错误")))
    else:
        for key, level in matter.items():
            if key not in grading.MATTER_LABELS:
                errors.append(
                    error(
                        RiskError.SCHEME_MATTER_LEVELS,
                        "matter_levels",
                        detail=_("未知的事项性质“%(key)s”") % {"key": key},
                    )
                )
                continue
            if level in (None, ""):
                continue  # not graded by this scheme
            if _as_int(level) not in Level.values:
                errors.append(
                    error(
                        RiskError.SCHEME_MATTER_LEVELS,
                        "matter_levels",
                        detail=_("“%(kind)s”的等级“%(level)s”无效")
                        % {"kind": grading.MATTER_LABELS[key], "level": level},
                    )
                )
                continue
            clean_matter[key] = _as_int(level)
        if method == GradingScheme.Method.MATTER and not clean_matter:
            errors.append(
                error(
                    RiskError.SCHEME_MATTER_LEVELS,
                    "matter_levels",
                    detail=_("按事项性质定级时须至少为一类事项指定等级"),
                )
            )
    data["matter_levels"] = clean_matter

    criteria = values.get("criteria_levels")
    criteria = defaults["criteria_levels"] if criteria is None else criteria
    clean_criteria, detail = _clean_criteria_levels(criteria, method)
    if detail:
        errors.append(error(RiskError.SCHEME_CRITERIA_LEVELS, "criteria_levels", detail=detail))
    data["criteria_levels"] = clean_criteria

    monitors = values.get("monitors") or defaults["monitors"]
    clean_monitors = {}
    detail = ""
    if not isinstance(monitors, dict):
        detail = _("格式错误")
    else:
        for key in LEVEL_KEYS:
            roles = monitors.get(key, monitors.get(int(key)))
            roles = list(dict.fromkeys(roles or ()))
            unknown = [r for r in roles if r not in MonitorRole.values]
            if unknown:
                detail = _("未知的监控人角色“%(role)s”") % {"role": unknown[0]}
                break
            if not roles:
                detail = _("%(level)s须至少指定一类监控人") % {"level": _level_name(int(key))}
                break
            clean_monitors[key] = roles
    if detail:
        errors.append(error(RiskError.SCHEME_MONITORS, "monitors", detail=detail))
    data["monitors"] = clean_monitors

    review = values.get("review_days") or defaults["review_days"]
    clean_review = {}
    detail = ""
    if not isinstance(review, dict):
        detail = _("格式错误")
    else:
        for key in LEVEL_KEYS:
            days = _as_int(review.get(key, review.get(int(key))))
            if days is None or not 1 <= days <= 3650:
                detail = _("%(level)s的复核周期须为 1 至 3650 之间的整数天") % {
                    "level": _level_name(int(key))
                }
                break
            clean_review[key] = days
    if detail:
        errors.append(error(RiskError.SCHEME_REVIEW_DAYS, "review_days", detail=detail))
    data["review_days"] = clean_review
    _raise_all(errors)
    return data


def _clean_criteria_levels(criteria, method) -> tuple[list, str]:
    """[[minimum criteria met, level], …] sorted by minimum, highest first. Sane means: each
    minimum between 1 and the number of criteria, no minimum twice, and meeting more criteria
    never gives a lower level."""
    if not isinstance(criteria, list | tuple):
        return [], _("格式错误")
    pairs = []
    for pair in criteria:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            return [], _("每项应为“条件数、等级”两个值")
        minimum, level = _as_int(pair[0]), _as_int(pair[1])
        if minimum is None or not 1 <= minimum <= len(grading.CRITERIA):
            return [], _("条件数须为 1 至 %(n)s 之间的整数") % {"n": len(grading.CRITERIA)}
        if level not in Level.values:
            return [], _("等级“%(level)s”无效") % {"level": pair[1]}
        pairs.append([minimum, level])
    pairs.sort(key=lambda p: -p[0])
    minimums = [p[0] for p in pairs]
    if len(set(minimums)) != len(minimums):
        return [], _("同一条件数只能对应一个等级")
    for higher, lower in zip(pairs, pairs[1:], strict=False):
        if higher[1] > lower[1]:
            return [], _("符合条件越多，等级不能越低（%(a)s 项为%(la)s，%(b)s 项为%(lb)s）") % {
                "a": higher[0],
                "la": _level_name(higher[1]),
                "b": lower[0],
                "lb": _level_name(lower[1]),
            }
    if method == GradingScheme.Method.CRITERIA and not pairs:
        return [], _("按符合条件数定级时须至少设置一档")
    return pairs, ""


@dataclass
class Regrade:
    """What re-grading a register did, or the background job that is doing it."""

    scheme: GradingScheme
    points: int = 0  # risk points whose level, scores or review date changed
    level_changes: int = 0
    job: object = None  # a core.models.Job when the register was too large for the request
    pending: int = 0  # the points that job will look at


REGRADE_JOB = "risks.regrade"


def _pending_regrade(organisation: Organisation):
    """A queued or running re-grade job over `organisation`'s part of the tree, if any."""
    from lianfang.core.models import Job

    pending = Job.objects.filter(
        kind=REGRADE_JOB, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).select_related("organisation")
    path = organisation.path
    for job in pending:
        other = job.organisation.path
        if path.startswith(other) or other.startswith(path):
            return job
    return None


def _refuse_while_regrading(organisation: Organisation):
    if _pending_regrade(organisation) is not None:
        raise ValidationError(
            _("上一次重新定级仍在后台进行，请等它完成后再更改定级方案。"),
            code="regrade_pending",
        )


def _regrade_or_enqueue(actor, scheme: GradingScheme, old: GradingScheme, reason: str):
    """Re-grade now, or, for a register larger than LIANFANG_REGRADE_INLINE_POINTS (a
    commission's), queue a job in this transaction: it exists exactly when the scheme change
    committed."""
    cutoff = timezone.now()
    governed = grading.governed_points(scheme.organisation).count()
    if governed <= settings.LIANFANG_REGRADE_INLINE_POINTS:
        return _regrade(actor, scheme, old.matrix_size, reason, cutoff=cutoff)
    job = jobs.enqueue(
        REGRADE_JOB,
        actor=actor,
        organisation=scheme.organisation,
        params={
            "scheme": scheme.pk,
            "from_size": old.matrix_size,
            "reason": str(reason),
            "cutoff": cutoff.isoformat(),
        },
    )
    return Regrade(scheme, job=job, pending=governed)


def scheme_regrade_job(job, progress) -> dict:
    """The body of a re-grade job (`risks.jobs`). Safe to run again after an interruption:
    each batch commits on its own, and a point written after the cutoff (by this job, or by
    a person under the new scheme) is not touched again."""
    scheme = GradingScheme.objects.select_related("organisation").get(pk=job.params["scheme"])
    if not scheme.active:
        raise jobs.JobError(_("该定级方案已停用，未重新定级。"))
    cutoff = dt.datetime.fromisoformat(job.params["cutoff"])
    total = grading.governed_points(scheme.organisation).filter(updated_at__lte=cutoff).count()
    progress(0, total, _("正在按“%(name)s”重新定级……") % {"name": scheme.name}, force=True)
    result = _regrade(
        job.actor,
        scheme,
        job.params["from_size"],
        job.params["reason"],
        cutoff=cutoff,
        progress=lambda n: progress(n, total, force=True),
    )
    return {
        "points": result.points,
        "level_changes": result.level_changes,
        "summary": _("已重新定级 %(n)s 个风险点，其中 %(levels)s 个等级有变化。")
        % {"n": f"{result.points:,}", "levels": f"{result.level_changes:,}"},
        "next_url": reverse("risks:scheme_organisation", args=[scheme.organisation_id]),
        "next_label": _("返回定级方案"),
    }


@transaction.atomic
def scheme_save(*, actor, organisation: Organisation, values: dict, scheme=None):
    """Create (scheme=None, inactive) or change a grading scheme of `organisation`.

    Changing the active scheme re-grades the register it applies to; the count is on
    `scheme.regrade` (a `Regrade`, or None when nothing was re-graded).
    """
    data = _clean_scheme_values(values)
    if scheme is None:
        scheme = GradingScheme(organisation=organisation, active=False)
        before = None
        old = None
    else:
        scheme = GradingScheme.objects.select_for_update().get(pk=scheme.pk)
        before = audit.snapshot(scheme)
        old = GradingScheme(**{f: getattr(scheme, f) for f in SCHEME_FIELDS})
    for field, value in data.items():
        setattr(scheme, field, value)
    scheme.save()
    audit.record(
        actor=actor,
        action="grading_scheme.create" if before is None else "grading_scheme.update",
        obj=scheme,
        before=before,
        after=audit.snapshot(scheme),
    )
    scheme.regrade = None
    if scheme.active and old is not None:
        _refuse_while_regrading(organisation)
        reason = _("定级方案修改：%(name)s") % {"name": scheme.name}
        scheme.regrade = _regrade_or_enqueue(actor, scheme, old, reason)
    return scheme


@transaction.atomic
def scheme_activate(*, actor, scheme: GradingScheme) -> Regrade:
    """Make `scheme` its organisation's active scheme and re-grade the register it now
    governs: the organisation's risk points and those of descendants without an active
    scheme of their own (retired points are left as they are).

    When the matrix size changes, likelihood and harm are rescaled (`grading.rescale`); every
    point whose level, scores or review date changed gets a `REGRADED` event (reason e.g.
    "定级方案变更：3×3 矩阵 → 5×5 矩阵") and an audit event. Works in batches: the number of
    queries grows with the number of batches, not of points.
    """
    scheme = GradingScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.active:
        return Regrade(scheme)
    organisation = scheme.organisation
    _refuse_while_regrading(organisation)
    old = grading.active_scheme(organisation)
    previous = list(
        GradingScheme.objects.select_for_update().filter(organisation=organisation, active=True)
    )
    for other in previous:
        other.active = False
        other.save(update_fields=["active"])
        audit.record(
            actor=actor,
            action="grading_scheme.deactivate",
            obj=other,
            before={"active": True},
            after={"active": False},
        )
    scheme.active = True
    scheme.save(update_fields=["active"])
    audit.record(
        actor=actor,
        action="grading_scheme.activate",
        obj=scheme,
        before={"active": False},
        after={"active": True},
    )
    reason = _("定级方案变更：%(old)s → %(new)s") % {
        "old": grading.label(old),
        "new": grading.label(scheme),
    }
    return _regrade_or_enqueue(actor, scheme, old, reason)


@transaction.atomic
def scheme_delete(*, actor, scheme: GradingScheme) -> None:
    """Delete a scheme that is not in force (one made by mistake, or superseded). The risk
    points' history keeps the names of the schemes that graded them."""
    scheme = GradingScheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.active:
        raise ValidationError(
            _("启用中的定级方案不能删除：请先启用另一个方案。"), code="scheme_active"
        )
    audit.record(
        actor=actor,
        action="grading_scheme.delete",
        obj=scheme,
        before=audit.snapshot(scheme),
        organisation=scheme.organisation,
    )
    scheme.delete()


@transaction.atomic
def scheme_switch_to_matrix(*, actor, organisation: Organisation, size: int) -> Regrade:
    """Grade `organisation` with a default size×size likelihood × harm matrix from now on,
    keeping its current monitors and review intervals; re-grades the register."""
    current = grading.active_scheme(organisation)
    values = grading.default_scheme_values(GradingScheme.Method.MATRIX, size)
    values["monitors"] = current.monitors
    values["review_days"] = current.review_days
    values["name"] = _("%(n)s×%(n)s 矩阵") % {"n": size}
    scheme = scheme_save(actor=actor, organisation=organisation, values=values)
    return scheme_activate(actor=actor, scheme=scheme)


def _regrade(
    actor, scheme: GradingScheme, from_size: int, reason: str, *, cutoff, progress=None
) -> Regrade:
    """Re-grade every non-retired risk point governed by `scheme` and last written before
    `cutoff`, whose scores were on a `from_size` scale. Each batch commits on its own when
    no transaction surrounds the call (a background job)."""
    organisations = {o.pk: o for o in grading.governed_organisations(scheme.organisation)}
    result = Regrade(scheme)
    to_size = scheme.matrix_size
    seen = 0
    base = (
        RiskPoint.objects.filter(organisation_id__in=list(organisations), updated_at__lte=cutoff)
        .exclude(status=RiskPoint.Status.RETIRED)
        .only(
            "id",
            "organisation_id",
            "name",
            "likelihood",
            "harm",
            "matter_kind",
            "criteria",
            "level",
            "level_manual",
            "last_reviewed",
            "review_due",
            "created_at",
        )
        .order_by("pk")
    )
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = _regrade_batch(
                actor, scheme, organisations, base, last_pk, from_size, to_size, reason
            )
        if batch is None:
            break
        last_pk, size, changed, level_changes = batch
        result.points += changed
        result.level_changes += level_changes
        seen += size
        if progress is not None:
            progress(seen)
        if size < REGRADE_BATCH:
            break
    return result


def _regrade_batch(actor, scheme, organisations, base, last_pk, from_size, to_size, reason):
    """One batch of `_regrade`: (last id, points read, points changed, level changes), or
    None when no point is left."""
    batch = list(base.filter(pk__gt=last_pk)[:REGRADE_BATCH])
    if not batch:
        return None
    now = timezone.now()
    changed, events, audits = [], [], []
    level_changes = 0
    for point in batch:
        old_values = {
            "likelihood": point.likelihood,
            "harm": point.harm,
            "level": point.level,
            "review_due": point.review_due,
        }
        point.likelihood = grading.rescale(point.likelihood, from_size, to_size)
        point.harm = grading.rescale(point.harm, from_size, to_size)
        if not point.level_manual:
            point.level = grading.grade_point(scheme, point)
        point.review_due = _review_due(point, scheme)
        new_values = {
            "likelihood": point.likelihood,
            "harm": point.harm,
            "level": point.level,
            "review_due": point.review_due,
        }
        if new_values == old_values:
            continue
        point.updated_at = now
        changed.append(point)
        diff = _changes(audit.to_jsonable(old_values), audit.to_jsonable(new_values), old_values)
        if old_values["level"] != point.level:
            level_changes += 1
        events.append(_event(point, RiskPointEvent.Type.REGRADED, actor, now, diff, reason))
        audits.append(
            audit.Change(
                action="risk_point.regrade",
                object_type="risks.riskpoint",
                object_id=str(point.pk),
                object_repr=point.name,
                organisation=organisations[point.organisation_id],
                before={k: v[0] for k, v in diff.items()},
                after={k: v[1] for k, v in diff.items()},
            )
        )
    if changed:
        bulk.update_rows(changed, ["likelihood", "harm", "level", "review_due", "updated_at"])
        RiskPointEvent.objects.bulk_create(events, batch_size=1000)
        audit.record_many(actor=actor, changes=audits)
    return batch[-1].pk, len(batch), len(changed), level_changes


# Generic phrases ----------------------------------------------------------------------------


@transaction.atomic
def phrase_create(*, actor, organisation: Organisation | None, phrase: str, reason: str = ""):
    """Add a generic phrase (global when `organisation` is None)."""
    text = " ".join((phrase or "").split())
    if not text:
        raise error(RiskError.REQUIRED, "phrase", label=_label(GenericPhrase, "phrase"))
    if len(text) > 60:
        text = text[:60]
    exists = GenericPhrase.objects.filter(organisation=organisation, phrase=text).exists()
    if exists:
        raise error(RiskError.PHRASE_DUPLICATE, "phrase", phrase=text)
    item = GenericPhrase.objects.create(
        organisation=organisation, phrase=text, reason=(reason or "").strip()[:200]
    )
    audit.record(
        actor=actor,
        action="generic_phrase.create",
        obj=item,
        after=audit.snapshot(item),
        organisation=organisation,
    )
    return item


@transaction.atomic
def phrase_set_active(*, actor, phrase: GenericPhrase, active: bool) -> GenericPhrase:
    phrase = GenericPhrase.objects.select_for_update().get(pk=phrase.pk)
    if phrase.active == active:
        return phrase
    before = audit.snapshot(phrase)
    phrase.active = active
    phrase.save(update_fields=["active"])
    audit.record(
        actor=actor,
        action="generic_phrase.enable" if active else "generic_phrase.disable",
        obj=phrase,
        before=before,
        after=audit.snapshot(phrase),
    )
    return phrase


@transaction.atomic
def phrase_delete(*, actor, phrase: GenericPhrase):
    before = audit.snapshot(phrase)
    audit.record(
        actor=actor,
        action="generic_phrase.delete",
        obj=phrase,
        before=before,
        organisation=phrase.organisation,
    )
    phrase.delete()
