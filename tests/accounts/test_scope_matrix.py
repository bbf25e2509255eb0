"""Who sees what: the exact set each role of the test world sees of each scoped model.

The world and the expected sets are in tests/scope_world.py (on tests/factories.build_world):
a commission (卫健委) over the hospital and the other hospital. The leader is in charge of
procurement and finance; the department head heads cardiology; staff works in cardiology; the
outsider works in the other hospital. The pages and the API built on these selectors are
checked by tests/test_scope_matrix.py.
"""

import datetime as dt

import pytest

from lianfang.accounts.models import User
from lianfang.core.models import Job
from lianfang.core.scoping import visible_to
from lianfang.org.models import Department, LeaderDivision
from tests.scope_world import VISIBLE, labelled, module_world

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",
    "integrity",
    "commission_integrity",
    "leader",
    "dept_head",
    "staff",
    "outsider",
    "nobody",
    "platform",
]


@pytest.fixture(scope="module")
def sw(django_db_setup, django_db_blocker):
    yield from module_world(django_db_blocker)


@pytest.mark.parametrize("model", list(VISIBLE), ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_scope(sw, role, model):
    labels = labelled(sw, model)
    assert len(labels) == model.objects.count()  # every row has a label: nothing unchecked
    user = User.objects.get(pk=sw.users[role].pk)  # fresh: no cached scope or grants
    seen = {labels[pk] for pk in visible_to(user, model).values_list("pk", flat=True)}
    assert seen == VISIBLE[model][role]


def deactivated(sw, role):
    user = User.objects.get(pk=sw.users[role].pk)
    user.is_active = False
    user.save()
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("model", [m for m in VISIBLE if m is not Job], ids=lambda m: m.__name__)
def test_deactivated_accounts_see_nothing(sw, model):
    assert visible_to(deactivated(sw, "commission_integrity"), model).count() == 0


def test_deactivated_accounts_see_no_jobs(sw):
    assert visible_to(deactivated(sw, "staff"), Job).count() == 0


def test_ended_division_no_longer_gives_sight(sw):
    LeaderDivision.objects.filter(department=sw["finance"]).update(until=dt.date(2023, 1, 1))
    leader = User.objects.get(pk=sw.users["leader"].pk)
    departments = set(visible_to(leader, Department).values_list("name", flat=True))
    assert departments == {"采购中心"}
