"""Builders for the flows pages' tests and the browser test: the shipped procurement flow
published for the world's hospital, with the powers, leaders and a risk point it needs."""

import datetime as dt
from pathlib import Path

import lianfang.libraries
from lianfang.core.roles import Role
from lianfang.flows import services
from lianfang.org.models import LeaderDivision
from lianfang.risks.models import RiskPoint
from tests.factories import make_person, make_user
from tests.risks.factories import make_measure, make_power, make_risk_point

LIBRARY = Path(lianfang.libraries.__file__).parent / "flows"
RISK_NAME = "科室购置申请夸大需求"
MEASURE_TEXT = "购置申请附使用率测算，由设备管理委员会集体论证"


def library_bpmn(code: str) -> str:
    return (LIBRARY / f"{code}.bpmn").read_text(encoding="utf-8")


def procurement(world):
    """The shipped 货物采购审批 published for the hospital: the powers its steps name, a 分管
    leader for cardiology, a 院长 with an account, and a filed risk point with its measure on
    the first step (部门负责人审核, YY-CG-05/request)."""
    equipment = make_power(
        world.hospital,
        "医疗设备购置",
        "YY-CG-05",
        steps=[
            ("request", "科室购置申请"),
            ("feasibility", "可行性论证"),
            ("specification", "技术参数制定"),
            ("tender", "招标采购"),
            ("acceptance", "安装验收"),
        ],
    )
    make_power(
        world.hospital,
        "“三重一大”事项集体决策",
        "YY-JC-01",
        steps=[("deliberation", "会议审议表决")],
    )
    point = make_risk_point(
        world.hospital,
        equipment,
        name=RISK_NAME,
        step=equipment.steps.get(key="request"),
        status=RiskPoint.Status.FILED,
    )
    make_measure(world.hospital, MEASURE_TEXT, owner_person=world.head_person, points=[point])
    LeaderDivision.objects.get_or_create(
        leader=world.leader_person, department=world.cardiology, since=dt.date(2022, 1, 1)
    )
    president = make_person(world.hospital, None, "0002", "孙院长")
    principal = make_user(
        "principal", (Role.LEADER, world.hospital), (Role.STAFF, world.hospital), person=president
    )
    world.hospital.principal_leader = president
    world.hospital.save(update_fields=["principal_leader"])
    world.users["principal"] = principal
    return services.definition_publish(
        actor=world.users["admin"],
        organisation=world.hospital,
        code="goods_procurement",
        bpmn=library_bpmn("goods_procurement"),
    )
