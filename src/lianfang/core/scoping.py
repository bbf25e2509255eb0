"""Scope: what a user may see, by role and organisation node.

`scope_of(user)` computes the user's reach once per request; each app's selectors turn it
into a queryset with their model's `visible_to(user)`, registered here so that tests and
generic pages can ask `visible_to(user, Model)`.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .roles import Role

_REGISTRY = {}


@dataclass(frozen=True)
class Scope:
    """A user's reach. Privileged roles see subtrees; others see named departments or themselves."""

    subtree_paths: tuple[str, ...] = ()
    org_ids: frozenset[int] = field(default_factory=frozenset)
    led_department_ids: frozenset[int] = field(default_factory=frozenset)
    headed_department_ids: frozenset[int] = field(default_factory=frozenset)
    own_department_ids: frozenset[int] = field(default_factory=frozenset)
    person_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def department_ids(self) -> frozenset[int]:
        """Departments seen by department: in charge of (leader) or headed."""
        return self.led_department_ids | self.headed_department_ids

    def subtree_q(self, path_field: str) -> Q:
        """Q matching rows whose organisation path lies in one of the user's subtrees."""
        q = Q(pk__in=[])
        for path in self.subtree_paths:
            q |= Q(**{f"{path_field}__startswith": path})
        return q

    @property
    def is_empty(self) -> bool:
        return not (self.subtree_paths or self.org_ids or self.person_id)


EMPTY = Scope()


def _collapse(paths):
    """Drop paths already covered by an ancestor path."""
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def scope_of(user, today: dt.date | None = None) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, "_lianfang_scope", None)
    if cached is not None and today is None:
        return cached
    from lianfang.org.models import LeaderDivision, Person

    today = today or timezone.localdate()
    grants = user.active_grants
    roles = frozenset(g.role for g in grants)
    subtree = _collapse(g.organisation.path for g in grants if g.role in Role.PRIVILEGED)
    org_ids = frozenset(g.organisation_id for g in grants)
    headed = frozenset(
        g.department_id for g in grants if g.role == Role.DEPT_HEAD and g.department_id
    )
    person = Person.objects.filter(user=user).only("id", "department_id").first()
    led = frozenset()
    if person is not None and Role.LEADER in roles:
        led = frozenset(
            LeaderDivision.objects.filter(leader=person, since__lte=today)
            .filter(Q(until__isnull=True) | Q(until__gte=today))
            .values_list("department_id", flat=True)
        )
    own_departments = (
        frozenset([person.department_id]) if person and person.department_id else frozenset()
    )
    scope = Scope(
        subtree_paths=subtree,
        org_ids=org_ids,
        led_department_ids=led,
        headed_department_ids=headed,
        own_department_ids=own_departments,
        person_id=person.pk if person else None,
        roles=roles,
    )
    user._lianfang_scope = scope
    return scope


def subtree_organisations(user):
    """The organisations in the user's subtrees, as a subquery for `organisation_id__in`.

    Large tables filter by their own organisation_id against this instead of joining the
    organisation table for a path match, which lets the database use their own indexes.
    """
    from lianfang.org.models import Organisation

    scope = scope_of(user)
    return Organisation.objects.filter(scope.subtree_q("path")).values("pk")


def own_posts_outside_subtrees(user) -> list[int]:
    """The posts the user currently holds in organisations outside their subtrees (an
    officer who also holds a post elsewhere), once per request.

    A scope filter adds these by id rather than OR-ing in every post the user holds: an
    officer's own posts usually lie in the subtree anyway, and the OR with a subquery stops
    the database from using the organisation index (bench/register.py).
    """
    from lianfang.org.models import PostAssignment

    scope = scope_of(user)
    if not scope.person_id:
        return []
    cached = getattr(user, "_lianfang_outside_posts", None)
    if cached is not None:
        return cached
    inside = Q(pk__in=[])
    for path in scope.subtree_paths:
        inside |= Q(post__organisation__path__startswith=path)
    posts = list(
        PostAssignment.objects.filter(person_id=scope.person_id, end__isnull=True)
        .exclude(inside)
        .values_list("post_id", flat=True)
    )
    user._lianfang_outside_posts = posts
    return posts


def register(model):
    """Register `fn(user) -> QuerySet` as `model`'s visible_to selector."""

    def decorator(fn):
        _REGISTRY[model] = fn
        return fn

    return decorator


def visible_to(user, model):
    from django.apps import apps

    apps.get_app_configs()  # registries fill in as selectors modules import
    return _REGISTRY[model](user)


def registered_models():
    return list(_REGISTRY)
