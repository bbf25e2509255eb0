"""Grading schemes: save, activate, delete, and the re-grade of the register (in the
request or as a background job)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, bulk, jobs, publications
from lianfang.core.services import set_fields
from lianfang.org.models import Organisation

from .. import grading
from ..models import (
    GradingScheme,
    Level,
    MonitorRole,
    RiskPoint,
    RiskPointEvent,
)
from .errors import RiskError, _level_name, _raise_all, error
from .risk_points import _changes, _event, _review_due

# Points re-graded per round trip when a scheme changes (bounded memory, few queries).
REGRADE_BATCH = 2000


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


def _clean_scheme_values(values: dict, organisation=None) -> dict:
    """Validated, normalised scheme data; missing parts take the defaults (those of the
    organisation's sector)."""
    errors = []
    method = values.get("method") or GradingScheme.Method.MATRIX
    if method not in GradingScheme.Method.values:
        raise error(RiskError.SCHEME_METHOD, "method")
    size = _as_int(values.get("matrix_size", 3))
    if size not in (3, 4, 5):
        raise error(RiskError.SCHEME_SIZE, "matrix_size")
    defaults = grading.default_scheme_values(method, size, organisation)
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
    clean_monitors, detail = _per_level(monitors, _clean_monitors)
    if detail:
        errors.append(error(RiskError.SCHEME_MONITORS, "monitors", detail=detail))
    data["monitors"] = clean_monitors

    review = values.get("review_days") or defaults["review_days"]
    clean_review, detail = _per_level(review, _clean_review_days)
    if detail:
        errors.append(error(RiskError.SCHEME_REVIEW_DAYS, "review_days", detail=detail))
    data["review_days"] = clean_review
    _raise_all(errors)
    return data


def _per_level(value, clean) -> tuple[dict, str]:
    """A setting given for each level ({"1": …, "2": …, "3": …}, the keys as text or number),
    each level's value passed through `clean(value, level name)` → (clean value, problem);
    the clean values, and the first problem ("" when none)."""
    cleaned: dict = {}
    if not isinstance(value, dict):
        return cleaned, _("格式错误")
    for key in LEVEL_KEYS:
        item, detail = clean(value.get(key, value.get(int(key))), _level_name(int(key)))
        if detail:
            return cleaned, detail
        cleaned[key] = item
    return cleaned, ""


def _clean_monitors(roles, level: str) -> tuple[list, str]:
    roles = list(dict.fromkeys(roles or ()))
    unknown = [r for r in roles if r not in MonitorRole.values]
    if unknown:
        return roles, _("未知的监控人角色“%(role)s”") % {"role": unknown[0]}
    if not roles:
        return roles, _("%(level)s须至少指定一类监控人") % {"level": level}
    return roles, ""


def _clean_review_days(days, level: str) -> tuple[int | None, str]:
    days = _as_int(days)
    if days is None or not 1 <= days <= 3650:
        return days, _("%(level)s的复核周期须为 1 至 3650 之间的整数天") % {"level": level}
    return days, ""


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
    data = _clean_scheme_values(values, organisation)
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
        set_fields(actor=actor, obj=other, action="grading_scheme.deactivate", active=False)
    set_fields(actor=actor, obj=scheme, action="grading_scheme.activate", active=True)
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
    keeping its current monitors and review intervals; re-grades the register. Switching
    back (5×5 → 3×3) activates the organisation's earlier scheme of the same values when
    it has one, rather than saving another copy."""
    current = grading.active_scheme(organisation)
    values = grading.default_scheme_values(GradingScheme.Method.MATRIX, size, organisation)
    values["monitors"] = current.monitors
    values["review_days"] = current.review_days
    values["name"] = _("%(n)s×%(n)s 矩阵") % {"n": size}
    data = _clean_scheme_values(values, organisation)
    earlier = GradingScheme.objects.filter(
        organisation=organisation, active=False, method=GradingScheme.Method.MATRIX
    ).filter(matrix_size=size, name=data["name"])
    scheme = next(
        (s for s in earlier if all(getattr(s, f) == data[f] for f in SCHEME_FIELDS)), None
    )
    if scheme is None:
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
        for organisation_id in {p.organisation_id for p in changed}:  # the levels' filter
            publications.public_changed(organisations[organisation_id])
    return batch[-1].pk, len(batch), len(changed), level_changes
