"""Filing (备案) and changing a filed risk point through the review chain (`lianfang.reviews`).

A draft is filed by submitting it (`risk_point_submit`): it climbs its organisation's chain
(department head → leader in charge → integrity office, as configured) and is filed when the
integrity office approves; any reviewer may return it to its author with a reason. A filed
point's owner asks for a change (`risk_point_request_change`): the point stays as filed
until the change is approved through the same chain, then the change is applied by
`risk_point_update` (grading, timeline and audit as for any edit). The integrity office may
file a draft directly, with a reason (`risk_point_file_directly`), and skip a level with a
reason (`risk_point_skip_level`).

Each service locks the point, writes the submission through `reviews.services`, the point's
timeline events and one audit event. Who may call which is permissions.py's rule; the chain's
own rules (who reviews at the current level, nobody decides their own submission) are checked
here too, whatever the caller offered.
"""

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit
from lianfang.reviews import chain as review_chain
from lianfang.reviews import notifications as review_notifications
from lianfang.reviews import services as review_services
from lianfang.reviews.errors import ReviewError
from lianfang.reviews.errors import error as review_error
from lianfang.reviews.models import Decision, Submission

from .. import filing_hooks, grading, vagueness
from ..models import RiskPoint, RiskPointEvent
from .errors import RiskError, error
from .risk_points import (
    FOREIGN_KEYS,
    POINT_FIELDS,
    _change_status,
    _event,
    _prepare,
    _state,
    risk_point_update,
)

# What reviewers review besides the point's own fields: not its review dates.
NOT_REVIEWED = ("last_reviewed", "review_due")


def content_of(point: RiskPoint, measures=None) -> dict:
    """What a submission of `point` holds: its fields as the timeline keeps them, its level
    and its measures (text, owner, due date). Two equal contents are the same version."""
    state = {k: v for k, v in _state(point).items() if k not in NOT_REVIEWED}
    if measures is None:
        measures = point.measures.select_related("owner_person", "owner_department").order_by("pk")
    state["measures"] = [
        [m.text, str(m.owner) if m.owner else None, audit.to_jsonable(m.due)] for m in measures
    ]
    return review_services.as_json(state)


def _lock(risk_point: RiskPoint) -> RiskPoint:
    point = (
        RiskPoint.objects.select_for_update(of=("self",))
        .select_related("organisation", "department", "post", "power", "step")
        .get(pk=risk_point.pk)
    )
    point._open_submission = Submission.objects.open().of(point).select_for_update().first()
    return point


def _submission_state(submission: Submission | None) -> dict:
    if submission is None:
        return {}
    return {
        "submission": submission.pk,
        "kind": submission.kind,
        "state": submission.state,
        "level": submission.level,
    }


def _open(point: RiskPoint) -> Submission:
    submission = review_chain.open_submission(point)
    if submission is None:
        raise review_error(ReviewError.NOT_OPEN)
    return submission


def _check_filing(point: RiskPoint):
    """The vagueness rule (查不准的不能过关): every reason at once, each with its code."""
    problems = vagueness.check_filing(point)
    if problems:
        raise ValidationError([ValidationError(p.message, code=p.code.value) for p in problems])


def _decision_events(point, decisions, submission) -> list[RiskPointEvent]:
    """The timeline's entries of the chain's decisions: each approval, skip and return, with
    its level and, when the submission moved on, the level it now waits at."""
    events = []
    types = {
        Decision.Outcome.APPROVED: RiskPointEvent.Type.APPROVED,
        Decision.Outcome.SKIPPED: RiskPointEvent.Type.SKIPPED,
        Decision.Outcome.RETURNED: RiskPointEvent.Type.RETURNED,
    }
    for i, decision in enumerate(decisions):
        type_ = types.get(decision.outcome)
        if type_ is None:
            continue
        changes = {"review_level": decision.level}
        last = i == len(decisions) - 1
        if last and submission.state == Submission.State.OPEN:
            changes["waiting_level"] = submission.level
        events.append(_event(point, type_, decision.actor, decision.at, changes, decision.reason))
    return events


def _record(actor, action, point, before, submission, **extra):
    audit.record(
        actor=actor,
        action=action,
        obj=point,
        before=before,
        after={**_submission_state(submission), **extra},
    )


def _tell(point, submission, actor, reason=""):
    """The chain's messages: its next reviewers, or its author once decided."""
    review_notifications.tell(
        submission,
        subject=point,
        link=reverse("risks:point_detail", args=[point.pk]),
        actor=actor,
        reason=reason,
    )


# Filing ---------------------------------------------------------------------------------------


@transaction.atomic
def risk_point_submit(*, actor, risk_point: RiskPoint, at=None) -> RiskPoint:
    """Submit a draft for filing (提交备案): checked by the vagueness rule first (a point that
    could not be filed is not sent up), then opened at the first level of the chain where
    someone other than its submitter and author may decide it. `at` dates it (default now):
    only a history loaded as of past dates (the demo) gives it."""
    point = _lock(risk_point)
    if point.status != RiskPoint.Status.DRAFT:
        raise error(RiskError.NOT_DRAFT, status=point.get_status_display())
    if point._open_submission is not None:
        raise review_error(ReviewError.ALREADY_OPEN)
    _check_filing(point)
    now = at or timezone.now()
    filing_hooks.check_gates(point, actor, now)
    submission, skipped = review_services.submit(
        subject=point,
        kind=Submission.Kind.FILE,
        organisation=point.organisation,
        department_id=point.department_id,
        author_id=point.author_id,
        submitter=actor,
        content=content_of(point),
        at=now,
    )
    # where it waits: on the submission's entry, or on the last level skipped on the way
    changes = {} if skipped else {"waiting_level": submission.level}
    events = [
        _event(point, RiskPointEvent.Type.SUBMITTED, actor, now, changes),
        *_decision_events(point, skipped, submission),
    ]
    RiskPointEvent.objects.bulk_create(events)
    _record(actor, "risk_point.submit", point, None, submission, unchanged=submission.unchanged)
    _tell(point, submission, actor)
    filing_hooks.tell(filing_hooks.SUBMITTED, point, actor, now)
    return point


@transaction.atomic
def risk_point_approve(*, actor, risk_point: RiskPoint, note: str = "", at=None) -> RiskPoint:
    """The current level approves the point's open submission. At the integrity office the
    submission ends: a draft is filed (checked by the vagueness rule again), a change is
    applied through `risk_point_update`. Refused to anyone but the level's reviewers, and to
    the submitter and the author at every level. `at` as for `risk_point_submit` (a level
    before the last only: the filing and the change are dated now)."""
    point = _lock(risk_point)
    submission = _open(point)
    before = _submission_state(submission)
    now = at or timezone.now()
    filing_hooks.check_approval_gates(point, submission, actor, now)
    submission, final, decisions = review_services.approve(
        submission=submission, organisation=point.organisation, actor=actor, note=note, at=now
    )
    point._open_submission = submission if submission.state == Submission.State.OPEN else None
    RiskPointEvent.objects.bulk_create(_decision_events(point, decisions, submission))
    _record(actor, "risk_point.approve", point, before, submission, final=final)
    _tell(point, submission, actor, note)
    if not final:
        filing_hooks.tell(filing_hooks.APPROVED, point, actor, now)
        return point
    if submission.kind == Submission.Kind.FILE:
        if point.status != RiskPoint.Status.DRAFT:
            raise error(RiskError.NOT_DRAFT, status=point.get_status_display())
        _check_filing(point)
        reason = _("经审核同意备案")
        extra = filing_hooks.notes_of(point)
        point = _change_status(
            actor,
            point,
            RiskPoint.Status.FILED,
            RiskPointEvent.Type.FILED,
            "risk_point.file",
            f"{reason}（{extra}）" if extra else reason,
        )
        filing_hooks.tell(filing_hooks.FILED, point, actor, now)
        return point
    reason = _("变更申请经审核同意：%(reason)s") % {"reason": submission.reason}
    extra = filing_hooks.notes_of(point)
    if extra:
        reason = f"{reason}（{extra}）"
    point = risk_point_update(
        actor=actor, risk_point=point, data=submission.proposed, reason=reason
    )
    filing_hooks.tell(filing_hooks.FILED, point, actor, now)
    return point


@transaction.atomic
def risk_point_return(*, actor, risk_point: RiskPoint, reason: str, at=None) -> RiskPoint:
    """The current level returns the point's submission to its author with a reason (退回):
    a draft stays a draft, a filed point stays as filed. The point's return count goes up.
    `at` as for `risk_point_submit`."""
    point = _lock(risk_point)
    submission = _open(point)
    before = {**_submission_state(submission), "return_count": point.return_count}
    now = at or timezone.now()
    submission, decision = review_services.return_(
        submission=submission, actor=actor, reason=reason, at=now
    )
    point._open_submission = None
    point.return_count += 1
    point.updated_at = now
    point.save(update_fields=["return_count", "updated_at"])
    RiskPointEvent.objects.bulk_create(_decision_events(point, [decision], submission))
    _record(actor, "risk_point.return", point, before, submission, return_count=point.return_count)
    _tell(point, submission, actor, reason.strip())
    filing_hooks.tell(filing_hooks.RETURNED, point, actor, now)
    return point


@transaction.atomic
def risk_point_skip_level(*, actor, risk_point: RiskPoint, reason: str) -> RiskPoint:
    """The integrity office passes the point's submission over its current level, with a
    reason (the integrity office's own level is never skipped)."""
    point = _lock(risk_point)
    submission = _open(point)
    before = _submission_state(submission)
    now = timezone.now()
    submission, decisions = review_services.skip(
        submission=submission,
        organisation=point.organisation,
        actor=actor,
        reason=reason,
        at=now,
    )
    point._open_submission = submission
    RiskPointEvent.objects.bulk_create(_decision_events(point, decisions, submission))
    _record(actor, "risk_point.skip_level", point, before, submission)
    _tell(point, submission, actor)
    filing_hooks.tell(filing_hooks.SKIPPED, point, actor, now)
    return point


@transaction.atomic
def risk_point_file_directly(*, actor, risk_point: RiskPoint, reason: str) -> RiskPoint:
    """The integrity office files a draft itself, with a reason (直接备案); checked by the
    vagueness rule like any filing. A submission of it still open is closed."""
    point = _lock(risk_point)
    if not review_chain.is_office_for(actor, point.organisation):
        raise review_error(ReviewError.NOT_OFFICE)
    if point.status != RiskPoint.Status.DRAFT:
        raise error(RiskError.NOT_DRAFT, status=point.get_status_display())
    if not (reason or "").strip():
        raise error(RiskError.DIRECT_FILING_REASON_REQUIRED, "reason")
    _check_filing(point)
    filing_hooks.check_approval_gates(point, point._open_submission, actor, timezone.now())
    if point._open_submission is not None:
        review_services.close(
            submission=point._open_submission,
            actor=actor,
            why=Decision.Why.FILED_DIRECTLY,
            reason=reason,
        )
        point._open_submission = None
    extra = filing_hooks.notes_of(point)
    point = _change_status(
        actor,
        point,
        RiskPoint.Status.FILED,
        RiskPointEvent.Type.FILED_DIRECTLY,
        "risk_point.file_directly",
        f"{reason.strip()}（{extra}）" if extra else reason.strip(),
    )
    filing_hooks.tell(filing_hooks.FILED, point, actor, point.updated_at)
    return point


# Changing a filed point -----------------------------------------------------------------------


def _as_value(value):
    """A service value as a submission keeps it: related objects by their key."""
    if hasattr(value, "_meta"):
        return value.pk
    return audit.to_jsonable(value)


@transaction.atomic
def risk_point_request_change(*, actor, risk_point: RiskPoint, data: dict, reason: str):
    """Ask for a change of a filed point (请求变更): `data` as `risk_point_update` takes it,
    checked by the same rules now. Only what differs is kept; the point stays as filed until
    the change is approved through the review chain."""
    point = _lock(risk_point)
    if point.status != RiskPoint.Status.FILED:
        raise error(RiskError.NOT_FILED, status=point.get_status_display())
    if point._open_submission is not None:
        raise review_error(ReviewError.ALREADY_OPEN)
    if not (reason or "").strip():
        raise error(RiskError.CHANGE_REASON_REQUIRED, "reason")
    changed = copy.copy(point)
    scheme = grading.active_scheme(point.organisation)
    changed._grading_scheme = scheme
    prepared = _prepare(changed, data, scheme, reason=reason)
    fields = [f for f in POINT_FIELDS if f in prepared.field_changes]
    proposed = {f: _as_value(data[f]) for f in fields if f in data}
    if prepared.level_changed and data.get("level") not in (None, ""):
        proposed["level"] = _as_value(data["level"])
    for field in FOREIGN_KEYS:  # a post's point takes its post's department
        if field in fields and field not in proposed:
            proposed[field] = getattr(changed, f"{field}_id")
    if not proposed:
        raise error(RiskError.NO_CHANGE)
    now = timezone.now()
    submission, skipped = review_services.submit(
        subject=point,
        kind=Submission.Kind.CHANGE,
        organisation=point.organisation,
        department_id=point.department_id,
        author_id=point.author_id,
        submitter=actor,
        content=content_of(changed, measures=list(point.measures.all().order_by("pk"))),
        proposed=proposed,
        reason=reason,
        at=now,
    )
    changes = dict(prepared.field_changes)
    changes.pop("review_due", None)
    if prepared.level_changed:
        changes["level"] = [prepared.before["level"], prepared.after["level"]]
    if not skipped:
        changes["waiting_level"] = submission.level
    events = [
        _event(point, RiskPointEvent.Type.CHANGE_REQUESTED, actor, now, changes, reason.strip()),
        *_decision_events(point, skipped, submission),
    ]
    RiskPointEvent.objects.bulk_create(events)
    _record(actor, "risk_point.request_change", point, None, submission, proposed=proposed)
    _tell(point, submission, actor)
    filing_hooks.tell(filing_hooks.SUBMITTED, point, actor, now)
    return point


# Many at once ---------------------------------------------------------------------------------


@transaction.atomic
def risk_points_approve(*, actor, risk_points, note: str = "") -> list[RiskPoint]:
    """Approve many submissions at once (批量通过): only re-submissions equal to the version
    last approved or returned, and unchanged since submitted. If any chosen point is not
    such a one, or not the actor's to decide, nothing is approved."""
    points = list(risk_points)
    if not points:
        raise error(RiskError.NOTHING_CHOSEN)
    problems = []
    for point in points:
        submission = Submission.objects.open().of(point).first()
        if (
            submission is None
            or not submission.unchanged
            or content_of(point) != submission.content
        ):
            problems.append(error(RiskError.CHANGED_SINCE_LAST_REVIEW, name=point.name))
    if problems:
        raise ValidationError(problems)
    return [risk_point_approve(actor=actor, risk_point=point, note=note) for point in points]
