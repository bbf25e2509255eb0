"""The navigation by module. Each entry names the module code an administrator can disable.

`MODULE_URLS` ties URLs to modules as well, so a disabled module's pages answer 404
(`ModuleEnabledMiddleware`), not just vanish from the menu.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    module: str
    label: str
    url_name: str
    icon: str
    roles: tuple[str, ...]


NAV: list[tuple[str, list[NavItem]]] = [
    (
        _("工作台"),
        [NavItem("dashboard", _("首页"), "core:home", "speedometer2", Role.ALL)],
    ),
    (
        _("组织与人员"),
        [
            NavItem(
                "org",
                pgettext_lazy("plural", "单位"),
                "org:organisation_list",
                "diagram-3",
                Role.ALL,
            ),
            NavItem(
                "org", pgettext_lazy("plural", "科室"), "org:department_list", "building", Role.ALL
            ),
            NavItem("org", pgettext_lazy("plural", "岗位"), "org:post_list", "briefcase", Role.ALL),
            NavItem("org", pgettext_lazy("plural", "人员"), "org:person_list", "people", Role.ALL),
            NavItem("org", _("领导分管"), "org:division_list", "person-badge", Role.ALL),
            NavItem("org", _("轮岗提醒"), "org:rotation_list", "arrow-repeat", Role.PRIVILEGED),
        ],
    ),
    (
        _("风险防控"),
        [
            NavItem("risks", _("我的风险点"), "risks:mine", "person-check", Role.ALL),
            NavItem("risks", _("风险点台账"), "risks:register", "card-list", Role.ALL),
            NavItem("risks", _("风险分布"), "risks:register_charts", "grid-3x3", Role.ALL),
            NavItem("risks", _("复核逾期"), "risks:overdue", "alarm", Role.ALL),
            NavItem("org", _("职权目录"), "org:power_list", "journal-text", Role.ALL),
            NavItem(
                "risks",
                _("廉政风险定位表"),
                "risks:positioning_index",
                "signpost-split",
                (Role.ADMIN, Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD),
            ),
            NavItem("risks", _("标准库"), "risks:library_list", "collection", Role.PRIVILEGED),
            NavItem("risks", _("定级方案"), "risks:scheme_index", "sliders", Role.PRIVILEGED),
            NavItem(
                "risks", _("空泛表述"), "risks:phrase_list", "chat-square-quote", Role.PRIVILEGED
            ),
        ],
    ),
    (
        _("监督"),
        [NavItem("audit", _("审计日志"), "core:audit_list", "shield-check", (Role.INTEGRITY,))],
    ),
    (
        _("系统维护"),
        [
            NavItem("maintenance", _("模块与栏目"), "core:module_list", "gear", (Role.ADMIN,)),
            NavItem(
                "maintenance", _("用户与角色"), "accounts:user_list", "person-gear", (Role.ADMIN,)
            ),
        ],
    ),
]


# Modules an administrator may never switch off: the home page and the switch itself.
ALWAYS_ON = frozenset({"dashboard", "maintenance"})

# URL namespace (or one "namespace:name") → module code. The longest match wins, so a single
# URL of the core namespace can belong to its own module. URLs named nowhere are always on.
MODULE_URLS: dict[str, str] = {
    "org": "org",
    "risks": "risks",
    "core:audit_list": "audit",
    "core:audit_detail": "audit",
    "core:audit_verify": "audit",
    "portal": "portal",
}


def enabled_module_codes(request) -> frozenset[str]:
    """The codes of the enabled modules, read once per request."""
    codes = getattr(request, "_lianfang_enabled_modules", None)
    if codes is None:
        from .models import Module

        codes = frozenset(Module.objects.filter(enabled=True).values_list("code", flat=True))
        request._lianfang_enabled_modules = codes
    return codes | ALWAYS_ON


def module_of(view_name: str) -> str | None:
    """The module code a resolved view name ("ns:sub:name") belongs to, if any."""
    parts = view_name.split(":")
    for end in range(len(parts), 0, -1):
        code = MODULE_URLS.get(":".join(parts[:end]))
        if code is not None:
            return code
    return None


def nav_for(user, enabled_codes: set[str], current_path: str):
    """The navigation groups this user may see, with the active item marked.

    The active item is the one whose URL is the longest prefix of the current path, so
    /risks/positioning/ lights 定位表, not also the register at /risks/.
    """
    groups = []
    entries = []
    for title, items in NAV:
        visible = []
        for item in items:
            if item.module not in enabled_codes or not user.has_any_role(item.roles):
                continue
            url = reverse(item.url_name)
            entry = {"label": item.label, "url": url, "icon": item.icon, "active": False}
            visible.append(entry)
            entries.append(entry)
        if visible:
            groups.append({"title": title, "items": visible})
    matches = [
        e
        for e in entries
        if current_path == e["url"] or (e["url"] != "/" and current_path.startswith(e["url"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return groups
