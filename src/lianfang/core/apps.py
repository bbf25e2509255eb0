from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .navigation import ModuleSpec, NavGroup, NavItem
from .roles import PLATFORM_ADMIN, Role


class CoreConfig(AppConfig):
    name = "lianfang.core"
    label = "core"
    verbose_name = "核心"

    platform_modules = (
        ModuleSpec(
            "audit",
            "审计日志",
            "Audit log",
            "shield-check",
            80,
            urls=("core:audit_list", "core:audit_detail", "core:audit_verify"),
            # Nobody switches the audit log off (三员分立: an administrator could otherwise
            # hide it from the integrity office and the audit reviewer). A switch left off
            # before this rule is ignored.
            always_on=True,
        ),
        ModuleSpec(
            "warnings",
            "预警",
            "Warnings",
            "bell",
            85,
            urls=("core:warning_list", "core:warning_detail", "core:warning_transition"),
        ),
        ModuleSpec("maintenance", "系统维护", "System maintenance", "gear", 90, always_on=True),
    )
    nav_groups = (
        NavGroup("supervision", _("监督"), 80),
        NavGroup("maintenance", _("系统维护"), 90),
    )
    nav_items = (
        NavItem(
            "audit",
            _("审计日志"),
            "core:audit_list",
            "shield-check",
            Role.AUDIT_READERS,
            group="supervision",
        ),
        NavItem(
            "warnings",
            _("预警"),
            "core:warning_list",
            "bell",
            (Role.INTEGRITY,),
            group="supervision",
            order=5,
        ),
        NavItem(
            "audit",
            _("公开发布"),
            "core:publication_index",
            "megaphone",
            (Role.INTEGRITY,),
            group="supervision",
            order=20,
        ),
        NavItem(
            "maintenance",
            _("模块与栏目"),
            "core:module_list",
            "gear",
            (PLATFORM_ADMIN,),
            group="maintenance",
            order=10,
        ),
        NavItem(
            "maintenance",
            _("单位模块"),
            "core:organisation_modules",
            "toggles",
            (Role.ADMIN,),
            group="maintenance",
            order=15,
        ),
        NavItem(
            "maintenance",
            _("单位参数"),
            "core:org_settings",
            "sliders",
            (Role.ADMIN, Role.INTEGRITY),
            group="maintenance",
            order=20,
        ),
        NavItem(
            "maintenance",
            _("Word 模板"),
            "core:word_templates",
            "file-earmark-word",
            (Role.ADMIN,),
            group="maintenance",
            order=25,
        ),
        NavItem(
            "maintenance",
            _("外发记录"),
            "core:delivery_list",
            "send",
            (PLATFORM_ADMIN, Role.ADMIN),
            group="maintenance",
            order=40,
        ),
        NavItem(
            "maintenance",
            _("工作日历"),
            "core:workday_calendar",
            "calendar-week",
            (PLATFORM_ADMIN, Role.ADMIN),
            group="maintenance",
            order=30,
        ),
    )

    def ready(self):
        # registers visible_to selectors, job handlers, the periodic tasks, notifications'
        # kinds and selectors, the trusted-proxy check, the warnings' selector, the
        # working-day calendar's checks and its selector
        from . import (  # noqa: F401
            client_address,
            jobs,
            notification_selectors,
            notifications,
            selectors,
            tasks,
            warning_notifications,
            warning_selectors,
            workday_selectors,
            workdays,
        )

        post_migrate.connect(_sync_modules, sender=self, dispatch_uid="lianfang.core.modules")
        _start_demo_worker()


def _start_demo_worker():
    """The development server in thread mode (`make demo`) runs the task worker and the
    schedule in a thread of its own from the start (in the reloader's child only)."""
    import os
    import sys

    from django.conf import settings

    if getattr(settings, "LIANFANG_JOBS", "worker") != "thread" or "runserver" not in sys.argv:
        return
    if "--noreload" in sys.argv or os.environ.get("RUN_MAIN") == "true":
        from . import jobs

        jobs.start_worker_thread()


def _sync_modules(sender, using, apps=None, **kwargs):
    """A Module row for each installed app's module, after every migrate (and every flush,
    which empties the tables and re-sends the signal)."""
    from .navigation import declarations
    from .services import modules_sync

    modules_sync(specs=declarations().modules, using=using, apps=apps)
