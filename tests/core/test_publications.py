"""Publications (core.publications): the public power catalogue and the public risk points,
published by the integrity office as snapshots of their declared public fields, withdrawn
with a reason, every step audited, and read without login on the public page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.core import publications
from lianfang.core.models import AuditEvent, Publication
from lianfang.org.publications import power_catalogue_publish
from lianfang.portal.models import PortalSite
from lianfang.risks.models import RiskPoint
from lianfang.risks.publications import risk_points_publish
from tests.factories import writes_below
from tests.risks.factories import make_measure, make_power, make_risk_point

pytestmark = pytest.mark.django_db

SECRET_MANIFESTATION = "采购员私下向供应商透露评分细则以收取回扣款项"


@pytest.fixture
def catalogue(world):
    public = make_power(
        world.hospital,
        "药品耗材采购",
        "CG-01",
        department=world.procurement,
        basis="《政府采购法》",
        library_urn="urn:secret:library",
    )
    hidden = make_power(world.hospital, "内部人事调配", "RS-09", is_public=False)
    retired = make_power(world.hospital, "已停用事项", "TY-01", active=False)
    other = make_power(world.other_hospital, "外院采购", "W-01")
    return {"public": public, "hidden": hidden, "retired": retired, "other": other}


@pytest.fixture
def points(world, catalogue):
    filed = make_risk_point(
        power=catalogue["public"],
        department=world.procurement,
        name="遴选中透露评分标准",
        manifestation=SECRET_MANIFESTATION,
        likelihood=3,
        harm=3,
        status=RiskPoint.Status.FILED,
    )
    draft = make_risk_point(
        power=catalogue["public"], department=world.procurement, name="草稿风险不公开"
    )
    make_measure(world.hospital, "评分标准封存", owner_department=world.procurement, points=[filed])
    return {"filed": filed, "draft": draft}


def public_page(client, world, module, column):
    return client.get(reverse("core:public_column", args=[world.hospital.pk, module, column]))


def test_publishing_the_catalogue_and_the_risk_points(world, catalogue, points, client):
    office = world.users["integrity"]
    published = power_catalogue_publish(actor=office, organisation=world.hospital)
    assert [p.title for p in published] == ["药品耗材采购"]
    assert published[0].fields["basis"] == "《政府采购法》"
    assert "library_urn" not in published[0].fields
    risks = risk_points_publish(actor=office, organisation=world.hospital)
    assert [p.title for p in risks] == ["遴选中透露评分标准"]
    assert risks[0].fields["measures"] == "1. 评分标准封存"
    assert set(risks[0].fields) == {"power", "step", "post", "name", "level", "measures"}

    # the office's page says the site is closed instead of linking a page that answers 404
    client.force_login(office)
    manage = client.get(
        reverse("core:publication_column", args=[world.hospital.pk, "org", "power_catalogue"])
    ).content.decode()
    assert 'data-testid="site-closed"' in manage and 'data-testid="public-page"' not in manage
    client.logout()  # the public page needs no login
    # nothing is public while the hospital's public site is closed (the portal's gate) ...
    assert public_page(client, world, "org", "power_catalogue").status_code == 404
    site = PortalSite.objects.create(organisation=world.hospital, enabled=True)
    page = public_page(client, world, "org", "power_catalogue")
    assert page.status_code == 200
    text = page.content.decode()
    assert "药品耗材采购" in text and "《政府采购法》" in text and "采购中心" in text
    for never in ("内部人事调配", "已停用事项", "外院采购", "urn:secret:library"):
        assert never not in text
    text = public_page(client, world, "risks", "risk_points").content.decode()
    assert "遴选中透露评分标准" in text and "评分标准封存" in text
    # the fields the risks app does not declare public never reach the page
    assert SECRET_MANIFESTATION not in text
    assert "草稿风险不公开" not in text
    assert "李主任" not in text and "陈采购" not in text

    # the page shows the snapshot: an edit is public only once published again
    RiskPoint.objects.filter(pk=points["filed"].pk).update(name="改过的名称")
    text = public_page(client, world, "risks", "risk_points").content.decode()
    assert "遴选中透露评分标准" in text and "改过的名称" not in text

    # ... and again once the unit closes it: no second address serves what it took down
    site.enabled = False
    site.save(update_fields=["enabled"])
    assert public_page(client, world, "risks", "risk_points").status_code == 404


def test_publishing_again_replaces_and_every_step_is_audited(world, catalogue):
    office = world.users["integrity"]
    first = power_catalogue_publish(actor=office, organisation=world.hospital)
    second = power_catalogue_publish(actor=office, organisation=world.hospital)
    first[0].refresh_from_db()
    assert first[0].withdrawn_at is not None and first[0].withdraw_reason == "已重新发布"
    assert Publication.objects.filter(withdrawn_at=None).get() == second[0]
    with pytest.raises(ValidationError):
        publications.withdraw(actor=office, publication=second[0], reason="  ")
    publications.withdraw(actor=office, publication=second[0], reason="依据有误，待更正")
    assert not Publication.objects.filter(withdrawn_at=None).exists()
    events = list(
        AuditEvent.objects.filter(action__startswith="publication.")
        .order_by("seq")
        .values_list("action", "organisation_id")
    )
    assert [a for a, _org in events] == [
        "publication.publish",
        "publication.withdraw",
        "publication.publish",
        "publication.withdraw",
    ]
    assert {org for _a, org in events} == {world.hospital.pk}
    last = AuditEvent.objects.filter(action="publication.withdraw").order_by("seq").last()
    assert last.after["reason"] == "依据有误，待更正"


def test_only_the_integrity_office_publishes(world, catalogue):
    for role in ("admin", "staff", "outsider"):
        with pytest.raises(PermissionDenied):
            power_catalogue_publish(actor=world.users[role], organisation=world.hospital)
    # the commission's office reads its hospitals' records; it publishes for them only when
    # its grant makes the units below writable (下级单位可写)
    commission = world.users["commission_integrity"]
    with pytest.raises(PermissionDenied):
        power_catalogue_publish(actor=commission, organisation=world.hospital)
    power_catalogue_publish(actor=writes_below(commission), organisation=world.hospital)
    with pytest.raises(PermissionDenied):
        power_catalogue_publish(actor=world.users["integrity"], organisation=world.other_hospital)


def test_the_pages(world, catalogue, points, login):
    client = login(world.users["integrity"])
    index = client.get(reverse("core:publication_index"))
    assert index.status_code == 200
    page = reverse("core:publication_column", args=[world.hospital.pk, "risks", "risk_points"])
    assert page in index.content.decode()
    assert client.post(page).status_code == 302
    publication = Publication.objects.get(withdrawn_at=None)
    shown = client.get(page).content.decode()
    assert "遴选中透露评分标准" in shown
    withdraw = reverse("core:publication_withdraw", args=[publication.pk])
    assert client.post(withdraw, {"reason": ""}).status_code == 302  # refused with a message
    assert Publication.objects.filter(withdrawn_at=None).exists()
    assert client.post(withdraw, {"reason": "更正"}).status_code == 302
    assert not Publication.objects.filter(withdrawn_at=None).exists()
    # unknown columns and other organisations: 404; other roles: 403
    assert client.get(page.replace("risk_points", "nope")).status_code == 404
    other = reverse(
        "core:publication_column", args=[world.other_hospital.pk, "risks", "risk_points"]
    )
    assert client.get(other).status_code == 404
    client = login(world.users["admin"])
    assert client.get(page).status_code == 403
    client.logout()
    missing = reverse("core:public_column", args=[world.hospital.pk, "risks", "nope"])
    assert client.get(missing).status_code == 404


def test_publish_one_adds_a_record_beside_those_in_force_once(world, catalogue):
    """The single-record publication (a flow's control point publishes as it completes): one
    record beside the set in force, once per source, audited, to a public column only."""
    office = world.users["integrity"]
    [in_force] = power_catalogue_publish(actor=office, organisation=world.hospital)
    column = publications.column_of("org", "power_catalogue")
    hidden = catalogue["hidden"]
    added = publications.publish_one(
        actor=world.users["staff"], organisation=world.hospital, column=column, source=hidden
    )
    assert added.fields["name"] == "内部人事调配" and added.published_by == world.users["staff"]
    assert set(publications.in_force(world.hospital, column)) == {in_force, added}
    again = publications.publish_one(
        actor=office, organisation=world.hospital, column=column, source=hidden
    )
    assert again == added
    assert AuditEvent.objects.filter(action="publication.publish").count() == 2
    column.public = False
    column.save(update_fields=["public"])
    with pytest.raises(ValidationError):
        publications.publish_one(
            actor=office, organisation=world.hospital, column=column, source=catalogue["retired"]
        )
