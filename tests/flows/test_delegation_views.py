"""The pages of delegation (代理) and of 中止计时 on the act page: a person sets a delegation
for their leave and ends it, the integrity office lists those in its scope, the handler
stops and restarts a task's clock; bad input is refused in Chinese and changes nothing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianfang.core.models import AuditEvent
from lianfang.flows.delegations import Delegation, delegation_create
from lianfang.flows.models import Instance, Task
from tests.flows.uikit import procurement

pytestmark = pytest.mark.django_db

TODAY = dt.date.today


def new_delegation(client, **data):
    form = {
        "delegate": "",
        "start": TODAY().isoformat(),
        "end": (TODAY() + dt.timedelta(days=6)).isoformat(),
        "reason": "年休假",
    }
    form.update(data)
    return client.post(reverse("flows:delegation_new"), form)


def test_a_head_delegates_for_their_leave_and_the_next_task_goes_to_the_delegate(world, client):
    version = procurement(world)
    client.force_login(world.users["dept_head"])
    page = client.get(reverse("flows:delegation_new")).content.decode()
    assert "代理人" in page and reverse("flows:delegate_search") in page  # the person picker
    response = new_delegation(client, delegate=world.leader_person.pk)
    assert response.status_code == 302 and response["Location"] == reverse("flows:delegations")
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate) == (
        world.users["dept_head"],
        world.users["leader"],
    )
    assert delegation.created_by == world.users["dept_head"] and delegation.reason == "年休假"
    assert AuditEvent.objects.filter(action="flow_delegation.create").count() == 1
    listed = client.get(reverse("flows:delegations")).content.decode()
    assert "年休假" in listed and "生效中" in listed

    client.force_login(world.users["staff"])
    client.post(
        reverse("flows:start", args=[version.definition_id]),
        {"title": "", "item": "心电监护仪", "amount": "15万", "method": "询价", "reason": "更新"},
    )
    (task,) = Instance.objects.get().tasks.filter(state=Task.State.READY)
    assert task.assignee == world.users["leader"]  # 代李主任办理
    client.force_login(world.users["leader"])
    page = client.get(reverse("flows:instance", args=[task.instance_id])).content.decode()
    assert "代理办理" in page  # the timeline's label of the delegation, not its code


@pytest.mark.parametrize(
    "data, message",
    [
        ({"end": (TODAY() - dt.timedelta(days=1)).isoformat()}, "结束日期不能早于开始日期"),
        ({"end": (TODAY() + dt.timedelta(days=400)).isoformat()}, "代理期限不能超过一年"),
        ({"reason": "  "}, "事由"),
        ({"start": "2026-13-40"}, "开始日期"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_set(world, client, data, message):
    client.force_login(world.users["dept_head"])
    response = new_delegation(client, delegate=world.leader_person.pk, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Delegation.objects.exists()


def test_oneself_an_outsider_or_a_person_without_account_is_no_delegate(world, client):
    client.force_login(world.users["dept_head"])
    for person in (world.head_person, world.other_person, world.colleague_person):
        response = new_delegation(client, delegate=person.pk)
        assert response.status_code == 200
        page = response.content.decode()
        assert "代理人不能是委托人本人" in page or "选择一个有效的选项" in page
    assert not Delegation.objects.exists()


def test_an_overlapping_period_is_refused(world, client):
    client.force_login(world.users["dept_head"])
    assert new_delegation(client, delegate=world.leader_person.pk).status_code == 302
    response = new_delegation(client, delegate=world.leader_person.pk)
    assert response.status_code == 200 and "期限不能重叠" in response.content.decode()
    assert Delegation.objects.count() == 1


def make(world, delegator="dept_head", delegate="leader", days=(0, 5), organisation=None):
    return delegation_create(
        actor=world.users[delegator],
        organisation=organisation or world.hospital,
        delegator=world.users[delegator],
        delegate=world.users[delegate],
        start=TODAY() + dt.timedelta(days=days[0]),
        end=TODAY() + dt.timedelta(days=days[1]),
        reason=f"{delegator}的休假",
    )


def test_the_integrity_office_lists_the_delegations_in_its_scope_and_others_only_theirs(
    world, client
):
    mine = make(world)
    other = Delegation.objects.create(
        organisation=world.other_hospital,
        delegator=world.users["outsider"],
        delegate=world.users["staff"],
        start=TODAY(),
        end=TODAY(),
        reason="外院的休假",
        created_by=world.users["outsider"],
    )
    seen = {}
    for who in ("integrity", "commission_integrity", "admin", "staff", "dept_head", "leader"):
        client.force_login(world.users[who])
        page = client.get(reverse("flows:delegations")).content.decode()
        seen[who] = (mine.reason in page, other.reason in page)
    assert seen["integrity"] == (True, False)  # its hospital, not the other one
    assert seen["admin"] == (True, False)
    assert seen["commission_integrity"] == (True, True)  # its subtree
    assert seen["staff"] == (False, True)  # the delegate of the other hospital's one only
    assert seen["dept_head"] == (True, False) and seen["leader"] == (True, False)
    client.force_login(world.users["integrity"])
    page = client.get(reverse("flows:delegations"), {"who": "mine"}).content.decode()
    assert mine.reason not in page


def test_ending_early_by_the_delegator_or_the_office_and_no_one_else(world, client):
    delegation = make(world)
    url = reverse("flows:delegation_end", args=[delegation.pk])
    client.force_login(world.users["outsider"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(world.users["staff"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(world.users["leader"])  # the delegate sees it, may not end it
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(world.users["dept_head"])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": ""}, follow=True)
    assert "请填写结束原因" in response.content.decode()
    delegation.refresh_from_db()
    assert delegation.ended_at is None
    response = client.post(url, {"reason": "提前返岗"}, follow=True)
    assert "代理已结束" in response.content.decode()
    delegation.refresh_from_db()
    assert delegation.ended_at is not None and delegation.end_reason == "提前返岗"
    assert delegation.ended_by == world.users["dept_head"]
    assert "该代理已结束" in client.post(url, {"reason": "再次"}, follow=True).content.decode()
    # the integrity office ends another one
    second = make(world, days=(10, 12))
    client.force_login(world.users["integrity"])
    client.post(reverse("flows:delegation_end", args=[second.pk]), {"reason": "人事变动"})
    second.refresh_from_db()
    assert second.ended_by == world.users["integrity"]
    assert AuditEvent.objects.filter(action="flow_delegation.end").count() == 2


def test_the_list_keeps_a_flat_query_count(world, client):
    client.force_login(world.users["integrity"])

    def count(n):
        last = Delegation.objects.order_by("-end").first()
        base = (last.end + dt.timedelta(days=1)) if last else TODAY()
        Delegation.objects.bulk_create(
            Delegation(
                organisation=world.hospital,
                delegator=world.users["dept_head"],
                delegate=world.users["leader"],
                start=base + dt.timedelta(days=i),
                end=base + dt.timedelta(days=i),
                reason=f"休假{i}",
                created_by=world.users["dept_head"],
            )
            for i in range(n)
        )
        client.get(reverse("flows:delegations"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("flows:delegations"), {"per_page": 200})
        return len(ctx.captured_queries), response.content.decode().count('"delegation-row"')

    small, shown_small = count(20)
    large, shown_large = count(180)
    assert (shown_small, shown_large) == (20, 200)
    assert small == large


# 中止计时 on the act page ----------------------------------------------------------------------


def started(world, client):
    version = procurement(world)
    client.force_login(world.users["staff"])
    client.post(
        reverse("flows:start", args=[version.definition_id]),
        {"title": "", "item": "心电监护仪", "amount": "15万", "method": "询价", "reason": "更新"},
    )
    (task,) = Instance.objects.get().tasks.filter(state=Task.State.READY)
    return task


def act(client, task, action, **data):
    return client.post(reverse("flows:task_act", args=[task.pk]), {"action": action, **data})


def test_the_handler_suspends_with_a_reason_and_resumes_the_clock(world, client):
    task = started(world, client)
    assert task.due_at is not None
    due = task.due_at
    client.force_login(world.users["dept_head"])
    page = client.get(reverse("flows:instance", args=[task.instance_id])).content.decode()
    assert 'data-testid="action-suspend"' in page and 'data-testid="action-resume"' not in page

    response = act(client, task, "suspend", reason="")
    assert response.status_code == 200 and "请填写中止计时的原因" in response.content.decode()
    task.refresh_from_db()
    assert task.suspended_at is None

    response = act(client, task, "suspend", reason="等待供应商补充资质文件")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.suspended_at is not None and task.state == Task.State.READY
    page = client.get(response["Location"]).content.decode()
    assert "中止计时" in page and "等待供应商补充资质文件" in page
    assert 'data-testid="action-resume"' in page and 'data-testid="action-suspend"' not in page
    assert AuditEvent.objects.filter(action="flow_task.suspend").count() == 1

    assert act(client, task, "resume").status_code == 302
    task.refresh_from_db()
    assert task.suspended_at is None and task.due_at >= due
    assert AuditEvent.objects.filter(action="flow_task.resume").count() == 1
    page = client.get(reverse("flows:instance", args=[task.instance_id])).content.decode()
    assert "恢复计时" in page


def test_only_the_handler_stops_the_clock_on_the_page_and_not_once_overdue(world, client):
    task = started(world, client)
    for who in ("leader", "outsider", "integrity"):
        client.force_login(world.users[who])
        assert act(client, task, "suspend", reason="x").status_code == 404
    client.force_login(world.users["staff"])  # the applicant: withdraw and comment only
    assert act(client, task, "suspend", reason="x").status_code == 200
    task.refresh_from_db()
    assert task.suspended_at is None
    Task.objects.filter(pk=task.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(world.users["dept_head"])
    page = client.get(reverse("flows:instance", args=[task.instance_id])).content.decode()
    assert 'data-testid="action-suspend"' not in page
    response = act(client, task, "suspend", reason="等待")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.suspended_at is None
    assert not AuditEvent.objects.filter(action="flow_task.suspend").exists()


def test_staff_find_a_colleague_of_their_own_organisation_by_name_to_delegate_to(world, client):
    from lianfang.org.models import Person

    staff = world.users["staff"]
    leader = world.leader_person
    client.force_login(staff)
    page = client.get(reverse("flows:delegation_new")).content.decode()
    assert reverse("flows:delegate_search") in page
    # the general picker finds only the people one may see: not the leader, for staff
    general = client.get(reverse("org:person_search"), {"q": leader.name}).json()
    assert leader.pk not in {r["id"] for r in general["results"]}

    def search(q=""):
        return client.get(reverse("flows:delegate_search"), {"q": q}).json()["results"]

    label = f"{leader.name}（{leader.department.name}）" if leader.department else leader.name
    assert search(leader.name) == [{"id": leader.pk, "text": label, "name": leader.name}]
    if leader.name_initials:  # by the name's pinyin initials too
        assert leader.pk in {r["id"] for r in search(leader.name_initials.split()[0])}
    # everyone it offers: the active colleagues with an account, oneself and other
    # organisations' people not; names and departments only, no 工号
    colleagues = Person.objects.filter(
        organisation=world.hospital, active=True, user__isnull=False, user__is_active=True
    ).exclude(user=staff)
    offered = search()
    assert {r["id"] for r in offered} == set(colleagues.values_list("pk", flat=True)[:20])
    assert all(set(r) == {"id", "text", "name"} for r in offered)
    assert not any(p.staff_no and p.staff_no in r["text"] for p in colleagues for r in offered)
    assert search("\x00' OR 1=1 --") == []
    # the one found is accepted by the form
    assert new_delegation(client, delegate=leader.pk).status_code == 302
    assert Delegation.objects.get().delegate == world.users["leader"]
