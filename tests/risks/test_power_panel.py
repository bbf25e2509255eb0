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


def _rows(response) -> list[str]:
    page = response.content.decode()
    table = page.split('data-testid="power-risk-points"')[1].split("</table>")[0]
    return [row.split("</a>")[0].rsplit(">", 1)[1] for row in table.split('power-risk-point"')[1:]]


def test_the_power_page_pages_sorts_and_filters_its_points(world, login, power):
    """A power of the demo holds hundreds of points: its page shows them a page at a time,
    and the flow chart still counts them all."""
    buyer = Post.objects.get(code="P-CGY")
    choose = power.steps.get(key="choose")
    for i in range(45):
        make_risk_point(power=power, step=choose, post=buyer, name=f"批量风险{i:02}", level=2)
    client = login(world.users["integrity"])
    url = reverse("org:power_detail", args=[power.pk])
    response = client.get(url)
    assert len(_rows(response)) == 20
    page = response.content.decode()
    assert "共 49 条" in page and 'class="page-link"' in page
    assert '<span class="badge lf-level-2">中风险 45</span>' in page  # every point counted
    assert len(_rows(client.get(url, {"page": "3"}))) == 9
    by_name = _rows(client.get(url, {"sort": "name"}))
    assert by_name == sorted(by_name)
    assert _rows(client.get(url, {"level": "1"})) == ["遴选中的利益输送", "评分标准泄露"]
    assert _rows(client.get(url, {"level": "0"})) == ["未定级的点"]
    need = client.get(url, {"step": power.steps.get(key="need").pk}).content.decode()
    assert "没有符合条件的风险点" in need
    assert _rows(client.get(url, {"q": "批量风险07"})) == ["批量风险07"]
    nothing = client.get(url, {"q": "没有这个"}).content.decode()
    assert "没有符合条件的风险点" in nothing
    # a step of another power, or nonsense, is dropped, never an error
    assert client.get(url, {"step": "999999", "level": "x", "page": "y"}).status_code == 200


def test_the_steps_table_names_steps_without_their_codes(world, login, power):
    page = login(world.users["admin"]).get(reverse("org:power_detail", args=[power.pk]))
    table = page.content.decode().split('data-testid="power-steps"')[1].split("</table>")[0]
    assert "提出需求" in table and "遴选" in table
    assert ">need<" not in table and ">choose<" not in table and "环节代码" not in table
