"""The flows' services: publishing, starting, and every action on a task."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lianfang.core.models import Attachment, AuditEvent
from lianfang.flows import services
from lianfang.flows.errors import TaskUnavailable
from lianfang.flows.models import FlowDefinition, FlowVersion, Instance, InstanceEvent, Task

from .flowkit import bpmn_text, purchase, ready, start

pytestmark = pytest.mark.django_db


def act(world, who, task, action, **kwargs):
    return services.task_act(actor=world.users[who], task=task, action=action, **kwargs)


def snapshot(instance):
    instance.refresh_from_db()
    return (
        instance.state,
        instance.lock_version,
        instance.workflow,
        instance.data,
        sorted(Task.objects.filter(instance=instance).values_list("pk", "state", "assignee_id")),
        instance.events.count(),
        AuditEvent.objects.count(),
    )


# Publishing ------------------------------------------------------------------------------------


def test_publish_versions_by_content(world):
    v1 = purchase(world)
    assert (v1.number, v1.definition.name, v1.definition.code) == (1, "测试采购", "test_purchase")
    assert v1.definition.current_version == v1
    assert purchase(world) == v1  # same content: no new version
    running = start(world, v1)
    changed = bpmn_text("test_purchase").replace("科室负责人审核", "科主任审核")
    v2 = services.definition_publish(
        actor=world.users["admin"], organisation=world.hospital, code="test_purchase", bpmn=changed
    )
    assert v2.number == 2 and v2.definition_id == v1.definition_id
    running.refresh_from_db()
    assert running.version == v1  # running instances keep their version
    [task] = ready(running)
    assert task.name == "科室负责人审核"
    assert AuditEvent.objects.filter(action="flow_definition.publish").count() == 2


def test_publish_refuses_with_every_reason(world):
    bad = (
        bpmn_text("test_purchase")
        .replace('lianfang:handler="dept_head" ', "")
        .replace('lianfang:publishes="item,amount,supplier"', 'lianfang:publishes="phone"')
    )
    with pytest.raises(ValidationError) as caught:
        services.definition_publish(
            actor=world.users["admin"], organisation=world.hospital, code="x", bpmn=bad
        )
    messages = caught.value.messages
    assert any("没有设置办理人规则" in m for m in messages)
    assert any("个人隐私" in m for m in messages)
    assert not FlowDefinition.objects.exists()


def test_only_officers_of_the_organisation_publish(world):
    for who in ("staff", "dept_head", "outsider"):
        with pytest.raises(ValidationError):
            services.definition_publish(
                actor=world.users[who],
                organisation=world.hospital,
                code="p",
                bpmn=bpmn_text("test_purchase"),
            )
    assert not FlowVersion.objects.exists()


# Starting --------------------------------------------------------------------------------------


def test_start_assigns_the_first_task_and_records(world):
    instance = start(world, purchase(world))
    assert instance.state == Instance.State.RUNNING
    assert instance.applicant_person == world.staff_person
    assert instance.department == world.cardiology
    assert instance.data["amount"] == "150000.00"
    assert instance.number.startswith("test_purchase-")
    [task] = ready(instance)
    assert (task.bpmn_id, task.assignee, task.assignee_person) == (
        "head",
        world.users["dept_head"],
        world.head_person,
    )
    assert task.candidate_rule == "dept_head"
    assert list(instance.events.values_list("kind", flat=True)) == ["started", "arrived"]
    assert AuditEvent.objects.filter(action="flow_instance.start", object_id=instance.pk).exists()


def test_bad_input_writes_nothing(world):
    version = purchase(world)
    with pytest.raises(ValidationError) as caught:
        start(world, version, amount="很多", method="抽签")
    assert set(caught.value.message_dict) == {"amount", "method"}
    assert not Instance.objects.exists() and not Task.objects.exists()


def test_outsiders_cannot_start(world):
    version = purchase(world)
    for who in ("outsider", "nobody"):
        with pytest.raises(ValidationError):
            services.instance_start(actor=world.users[who], version=version, data={})
    assert not Instance.objects.exists()


def test_inactive_definitions_cannot_start(world):
    version = purchase(world)
    FlowDefinition.objects.update(active=False)
    version.definition.refresh_from_db()
    with pytest.raises(ValidationError):
        start(world, version)


ATTACHING = bpmn_text("test_leave").replace(
    '<lianfang:field name="start_on" label="开始日期" type="date"/>',
    '<lianfang:field name="scan" label="证明材料" type="attachment" required="true"/>',
)


def leave(world):
    return services.definition_publish(
        actor=world.users["admin"], organisation=world.hospital, code="leave", bpmn=ATTACHING
    )


def test_attachments_are_kept_through_core(world):
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    instance = services.instance_start(
        actor=world.users["staff"],
        version=leave(world),
        data={"reason": "病假", "days": 2},
        files={"scan": pdf},
    )
    [attachment] = Attachment.objects.filter(use="flow_attachment", object_id=instance.pk)
    assert instance.data["scan"] == [attachment.pk]
    assert attachment.sha256 and attachment.size == len(b"%PDF-1.4\n%%EOF\n")


def test_a_wrong_attachment_leaves_nothing(world):
    version = leave(world)
    exe = SimpleUploadedFile("x.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        services.instance_start(
            actor=world.users["staff"],
            version=version,
            data={"reason": "病假", "days": 2},
            files={"scan": exe},
        )
    assert "不支持该文件类型" in str(caught.value)
    with pytest.raises(ValidationError):  # required and missing
        services.instance_start(
            actor=world.users["staff"], version=version, data={"reason": "病假", "days": 2}
        )
    assert not Instance.objects.exists() and not Attachment.objects.exists()


# Acting ----------------------------------------------------------------------------------------


def test_approve_to_the_end(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    act(world, "dept_head", head, "approve", reason="同意采购")
    head.refresh_from_db()
    assert (head.state, head.decision, head.comment, head.completed_by) == (
        "completed",
        "approve",
        "同意采购",
        world.users["dept_head"],
    )
    [leader] = ready(instance)
    assert leader.is_control_point and leader.assignee == world.users["leader"]
    act(world, "leader", leader, "approve")
    instance.refresh_from_db()
    assert instance.state == Instance.State.COMPLETED and instance.finished_at
    assert instance.lock_version == 2
    kinds = list(instance.events.values_list("kind", flat=True))
    assert kinds == ["started", "arrived", "approved", "arrived", "approved", "completed"]
    assert AuditEvent.objects.filter(action="flow_task.approve").count() == 2


def test_small_amounts_skip_the_leader(world):
    instance = start(world, purchase(world), amount="5000")
    [head] = ready(instance)
    act(world, "dept_head", head, "approve")
    instance.refresh_from_db()
    assert instance.state == Instance.State.COMPLETED


def test_return_goes_back_with_a_reason(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    act(world, "dept_head", head, "approve")
    [leader] = ready(instance)
    with pytest.raises(ValidationError) as caught:
        act(world, "leader", leader, "return")
    assert "退回的理由" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        act(world, "leader", leader, "return", reason="x", target="nowhere")
    act(world, "leader", leader, "return", reason="请补充询价记录")
    leader.refresh_from_db()
    assert leader.decision == "return" and leader.state == "completed"
    [again] = ready(instance)
    assert again.bpmn_id == "head" and again.assignee == world.users["dept_head"]
    event = instance.events.get(kind=InstanceEvent.Kind.RETURNED)
    assert event.data["reason"] == "请补充询价记录" and event.data["to"] == "head"
    # and on again to the end
    act(world, "dept_head", again, "approve")
    act(world, "leader", ready(instance)[0], "approve")
    instance.refresh_from_db()
    assert instance.state == Instance.State.COMPLETED


def test_nothing_to_return_to(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    with pytest.raises(ValidationError):
        act(world, "dept_head", head, "return", reason="退回")


def test_after_a_return_the_first_step_has_nothing_to_return_to(world):
    """The head approved once, but the leader's return undid that: the head's step, ready again,
    offers no earlier step and refuses 退回, while the leader's offers the head's."""
    instance = start(world, purchase(world))
    [head] = ready(instance)
    assert services.return_targets(instance, head) == []
    act(world, "dept_head", head, "approve")
    instance.refresh_from_db()
    [leader] = ready(instance)
    assert services.return_targets(instance, leader) == [("head", "科室负责人审核")]
    act(world, "leader", leader, "return", reason="请补充询价记录")
    instance.refresh_from_db()
    [again] = ready(instance)
    assert services.return_targets(instance, again) == []
    with pytest.raises(ValidationError) as caught:
        act(world, "dept_head", again, "return", reason="退回")
    assert "已经办理过的环节" in caught.value.messages[0]


def test_reject_ends_the_instance(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    with pytest.raises(ValidationError):
        act(world, "dept_head", head, "reject")
    act(world, "dept_head", head, "reject", reason="预算不足")
    instance.refresh_from_db()
    assert instance.state == Instance.State.REJECTED and instance.finished_at
    assert not ready(instance)


def test_withdraw_only_before_the_first_approval(world):
    version = purchase(world)
    instance = start(world, version)
    [head] = ready(instance)
    with pytest.raises(TaskUnavailable):  # not the applicant
        act(world, "dept_head", head, "withdraw")
    act(world, "staff", head, "withdraw", reason="重复申请")
    instance.refresh_from_db()
    assert instance.state == Instance.State.WITHDRAWN
    assert Task.objects.get(pk=head.pk).state == Task.State.CANCELLED

    second = start(world, version)
    act(world, "dept_head", ready(second)[0], "approve")
    before = snapshot(second)
    with pytest.raises(ValidationError) as caught:
        act(world, "staff", ready(second)[0], "withdraw")
    assert "不能再撤回" in caught.value.messages[0]
    assert snapshot(second) == before


def test_comment_and_transfer(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    act(world, "dept_head", head, "comment", reason="请附上报价单")
    act(world, "staff", head, "comment", reason="已补充")  # the applicant may comment too
    with pytest.raises(ValidationError):
        act(world, "dept_head", head, "transfer", target=world.users["outsider"].pk, reason="x")
    with pytest.raises(ValidationError):
        act(world, "dept_head", head, "transfer", target=world.users["leader"].pk)
    act(world, "dept_head", head, "transfer", target=world.users["leader"].pk, reason="出差")
    head.refresh_from_db()
    assert head.state == "ready" and head.assignee == world.users["leader"]
    assert head.assignee_person == world.leader_person
    with pytest.raises(TaskUnavailable):  # no longer the old handler's
        act(world, "dept_head", head, "approve")
    kinds = list(instance.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["commented", "commented", "transferred"]
    assert AuditEvent.objects.filter(action="flow_task.transfer").exists()


def test_a_transfer_never_hands_the_task_to_the_applicant_or_the_subject(world):
    instance = start(world, purchase(world))
    instance.subject = world.leader_person
    instance.save(update_fields=["subject"])
    [head] = ready(instance)
    before = snapshot(instance)
    for who in ("staff", "leader"):  # the applicant; the person the matter is about
        with pytest.raises(ValidationError) as caught:
            act(world, "dept_head", head, "transfer", target=world.users[who].pk, reason="出差")
        assert caught.value.error_dict["target"][0].code == "transfer_conflict"
        assert "回避" in caught.value.messages[0]
    assert snapshot(instance) == before
    head.refresh_from_db()
    assert head.assignee == world.users["dept_head"]


@pytest.mark.parametrize("who", ["staff", "leader", "outsider", "admin", "integrity"])
def test_not_yours_is_a_404_and_changes_nothing(world, who):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    before = snapshot(instance)
    for action in ("approve", "reject", "return", "transfer"):
        with pytest.raises(TaskUnavailable):
            act(world, who, head, action, reason="x", target=world.users["leader"].pk)
    assert snapshot(instance) == before


def test_a_second_click_is_a_404_and_changes_nothing(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    stale = Task.objects.get(pk=head.pk)
    act(world, "dept_head", head, "approve")
    before = snapshot(instance)
    with pytest.raises(TaskUnavailable) as caught:
        act(world, "dept_head", stale, "approve")
    assert "已被办理" in str(caught.value)
    assert snapshot(instance) == before


def test_a_stale_version_is_refused(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    act(world, "dept_head", head, "comment", reason="看过")
    with pytest.raises(ValidationError) as caught:
        act(world, "dept_head", head, "approve", expected_version=0)
    assert caught.value.code == "stale"
    act(world, "dept_head", head, "approve", expected_version=1)


def test_unknown_action(world):
    instance = start(world, purchase(world))
    with pytest.raises(ValidationError):
        act(world, "dept_head", ready(instance)[0], "delete")


def test_a_failing_hook_leaves_nothing_half_written(world):
    """The publication step raising after the workflow advanced rolls everything back."""
    instance = start(world, purchase(world))
    act(world, "dept_head", ready(instance)[0], "approve")
    [leader] = ready(instance)
    before = snapshot(instance)

    def publish(*, task, instance, actor, spec_task):
        assert instance.state != "running" or True
        if spec_task.get("control_point"):
            raise RuntimeError("publication failed")

    services.on_task_completed.append(publish)
    try:
        with pytest.raises(RuntimeError):
            act(world, "leader", leader, "approve")
    finally:
        services.on_task_completed.remove(publish)
    assert snapshot(instance) == before
    leader.refresh_from_db()
    assert leader.state == "ready"
    act(world, "leader", leader, "approve")  # and it still works afterwards
    instance.refresh_from_db()
    assert instance.state == Instance.State.COMPLETED


def test_hooks_see_new_tasks_and_completions(world):
    created, completed = [], []

    def on_created(*, tasks, instance, actor):
        created.extend(t.bpmn_id for t in tasks)

    def on_completed(*, task, instance, actor, spec_task):
        completed.append((task.bpmn_id, spec_task["control_point"]))

    services.on_tasks_created.append(on_created)
    services.on_task_completed.append(on_completed)
    try:
        instance = start(world, purchase(world))
        act(world, "dept_head", ready(instance)[0], "approve")
        act(world, "leader", ready(instance)[0], "approve")
    finally:
        services.on_tasks_created.remove(on_created)
        services.on_task_completed.remove(on_completed)
    assert created == ["head", "leader"]
    assert completed == [("head", False), ("leader", True)]


def test_the_resolver_is_a_seam(world):
    def everyone_to_integrity(*, task, instance, rule, spec_task):
        return [services.Assignment(user=world.users["integrity"], rule=f"test:{rule}")]

    previous = services.current_resolver()
    services.set_resolver(everyone_to_integrity)
    try:
        instance = start(world, purchase(world))
    finally:
        services.set_resolver(previous)
    [task] = ready(instance)
    assert task.assignee == world.users["integrity"] and task.candidate_rule == "test:dept_head"


def test_no_handler_refuses_the_start(world):
    """A rule that resolves to nobody (whatever resolver is in force) refuses the start."""
    previous = services.current_resolver()
    services.set_resolver(lambda **kwargs: [])
    try:
        with pytest.raises(ValidationError) as caught:
            start(world, purchase(world))
    finally:
        services.set_resolver(previous)
    assert "找不到办理人" in caught.value.messages[0]
    assert not Instance.objects.exists()


COMMITTEE = bpmn_text("test_leave").replace(
    'lianfang:handler="role:admin"',
    'lianfang:handler="committee:person:0001,person:0101,person:0103" lianfang:completion="{c}"',
)


@pytest.mark.parametrize(
    "completion,decisions,state",
    [
        ("all", ["approve", "approve", "approve"], "completed"),
        ("all", ["approve", "reject"], "rejected"),
        ("majority", ["approve", "approve"], "completed"),
        ("majority", ["reject", "reject"], "rejected"),
        ("majority", ["approve", "reject", "approve"], "completed"),
    ],
)
def test_committee(world, completion, decisions, state):
    from lianfang.accounts.models import User

    colleague = User.objects.create(username="colleague")
    world.colleague_person.user = colleague
    world.colleague_person.save(update_fields=["user"])
    version = services.definition_publish(
        actor=world.users["admin"],
        organisation=world.hospital,
        code="committee",
        bpmn=COMMITTEE.format(c=completion),
    )
    instance = services.instance_start(
        actor=world.users["staff"], version=version, data={"reason": "事由", "days": 1}
    )
    act(world, "dept_head", ready(instance)[0], "approve")
    members = ready(instance)
    assert len(members) == 3 and len({m.committee_key for m in members}) == 1
    for member, decision in zip(members, decisions, strict=False):
        instance.refresh_from_db()
        if instance.state != "running":
            break
        services.task_act(actor=member.assignee, task=member, action=decision, reason="意见")
    instance.refresh_from_db()
    assert instance.state == state
    assert not ready(instance)
