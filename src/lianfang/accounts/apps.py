from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import NavItem
from lianfang.core.roles import Role


class AccountsConfig(AppConfig):
    name = "lianfang.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    # Part of core's 系统维护, after 模块与栏目.
    nav_items = (
        NavItem(
            "maintenance",
            _("用户与角色"),
            "accounts:user_list",
            "person-gear",
            (Role.ADMIN, Role.SECURITY),
            group="maintenance",
            order=20,
        ),
    )

    def ready(self):
        # registers visible_to selectors and the role holders of notifications
        from . import notifications, selectors, throttle  # noqa: F401

        throttle.connect()
