"""The flows' side of the disclosure portal: a public power's chart (the steps of its active
flow, drawn on the server) and the completeness check of control points completed without a
publication."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lianfang.core import publications
from lianfang.core.models import Publication
from lianfang.flows import portal_hooks
from lianfang.org.models import Power
from lianfang.portal import columns
from lianfang.portal import services as portal_services
from tests.flows import monitorkit

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(world):
    return monitorkit.build(world)


def test_the_hooks_are_registered():
    assert portal_hooks.power_chart in columns._POWER_CHARTS
    assert any(g.code == "flows_control_points" for g in columns.gaps())


def test_a_public_powers_chart_lists_its_flows_steps(world, made):
    power = Power.objects.get(organisation=world.hospital, code="YY-CG-05")
    html = portal_hooks.power_chart(power)
    assert "部门负责人审核" in html and "分管院长审批" in html and "内控点" in html
    assert "<script" not in html
    # what the definition holds beyond its steps' names never shows
    assert "dept_head" not in html and "YY-CG-05/request" not in html
    assert html.index("部门负责人审核") < html.index("分管院长审批")


def test_no_chart_for_an_internal_power_or_a_power_without_flow(world, made):
    power = Power.objects.get(organisation=world.hospital, code="YY-CG-05")
    power.is_public = False
    power.save(update_fields=["is_public"])
    assert portal_hooks.power_chart(power) is None
    other = Power.objects.get(organisation=world.hospital, code="YY-JC-01")
    assert portal_hooks.power_chart(other) is None  # no flow names it as its power


def test_an_inactive_flow_draws_no_chart(world, made):
    definition = made["version"].definition
    definition.active = False
    definition.save(update_fields=["active"])
    power = Power.objects.get(organisation=world.hospital, code="YY-CG-05")
    assert portal_hooks.power_chart(power) is None


def test_the_public_site_shows_the_chart_and_hides_an_internal_power(world, made):
    portal_services.site_update(
        actor=world.users["admin"], organisation=world.hospital, data={"enabled": True}
    )
    power = Power.objects.get(organisation=world.hospital, code="YY-CG-05")
    url = reverse("portal:item", args=[world.hospital.code, "catalogue", power.pk])
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 200
    assert 'data-testid="power-flow-chart"' in response.content.decode()
    power.is_public = False
    power.save(update_fields=["is_public"])
    cache.clear()  # the portal keeps rendered pages for max_age
    assert anonymous.get(url).status_code == 404


def test_unpublished_control_points_are_a_completeness_gap(world, made):
    assert portal_hooks.unpublished_control_points(world.hospital) == []
    publication = Publication.objects.get(organisation=world.hospital, withdrawn_at__isnull=True)
    publications.withdraw(actor=world.users["integrity"], publication=publication, reason="有误")
    (item,) = portal_hooks.unpublished_control_points(world.hospital)
    assert item.title == "货物采购审批 · 分管院长审批"
    assert item.department == world.cardiology.name
    assert item.url == reverse("flows:instance", args=[made["published"].pk])
    assert item.note == "已撤回"
    assert portal_hooks.unpublished_control_points(world.other_hospital) == []
