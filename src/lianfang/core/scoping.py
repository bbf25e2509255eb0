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
