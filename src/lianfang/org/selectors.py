"""Reads of organisations, departments, posts and people. Each starts from `visible_to`."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.utils import timezone

from lianfang.core.scoping import register, scope_of
from lianfang.core.tables import search_term

from .models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
)

# The department page's slot (`core.extensions`): apps above org add a section each, shown
# side by side (satisfaction, complaints). A panel function `fn(request, *, department)`
# returning a `Panel` whose `html` is the section, or None.
DEPARTMENT_DETAIL = "org.department_detail"
# The person page's slot, the same way: `fn(request, *, person) -> Panel | None` (assessments
# adds the person's assessment timeline).
PERSON_DETAIL = "org.person_detail"


@register(Organisation)
def organisations_visible_to(user) -> QuerySet[Organisation]:
    scope = scope_of(user)
    if scope.is_empty:
        return Organisation.objects.none()
    return Organisation.objects.filter(scope.subtree_q("path") | Q(pk__in=scope.org_ids))


@register(Department)
def departments_visible_to(user) -> QuerySet[Department]:
    scope = scope_of(user)
    if scope.is_empty:
        return Department.objects.none()
    return Department.objects.filter(
        scope.subtree_q("organisation__path")
        | Q(pk__in=scope.department_ids | scope.own_department_ids)
    )


@register(Person)
def people_visible_to(user) -> QuerySet[Person]:
    scope = scope_of(user)
    if scope.is_empty:
        return Person.objects.none()
    q = scope.subtree_q("organisation__path") | Q(department_id__in=scope.department_ids)
    if scope.person_id:
        q |= Q(pk=scope.person_id)
    return Person.objects.filter(q)


@register(Post)
def posts_visible_to(user) -> QuerySet[Post]:
    scope = scope_of(user)
    if scope.is_empty:
        return Post.objects.none()
    q = scope.subtree_q("organisation__path") | Q(department_id__in=scope.department_ids)
    if scope.person_id:
        q |= Q(pk__in=PostAssignment.objects.filter(person_id=scope.person_id).values("post_id"))
    return Post.objects.filter(q)


@register(LeaderDivision)
def divisions_visible_to(user) -> QuerySet[LeaderDivision]:
    scope = scope_of(user)
    if scope.is_empty:
        return LeaderDivision.objects.none()
    q = scope.subtree_q("department__organisation__path") | Q(
        department_id__in=scope.department_ids
    )
    if scope.person_id:
        q |= Q(leader_id=scope.person_id)
    return LeaderDivision.objects.filter(q)


@register(PostAssignment)
def assignments_visible_to(user) -> QuerySet[PostAssignment]:
    return PostAssignment.objects.filter(person__in=people_visible_to(user).values("pk"))


def current_assignments(person_ids) -> dict[int, PostAssignment]:
    """Each person's open post assignment, in one query."""
    rows = (
        PostAssignment.objects.current()
        .filter(person_id__in=list(person_ids))
        .select_related("post")
        .order_by("person_id", "-start")
    )
    result = {}
    for row in rows:
        result.setdefault(row.person_id, row)
    return result


# Write scope --------------------------------------------------------------------------------
# Administrators and the integrity office edit organisation data where their grants write
# (`core.scoping.write_reach`): their grants' own nodes, and the units below a node only when
# the grant says 下级单位可写. Elsewhere in their subtrees they read.


def organisations_supervised_by(user) -> QuerySet[Organisation]:
    """The organisations of the subtrees of the user's privileged grants, whether they may
    write them or only read them (a commission's figures of its hospitals)."""
    scope = scope_of(user)
    if not scope.subtree_paths:
        return Organisation.objects.none()
    return Organisation.objects.filter(scope.subtree_q("path"))


def organisations_manageable_by(user) -> QuerySet[Organisation]:
    reach = scope_of(user).write
    if not reach:
        return Organisation.objects.none()
    return Organisation.objects.filter(reach.q("path"))


def departments_manageable_by(user) -> QuerySet[Department]:
    return Department.objects.filter(scope_of(user).write.q("organisation__path"))


def posts_manageable_by(user) -> QuerySet[Post]:
    return Post.objects.filter(scope_of(user).write.q("organisation__path"))


def people_manageable_by(user) -> QuerySet[Person]:
    return Person.objects.filter(scope_of(user).write.q("organisation__path"))


def divisions_manageable_by(user) -> QuerySet[LeaderDivision]:
    return LeaderDivision.objects.filter(scope_of(user).write.q("department__organisation__path"))


def functions_manageable_by(user) -> QuerySet[DepartmentFunction]:
    return DepartmentFunction.objects.filter(
        scope_of(user).write.q("department__organisation__path")
    )


def assignments_manageable_by(user) -> QuerySet[PostAssignment]:
    return PostAssignment.objects.filter(scope_of(user).write.q("person__organisation__path"))


def parent_choices(user, organisation: Organisation | None = None) -> QuerySet[Organisation]:
    """Where the user may place `organisation` (a new one when None): under an organisation
    they manage, outside its own subtree; or under its current parent, which lies outside the
    user's subtree when the organisation is its root."""
    choices = organisations_manageable_by(user)
    if organisation is not None:
        choices = choices.exclude(path__startswith=organisation.path)
        if organisation.parent_id:
            choices = choices | Organisation.objects.filter(pk=organisation.parent_id)
    return choices


def head_choices(department: Department) -> QuerySet[Person]:
    """Who may head `department`: its people, or whoever heads it now."""
    return Person.objects.filter(
        Q(department_id=department.pk) | Q(pk=department.head_id),
        organisation_id=department.organisation_id,
    )


def organisation_posts(organisation_id: int) -> QuerySet[Post]:
    """The posts of one organisation (a person's to be assigned to, a power's steps' to be
    handled by)."""
    return Post.objects.filter(organisation_id=organisation_id)


def can_manage(user, organisation) -> bool:
    """Whether `user` may edit data of `organisation` (an Organisation, or None): where their
    grants write (`core.scoping.write_reach`), not everywhere they see."""
    if organisation is None:
        return False
    return scope_of(user).write.covers(organisation.path)


def can_manage_any(user) -> bool:
    return bool(scope_of(user).write)


# Lists ----------------------------------------------------------------------------------------


def _count(model, field: str):
    """A subquery counting `model` rows whose `field` is the outer row."""
    return Coalesce(
        Subquery(
            model.objects.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def _active_people_count(field: str):
    return Coalesce(
        Subquery(
            Person.objects.active()
            .filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def _open_holders_count():
    return Coalesce(
        Subquery(
            PostAssignment.objects.current()
            .filter(post=OuterRef("pk"))
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


@dataclass
class TreeNode:
    organisation: Organisation
    level: int
    matched: bool = True

    @property
    def indent(self) -> int:
        return min(self.level, 8)


def organisation_tree(*, user, filters: dict | None = None) -> list[TreeNode]:
    """The visible organisations as an indented tree (depth-first, siblings by order and name),
    each with counts of departments, posts and active people.

    With a search `q` or a `kind`, matching nodes are shown with their visible ancestors
    (marked `matched=False`) so the tree keeps its shape.
    """
    filters = filters or {}
    orgs = list(
        organisations_visible_to(user).annotate(
            department_count=_count(Department, "organisation"),
            post_count=_count(Post, "organisation"),
            people_count=_active_people_count("organisation"),
        )
    )
    by_id = {o.pk: o for o in orgs}
    q = (filters.get("q") or "").strip()
    kind = filters.get("kind") or ""
    if q or kind:
        matches = {
            o.pk
            for o in orgs
            if (not q or q in o.name or q in o.short_name or q.lower() == o.code.lower())
            and (not kind or o.kind == kind)
        }
        keep = set(matches)
        for pk in matches:
            keep.update(a for a in by_id[pk].ancestors_ids() if a in by_id)
    else:
        matches = keep = set(by_id)
    children: dict[int | None, list[Organisation]] = {}
    for org in orgs:
        if org.pk not in keep:
            continue
        parent = org.parent_id if org.parent_id in keep else None
        children.setdefault(parent, []).append(org)
    for siblings in children.values():
        siblings.sort(key=lambda o: (o.order, o.name, o.pk))
    result = []

    def walk(parent_id, level):
        for org in children.get(parent_id, []):
            result.append(TreeNode(org, level, org.pk in matches))
            walk(org.pk, level + 1)

    walk(None, 0)
    return result


def department_list(*, user, filters: dict | None = None) -> QuerySet[Department]:
    filters = filters or {}
    qs = departments_visible_to(user).select_related("organisation", "head")
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("active") in (True, False):
        qs = qs.filter(active=filters["active"])
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return qs.annotate(
        people_count=_active_people_count("department"),
        post_count=_count(Post, "department"),
    )


def post_list(*, user, filters: dict | None = None) -> QuerySet[Post]:
    filters = filters or {}
    qs = posts_visible_to(user).select_related("organisation", "department")
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    if filters.get("department"):
        qs = qs.filter(department=filters["department"])
    if filters.get("is_key"):
        qs = qs.filter(is_key=True)
    if filters.get("is_sensitive"):
        qs = qs.filter(is_sensitive=True)
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(duties__icontains=q))
    return qs.annotate(holder_count=_open_holders_count())


def _holds_open(**post_filters):
    return Exists(
        PostAssignment.objects.current().filter(
            person=OuterRef("pk"), **{f"post__{k}": v for k, v in post_filters.items()}
        )
    )


def person_list(*, user, filters: dict | None = None) -> QuerySet[Person]:
    """Visible people, by name or 工号 (`q`), department, current post, key or sensitive
    current post, and leader flag. Inactive people only when `active` is False."""
    filters = filters or {}
    qs = people_visible_to(user).select_related("organisation", "department")
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    if filters.get("department"):
        qs = qs.filter(department=filters["department"])
    if filters.get("post"):
        qs = qs.filter(_holds_open(pk=filters["post"].pk))
    flag = filters.get("post_flag")
    if flag == "key":
        qs = qs.filter(_holds_open(is_key=True))
    elif flag == "sensitive":
        qs = qs.filter(_holds_open(is_sensitive=True))
    elif flag == "key_or_sensitive":
        qs = qs.filter(_holds_open(is_key=True) | _holds_open(is_sensitive=True))
    if filters.get("leader"):
        qs = qs.filter(is_leader=True)
    active = filters.get("active")
    # inactive people only when asked for (False or 0), else the active ones
    qs = qs.filter(active=False) if active in (True, False) and not active else qs.active()
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(staff_no__icontains=q))
    return qs


def attach_current_posts(people) -> list:
    """Set `current` (the open PostAssignment or None) on each person, in one query."""
    people = list(people)
    current = current_assignments(p.pk for p in people)
    for person in people:
        person.current = current.get(person.pk)
    return people


def person_history(person: Person) -> QuerySet[PostAssignment]:
    return PostAssignment.objects.filter(person=person).select_related("post__department")


def person_current_posts(person: Person) -> QuerySet[PostAssignment]:
    """The posts `person` holds now, longest held first."""
    return (
        PostAssignment.objects.current()
        .filter(person=person)
        .select_related("post__department")
        .order_by("start", "pk")
    )


def person_of(user) -> Person | None:
    """The user's own person record (with organisation and department), if any."""
    return Person.objects.filter(user=user).select_related("organisation", "department").first()


def current_holders(*, user, post_id: int) -> QuerySet[Person]:
    """The active people the user can see who hold the post now, by 工号."""
    return (
        people_visible_to(user)
        .active()
        .filter(pk__in=PostAssignment.objects.current().filter(post_id=post_id).values("person_id"))
        .order_by("staff_no")
    )


def post_holders(*, user, post: Post) -> QuerySet[PostAssignment]:
    """The visible people who held `post`, current holders first, then latest start first."""
    return (
        assignments_visible_to(user)
        .filter(post=post)
        .select_related("person__department")
        .order_by(F("end").desc(nulls_first=True), "-start", "pk")
    )


def leader_list(*, user, filters: dict | None = None) -> QuerySet[Person]:
    """Leaders (people flagged as leader, or in charge of a visible department) with their
    current divisions prefetched as `current_divisions`."""
    filters = filters or {}
    divisions = divisions_visible_to(user)
    qs = Person.objects.filter(
        Q(pk__in=divisions.in_force().values("leader_id"))
        | Q(pk__in=people_visible_to(user).filter(is_leader=True).values("pk"))
    ).active()
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(staff_no__icontains=q)
            | Q(pk__in=divisions.filter(duties__icontains=q).values("leader_id"))
        )
    return qs.select_related("organisation").prefetch_related(
        Prefetch(
            "divisions",
            queryset=divisions.in_force()
            .select_related("department")
            .order_by("since", "department__order", "pk"),
            to_attr="current_divisions",
        )
    )


def person_divisions(*, user, person: Person) -> QuerySet[LeaderDivision]:
    return (
        divisions_visible_to(user)
        .filter(leader=person)
        .select_related("department__organisation")
        .order_by(F("until").desc(nulls_first=True), "-since", "pk")
    )


def department_divisions(*, user, department: Department) -> QuerySet[LeaderDivision]:
    return (
        divisions_visible_to(user).in_force().filter(department=department).select_related("leader")
    )


def department_staff(*, user, department: Department) -> QuerySet[Person]:
    return people_visible_to(user).active().filter(department=department)


def rotation_overdue(user, *, today: dt.date | None = None) -> QuerySet[PostAssignment]:
    """Open assignments of active, visible people to key or sensitive posts held longer than
    the post's rotation period (`rotation_years`), in one query.

    "Longer than" compares calendar dates: a post taken on 2020-03-01 with a 3-year period is
    overdue from 2023-03-02.
    """
    return rotations_overdue_among(assignments_visible_to(user), today=today).select_related(
        "person__organisation", "person__department", "post__department"
    )


def rotations_overdue_among(assignments, *, today: dt.date | None = None):
    """`rotation_overdue`'s rule over any assignments (the warning checker passes them all)."""
    today = today or timezone.localdate()
    due_year = ExtractYear("start") + F("post__rotation_years")
    start_md = ExtractMonth("start") * 100 + ExtractDay("start")
    return (
        assignments.current()
        .filter(person__active=True, post__rotation_years__isnull=False)
        .filter(Q(post__is_key=True) | Q(post__is_sensitive=True))
        .alias(due_year=due_year, start_md=start_md)
        .filter(
            Q(due_year__lt=today.year)
            | Q(due_year=today.year, start_md__lt=today.month * 100 + today.day)
        )
    )


def rotation_due_date(start: dt.date, years: int) -> dt.date:
    """The anniversary ending a rotation period (29 February falls back to 28)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


# The person picker ----------------------------------------------------------------------------

SEARCH_LIMIT = 20


def person_search(
    *,
    user,
    term: str,
    organisation_id: int | None = None,
    department_id: int | None = None,
    without_account: bool = False,
    limit: int = SEARCH_LIMIT,
) -> list[Person]:
    """The active people `user` sees whose name contains `term`, whose 工号 contains it, or
    whose name's pinyin initials start with it (张三: "zs"); at most `limit`, in one query.
    Narrowed to an organisation, a department, or the people without an account, as the form
    that asks offers. An empty term: the first people in 工号 order."""
    qs = people_visible_to(user).active()
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if without_account:
        qs = qs.filter(user__isnull=True)
    term = search_term(term, 40)
    if term:
        q = Q(name__icontains=term) | Q(staff_no__icontains=term)
        letters = term.replace(" ", "").lower()
        if letters.isascii() and letters.isalnum():
            q |= Q(name_initials__startswith=letters) | Q(name_initials__contains=f" {letters}")
        qs = qs.filter(q)
    return list(
        qs.select_related("organisation", "department").order_by(
            "organisation__path", "staff_no", "pk"
        )[:limit]
    )
