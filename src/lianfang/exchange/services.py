"""Writes of reporting upward (上报).

- `report_submit`: the unit's office submits to the level above on this server: the payload
  (register, commitments, campaign) is frozen in a new `Report` version, dated and audited;
  the same content as the latest version adds nothing.
- `exchange_export`: the unit's office downloads the signed exchange file (the unit's key is
  made on its first export; the export is recorded).
- `report_import`: the higher level's office imports a unit's exchange file: checked whole
  (`package.read`), the unit's code and its pinned key compared, then kept as a new version,
  all or nothing; the same content as the latest version adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.campaigns.models import Campaign
from lianfang.core import audit
from lianfang.core.exports import record_export
from lianfang.org.models import Organisation

from . import keys, package, selectors
from .models import ExchangeKey, PinnedKey, Report
from .schema import CAMPAIGN, REGISTER
from .workbook import workbook


@dataclass
class Outcome:
    report: Report
    created: bool  # False: the same content as the latest version, nothing new kept


def _check_reporter(actor, unit: Organisation) -> None:
    if not selectors.reporting_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied


def _campaign_of(unit: Organisation, campaign: Campaign | None) -> Campaign | None:
    if campaign is None:
        return None
    if campaign.organisation_id != unit.pk or campaign.state == Campaign.State.DRAFT:
        raise ValidationError(_("只能上报本单位已发布的风险排查。"))
    return campaign


def _year(year, campaign: Campaign | None) -> int:
    if campaign is not None:
        return campaign.year
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度无效。"))
    return year


def _keep(
    *,
    actor,
    unit: Organisation,
    receiver: Organisation,
    year: int,
    campaign: Campaign | None,
    documents: dict,
    method: str,
    at: dt.datetime,
    action: str,
    **extra,
) -> Outcome:
    """A new version of what `unit` reported for `year` and the campaign, unless its content
    is that of the latest version. The unit's row is locked: two at once number in turn."""
    Organisation.objects.select_for_update().get(pk=unit.pk)
    campaign_doc = documents[CAMPAIGN]["campaign"]
    campaign_name = campaign_doc["name"] if campaign_doc else ""
    digest = package.content_sha256(documents)
    latest = selectors.latest_of(unit, year, campaign_name)
    if latest is not None and latest.content_sha256 == digest:
        return Outcome(latest, False)
    report = Report.objects.create(
        organisation=unit,
        receiver=receiver,
        year=year,
        campaign=campaign,
        campaign_name=campaign_name,
        version=(latest.version + 1) if latest else 1,
        payload=documents,
        figures=selectors.figures_of(documents),
        content_sha256=digest,
        method=method,
        by=actor if getattr(actor, "pk", None) else None,
        at=at,
        **extra,
    )
    audit.record(
        actor=actor,
        action=action,
        obj=report,
        organisation=receiver,
        after={
            "unit": unit.code,
            "year": year,
            "campaign": campaign_name,
            "version": report.version,
            "content_sha256": digest,
            "method": method,
            **{k: v for k, v in extra.items() if k in ("file_sha256", "key_fingerprint")},
        },
    )
    return Outcome(report, True)


@transaction.atomic
def report_submit(
    *, actor, unit: Organisation, campaign: Campaign | None = None, year=None, at=None
) -> Outcome:
    """Submit to the higher level (提交上级): what the unit reports is frozen as it stands
    now. The receiver is the unit's parent."""
    _check_reporter(actor, unit)
    campaign = _campaign_of(unit, campaign)
    year = _year(year, campaign)
    documents = selectors.payload_of(unit, year=year, campaign=campaign)
    return _keep(
        actor=actor,
        unit=unit,
        receiver=unit.parent,
        year=year,
        campaign=campaign,
        documents=documents,
        method=Report.Method.SUBMITTED,
        at=at or timezone.now(),
        action="exchange.report.submit",
    )


def _key_of(actor, unit: Organisation) -> ExchangeKey:
    key = ExchangeKey.objects.select_for_update().filter(organisation=unit).first()
    if key is None:
        public, fingerprint, sealed = keys.generate()
        key = ExchangeKey.objects.create(
            organisation=unit, public_key=public, fingerprint=fingerprint, sealed_private_key=sealed
        )
        audit.record(
            actor=actor,
            action="exchange.key.create",
            obj=key,
            organisation=unit,
            after={"fingerprint": fingerprint},
        )
    return key


def export_name(unit: Organisation, year: int, campaign_name: str) -> str:
    return f"上报-{unit.code}-{year}{'-' + campaign_name if campaign_name else ''}.zip"


@transaction.atomic
def exchange_export(
    *, actor, unit: Organisation, campaign: Campaign | None = None, year=None, at=None
) -> tuple[bytes, str]:
    """The unit's signed exchange file and its name; the export is recorded."""
    _check_reporter(actor, unit)
    campaign = _campaign_of(unit, campaign)
    year = _year(year, campaign)
    documents = selectors.payload_of(unit, year=year, campaign=campaign)
    campaign_name = campaign.name if campaign else ""
    key = _key_of(actor, unit)
    content = package.build(
        unit_code=unit.code,
        unit_name=unit.name,
        year=year,
        campaign_name=campaign_name,
        documents=documents,
        workbook=workbook(documents, unit_name=unit.name, campaign_name=campaign_name),
        public_key=key.public_key,
        sealed_private_key=key.sealed_private_key,
        created_at=timezone.localtime(at or timezone.now()).isoformat(timespec="seconds"),
    )
    record_export(
        actor=actor,
        action="exchange.export",
        what=_("上报文件"),
        rows=len(documents[REGISTER]["points"]),
        organisation=unit,
        year=year,
        campaign=campaign_name,
        content_sha256=package.content_sha256(documents),
        fingerprint=key.fingerprint,
    )
    return content, export_name(unit, year, campaign_name)


def _pin(actor, unit: Organisation, pack: package.Package) -> None:
    pinned = PinnedKey.objects.select_for_update().filter(organisation=unit).first()
    if pinned is None:
        PinnedKey.objects.create(
            organisation=unit,
            public_key=pack.public_key,
            fingerprint=pack.fingerprint,
            pinned_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="exchange.key.pin",
            obj=unit,
            after={"fingerprint": pack.fingerprint},
        )
    elif pinned.fingerprint != pack.fingerprint:
        raise ValidationError(
            _(
                "签名公钥与此前登记的不一致（文件：%(file)s，已登记：%(pinned)s），"
                "请与该单位核实公钥指纹。"
            )
            % {"file": keys.short(pack.fingerprint), "pinned": keys.short(pinned.fingerprint)},
            code="refused",
        )


@transaction.atomic
def report_import(*, actor, unit: Organisation, content: bytes, at=None) -> Outcome:
    """Import `unit`'s exchange file (导入上报文件), all or nothing: refused with the reason
    (ValidationError) when it is damaged, changed after signing, incomplete, of another unit,
    against the schema, or signed with another key than the one pinned for the unit."""
    if not selectors.importable_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied
    pack = package.read(content)
    if pack.unit_code != unit.code:
        raise ValidationError(
            _("上报文件属于单位代码 %(file)s（%(name)s），不是所选的%(unit)s（%(code)s）。")
            % {
                "file": pack.unit_code,
                "name": pack.manifest["unit_name"],
                "unit": unit.name,
                "code": unit.code,
            },
            code="refused",
        )
    # the unit's row is locked before its key is pinned: two first imports at once pin once
    Organisation.objects.select_for_update().get(pk=unit.pk)
    _pin(actor, unit, pack)
    campaign_doc = pack.documents[CAMPAIGN]["campaign"]
    campaign = None
    if campaign_doc:
        campaign = Campaign.objects.filter(
            organisation=unit, year=campaign_doc["year"], name=campaign_doc["name"]
        ).first()
    try:
        exported_at = dt.datetime.fromisoformat(pack.manifest["created_at"])
    except ValueError:
        exported_at = None
    if exported_at is not None and timezone.is_naive(exported_at):
        exported_at = timezone.make_aware(exported_at)
    return _keep(
        actor=actor,
        unit=unit,
        receiver=unit.parent,
        year=pack.manifest["year"],
        campaign=campaign,
        documents=pack.documents,
        method=Report.Method.IMPORTED,
        at=at or timezone.now(),
        action="exchange.report.import",
        file_sha256=pack.file_sha256,
        exported_at=exported_at,
        key_fingerprint=pack.fingerprint,
    )
