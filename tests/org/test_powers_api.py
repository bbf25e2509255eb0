import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lianfang.org.models import Post, Power, PowerStep
from tests.risks.factories import make_power

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _client(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _client


@pytest.fixture
def powers(world):
    buyer = Post.objects.get(code="P-CGY")
    procurement = make_power(
        world.hospital,
        "药品耗材采购",
        "CG-01",
        department=world.procurement,
        category=Power.Category.PROCUREMENT,
        steps=[("need", "提出需求"), ("choose", "供应商遴选")],
    )
    procurement.posts.set([buyer])
    PowerStep.objects.filter(power=procurement, key="choose").update(
        is_control_point=True, post=buyer, order=0
    )
    make_power(world.hospital, "处方权", "YY-01", is_public=False, active=False)
    make_power(world.other_hospital, "外院采购", "CG-01")
    return procurement


def codes(response):
    assert response.status_code == 200, response.content
    return sorted((row["code"], row["name"]) for row in response.json()["results"])


def test_powers_are_scoped(world, api, powers):
    url = reverse("api-power-list")
    hospital = [("CG-01", "药品耗材采购"), ("YY-01", "处方权")]
    assert codes(api(world.users["staff"]).get(url)) == hospital
    assert codes(api(world.users["integrity"]).get(url)) == hospital
    assert ("CG-01", "外院采购") in codes(api(world.users["commission_integrity"]).get(url))
    assert codes(api(world.users["outsider"]).get(url)) == [("CG-01", "外院采购")]
    assert api(world.users["nobody"]).get(url).status_code == 403


def test_power_detail_carries_its_steps_in_order(world, api, powers):
    response = api(world.users["staff"]).get(reverse("api-power-detail", args=[powers.pk]))
    data = response.json()
    assert data["category_display"] == "采购"
    assert data["department_name"] == "采购中心"
    assert data["posts"] == [Post.objects.get(code="P-CGY").pk]
    assert [(s["key"], s["is_control_point"], s["post_name"]) for s in data["steps"]] == [
        ("choose", True, "采购员"),
        ("need", False, None),
    ]
    foreign = Power.objects.get(organisation=world.other_hospital)
    outside = api(world.users["integrity"]).get(reverse("api-power-detail", args=[foreign.pk]))
    assert outside.status_code == 404


def test_power_filters(world, api, powers):
    client = api(world.users["integrity"])
    url = reverse("api-power-list")
    assert codes(client.get(url, {"q": "处方"})) == [("YY-01", "处方权")]
    assert codes(client.get(url, {"category": "procurement"})) == [("CG-01", "药品耗材采购")]
    assert codes(client.get(url, {"is_public": "false"})) == [("YY-01", "处方权")]
    assert codes(client.get(url, {"active": "true"})) == [("CG-01", "药品耗材采购")]
    assert codes(client.get(url, {"department": world.procurement.pk})) == [
        ("CG-01", "药品耗材采购")
    ]


def test_schema_lists_the_power_endpoint(world, login):
    response = login(world.users["integrity"]).get("/api/schema/")
    assert response.status_code == 200
    assert "/api/org/powers/" in response.content.decode()
