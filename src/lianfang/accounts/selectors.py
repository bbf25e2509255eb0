"""Reads of user accounts. Administrators see the accounts granted in their subtree."""

from django.db.models import Q, QuerySet

from lianfang.core.roles import Role
from lianfang.core.scoping import register, scope_of

from .models import RoleGrant, User


@register(User)
def users_visible_to(user) -> QuerySet[User]:
    scope = scope_of(user)
    if scope.is_empty:
        return User.objects.none()
    q = Q(pk=user.pk)
    if Role.ADMIN in scope.roles:
        admin_paths = [g.organisation.path for g in user.active_grants if g.role == Role.ADMIN]
        for path in admin_paths:
            q |= Q(role_grants__organisation__path__startswith=path)
            q |= Q(person__organisation__path__startswith=path)
    return User.objects.filter(q).distinct()


@register(RoleGrant)
def role_grants_visible_to(user) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(user__in=users_visible_to(user).values("pk"))
