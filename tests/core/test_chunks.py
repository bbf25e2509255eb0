"""`core.chunks`: many rows read in short reads, in the queryset's order, each row once."""

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from lianfang.core.chunks import chunks
from lianfang.org.models import Person, PostAssignment
from tests.factories import make_person


@pytest.fixture
def people(world):
    for i in range(7):
        make_person(world.hospital, world.finance, f"5{i:03d}", f"财务{i}")
    # newest staff number first: an order that is not the primary key's
    return Person.objects.filter(staff_no__startswith="5").order_by("-staff_no")


def names(rows):
    return [p.name for p in rows]


def test_rows_come_in_the_querysets_order_in_chunks_of_the_size(people):
    got = list(chunks(people, size=3))
    assert [len(c) for c in got] == [3, 3, 1]
    assert [p for c in got for p in c] == list(people)
    assert names(next(chunks(people, size=3))) == ["财务6", "财务5", "财务4"]


def test_limit_takes_the_first_rows_of_the_order(people):
    got = [p for c in chunks(people, size=2, limit=3) for p in c]
    assert names(got) == ["财务6", "财务5", "财务4"]


def test_no_rows_no_chunks(world):
    assert list(chunks(Person.objects.none(), size=5)) == []


def test_a_row_changed_or_deleted_between_chunks_is_written_once_or_not_at_all(people):
    walk = chunks(people, size=3)
    first = next(walk)
    # meanwhile: the next chunk's first row leaves, a written row would now sort last, and a
    # row of a later chunk changes its name
    Person.objects.filter(name="财务3").delete()
    Person.objects.filter(name="财务6").update(staff_no="4999")
    Person.objects.filter(name="财务1").update(name="财务一")
    rest = [p for c in walk for p in c]
    assert names(first) + names(rest) == ["财务6", "财务5", "财务4", "财务2", "财务一", "财务0"]


def test_each_chunk_reads_its_relations_in_a_fixed_number_of_queries(people):
    related = people.select_related("department").prefetch_related(
        Prefetch("assignments", queryset=PostAssignment.objects.order_by("pk"))
    )
    with CaptureQueriesContext(connection) as queries:
        got = [p for c in chunks(related, size=3) for p in c]
        assert {p.department.name for p in got} == {"财务科"}
        assert all(list(p.assignments.all()) == [] for p in got)
    # the keys, then per chunk its rows and its assignments: nothing per row
    assert len(queries) == 1 + 3 * 2


def test_a_chunk_size_below_one_is_refused(people):
    with pytest.raises(ValueError):
        next(chunks(people, size=0))
