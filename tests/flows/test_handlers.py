"""Handler rules (flows.handlers): each rule against the organisation model, no
self-approval and its skips up the ladder, committees (会签) and delegation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lianfang.core.roles import Role
from lianfang.flows import handlers
from lianfang.flows.delegations import Delegation
from lianfang.org.models import LeaderDivision, Post, PostAssignment
from tests.factories import make_person, make_user

DAY = dt.date(2026, 3, 2)


def ctx(world, applicant, department=None, subjects=(), on=DAY):
    return handlers.Context(
        organisation=world.hospital,
        department_id=(department or world.cardiology).pk,
        applicant_id=applicant.pk if applicant else None,
        subject_ids=frozenset(u.pk for u in subjects),
        on=on,
    )


@pytest.fixture
def principal(world):
    """The hospital's principal leader (院长) with an account."""
    person = make_person(world.hospital, None, "0000", "刘院长")
    user = make_user("president", (Role.LEADER, world.hospital), person=person)
    world.hospital.principal_leader = person
    world.hospital.save(update_fields=["principal_leader"])
    LeaderDivision.objects.create(
        leader=person, department=world.cardiology, since=dt.date(2024, 1, 1)
    )
    return user


# Each rule -------------------------------------------------------------------------------------


def test_department_head_of_the_applicants_department(world):
    resolution = handlers.resolve("dept_head", ctx(world, world.users["staff"]))
    assert resolution.user_ids == [world.users["dept_head"].pk]
    assert resolution.skips == [] and not resolution.committee
    assert resolution.record["handlers"][0]["rule"] == "dept_head"


def test_leader_in_charge_by_the_division_in_force(world):
    buyer = make_user("buyer", (Role.STAFF, world.hospital), person=world.procurement_person)
    got = handlers.resolve("leader_in_charge", ctx(world, buyer, world.procurement))
    assert got.user_ids == [world.users["leader"].pk]
    # a division that ended before the day no longer counts: up to the principal leader,
    # and with none, to the integrity office
    LeaderDivision.objects.update(until=dt.date(2026, 1, 1))
    got = handlers.resolve("leader_in_charge", ctx(world, buyer, world.procurement))
    assert got.user_ids == [world.users["integrity"].pk]
    assert [(s.rule, s.why) for s in got.skips] == [
        ("leader_in_charge", handlers.NOBODY),
        ("principal_leader", handlers.NOBODY),
    ]


def test_principal_leader(world, principal):
    got = handlers.resolve("principal_leader", ctx(world, world.users["staff"]))
    assert got.user_ids == [principal.pk]


def test_integrity_office_and_role_and_post_and_person(world):
    staff = world.users["staff"]
    assert handlers.resolve("integrity_office", ctx(world, staff)).user_ids == [
        world.users["integrity"].pk
    ]
    assert handlers.resolve("role:admin", ctx(world, staff)).user_ids == [world.users["admin"].pk]
    buyer = make_user("buyer", (Role.STAFF, world.hospital), person=world.procurement_person)
    assert handlers.resolve("post:P-CGY", ctx(world, staff)).user_ids == [buyer.pk]
    # a post held no more is not a handler
    PostAssignment.objects.filter(person=world.procurement_person).update(end=DAY)
    got = handlers.resolve("post:P-CGY", ctx(world, staff))
    assert got.user_ids == [world.users["dept_head"].pk]  # nobody: up from the department head
    assert got.skips[0].rule == "post:P-CGY" and got.skips[0].why == handlers.NOBODY
    colleague = make_user("colleague", (Role.STAFF, world.hospital), person=world.colleague_person)
    assert handlers.resolve("person:0103", ctx(world, staff)).user_ids == [colleague.pk]


def test_a_post_of_another_organisation_is_not_found(world):
    Post.objects.create(organisation=world.other_hospital, name="采购员", code="P-X")
    outsider_post = Post.objects.get(code="P-YS")
    got = handlers.resolve(f"post:{outsider_post.code}", ctx(world, world.users["staff"]))
    assert world.users["outsider"].pk not in got.user_ids


def test_the_applicant_rule_names_the_applicant(world):
    staff = world.users["staff"]
    got = handlers.resolve("applicant", ctx(world, staff, subjects=[staff]))
    assert got.user_ids == [staff.pk] and got.skips == []


def test_inactive_accounts_never_handle(world):
    world.users["dept_head"].is_active = False
    world.users["dept_head"].save(update_fields=["is_active"])
    got = handlers.resolve("person:0101", ctx(world, world.users["staff"]))
    assert world.users["dept_head"].pk not in got.user_ids


# No self-approval ------------------------------------------------------------------------------


def test_the_department_head_applying_goes_up_the_ladder(world, principal):
    head = world.users["dept_head"]
    got = handlers.resolve("dept_head", ctx(world, head))
    # the head is the applicant; cardiology's leader in charge is the principal leader here
    assert got.user_ids == [principal.pk]
    assert [(s.rule, s.why, s.user_id) for s in got.skips] == [
        ("dept_head", handlers.APPLICANT_SELF, head.pk)
    ]
    assert got.record["skips"] == [{"rule": "dept_head", "why": "applicant", "user": head.pk}]
    assert got.handlers[0].rule == "leader_in_charge"


def test_the_subject_never_handles_the_matter_about_them(world):
    head = world.users["dept_head"]
    got = handlers.resolve("dept_head", ctx(world, world.users["staff"], subjects=[head]))
    assert head.pk not in got.user_ids
    assert got.skips[0].why == handlers.SUBJECT_SELF
    # cardiology has no leader in charge, the hospital no principal leader: the office
    assert [s.rule for s in got.skips] == ["dept_head", "leader_in_charge", "principal_leader"]
    assert got.user_ids == [world.users["integrity"].pk]


def test_a_post_holder_applying_goes_to_their_department_head(world):
    buyer = make_user("buyer", (Role.STAFF, world.hospital), person=world.procurement_person)
    got = handlers.resolve("post:P-CGY", ctx(world, buyer, world.procurement))
    # procurement has no head account: up to its leader in charge
    assert got.user_ids == [world.users["leader"].pk]
    assert [(s.rule, s.why) for s in got.skips] == [
        ("post:P-CGY", handlers.APPLICANT_SELF),
        ("dept_head", handlers.NOBODY),
    ]


def test_an_integrity_officer_applying_goes_to_another_office(world):
    officer = world.users["integrity"]
    got = handlers.resolve("integrity_office", ctx(world, officer))
    # the hospital's only officer is the applicant: the commission's office
    assert got.user_ids == [world.users["commission_integrity"].pk]
    assert got.skips[0].user_id == officer.pk and got.skips[0].why == handlers.APPLICANT_SELF


def test_nobody_anywhere_is_refused(world):
    from lianfang.accounts.models import RoleGrant

    RoleGrant.objects.filter(role=Role.INTEGRITY).delete()
    with pytest.raises(handlers.HandlerUnresolved):
        handlers.resolve("dept_head", ctx(world, world.users["dept_head"]))


# Committees (会签) -----------------------------------------------------------------------------


def test_a_committee_has_every_member_once(world, principal):
    got = handlers.resolve(
        "committee:dept_head,principal_leader,role:leader,integrity_office",
        ctx(world, world.users["staff"]),
        completion="majority",
    )
    assert got.committee and got.completion == "majority"
    expected = {world.users["dept_head"].pk, principal.pk, world.users["leader"].pk}
    assert set(got.user_ids) == expected | {world.users["integrity"].pk}
    assert len(got.user_ids) == len(set(got.user_ids))  # the principal leader once


def test_a_committee_leaves_the_applicant_out(world):
    leader = world.users["leader"]
    got = handlers.resolve("committee:role:leader,integrity_office", ctx(world, leader))
    assert got.user_ids == [world.users["integrity"].pk]
    assert got.skips == [handlers.Skip("role:leader", handlers.APPLICANT_SELF, leader.pk)]
    assert got.completion == "all"


def test_a_committee_left_empty_goes_up(world):
    leader = world.users["leader"]
    got = handlers.resolve("committee:role:leader", ctx(world, leader))
    assert got.user_ids == [world.users["dept_head"].pk]


@pytest.mark.parametrize(
    "completion,decisions,outcome",
    [
        ("all", ["approve", "approve", "approve"], "approve"),
        ("all", ["approve", None, "approve"], None),
        ("all", ["approve", "reject", None], "reject"),
        ("majority", ["approve", "approve", None], "approve"),
        ("majority", ["approve", None, None], None),
        ("majority", ["reject", "reject", None], "reject"),
        ("majority", ["approve", "reject", None, None], None),
        ("majority", ["approve", "approve", "reject", "reject"], "reject"),
        ("majority", ["approve", "approve", "approve", None], "approve"),
        ("all", [], None),
    ],
)
def test_countersign_outcome(completion, decisions, outcome):
    assert handlers.countersign_outcome(completion, decisions) == outcome


# Rules as written --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "boss", "role:king", "post:", "committee:", "committee:dept_head,nobody", "dept_head:x"],
)
def test_malformed_rules_are_refused_in_chinese(text):
    with pytest.raises(ValidationError):
        handlers.parse(text)
    assert handlers.check(text)


def test_check_accepts_good_rules_and_refuses_a_completion_out_of_place():
    assert handlers.check("committee:dept_head,role:leader", "majority") == []
    assert handlers.check("post:P-1") == []
    assert handlers.check("dept_head", "all")
    assert handlers.check("committee:dept_head", "most")
    assert str(handlers.parse(" committee: dept_head , person:01 ")) == (
        "committee:dept_head,person:01"
    )


# Delegation (代理) -------------------------------------------------------------------------------


def _delegate(world, delegator, delegate, start, end):
    return Delegation.objects.create(
        organisation=world.hospital,
        delegator=delegator,
        delegate=delegate,
        start=start,
        end=end,
        reason="休假",
        created_by=delegator,
    )


def test_a_delegation_in_force_gives_the_task_to_the_delegate(world):
    head = world.users["dept_head"]
    colleague = make_user("colleague", (Role.STAFF, world.hospital), person=world.colleague_person)
    delegation = _delegate(world, head, colleague, dt.date(2026, 3, 1), dt.date(2026, 3, 5))
    got = handlers.resolve("dept_head", ctx(world, world.users["staff"]))
    assert got.user_ids == [colleague.pk]
    assert got.handlers[0].original_id == head.pk
    assert got.record["handlers"][0] == {
        "user": colleague.pk,
        "rule": "dept_head",
        "original": head.pk,
        "delegation": delegation.pk,
    }
    # outside its period, and once ended, the head again
    after = handlers.resolve("dept_head", ctx(world, world.users["staff"], on=dt.date(2026, 3, 6)))
    assert after.user_ids == [head.pk] and after.handlers[0].original_id is None
    Delegation.objects.update(ended_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    assert handlers.resolve("dept_head", ctx(world, world.users["staff"])).user_ids == [head.pk]


def test_a_delegate_who_is_the_applicant_is_not_used(world):
    head, staff = world.users["dept_head"], world.users["staff"]
    _delegate(world, head, staff, dt.date(2026, 3, 1), dt.date(2026, 3, 5))
    got = handlers.resolve("dept_head", ctx(world, staff))
    assert got.user_ids == [head.pk] and got.handlers[0].original_id is None


# Through the engine (flows.services' seams) -------------------------------------------------------

COMMITTEE_FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:lianfang="http://lianfang.org/schema/bpmn/1"
                  id="defs_c" targetNamespace="http://lianfang.org/bpmn">
  <bpmn:process id="test_committee" name="测试会签" isExecutable="true">
    <bpmn:extensionElements>
      <lianfang:field name="item" label="事项" type="text" required="true"/>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="meeting"/>
    <bpmn:userTask id="meeting" name="班子会议" lianfang:completion="majority"
                   lianfang:handler="committee:dept_head,leader_in_charge,integrity_office"/>
    <bpmn:sequenceFlow id="f2" sourceRef="meeting" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_engine_records_the_skip_on_the_timeline_and_in_the_audit_log(world):
    from lianfang.core.models import AuditEvent
    from lianfang.flows import services
    from lianfang.flows.models import InstanceEvent
    from tests.flows import flowkit

    version = flowkit.purchase(world)
    head = world.users["dept_head"]
    instance = services.instance_start(
        actor=head, version=version, data={"item": "办公桌", "amount": "2000", "method": "询价"}
    )
    (task,) = flowkit.ready(instance)
    assert task.assignee == world.users["leader"]  # the head applied: up to the leader
    event = InstanceEvent.objects.get(instance=instance, kind=handlers.SKIPPED)
    assert event.task == task
    assert event.data["skips"][0]["user"] == head.pk
    assert event.data["skips"][0]["why"] == "applicant"
    audit = AuditEvent.objects.get(action="flow_task.handler_skip")
    assert audit.organisation_id == world.hospital.pk


def test_the_engine_gives_a_delegated_task_to_the_delegate_and_keeps_both(world):
    from django.utils import timezone

    from lianfang.flows.models import InstanceEvent
    from tests.flows import flowkit

    head = world.users["dept_head"]
    colleague = make_user("colleague", (Role.STAFF, world.hospital), person=world.colleague_person)
    today = timezone.localdate()
    _delegate(world, head, colleague, today, today)
    version = flowkit.purchase(world)
    instance = flowkit.start(world, version)
    (task,) = flowkit.ready(instance)
    assert task.assignee == colleague and task.assignee_person == world.colleague_person
    event = InstanceEvent.objects.get(instance=instance, kind=handlers.DELEGATED)
    assert event.task == task
    assert (event.data["original"], event.data["delegate"]) == (head.pk, colleague.pk)
    arrived = InstanceEvent.objects.get(instance=instance, kind="arrived")
    assert "李主任" in arrived.data["note"]


def test_the_engine_makes_one_task_per_committee_member(world, principal):
    from lianfang.flows import services
    from tests.flows import flowkit

    flowkit.purchase(world)  # the leader in charge of cardiology
    version = services.definition_publish(
        actor=world.users["admin"], organisation=world.hospital, code="c", bpmn=COMMITTEE_FLOW
    )
    instance = services.instance_start(
        actor=world.users["staff"], version=version, data={"item": "基建项目"}
    )
    tasks = flowkit.ready(instance)
    assignees = {t.assignee_id for t in tasks}
    expected = {world.users["dept_head"].pk, world.users["integrity"].pk}
    # two leaders are in charge of cardiology now (the fixture's principal and the leader)
    assert expected < assignees and len(tasks) == len(assignees) == 4
    assert {t.committee_key for t in tasks} == {"meeting"}


def test_may_handle_refuses_the_applicant_and_the_subject(world):
    from tests.flows import flowkit

    version = flowkit.purchase(world)
    instance = flowkit.start(world, version)
    instance.subject = world.head_person
    spec_task = instance.version.spec["tasks"]["head"]
    assert not handlers.may_handle(instance, spec_task, world.users["staff"].pk)
    assert not handlers.may_handle(instance, spec_task, world.users["dept_head"].pk)
    assert handlers.may_handle(instance, spec_task, world.users["leader"].pk)
    assert handlers.may_handle(instance, {"handler": "applicant"}, world.users["staff"].pk)
