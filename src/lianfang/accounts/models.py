from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from lianfang.core.roles import PLATFORM_ADMIN, Role, is_platform_admin


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    # The node an account belongs to, so an administrator keeps seeing an account that has
    # no role or linked person yet.
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    # Set when someone else chose the password (bulk creation's initial password, an
    # administrator's reset): accounts.middleware.PasswordChangeRequiredMiddleware keeps the
    # user on the password page until they choose their own.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    @cached_property
    def active_grants(self) -> list["RoleGrant"]:
        if not self.is_authenticated or not self.is_active:
            return []
        return list(self.role_grants.select_related("organisation", "department"))

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles granted on nodes, and PLATFORM_ADMIN for the platform administrator."""
        roles = frozenset(g.role for g in self.active_grants)
        return (roles | {PLATFORM_ADMIN}) if is_platform_admin(self) else roles

    def has_any_role(self, roles) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_privileged(self) -> bool:
        """Must use TOTP: administrators, the integrity office, the security administrator,
        the audit reviewer, the platform administrator."""
        return self.has_any_role((*Role.TOTP, PLATFORM_ADMIN))


class RoleGrant(models.Model):
    """A role granted to a user on an organisation node (a department head: on a department)."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("科室"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    # Write access to the units below the node (core.scoping.write_reach): without it a grant
    # writes its own node only and supervises the units below read-only.
    subordinates_writable = models.BooleanField(
        _("下级单位可写"),
        default=False,
        help_text=_("授予后可修改下级单位的数据；默认只能查看下级单位。"),
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organisation", "department"],
                name="accounts_rolegrant_unique",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.DEPT_HEAD) | Q(department__isnull=False),
                name="accounts_rolegrant_dept_head_has_department",
            ),
        ]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} @ {self.organisation}"


class PasswordHandover(models.Model):
    """The hand-over list (初始密码交接单) of one bulk creation of accounts: each new account's
    username and one-time initial password, for the administrator who created them to print
    or download and hand over.

    The list is kept encrypted (Fernet, the platform data key: accounts.handover) and only
    until `expires_at` (24 hours), then purged; only its creator may open it. The passwords
    are nowhere else: the accounts keep their hashes, the audit events neither.
    """

    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("名称"), max_length=200)
    accounts = models.PositiveIntegerField(_("账号数"))
    sealed = models.TextField(_("加密内容"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("初始密码交接单")
        verbose_name_plural = _("初始密码交接单")

    def __str__(self):
        return self.title
