"""The integrity office's warning pages: scoped lists with filters, the detail with its
evidence and moves, and a fixed number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.core import warnings
from lianfang.core.models import Warning, WarningLevel, WarningStatus
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_risk_point

pytestmark = pytest.mark.django_db

LIST = reverse("core:warning_list")


def raise_(world, key, org=None, *, level=WarningLevel.NOTICE, source="test", evidence_object=None):
    return warnings.raise_warning(
        source=source,
        rule="rule",
        key=key,
        organisation=org or world.hospital,
        subject=f"预警事项 {key}",
        level=level,
        owner=world.head_person,
        evidence_object=evidence_object,
    )


def rows(response):
    return response.content.decode().count('data-testid="warning-row"')


def test_the_office_sees_its_organisations_warnings(world, client):
    raise_(world, "ours")
    theirs = raise_(world, "theirs", world.other_hospital)
    client.force_login(world.users["integrity"])
    page = client.get(LIST)
    assert page.status_code == 200
    assert "预警事项 ours" in page.content.decode()
    assert "预警事项 theirs" not in page.content.decode()
    assert client.get(reverse("core:warning_detail", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("core:warning_transition", args=[theirs.pk]), {"to": "checking"})
    assert response.status_code == 404
    assert Warning.objects.get(pk=theirs.pk).status == WarningStatus.OPEN

    client.force_login(world.users["commission_integrity"])
    assert rows(client.get(LIST)) == 2


@pytest.mark.parametrize("role", ["admin", "leader", "dept_head", "staff"])
def test_other_roles_are_refused(world, client, role):
    warning = raise_(world, "ours")
    client.force_login(world.users[role])
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("core:warning_detail", args=[warning.pk])).status_code == 403
    url = reverse("core:warning_transition", args=[warning.pk])
    assert client.post(url, {"to": "checking"}).status_code == 403


def test_the_list_filters_by_status_level_and_source(world, client):
    raise_(world, "a", level=WarningLevel.NOTICE)
    raise_(world, "b", level=WarningLevel.WARNING, source="risks")
    closed = raise_(world, "c")
    warnings.resolve_missing(source="test", rule="rule", keys_still_true=["a"])
    client.force_login(world.users["integrity"])
    assert rows(client.get(LIST)) == 2  # not closed, by default
    assert rows(client.get(LIST, {"status": "all"})) == 3
    page = client.get(LIST, {"status": "closed"})
    assert rows(page) == 1 and closed.subject in page.content.decode()
    assert rows(client.get(LIST, {"level": WarningLevel.WARNING})) == 1
    assert rows(client.get(LIST, {"source": "risks"})) == 1
    assert rows(client.get(LIST, {"source": "nonsense"})) == 2  # no such source: ignored
    assert rows(client.get(LIST, {"level": "9", "status": "nonsense", "sort": "x"})) == 2
    assert rows(client.get(LIST, {"status": "dismissed"})) == 0
    assert 'data-testid="empty-state"' in client.get(LIST, {"status": "dismissed"}).content.decode()


def test_the_list_says_when_there_is_nothing(world, client):
    client.force_login(world.users["integrity"])
    page = client.get(LIST).content.decode()
    assert 'data-testid="empty-state"' in page and "暂无预警" in page


def test_the_detail_shows_evidence_and_moves_the_warning(world, client):
    point = make_risk_point(
        world.hospital,
        department=world.cardiology,
        status=RiskPoint.Status.FILED,
        review_due=dt.date.today() - dt.timedelta(days=3),
    )
    warnings.warnings_check(only={("risks", "review_overdue")})
    warning = Warning.objects.get(source="risks")
    client.force_login(world.users["integrity"])
    url = reverse("core:warning_detail", args=[warning.pk])
    page = client.get(url).content.decode()
    assert reverse("risks:point_detail", args=[point.pk]) in page
    assert "李主任" in page  # the owner
    assert 'data-testid="warning-move-checking"' in page
    assert 'data-testid="warning-move-confirmed"' not in page

    move = reverse("core:warning_transition", args=[warning.pk])
    assert client.post(move, {"to": "checking"}).status_code == 302
    # dismissing needs a reason: refused with the message, nothing changed
    refused = client.post(move, {"to": "dismissed", "reason": ""})
    assert refused.status_code == 400
    assert "需要填写说明" in refused.content.decode()
    assert Warning.objects.get(pk=warning.pk).status == WarningStatus.CHECKING
    assert client.post(move, {"to": "confirmed"}).status_code == 302
    assert client.post(move, {"to": "bogus"}).status_code == 400
    page = client.get(url).content.decode()
    assert "确认预警属实" in page and "开始核查预警" in page  # the trail
    assert Warning.objects.get(pk=warning.pk).status == WarningStatus.CONFIRMED


def test_the_list_takes_a_fixed_number_of_queries(world, client):
    client.force_login(world.users["commission_integrity"])
    counts = []
    for size in (3, 30):
        for i in range(size):
            raise_(world, f"{size}-{i}", world.hospital if i % 2 else world.other_hospital)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"per_page": 50}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
