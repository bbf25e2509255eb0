"""Delegation while on leave (代理): its services, their refusals and their audit events."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianfang.core.models import AuditEvent
from lianfang.core.roles import Role
from lianfang.flows.delegations import (
    Delegation,
    delegation_create,
    delegation_end,
    delegations_in_force,
)
from tests.factories import make_user

START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 6)


@pytest.fixture
def colleague(world):
    return make_user("colleague", (Role.STAFF, world.hospital), person=world.colleague_person)


def create(world, actor, delegator, delegate, start=START, end=END, reason="年休假"):
    return delegation_create(
        actor=actor,
        organisation=world.hospital,
        delegator=delegator,
        delegate=delegate,
        start=start,
        end=end,
        reason=reason,
    )


def test_the_delegator_sets_a_delegation_and_it_is_audited(world, colleague):
    head = world.users["dept_head"]
    delegation = create(world, head, head, colleague)
    assert delegation.created_by == head
    event = AuditEvent.objects.get(action="flow_delegation.create")
    assert event.organisation_id == world.hospital.pk
    assert event.after["delegate"] == colleague.pk and event.after["reason"] == "年休假"
    assert delegations_in_force([head.pk], dt.date(2026, 3, 4)) == {head.pk: delegation}
    assert delegations_in_force([head.pk], dt.date(2026, 3, 7)) == {}


def test_an_administrator_sets_one_for_someone_else_a_colleague_may_not(world, colleague):
    head = world.users["dept_head"]
    assert create(world, world.users["admin"], head, colleague).delegator == head
    with pytest.raises(PermissionDenied):
        create(world, world.users["staff"], head, colleague, dt.date(2026, 4, 1))
    with pytest.raises(PermissionDenied):  # the other hospital's administrator neither
        other_admin = make_user("other_admin", (Role.ADMIN, world.other_hospital))
        create(world, other_admin, head, colleague, dt.date(2026, 4, 1))


@pytest.mark.parametrize(
    "start,end",
    [
        (dt.date(2026, 3, 6), dt.date(2026, 3, 10)),  # overlaps its last day
        (dt.date(2026, 2, 1), dt.date(2026, 3, 2)),  # overlaps its first day
        (dt.date(2026, 3, 3), dt.date(2026, 3, 4)),  # inside
    ],
)
def test_periods_of_one_delegator_never_overlap(world, colleague, start, end):
    head = world.users["dept_head"]
    create(world, head, head, colleague)
    with pytest.raises(ValidationError, match="不能重叠"):
        create(world, head, head, world.users["staff"], start, end)
    assert Delegation.objects.count() == 1


def test_adjacent_periods_and_other_delegators_are_fine(world, colleague):
    head = world.users["dept_head"]
    create(world, head, head, colleague)
    create(world, head, head, colleague, dt.date(2026, 3, 7), dt.date(2026, 3, 9))
    create(world, colleague, colleague, head)
    assert Delegation.objects.count() == 3


def test_bad_delegations_are_refused_with_every_reason(world, colleague):
    head = world.users["dept_head"]
    with pytest.raises(ValidationError) as caught:
        create(world, head, head, head, END, START, reason=" ")
    assert set(caught.value.message_dict) == {"reason", "delegate", "end"}
    with pytest.raises(ValidationError, match="本单位"):
        create(world, head, head, world.users["outsider"])
    with pytest.raises(ValidationError, match="一年"):
        create(world, head, head, colleague, START, START + dt.timedelta(days=400))
    assert not Delegation.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="flow_delegation").exists()


def test_ending_early_keeps_the_row_and_frees_the_period(world, colleague):
    head = world.users["dept_head"]
    delegation = create(world, head, head, colleague)
    with pytest.raises(ValidationError):
        delegation_end(actor=head, delegation=delegation, reason="")
    with pytest.raises(PermissionDenied):
        delegation_end(actor=world.users["staff"], delegation=delegation, reason="提前返岗")
    ended = delegation_end(actor=head, delegation=delegation, reason="提前返岗")
    assert ended.ended_by == head and ended.end_reason == "提前返岗"
    assert delegations_in_force([head.pk], dt.date(2026, 3, 4)) == {}
    event = AuditEvent.objects.get(action="flow_delegation.end")
    assert event.after["reason"] == "提前返岗"
    with pytest.raises(ValidationError, match="已结束"):
        delegation_end(actor=head, delegation=delegation, reason="again")
    # the period is free again
    create(world, head, head, world.users["staff"])
