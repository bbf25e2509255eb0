from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavGroup, NavItem
from lianfang.core.roles import Role


def _entry(label, url_name, icon, roles, order):
    return NavItem("complaints", label, url_name, icon, roles, group="complaints", order=order)


class ComplaintsConfig(AppConfig):
    """Complaints and reports (投诉举报): intake from the public and staff, receipts, handling
    on working-day deadlines, recusal, encryption at rest."""

    name = "lianfang.complaints"
    label = "complaints"
    verbose_name = "投诉举报"

    platform_modules = (
        ModuleSpec("complaints", "投诉举报", "Complaints", "megaphone", 60, urls=("complaints",)),
    )
    nav_groups = (NavGroup("complaints", _("投诉举报"), 70),)
    nav_items = (
        _entry(_("我要举报"), "complaints:staff_new", "pencil-square", Role.ALL, 10),
        _entry(_("投诉举报办理"), "complaints:list", "megaphone", Role.ALL, 20),
        _entry(_("本周到期"), "complaints:due", "alarm", Role.ALL, 30),
        _entry(
            _("身份信息审批"), "complaints:identity_requests", "person-lock", (Role.INTEGRITY,), 40
        ),
        _entry(_("办理人员"), "complaints:officers", "person-gear", (Role.SECURITY,), 50),
    )

    def ready(self):
        from . import (  # noqa: F401
            notifications,
            org_settings,
            panels,
            portal_columns,
            reminders,
            selectors,
            tasks,
        )
