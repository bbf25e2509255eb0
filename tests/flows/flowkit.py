"""Builders for the engine's tests (plain functions, no conftest: the three flows branches
each keep their own helpers)."""

import datetime as dt
from pathlib import Path

from lianfang.flows import services
from lianfang.flows.models import Task
from lianfang.org.models import LeaderDivision

DATA = Path(__file__).parent / "data"


def bpmn_text(name: str) -> str:
    return (DATA / f"{name}.bpmn").read_text(encoding="utf-8")


def purchase(world, code="test_purchase"):
    """The test purchase flow published for the hospital, with a leader in charge of the
    cardiology department (the staff member's)."""
    LeaderDivision.objects.get_or_create(
        leader=world.leader_person, department=world.cardiology, since=dt.date(2022, 1, 1)
    )
    return services.definition_publish(
        actor=world.users["admin"],
        organisation=world.hospital,
        code=code,
        bpmn=bpmn_text("test_purchase"),
    )


def start(world, version, amount="15万", **data):
    return services.instance_start(
        actor=world.users["staff"],
        version=version,
        data={"item": "心电监护仪", "amount": amount, "method": "询价", **data},
    )


def ready(instance):
    return list(instance.tasks.filter(state=Task.State.READY).order_by("pk"))
