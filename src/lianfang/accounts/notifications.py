"""Who holds a role on an organisation, for `core.notifications.RoleOn` recipients."""

from lianfang.core import notifications

from .models import RoleGrant


@notifications.role_resolver
def role_holders(role, organisation, department=None) -> list[int]:
    """The active accounts granted `role` on `organisation` (a department head: on
    `department`, when given)."""
    grants = RoleGrant.objects.filter(role=role, organisation=organisation, user__is_active=True)
    if department is not None:
        grants = grants.filter(department=department)
    return list(grants.values_list("user_id", flat=True).distinct())
