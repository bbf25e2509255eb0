"""Reads of organisations, departments, posts and people. Each starts from `visible_to`."""

from django.db.models import Q, QuerySet

from lianfang.core.scoping import register, scope_of

from .models import Department, LeaderDivision, Organisation, Person, Post, PostAssignment


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
        PostAssignment.objects.filter(person_id__in=list(person_ids), end__isnull=True)
        .select_related("post")
        .order_by("person_id", "-start")
    )
    result = {}
    for row in rows:
        result.setdefault(row.person_id, row)
    return result
