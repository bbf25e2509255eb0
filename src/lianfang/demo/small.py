"""The commission's second, small unit and what the two hospitals reported upward (上报).

- 示例市妇幼保健院: a few departments of the catalogue and about a hundred staff, built by the
  same generator as the first hospital (`generator.build_hospital` with a list of
  departments), its register from the hospital standard library (`register.load_register`),
  and last year's investigation campaign over three departments, opened, its carried-over
  points re-confirmed and closed by its integrity office (the `fy_integrity` login); the
  `admin` login keeps its accounts, and its commitments are signed (demo/commitments.py,
  `load_unit_commitments`).
- The first hospital's integrity office submits this year's campaign to the commission on
  the server (提交上级); the small hospital's office exports its signed exchange file and the
  commission's office (`wjw`) imports it: both reach the commission's 下级单位上报.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from lianfang.accounts.models import RoleGrant, User
from lianfang.campaigns import services as campaign_services
from lianfang.campaigns.models import Campaign, CampaignPoint
from lianfang.core.roles import Role
from lianfang.exchange import services as exchange_services
from lianfang.org.models import Department, Organisation
from lianfang.risks.models import RiskPoint

from .flows import as_of
from .generator import REFERENCE_DATE, build_hospital
from .register import REALISTIC, load_register

CODE = "SL-FY01"
NAME = "示例市妇幼保健院"
DEPARTMENTS = ("FCK", "EK", "YJK", "JYK", "YWK", "CWK", "JJJCS")
PEOPLE = 100
# last year's campaign: these departments, every carried-over point re-confirmed
CAMPAIGN_DEPARTMENTS = ("FCK", "YJK", "CWK")
INDEX = "fy"  # the generator's seeds: apart from the numbered hospitals'
OFFICE_LOGIN = "fy_integrity"


@dataclass
class Small:
    organisation: Organisation
    counts: dict


def small_organisation(authority: Organisation, order: int) -> Organisation:
    org = Organisation.objects.create(
        name=NAME,
        short_name="市妇幼",
        code=CODE,
        kind=Organisation.Kind.HOSPITAL,
        parent=authority,
        address="示例市人民路 88 号",
        order=order,
    )
    org.path = f"{authority.path}{org.pk}/"
    org.depth = authority.depth + 1
    org.save(update_fields=["path", "depth"])
    return org


def _at(days: int, hour: int = 10) -> dt.datetime:
    day = REFERENCE_DATE - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 0), ZoneInfo(settings.TIME_ZONE))


def load_small(authority: Organisation, *, order: int, seed: int, save, actor: str) -> Small:
    """The small hospital, its register and its closed campaign (see the module docstring).
    `save` writes the generator's rows (services._save)."""
    org = small_organisation(authority, order)
    rows = build_hospital(org, seed=seed, index=INDEX, departments=DEPARTMENTS, people=PEOPLE)
    save(org, rows)
    register = load_register(org, rows, seed=seed, index=INDEX, actor=actor, density=REALISTIC)
    office = User.objects.get(username=OFFICE_LOGIN)
    RoleGrant.objects.get_or_create(user=office, role=Role.INTEGRITY, organisation=org)
    # a unit this small has no system administrator of its own: the demo's keeps its accounts
    # (the commission's grant reads the units below, it does not write them)
    admin = User.objects.get(username="admin")
    RoleGrant.objects.get_or_create(user=admin, role=Role.ADMIN, organisation=org)
    year = REFERENCE_DATE.year - 1
    campaign = campaign_services.campaign_create(
        actor=office,
        organisation=org,
        data={
            "name": f"{year}年度廉政风险排查",
            "year": year,
            "scope": Campaign.Scope.DEPARTMENTS,
            "departments": list(
                Department.objects.filter(organisation=org, code__in=CAMPAIGN_DEPARTMENTS)
            ),
            "phases": {
                "mobilise": (dt.date(year, 3, 1), dt.date(year, 3, 10)),
                "find": (dt.date(year, 3, 11), dt.date(year, 3, 31)),
                "file": (dt.date(year, 4, 1), dt.date(year, 5, 31)),
                "measures": (dt.date(year, 6, 1), dt.date(year, 6, 30)),
                "inspect": (dt.date(year, 7, 1), dt.date(year, 7, 31)),
            },
        },
    )
    with as_of(_at(40)):
        campaign_services.campaign_open(actor=office, campaign=campaign)
        _confirm_all(campaign, office)
        campaign_services.campaign_close(actor=office, campaign=campaign)
    return Small(org, {**rows.counts(), **register.as_dict()})


def _confirm_all(campaign: Campaign, office) -> None:
    """Keep every carried-over point of the campaign (once per point), as the office does
    when the departments confirm their register unchanged."""
    seen = set()
    for cp in (
        CampaignPoint.objects.filter(task__campaign=campaign)
        .select_related("risk_point")
        .order_by("risk_point_id", "pk")
    ):
        if cp.risk_point_id in seen or cp.risk_point.status != RiskPoint.Status.FILED:
            continue
        seen.add(cp.risk_point_id)
        campaign_services.campaign_point_confirm(actor=office, campaign_point=cp)


def load_reports(hospital: Organisation, small: Organisation) -> dict[str, int]:
    """The first hospital submits on the server; the small one's file is imported."""
    office = User.objects.get(username="integrity")
    this_year = (
        Campaign.objects.filter(organisation=hospital, state=Campaign.State.OPEN)
        .order_by("-year")
        .first()
    )
    with as_of(_at(2, 16)):
        submitted = exchange_services.report_submit(
            actor=office, unit=hospital, campaign=this_year, at=_at(2, 16)
        )
    small_office = User.objects.get(username=OFFICE_LOGIN)
    closed = Campaign.objects.filter(organisation=small, state=Campaign.State.CLOSED).first()
    with as_of(_at(3, 11)):
        content, _name = exchange_services.exchange_export(
            actor=small_office, unit=small, campaign=closed, at=_at(3, 11)
        )
    with as_of(_at(1, 9)):
        imported = exchange_services.report_import(
            actor=User.objects.get(username="wjw"), unit=small, content=content, at=_at(1, 9)
        )
    return {
        "submitted": int(submitted.created),
        "imported": int(imported.created),
        "file_bytes": len(content),
    }
