"""Reads of user accounts. Administrators and security administrators see the accounts of
their subtrees; others, themselves.

Who writes where (`core.scoping.write_reach`): a system administrator manages the accounts
(`account_reach`) and a security administrator grants the roles (`grant_reach`) of the nodes
of their grants, and of the units below those granted 下级单位可写.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from lianfang.core.roles import Role
from lianfang.core.scoping import Reach, register, scope_of, write_reach
from lianfang.org.models import Department, Organisation, Person

from .models import PasswordHandover, RoleGrant, User


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def admin_paths(user) -> tuple[str, ...]:
    """The organisation subtrees whose accounts `user` sees (their ADMIN and SECURITY
    grants), ancestors only."""
    if not _signed_in(user):
        return ()
    roles = (Role.ADMIN, Role.SECURITY)
    return tuple(sorted({g.organisation.path for g in user.active_grants if g.role in roles}))


def account_reach(user) -> Reach:
    """Where `user` manages accounts (create, edit, deactivate, reset): as a system
    administrator, by the one rule of where a grant writes."""
    return write_reach(user.active_grants, (Role.ADMIN,)) if _signed_in(user) else Reach()


def grant_reach(user) -> Reach:
    """Where `user` grants and revokes roles: as a security administrator (安全管理员)."""
    return write_reach(user.active_grants, (Role.SECURITY,)) if _signed_in(user) else Reach()


def _paths_q(paths, path_field: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def path_within(path: str, paths) -> bool:
    return any(path.startswith(p) for p in paths)


@register(User)
def users_visible_to(user) -> QuerySet[User]:
    """Yourself; an administrator also every account that belongs to, holds a role in, or is
    linked to a person of their subtree."""
    scope = scope_of(user)
    if scope.is_empty:
        return User.objects.none()
    q = Q(pk=user.pk)
    paths = admin_paths(user)
    if paths:
        q |= _paths_q(paths, "organisation__path")
        q |= Q(
            pk__in=RoleGrant.objects.filter(_paths_q(paths, "organisation__path")).values("user_id")
        )
        q |= Q(
            pk__in=Person.objects.filter(
                _paths_q(paths, "organisation__path"), user__isnull=False
            ).values("user_id")
        )
    return User.objects.filter(q)


@register(RoleGrant)
def role_grants_visible_to(user) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(user__in=users_visible_to(user).values("pk"))


def user_list(*, user, filters: dict) -> QuerySet[User]:
    """The users page: visible accounts with their roles, filtered by search, role and status."""
    qs = (
        users_visible_to(user)
        .select_related("organisation", "person")
        .prefetch_related(
            Prefetch(
                "role_grants",
                queryset=RoleGrant.objects.select_related("organisation", "department").order_by(
                    "role", "organisation__path"
                ),
            )
        )
    )
    term = (filters.get("q") or "").strip()
    if term:
        qs = qs.filter(
            Q(username__icontains=term)
            | Q(display_name__icontains=term)
            | Q(person__name__icontains=term)
            | Q(person__staff_no=term)
        )
    if filters.get("role"):
        qs = qs.filter(pk__in=RoleGrant.objects.filter(role=filters["role"]).values("user_id"))
    if filters.get("status") == "active":
        qs = qs.filter(is_active=True)
    elif filters.get("status") == "inactive":
        qs = qs.filter(is_active=False)
    return qs


def users_for_detail(user) -> QuerySet[User]:
    """The accounts a detail page may show (fetch one with get_object_or_404: 404 outside)."""
    return users_visible_to(user).select_related("organisation", "person__organisation")


def user_grants(*, user, target) -> list[RoleGrant]:
    return list(
        role_grants_visible_to(user)
        .filter(user=target)
        .select_related("organisation", "department")
        .order_by("role", "organisation__path")
    )


def organisations_administered_by(user) -> QuerySet[Organisation]:
    """Where the user's accounts may belong (`account_reach`)."""
    return Organisation.objects.filter(account_reach(user).q("path"))


def organisations_grantable_by(user) -> QuerySet[Organisation]:
    """Where the user may grant roles (`grant_reach`)."""
    return Organisation.objects.filter(grant_reach(user).q("path"))


def departments_administered_by(user) -> QuerySet[Department]:
    """Departments of the organisations where the user manages accounts (`account_reach`)."""
    return Department.objects.filter(account_reach(user).q("organisation__path")).select_related(
        "organisation"
    )


def departments_grantable_by(user) -> QuerySet[Department]:
    return Department.objects.filter(grant_reach(user).q("organisation__path")).select_related(
        "organisation"
    )


def people_linkable_by(user, *, current: User | None = None) -> QuerySet[Person]:
    """People of the administrator's subtree without an account (or linked to `current`)."""
    free = Q(user__isnull=True)
    if current is not None and current.pk:
        free |= Q(user=current)
    return (
        Person.objects.filter(account_reach(user).q("organisation__path"))
        .filter(free)
        .select_related("organisation", "department")
    )


def handovers_of(user) -> QuerySet[PasswordHandover]:
    """The hand-over lists `user` made that are still open (24 hours): nobody else's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PasswordHandover.objects.none()
    return PasswordHandover.objects.filter(
        created_by=user, expires_at__gt=timezone.now()
    ).select_related("organisation")
