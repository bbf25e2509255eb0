"""The roles of the platform. Each is granted on an organisation node (accounts.RoleGrant)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    INTEGRITY = "integrity", _("纪检监察")
    LEADER = "leader", _("领导")
    DEPT_HEAD = "dept_head", _("部门负责人")
    STAFF = "staff", _("职工")


Role.ALL = tuple(Role.values)
# Roles that must use TOTP and that see their whole organisation subtree.
Role.PRIVILEGED = (Role.ADMIN.value, Role.INTEGRITY.value)
