import datetime as dt

import pytest
from django.core.cache import cache

from lianfang.content import services
from lianfang.portal.models import PortalColumn, PortalSite


@pytest.fixture(autouse=True)
def open_sites(world):
    """Both hospitals' public sites are open (content's public pages are 404 otherwise); the
    portal keeps its site lookups and pages in the cache, so each test starts without them."""
    cache.clear()
    for org in (world.hospital, world.other_hospital):
        PortalSite.objects.create(organisation=org, enabled=True)
    yield
    cache.clear()


@pytest.fixture
def columns(world):
    """The hospital's news and notices columns, written by its staff (职工)."""
    news = PortalColumn.objects.create(
        organisation=world.hospital,
        code="news",
        name="医院新闻",
        kind="news",
        order=10,
        editor_roles=["staff"],
    )
    notices = PortalColumn.objects.create(
        organisation=world.hospital,
        code="notices",
        name="通知公告",
        kind="notices",
        order=20,
        editor_roles=["staff"],
    )
    return news, notices


def publish(world, column, title, **data):
    """An article written by the staff member and published by the integrity office."""
    staff, office = world.users["staff"], world.users["integrity"]
    article = services.article_create(
        actor=staff, column=column, data={"title": title, "body": "<p>正文</p>", **data}
    )
    services.article_submit(actor=staff, article=article)
    return services.article_publish(actor=office, article=article)


@pytest.fixture
def today():
    from django.utils import timezone

    return timezone.localdate()


__all__ = ["dt", "publish"]
