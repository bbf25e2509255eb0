"""Time limits in working days (flows.deadlines): the due time across 国庆 2025 and its 调休
Saturday, the reminder at 80%, 超时, escalation with its warning (raised once), 中止计时."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianfang.core import warnings
from lianfang.core.models import AuditEvent, Notification, OrgSetting, Warning, WarningStatus
from lianfang.flows import deadlines, services
from lianfang.flows.models import InstanceEvent, Task
from tests.flows import flowkit

SHANGHAI = ZoneInfo("Asia/Shanghai")

LIMITED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:lianfang="http://lianfang.org/schema/bpmn/1"
                  id="defs_l" targetNamespace="http://lianfang.org/bpmn">
  <bpmn:process id="test_limited" name="测试时限" isExecutable="true">
    <bpmn:extensionElements>
      <lianfang:field name="item" label="事项" type="text" required="true"/>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="head"/>
    <bpmn:userTask id="head" name="科室审核" lianfang:handler="dept_head" lianfang:limit="3"
                   lianfang:escalateAfter="1" %(escalate_to)s/>
    <bpmn:sequenceFlow id="f2" sourceRef="head" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


READY = at(2025, 9, 30, 10, 0)  # the day before 国庆 2025


def limited_task(world, escalate_to="", ready=READY):
    flowkit.purchase(world)  # the leader in charge of cardiology
    attribute = f'lianfang:escalateTo="{escalate_to}"' if escalate_to else ""
    version = services.definition_publish(
        actor=world.users["admin"],
        organisation=world.hospital,
        code="limited",
        bpmn=LIMITED % {"escalate_to": attribute},
    )
    instance = services.instance_start(
        actor=world.users["staff"], version=version, data={"item": "请假"}
    )
    (task,) = flowkit.ready(instance)
    Task.objects.filter(pk=task.pk).update(created_at=ready)
    task.refresh_from_db()
    return deadlines.clock_start(task, now=ready)


def test_a_new_task_gets_its_due_time_from_its_limit(world):
    version = flowkit.purchase(world)
    instance = flowkit.start(world, version)
    (task,) = flowkit.ready(instance)
    assert task.due_at is not None  # limit 2 on the head's step, set when it arrived
    assert task.due_at.astimezone(SHANGHAI).time() == dt.time(23, 59, 59)
    task = flowkit.ready(instance)[0]
    services.task_act(actor=task.assignee, task=task, action="approve")
    leader_task = flowkit.ready(instance)[0]
    assert leader_task.due_at is None  # no limit, no due time


def test_the_due_time_counts_working_days_across_national_day(world):
    task = limited_task(world)
    # 10-01..10-08 off; 10-09 Thu, 10-10 Fri, 10-11 the 调休 Saturday worked: the third
    assert task.due_at == at(2025, 10, 11, 23, 59, 59)
    Task.objects.filter(pk=task.pk).update(created_at=at(2025, 9, 26, 9, 0))  # a Friday
    task.refresh_from_db()
    # 9-28 is a 调休 Sunday worked, 9-29, 9-30: due on the Tuesday
    assert deadlines.clock_start(task, now=task.created_at).due_at == at(2025, 9, 30, 23, 59, 59)


def test_reminder_at_80_percent_once_then_overdue_then_escalation_once(world):
    task = limited_task(world)
    head = world.users["dept_head"]
    # 80% of 3 working days: the 2nd working day after it arrived, 10-10 at 10:00
    assert deadlines.deadlines_run(now=at(2025, 10, 10, 9, 59)) == {
        "reminded": 0,
        "overdue": 0,
        "escalated": 0,
    }
    assert deadlines.deadlines_run(now=at(2025, 10, 10, 10, 1))["reminded"] == 1
    assert deadlines.deadlines_run(now=at(2025, 10, 10, 11, 0))["reminded"] == 0
    [reminder] = Notification.objects.filter(kind="flows.task_due_soon")
    assert reminder.recipient == head and "科室审核" in reminder.subject
    # the 调休 Saturday is still within the limit
    assert deadlines.deadlines_run(now=at(2025, 10, 11, 18, 0))["overdue"] == 0
    done = deadlines.deadlines_run(now=at(2025, 10, 12, 0, 1))
    assert done == {"reminded": 0, "overdue": 1, "escalated": 0}
    task.refresh_from_db()
    assert task.overdue_at == at(2025, 10, 11, 23, 59, 59)
    assert Notification.objects.get(kind="flows.task_overdue").recipient == head
    assert InstanceEvent.objects.filter(task=task, kind=deadlines.OVERDUE).count() == 1
    # escalateAfter=1: past the end of the next working day (Monday 10-13)
    assert deadlines.deadlines_run(now=at(2025, 10, 13, 20, 0))["escalated"] == 0
    assert deadlines.deadlines_run(now=at(2025, 10, 14, 0, 1))["escalated"] == 1
    assert deadlines.deadlines_run(now=at(2025, 10, 15, 9, 0))["escalated"] == 0
    task.refresh_from_db()
    assert task.escalated_at == at(2025, 10, 14, 0, 1)
    # the default: the leader in charge of the department
    escalated = Notification.objects.get(kind="flows.task_escalated")
    assert escalated.recipient == world.users["leader"]
    event = InstanceEvent.objects.get(task=task, kind=deadlines.ESCALATED)
    assert event.data["rule"] == "leader_in_charge"
    assert AuditEvent.objects.filter(action="flow_task.escalate").count() == 1
    warning = Warning.objects.get(source="flows", rule="task_escalated")
    assert warning.key == str(task.pk) and warning.organisation == world.hospital
    assert warning.owner == world.leader_person
    assert warning.evidence["task"] == [task.pk, "科室审核"]
    # the daily check finds it again without a second warning or an update
    audit_before = AuditEvent.objects.count()
    warnings.warnings_check(now=at(2025, 10, 15, 6, 30), only=[("flows", "task_escalated")])
    assert Warning.objects.filter(source="flows").count() == 1
    assert AuditEvent.objects.filter(action="warning.update").count() == 0
    assert AuditEvent.objects.count() >= audit_before
    # handled: the check closes it
    services.task_act(actor=head, task=task, action="approve")
    warnings.warnings_check(now=at(2025, 10, 16, 6, 30), only=[("flows", "task_escalated")])
    assert Warning.objects.get(source="flows").status == WarningStatus.CLOSED


def test_escalation_goes_down_the_configured_rules_past_nobody_and_the_handler(world):
    task = limited_task(world, escalate_to="principal_leader,integrity_office")
    deadlines.deadlines_run(now=at(2025, 10, 20, 9, 0))
    # no principal leader: the integrity office
    assert (
        Notification.objects.get(kind="flows.task_escalated").recipient == world.users["integrity"]
    )
    task.refresh_from_db()
    assert task.overdue_at is not None and task.escalated_at is not None


def test_the_organisation_setting_is_the_default_of_escalate_after(world):
    task = limited_task(world)
    spec = task.instance.version.spec
    del spec["tasks"]["head"]["escalate_after"]
    task.instance.version.save(update_fields=["spec"])
    OrgSetting.objects.create(organisation=world.hospital, key="flows.escalate_after_days", value=0)
    done = deadlines.deadlines_run(now=at(2025, 10, 12, 0, 1))
    assert done["overdue"] == 1 and done["escalated"] == 1


def test_suspending_the_clock_moves_the_due_time_by_the_working_days_stopped(world):
    task = limited_task(world)
    head = world.users["dept_head"]
    with pytest.raises(ValidationError):
        deadlines.task_suspend(actor=head, task=task, reason=" ", now=at(2025, 10, 9, 10, 0))
    with pytest.raises(PermissionDenied):
        deadlines.task_suspend(
            actor=world.users["staff"], task=task, reason="等待", now=at(2025, 10, 9, 10, 0)
        )
    deadlines.task_suspend(
        actor=head, task=task, reason="等待供应商补充资质材料", now=at(2025, 10, 9, 10, 0)
    )
    with pytest.raises(ValidationError, match="已中止"):
        deadlines.task_suspend(actor=head, task=task, reason="again", now=at(2025, 10, 9, 11))
    # stopped: no reminder, no 超时, no escalation however late
    assert deadlines.deadlines_run(now=at(2025, 10, 20, 9, 0)) == {
        "reminded": 0,
        "overdue": 0,
        "escalated": 0,
    }
    task = deadlines.task_resume(actor=head, task=task, now=at(2025, 10, 14, 9, 0))
    # stopped 10-10, the 调休 10-11, 10-13, 10-14: four working days later than 10-11
    assert task.due_at == at(2025, 10, 16, 23, 59, 59)
    assert task.suspended_at is None
    kinds = list(
        InstanceEvent.objects.filter(task=task, kind__in=["suspended", "resumed"]).values_list(
            "kind", "data"
        )
    )
    assert kinds[0] == ("suspended", {"reason": "等待供应商补充资质材料"})
    assert kinds[1][0] == "resumed" and kinds[1][1]["stopped_days"] == 4
    assert AuditEvent.objects.filter(action="flow_task.suspend").count() == 1
    assert AuditEvent.objects.get(action="flow_task.resume").after["stopped_days"] == 4
    with pytest.raises(ValidationError, match="未中止"):
        deadlines.task_resume(actor=head, task=task, now=at(2025, 10, 14, 10, 0))


def test_an_overdue_clock_cannot_be_stopped_but_the_office_may_stop_one(world):
    task = limited_task(world)
    with pytest.raises(ValidationError, match="已超时"):
        deadlines.task_suspend(
            actor=world.users["dept_head"], task=task, reason="等待", now=at(2025, 10, 13)
        )
    deadlines.task_suspend(
        actor=world.users["integrity"], task=task, reason="核查中", now=at(2025, 10, 9, 10, 0)
    )


def test_a_year_the_calendar_does_not_know_counts_calendar_days_and_says_so(world):
    task = limited_task(world)
    task = deadlines.clock_start(task, now=at(2099, 3, 2, 10, 0))
    # 3 working days -> 5 calendar days (7 for every 5), and the timeline says why
    assert task.due_at == at(2099, 3, 7, 23, 59, 59)
    assert InstanceEvent.objects.filter(task=task, kind="due_calendar_days").exists()


def test_the_run_and_the_checker_make_the_same_queries_at_two_sizes(
    world, django_assert_num_queries
):
    version = flowkit.purchase(world)

    def waiting(n):
        for _ in range(n):
            flowkit.start(world, version)

    waiting(2)
    now = timezone.now() - dt.timedelta(hours=1)  # before anything is due: nothing to write
    with django_assert_num_queries(5) as small:
        deadlines.deadlines_run(now=now)
    waiting(5)
    with django_assert_num_queries(len(small.captured_queries)):
        deadlines.deadlines_run(now=now)
    Task.objects.update(escalated_at=now)
    with django_assert_num_queries(2):  # the tasks and their escalations (none here)
        assert len(deadlines.escalated_conditions(timezone.localdate())) == 7
