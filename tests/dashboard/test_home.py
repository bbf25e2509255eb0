"""The home dashboard (its own app): figures and charts within the user's scope."""

import json

import pytest
from django.urls import reverse

from lianfang.core.roles import Role
from lianfang.dashboard.selectors import dashboard_charts
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


def test_the_home_page_keeps_its_address_and_is_where_login_leads(settings):
    assert reverse("dashboard:home") == "/"
    assert reverse(settings.LOGIN_REDIRECT_URL) == "/"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


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
    # The department head sees what needs them in their department, no people charts.
    response = login(world.users["dept_head"]).get("/")
    html = response.content.decode()
    assert 'data-testid="home-department"' in html and "心内科" in html
    assert "lf-data-staff" not in html and "采购中心" not in html
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
    # A staff account on a new organisation without a person record has nothing to do yet.
    lonely_org = make_org("新建医院", "H9", world.commission)
    user = make_user("lonely", (Role.STAFF, lonely_org))
    response = login(user).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂无需要您处理的事项" in html
    assert "lf-chart" not in html
    assert "echarts" not in html
    # an administrator of it sees the people figures' empty state
    admin = make_user("lonely_admin", (Role.ADMIN, lonely_org))
    response = login(admin).get("/")
    assert stat_values(response) == {"单位": 1, "科室": 0, "岗位": 0, "人员": 0}
    assert "您的权限范围内暂无科室、岗位和人员数据" in response.content.decode()


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
    with django_assert_max_num_queries(30) as small:
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
