"""The shell: navigation per role, error pages and the security headers."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("admin", ["单位模块", "用户与角色"], ["审计日志", "模块与栏目"]),
        ("integrity", ["审计日志"], ["模块与栏目", "单位模块", "用户与角色"]),
        ("staff", ["首页", "人员"], ["审计日志", "模块与栏目", "单位模块"]),
        ("platform", ["模块与栏目", "空泛表述"], ["首页", "单位", "单位模块", "用户与角色"]),
    ],
)
def test_navigation_by_role(world, login, platform_admin, role, present, absent):
    user = platform_admin if role == "platform" else world.users[role]
    response = login(user).get("/", follow=True)
    labels = [str(i["label"]) for g in response.context["nav_groups"] for i in g["items"]]
    for label in present:
        assert label in labels
    for label in absent:
        assert label not in labels


@pytest.mark.parametrize(
    ("name", "title"),
    [("core:module_list", "模块与栏目"), ("core:organisation_modules", "单位模块")],
)
def test_shell_has_footer_breadcrumbs_and_csp(world, login, platform_admin, name, title):
    user = platform_admin if name == "core:module_list" else world.users["admin"]
    response = login(user).get(reverse(name))
    html = response.content.decode()
    assert 'class="lf-footer"' in html
    assert f'class="breadcrumb-item active" aria-current="page">{title}' in html
    assert 'data-testid="menu-button"' in html
    assert "includeIndicatorStyles" in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    # No inline scripts or styles anywhere in the frame.
    assert "<style" not in html
    assert ' style="' not in html
    for chunk in html.split("<script")[1:]:
        head, _, rest = chunk.partition(">")
        body = rest.partition("</script>")[0]
        assert "src=" in head or 'type="application/json"' in head, head
        assert "src=" not in head or not body.strip()


def test_error_pages_are_chinese(world, login, settings):
    settings.DEBUG = False
    client = login(world.users["staff"])
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "页面不存在，或您无权查看。" in missing.content.decode()
    forbidden = client.get(reverse("core:module_list"))
    assert forbidden.status_code == 403
    assert "您没有使用此功能的权限。" in forbidden.content.decode()


def test_english_switch_sets_the_language(world, login):
    client = login(world.users["staff"])
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'value="zh-hans" lang="zh-hans" data-testid="lang-switch">中文<' in html
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True
    )
    assert '<html lang="zh-hans">' in response.content.decode()


def test_only_the_longest_matching_menu_entry_is_active(world, login):
    client = login(world.users["integrity"])
    response = client.get(reverse("risks:positioning_index"))
    active = [
        item["label"]
        for group in response.context["nav_groups"]
        for item in group["items"]
        if item["active"]
    ]
    assert active == ["廉政风险定位表"]


def test_chinese_by_default_whatever_the_browser_asks(world, login):
    client = login(world.users["staff"])
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "<title>" in response.content.decode()
    assert " · 廉政风险防控平台</title>" in response.content.decode()


def test_english_when_the_user_chose_it(world, login, settings):
    client = login(world.users["staff"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en">' in response.content.decode()
