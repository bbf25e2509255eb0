"""公开完整性: notices past their expiry date still pinned are listed for the integrity office."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from lianfang.content.columns import expired_pinned
from lianfang.portal import columns as registry
from lianfang.portal import selectors as portal_selectors

from .conftest import publish


def test_notices_past_expiry_still_pinned_are_a_completeness_gap(world, columns, today):
    _news, notices = columns
    yesterday = today - dt.timedelta(days=1)
    stale = publish(
        world,
        notices,
        "过期仍置顶",
        pinned=True,
        author_department="院办公室",
        published_on=today - dt.timedelta(days=10),
        expires_on=yesterday,
    )
    publish(world, notices, "过期未置顶", published_on=yesterday, expires_on=yesterday)
    publish(world, notices, "今天到期仍置顶", pinned=True, expires_on=today)
    publish(world, notices, "长期置顶", pinned=True)

    assert "content_expired_pinned" in {gap.code for gap in registry.gaps()}
    [item] = expired_pinned(world.hospital)
    assert (item.title, item.department) == ("通知公告 · 过期仍置顶", "院办公室")
    assert item.url == reverse("content:article_detail", args=[stale.pk])
    assert expired_pinned(world.other_hospital) == []

    found = dict((gap.code, items) for gap, items in portal_selectors.completeness(world.hospital))
    assert [i.title for i in found["content_expired_pinned"]] == ["通知公告 · 过期仍置顶"]

    client = Client()
    client.force_login(world.users["integrity"])
    page = client.get(reverse("portal:completeness", args=[world.hospital.pk])).content.decode()
    section = page.split('data-testid="gap-content_expired_pinned"')[1].split("</table>")[0]
    assert "过期仍置顶" in section and "过期未置顶" not in section and "长期置顶" not in section

    from lianfang.content import services

    services.article_withdraw(actor=world.users["integrity"], article=stale, reason="已过期")
    assert expired_pinned(world.hospital) == []
