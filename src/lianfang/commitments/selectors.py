"""Reads of the commitments module. Every read starts from `visible_to(user)`: the integrity
office and administrators their organisations' subtrees, leaders the departments they are in
charge of, department heads theirs, everybody their own and the commitments their unit
published internally."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from lianfang.core import orgsettings, scoping
from lianfang.core.roles import Role
from lianfang.org.models import Department, LeaderDivision, Person
from lianfang.reviews import chain

from .models import Commitment
from .org_settings import DUE_DAYS
from .services import current_assignments_of, department_key, person_key

# The slot of 我的承诺 (core.extensions): panels `fn(request, *, person) -> Panel | None` that
# the modules above add (assessments: the signer's 述责述廉 report, which the fulfilment feeds).
MY_COMMITMENTS = "commitments.mine"


@scoping.register(Commitment)
def visible_to(user) -> QuerySet[Commitment]:
    scope = scoping.scope_of(user)
    if scope.is_empty:
        return Commitment.objects.none()
    q = scope.subtree_q("organisation__path") | Q(department_id__in=scope.department_ids)
    if scope.person_id:
        q |= Q(person_id=scope.person_id)
    if scope.org_ids:
        q |= Q(organisation_id__in=scope.org_ids, published_at__isnull=False)
    return Commitment.objects.filter(q)


def _with_names(qs):
    return qs.select_related("organisation", "person", "department")


def commitment_get(*, user, pk: int) -> Commitment:
    """The commitment, or Commitment.DoesNotExist (a 404) when `user` may not read it."""
    return _with_names(visible_to(user)).get(pk=pk)


def my_commitments(*, user) -> QuerySet[Commitment]:
    """The user's own commitments, and their departments' when they head them."""
    scope = scoping.scope_of(user)
    q = Q(pk__in=[])
    if scope.person_id:
        q |= Q(kind=Commitment.Kind.PERSONAL, person_id=scope.person_id)
    headed = scope.headed_department_ids | set(
        Department.objects.filter(head_id=scope.person_id).values_list("pk", flat=True)
        if scope.person_id
        else ()
    )
    if headed:
        q |= Q(kind=Commitment.Kind.DEPARTMENTAL, department_id__in=headed)
    return _with_names(visible_to(user).filter(q)).order_by("-year", "kind", "-pk")


def _leader_in_charge_exists(today):
    return Exists(
        LeaderDivision.objects.in_force(today).filter(
            department_id=OuterRef("department_id"),
            leader__user__is_active=True,
            leader__user__role_grants__role=Role.LEADER,
        )
    )


def review_queue(*, user) -> QuerySet[Commitment]:
    """What waits for the user: commitments to review and fulfilment reports to check, of
    the departments they are in charge of; the integrity office also those of departments
    without a leader in charge. Never the user's own."""
    today = timezone.localdate()
    scope = scoping.scope_of(user)
    led = (
        set(
            LeaderDivision.objects.in_force(today)
            .filter(leader__user=user)
            .values_list("department_id", flat=True)
        )
        if Role.LEADER in scope.roles
        else set()
    )
    offices = chain.office_organisation_ids(user)
    q = Q(department_id__in=led)
    if offices:
        q |= Q(organisation_id__in=offices) & (
            Q(department__isnull=True) | ~_leader_in_charge_exists(today)
        )
    waiting = Q(state=Commitment.State.SUBMITTED) | Q(
        fulfilment_state=Commitment.Fulfilment.REPORTED
    )
    qs = visible_to(user).filter(q).filter(waiting)
    if scope.person_id:
        qs = qs.exclude(person_id=scope.person_id, kind=Commitment.Kind.PERSONAL)
    return _with_names(qs).order_by("submitted_at", "pk")


# What is due ----------------------------------------------------------------------------------

SIGNED, IN_PROGRESS, MISSING, STALE = "signed", "in_progress", "missing", "stale"
STATUS_LABELS = {}


def status_labels():
    from django.utils.translation import gettext as _

    return {
        SIGNED: _("已签署"),
        IN_PROGRESS: _("办理中"),
        MISSING: _("未签署"),
        STALE: _("岗位变动待重签"),
    }


@dataclass
class Due:
    """One signer's state for the year: who, what they hold now, where they stand."""

    organisation_id: int
    key: str
    status: str
    due_on: dt.date
    person_id: int | None = None
    name: str = ""
    staff_no: str = ""
    department: str = ""
    posts: str = ""
    commitment_id: int | None = None
    signed_posts: str = ""  # a stale one: the posts it was signed for
    department_id: int | None = None


def due_people(organisation_ids, year: int) -> list[Due]:
    """Every active person holding a post in the organisations, with their commitment's state
    for the year: signed, in progress, missing, or stale (signed for posts they no longer
    hold: their post changed). Four queries, whatever the number of people."""
    days = orgsettings.values_for(_orgs(organisation_ids), [DUE_DAYS])
    people = list(
        Person.objects.active()
        .filter(organisation_id__in=organisation_ids)
        .select_related("department")
        .only("pk", "name", "staff_no", "organisation_id", "department__name")
        .order_by("organisation_id", "department_id", "staff_no", "pk")
    )
    held = current_assignments_of([p.pk for p in people])
    found = {}
    signed_other = {}
    for c in (
        Commitment.objects.personal()
        .filter(organisation_id__in=organisation_ids, year=year)
        .only("pk", "key", "state", "person_id", "posts")
        .order_by("pk")
    ):
        found[c.key] = c
        if c.state == Commitment.State.SIGNED:
            signed_other[c.person_id] = c
    start_of_year = dt.date(year, 1, 1)
    rows = []
    for person in people:
        assignments = held.get(person.pk)
        if not assignments:
            continue
        key = person_key(person.pk, year, [a.pk for a in assignments])
        since = max([start_of_year, *(a.start for a in assignments)])
        due_on = since + dt.timedelta(days=days[person.organisation_id, DUE_DAYS])
        row = Due(
            organisation_id=person.organisation_id,
            key=key,
            status=MISSING,
            due_on=due_on,
            person_id=person.pk,
            name=person.name,
            staff_no=person.staff_no,
            department=person.department.name if person.department_id else "",
            posts="、".join(a.post.name for a in assignments),
            department_id=person.department_id,
        )
        mine = found.get(key)
        if mine is not None:
            row.commitment_id = mine.pk
            row.status = SIGNED if mine.state == Commitment.State.SIGNED else IN_PROGRESS
        elif person.pk in signed_other:
            row.status = STALE
            row.commitment_id = signed_other[person.pk].pk
            row.signed_posts = signed_other[person.pk].posts
        rows.append(row)
    return rows


def due_departments(organisation_ids, year: int) -> list[Due]:
    """Every active department with a head, with its departmental commitment's state."""
    days = orgsettings.values_for(_orgs(organisation_ids), [DUE_DAYS])
    departments = list(
        Department.objects.filter(
            organisation_id__in=organisation_ids, active=True, head__isnull=False
        )
        .select_related("head")
        .order_by("organisation_id", "order", "pk")
    )
    found = {
        c.key: c
        for c in Commitment.objects.departmental()
        .filter(organisation_id__in=organisation_ids, year=year)
        .only("pk", "key", "state")
    }
    rows = []
    for d in departments:
        key = department_key(d.pk, year)
        c = found.get(key)
        status = MISSING if c is None else SIGNED if c.state == "signed" else IN_PROGRESS
        rows.append(
            Due(
                organisation_id=d.organisation_id,
                key=key,
                status=status,
                due_on=dt.date(year, 1, 1) + dt.timedelta(days=days[d.organisation_id, DUE_DAYS]),
                person_id=d.head_id,
                name=d.head.name,
                department=d.name,
                commitment_id=c.pk if c else None,
                department_id=d.pk,
            )
        )
    return rows


def _orgs(organisation_ids):
    from lianfang.org.models import Organisation

    return list(Organisation.objects.filter(pk__in=organisation_ids))


def counts(rows: list[Due]) -> dict[str, int]:
    out = {SIGNED: 0, IN_PROGRESS: 0, MISSING: 0, STALE: 0}
    for row in rows:
        out[row.status] += 1
    return out


def overview_organisations(user):
    """The organisations whose overview the user reads: the integrity office's and the
    administrators' grants (and their subtrees)."""
    from lianfang.org.models import Organisation

    scope = scoping.scope_of(user)
    if not scope.subtree_paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(scope.subtree_q("path")).order_by("path")


def published(*, user) -> QuerySet[Commitment]:
    """The signed commitments published internally that the user sees."""
    return _with_names(
        visible_to(user).filter(published_at__isnull=False, state=Commitment.State.SIGNED)
    ).order_by("-published_at", "pk")
