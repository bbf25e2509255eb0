"""The rules of a review chain, read only: the levels an organisation's chain has, who
reviews at each level, who may decide a submission and what waits for a user.

Who reviews, level by level (the same rule `scope_of` reads a user's reach by):

- department head (部门负责人): the accounts granted 部门负责人 on the subject's department;
- leader in charge (分管领导): the accounts holding the 领导 role whose person is in charge of
  the department (a `LeaderDivision` in force);
- integrity office (纪检监察部门): the accounts granted 纪检监察 on the nearest organisation,
  the subject's own or an ancestor, that has one. The organisation found is stored on the
  submission (`office`) when it reaches that level.

Nobody decides their own submission: the submitter and the subject's author are left out of
every level. A level left with nobody is skipped (`Decision.Why.OWN`), so the submission
passes to the next level and at last to the integrity office of the nearest organisation that
has someone else.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from lianfang.accounts.models import RoleGrant, User
from lianfang.core.roles import Role
from lianfang.core.scoping import scope_of, write_reach
from lianfang.org.models import LeaderDivision, Organisation

from .models import DEFAULT_LEVELS, ORDER, ChainSetting, Decision, Level, Submission


@dataclass(frozen=True)
class Chain:
    """The levels of an organisation's chain and where they come from: its own setting
    (`own`), an ancestor's (`source`), or the default (both None)."""

    levels: tuple[str, ...]
    source: Organisation | None = None
    own: ChainSetting | None = None

    @property
    def inherited(self) -> bool:
        return self.own is None


def chain_of(organisation: Organisation) -> Chain:
    """The chain of `organisation`: its own setting, else its nearest ancestor's, else the
    default (department head → integrity office). One query."""
    ids = organisation.ancestors_ids() or [organisation.pk]
    settings = {
        s.organisation_id: s
        for s in ChainSetting.objects.filter(organisation_id__in=ids).select_related("organisation")
    }
    for org_id in reversed(ids):
        setting = settings.get(org_id)
        if setting is not None:
            own = setting if org_id == organisation.pk else None
            return Chain(setting.levels, setting.organisation, own)
    return Chain(DEFAULT_LEVELS)


# Who reviews ----------------------------------------------------------------------------------


def department_heads(department_id) -> set[int]:
    """The active accounts granted 部门负责人 on the department."""
    return set(
        RoleGrant.objects.filter(
            role=Role.DEPT_HEAD, department_id=department_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def leaders_in_charge(department_id, today=None) -> set[int]:
    """The active accounts with the 领导 role whose person is in charge of the department."""
    divisions = LeaderDivision.objects.in_force(today or timezone.localdate()).filter(
        department_id=department_id
    )
    return set(
        User.objects.filter(
            is_active=True,
            role_grants__role=Role.LEADER,
            person__divisions__in=divisions,
        ).values_list("pk", flat=True)
    )


def office_of(organisation: Organisation, *, exclude=()) -> tuple[int | None, set[int]]:
    """(the organisation whose integrity office reviews, its accounts): the nearest of
    `organisation` and its ancestors with an active 纪检监察 account not in `exclude`."""
    ids = organisation.ancestors_ids() or [organisation.pk]
    found = defaultdict(set)
    for org_id, user_id in RoleGrant.objects.filter(
        role=Role.INTEGRITY, user__is_active=True, organisation_id__in=ids
    ).values_list("organisation_id", "user_id"):
        found[org_id].add(user_id)
    for org_id in reversed(ids):
        users = found.get(org_id, set()) - set(exclude)
        if users:
            return org_id, users
    return None, set()


def excluded(submission: Submission) -> set[int]:
    """Who may not decide the submission: its submitter and its subject's author."""
    return {i for i in (submission.submitter_id, submission.author_id) if i is not None}


def office_organisation_ids(user) -> set[int]:
    """The organisations on which the user holds the 纪检监察 role."""
    return {
        g.organisation_id for g in getattr(user, "active_grants", ()) if g.role == Role.INTEGRITY
    }


def is_office_for(user, organisation: Organisation) -> bool:
    """Whether the user is the integrity office of `organisation`, or of an ancestor whose
    grant makes the units below writable (`core.scoping.write_reach`: a commission's office
    supervises read-only by default)."""
    reach = write_reach(getattr(user, "active_grants", ()), (Role.INTEGRITY,))
    return reach.covers(organisation.path)


def current_reviewers(submission: Submission) -> set[int]:
    """The accounts that may decide the open submission at its current level."""
    if submission.state != Submission.State.OPEN:
        return set()
    if submission.level == Level.DEPARTMENT_HEAD:
        everyone = department_heads(submission.department_id)
    elif submission.level == Level.LEADER_IN_CHARGE:
        everyone = leaders_in_charge(submission.department_id)
    else:
        everyone = set(
            RoleGrant.objects.filter(
                role=Role.INTEGRITY, user__is_active=True, organisation_id=submission.office_id
            ).values_list("user_id", flat=True)
        )
    return everyone - excluded(submission)


def may_decide(user, submission: Submission) -> bool:
    """Whether the user may approve or return the submission now (no query: the user's
    scope and grants are read once per request)."""
    if submission is None or submission.state != Submission.State.OPEN:
        return False
    if not getattr(user, "is_authenticated", False) or user.pk in excluded(submission):
        return False
    scope = scope_of(user)
    if submission.level == Level.DEPARTMENT_HEAD:
        return submission.department_id in scope.headed_department_ids
    if submission.level == Level.LEADER_IN_CHARGE:
        return submission.department_id in scope.led_department_ids
    if submission.level == Level.INTEGRITY_OFFICE:
        return submission.office_id in office_organisation_ids(user)
    return False


def is_reviewer(user) -> bool:
    """Whether any level of any chain may wait for the user (who gets a 待审 list)."""
    scope = scope_of(user)
    return bool(
        scope.headed_department_ids or scope.led_department_ids or office_organisation_ids(user)
    )


def pending_for(user) -> QuerySet[Submission]:
    """The open submissions waiting for the user, by the rule of `may_decide`."""
    scope = scope_of(user)
    q = Q(pk__in=[])
    if scope.headed_department_ids:
        q |= Q(level=Level.DEPARTMENT_HEAD, department_id__in=scope.headed_department_ids)
    if scope.led_department_ids:
        q |= Q(level=Level.LEADER_IN_CHARGE, department_id__in=scope.led_department_ids)
    offices = office_organisation_ids(user)
    if offices:
        q |= Q(level=Level.INTEGRITY_OFFICE, office_id__in=offices)
    if not getattr(user, "is_authenticated", False) or q == Q(pk__in=[]):
        return Submission.objects.none()
    return (
        Submission.objects.open().filter(q).exclude(submitter_id=user.pk).exclude(author_id=user.pk)
    )


# A subject's submissions ------------------------------------------------------------------------

_UNREAD = object()


def open_submission(subject) -> Submission | None:
    """The subject's open submission, read once per instance (the services refresh it)."""
    cached = getattr(subject, "_open_submission", _UNREAD)
    if cached is _UNREAD:
        cached = Submission.objects.open().of(subject).first() if subject.pk else None
        subject._open_submission = cached
    return cached


def latest_submission(subject) -> Submission | None:
    return Submission.objects.of(subject).order_by("-submitted_at", "-id").first()


@dataclass(frozen=True)
class Step:
    """One level of a submission's way, as its page shows it."""

    level: str
    label: str
    state: str  # "done", "returned", "skipped", "current", "waiting", "off"
    decision: Decision | None = None


def progress(submission: Submission) -> list[Step]:
    """The levels of the submission's chain with what happened at each: the last decision
    taken there, the level it waits at, the levels still ahead."""
    decisions = {}
    for decision in submission.decisions.select_related("actor").order_by("at", "id"):
        if decision.level:
            decisions[decision.level] = decision
    steps = []
    for level in ORDER:
        label = str(Level(level).label)
        decision = decisions.get(level)
        if submission.state == Submission.State.OPEN and submission.level == level:
            steps.append(Step(level, label, "current"))
        elif decision is not None:
            state = {
                Decision.Outcome.APPROVED: "done",
                Decision.Outcome.RETURNED: "returned",
                Decision.Outcome.SKIPPED: "skipped",
            }.get(decision.outcome, "skipped")
            steps.append(Step(level, label, state, decision))
        elif submission.state == Submission.State.OPEN:
            off = level not in submission.levels
            steps.append(Step(level, label, "off" if off else "waiting"))
    return steps
