import pytest
from django.http import Http404
from django.test import RequestFactory

from lianfang.portal import columns
from lianfang.portal.models import PortalColumn

from .helpers import questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def column(world):
    return PortalColumn(
        organisation=world.hospital, code="myd", name="满意度评价", kind="satisfaction"
    )


def test_the_kind_is_registered_and_lists_each_department_with_its_code(world, column):
    kind = columns.kind_of("satisfaction")
    assert kind is not None and str(kind.label) == "患者满意度评价"
    request = RequestFactory().get("/")
    empty = kind.view(request, organisation=world.hospital, column=column)
    assert "暂未开放" in empty.content.decode()
    questionnaire(world.hospital)
    html = kind.view(request, organisation=world.hospital, column=column).content.decode()
    assert "心内科" in html and html.count("<svg") == 1  # cardiology is the one clinical one
    assert f"/satisfaction/s/{world.cardiology.pk}/" in html
    assert "采购中心" not in html and ' style="' not in html
    items = kind.latest(organisation=world.hospital, column=column, limit=5)
    assert [i.url for i in items] == [f"/satisfaction/s/{world.cardiology.pk}/"]


def test_an_item_is_one_department_of_the_organisation(world, column):
    questionnaire(world.hospital)
    kind = columns.kind_of("satisfaction")
    request = RequestFactory().get("/")
    page = kind.item_view(
        request, organisation=world.hospital, column=column, item_id=world.cardiology.pk
    )
    assert "<svg" in page.content.decode()
    with pytest.raises(Http404):
        kind.item_view(
            request, organisation=world.hospital, column=column, item_id=world.surgery_b.pk
        )
