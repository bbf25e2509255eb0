"""Writes of the review chain: a submission opened, decided level by level, skipped or
closed; an organisation's chain setting.

The submission services write the submission and its decisions, no more. They are called by
the subject's own service (the risk register's `risk_point_submit`, `risk_point_approve` …)
inside its transaction, which locks the subject, writes the subject's timeline and appends
the audit event: one audited write per action, whatever the subject. The chain setting's
services are audited here.
"""

import json

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from lianfang.core import audit
from lianfang.core.audit import to_jsonable
from lianfang.org import selectors as org_selectors

from . import chain
from .errors import ReviewError, error
from .models import ORDER, ChainSetting, Decision, Level, Submission

DECIDED = (Submission.State.APPROVED, Submission.State.RETURNED)


def as_json(value):
    """`value` as JSON keeps it, so a content compares equal to its stored copy."""
    return json.loads(json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True))


def _skip(level, why, at, *, actor=None, reason="") -> Decision:
    return Decision(
        level=level,
        outcome=Decision.Outcome.SKIPPED,
        why=why,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason or str(Decision.Why(why).label),
        at=at,
    )


def _climb(submission: Submission, organisation, start: int, at) -> list[Decision]:
    """Move the submission to the first level from ORDER[start] on where someone may decide
    it; the levels passed over are skipped with their reason (returned, not saved). The
    integrity office is never passed over: without anyone there, ValidationError."""
    skipped = []
    exclude = chain.excluded(submission)
    for level in ORDER[start:]:
        if level == Level.INTEGRITY_OFFICE:
            office_id, _users = chain.office_of(organisation, exclude=exclude)
            if office_id is None:
                raise error(ReviewError.NO_OFFICE)
            submission.level, submission.office_id = level, office_id
            return skipped
        if level not in submission.levels:
            why = Decision.Why.OFF
        elif submission.department_id is None:
            why = Decision.Why.NO_DEPARTMENT
        else:
            if level == Level.DEPARTMENT_HEAD:
                everyone = chain.department_heads(submission.department_id)
            else:
                everyone = chain.leaders_in_charge(submission.department_id)
            if not everyone:
                why = Decision.Why.NOBODY
            elif not everyone - exclude:
                why = Decision.Why.OWN
            else:
                submission.level = level
                return skipped
        skipped.append(_skip(level, why, at))
    raise AssertionError("the integrity office ends every chain")  # pragma: no cover


def _save(submission: Submission, decisions: list[Decision]) -> list[Decision]:
    submission.save()
    for decision in decisions:
        decision.submission = submission
    return Decision.objects.bulk_create(decisions)


def submit(
    *,
    subject,
    kind: str,
    organisation,
    department_id,
    author_id,
    submitter,
    content: dict,
    proposed: dict | None = None,
    reason: str = "",
    at=None,
) -> tuple[Submission, list[Decision]]:
    """Open a submission of `subject` at the first level of its organisation's chain where
    someone may decide it, and the skips that took it there. Refused while another
    submission of the subject is open, or when no integrity office could ever decide it."""
    at = at or timezone.now()
    if Submission.objects.open().of(subject).exists():
        raise error(ReviewError.ALREADY_OPEN)
    content = as_json(content)
    previous = (
        Submission.objects.of(subject)
        .filter(state__in=DECIDED)
        .order_by("-submitted_at", "-id")
        .only("content")
        .first()
    )
    submission = Submission(
        subject=subject,
        organisation=organisation,
        department_id=department_id,
        kind=kind,
        levels=list(chain.chain_of(organisation).levels),
        author_id=author_id,
        submitter=submitter if getattr(submitter, "pk", None) else None,
        content=content,
        proposed=as_json(proposed or {}),
        reason=(reason or "").strip(),
        unchanged=previous is not None and previous.content == content,
        submitted_at=at,
    )
    skipped = _climb(submission, organisation, 0, at)
    decisions = _save(submission, skipped)
    subject._open_submission = submission
    return submission, decisions


def _lock_open(submission: Submission) -> Submission:
    locked = Submission.objects.select_for_update().filter(pk=submission.pk).first()
    if locked is None or locked.state != Submission.State.OPEN:
        raise error(ReviewError.NOT_OPEN)
    return locked


def _check_decider(submission: Submission, actor):
    if getattr(actor, "pk", None) in chain.excluded(submission):
        raise error(ReviewError.OWN_SUBMISSION)
    if not chain.may_decide(actor, submission):
        raise error(ReviewError.NOT_REVIEWER, level=Level(submission.level).label)


def _close(submission: Submission, state, at):
    submission.state = state
    submission.level = ""
    submission.decided_at = at


def approve(*, submission: Submission, organisation, actor, note: str = "", at=None):
    """The current level approves. Returns (submission, final, decisions): the submission as
    locked and written; final when the integrity office approved (the subject's module then
    files or applies it); the decisions written (the approval, then the levels skipped on the
    way to the next one)."""
    at = at or timezone.now()
    submission = _lock_open(submission)
    _check_decider(submission, actor)
    level = submission.level
    decisions = [
        Decision(
            level=level,
            outcome=Decision.Outcome.APPROVED,
            actor=actor,
            reason=(note or "").strip(),
            at=at,
        )
    ]
    final = level == Level.INTEGRITY_OFFICE
    if final:
        _close(submission, Submission.State.APPROVED, at)
    else:
        decisions += _climb(submission, organisation, ORDER.index(level) + 1, at)
    return submission, final, _save(submission, decisions)


def return_(*, submission: Submission, actor, reason: str, at=None):
    """The current level returns the submission to its author, with a reason."""
    at = at or timezone.now()
    submission = _lock_open(submission)
    _check_decider(submission, actor)
    if not (reason or "").strip():
        raise error(ReviewError.RETURN_REASON_REQUIRED, "reason")
    decision = Decision(
        level=submission.level,
        outcome=Decision.Outcome.RETURNED,
        actor=actor,
        reason=reason.strip(),
        at=at,
    )
    _close(submission, Submission.State.RETURNED, at)
    return submission, _save(submission, [decision])[0]


def skip(*, submission: Submission, organisation, actor, reason: str, at=None):
    """The integrity office passes the submission over its current level (a head on leave, a
    level it judges superfluous for this point), with a reason. Its own level is never
    skipped."""
    at = at or timezone.now()
    submission = _lock_open(submission)
    if not chain.is_office_for(actor, organisation):
        raise error(ReviewError.NOT_OFFICE)
    if submission.level == Level.INTEGRITY_OFFICE:
        raise error(ReviewError.CANNOT_SKIP_OFFICE)
    if not (reason or "").strip():
        raise error(ReviewError.SKIP_REASON_REQUIRED, "reason")
    level = submission.level
    decisions = [_skip(level, Decision.Why.OFFICE, at, actor=actor, reason=reason.strip())]
    decisions += _climb(submission, organisation, ORDER.index(level) + 1, at)
    return submission, _save(submission, decisions)


def close(*, submission: Submission, actor, why: str, reason: str = "", at=None):
    """End an open submission without a decision (the subject was filed directly, retired):
    its level is recorded as closed with `why`."""
    at = at or timezone.now()
    submission = _lock_open(submission)
    decision = Decision(
        level=submission.level,
        outcome=Decision.Outcome.CLOSED,
        why=why,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=(reason or "").strip() or str(Decision.Why(why).label),
        at=at,
    )
    _close(submission, Submission.State.CLOSED, at)
    return submission, _save(submission, [decision])[0]


def close_open(*, model, object_ids, actor, why: str, at=None) -> list[Submission]:
    """Close the open submissions of many subjects at once (a bulk writer filed them)."""
    from django.contrib.contenttypes.models import ContentType

    at = at or timezone.now()
    submissions = list(
        Submission.objects.open()
        .select_for_update()
        .filter(content_type=ContentType.objects.get_for_model(model), object_id__in=object_ids)
    )
    if not submissions:
        return []
    decisions = []
    for submission in submissions:
        decisions.append(
            Decision(
                submission=submission,
                level=submission.level,
                outcome=Decision.Outcome.CLOSED,
                why=why,
                actor=actor if getattr(actor, "pk", None) else None,
                reason=str(Decision.Why(why).label),
                at=at,
            )
        )
        _close(submission, Submission.State.CLOSED, at)
    Submission.objects.bulk_update(submissions, ["state", "level", "decided_at"])
    Decision.objects.bulk_create(decisions)
    return submissions


# The chain setting ------------------------------------------------------------------------------

SETTING_FIELDS = ("department_head", "leader_in_charge")


def _may_set(actor, organisation):
    if not org_selectors.can_manage(actor, organisation):
        raise PermissionDenied


@transaction.atomic
def chain_setting_save(*, actor, organisation, department_head: bool, leader_in_charge: bool):
    """Give `organisation` a chain of its own (the units below without one follow it). For
    the integrity office and administrators of the organisation or of those above it."""
    _may_set(actor, organisation)
    setting = ChainSetting.objects.select_for_update().filter(organisation=organisation).first()
    before = audit.snapshot(setting, SETTING_FIELDS) if setting else None
    if setting is None:
        setting = ChainSetting(organisation=organisation)
    setting.department_head = bool(department_head)
    setting.leader_in_charge = bool(leader_in_charge)
    setting.save()
    audit.record(
        actor=actor,
        action="review_chain.update",
        obj=setting,
        before=before,
        after=audit.snapshot(setting, SETTING_FIELDS),
        organisation=organisation,
    )
    return setting


@transaction.atomic
def chain_setting_inherit(*, actor, organisation):
    """Drop `organisation`'s own chain: it follows its nearest ancestor's (or the default)."""
    _may_set(actor, organisation)
    setting = ChainSetting.objects.select_for_update().filter(organisation=organisation).first()
    if setting is None:
        return None
    before = audit.snapshot(setting, SETTING_FIELDS)
    audit.record(
        actor=actor,
        action="review_chain.inherit",
        obj=setting,
        before=before,
        organisation=organisation,
    )
    setting.delete()
    return None
