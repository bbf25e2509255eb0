"""Campaigns in the test world (tests/factories.build_world)."""

import datetime as dt

from django.utils import timezone

from lianfang.campaigns import services
from lianfang.campaigns.models import PHASE_ORDER
from lianfang.org.models import Post, Power
from lianfang.risks import services as risk_services
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_power


def phases_around(today=None, *, filing_open=True):
    """Five consecutive phases with the filing phase (the third) holding `today`, or ended
    the day before when `filing_open` is False."""
    today = today or timezone.localdate()
    file_start = today - dt.timedelta(days=5)
    file_end = today + dt.timedelta(days=5) if filing_open else today - dt.timedelta(days=1)
    return {
        "mobilise": (file_start - dt.timedelta(days=20), file_start - dt.timedelta(days=15)),
        "find": (file_start - dt.timedelta(days=14), file_start - dt.timedelta(days=1)),
        "file": (file_start, file_end),
        "measures": (file_end + dt.timedelta(days=1), file_end + dt.timedelta(days=20)),
        "inspect": (file_end + dt.timedelta(days=21), file_end + dt.timedelta(days=40)),
    }


assert tuple(phases_around()) == PHASE_ORDER


def make_campaign(world, *, open_=True, year=None, departments=None, **data):
    data = {
        "name": data.pop("name", "年度廉政风险排查"),
        "year": year or timezone.localdate().year,
        "scope": "departments" if departments else "whole",
        "departments": departments or [],
        "phases": data.pop("phases", None) or phases_around(),
        **data,
    }
    campaign = services.campaign_create(
        actor=world.users["integrity"], organisation=world.hospital, data=data
    )
    if open_:
        campaign = services.campaign_open(actor=world.users["integrity"], campaign=campaign)
    return campaign


def power_of(world, department=None):
    found = Power.objects.filter(organisation=world.hospital, code="QL-PC").first()
    return found or make_power(world.hospital, "采购与处方", "QL-PC", steps=["办理"])


def post_point(world, author, *, post="P-ZZYS", name="超剂量开具特定厂家药品", **extra):
    """A draft point of a post registered by `author`, with a measure: ready to be filed."""
    data = {
        "subject": RiskPoint.Subject.POST,
        "post": Post.objects.get(code=post),
        "power": power_of(world),
        "step": power_of(world).steps.first(),
        "category": "post_duty",
        "name": name,
        "manifestation": "为获取回扣，在采购或开具中倾向特定厂家，违反集中采购和合理用药规定",
        "likelihood": 2,
        "harm": 3,
        **extra,
    }
    point = risk_services.risk_point_create(actor=author, organisation=world.hospital, data=data)
    risk_services.measure_create(
        actor=author,
        organisation=world.hospital,
        data={
            "text": "每月抽查相关记录，结果在科务会通报并约谈当事人",
            "owner_person": world.staff_person,
            "risk_points": [point],
        },
    )
    return RiskPoint.objects.get(pk=point.pk)


def department_point(world, department, name="科室集中采购中围标串标"):
    office = world.users["admin"]
    point = risk_services.risk_point_create(
        actor=office,
        organisation=world.hospital,
        data={
            "subject": RiskPoint.Subject.DEPARTMENT,
            "department": department,
            "power": power_of(world),
            "step": power_of(world).steps.first(),
            "category": "post_duty",
            "name": name,
            "manifestation": "采购中心在招标中与投标人串通，量身定制参数排斥其他供应商",
            "likelihood": 2,
            "harm": 3,
        },
    )
    risk_services.measure_create(
        actor=office,
        organisation=world.hospital,
        data={
            "text": "招标参数由两名以上人员共同拟定并经纪检监察部门审核",
            "owner_department": department,
            "risk_points": [point],
        },
    )
    return RiskPoint.objects.get(pk=point.pk)


CERTIFICATES = "urn:lianfang:hospital:power:medical-certificate"
LAST_YEAR = ("超剂量开具特定厂家药品", "接受医药代表宴请后增加处方量", "为熟人开具虚假病假证明")


def filing_setup(world, names=LAST_YEAR):
    """What the filing screen of 张医生 (the staff login, 主治医师) starts from: last year's
    filed points of the post (`names`, filed by the integrity office) and a power of the
    catalogue from the hospital pack (诊断证明与医学证明出具, two library points) that the post
    takes part in; then this year's campaign, open. Returns (campaign, task, filed points)."""
    from lianfang.campaigns.models import CampaignTask

    doctor = Post.objects.get(code="P-ZZYS")
    filed = []
    for name in names:
        point = post_point(world, world.users["staff"], name=name)
        filed.append(
            risk_services.risk_point_file_directly(
                actor=world.users["integrity"], risk_point=point, reason="上年已备案"
            )
        )
    power = make_power(
        world.hospital,
        "诊断证明与医学证明出具",
        "YW-ZM-01",
        steps=[("issue", "医师出具"), ("verify", "医务科审核盖章"), ("register", "存根登记")],
    )
    power.library_urn = CERTIFICATES
    power.library_version = 1
    power.save()
    power.posts.add(doctor)
    campaign = make_campaign(world)
    task = CampaignTask.objects.get(campaign=campaign, person=world.staff_person, post=doctor)
    return campaign, task, filed
