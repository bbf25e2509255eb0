"""The flows' reads: scoped by visible_to, to-do lists from indexed task rows (never the
workflow), and the same number of queries at 20 and 200 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianfang.core.scoping import visible_to
from lianfang.flows import selectors, services
from lianfang.flows.models import FlowDefinition, Instance, Task

from .flowkit import purchase, ready, start

pytestmark = pytest.mark.django_db


def many(world, n):
    version = purchase(world)
    instances = [start(world, version, item=f"物品{i}") for i in range(n)]
    return version, instances


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries), ctx.captured_queries


def read_rows(qs):
    """What a list page reads of each row."""
    return [
        (t.instance.title, t.instance.version.definition.name, t.name, str(t.assignee_person))
        for t in qs[:200]
    ]


def test_my_tasks_query_count_is_flat_and_never_reads_the_workflow(world):
    many(world, 20)
    head = world.users["dept_head"]
    twenty, _queries = count_queries(lambda: read_rows(selectors.my_ready_tasks(head)))
    version = Instance.objects.first().version
    for i in range(180):
        start(world, version, item=f"更多{i}")
    assert selectors.my_ready_tasks(head).count() == 200
    two_hundred, queries = count_queries(lambda: read_rows(selectors.my_ready_tasks(head)))
    assert twenty == two_hundred
    sql = " ".join(q["sql"] for q in queries)
    assert '"workflow"' not in sql and '"bpmn"' not in sql


def test_started_and_done_lists_are_flat(world):
    _version, instances = many(world, 20)
    staff, head = world.users["staff"], world.users["dept_head"]

    def started():
        return [(i.title, [t.name for t in i.ready_tasks]) for i in selectors.started_by(staff)]

    def done():
        return read_rows(selectors.my_done_tasks(head))

    for instance in instances[:10]:
        services.task_act(actor=head, task=ready(instance)[0], action="approve")
    a, _ = count_queries(started)
    b, _ = count_queries(done)
    version = instances[0].version
    more = [start(world, version) for _ in range(40)]
    for instance in more:
        services.task_act(actor=head, task=ready(instance)[0], action="approve")
    assert count_queries(started)[0] == a and count_queries(done)[0] == b
    assert len(selectors.my_done_tasks(head)) == 50


def test_scopes(world):
    instance = start(world, purchase(world))
    [task] = ready(instance)
    seen = {
        who: set(visible_to(world.users[who], Instance).values_list("pk", flat=True))
        for who in world.users
    }
    # the applicant, the handler, the hospital's officers see it; the other hospital does not
    for who in ("staff", "dept_head", "admin", "integrity"):
        assert instance.pk in seen[who], who
    for who in ("outsider", "nobody", "commission_integrity"):
        expected = who == "commission_integrity"  # the commission sees its hospitals
        assert (instance.pk in seen[who]) is expected, who
    assert task.pk in set(visible_to(world.users["dept_head"], Task).values_list("pk", flat=True))
    assert not visible_to(world.users["outsider"], Task).exists()
    assert visible_to(world.users["staff"], FlowDefinition).exists()
    assert not visible_to(world.users["outsider"], FlowDefinition).exists()
    assert selectors.instance_detail(world.users["outsider"], instance.pk) is None
    assert selectors.instance_detail(world.users["staff"], instance.pk) == instance


def test_task_for_actor_and_startable(world):
    instance = start(world, purchase(world))
    [task] = ready(instance)
    assert selectors.task_for_actor(world.users["dept_head"], task.pk) == task
    assert selectors.task_for_actor(world.users["outsider"], task.pk) is None
    assert [d.code for d in selectors.startable_definitions(world.users["staff"])] == [
        "test_purchase"
    ]
    assert selectors.startable_definitions(world.users["outsider"]) == []
