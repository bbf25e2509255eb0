"""The register charts lead to the register: each heat-map cell, level slice and department
bar links to the register filtered to it, and the register then counts what the chart did."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from lianfang.org.models import Department
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_power, make_risk_point
from tests.risks.register_data import build_register

pytestmark = pytest.mark.django_db
CHARTS = reverse("risks:register_charts")
REGISTER = reverse("risks:register")


@pytest.fixture
def register(world):
    return build_register(world)


def chart_data(response) -> dict:
    page = response.content.decode()
    return json.loads(re.search(r'id="lf-risk-charts"[^>]*>(.*?)</script>', page, re.S).group(1))


def register_total(client, url) -> int:
    assert url.startswith(REGISTER + "?"), url
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["filters"].errors, response.context["filters"].errors
    return response.context["counts"].total


def test_every_heatmap_cell_opens_the_register_with_its_points(world, register, login):
    client = login(world.users["integrity"])
    data = chart_data(client.get(CHARTS))
    links = data["links"]["heatmap"]
    assert len(links) == data["heatmap"]["size"] ** 2
    for harm, likelihood, count in data["heatmap"]["cells"]:
        url = links[f"{likelihood + 1}-{harm + 1}"]
        assert parse_qs(urlsplit(url).query) == {
            "likelihood": [str(likelihood + 1)],
            "harm": [str(harm + 1)],
        }
        assert register_total(client, url) == count, url
    # the cell of 开大处方收取回扣 (L3 × C3) lists that point
    page = client.get(links["3-3"]).content.decode()
    assert "开大处方收取回扣" in page and "科室用药目录调整中的利益输送" not in page


def test_cells_keep_the_page_filters(world, register, login):
    client = login(world.users["integrity"])
    data = chart_data(client.get(CHARTS, {"category": "post_duty", "page": "2"}))
    query = parse_qs(urlsplit(data["links"]["heatmap"]["3-3"]).query)
    assert query["category"] == ["post_duty"] and "page" not in query
    assert register_total(client, data["links"]["heatmap"]["3-3"]) == 1
    assert register_total(client, data["links"]["heatmap"]["2-2"]) == 0  # not 岗位职责风险


def test_level_slices_and_department_bars_open_their_points(world, register, login):
    client = login(world.users["integrity"])
    data = chart_data(client.get(CHARTS))
    for level in data["levels"]:
        url = data["links"]["levels"][level["level"]]
        assert register_total(client, url) == level["value"], level
    departments = data["departments"]
    assert len(data["links"]["departments"]) == len(departments["labels"])
    for i, (label, entry) in enumerate(
        zip(departments["labels"], data["links"]["departments"], strict=True)
    ):
        assert entry["label"] == label
        for series in departments["series"]:
            url = entry["levels"][series["level"]]
            assert register_total(client, url) == series["data"][i], (label, series["name"])
        assert register_total(client, entry["all"]) == sum(
            s["data"][i] for s in departments["series"]
        )


def test_a_commission_bar_names_its_hospital(world, register, login):
    client = login(world.users["commission_integrity"])
    data = chart_data(client.get(CHARTS))
    by_label = dict(zip(data["departments"]["labels"], data["links"]["departments"], strict=True))
    entry = by_label["示例市第二医院 · 普外科"]
    query = parse_qs(urlsplit(entry["all"]).query)
    assert query["organisation"] == [str(world.other_hospital.pk)]
    assert query["department"] == [str(world.surgery_b.pk)]
    assert register_total(client, entry["all"]) == 1


def test_unit_level_bar_has_no_department_link(world, register, login):
    power = make_power(world.hospital, "另一权力", "QL-X")
    make_risk_point(power=power, likelihood=3, harm=3)  # no department
    data = chart_data(login(world.users["integrity"]).get(CHARTS))
    by_label = dict(zip(data["departments"]["labels"], data["links"]["departments"], strict=True))
    assert by_label["单位层面"]["levels"] is None and by_label["单位层面"]["all"] is None


def test_the_heatmap_table_links_each_counted_cell(world, register, login):
    page = login(world.users["integrity"]).get(CHARTS).content.decode()
    table = re.search(r'data-testid="heatmap-table".*?</table>', page, re.S).group(0)
    hrefs = re.findall(r'href="([^"]+)"', table)
    assert len(hrefs) == len(set(hrefs)) == 4  # the cells that hold the graded points
    assert all(h.startswith(REGISTER + "?") for h in hrefs)


def test_register_filters_by_likelihood_and_harm(world, register, login):
    client = login(world.users["integrity"])
    page = client.get(REGISTER, {"likelihood": "2", "harm": "2"}).content.decode()
    assert "科室用药目录调整中的利益输送" in page and "开大处方收取回扣" not in page
    # a score out of range is dropped, never an error page
    response = client.get(REGISTER, {"likelihood": "9", "harm": "x"})
    assert response.status_code == 200
    assert (
        response.context["counts"].total
        == RiskPoint.objects.filter(organisation=world.hospital).in_use().count()
    )


def test_a_hospital_sees_every_department_and_no_request_for_a_filter(world, register, login):
    """A commission's chart keeps its 30 largest departments and says how many it left out,
    with the unit filter it has; one organisation's chart shows all of its departments."""
    power = make_power(world.hospital, "科室权力", "QL-K")
    for i in range(35):
        dept = Department.objects.create(organisation=world.hospital, name=f"科室{i}", code=f"K{i}")
        make_risk_point(power=power, department=dept, likelihood=1, harm=1, name=f"风险{i}")
    response = login(world.users["integrity"]).get(CHARTS)
    data = chart_data(response)
    assert len(data["departments"]["labels"]) == 35 + 3
    assert "未显示" not in response.content.decode()
    response = login(world.users["commission_integrity"]).get(CHARTS)
    assert len(chart_data(response)["departments"]["labels"]) == 30
    assert "另有 9 个科室未显示，请按单位筛选查看" in response.content.decode()
    # the commission choosing one hospital sees all its departments
    response = login(world.users["commission_integrity"]).get(
        CHARTS, {"organisation": world.hospital.pk}
    )
    assert len(chart_data(response)["departments"]["labels"]) == 38
