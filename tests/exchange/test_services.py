import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianfang.core.models import AuditEvent
from lianfang.exchange import keys, services
from lianfang.exchange.models import ExchangeKey, PinnedKey, Report
from lianfang.exchange.schema import (
    CAMPAIGN,
    COMMITMENTS,
    MANIFEST,
    REGISTER,
    SIGNATURE,
    WORKBOOK,
)
from lianfang.risks.models import RiskPoint
from tests.campaigns.helpers import make_campaign

from .helpers import filed_points, members, resign, rezip

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(world):
    return world.users["integrity"]


@pytest.fixture
def commission(world):
    return world.users["commission_integrity"]


def export(world, office, campaign=None):
    content, name = services.exchange_export(
        actor=office, unit=world.hospital, campaign=campaign, year=2026
    )
    return content


def refused(world, commission, content, unit=None):
    """Import `content` and expect a refusal: nothing is kept. Returns the reason."""
    before = (Report.objects.count(), PinnedKey.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        services.report_import(actor=commission, unit=unit or world.hospital, content=content)
    after = (Report.objects.count(), PinnedKey.objects.count(), AuditEvent.objects.count())
    assert after == before
    return "；".join(caught.value.messages)


def test_export_then_import_keeps_what_the_unit_reported(world, office, commission):
    filed_points(world, 3)
    campaign = make_campaign(world)
    content = services.exchange_export(actor=office, unit=world.hospital, campaign=campaign)[0]
    parts = members(content)
    assert set(parts) == {MANIFEST, SIGNATURE, REGISTER, COMMITMENTS, CAMPAIGN, WORKBOOK}
    manifest = json.loads(parts[MANIFEST])
    assert manifest["unit"] == "H1" and manifest["campaign"] == campaign.name
    key = ExchangeKey.objects.get(organisation=world.hospital)
    assert manifest["key"]["fingerprint"] == key.fingerprint
    assert "sealed" not in json.dumps(manifest) and key.sealed_private_key not in str(parts)

    outcome = services.report_import(actor=commission, unit=world.hospital, content=content)
    report = outcome.report
    assert outcome.created and report.version == 1
    assert report.method == Report.Method.IMPORTED and report.receiver == world.commission
    assert report.campaign == campaign and report.year == campaign.year
    assert report.figures["points"] == 3
    assert [p["name"] for p in report.payload[REGISTER]["points"]][0].startswith("风险点0")
    assert report.payload[REGISTER]["points"][0]["measures"][0]["owner"] == "心内科"
    assert report.key_fingerprint == key.fingerprint
    assert PinnedKey.objects.get(organisation=world.hospital).fingerprint == key.fingerprint
    assert AuditEvent.objects.filter(action="exchange.report.import").count() == 1


def test_the_same_file_imported_again_adds_nothing_and_new_content_is_a_new_version(
    world, office, commission
):
    filed_points(world, 2)
    first = export(world, office)
    services.report_import(actor=commission, unit=world.hospital, content=first)
    # a second export of the same register (another file: its time and workbook differ)
    again = services.report_import(
        actor=commission, unit=world.hospital, content=export(world, office)
    )
    assert not again.created and again.report.version == 1
    assert Report.objects.count() == 1

    filed_points(world, 1)  # the register changed: one more filed point
    newer = services.report_import(
        actor=commission, unit=world.hospital, content=export(world, office)
    )
    assert newer.created and newer.report.version == 2
    assert newer.report.figures["points"] == 3
    # what was reported first is kept as it was
    assert Report.objects.get(version=1).figures["points"] == 2


def test_a_changed_byte_in_a_member_is_refused(world, office, commission):
    filed_points(world, 1)
    parts = members(export(world, office))
    data = bytearray(parts[REGISTER])
    at = data.index("风险点".encode())
    data[at + 2] ^= 0x01  # one byte of the point's name
    parts[REGISTER] = bytes(data)
    reason = refused(world, commission, rezip(parts))
    assert "register.json 的 SHA-256 与清单不符" in reason


def test_a_changed_byte_in_the_manifest_breaks_its_signature(world, office, commission):
    parts = members(export(world, office))
    parts[MANIFEST] = parts[MANIFEST].replace(b'"year": 2026', b'"year": 2025')
    assert "签名无效" in refused(world, commission, rezip(parts))


def test_a_changed_byte_of_the_zip_itself_is_refused(world, office, commission):
    original = export(world, office)
    # wherever the byte is (headers, compressed data, the central directory, the signature
    # in the comment), a refusal with its reason and nothing written (`refused`), never an
    # error: a flipped bit of deflated data once failed in zlib, not in the CRC, and a byte of
    # a header outside the members was read without notice; every byte of the end record
    # and its comment (the signature), where a comment length declared longer than the tail
    # was read as the tail and passed when a sampled position happened to hit it
    sampled = set(range(0, len(original), max(1, len(original) // 1000)))
    for position in sorted(sampled | set(range(len(original) - 200, len(original)))):
        content = bytearray(original)
        content[position] ^= 0xFF
        reason = refused(world, commission, bytes(content))
        assert reason and reason.isprintable(), (position, reason)


def test_a_missing_member_is_refused(world, office, commission):
    parts = members(export(world, office))
    del parts[COMMITMENTS]
    assert "上报文件缺少 commitments.json" in refused(world, commission, rezip(parts))


def test_an_unexpected_member_is_refused(world, office, commission):
    parts = members(export(world, office))
    parts["readme.txt"] = b"hello"
    assert "清单之外的文件：readme.txt" in refused(world, commission, rezip(parts))


def test_another_units_file_is_refused(world, office, commission):
    content = export(world, office)
    reason = refused(world, commission, content, unit=world.other_hospital)
    assert "单位代码 H1" in reason and "示例市第二医院（H2）" in reason


def test_a_schema_violation_is_refused_even_when_signed(world, office, commission):
    """The unit's own key signed it (its software is broken): the schema still refuses."""
    filed_points(world, 1)
    content = export(world, office)
    key = ExchangeKey.objects.get(organisation=world.hospital)
    parts = members(content)
    register = json.loads(parts[REGISTER])
    register["points"][0]["level"] = 7
    parts[REGISTER] = json.dumps(register, ensure_ascii=False).encode()
    reason = refused(
        world,
        commission,
        rezip(resign(parts, key.sealed_private_key, key.public_key), key.sealed_private_key),
    )
    assert "register.json 不符合上报文件格式" in reason and "$.points[0].level" in reason


def test_a_file_signed_with_another_key_than_the_pinned_one_is_refused(world, office, commission):
    content = export(world, office)
    services.report_import(actor=commission, unit=world.hospital, content=content)
    public, _fingerprint, sealed = keys.generate()
    filed_points(world, 1)  # new content, so that only the key can refuse it
    forged = rezip(resign(members(export(world, office)), sealed, public), sealed)
    assert "签名公钥与此前登记的不一致" in refused(world, commission, forged)
    assert Report.objects.count() == 1


def test_not_a_zip_is_refused(world, commission):
    assert "无法作为 zip 文件读取" in refused(world, commission, b"PK\x03\x04 not really")


def test_only_the_offices_above_the_unit_import_and_only_its_own_office_exports(world, office):
    content = export(world, office)
    with pytest.raises(PermissionDenied):  # the hospital's office is not above itself
        services.report_import(actor=office, unit=world.hospital, content=content)
    with pytest.raises(PermissionDenied):
        services.exchange_export(actor=world.users["commission_integrity"], unit=world.hospital)
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=world.users["staff"], unit=world.hospital, year=2026)


def test_submitting_on_the_server_freezes_what_was_reported(world, office):
    points = filed_points(world, 2)
    outcome = services.report_submit(actor=office, unit=world.hospital, year=2026)
    report = outcome.report
    assert outcome.created and report.method == Report.Method.SUBMITTED
    assert report.receiver == world.commission and report.by == office
    assert AuditEvent.objects.filter(action="exchange.report.submit").count() == 1
    # the register changes afterwards: the report does not
    RiskPoint.objects.filter(pk=points[0].pk).update(name="改过的名称", level=1)
    report.refresh_from_db()
    assert report.figures["points"] == 2
    assert "改过的名称" not in json.dumps(report.payload, ensure_ascii=False)
    # submitting the same again adds nothing; after the change, a second version
    assert services.report_submit(actor=office, unit=world.hospital, year=2026).created
    assert not services.report_submit(actor=office, unit=world.hospital, year=2026).created
    assert Report.objects.filter(organisation=world.hospital).count() == 2


def test_a_campaign_of_another_unit_or_a_draft_is_not_reported(world, office):
    draft = make_campaign(world, open_=False)
    with pytest.raises(ValidationError, match="已发布的风险排查"):
        services.report_submit(actor=office, unit=world.hospital, campaign=draft)


def test_the_payload_is_read_in_a_fixed_number_of_queries(world, office):
    from lianfang.exchange import selectors

    filed_points(world, 2)
    with CaptureQueriesContext(connection) as few:
        selectors.payload_of(world.hospital, year=2026, campaign=None)
    filed_points(world, 8)
    with CaptureQueriesContext(connection) as more:
        selectors.payload_of(world.hospital, year=2026, campaign=None)
    assert len(few) == len(more)


def test_the_workbook_says_what_the_json_says_and_runs_no_formula(world, office):
    import io

    import openpyxl

    from lianfang.org.models import Post
    from tests.risks.factories import make_risk_point

    filed_points(world, 1)
    make_risk_point(
        world.hospital,
        post=Post.objects.get(code="P-ZZYS"),
        name='=HYPERLINK("http://x","点我")',
        status=RiskPoint.Status.FILED,
    )
    book = openpyxl.load_workbook(io.BytesIO(members(export(world, office))[WORKBOOK]))
    names = [row[5].value for row in book["风险点"].iter_rows(min_row=2)]
    assert names[1] == '=HYPERLINK("http://x","点我")'
    cell = book["风险点"].cell(row=3, column=6)
    assert cell.data_type == "s"  # text, never a formula
    overview = {row[0].value: row[1].value for row in book["概况"].iter_rows()}
    assert overview["已备案风险点"] == 2
