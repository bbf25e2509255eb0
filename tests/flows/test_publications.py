"""Publication at control points (flows.publications): what a completed control point
publishes through core.publications, what it never publishes, atomicity, and the
completeness check."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from lianfang.core.models import AuditEvent, Publication
from lianfang.flows import publications, services
from lianfang.flows.models import Instance, Task
from lianfang.org.models import PostAssignment
from lianfang.portal.models import PortalSite
from tests.flows import flowkit

SECRET_PHONE = "13912345678"

PRIVATE_FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:lianfang="http://lianfang.org/schema/bpmn/1"
                  id="defs_p" targetNamespace="http://lianfang.org/bpmn">
  <bpmn:process id="test_private" name="测试公开" isExecutable="true">
    <bpmn:extensionElements>
      <lianfang:field name="item" label="事项" type="text" required="true" public="true"/>
      <lianfang:field name="note" label="内部说明" type="text"/>
      <lianfang:field name="phone" label="联系电话" type="text"/>
      <lianfang:field name="candidate" label="拟任人选" type="person" public="true"/>
      <lianfang:field name="files" label="材料" type="attachment" public="true"/>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:userTask id="check" name="资格审查" lianfang:handler="dept_head"
                   lianfang:controlPoint="true" lianfang:publishes="item,candidate"
                   lianfang:publishHandlerName="true"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def approve(task, actor=None, **kwargs):
    return services.task_act(actor=actor or task.assignee, task=task, action="approve", **kwargs)


def big_purchase(world):
    version = flowkit.purchase(world)
    instance = flowkit.start(
        world, version, amount="15万", supplier="某医疗器械公司", phone=SECRET_PHONE
    )
    (head,) = flowkit.ready(instance)
    approve(head)
    (leader,) = flowkit.ready(instance)
    return instance, leader


def test_a_control_point_publishes_its_declared_fields_and_nothing_private(world, client):
    instance, leader_task = big_purchase(world)
    # the head's step is no control point: nothing published yet
    assert not Publication.objects.exists()
    approve(leader_task)
    publication = Publication.objects.get()
    assert publication.column.code == "results" and publication.column.module.code == "flows"
    assert publication.organisation == world.hospital
    fields = publication.fields
    assert fields["flow"] == "测试采购" and fields["step"] == "分管院长审批"
    assert fields["decision"] == "同意"
    assert fields["number"] == instance.number
    assert fields["date"] == timezone.localdate().isoformat()
    assert fields["post"] == "副院长"  # the leader's post, not their name
    assert fields["handler"] == ""
    assert "采购物品：心电监护仪" in fields["content"]
    assert "采购金额：150,000.00 元" in fields["content"]
    assert "供应商：某医疗器械公司" in fields["content"]
    text = str(fields) + publication.title
    for private in (SECRET_PHONE, "联系电话", "王副院长", "张医生", instance.title):
        assert private not in text
    event = AuditEvent.objects.get(action="publication.publish")
    assert event.actor_id == world.users["leader"].pk
    PortalSite.objects.create(organisation=world.hospital, enabled=True)  # the site is open
    page = client.get(
        reverse("core:public_column", args=[world.hospital.pk, "flows", "results"])
    ).content.decode()
    assert "分管院长审批" in page and "心电监护仪" in page and SECRET_PHONE not in page


def test_undeclared_private_and_file_fields_never_publish_the_name_only_when_declared(world):
    version = services.definition_publish(
        actor=world.users["admin"], organisation=world.hospital, code="p", bpmn=PRIVATE_FLOW
    )
    instance = services.instance_start(
        actor=world.users["staff"],
        version=version,
        data={
            "item": "科主任竞聘",
            "note": "内部讨论",
            "phone": SECRET_PHONE,
            "candidate": world.colleague_person.pk,
        },
    )
    (task,) = flowkit.ready(instance)
    approve(task)
    fields = Publication.objects.get().fields
    assert fields["content"] == "事项：科主任竞聘\n拟任人选：赵医生"
    assert fields["handler"] == "李主任"  # publishHandlerName="true"
    assert fields["post"] == "科主任"
    assert "内部讨论" not in str(fields) and SECRET_PHONE not in str(fields)


def test_the_public_fields_are_checked_again_when_publishing(world):
    """A spec that lists a private or undeclared field (an older version, a hand-edited
    spec) still publishes only what is public."""
    instance, leader_task = big_purchase(world)
    spec = instance.version.spec
    spec["tasks"]["leader"]["publishes"] = ["item", "phone"]
    for field in spec["fields"]:
        if field["name"] == "phone":
            field["public"] = True  # declared public although its label says 电话
    instance.version.save(update_fields=["spec"])
    approve(leader_task)
    assert Publication.objects.get().fields["content"] == "采购物品：心电监护仪"


def test_a_failing_publication_undoes_the_approval(world, monkeypatch):
    instance, leader_task = big_purchase(world)
    before = AuditEvent.objects.count()

    def fail(**kwargs):
        raise RuntimeError("the publication store is down")

    monkeypatch.setattr(publications.publications, "publish_one", fail)
    with pytest.raises(RuntimeError):
        approve(leader_task)
    leader_task.refresh_from_db()
    instance.refresh_from_db()
    assert leader_task.state == Task.State.READY
    assert instance.state == Instance.State.RUNNING
    assert AuditEvent.objects.count() == before
    assert not Publication.objects.exists()


def test_gaps_per_month_and_the_office_fills_them(world):
    instance, leader_task = big_purchase(world)
    approve(leader_task)
    month = timezone.localdate()
    assert publications.publication_gaps(world.hospital, month) == []
    [complete] = publications.publication_completeness(world.hospital, month)
    assert (complete.completed, complete.published, complete.percent) == (1, 1, 100.0)
    # a control point completed without its publication (written before the rule, say)
    Publication.objects.all().delete()
    [gap] = publications.publication_gaps(world.hospital, month)
    assert gap.task.pk == leader_task.pk and gap.flow == "测试采购" and not gap.withdrawn
    assert publications.publication_completeness(world.hospital, month)[0].percent == 0.0
    last_month = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert publications.publication_gaps(world.hospital, last_month) == []
    assert publications.publication_gaps(world.other_hospital, month) == []
    with pytest.raises(PermissionDenied):
        publications.publication_gaps_fill(actor=world.users["staff"], organisation=world.hospital)
    [made] = publications.publication_gaps_fill(
        actor=world.users["integrity"], organisation=world.hospital
    )
    assert made.object_id == leader_task.pk
    assert publications.publication_gaps(world.hospital, month) == []


def test_a_withdrawn_publication_is_a_gap_the_fill_leaves_alone(world):
    from lianfang.core import publications as core_publications

    instance, leader_task = big_purchase(world)
    approve(leader_task)
    core_publications.withdraw(
        actor=world.users["integrity"], publication=Publication.objects.get(), reason="数据有误"
    )
    [gap] = publications.publication_gaps(world.hospital)
    assert gap.withdrawn
    assert (
        publications.publication_gaps_fill(
            actor=world.users["integrity"], organisation=world.hospital
        )
        == []
    )


def test_the_gap_check_makes_the_same_queries_at_two_sizes(world, django_assert_num_queries):
    version = flowkit.purchase(world)
    PostAssignment.objects.filter(person=world.leader_person)  # the leader holds 副院长

    def complete(n):
        for _ in range(n):
            instance = flowkit.start(world, version)
            approve(flowkit.ready(instance)[0])
            approve(flowkit.ready(instance)[0])
        Publication.objects.all().delete()

    complete(2)
    with django_assert_num_queries(2) as small:
        assert len(publications.publication_gaps(world.hospital)) == 2
    complete(4)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(publications.publication_gaps(world.hospital)) == 6


def test_a_rejected_control_point_publishes_its_decision_too(world):
    instance, leader_task = big_purchase(world)
    services.task_act(
        actor=leader_task.assignee, task=leader_task, action="reject", reason="超预算"
    )
    instance.refresh_from_db()
    assert instance.state == Instance.State.REJECTED
    publication = Publication.objects.get()
    assert publication.object_id == leader_task.pk
    assert publication.fields["decision"] == "不同意"
    assert publication.fields["step"] == "分管院长审批"
    assert "超预算" not in str(publication.fields)  # the handler's opinion stays internal
    # counted by the completeness check, and no gap
    assert not publications.publication_gaps(world.hospital)
    [row] = publications.publication_completeness(world.hospital)
    assert (row.completed, row.published) == (1, 1)


def test_a_rejection_at_a_plain_step_publishes_nothing(world):
    instance = flowkit.start(world, flowkit.purchase(world))
    (head,) = flowkit.ready(instance)
    services.task_act(actor=head.assignee, task=head, action="reject", reason="不需要")
    assert not Publication.objects.exists()
