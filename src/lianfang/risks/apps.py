from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ColumnSpec, ModuleSpec, NavItem
from lianfang.core.roles import PLATFORM_ADMIN, Role

OFFICERS = (Role.ADMIN, Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD)


# Who may wait in a review chain's level (部门负责人, 分管领导, 纪检监察): their 待审 list.
REVIEWERS = (Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD)


def _entry(label, url_name, icon, roles, order, badge=""):
    return NavItem(
        "risks", label, url_name, icon, roles, group="prevention", order=order, badge=badge
    )


class RisksConfig(AppConfig):
    name = "lianfang.risks"
    label = "risks"
    verbose_name = "风险防控"

    platform_modules = (
        ModuleSpec(
            "risks",
            "风险防控",
            "Risk register",
            "exclamation-diamond",
            30,
            urls=("risks",),
            columns=(
                ColumnSpec("risk_points", "廉政风险点", "Integrity risk points", 10, public=True),
            ),
        ),
    )
    # In org's 风险防控 group, around its power catalogue (order 50).
    nav_items = (
        _entry(_("我的风险点"), "risks:mine", "person-check", Role.ALL, 10, "risks.returned"),
        _entry(_("待审"), "risks:review_queue", "inbox", REVIEWERS, 15, "risks.to_review"),
        _entry(_("风险点台账"), "risks:register", "card-list", Role.ALL, 20),
        _entry(_("风险分布"), "risks:register_charts", "grid-3x3", Role.ALL, 30),
        _entry(_("逾期事项"), "risks:overdue", "alarm", Role.ALL, 40),
        _entry(_("廉政风险定位表"), "risks:positioning_index", "signpost-split", OFFICERS, 60),
        _entry(
            _("标准库"), "risks:library_list", "collection", (*Role.PRIVILEGED, PLATFORM_ADMIN), 70
        ),
        _entry(_("定级方案"), "risks:scheme_index", "sliders", Role.PRIVILEGED, 80),
        _entry(
            _("空泛表述"),
            "risks:phrase_list",
            "chat-square-quote",
            (*Role.PRIVILEGED, PLATFORM_ADMIN),
            90,
        ),
    )

    def ready(self):
        # register with core and org
        from . import (  # noqa: F401
            attachments,
            jobs,
            org_settings,
            panels,
            publications,
            reminders,
            selectors,
            word_forms,
        )
