"""The roles of the platform. Each is granted on an organisation node (accounts.RoleGrant).

Beside them stands the platform administrator (平台管理员): a user with Django's
`is_superuser` flag, created with `lianfang createsuperuser`, of no organisation. It is never
granted on a node; the account reports it among its roles (`User.roles`), so views declare
it like any role: `@role_required(PLATFORM_ADMIN)`. Only the platform administrator changes
what is shared by the whole installation (the platform-wide module switch, the columns and
the global generic phrases); each organisation's administrators own its settings.

Separation of duties (三员分立, as 等级保护 2.0 expects): the system administrator (keeps
accounts, the organisation tree, modules), the security administrator (grants and revokes
roles) and the audit reviewer (reads the audit log) are distinct roles, and one account
never holds two of them, on any node (`duties_conflict`, checked by `accounts.services`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    INTEGRITY = "integrity", _("纪检监察")
    LEADER = "leader", _("领导")
    DEPT_HEAD = "dept_head", _("部门负责人")
    STAFF = "staff", _("职工")
    SECURITY = "security", _("安全管理员")
    AUDITOR = "auditor", _("安全审计员")


PLATFORM_ADMIN = "platform"
PLATFORM_ADMIN_LABEL = _("平台管理员")

Role.ALL = tuple(Role.values)
# Roles that must use TOTP and that see their whole organisation subtree.
Role.PRIVILEGED = (Role.ADMIN.value, Role.INTEGRITY.value)
# The three duties (三员) no account may combine.
Role.DUTIES = (Role.ADMIN.value, Role.SECURITY.value, Role.AUDITOR.value)
# Who reads an organisation's audit log: the integrity office and the audit reviewer.
Role.AUDIT_READERS = (Role.INTEGRITY.value, Role.AUDITOR.value)
# Who must use TOTP: the privileged roles and the other two duties.
Role.TOTP = (*Role.PRIVILEGED, Role.SECURITY.value, Role.AUDITOR.value)
# Every account that may sign in, the platform administrator's included: the pages of one's
# own account (password, authenticator) and the home page.
Role.EVERYONE = (*Role.ALL, PLATFORM_ADMIN)


def is_platform_admin(user) -> bool:
    """Whether `user` is the platform administrator (an active superuser)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_superuser", False)
    )


def duties_conflict(held, role: str) -> str | None:
    """The duty among `held` (role codes an account already holds, on any node) that `role`
    may not be combined with, or None: 系统管理员, 安全管理员 and 安全审计员 exclude each other."""
    if role not in Role.DUTIES:
        return None
    return next((r for r in Role.DUTIES if r != role and r in set(held)), None)
