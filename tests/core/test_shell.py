"""The shell: home dashboard, navigation per role, error pages and the security headers."""

import json

import pytest
from django.urls import reverse

from lianfang.core.roles import Role
from lianfang.core.selectors import dashboard_charts
from lianfang.org.models import Person, Post
from tests.factories import make_department, make_org, make_person, make_user

pytestmark = pytest.mark.django_db


def chart_data(response, element_id):
    html = response.content.decode()
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def stat_values(response):
    return {str(s["label"]): s["value"] for s in response.context["stats"]}


def test_home_dashboard_for_integrity_office(world, login):
    response = login(world.users["integrity"]).get("/")
    assert response.status_code == 200
    assert stat_values(response) == {"单位": 1, "科室": 3, "岗位": 4, "人员": 5}
    staff = chart_data(response, "lf-data-staff")
    assert staff == {"labels": ["心内科", "采购中心"], "values": [3, 1]}
    posts = {row["name"]: row["value"] for row in chart_data(response, "lf-data-posts")}
    assert posts == {"重点且敏感岗位": 1, "重点岗位": 2, "一般岗位": 1}
    html = response.content.decode()
    assert html.count('class="lf-chart') == 2
    assert "vendor/echarts/echarts.min.js" in html
    assert "lianfang/dashboard.js" in html


def test_dashboard_is_scoped_to_the_user(world, login):
    # The department head sees their department only; the other hospital never appears.
    response = login(world.users["dept_head"]).get("/")
    assert chart_data(response, "lf-data-staff") == {"labels": ["心内科"], "values": [3]}
    posts = {row["name"]: row["value"] for row in chart_data(response, "lf-data-posts")}
    assert posts == {"重点岗位": 1, "一般岗位": 1}
    # The commission sees two hospitals: each bar names its organisation.
    commission = login(world.users["commission_integrity"]).get("/")
    assert set(chart_data(commission, "lf-data-staff")["labels"]) == {
        "示例市人民医院 · 心内科",
        "示例市人民医院 · 采购中心",
        "示例市第二医院 · 普外科",
    }


def test_staff_chart_counts_active_people_and_keeps_the_top_15(world):
    user = world.users["integrity"]
    for i in range(20):
        dept = make_department(world.hospital, f"科室{i:02d}", f"K{i:02d}")
        for j in range(i % 4 + 1):
            make_person(world.hospital, dept, f"K{i:02d}{j}", f"人员{i}-{j}")
    Person.objects.filter(staff_no__in=["0102", "0103"]).update(active=False)
    charts = dashboard_charts(user=user)
    labels = charts.staff_by_department["labels"]
    values = charts.staff_by_department["values"]
    assert len(labels) == 15
    assert values == sorted(values, reverse=True)
    assert values[0] == 4
    # 心内科 keeps one active person: below the fifteen departments with 2, 3 or 4 people.
    assert "心内科" not in labels


def test_empty_scope_shows_the_empty_state(world, login):
    # A staff account on a new organisation without a person record has nothing to chart yet.
    lonely_org = make_org("新建医院", "H9", world.commission)
    user = make_user("lonely", (Role.STAFF, lonely_org))
    response = login(user).get("/")
    assert response.status_code == 200
    assert stat_values(response) == {"单位": 1, "科室": 0, "岗位": 0, "人员": 0}
    html = response.content.decode()
    assert "您的权限范围内暂无科室、岗位和人员数据" in html
    assert "lf-chart" not in html
    assert "echarts" not in html


def test_charts_show_their_own_empty_state(world, login):
    Person.objects.update(active=False)
    response = login(world.users["integrity"]).get("/")
    html = response.content.decode()
    assert "暂无科室人员数据" in html
    assert 'data-testid="chart-posts"' in html
    assert 'data-testid="chart-staff"' not in html


def test_home_query_count_is_fixed(world, login, django_assert_max_num_queries):
    client = login(world.users["integrity"])
    client.get("/")
    with django_assert_max_num_queries(20) as small:
        client.get("/")
    for i in range(30):
        dept = make_department(world.hospital, f"扩展科{i}", f"X{i}")
        post = Post.objects.create(
            organisation=world.hospital, department=dept, name=f"岗{i}", code=f"XP{i}", is_key=i % 2
        )
        for j in range(3):
            make_person(world.hospital, dept, f"X{i}-{j}", f"扩{i}{j}", post)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/")
    assert len(chart_data(response, "lf-data-staff")["labels"]) == 15


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("admin", ["模块与栏目", "用户与角色"], ["审计日志"]),
        ("integrity", ["审计日志"], ["模块与栏目", "用户与角色"]),
        ("staff", ["首页", "人员"], ["审计日志", "模块与栏目"]),
    ],
)
def test_navigation_by_role(world, login, role, present, absent):
    response = login(world.users[role]).get("/")
    labels = [str(i["label"]) for g in response.context["nav_groups"] for i in g["items"]]
    for label in present:
        assert label in labels
    for label in absent:
        assert label not in labels


def test_shell_has_footer_breadcrumbs_and_csp(world, login):
    client = login(world.users["admin"])
    response = client.get(reverse("core:module_list"))
    html = response.content.decode()
    assert 'class="lf-footer"' in html
    assert 'class="breadcrumb-item active" aria-current="page">模块与栏目' in html
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
