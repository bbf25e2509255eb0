"""Who sees what: the exact set each role of the test world sees of each scoped model.

The world (tests/factories.build_world): a commission (卫健委) over the hospital and the
other hospital. The leader is in charge of procurement and finance; the department head
heads cardiology; staff works in cardiology; the outsider works in the other hospital.
"""

import pytest
from django.db import transaction

from lianfang.accounts.models import User
from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.core.scoping import visible_to
from lianfang.org.models import Department, LeaderDivision, Organisation, Person, Post

ROLES = [
    "admin",
    "integrity",
    "commission_integrity",
    "leader",
    "dept_head",
    "staff",
    "outsider",
    "nobody",
]
HOSPITAL_PEOPLE = {"leader_person", "head_person", "staff_person", "colleague", "buyer"}
HOSPITAL_POSTS = {"副院长", "科主任", "主治医师", "采购员"}
DIVISIONS = {"采购中心", "财务科"}

EXPECTED = {
    Organisation: {
        "admin": {"hospital"},
        "integrity": {"hospital"},
        "commission_integrity": {"commission", "hospital", "other_hospital"},
        "leader": {"hospital"},
        "dept_head": {"hospital"},
        "staff": {"hospital"},
        "outsider": {"other_hospital"},
        "nobody": set(),
    },
    Department: {
        "admin": {"cardiology", "procurement", "finance"},
        "integrity": {"cardiology", "procurement", "finance"},
        "commission_integrity": {"cardiology", "procurement", "finance", "surgery_b"},
        "leader": {"procurement", "finance"},
        "dept_head": {"cardiology"},
        "staff": {"cardiology"},  # their own department's name, nothing below it
        "outsider": {"surgery_b"},
        "nobody": set(),
    },
    Person: {
        "admin": HOSPITAL_PEOPLE,
        "integrity": HOSPITAL_PEOPLE,
        "commission_integrity": HOSPITAL_PEOPLE | {"other_person"},
        "leader": {"leader_person", "buyer"},
        "dept_head": {"head_person", "staff_person", "colleague"},
        "staff": {"staff_person"},
        "outsider": {"other_person"},
        "nobody": set(),
    },
    Post: {
        "admin": HOSPITAL_POSTS,
        "integrity": HOSPITAL_POSTS,
        "commission_integrity": HOSPITAL_POSTS | {"医师"},
        "leader": {"副院长", "采购员"},
        "dept_head": {"科主任", "主治医师"},
        "staff": {"主治医师"},
        "outsider": {"医师"},
        "nobody": set(),
    },
    LeaderDivision: {
        "admin": DIVISIONS,
        "integrity": DIVISIONS,
        "commission_integrity": DIVISIONS,
        "leader": DIVISIONS,
        "dept_head": set(),
        "staff": set(),
        "outsider": set(),
        "nobody": set(),
    },
    # Accounts: yourself; an administrator also every account tied to their subtree.
    User: {
        "admin": {"admin", "integrity", "leader", "dept_head", "staff"},
        "integrity": {"integrity"},
        "commission_integrity": {"commission_integrity"},
        "leader": {"leader"},
        "dept_head": {"dept_head"},
        "staff": {"staff"},
        "outsider": {"outsider"},
        "nobody": set(),
    },
    # The audit log: the integrity office, for its subtree; account events with no
    # organisation only at a root node.
    AuditEvent: {
        "admin": set(),
        "integrity": {"hospital.event"},
        "commission_integrity": {"hospital.event", "other.event", "system.event"},
        "leader": set(),
        "dept_head": set(),
        "staff": set(),
        "outsider": set(),
        "nobody": set(),
    },
}


def labelled(world, model) -> dict[int, str]:
    """pk -> the label the expectations use, for every row of `model`."""
    if model is Organisation:
        names = ("commission", "hospital", "other_hospital")
    elif model is Department:
        names = ("cardiology", "procurement", "finance", "surgery_b")
    elif model is Person:
        names = HOSPITAL_PEOPLE | {"other_person"}
        attrs = {"colleague": "colleague_person", "buyer": "procurement_person"}
        return {getattr(world, attrs.get(n, n)).pk: n for n in names}
    elif model is User:
        return {u.pk: key for key, u in world.users.items()}
    elif model is Post:
        return dict(Post.objects.values_list("pk", "name"))
    elif model is LeaderDivision:
        return dict(LeaderDivision.objects.values_list("pk", "department__name"))
    elif model is AuditEvent:
        return dict(AuditEvent.objects.values_list("pk", "action"))
    return {getattr(world, n).pk: n for n in names}


def write_events(world):
    actor = world.users["commission_integrity"]
    with transaction.atomic():
        audit.record(actor=actor, action="hospital.event", obj=world.cardiology)
        audit.record(actor=actor, action="other.event", obj=world.surgery_b)
        audit.record(actor=actor, action="system.event", object_type="settings", object_id="1")


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_scope(world, role, model):
    if model is AuditEvent:
        write_events(world)
    labels = labelled(world, model)
    assert len(labels) == model.objects.count()  # every row has a label: nothing unchecked
    user = User.objects.get(pk=world.users[role].pk)  # fresh: no cached scope or grants
    seen = {labels[pk] for pk in visible_to(user, model).values_list("pk", flat=True)}
    assert seen == EXPECTED[model][role]


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
def test_deactivated_accounts_see_nothing(world, model):
    if model is AuditEvent:
        write_events(world)
    user = world.users["commission_integrity"]
    user.is_active = False
    user.save()
    user = User.objects.get(pk=user.pk)
    assert not visible_to(user, model).exists()


def test_ended_division_no_longer_gives_sight(world):
    import datetime as dt

    LeaderDivision.objects.filter(department=world.finance).update(until=dt.date(2023, 1, 1))
    leader = User.objects.get(pk=world.users["leader"].pk)
    departments = set(visible_to(leader, Department).values_list("name", flat=True))
    assert departments == {"采购中心"}
