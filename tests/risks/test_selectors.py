import datetime as dt

import pytest

from lianfang.core.scoping import scope_of
from lianfang.org.models import PostAssignment
from lianfang.risks import selectors
from lianfang.risks.models import Category, RiskPoint
from tests.factories import make_person
from tests.risks.factories import make_power, make_risk_point
from tests.risks.register_data import TODAY, VISIBLE, build_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(world):
    return build_register(world)


def names(qs):
    return {p.name for p in qs}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_list_is_scoped_by_role_and_hides_retired_points(world, register, role):
    points = selectors.risk_point_list(user=world.users[role])
    assert names(points) == VISIBLE[role]


def test_nobody_and_outsider_see_nothing_of_the_hospital(world, register):
    assert names(selectors.risk_point_list(user=world.users["nobody"])) == set()
    assert names(selectors.risk_point_list(user=world.users["outsider"])) == {"外院手术排台收红包"}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"level": 1}, {"开大处方收取回扣", "供应商遴选中透露标底"}),
        ({"level": selectors.UNGRADED}, {"违规支付工程款"}),
        ({"category": Category.SYSTEM_MECHANISM}, {"科室集体收受药企赞助"}),
        ({"status": RiskPoint.Status.FILED}, {"开大处方收取回扣"}),
        ({"status": RiskPoint.Status.RETIRED}, {"已停用的旧风险点"}),
        ({"source": RiskPoint.Source.LEADER}, {"科室用药目录调整中的利益输送"}),
        ({"overdue": True}, {"开大处方收取回扣"}),
        ({"q": "大处方"}, {"开大处方收取回扣"}),
        # the search reaches the manifestation too
        ({"q": "超疗程"}, {"开大处方收取回扣"}),
        ({"q": "不存在的词"}, set()),
    ],
)
def test_filters(world, register, filters, expected):
    assert names(selectors.risk_point_list(user=world.users["integrity"], filters=filters)) == (
        expected
    )


def test_status_all_includes_retired(world, register):
    points = selectors.risk_point_list(user=world.users["integrity"], filters={"status": "all"})
    assert "已停用的旧风险点" in names(points) and len(points) == 6


def test_relation_filters(world, register):
    user = world.users["integrity"]
    doctor_post = register.doctor.post
    assert names(selectors.risk_point_list(user=user, filters={"post": doctor_post})) == {
        "开大处方收取回扣"
    }
    assert names(
        selectors.risk_point_list(user=user, filters={"department": world.cardiology})
    ) == {"开大处方收取回扣", "科室用药目录调整中的利益输送", "科室集体收受药企赞助"}
    assert names(
        selectors.risk_point_list(user=user, filters={"power": register.procurement_power})
    ) == {"供应商遴选中透露标底"}


def test_organisation_filter_covers_the_subtree(world, register):
    user = world.users["commission_integrity"]
    assert names(
        selectors.risk_point_list(user=user, filters={"organisation": world.other_hospital})
    ) == {"外院手术排台收红包"}
    assert (
        len(selectors.risk_point_list(user=user, filters={"organisation": world.commission})) == 6
    )


def test_filters_never_widen_the_scope(world, register):
    # the staff member asks for another department: nothing beyond their own post comes back
    user = world.users["staff"]
    assert names(selectors.risk_point_list(user=user, filters={"department": world.finance})) == (
        set()
    )


def test_list_rows_carry_their_relations_and_risk_value(world, register, django_assert_num_queries):
    user = world.users["integrity"]
    scope_of(user)
    with django_assert_num_queries(1):
        rows = list(selectors.risk_point_list(user=user).order_by("pk"))
        shown = [
            (
                r.department and r.department.name,
                r.post and r.post.name,
                r.power.name,
                r.step and r.step.name,
                r.organisation.name,
                r.risk_value,
            )
            for r in rows
        ]
    assert shown[0] == ("心内科", "主治医师", "处方开具", "开具处方", "示例市人民医院", 9)


def test_level_counts_in_one_query(world, register, django_assert_num_queries):
    user = world.users["integrity"]
    scope_of(user)
    points = selectors.risk_points_filtered(user=user)
    with django_assert_num_queries(1):
        counts = selectors.level_counts(points, TODAY)
    assert counts.by_level == {1: 2, 2: 1, 3: 1, None: 1}
    assert counts.total == 5 and counts.overdue == 1
    assert [(level, n) for level, _label, n in counts.rows()] == [(1, 2), (2, 1), (3, 1), (None, 1)]


def test_heatmap_counts_each_cell(world, register, django_assert_num_queries):
    user = world.users["integrity"]
    power = make_power(world.hospital, "另一权力", "QL-X")
    for _ in range(3):
        make_risk_point(power=power, department=world.finance, likelihood=3, harm=3)
    scope_of(user)
    with django_assert_num_queries(1):
        heatmap = selectors.risk_point_heatmap(user=user)
    # register: (3,3) doctor, (2,2) head, (1,2) cardiology, (3,2) buyer; finance is unscored
    assert heatmap.size == 3
    assert heatmap.counts == {(3, 3): 4, (2, 2): 1, (1, 2): 1, (3, 2): 1}
    assert heatmap.total == 7 and heatmap.max == 4
    cells = {(c[1] + 1, c[0] + 1): c[2] for c in heatmap.cells()}
    assert len(cells) == 9 and cells[(3, 3)] == 4 and cells[(1, 1)] == 0 and cells[(3, 2)] == 1


def test_heatmap_follows_filters_and_widens_for_larger_scores(world, register):
    user = world.users["integrity"]
    assert selectors.risk_point_heatmap(user=user, filters={"level": 1}).counts == {
        (3, 3): 1,
        (3, 2): 1,
    }
    make_risk_point(
        power=register.prescribing, department=world.cardiology, likelihood=5, harm=4, grade=False
    )
    heatmap = selectors.risk_point_heatmap(user=user)
    assert heatmap.size == 5 and heatmap.counts[(5, 4)] == 1
    assert selectors.risk_point_heatmap(user=user, size=5).size == 5


def test_counts_by_department_are_stacked_by_level(world, register, django_assert_num_queries):
    user = world.users["integrity"]
    power = make_power(world.hospital, "另一权力", "QL-X")
    make_risk_point(power=power, likelihood=3, harm=3)  # a unit-level point
    scope_of(user)
    with django_assert_num_queries(2):  # the counts, then the departments' names
        data = selectors.risk_point_counts_by_department(user=user, today=TODAY)
    assert data["labels"][0] == "心内科"  # the most points first
    assert set(data["labels"]) == {"心内科", "采购中心", "财务科", "单位层面"}
    by_label = {
        label: {level: data["series"][level][i] for level in data["series"]}
        for i, label in enumerate(data["labels"])
    }
    assert by_label["心内科"] == {1: 1, 2: 1, 3: 1, None: 0}
    assert by_label["采购中心"][1] == 1
    assert by_label["财务科"][None] == 1
    assert by_label["单位层面"][1] == 1
    assert data["omitted"] == 0
    assert data["by_level"] == {1: 3, 2: 1, 3: 1, None: 1}
    # the overdue reviews come with the same query, as the register page counts them
    points = selectors.risk_points_filtered(user=user)
    assert data["overdue"] == selectors.level_counts(points, TODAY).overdue == 1


def test_counts_by_department_keep_the_largest_and_name_organisations(world, register):
    data = selectors.risk_point_counts_by_department(
        user=world.users["commission_integrity"], limit=2
    )
    assert data["labels"][0] == "示例市人民医院 · 心内科"
    assert len(data["labels"]) == 2 and data["omitted"] == 2  # of four departments


def test_overdue_filter_uses_today(world, register):
    user = world.users["integrity"]
    later = TODAY + dt.timedelta(days=400)
    points = selectors.risk_points_filtered(user=user, filters={"overdue": True}, today=later)
    # every graded point's review falls due within a year of today
    assert names(points) >= {"开大处方收取回扣", "科室用药目录调整中的利益输送"}


def test_officer_scope_adds_only_own_posts_outside_the_subtree(world, register):
    """An OR with every post the officer holds would stop the database from using the
    organisation index; posts inside the subtree are seen anyway. Staff keep the term."""
    from lianfang.org.models import Post

    inside = Post.objects.filter(organisation=world.hospital).first()
    outside = Post.objects.filter(organisation=world.other_hospital).first()
    person = make_person(world.hospital, None, "0901", "纪检干事", inside)
    officer = world.users["integrity"]
    person.user = officer
    person.save()

    def sql(user):
        user = type(user).objects.get(pk=user.pk)  # a fresh scope
        return str(selectors.risk_points_visible_to(user).query)

    assert "post_id" not in sql(officer).split("WHERE", 1)[1]
    PostAssignment.objects.create(person=person, post=outside, start=TODAY)
    assert f'post_id" IN ({outside.pk})' in sql(officer)
    assert "org_postassignment" in sql(world.users["staff"])
