"""The risk points on the power catalogue's pages are contributed by risks (org names no
risks): a sortable count in the list, levels on the flow chart's steps and a table of points.
Without the contributions the catalogue stands on its own."""

import pytest
from django.urls import reverse

from lianfang.core import extensions
from lianfang.org.models import Post
from lianfang.org.power_selectors import POWER_COUNTS, POWER_DETAIL, power_counts
from lianfang.risks import panels
from tests.risks.factories import make_power, make_risk_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def power(world):
    buyer = Post.objects.get(code="P-CGY")
    power = make_power(
        world.hospital, "药品耗材采购", "CG-01", steps=[("need", "提出需求"), ("choose", "遴选")]
    )
    choose = power.steps.get(key="choose")
    make_risk_point(power=power, step=choose, post=buyer, name="遴选中的利益输送", level=1)
    make_risk_point(power=power, step=choose, post=buyer, name="评分标准泄露", level=1)
    make_risk_point(power=power, step=choose, post=buyer, name="未定级的点", grade=False)
    make_risk_point(power=power, post=buyer, name="不在环节上的点", level=3)
    return power


@pytest.fixture
def without_risks(monkeypatch):
    """The slots as they would be with no app above org installed."""
    monkeypatch.setattr(
        extensions,
        "_SLOTS",
        {k: v for k, v in extensions._SLOTS.items() if k not in (POWER_COUNTS, POWER_DETAIL)},
    )


def test_risks_fills_both_slots_of_the_power_pages():
    assert extensions.contributions(POWER_DETAIL) == [panels.power_risk_panel]
    assert [count.key for count in power_counts()] == ["risks"]


def test_the_flow_steps_carry_the_levels_and_the_panel_the_points(world, login, power):
    page = (
        login(world.users["integrity"])
        .get(reverse("org:power_detail", args=[power.pk]))
        .content.decode()
    )
    flow = page.split('data-testid="power-flow"')[1].split("</ol>")[0]
    need, choose = flow.split('data-testid="flow-step"')[1:]
    assert "lf-flow-marks" not in need
    assert '<span class="badge lf-level-1">高风险 2</span>' in choose
    assert "未定级 1" in choose
    section = page.split('id="risks"')[1]
    assert "其中 1 个未定位到环节" in section
    table = section.split('data-testid="power-risk-points"')[1]
    for name in ("遴选中的利益输送", "评分标准泄露", "未定级的点", "不在环节上的点"):
        assert name in table


def test_the_power_pages_stand_without_risks(world, login, power, without_risks):
    client = login(world.users["integrity"])
    listing = client.get(reverse("org:power_list"), {"sort": "-risks"})
    assert listing.status_code == 200
    table = listing.content.decode().split('data-testid="power-table"')[1]
    assert "药品耗材采购" in table and "风险点" not in table
    detail = client.get(reverse("org:power_detail", args=[power.pk])).content.decode()
    assert "遴选" in detail
    assert "lf-level-1" not in detail and 'id="risks"' not in detail
