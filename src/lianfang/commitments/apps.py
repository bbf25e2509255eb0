from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavItem
from lianfang.core.roles import Role


class CommitmentsConfig(AppConfig):
    """Commitments (承诺表): personal and departmental forms generated from the signer's filed risk
    points and measures, reviewed, signed (a hash in the audit chain), due yearly and at a post
    change, and their year-end fulfilment (履诺)."""

    name = "lianfang.commitments"
    label = "commitments"
    verbose_name = "廉政承诺"

    platform_modules = (
        ModuleSpec("commitments", "廉政承诺", "Commitments", "pen", 34, urls=("commitments",)),
    )
    nav_items = (
        NavItem(
            "commitments",
            _("我的承诺"),
            "commitments:mine",
            "pen",
            Role.ALL,
            group="campaigns",
            order=40,
        ),
        NavItem(
            "commitments",
            _("承诺审核"),
            "commitments:queue",
            "pen-fill",
            (Role.LEADER, Role.INTEGRITY),
            group="campaigns",
            order=41,
        ),
        NavItem(
            "commitments",
            _("承诺签署情况"),
            "commitments:overview",
            "list-check",
            (Role.INTEGRITY, Role.ADMIN),
            group="campaigns",
            order=42,
        ),
    )

    def ready(self):
        from . import audit_labels, documents, jobs, org_settings, selectors  # noqa: F401
