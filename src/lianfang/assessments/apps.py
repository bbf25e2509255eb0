from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavItem
from lianfang.core.roles import Role

OFFICE = (Role.INTEGRITY,)
# the assessed (staff, heads), leaders (亮牌) and the office
READERS = (Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD, Role.STAFF)
# the list and the statistics: the office (all in its units), leaders (亮牌 only)
WATCHERS = (Role.INTEGRITY, Role.LEADER)


def _entry(label, url_name, icon, roles, order):
    return NavItem("assessments", label, url_name, icon, roles, group="campaigns", order=order)


class AssessmentsConfig(AppConfig):
    """Assessments (评估): conclusions 提示/预警/亮牌 on a person or department with their evidence,
    the 评估通知书, rectification (整改) and the escalation after two failed rectifications."""

    name = "lianfang.assessments"
    label = "assessments"
    verbose_name = "廉政评估"

    platform_modules = (
        ModuleSpec(
            "assessments", "廉政评估", "Assessments", "clipboard-pulse", 36, urls=("assessments",)
        ),
    )
    nav_items = (
        _entry(_("廉政评估"), "assessments:list", "clipboard-pulse", WATCHERS, 60),
        _entry(_("我的评估"), "assessments:mine", "envelope-exclamation", READERS, 61),
        _entry(_("评估统计"), "assessments:stats", "bar-chart", WATCHERS, 62),
    )

    def ready(self):
        from . import (  # noqa: F401
            audit_labels,
            notification_kinds,
            panels,
            reminders,
            selectors,
            warning_rules,
            word_forms,
        )
