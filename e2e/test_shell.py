"""The shell in a real browser: log-in per role, menus, language, dashboard, phone, 系统维护."""

import re

import pytest
from playwright.sync_api import expect

from lianfang.accounts.models import User
from tests.factories import make_platform_admin

from .conftest import PHONE, log_in, screenshot, sign_in

pytestmark = pytest.mark.e2e

ORG_ENTRIES = ["首页", "单位", "科室", "岗位", "人员", "领导分管"]
RISK_ENTRIES = ["我的风险点", "风险点台账", "风险分布", "逾期事项", "职权目录"]
# the review chain's reviewers (部门负责人, 分管领导, 纪检监察) have their 待审 list
REVIEWER_RISK_ENTRIES = ["我的风险点", "待审", *RISK_ENTRIES[1:]]
OFFICE_ENTRIES = ["轮岗提醒"]
OFFICE_RISK_ENTRIES = ["廉政风险定位表", "标准库", "定级方案", "空泛表述"]
# 权力运行: everyone's to-do lists; the office and administrators keep the definitions
FLOW_ENTRIES = ["待办", "已办", "我发起的", "发起", "代理"]
# 院务公开: anyone may be named a column's editor; the integrity office reviews (内容审核)
CONTENT_ENTRIES = ["公开内容"]
SATISFACTION_RESULTS = ["满意度结果"]
COMPLAINT_ENTRIES = ["我要举报", "投诉举报办理", "本周到期"]
# 排查与评估: the office and administrators run the yearly campaigns
CAMPAIGN_ENTRIES = ["风险排查"]
# 排查与评估: everyone's own campaign tasks and commitments; leaders and the office review
# commitments; the office's overview
COMMITMENT_ENTRIES = ["我的排查任务", "我的承诺"]
# 排查与评估 › 廉政评估: the office and leaders (亮牌) list and count; the assessed their own
ASSESSMENT_WATCHERS = ["廉政评估", "我的评估", "评估统计"]
ASSESSED = ["我的评估"]
OFFICE = (
    ORG_ENTRIES
    + OFFICE_ENTRIES
    + RISK_ENTRIES
    + OFFICE_RISK_ENTRIES
    + CAMPAIGN_ENTRIES
    + COMMITMENT_ENTRIES
    + ["承诺签署情况"]
    + FLOW_ENTRIES
    + ["流程定义"]
    + CONTENT_ENTRIES
    + COMPLAINT_ENTRIES
)
REVIEWING_OFFICE = (
    ORG_ENTRIES
    + OFFICE_ENTRIES
    + REVIEWER_RISK_ENTRIES
    + OFFICE_RISK_ENTRIES
    + CAMPAIGN_ENTRIES
    + COMMITMENT_ENTRIES
    + ["承诺审核", "承诺签署情况"]
    + ASSESSMENT_WATCHERS
    + FLOW_ENTRIES
    + ["防控运行监控", "流程定义"]
    + CONTENT_ENTRIES
    + ["内容审核"]
    + COMPLAINT_ENTRIES
    + ["身份信息审批"]
)
EXPECTED_NAV = {
    "admin": (
        OFFICE
        + SATISFACTION_RESULTS
        + ["满意度问卷"]
        + ["单位模块", "公开门户", "单位参数", "用户与角色", "Word 模板", "工作日历", "外发记录"],
        [
            "审计日志",
            "预警",
            "公开发布",
            "公开完整性",
            "模块与栏目",
            "待审",
            "内容审核",
            "存疑评价",
            "防控运行监控",
        ],
    ),
    "integrity": (
        REVIEWING_OFFICE
        + SATISFACTION_RESULTS
        + ["存疑评价", "满意度问卷"]
        + ["审计日志", "预警", "公开发布", "公开完整性", "单位参数"],
        ["模块与栏目", "单位模块", "公开门户", "用户与角色", "Word 模板", "工作日历", "外发记录"],
    ),
    "leader": (
        ORG_ENTRIES
        + REVIEWER_RISK_ENTRIES
        + ["廉政风险定位表"]
        + COMMITMENT_ENTRIES
        + ["承诺审核"]
        + ASSESSMENT_WATCHERS
        + FLOW_ENTRIES
        + ["防控运行监控"]
        + CONTENT_ENTRIES
        + COMPLAINT_ENTRIES
        + SATISFACTION_RESULTS,
        ["审计日志", "模块与栏目", "用户与角色", "标准库", "轮岗提醒", "内容审核", "流程定义"],
    ),
    "dept_head": (
        ORG_ENTRIES
        + REVIEWER_RISK_ENTRIES
        + ["廉政风险定位表"]
        + COMMITMENT_ENTRIES
        + ASSESSED
        + FLOW_ENTRIES
        + CONTENT_ENTRIES
        + COMPLAINT_ENTRIES
        + SATISFACTION_RESULTS,
        [
            "审计日志",
            "模块与栏目",
            "用户与角色",
            "定级方案",
            "存疑评价",
            "流程定义",
            "防控运行监控",
        ],
    ),
    "staff": (
        ORG_ENTRIES
        + RISK_ENTRIES
        + COMMITMENT_ENTRIES
        + ASSESSED
        + FLOW_ENTRIES
        + CONTENT_ENTRIES
        + COMPLAINT_ENTRIES,
        [
            "审计日志",
            "模块与栏目",
            "用户与角色",
            "廉政风险定位表",
            "标准库",
            "待审",
            "满意度结果",
            "流程定义",
            "防控运行监控",
        ],
    ),
}


def nav_labels(page):
    return [t.strip() for t in page.locator("#lf-sidebar .nav-link").all_inner_texts()]


@pytest.mark.parametrize("role", list(EXPECTED_NAV))
def test_each_role_logs_in_and_sees_its_menu(world, page, role):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    if role == "admin":
        screenshot(page, "login")
    log_in(page, world.users[role].username)
    shown, hidden = EXPECTED_NAV[role]
    labels = nav_labels(page)
    assert labels == shown
    for label in hidden:
        assert label not in labels
    expect(page.locator("#lf-sidebar .nav-link.active")).to_have_text(re.compile("首页"))
    expect(page.locator("footer.lf-footer")).to_be_visible()


def test_language_switch_goes_to_english_and_back(world, page, live_server):
    sign_in(page, live_server, world.users["staff"])
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    switch = page.get_by_test_id("lang-switch")
    expect(switch).to_have_text("English")
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("lang-switch")).to_have_text("中文")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("lang-switch")).to_have_text("English")


def test_dashboard_draws_both_charts(world, page, live_server):
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/")
    # the risk figures (each a link to its list), then the four people figures
    expect(page.locator("[data-testid=home-office] .lf-figure")).to_have_count(6)
    expect(page.locator("[data-testid=stats] .lf-stat")).to_have_count(4)
    expect(page.locator("[data-testid=todo-to_review-value]")).to_have_text("0")
    expect(page.locator(".lf-chart canvas")).to_have_count(2)
    expect(page.locator(".lf-chart[data-rendered=true]")).to_have_count(2)
    # The bar chart's canvas has a real size (ECharts drew into a laid-out container).
    box = page.locator("[data-testid=chart-staff] canvas").bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    # Hovering opens ECharts' tooltips; HTML ones would break the CSP (watched by `problems`).
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    pie = page.locator("[data-testid=chart-posts] canvas").bounding_box()
    page.mouse.move(pie["x"] + pie["width"] * 0.5, pie["y"] + pie["height"] * 0.22)
    page.wait_for_timeout(300)
    screenshot(page, "home-tooltip", full_page=False)
    screenshot(page, "home")


def test_phone_shows_menu_button_and_offcanvas(world, new_page, live_server):
    page = new_page(PHONE)
    sign_in(page, live_server, world.users["admin"])
    page.goto("/")
    sidebar = page.locator("#lf-sidebar")
    menu = page.get_by_test_id("menu-button")
    expect(menu).to_be_visible()
    expect(sidebar).not_to_be_visible()
    menu.click()
    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    expect(sidebar.get_by_role("link", name="科室")).to_be_visible()
    # Wait for the slide-in to finish before the picture.
    page.wait_for_function("document.getElementById('lf-sidebar').getBoundingClientRect().x === 0")
    screenshot(page, "phone-menu", full_page=False)
    sidebar.get_by_role("link", name="单位模块").click()
    expect(page.locator("h1")).to_have_text("单位模块")
    expect(sidebar).not_to_be_visible()
    # Wide tables scroll inside their box instead of widening the page.
    table_box = page.locator(".table-responsive").first
    assert table_box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-maintenance")


def test_platform_admin_disables_a_module_and_its_menu_goes(world, page, problems, live_server):
    sign_in(page, live_server, world.users["admin"])
    page.goto("/org/organisations/")
    screenshot(page, "organisation-list")
    sign_in(page, live_server, make_platform_admin())
    page.goto("/")  # the platform administrator's home is the platform settings
    expect(page.locator("h1")).to_have_text("模块与栏目")
    page.get_by_role("link", name="模块与栏目").click()
    expect(page.locator("h1")).to_have_text("模块与栏目")
    screenshot(page, "maintenance")
    # The home page and the maintenance module cannot be switched off.
    expect(page.get_by_test_id("toggle-dashboard")).to_have_count(0)
    expect(page.get_by_test_id("toggle-maintenance")).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("toggle-org").click()
    expect(page.locator(".alert-success")).to_contain_text("已停用“组织与人员”模块")
    expect(page.get_by_test_id("module-org")).to_contain_text("已停用")

    sign_in(page, live_server, world.users["admin"])
    page.goto("/")
    assert "单位" not in nav_labels(page)
    assert "人员" not in nav_labels(page)
    problems.expect_404("/org/organisations/")
    response = page.goto("/org/organisations/")
    assert response.status == 404
    expect(page.locator(".lf-error-code")).to_have_text("404")

    sign_in(page, live_server, User.objects.get(username="platform"))
    page.goto("/maintenance/modules/")
    page.get_by_test_id("toggle-org").click()
    expect(page.locator(".alert-success")).to_contain_text("已启用")
    sign_in(page, live_server, world.users["admin"])
    page.goto("/")
    assert "单位" in nav_labels(page)


def test_hospital_admin_switches_a_module_off_for_the_hospital(world, page, problems, live_server):
    sign_in(page, live_server, world.users["admin"])
    page.goto("/")
    page.get_by_role("link", name="单位模块").click()
    expect(page.locator("h1")).to_have_text("单位模块")
    row = page.get_by_test_id(f"organisation-{world.hospital.pk}")
    expect(row).to_contain_text("沿用全平台")
    screenshot(page, "organisation-modules")
    row.get_by_role("link", name="设置").click()
    page.get_by_test_id("module-risks").get_by_text("停用", exact=True).click()
    screenshot(page, "organisation-module-form")
    page.get_by_test_id("save").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存“示例市人民医院”的模块设置")
    expect(page.get_by_test_id(f"state-{world.hospital.pk}-risks")).to_contain_text("本单位设置")
    assert "风险点台账" not in nav_labels(page)
    problems.expect_404("/risks/")
    assert page.goto("/risks/").status == 404
    # The other hospital keeps it.
    sign_in(page, live_server, world.users["outsider"])
    page.goto("/")
    assert "风险点台账" in nav_labels(page)


def test_platform_admin_edits_a_column(world, page, live_server):
    from lianfang.core.navigation import ColumnSpec, ModuleSpec
    from lianfang.core.services import modules_sync

    # No installed app brings columns yet (the disclosure portal will): a module of the test's.
    notices = ColumnSpec("notices", "通知公告", "Notices", 50, public=True)
    modules_sync(specs=(ModuleSpec("bulletin", "公告栏", "", "megaphone", 85, columns=(notices,)),))
    sign_in(page, live_server, make_platform_admin())
    page.goto("/maintenance/modules/")
    page.get_by_test_id("edit-notices").click()
    page.fill("#id_title", "")
    page.click("button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("标题不能为空")
    page.fill("#id_title", "通知与公告")
    page.uncheck("#id_public")
    page.click("button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("通知与公告")
    row = page.get_by_test_id("column-notices")
    expect(row).to_contain_text("通知与公告")
    expect(row).to_contain_text("内部")
