from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavGroup, NavItem
from lianfang.core.roles import Role

# Who reads results: the integrity office and leaders (all departments), administrators (to
# print the codes and posters), department heads (their own department).
READERS = (Role.ADMIN, Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD)
OFFICE = (Role.INTEGRITY,)


def _entry(label, url_name, icon, roles, order):
    return NavItem("satisfaction", label, url_name, icon, roles, group="satisfaction", order=order)


class SatisfactionConfig(AppConfig):
    """Patient satisfaction (患者满意度): questionnaires as data, tokened answers, results per
    department and person."""

    name = "lianfang.satisfaction"
    label = "satisfaction"
    verbose_name = "患者满意度"

    platform_modules = (
        ModuleSpec(
            "satisfaction",
            "患者满意度",
            "Patient satisfaction",
            "emoji-smile",
            65,
            urls=("satisfaction",),
        ),
    )
    nav_groups = (NavGroup("satisfaction", _("患者满意度"), 75),)
    nav_items = (
        _entry(_("满意度结果"), "satisfaction:results", "emoji-smile", READERS, 30),
        _entry(_("存疑评价"), "satisfaction:flagged", "flag", OFFICE, 31),
        _entry(
            _("满意度问卷"),
            "satisfaction:questionnaires",
            "ui-checks",
            (Role.ADMIN, Role.INTEGRITY),
            32,
        ),
    )

    def ready(self):
        from . import audit_labels, org_settings, panels, portal_columns, selectors  # noqa: F401
