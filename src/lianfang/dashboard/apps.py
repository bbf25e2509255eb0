from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavGroup, NavItem
from lianfang.core.roles import Role


class DashboardConfig(AppConfig):
    name = "lianfang.dashboard"
    label = "dashboard"
    verbose_name = "工作台"

    platform_modules = (
        ModuleSpec(
            "dashboard",
            "工作台",
            "Dashboard",
            "speedometer2",
            10,
            urls=("dashboard",),
            always_on=True,
        ),
    )
    nav_groups = (NavGroup("dashboard", _("工作台"), 10),)
    nav_items = (
        NavItem(
            "dashboard", _("首页"), "dashboard:home", "speedometer2", Role.ALL, group="dashboard"
        ),
    )

    def ready(self):
        from . import org_settings  # noqa: F401  (registers the home pages' settings)
