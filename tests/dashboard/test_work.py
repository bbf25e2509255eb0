"""The home page answers "what needs me today", per role, every figure a link to its list,
with a fixed number of queries as the register grows."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from lianfang.risks.models import Measure, RiskPoint
from tests.risks.factories import make_measure, make_risk_point
from tests.risks.register_data import TODAY, build_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(world):
    return build_register(world)


def figure(html, key):
    """(value, link) of the figure card `key`."""
    match = re.search(
        rf'href="([^"]*)" data-testid="figure-{key}">.*?lf-stat-value">(\d+)<', html, re.S
    )
    assert match, key
    return int(match.group(2)), match.group(1).replace("&amp;", "&")


def home(login, user):
    response = login(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_staff_sees_their_points_drafts_and_measures_due(world, register, login):
    late = make_measure(
        world.hospital,
        "主治医师每月自查处方并登记",
        owner_person=world.staff_person,
        points=[register.doctor],
        due=TODAY - dt.timedelta(days=3),
    )
    html = home(login, world.users["staff"])
    assert 'data-testid="home-staff"' in html
    assert figure(html, "mine") == (1, reverse("risks:mine"))  # the filed 开大处方收取回扣
    assert figure(html, "my-overdue") == (1, reverse("risks:overdue_measures"))
    assert figure(html, "my-due")[0] == 1  # the measure due in 30 days
    listed = html[html.index('data-testid="my-measures"') :]
    assert listed.index(late.text) < listed.index(register.measure.text)  # soonest first
    assert "lf-data-staff" not in html  # no headcount charts for staff
    assert 'data-testid="home-office"' not in html


def test_department_head_sees_their_department_with_links(world, register, login):
    html = home(login, world.users["dept_head"])
    where = f"organisation={world.hospital.pk}&department={world.cardiology.pk}"
    assert figure(html, "dept-level1") == (
        1,
        f"{reverse('risks:register')}?{where}&status=filed&level=1",
    )
    assert figure(html, "dept-drafts") == (2, f"{reverse('risks:register')}?{where}&status=draft")
    assert figure(html, "dept-overdue-reviews") == (1, f"{reverse('risks:overdue')}?{where}")
    assert figure(html, "dept-overdue-measures")[0] == 0
    # the links lead to lists that show what was counted
    client = login(world.users["dept_head"])
    page = client.get(figure(html, "dept-overdue-reviews")[1]).content.decode()
    assert "开大处方收取回扣" in page
    page = client.get(figure(html, "dept-level1")[1]).content.decode()
    assert "开大处方收取回扣" in page and "科室集体收受药企赞助" not in page


def test_leader_compares_the_departments_in_charge(world, register, login):
    html = home(login, world.users["leader"])
    assert 'data-testid="home-led"' in html
    rows = re.findall(r'data-testid="led-row">(.*?)</tr>', html, re.S)
    names = [re.search(r'">([^<]+)</a>', row).group(1) for row in rows]
    assert names == ["采购中心", "财务科"]
    assert 'data-testid="home-department"' not in html
    assert "心内科" not in html


def test_integrity_office_sees_levels_overdue_and_drafts(world, register, login):
    make_measure(
        world.hospital,
        "采购中心每季度轮岗并登记",
        owner_department=world.procurement,
        points=[register.buyer],
        due=TODAY - dt.timedelta(days=1),
    )
    html = home(login, world.users["integrity"])
    assert figure(html, "level1") == (1, f"{reverse('risks:register')}?status=filed&level=1")
    assert figure(html, "drafts")[0] == 4  # 科主任, 心内科, 采购员, 财务科 (not the retired)
    assert figure(html, "overdue-reviews") == (1, reverse("risks:overdue"))
    assert figure(html, "overdue-measures") == (1, reverse("risks:overdue_measures"))
    changes = html[html.index('data-testid="changes-this-month"') :]
    assert "object_type=risks.riskpoint" in changes
    assert 'data-testid="stats"' in html  # the office keeps the people figures


def test_commission_compares_its_units(world, register, login):
    html = home(login, world.users["commission_integrity"])
    rows = re.findall(r'data-testid="unit-row">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    first = re.sub(r"<[^>]+>|\s+", " ", rows[0]).split()
    # 示例市人民医院: 5 in use, 1 filed (20%), all filed points 一级, its one filed point overdue
    assert first[1:] == ["5", "20%", "100%", "100%"]
    second = re.sub(r"<[^>]+>|\s+", " ", rows[1]).split()
    assert second[-3:] == ["0%", "—", "—"]
    # a hospital's own office compares nothing
    assert 'data-testid="home-units"' not in home(login, world.users["integrity"])


def test_the_risk_figures_follow_the_module_switch(world, register, login):
    from lianfang.core.models import Module

    Module.objects.filter(code="risks").update(enabled=False)
    html = home(login, world.users["dept_head"])
    assert 'data-testid="home-department"' not in html


@pytest.mark.parametrize(
    "role", ["staff", "dept_head", "leader", "integrity", "commission_integrity"]
)
def test_home_query_count_is_fixed_as_the_register_grows(
    world, register, login, role, django_assert_max_num_queries
):
    client = login(world.users[role])
    client.get("/")
    with django_assert_max_num_queries(40) as small:
        client.get("/")
    for i in range(15):
        for department, post in (
            (world.cardiology, register.doctor.post),
            (world.procurement, None),
        ):
            point = make_risk_point(
                power=register.prescribing,
                post=post,
                department=department,
                name=f"扩展风险点{i}",
                status=RiskPoint.Status.FILED if i % 2 else RiskPoint.Status.DRAFT,
                review_due=TODAY - dt.timedelta(days=i),
            )
            make_measure(
                world.hospital,
                f"扩展措施{i}每月抽查登记",
                owner_person=world.staff_person,
                owner_department=None,
                points=[point],
                due=TODAY - dt.timedelta(days=i - 5),
                status=Measure.Status.PLANNED,
            )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/")
