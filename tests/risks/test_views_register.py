"""The register pages: list, charts, overdue reviews, department, person and "my risk points"."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.org.models import LeaderDivision, Post
from lianfang.risks import selectors
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_risk_point
from tests.risks.register_data import VISIBLE, build_register

pytestmark = pytest.mark.django_db

ALL_NAMES = set().union(*VISIBLE.values())
ROLES = ["admin", "integrity", "leader", "dept_head", "staff"]


@pytest.fixture
def register(world):
    return build_register(world)


def text(response):
    return response.content.decode()


def shown(page, candidates=ALL_NAMES):
    return {name for name in candidates if name in page}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "page", ["risks:register", "risks:register_charts", "risks:overdue", "risks:mine"]
)
def test_pages_render_for_every_role(world, register, login, role, page):
    response = login(world.users[role]).get(reverse(page))
    assert response.status_code == 200
    assert "<h1>" in text(response)


def test_pages_refuse_users_without_a_role(world, register, login):
    client = login(world.users["nobody"])
    for page in ("risks:register", "risks:register_charts", "risks:overdue", "risks:mine"):
        assert client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_register_shows_what_the_role_may_see(world, register, login, role):
    page = text(login(world.users[role]).get(reverse("risks:register")))
    assert shown(page) == VISIBLE[role]
    assert "已停用的旧风险点" not in page


def test_register_columns_badges_and_summary(world, register, login):
    page = text(login(world.users["integrity"]).get(reverse("risks:register")))
    row = re.search(r'<tr data-testid="register-row">(.*?)</tr>', page, re.S).group(1)
    # 序号 1, the first point: 心内科 · 主治医师 · 处方开具 · 开具处方 · L3 C3 D9 · 高 · 已备案
    cells = [
        re.sub(r"<[^>]+>|\s+", " ", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    assert cells[:7] == [
        "1",
        "心内科",
        "主治医师",
        "处方开具",
        "开具处方",
        "岗位职责风险",
        "开大处方收取回扣",
    ]
    assert cells[7:10] == ["3", "3", "9"]
    assert "lf-level-1" in row and "已备案" in row and "lf-overdue" in row
    summary = re.search(r'data-testid="level-summary">(.*?)</div>', page, re.S).group(1)
    assert "共 5 个风险点" in summary
    assert 'data-testid="level-count-1">2<' in summary
    assert 'data-testid="level-count-none">1<' in summary
    assert 'data-testid="overdue-count">1<' in summary


@pytest.mark.parametrize(
    "query, expected",
    [
        ("level=1", {"开大处方收取回扣", "供应商遴选中透露标底"}),
        ("level=0", {"违规支付工程款"}),
        ("category=system_mechanism", {"科室集体收受药企赞助"}),
        ("status=draft", ALL_NAMES - {"开大处方收取回扣", "外院手术排台收红包"}),
        ("source=leader", {"科室用药目录调整中的利益输送"}),
        ("overdue=on", {"开大处方收取回扣"}),
        ("q=药企", {"科室集体收受药企赞助"}),
        ("q=超疗程", {"开大处方收取回扣"}),
    ],
)
def test_register_filters_and_search(world, register, login, query, expected):
    page = text(login(world.users["integrity"]).get(reverse("risks:register") + "?" + query))
    assert shown(page) == expected


def test_register_relation_filters(world, register, login):
    client = login(world.users["integrity"])
    url = reverse("risks:register")
    page = text(client.get(url, {"department": world.cardiology.pk}))
    assert shown(page) == VISIBLE["dept_head"]
    page = text(client.get(url, {"post": register.buyer.post_id}))
    assert shown(page) == {"供应商遴选中透露标底"}
    page = text(client.get(url, {"power": register.procurement_power.pk}))
    assert shown(page) == {"供应商遴选中透露标底"}


def test_register_status_all_shows_retired_points(world, register, login):
    page = text(login(world.users["integrity"]).get(reverse("risks:register"), {"status": "all"}))
    assert "已停用的旧风险点" in page


def test_commission_filters_by_organisation(world, register, login):
    client = login(world.users["commission_integrity"])
    url = reverse("risks:register")
    page = text(client.get(url, {"organisation": world.other_hospital.pk}))
    assert shown(page) == {"外院手术排台收红包"}
    # without an organisation the department choices wait for one
    assert "请先选择单位" in text(client.get(url))
    page = text(
        client.get(url, {"organisation": world.hospital.pk, "department": world.finance.pk})
    )
    assert shown(page) == {"违规支付工程款"}


def test_bad_filter_values_are_ignored(world, register, login):
    page = text(
        login(world.users["integrity"]).get(
            reverse("risks:register"),
            {"level": "9", "department": "abc", "per_page": "7", "sort": "nonsense", "page": "x"},
        )
    )
    assert shown(page) == VISIBLE["integrity"]


def test_register_sorts(world, register, login):
    client = login(world.users["integrity"])
    page = text(client.get(reverse("risks:register"), {"sort": "-risk_value"}))
    order = [
        page.index(name)
        for name in ("开大处方收取回扣", "供应商遴选中透露标底", "科室用药目录调整中的利益输送")
    ]
    assert order == sorted(order)
    page = text(client.get(reverse("risks:register"), {"sort": "name"}))
    assert page.index("供应商遴选中透露标底") < page.index("开大处方收取回扣")


def test_register_empty_states(world, login):
    client = login(world.users["integrity"])
    assert "台账中暂无风险点" in text(client.get(reverse("risks:register")))
    assert "没有符合条件的风险点" in text(client.get(reverse("risks:register"), {"q": "x"}))


def _bulk_points(world, n):
    power = Post.objects.get(code="P-CGY")
    from tests.risks.factories import make_power

    power = make_power(world.hospital, "批量权力", steps=["环节"])
    step = power.steps.get()
    posts = list(Post.objects.filter(organisation=world.hospital))
    RiskPoint.objects.bulk_create(
        RiskPoint(
            organisation=world.hospital,
            subject=RiskPoint.Subject.POST,
            post=posts[i % len(posts)],
            department=posts[i % len(posts)].department,
            power=power,
            step=step,
            category="post_duty",
            name=f"批量风险点{i:03d}",
            manifestation="批量生成的风险点表现形式",
            likelihood=1 + i % 3,
            harm=1 + (i // 3) % 3,
            level=1 + i % 3,
            review_due=dt.date.today() + dt.timedelta(days=i - 100),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("page", ["risks:register", "risks:register_charts"])
def test_query_count_is_the_same_at_20_and_200_rows(
    world, register, login, page, django_assert_num_queries
):
    _bulk_points(world, 200)
    client = login(world.users["integrity"])
    url = reverse(page)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url, {"per_page": 20})
    if page == "risks:register":
        assert text(response).count('data-testid="register-row"') == 20
    with django_assert_num_queries(len(small)):
        response = client.get(url, {"per_page": 200})
    if page == "risks:register":
        assert text(response).count('data-testid="register-row"') == 200
        assert "共 205 个风险点" in text(response)


def test_query_count_does_not_grow_with_filters_applied(world, register, login):
    _bulk_points(world, 200)
    client = login(world.users["integrity"])
    url = reverse("risks:register")
    query = {"department": world.cardiology.pk, "level": 1}
    with CaptureQueriesContext(connection) as small:
        client.get(url, {**query, "per_page": 20})
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, {**query, "per_page": 200})
    assert len(large) == len(small)
    assert text(response).count('data-testid="register-row"') > 20


def test_register_counts_rows_once(world, register, login):
    """The summary's counts by level are the paginator's count: no COUNT(*) of every row."""
    client = login(world.users["integrity"])
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("risks:register"))
    risk_queries = [q["sql"] for q in queries if "risks_riskpoint" in q["sql"]]
    # the counts (by level, with the overdue ones), the page's ids, the page's rows
    assert len(risk_queries) == 3
    (summary,) = [sql for sql in risk_queries if "GROUP BY" in sql]
    assert "review_due" in summary
    assert not any(re.search(r"SELECT COUNT\(\*\) AS", sql, re.I) for sql in risk_queries)


def test_register_page_rows_in_two_steps(world, register, login):
    """The page's ids come from the register table alone; only those rows are joined."""
    client = login(world.users["integrity"])
    with CaptureQueriesContext(connection) as queries:
        page = text(client.get(reverse("risks:register") + "?per_page=2&page=2"))
    risk_queries = [q["sql"] for q in queries if "risks_riskpoint" in q["sql"]]
    ids_query, rows_query = risk_queries[1], risk_queries[2]
    assert "JOIN" not in ids_query and "LIMIT 2 OFFSET 2" in ids_query
    assert "JOIN" in rows_query and "LIMIT" not in rows_query
    # the second page of two rows, in the register's order (organisation, then number)
    ordered = list(
        selectors.risk_points_filtered(user=world.users["integrity"])
        .order_by("organisation_id", "pk")
        .values_list("name", flat=True)
    )
    assert ordered[2] in page and ordered[3] in page
    assert ordered[0] not in page and ordered[4] not in page


def test_charts_page_carries_the_aggregates(world, register, login):
    page = text(login(world.users["integrity"]).get(reverse("risks:register_charts")))
    data = json.loads(re.search(r'id="lf-risk-charts"[^>]*>(.*?)</script>', page, re.S).group(1))
    cells = {(c[1] + 1, c[0] + 1): c[2] for c in data["heatmap"]["cells"]}
    assert cells[(3, 3)] == 1 and cells[(2, 2)] == 1 and cells[(1, 1)] == 0
    assert data["heatmap"]["size"] == 3 and data["heatmap"]["grid"][2][2] == 1
    assert {level["name"]: level["value"] for level in data["levels"]} == {
        "一级（高）": 2,
        "二级（中）": 1,
        "三级（低）": 1,
        "未定级": 1,
    }
    assert data["departments"]["labels"][0] == "心内科"
    labels = data["departments"]["labels"]
    series = data["departments"]["series"]
    stacked = {s["name"]: dict(zip(labels, s["data"], strict=True)) for s in series}
    assert stacked["一级（高）"]["心内科"] == 1 and stacked["一级（高）"]["采购中心"] == 1
    assert stacked["未定级"] == {"心内科": 0, "采购中心": 0, "财务科": 1}
    assert "vendor/echarts/echarts.min.js" in page and "lianfang/risks.js" in page
    assert "<script>" not in page.replace("<script src", "")  # no inline code (CSP)


def test_charts_follow_the_filters_and_show_an_empty_state(world, register, login):
    client = login(world.users["staff"])
    page = text(client.get(reverse("risks:register_charts")))
    data = json.loads(re.search(r'id="lf-risk-charts"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert sum(c[2] for c in data["heatmap"]["cells"]) == 1  # only the staff member's post
    page = text(client.get(reverse("risks:register_charts"), {"q": "没有这个"}))
    assert "没有可统计的风险点" in page and "lf-risk-charts" not in page


def test_overdue_page_lists_filed_points_past_their_review(world, register, login):
    page = text(login(world.users["integrity"]).get(reverse("risks:overdue")))
    assert shown(page) == {"开大处方收取回扣"}
    assert ">10<" in page  # days overdue
    assert reverse("risks:point_review", args=[register.doctor.pk]) in page
    # the staff member sees the same point but is not offered the review
    page = text(login(world.users["staff"]).get(reverse("risks:overdue")))
    assert "开大处方收取回扣" in page
    assert reverse("risks:point_review", args=[register.doctor.pk]) not in page
    page = text(login(world.users["leader"]).get(reverse("risks:overdue")))
    assert "没有复核逾期的风险点" in page


def test_department_page(world, register, login):
    url = reverse("risks:department", args=[world.cardiology.pk])
    for role in ("integrity", "dept_head"):
        page = text(login(world.users[role]).get(url))
        assert shown(page) == VISIBLE["dept_head"], role
        assert "复核逾期" in page and 'data-testid="overdue-list"' in page
    # the staff member sees their department's page with their own post's points only
    page = text(login(world.users["staff"]).get(url))
    assert shown(page) == {"开大处方收取回扣"}
    # a department out of scope is a 404
    response = login(world.users["dept_head"]).get(
        reverse("risks:department", args=[world.procurement.pk])
    )
    assert response.status_code == 404
    response = login(world.users["leader"]).get(
        reverse("risks:department", args=[world.procurement.pk])
    )
    assert shown(text(response)) == {"供应商遴选中透露标底"}


def test_department_page_lists_measures_it_owns(world, register, login):
    from tests.risks.factories import make_measure

    make_measure(
        world.hospital,
        "科室每季度召开廉政风险分析会",
        owner_department=world.cardiology,
        points=[register.cardiology],
    )
    page = text(
        login(world.users["dept_head"]).get(reverse("risks:department", args=[world.cardiology.pk]))
    )
    owned = re.search(r'data-testid="owned-measures">(.*?)</ul>', page, re.S).group(1)
    assert "科室每季度召开廉政风险分析会" in owned and "覆盖 1 个风险点" in owned
    # measures appear beside their points too
    assert "处方点评每月抽查" in page


def test_person_page(world, register, login):
    url = reverse("risks:person", args=[world.staff_person.pk])
    page = text(login(world.users["dept_head"]).get(url))
    assert "主治医师" in page and shown(page) == {"开大处方收取回扣"}
    assert "处方点评每月抽查" in page and "张医生" in page
    # a colleague holding the same post has the same post risk points
    page = text(
        login(world.users["integrity"]).get(
            reverse("risks:person", args=[world.colleague_person.pk])
        )
    )
    assert shown(page) == {"开大处方收取回扣"}
    # out of scope: the staff member cannot open a colleague's page
    response = login(world.users["staff"]).get(
        reverse("risks:person", args=[world.colleague_person.pk])
    )
    assert response.status_code == 404


def test_my_risks_shows_posts_points_measures_and_rules(world, register, login):
    page = text(login(world.users["staff"]).get(reverse("risks:mine")))
    assert shown(page) == {"开大处方收取回扣"}
    assert "处方点评每月抽查" in page  # the measure
    assert "《处方管理办法》第十四条" in page  # the power's 行使依据
    assert "不得为商业目的统方" in page  # its 责任事项
    assert "lf-printable" in page and "data-print" in page
    page = text(login(world.users["dept_head"]).get(reverse("risks:mine")))
    assert shown(page) == {"科室用药目录调整中的利益输送"}  # 科主任's points only


def test_my_risks_without_a_person_or_post(world, register, login):
    page = text(login(world.users["integrity"]).get(reverse("risks:mine")))
    assert "尚未关联人员信息" in page
    page = text(login(world.users["leader"]).get(reverse("risks:mine")))
    assert "本岗位暂无登记的风险点" in page  # 副院长 holds a post without risk points


def test_my_risks_ignores_posts_held_before(world, register, login):
    from lianfang.org.models import PostAssignment

    PostAssignment.objects.filter(person=world.staff_person).update(end=dt.date(2024, 1, 1))
    page = text(login(world.users["staff"]).get(reverse("risks:mine")))
    assert shown(page) == set() and "当前未担任岗位" in page


def test_leader_scope_follows_current_divisions(world, register, login):
    LeaderDivision.objects.filter(department=world.finance).update(until=dt.date(2023, 1, 1))
    page = text(login(world.users["leader"]).get(reverse("risks:register")))
    assert shown(page) == {"供应商遴选中透露标底"}


def test_retired_point_still_opens_with_history(world, register, login):
    make_risk_point(power=register.prescribing, department=world.cardiology, name="另一个")
    response = login(world.users["integrity"]).get(
        reverse("risks:point_detail", args=[register.retired.pk])
    )
    assert response.status_code == 200 and "已停用" in text(response)
    assert 'data-testid="point-actions"' not in text(response)
