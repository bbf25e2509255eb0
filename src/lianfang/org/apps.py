from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lianfang.core.navigation import ColumnSpec, ModuleSpec, NavGroup, NavItem
from lianfang.core.roles import Role


class OrgConfig(AppConfig):
    name = "lianfang.org"
    label = "org"
    verbose_name = "组织与人员"

    platform_modules = (
        ModuleSpec(
            "org",
            "组织与人员",
            "Organisation and people",
            "diagram-3",
            20,
            urls=("org",),
            columns=(
                ColumnSpec("power_catalogue", "权力清单", "Power catalogue", 10, public=True),
            ),
        ),
    )
    nav_groups = (
        NavGroup("org", _("组织与人员"), 20),
        # Risk prevention starts from the power catalogue; the apps above add their pages here.
        NavGroup("prevention", _("风险防控"), 30),
    )
    nav_items = (
        NavItem(
            "org",
            pgettext_lazy("plural", "单位"),
            "org:organisation_list",
            "diagram-3",
            Role.ALL,
            group="org",
            order=10,
        ),
        NavItem(
            "org",
            pgettext_lazy("plural", "科室"),
            "org:department_list",
            "building",
            Role.ALL,
            group="org",
            order=20,
        ),
        NavItem(
            "org",
            pgettext_lazy("plural", "岗位"),
            "org:post_list",
            "briefcase",
            Role.ALL,
            group="org",
            order=30,
        ),
        NavItem(
            "org",
            pgettext_lazy("plural", "人员"),
            "org:person_list",
            "people",
            Role.ALL,
            group="org",
            order=40,
        ),
        NavItem(
            "org",
            _("领导分管"),
            "org:division_list",
            "person-badge",
            Role.ALL,
            group="org",
            order=50,
        ),
        NavItem(
            "org",
            _("轮岗提醒"),
            "org:rotation_list",
            "arrow-repeat",
            Role.PRIVILEGED,
            group="org",
            order=60,
        ),
        NavItem(
            "org",
            _("职权目录"),
            "org:power_list",
            "journal-text",
            Role.ALL,
            group="prevention",
            order=50,
        ),
    )

    def ready(self):
        from lianfang.core import audit

        # register with core
        from . import (  # noqa: F401
            attachments,
            power_selectors,
            publications,
            reminders,
            scoping,
            selectors,
        )
        from .models import Organisation

        audit.register_organisation_model(Organisation)
