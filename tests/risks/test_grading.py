import pytest

from lianfang.risks import grading
from lianfang.risks.models import GradingScheme, MonitorRole
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def scheme(method=GradingScheme.Method.MATRIX, size=3, **overrides):
    values = grading.default_scheme_values(method, size)
    values.update(overrides)
    return GradingScheme(name="t", **values)


def test_default_3x3_grid_by_score():
    assert grading.default_grid(3) == [
        [3, 3, 2],
        [3, 2, 1],
        [2, 1, 1],
    ]


def test_default_5x5_grid_corners_and_thresholds():
    grid = grading.default_grid(5)
    assert len(grid) == 5 and all(len(row) == 5 for row in grid)
    assert grid[0][0] == 3 and grid[4][4] == 1
    assert grid[2][4] == 1  # 3 × 5 = 15 → 一级
    assert grid[1][3] == 2  # 2 × 4 = 8 → 二级
    assert grid[1][2] == 3  # 2 × 3 = 6 → 三级
    # symmetric: likelihood and harm weigh the same
    assert all(grid[i][j] == grid[j][i] for i in range(5) for j in range(5))


def test_default_4x4_grid_is_monotonic():
    grid = grading.default_grid(4)
    for i in range(4):
        for j in range(3):
            assert grid[i][j] >= grid[i][j + 1]
            assert grid[j][i] >= grid[j + 1][i]


def test_matrix_grading_is_a_lookup_in_the_grid():
    s = scheme(grid=[[3, 3, 3], [3, 3, 3], [3, 3, 1]])
    assert grading.grade(s, likelihood=3, harm=3) == 1
    assert grading.grade(s, likelihood=2, harm=3) == 3


def test_matrix_grading_needs_both_scores_in_range():
    s = scheme()
    assert grading.grade(s, likelihood=None, harm=3) is None
    assert grading.grade(s, likelihood=4, harm=1) is None
    assert grading.grade(scheme(size=5), likelihood=5, harm=5) == 1


def test_matter_kind_grading():
    s = scheme(GradingScheme.Method.MATTER)
    assert grading.grade(s, matter_kind="major_decision") == 1
    assert grading.grade(s, matter_kind="reception") == 2
    assert grading.grade(s, matter_kind="service_conduct") == 3
    assert grading.grade(s, matter_kind="") is None
    edited = scheme(GradingScheme.Method.MATTER, matter_levels={"reception": 1})
    assert grading.grade(edited, matter_kind="reception") == 1
    assert grading.grade(edited, matter_kind="finance") is None


def test_criteria_grading_counts_distinct_criteria():
    s = scheme(GradingScheme.Method.CRITERIA)
    assert grading.grade(s, criteria=[]) is None
    assert grading.grade(s, criteria=["discretion"]) == 3
    assert grading.grade(s, criteria=["discretion", "discretion"]) == 3
    assert grading.grade(s, criteria=["discretion", "controls_people"]) == 2
    three = ["discretion", "controls_people", "high_incidence"]
    assert grading.grade(s, criteria=three) == 1


def test_rescale_keeps_the_ends_and_order():
    assert [grading.rescale(v, 3, 5) for v in (1, 2, 3)] == [1, 3, 5]
    assert [grading.rescale(grading.rescale(v, 3, 5), 5, 3) for v in (1, 2, 3)] == [1, 2, 3]
    # symmetric: 较低 and 较高 on a 5-point scale fall to 低 and 高 alike
    assert [grading.rescale(v, 5, 3) for v in (1, 2, 3, 4, 5)] == [1, 1, 2, 3, 3]
    assert grading.rescale(None, 3, 5) is None
    assert grading.rescale(2, 4, 4) == 2
    for a, b in ((3, 4), (4, 5), (5, 3), (3, 5)):
        values = [grading.rescale(v, a, b) for v in range(1, a + 1)]
        assert values == sorted(values) and values[0] == 1 and values[-1] == b


def test_monitor_roles_and_review_interval_defaults():
    s = scheme()
    assert grading.monitor_roles(s, 1) == [
        MonitorRole.PRINCIPAL_LEADER,
        MonitorRole.INTEGRITY_OFFICE,
    ]
    assert MonitorRole.LEADER_IN_CHARGE in grading.monitor_roles(s, 2)
    assert grading.monitor_roles(s, None) == []
    assert grading.review_interval_days(s, 1) == 90
    assert grading.review_interval_days(s, 3) == 365


def test_active_scheme_inherits_from_the_nearest_ancestor():
    root = make_org("委", "R", kind="authority")
    mid = make_org("局", "M", root)
    leaf = make_org("所", "L", mid)
    assert grading.active_scheme(leaf).pk is None  # the unsaved default
    assert grading.active_scheme(leaf).matrix_size == 3
    GradingScheme.objects.create(organisation=root, name="root", active=True, method="matter")
    mid_scheme = GradingScheme.objects.create(
        organisation=mid, name="mid", active=True, **grading.default_scheme_values("matrix", 5)
    )
    assert grading.active_scheme(leaf) == mid_scheme
    assert grading.active_scheme(root).name == "root"
    schemes = grading.schemes_for([root, mid, leaf])
    assert [schemes[o.pk].name for o in (root, mid, leaf)] == ["root", "mid", "mid"]


def test_label():
    assert grading.label(scheme(size=5)) == "5×5 矩阵"
    assert grading.label(scheme(GradingScheme.Method.MATTER)) == "按事项性质"
