"""The organisation side of scoping: how a user's reach is read from the organisation data.

`core.scoping.scope_of(user)` calls `user_scope`, registered as its resolver when this app is
ready. The two subqueries below serve the selectors of apps whose large tables are scoped by
organisation (the risk register).
"""

import datetime as dt

from lianfang.core.roles import Role
from lianfang.core.scoping import Scope, resolver, scope_of, write_reach

from .models import LeaderDivision, Organisation, Person, PostAssignment


def _collapse(paths):
    """Drop paths already covered by an ancestor path."""
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


@resolver
def user_scope(user, today: dt.date) -> Scope:
    """Privileged roles reach their organisations' subtrees; a leader the departments in
    charge on `today`; a department head the departments headed; everyone their own person
    record and department."""
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
            LeaderDivision.objects.in_force(today)
            .filter(leader=person)
            .values_list("department_id", flat=True)
        )
    own_departments = (
        frozenset([person.department_id]) if person and person.department_id else frozenset()
    )
    return Scope(
        subtree_paths=subtree,
        org_ids=org_ids,
        led_department_ids=led,
        headed_department_ids=headed,
        own_department_ids=own_departments,
        person_id=person.pk if person else None,
        roles=roles,
        write=write_reach(grants, Role.PRIVILEGED),
    )


def subtree_organisations(user):
    """The organisations in the user's subtrees, as a subquery for `organisation_id__in`.

    Large tables filter by their own organisation_id against this instead of joining the
    organisation table for a path match, which lets the database use their own indexes.
    """
    scope = scope_of(user)
    return Organisation.objects.filter(scope.subtree_q("path")).values("pk")


def own_posts_outside_subtrees(user) -> list[int]:
    """The posts the user currently holds in organisations outside their subtrees (an
    officer who also holds a post elsewhere), once per request.

    A scope filter adds these by id rather than OR-ing in every post the user holds: an
    officer's own posts usually lie in the subtree anyway, and the OR with a subquery stops
    the database from using the organisation index (bench/register.py).
    """
    scope = scope_of(user)
    if not scope.person_id:
        return []
    cached = getattr(user, "_lianfang_outside_posts", None)
    if cached is not None:
        return cached
    posts = list(
        PostAssignment.objects.current()
        .filter(person_id=scope.person_id)
        .exclude(scope.subtree_q("post__organisation__path"))
        .values_list("post_id", flat=True)
    )
    user._lianfang_outside_posts = posts
    return posts
