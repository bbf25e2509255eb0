from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavGroup, NavItem
from lianfang.core.roles import Role


class CampaignsConfig(AppConfig):
    """Investigation campaigns (风险排查): a year's campaign with its scope, phases and bottom-up
    order, a task per person and department in scope, progress, reminders and the closing
    summary; filings go through the register's review chain."""

    name = "lianfang.campaigns"
    label = "campaigns"
    verbose_name = "风险排查"

    platform_modules = (
        ModuleSpec(
            "campaigns",
            "风险排查",
            "Investigation campaigns",
            "clipboard-check",
            32,
            urls=("campaigns",),
        ),
    )
    # the group the three modules of the yearly method (排查, 承诺, 评估) put their pages in
    nav_groups = (NavGroup("campaigns", _("排查与评估"), 35),)
    nav_items = (
        NavItem(
            "campaigns",
            _("风险排查"),
            "campaigns:list",
            "clipboard-check",
            (Role.ADMIN, Role.INTEGRITY),
            group="campaigns",
            order=10,
        ),
        # everyone's own tasks (a person has one per post held once a campaign is open)
        NavItem(
            "campaigns",
            _("我的排查任务"),
            "campaigns:mine",
            "ui-checks",
            Role.ALL,
            group="campaigns",
            order=20,
        ),
    )

    def ready(self):
        from . import audit_labels, hooks, jobs, selectors, tasks, word_forms  # noqa: F401
