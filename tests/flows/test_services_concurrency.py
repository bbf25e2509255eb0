"""Two people, or one double click, advance a task exactly once: real parallel connections
(threads, each with its own connection). Run on PostgreSQL in CI (marked `postgres`); SQLite
serialises the writers and must give the same answer."""

import threading

import pytest
from django.db import connection

from lianfang.accounts.models import User
from lianfang.flows import services
from lianfang.flows.errors import TaskUnavailable
from lianfang.flows.models import Instance, InstanceEvent, Task

from .flowkit import bpmn_text, purchase, ready, start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(actions):
    """Run each `(username, task_pk, action)` at once in its own thread and connection;
    returns the outcomes ("ok", "404" or the exception)."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(n, username, task_pk, action):
        try:
            actor = User.objects.get(username=username)
            task = Task.objects.get(pk=task_pk)
            barrier.wait(timeout=30)
            services.task_act(actor=actor, task=task, action=action, reason="并发")
            outcomes[n] = "ok"
        except TaskUnavailable:
            outcomes[n] = "404"
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            outcomes[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, *a)) for n, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_a_double_click_advances_once(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    outcomes = race([("dept_head", head.pk, "approve")] * 4)
    assert sorted(map(str, outcomes)) == ["404", "404", "404", "ok"]
    instance.refresh_from_db()
    assert instance.lock_version == 1
    assert instance.events.filter(kind=InstanceEvent.Kind.APPROVED).count() == 1
    [leader] = ready(instance)
    assert leader.bpmn_id == "leader"
    assert Task.objects.filter(instance=instance).count() == 2


def test_approve_and_withdraw_at_once_one_wins(world):
    instance = start(world, purchase(world))
    [head] = ready(instance)
    outcomes = race([("dept_head", head.pk, "approve"), ("staff", head.pk, "withdraw")])
    assert sorted(map(str, outcomes)) == ["404", "ok"]
    instance.refresh_from_db()
    assert instance.lock_version == 1
    if outcomes[0] == "ok":
        assert instance.state == Instance.State.RUNNING and ready(instance)[0].bpmn_id == "leader"
    else:
        assert instance.state == Instance.State.WITHDRAWN and not ready(instance)


def test_a_committee_approving_at_once_advances_once(world):
    colleague = User.objects.create(username="colleague")
    world.colleague_person.user = colleague
    world.colleague_person.save(update_fields=["user"])
    bpmn = bpmn_text("test_leave").replace(
        'lianfang:handler="role:admin"',
        'lianfang:handler="committee:person:0001,person:0101,person:0103" '
        'lianfang:completion="majority"',
    )
    version = services.definition_publish(
        actor=world.users["admin"], organisation=world.hospital, code="c", bpmn=bpmn
    )
    instance = services.instance_start(
        actor=world.users["staff"], version=version, data={"reason": "事由", "days": 1}
    )
    services.task_act(actor=world.users["dept_head"], task=ready(instance)[0], action="approve")
    members = ready(instance)
    outcomes = race([(m.assignee.username, m.pk, "approve") for m in members])
    # two approvals make the majority; the third finds its task cancelled
    assert sorted(map(str, outcomes)) == ["404", "ok", "ok"]
    instance.refresh_from_db()
    assert instance.state == Instance.State.COMPLETED
    assert instance.events.filter(kind=InstanceEvent.Kind.COMPLETED).count() == 1
