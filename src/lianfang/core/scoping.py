"""Scope: what a user may see, by role and organisation node.

`scope_of(user)` gives the user's reach once per request, as computed by the resolver the
organisation app registers (core imports no domain app). Each app's selectors turn it into
a queryset with their model's `visible_to(user)`, registered here so that tests and generic
pages can ask `visible_to(user, Model)`.
"""

import datetime as dt
import os
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone

_REGISTRY = {}


@dataclass(frozen=True)
class Reach:
    """Where grants let a user write: whole subtrees (a grant with 下级单位可写) and single
    nodes (a grant without it writes its own node; the units below are read-only)."""

    subtrees: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.subtrees or self.nodes)

    def covers(self, path: str) -> bool:
        """Whether the organisation at `path` may be written."""
        return path in self.nodes or any(path.startswith(p) for p in self.subtrees)

    def q(self, path_field: str) -> Q:
        """Q matching rows whose organisation (at `path_field`) may be written."""
        q = Q(pk__in=[])
        for path in self.subtrees:
            q |= Q(**{f"{path_field}__startswith": path})
        if self.nodes:
            q |= Q(**{f"{path_field}__in": self.nodes})
        return q


def write_reach(grants, roles) -> Reach:
    """THE rule of where a grant writes (one rule for every app): a grant of one of `roles`
    on a node writes that node (its departments, posts, people, risk points …); the units
    below it only when the grant says so (`subordinates_writable`, 下级单位可写). A higher
    level (a commission) thus supervises its units read-only unless granted more.

    `grants` are `accounts.RoleGrant`s (read by attribute: core imports no app)."""
    subtrees, nodes = set(), set()
    for grant in grants:
        if grant.role not in roles:
            continue
        path = grant.organisation.path
        (subtrees if getattr(grant, "subordinates_writable", False) else nodes).add(path)
    subtrees = _collapse(subtrees)
    nodes = tuple(sorted(p for p in nodes if not any(p.startswith(s) for s in subtrees)))
    return Reach(subtrees=subtrees, nodes=nodes)


def _collapse(paths) -> tuple[str, ...]:
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


@dataclass(frozen=True)
class Scope:
    """A user's reach. Privileged roles see subtrees; others see named departments or themselves.
    `write` is where the privileged roles may write (`write_reach`): their grants' own nodes,
    and the subtrees of the grants that make units below writable."""

    subtree_paths: tuple[str, ...] = ()
    org_ids: frozenset[int] = field(default_factory=frozenset)
    led_department_ids: frozenset[int] = field(default_factory=frozenset)
    headed_department_ids: frozenset[int] = field(default_factory=frozenset)
    own_department_ids: frozenset[int] = field(default_factory=frozenset)
    person_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    write: Reach = field(default_factory=Reach)

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


_resolve = None


def resolver(fn):
    """Register `fn(user, today) -> Scope` as the computation of a signed-in user's reach.

    The organisation app registers it (`lianfang.org.scoping`): core knows what a scope is,
    not the models it is read from. One resolver per process; the last registered wins.
    """
    global _resolve
    _resolve = fn
    return fn


def scope_of(user, today: dt.date | None = None) -> Scope:
    """The user's reach, computed once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, "_lianfang_scope", None)
    if cached is not None and today is None:
        return cached
    if _resolve is None:
        raise ImproperlyConfigured(
            "No scope resolver is registered (the organisation app registers one when ready)."
        )
    scope = _resolve(user, today or timezone.localdate())
    user._lianfang_scope = scope
    return scope


def acting_organisation(user, roles=None):
    """The organisation node `user` acts for, where an act of theirs about no organisation
    (an export of their view, a platform setting) is recorded: the nearest node common to
    their grants of `roles` (every role when None), else the account's own node. None for an
    account tied to no organisation, or whose grants lie in separate trees (a superuser made
    on the command line): its acts are platform events (see `core.selectors`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    nodes = {
        g.organisation_id: g.organisation
        for g in getattr(user, "active_grants", ())
        if roles is None or g.role in roles
    }
    if not nodes:
        return getattr(user, "organisation", None)
    if len(nodes) == 1:
        return next(iter(nodes.values()))
    common = os.path.commonprefix([node.path for node in nodes.values()])
    common = common[: common.rfind("/") + 1]  # a whole path: "/1/2" of "/1/2/" and "/1/23/"
    for node in nodes.values():
        if node.path == common:
            return node
    if common.count("/") < 2:  # no node above them all
        return None
    model = type(next(iter(nodes.values())))
    return model._default_manager.filter(path=common).first()


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
