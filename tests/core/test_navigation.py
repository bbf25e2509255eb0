"""The menu and the modules come from the installed apps' declarations (core names no app)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

from lianfang.core.navigation import (
    ModuleSpec,
    NavGroup,
    NavItem,
    always_on_codes,
    collect,
    declarations,
)
from lianfang.core.roles import PLATFORM_ADMIN, Role

ALL = tuple(Role.ALL)
PRIVILEGED = tuple(Role.PRIVILEGED)
OFFICERS = (Role.ADMIN, Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD)
REVIEWERS = (Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD)  # the review chain's levels

# The whole menu, as it was when core declared it itself: the apps' declarations keep it.
EXPECTED_MENU = [
    ("工作台", [("首页", "dashboard:home", "dashboard", "speedometer2", ALL)]),
    (
        "组织与人员",
        [
            ("单位", "org:organisation_list", "org", "diagram-3", ALL),
            ("科室", "org:department_list", "org", "building", ALL),
            ("岗位", "org:post_list", "org", "briefcase", ALL),
            ("人员", "org:person_list", "org", "people", ALL),
            ("领导分管", "org:division_list", "org", "person-badge", ALL),
            ("轮岗提醒", "org:rotation_list", "org", "arrow-repeat", PRIVILEGED),
        ],
    ),
    (
        "风险防控",
        [
            ("我的风险点", "risks:mine", "risks", "person-check", ALL),
            ("待审", "risks:review_queue", "risks", "inbox", REVIEWERS),
            ("风险点台账", "risks:register", "risks", "card-list", ALL),
            ("风险分布", "risks:register_charts", "risks", "grid-3x3", ALL),
            ("逾期事项", "risks:overdue", "risks", "alarm", ALL),
            ("职权目录", "org:power_list", "org", "journal-text", ALL),
            ("廉政风险定位表", "risks:positioning_index", "risks", "signpost-split", OFFICERS),
            ("标准库", "risks:library_list", "risks", "collection", (*PRIVILEGED, PLATFORM_ADMIN)),
            ("定级方案", "risks:scheme_index", "risks", "sliders", PRIVILEGED),
            (
                "空泛表述",
                "risks:phrase_list",
                "risks",
                "chat-square-quote",
                (*PRIVILEGED, PLATFORM_ADMIN),
            ),
        ],
    ),
    (
        "排查与评估",
        [
            ("风险排查", "campaigns:list", "campaigns", "clipboard-check", PRIVILEGED),
            ("我的排查任务", "campaigns:mine", "campaigns", "ui-checks", ALL),
            ("我的承诺", "commitments:mine", "commitments", "pen", ALL),
            (
                "承诺审核",
                "commitments:queue",
                "commitments",
                "pen-fill",
                (Role.LEADER, Role.INTEGRITY),
            ),
            (
                "承诺签署情况",
                "commitments:overview",
                "commitments",
                "list-check",
                (Role.INTEGRITY, Role.ADMIN),
            ),
            (
                "廉政评估",
                "assessments:list",
                "assessments",
                "clipboard-pulse",
                (Role.INTEGRITY, Role.LEADER),
            ),
            (
                "我的评估",
                "assessments:mine",
                "assessments",
                "envelope-exclamation",
                (Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD, Role.STAFF),
            ),
            (
                "评估统计",
                "assessments:stats",
                "assessments",
                "bar-chart",
                (Role.INTEGRITY, Role.LEADER),
            ),
        ],
    ),
    (
        "权力运行",
        [
            ("待办", "flows:todo", "flows", "inbox", ALL),
            ("已办", "flows:done", "flows", "check2-all", ALL),
            ("我发起的", "flows:mine", "flows", "send", ALL),
            ("发起", "flows:start_list", "flows", "plus-square", ALL),
            ("代理", "flows:delegations", "flows", "person-check", ALL),
            (
                "防控运行监控",
                "flows:monitor",
                "flows",
                "activity",
                (Role.INTEGRITY, Role.LEADER),
            ),
            ("流程定义", "flows:definitions", "flows", "diagram-2", PRIVILEGED),
        ],
    ),
    (
        "院务公开",
        [
            ("公开内容", "content:article_list", "content", "newspaper", ALL),
            ("内容审核", "content:review_queue", "content", "patch-check", (Role.INTEGRITY,)),
        ],
    ),
    (
        "投诉举报",
        [
            ("我要举报", "complaints:staff_new", "complaints", "pencil-square", ALL),
            ("投诉举报办理", "complaints:list", "complaints", "megaphone", ALL),
            ("本周到期", "complaints:due", "complaints", "alarm", ALL),
            (
                "身份信息审批",
                "complaints:identity_requests",
                "complaints",
                "person-lock",
                (Role.INTEGRITY,),
            ),
            ("办理人员", "complaints:officers", "complaints", "person-gear", (Role.SECURITY,)),
        ],
    ),
    (
        "患者满意度",
        [
            (
                "满意度结果",
                "satisfaction:results",
                "satisfaction",
                "emoji-smile",
                (Role.ADMIN, Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD),
            ),
            ("存疑评价", "satisfaction:flagged", "satisfaction", "flag", (Role.INTEGRITY,)),
            (
                "满意度问卷",
                "satisfaction:questionnaires",
                "satisfaction",
                "ui-checks",
                (Role.ADMIN, Role.INTEGRITY),
            ),
        ],
    ),
    (
        "监督",
        [
            ("审计日志", "core:audit_list", "audit", "shield-check", Role.AUDIT_READERS),
            ("预警", "core:warning_list", "warnings", "bell", (Role.INTEGRITY,)),
            ("公开发布", "core:publication_index", "audit", "megaphone", (Role.INTEGRITY,)),
            (
                "公开完整性",
                "portal:completeness_index",
                "portal",
                "clipboard-check",
                (Role.INTEGRITY,),
            ),
        ],
    ),
    (
        "系统维护",
        [
            ("模块与栏目", "core:module_list", "maintenance", "gear", (PLATFORM_ADMIN,)),
            ("单位模块", "core:organisation_modules", "maintenance", "toggles", (Role.ADMIN,)),
            ("公开门户", "portal:manage_sites", "portal", "globe2", (Role.ADMIN,)),
            (
                "单位参数",
                "core:org_settings",
                "maintenance",
                "sliders",
                (Role.ADMIN, Role.INTEGRITY),
            ),
            (
                "用户与角色",
                "accounts:user_list",
                "maintenance",
                "person-gear",
                (Role.ADMIN, Role.SECURITY),
            ),
            ("Word 模板", "core:word_templates", "maintenance", "file-earmark-word", (Role.ADMIN,)),
            (
                "工作日历",
                "core:workday_calendar",
                "maintenance",
                "calendar-week",
                (PLATFORM_ADMIN, Role.ADMIN),
            ),
            ("外发记录", "core:delivery_list", "maintenance", "send", (PLATFORM_ADMIN, Role.ADMIN)),
        ],
    ),
]


def test_the_installed_apps_declare_the_whole_menu_in_its_order():
    menu = [
        (
            str(group.title),
            [(str(i.label), i.url_name, i.module, i.icon, tuple(i.roles)) for i in items],
        )
        for group, items in declarations().menu
    ]
    assert menu == EXPECTED_MENU


def test_the_installed_apps_declare_their_modules():
    modules = [(m.code, m.name, m.name_en, m.icon, m.order) for m in declarations().modules]
    assert modules == [
        ("dashboard", "工作台", "Dashboard", "speedometer2", 10),
        ("org", "组织与人员", "Organisation and people", "diagram-3", 20),
        ("risks", "风险防控", "Risk register", "exclamation-diamond", 30),
        ("campaigns", "风险排查", "Investigation campaigns", "clipboard-check", 32),
        ("commitments", "廉政承诺", "Commitments", "pen", 34),
        ("assessments", "廉政评估", "Assessments", "clipboard-pulse", 36),
        ("flows", "权力运行", "Power flows", "diagram-2", 40),
        ("portal", "公开门户", "Disclosure portal", "globe2", 50),
        ("content", "公开内容", "Published content", "newspaper", 55),
        ("complaints", "投诉举报", "Complaints", "megaphone", 60),
        ("satisfaction", "患者满意度", "Patient satisfaction", "emoji-smile", 65),
        ("audit", "审计日志", "Audit log", "shield-check", 80),
        ("warnings", "预警", "Warnings", "bell", 85),
        ("maintenance", "系统维护", "System maintenance", "gear", 90),
    ]
    assert always_on_codes() == {"dashboard", "audit", "maintenance"}  # 三员分立: never off


def app(**declared):
    return SimpleNamespace(**declared)


def module(code, **kwargs):
    return ModuleSpec(code, code, code, "gear", 1, **kwargs)


def item(module_code, group, url_name="x:y", order=0):
    return NavItem(module_code, "label", url_name, "gear", ALL, group=group, order=order)


def test_an_app_places_its_entries_in_a_group_of_an_app_below_it_by_order():
    below = app(
        platform_modules=(module("low", urls=("low",)),),
        nav_groups=(NavGroup("g2", "second", 20), NavGroup("g1", "first", 10)),
        nav_items=(item("low", "g1", "low:b", order=20),),
    )
    above = app(
        platform_modules=(module("high", urls=("high", "low:special")),),
        nav_items=(item("high", "g1", "high:a", order=10), item("high", "g1", "high:c", 30)),
    )
    found = collect([below, above])
    assert [g.key for g, _items in found.menu] == ["g1", "g2"]
    assert [i.url_name for i in found.menu[0][1]] == ["high:a", "low:b", "high:c"]
    assert found.module_urls == {"low": "low", "high": "high", "low:special": "high"}


@pytest.mark.parametrize(
    ("configs", "message"),
    [
        ([app(platform_modules=(module("a"),)), app(platform_modules=(module("a"),))], "twice"),
        (
            [app(platform_modules=(module("a", urls=("x",)), module("b", urls=("x",))))],
            "two modules",
        ),
        ([app(nav_groups=(NavGroup("g", "g", 1), NavGroup("g", "h", 2)))], "twice"),
        ([app(platform_modules=(module("a"),), nav_items=(item("a", "nowhere"),))], "group"),
        ([app(nav_groups=(NavGroup("g", "g", 1),), nav_items=(item("ghost", "g"),))], "module"),
    ],
)
def test_inconsistent_declarations_are_refused_at_start(configs, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        collect(configs)


def test_an_entry_shows_the_badge_its_app_registered(db):
    """The menu asks the badge function an entry names, per user; no function, no badge."""
    from django.contrib.auth.models import AnonymousUser

    from lianfang.core import navigation

    seen = []

    @navigation.badge("test.count")
    def count(user):
        seen.append(user)
        return navigation.Badge("3", "三项")

    class Everyone(AnonymousUser):
        def has_any_role(self, roles):
            return True

    user = Everyone()
    items = (
        NavItem(
            "dashboard", "有", "dashboard:home", "gear", ALL, group="dashboard", badge="test.count"
        ),
        NavItem("dashboard", "无", "dashboard:home", "gear", ALL, group="dashboard", badge="none"),
    )
    menu = ((NavGroup("dashboard", "工作台", 10), items),)
    try:
        original = navigation.declarations
        navigation.declarations = lambda: navigation.Declarations((), menu, {}, frozenset())
        (group,) = navigation.nav_for(user, {"dashboard"}, "/")
    finally:
        navigation.declarations = original
        navigation._BADGES.pop("test.count")
    assert [entry.get("badge") for entry in group["items"]] == [navigation.Badge("3", "三项"), None]
    assert seen == [user]
