"""A handful of procurements in every state the monitoring page counts, made through the
services (started, approved at the department and at the control point, returned, overdue,
due soon, escalated): for tests/flows/test_monitoring*.py and e2e/test_flows_monitor.py."""

import datetime as dt

from django.utils import timezone

from lianfang.flows import services
from lianfang.flows.models import Task
from tests.flows.uikit import procurement

FORM = {"item": "心电监护仪", "amount": "15万", "method": "询价", "reason": "更新"}


def ready(instance) -> list[Task]:
    return list(instance.tasks.filter(state=Task.State.READY).order_by("pk"))


def start(world, version, **data):
    return services.instance_start(
        actor=world.users["staff"], version=version, data={**FORM, **data}
    )


def act(task, action="approve", **kwargs):
    task = Task.objects.select_related("assignee").get(pk=task.pk)
    return services.task_act(actor=task.assignee, task=task, action=action, **kwargs)


def build(world):
    """Five procurements of the cardiology department:
    - `published`: approved by the head and by the 分管 leader (a control point: published);
    - `returned`: approved by the head, returned by the leader to the head;
    - `overdue`, `soon`, `escalated`: waiting at the head, past due / due within hours /
      escalated (the deadline rules' columns, set as their run would)."""
    version = procurement(world)
    made = {"version": version}
    made["published"] = start(world, version)
    act(ready(made["published"])[0])
    act(ready(made["published"])[0])
    made["returned"] = start(world, version)
    act(ready(made["returned"])[0])
    act(ready(made["returned"])[0], "return", reason="请补充论证材料", target="Task_dept")
    now = timezone.now()
    for name, change in (
        ("overdue", {"due_at": now - dt.timedelta(days=1), "overdue_at": now}),
        ("soon", {"due_at": now + dt.timedelta(hours=3)}),
        (
            "escalated",
            {"due_at": now - dt.timedelta(days=5), "overdue_at": now, "escalated_at": now},
        ),
    ):
        made[name] = start(world, version, item=f"设备{name}", amount="3000")
        Task.objects.filter(instance=made[name], state=Task.State.READY).update(**change)
    return made
