"""The page cache against the register and the flows' publications: what core.publications
writes or withdraws, and a write of the public register (powers, risk points), shows on a
cached page at once, not after the organisation's max_age."""

import pytest
from django.test import Client
from django.urls import reverse

from lianfang.core import publications
from lianfang.org import power_services
from lianfang.risks.publications import risk_points_publish
from lianfang.risks.services import risk_points as risk_services

from . import world as demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(settings):
    settings.LIANFANG_PORTAL_PAGE_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return demo.build()


def column_url(w, code):
    return reverse("portal:column", args=[w["hospital"].code, code])


def page(url) -> str:
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_is_kept_until_something_public_changes(w):
    """The premise: without a change, the second request is the cached page (a write that
    bypasses the services, as a stray UPDATE would, does not show)."""
    url = column_url(w, "catalogue")
    assert "物资设备采购" in page(url)
    type(w["procurement"]).objects.filter(pk=w["procurement"].pk).update(name="绕过服务的改名")
    assert "绕过服务的改名" not in page(url)


def test_a_control_point_publication_shows_at_once_and_its_withdrawal_drops_it(w):
    url = column_url(w, "results")
    assert "物资设备采购" not in page(url)  # cached now
    record = publications.publish_one(
        actor=w["integrity"],
        organisation=w["hospital"],
        column=publications.column_of("flows", "results"),
        source=w["procurement"],
    )
    assert "物资设备采购" in page(url)
    item = reverse("portal:item", args=[w["hospital"].code, "results", record.pk])
    assert Client().get(item).status_code == 200
    publications.withdraw(actor=w["integrity"], publication=record, reason="公开内容有误")
    assert "物资设备采购" not in page(url)
    assert Client().get(item).status_code == 404


def test_a_risk_point_edit_shows_at_once_on_the_cached_risk_points_page(w):
    url = column_url(w, "risk-points")
    by_level = url + "?level=1"
    assert "供应商遴选中的利益输送" in page(url)
    assert "供应商遴选中的利益输送" in page(by_level)
    point = risk_services.risk_point_update(
        actor=w["integrity"],
        risk_point=w["published"],
        data={"level": 3},
        reason="集体决策后风险降低",
    )
    assert point.level == 3
    assert "供应商遴选中的利益输送" not in page(by_level)  # the live level places it
    risk_services.risk_point_update(
        actor=w["integrity"], risk_point=point, data={"name": "供应商遴选中的围标串标"}
    )
    risk_points_publish(actor=w["integrity"], organisation=w["hospital"])
    html = page(url)
    assert "供应商遴选中的围标串标" in html
    assert "供应商遴选中的利益输送" not in html


def test_a_power_edit_shows_at_once_on_the_cached_catalogue(w):
    url = column_url(w, "catalogue")
    assert "物资设备采购" in page(url)
    power_services.power_update(
        actor=w["admin"], power=w["procurement"], data={"name": "物资设备集中采购"}
    )
    assert "物资设备集中采购" in page(url)
    power_services.power_update(actor=w["admin"], power=w["procurement"], data={"is_public": False})
    assert "物资设备集中采购" not in page(url)
