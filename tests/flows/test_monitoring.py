"""防控运行监控: the numbers (running by flow and department, progress, due soon / overdue /
escalated, handling time and returns per step, publication completeness), who sees them, the
list behind each number, and a flat query count as matters grow."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianfang.flows import monitoring
from lianfang.flows.models import Instance, Task
from tests.flows import monitorkit

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(world):
    return monitorkit.build(world)


def test_p90_is_the_nearest_rank():
    assert monitoring.p90([]) is None
    assert monitoring.p90([5.0]) == 5.0
    assert monitoring.p90([float(i) for i in range(1, 11)]) == 9.0
    assert monitoring.p90([float(i) for i in range(1, 21)]) == 18.0


def test_the_overview_counts_what_runs(world, made):
    data = monitoring.overview(world.users["integrity"])
    (flow,) = data.flows
    assert flow.name == made["version"].definition.name
    assert (flow.running, flow.overdue, flow.due_soon, flow.escalated) == (5, 2, 1, 1)
    assert data.totals["running"] == 5
    # steps done over the steps of the running matters: 2 + 1 done of 5 × the flow's steps
    steps_in_flow = len(made["version"].spec["tasks"])
    assert flow.progress == round(100 * 3 / (5 * steps_in_flow), 1)
    assert data.departments == [(world.cardiology.pk, world.cardiology.name, 5)]
    by_step = {s.step: s for s in data.steps}
    assert by_step["Task_dept"].done == 2
    assert by_step["Task_leader"].done == 2  # approved once, returned once
    assert by_step["Task_leader"].returns == 1
    assert by_step["Task_dept"].returns == 0
    assert by_step["Task_dept"].average_hours is not None
    assert by_step["Task_dept"].p90_hours >= by_step["Task_dept"].average_hours >= 0
    (share,) = data.completeness
    assert (share.completed, share.published, share.percent) == (1, 1, 100.0)


def test_a_withdrawn_publication_lowers_the_completeness(world, made):
    from lianfang.core import publications
    from lianfang.core.models import Publication

    publication = Publication.objects.get(organisation=world.hospital, withdrawn_at__isnull=True)
    publications.withdraw(actor=world.users["integrity"], publication=publication, reason="有误")
    (share,) = monitoring.completeness(world.users["integrity"], made["published"].started_at)
    assert (share.completed, share.published, share.percent) == (1, 0, 0.0)
    client_rows = monitoring.monitored_tasks(world.users["integrity"], state="unpublished")
    assert [t.name for t in client_rows] == ["分管院长审批"]


def test_the_overview_is_scoped(world, made):
    # the other hospital's integrity office and a hospital's plain staff see none of it
    from tests.factories import make_user

    other = make_user("other_integrity", ("integrity", world.other_hospital))
    data = monitoring.overview(other)
    assert data.flows == [] and data.departments == [] and data.steps == []
    assert data.completeness == []
    # the commission's office sees the hospital below it
    assert monitoring.overview(world.users["commission_integrity"]).totals["running"] == 5


@pytest.mark.parametrize("role", ["integrity", "leader"])
def test_the_page_shows_the_numbers_with_their_links(world, made, client, role):
    client.force_login(world.users[role])
    response = client.get(reverse("flows:monitor"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "防控运行监控" in html
    assert 'id="lf-monitor-charts"' in html and "vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html.replace('<script src="', "")  # no inline script
    links = set(re.findall(r'href="(/flows/monitor/tasks/[^"]*)"', html))
    assert "/flows/monitor/tasks/?state=overdue" in links
    assert any("state=returned" in link and "step=Task_leader" in link for link in links)
    assert any("state=unpublished" in link for link in links)
    # each link opens a list that holds as many rows as the number says
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize("role", ["admin", "dept_head", "staff"])
def test_others_may_not_open_the_page(world, made, client, role):
    client.force_login(world.users[role])
    assert client.get(reverse("flows:monitor")).status_code in (403, 404)
    assert client.get(reverse("flows:monitor_tasks")).status_code in (403, 404)


def rows(client, **params):
    response = client.get(reverse("flows:monitor_tasks"), params)
    assert response.status_code == 200
    return response.content.decode().count('data-testid="monitor-row"')


def test_the_list_behind_each_number(world, made, client):
    client.force_login(world.users["integrity"])
    flow = made["version"].definition_id
    assert rows(client) == 5
    assert rows(client, state="overdue") == 2
    assert rows(client, state="due_soon") == 1
    assert rows(client, state="escalated") == 1
    assert rows(client, state="returned", flow=flow, step="Task_leader") == 1
    assert rows(client, state="done", step="Task_dept") == 2
    assert rows(client, department=world.cardiology.pk) == 5
    assert rows(client, department=world.finance.pk) == 0
    assert rows(client, state="unpublished") == 0
    # bad filters: the form says so, the list shows what it may
    assert client.get(reverse("flows:monitor_tasks"), {"state": "nonsense"}).status_code == 200
    assert client.get(reverse("flows:monitor"), {"month": "2026-99"}).status_code == 200


def test_the_other_hospitals_office_sees_an_empty_list(world, made, client):
    from tests.factories import make_user

    client.force_login(make_user("other_integrity", ("integrity", world.other_hospital)))
    assert rows(client) == 0
    assert rows(client, state="overdue") == 0


def _more(made, n):
    """`n` more running matters waiting at the head, one returned step each: rows copied in
    bulk from one made through the services."""
    source = made["overdue"]
    (task,) = monitorkit.ready(source)
    instances = Instance.objects.bulk_create(
        [
            Instance(
                organisation=source.organisation,
                version=source.version,
                applicant=source.applicant,
                applicant_person=source.applicant_person,
                department=source.department,
                title=f"设备{i}",
                number=f"more-{i}-{n}",
                data=source.data,
            )
            for i in range(n)
        ]
    )
    Task.objects.bulk_create(
        [
            Task(
                instance=instance,
                organisation=task.organisation,
                bpmn_id=task.bpmn_id,
                name=task.name,
                assignee=task.assignee,
                assignee_person=task.assignee_person,
                step=task.step,
                due_at=task.due_at,
                state=state,
                completed_at=task.created_at if state == Task.State.COMPLETED else None,
                decision=Task.Decision.APPROVE if state == Task.State.COMPLETED else "",
            )
            for instance in instances
            for state in (Task.State.READY, Task.State.COMPLETED)
        ]
    )


@pytest.mark.parametrize("url_name", ["flows:monitor", "flows:monitor_tasks"])
def test_a_flat_query_count_as_matters_grow(world, made, client, url_name):
    client.force_login(world.users["integrity"])

    def count(n):
        _more(made, n)
        client.get(reverse(url_name))  # the session's and caches' first reads
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url_name), {"per_page": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    small = count(20)
    large = count(180)
    assert small == large
    assert monitoring.overview(world.users["integrity"]).totals["running"] == 205


def _elsewhere(made, world, user, n=1, organisation=None):
    """`n` running matters of the other hospital (outside the office's subtree), each with a
    ready task given to `user` and a step `user` approved: matters the user sees only as
    their handler (`selectors.instances_visible_to`)."""
    source = made["overdue"]
    organisation = organisation or world.other_hospital
    instances = Instance.objects.bulk_create(
        [
            Instance(
                organisation=organisation,
                version=source.version,
                applicant=source.applicant,
                department=None,
                title=f"外院{i}",
                number=f"elsewhere-{organisation.code}-{i}",
            )
            for i in range(n)
        ]
    )
    now = source.started_at
    Task.objects.bulk_create(
        [
            Task(
                instance=instance,
                organisation=organisation,
                bpmn_id=bpmn_id,
                name=name,
                assignee=user,
                state=state,
                decision=Task.Decision.APPROVE if state == Task.State.COMPLETED else "",
                completed_by=user if state == Task.State.COMPLETED else None,
                completed_at=now if state == Task.State.COMPLETED else None,
                due_at=now if state == Task.State.READY else None,
            )
            for instance in instances
            for bpmn_id, name, state in (
                ("Task_dept", "部门负责人审核", Task.State.COMPLETED),
                ("Task_leader", "分管院长审批", Task.State.READY),
            )
        ]
    )
    return instances


def test_the_counts_are_those_of_the_matters_the_user_sees(world, made, client):
    """The page counts what `selectors.instances_visible_to` admits: the office's subtree, and
    a matter of another hospital the officer handles (outside it), but no other of that
    hospital's."""
    from lianfang.flows import selectors

    officer = world.users["integrity"]
    _elsewhere(made, world, officer)
    _elsewhere(made, world, world.users["admin"])  # someone else's, out of reach
    visible = selectors.instances_visible_to(officer).filter(state=Instance.State.RUNNING)
    assert visible.count() == 6
    data = monitoring.overview(officer)
    (flow,) = data.flows
    assert data.totals["running"] == flow.running == 6
    # the hospital's two overdue matters and the one elsewhere, due when it started
    assert (flow.overdue, flow.due_soon, flow.escalated) == (3, 1, 1)
    assert sorted(n for _pk, _name, n in data.departments) == [1, 5]
    by_step = {s.step: s for s in data.steps}
    assert by_step["Task_dept"].done == 3  # two in the hospital, one elsewhere
    visible_tasks = selectors.tasks_visible_to(officer)
    assert (
        by_step["Task_dept"].done
        == visible_tasks.filter(bpmn_id="Task_dept", state=Task.State.COMPLETED).count()
    )
    client.force_login(officer)
    assert rows(client) == 6
    assert rows(client, state="overdue") == 3
    assert rows(client, state="done", step="Task_dept") == 3
    # the other hospital's office sees its two matters, whoever handles them
    from tests.factories import make_user

    other = make_user("other_integrity", ("integrity", world.other_hospital))
    assert monitoring.overview(other).totals["running"] == 2


def test_a_flat_query_count_whatever_the_history_and_the_matters_elsewhere(world, made, client):
    """More matters handled outside the subtree and more done history: the same queries."""
    officer = world.users["integrity"]
    client.force_login(officer)

    def count(n):
        _more(made, n)
        _elsewhere(made, world, officer, n)
        client.get(reverse("flows:monitor"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("flows:monitor")).status_code == 200
        return len(ctx.captured_queries)

    assert count(5) == count(100)
    assert monitoring.overview(officer).totals["running"] == 5 + 105 + 105


def test_the_progress_counts_a_step_approved_again_once(world, made):
    """A step approved, returned to and approved again counts once (`steps_approved`, kept
    by the approval), as the distinct approved steps of the matter's tasks say."""
    returned = made["returned"]
    returned.refresh_from_db()
    assert returned.steps_approved == 1  # the head approved; the leader returned
    monitorkit.act(monitorkit.ready(returned)[0])  # the head again
    returned.refresh_from_db()
    assert returned.steps_approved == 1
    monitorkit.act(monitorkit.ready(returned)[0])  # the leader
    returned.refresh_from_db()
    distinct = (
        returned.tasks.filter(state=Task.State.COMPLETED, decision=Task.Decision.APPROVE)
        .values("bpmn_id")
        .distinct()
        .count()
    )
    assert returned.steps_approved == distinct == 2
    (flow,) = monitoring.overview(world.users["integrity"]).flows
    steps_in_flow = len(made["version"].spec["tasks"])
    # the approved steps of the running matters over their steps
    running = Instance.objects.filter(state=Instance.State.RUNNING).count()
    assert flow.running == running
    done = sum(i.steps_approved for i in Instance.objects.filter(state=Instance.State.RUNNING))
    assert flow.progress == round(100 * done / (running * steps_in_flow), 1)


def test_the_commission_counts_every_hospital_below_it_in_the_same_queries(world, made, client):
    """The commission's office sees the due counts of each hospital of its subtree (read one
    organisation at a time, in one statement): the hospital's two overdue and one escalated,
    plus the other hospital's matters, all due when they started; one more hospital with
    matters adds no query."""
    from tests.factories import make_org

    commission = world.users["commission_integrity"]
    _elsewhere(made, world, world.users["admin"], 3)
    data = monitoring.overview(commission)
    (flow,) = data.flows
    assert (flow.running, flow.overdue, flow.due_soon, flow.escalated) == (8, 5, 1, 1)
    client.force_login(commission)
    assert rows(client, state="overdue") == 5

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("flows:monitor")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    third = make_org("示例市第三医院", "H3", world.commission)
    _elsewhere(made, world, world.users["admin"], 2, organisation=third)
    assert count() == before
    fresh = type(commission).objects.get(pk=commission.pk)  # the reach is kept per user object
    assert monitoring.overview(fresh).flows[0].overdue == 7
    assert rows(client, state="overdue") == 7


def _history(version, organisation, hours, *, latest, applicant):
    """Completed matters of `organisation`, one per entry of `hours`: its department step
    (Task_dept) took `hours[i]` hours and was completed `i` minutes before `latest` (the
    first entry is the newest). Rows in bulk: only the sample's columns matter here."""
    instances = Instance.objects.bulk_create(
        [
            Instance(
                organisation=organisation,
                version=version,
                applicant=applicant,
                title=f"历史{i}",
                number=f"{organisation.code}-h{i}",
                state=Instance.State.COMPLETED,
            )
            for i in range(len(hours))
        ]
    )
    tasks = Task.objects.bulk_create(
        [
            Task(
                instance=instance,
                organisation=organisation,
                bpmn_id="Task_dept",
                name="部门负责人审核",
                state=Task.State.COMPLETED,
                decision=Task.Decision.APPROVE,
                completed_at=latest - dt.timedelta(minutes=i),
            )
            for i, instance in enumerate(instances)
        ]
    )
    for task, h in zip(tasks, hours, strict=True):  # created_at is set on insert: set it after
        Task.objects.filter(pk=task.pk).update(created_at=task.completed_at - dt.timedelta(hours=h))


def _commission(world, hospitals: int):
    """A commission of its own with `hospitals` hospitals, and its integrity officer."""
    from lianfang.core.roles import Role
    from tests.factories import make_org, make_user

    code = f"QWJW{hospitals}"
    commission = make_org(f"区卫健委{hospitals}", code, kind=world.commission.Kind.AUTHORITY)
    units = [
        make_org(f"区医院{hospitals}-{i}", f"{code}-{i}", commission) for i in range(hospitals)
    ]
    return units, make_user(f"qwjw{hospitals}", (Role.INTEGRITY, commission))


def _sample_of(user, now):
    """(the queries of the handling-time figures, the rows of their sample)."""
    from lianfang.accounts.models import User

    fresh = User.objects.get(pk=user.pk)  # the reach is cached on the user object
    with CaptureQueriesContext(connection) as ctx:
        steps = monitoring._steps(fresh, now)
    sample = monitoring._latest_completed(fresh, now - dt.timedelta(days=monitoring.TIMING_DAYS))
    return len(ctx.captured_queries), sample, steps


def test_a_commissions_sample_stays_bounded_whatever_its_hospitals(world, made, monkeypatch):
    """A commission over 1 and over 5 hospitals, each with more history than its share: the
    same queries, and the sample stays TIMING_SAMPLE rows (each hospital its latest share)."""
    monkeypatch.setattr(monitoring, "TIMING_SAMPLE", 20)
    now = timezone.now()
    version = made["version"]
    counts, sizes = [], []
    for n in (1, 5):
        hospitals, officer = _commission(world, n)
        for k, hospital in enumerate(hospitals):  # the first hospital's are the newest
            latest = now - dt.timedelta(hours=1 + k)
            _history(version, hospital, [1.0] * 30, latest=latest, applicant=officer)
        queries, sample, _steps = _sample_of(officer, now)
        counts.append(queries)
        sizes.append(len(sample))
        # each hospital gives its latest 20 / n completed tasks
        per_hospital = Task.objects.filter(pk__in=[r[-1] for r in sample]).values_list(
            "organisation_id", flat=True
        )
        assert sorted(per_hospital) == sorted([h.pk for h in hospitals] * (20 // n))
        latest = Task.objects.filter(organisation__in=hospitals).order_by(
            "organisation_id", "-completed_at"
        )
        expected = []
        for hospital in hospitals:
            expected += [t.pk for t in latest if t.organisation_id == hospital.pk][: 20 // n]
        assert sorted(r[-1] for r in sample) == sorted(expected)
    assert counts[0] == counts[1]
    assert sizes == [20, 20]


def test_the_handling_times_of_a_commission_by_hand(world, made, monkeypatch):
    """Two hospitals with a share of 3 each (TIMING_SAMPLE 6): the latest three of each, not
    the latest six of both; the average and the nearest-rank p90 of those six, by hand."""
    monkeypatch.setattr(monitoring, "TIMING_SAMPLE", 6)
    now = timezone.now()
    version = made["version"]
    (busy, quiet), officer = _commission(world, 2)
    # newest first: the busy hospital's latest three are 1, 2, 4 hours; 40 is older
    _history(
        version,
        busy,
        [1.0, 2.0, 4.0, 40.0, 40.0],
        latest=now - dt.timedelta(hours=1),
        applicant=officer,
    )
    # the quiet one's are older than all of the busy one's, and slower
    _history(
        version,
        quiet,
        [10.0, 3.0, 30.0, 50.0],
        latest=now - dt.timedelta(days=3),
        applicant=officer,
    )
    # outside the 180 days: not sampled
    _history(
        version,
        quiet,
        [99.0],
        latest=now - dt.timedelta(days=monitoring.TIMING_DAYS + 1),
        applicant=officer,
    )
    _queries, sample, steps = _sample_of(officer, now)
    (step,) = steps
    values = [1.0, 2.0, 4.0, 10.0, 3.0, 30.0]
    assert step.step == "Task_dept"
    assert step.done == len(sample) == 6
    assert step.average_hours == round(sum(values) / 6, 1) == 8.3
    # nearest rank: ⌈0.9 × 6⌉ = 6th of 1, 2, 3, 4, 10, 30
    assert step.p90_hours == 30.0
    # the hours as the database computed them, one row per sampled task
    assert sorted(round(r[3], 3) for r in sample) == sorted(values)


def _list_plan(client, params) -> tuple[list[int], str]:
    """(the task ids the list behind the numbers shows, in order; the plan of its page's
    query: EXPLAIN QUERY PLAN on SQLite, EXPLAIN with sorting discouraged on PostgreSQL, so
    that a Sort there means no index gives the order)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("flows:monitor_tasks"), params)
    assert response.status_code == 200
    (page_sql,) = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "flows_task"."id" AS "pk"') and "ORDER BY" in q["sql"]
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + page_sql)
        else:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + page_sql)
        plan = "\n".join(
            str(row[-1] if connection.vendor == "sqlite" else row[0]) for row in cursor
        )
    shown = [int(pk) for pk in re.findall(r'data-task="(\d+)"', response.content.decode())]
    return shown, plan


@pytest.mark.parametrize("sort", ["due", "-due", "-created"])
def test_the_list_sorted_by_due_reads_an_index_in_order(world, made, client, sort):
    """时限最近 (and the default, newest first): the ready tasks in that order, read from an
    index in its order, without sorting them (no temporary B-tree, no Sort)."""
    client.force_login(world.users["integrity"])
    ready = Task.objects.filter(state=Task.State.READY, organisation=world.hospital)
    field = "due_at" if "due" in sort else "created_at"
    ordering = [f"-{field}", "-pk"] if sort.startswith("-") else [field, "pk"]
    expected = list(ready.order_by(*ordering).values_list("pk", flat=True))
    shown, plan = _list_plan(client, {"sort": sort})
    assert len(expected) == 5
    assert shown == expected
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    shown, plan = _list_plan(client, {"sort": sort, "state": "overdue"})
    assert len(shown) == 2
    if "due" in sort:  # the overdue by due date: the same index, from the due time down
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def test_a_commissions_page_makes_the_same_queries_for_one_hospital_or_four(world, made, client):
    """The whole page of a commission, publication completeness included (each hospital with
    flows and a control point completed this month, one published): the same queries over
    one hospital as over four, and the completeness sums them all."""
    from lianfang.flows.models import FlowDefinition

    version = made["version"]
    now = timezone.now()
    figures = []
    for n in (1, 4):
        hospitals, officer = _commission(world, n)
        for hospital in hospitals:
            FlowDefinition.objects.create(organisation=hospital, code="CG", name="货物采购审批")
            _history(version, hospital, [2.0, 3.0], latest=now, applicant=officer)
        Task.objects.filter(organisation__in=hospitals).update(is_control_point=True)
        client.force_login(officer)
        client.get(reverse("flows:monitor"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("flows:monitor")).status_code == 200
        fresh = type(officer).objects.get(pk=officer.pk)
        (share,) = monitoring.completeness(fresh, timezone.localdate(now).replace(day=1))
        figures.append((len(ctx.captured_queries), share.completed, share.published))
    assert figures[0][0] == figures[1][0]
    assert figures[0][1:] == (2, 0) and figures[1][1:] == (8, 0)
    assert len(monitoring.unpublished_task_ids(fresh, timezone.localdate(now).replace(day=1))) == 8
