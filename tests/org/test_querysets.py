"""The named querysets of the organisation models: the one spelling of "the posts people hold
now", "divisions in force" and "active people and departments"."""

import datetime as dt

import pytest

from lianfang.org.models import Department, LeaderDivision, Person, PostAssignment

pytestmark = pytest.mark.django_db


def test_current_assignments_are_the_open_ones(world):
    ended = PostAssignment.objects.create(
        person=world.staff_person,
        post=world.staff_person.assignments.get().post,
        start=dt.date(2015, 1, 1),
        end=dt.date(2019, 12, 31),
    )
    current = PostAssignment.objects.current()
    assert ended not in current
    assert set(world.staff_person.assignments.current().values_list("post__code", flat=True)) == {
        "P-ZZYS"
    }
    assert current.count() == PostAssignment.objects.filter(end__isnull=True).count() > 0


@pytest.mark.parametrize(
    "since, until, on, in_force",
    [
        ("2024-03-01", None, "2024-03-01", True),  # from its first day
        ("2024-03-01", None, "2024-02-29", False),  # not before
        ("2024-03-01", "2024-06-30", "2024-06-30", True),  # up to its last day
        ("2024-03-01", "2024-06-30", "2024-07-01", False),  # not after
    ],
)
def test_divisions_in_force_on_a_date(world, since, until, on, in_force):
    LeaderDivision.objects.all().delete()
    division = LeaderDivision.objects.create(
        leader=world.leader_person,
        department=world.finance,
        since=dt.date.fromisoformat(since),
        until=dt.date.fromisoformat(until) if until else None,
    )
    found = LeaderDivision.objects.in_force(dt.date.fromisoformat(on))
    assert (division in found) is in_force


def test_divisions_in_force_default_to_today(world):
    # the test world's divisions run from 2022 with no end
    assert LeaderDivision.objects.in_force().count() == 2
    LeaderDivision.objects.update(until=dt.date.today() - dt.timedelta(days=1))
    assert not LeaderDivision.objects.in_force().exists()


def test_active_people_and_departments(world):
    Person.objects.filter(pk=world.colleague_person.pk).update(active=False)
    Department.objects.filter(pk=world.finance.pk).update(active=False)
    assert world.colleague_person not in Person.objects.active()
    assert world.staff_person in Person.objects.active()
    assert world.finance not in Department.objects.active()
    assert world.cardiology in world.hospital.departments.active()
