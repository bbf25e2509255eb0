"""The flows pages: a procurement of ¥150,000 started on the page goes through its tiers,
each handler sees it in 待办 with the step's risk points, acts on it, and the lists keep a
flat query count."""

import json
import re

import pytest
from django.urls import reverse

from lianfang.flows.models import Instance, Task
from lianfang.risks.models import RiskPoint
from tests.flows.uikit import MEASURE_TEXT, RISK_NAME, procurement

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(world):
    return procurement(world)


def start_page(client, version, **data):
    form = {"title": "", "item": "心电监护仪", "amount": "15万", "method": "询价", "reason": "更新"}
    form.update(data)
    return client.post(reverse("flows:start", args=[version.definition_id]), form)


def ready(instance):
    return list(instance.tasks.filter(state=Task.State.READY).order_by("pk"))


def act(client, task, action="approve", **data):
    return client.post(reverse("flows:task_act", args=[task.pk]), {"action": action, **data})


def test_the_start_list_offers_the_flow_and_the_form_asks_its_fields(world, version, login):
    client = login(world.users["staff"])
    page = client.get(reverse("flows:start_list")).content.decode()
    assert "货物采购审批" in page
    form = client.get(reverse("flows:start", args=[version.definition_id])).content.decode()
    for label in ("采购项目名称", "预算金额", "采购方式", "拟选供应商"):
        assert label in form


def test_a_bad_amount_is_refused_on_the_form_and_nothing_starts(world, version, login):
    response = start_page(login(world.users["staff"]), version, amount="很多钱")
    assert response.status_code == 200
    assert "预算金额" in response.content.decode()
    assert not Instance.objects.exists()


def test_150000_routes_head_leader_principal_committee(world, version, client):
    client.force_login(world.users["staff"])
    response = start_page(client, version)
    instance = Instance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("flows:instance", args=[instance.pk])
    assert instance.data["amount"] in ("150000", "150000.00")

    route = []
    for handler in ("dept_head", "leader", "principal"):
        (task,) = ready(instance)
        assert task.assignee == world.users[handler]
        route.append(task.name)
        client.force_login(world.users[handler])
        assert instance.title in client.get(reverse("flows:todo")).content.decode()
        assert act(client, task, reason="同意").status_code == 302
    committee = ready(instance)
    route.append(committee[0].name)
    assert route == ["部门负责人审核", "分管院长审批", "院长审批", "“三重一大”集体决策"]
    assert {t.assignee for t in committee} == {world.users["principal"], world.users["leader"]}


def test_the_handler_sees_the_diagram_step_and_risk_points(world, version, client):
    client.force_login(world.users["staff"])
    start_page(client, version)
    instance = Instance.objects.get()
    client.force_login(world.users["dept_head"])
    page = client.get(reverse("flows:instance", args=[instance.pk])).content.decode()
    assert "本环节廉政风险点及防控措施" in page
    assert RISK_NAME in page and MEASURE_TEXT in page
    current = re.search(r'data-current="([^"]*)"', page).group(1).replace("&quot;", '"')
    assert json.loads(current) == ["Task_dept"]
    assert 'id="lf-bpmn-xml"' in page and "<script>" not in page
    assert 'data-testid="act-form"' in page


def test_the_register_changes_show_on_the_page_at_once(world, version, client):
    client.force_login(world.users["staff"])
    start_page(client, version)
    instance = Instance.objects.get()
    RiskPoint.objects.filter(name=RISK_NAME).update(name="已改名的风险点")
    client.force_login(world.users["dept_head"])
    page = client.get(reverse("flows:instance", args=[instance.pk])).content.decode()
    assert "已改名的风险点" in page and RISK_NAME not in page


def test_return_needs_a_reason_and_goes_back(world, version, client):
    client.force_login(world.users["staff"])
    start_page(client, version)
    instance = Instance.objects.get()
    client.force_login(world.users["dept_head"])
    act(client, ready(instance)[0], reason="同意")
    client.force_login(world.users["leader"])
    (task,) = ready(instance)
    refused = act(client, task, "return")
    assert refused.status_code == 200
    assert "理由" in refused.content.decode()
    assert ready(instance) == [task]
    assert act(client, task, "return", reason="请补充论证", target="Task_dept").status_code == 302
    (back,) = ready(instance)
    assert back.bpmn_id == "Task_dept"


def test_someone_else_acting_on_a_task_gets_404_and_nothing_changes(world, version, client):
    client.force_login(world.users["staff"])
    start_page(client, version)
    instance = Instance.objects.get()
    (task,) = ready(instance)
    for user in ("leader", "outsider"):
        client.force_login(world.users[user])
        assert act(client, task, reason="x").status_code == 404
    client.force_login(world.users["outsider"])
    assert client.get(reverse("flows:instance", args=[instance.pk])).status_code == 404
    assert ready(instance) == [task]


def test_the_applicant_withdraws_before_any_approval(world, version, client):
    client.force_login(world.users["staff"])
    start_page(client, version)
    instance = Instance.objects.get()
    page = client.get(reverse("flows:instance", args=[instance.pk])).content.decode()
    assert 'data-testid="action-withdraw"' in page
    assert 'data-testid="action-approve"' not in page
    assert act(client, ready(instance)[0], "withdraw", reason="不买了").status_code == 302
    instance.refresh_from_db()
    assert instance.state == Instance.State.WITHDRAWN


def _copies(world, version, n, *, done_by=None):
    """`n` more instances like one started through the service, each with its ready task (or,
    with `done_by`, the task that user approved): rows copied in bulk, as the lists read them."""
    from lianfang.flows import services

    source = services.instance_start(
        actor=world.users["staff"],
        version=version,
        data={"item": "设备", "amount": "3000", "method": "询价", "reason": "更新"},
    )
    (task,) = ready(source)
    instances = Instance.objects.bulk_create(
        [
            Instance(
                organisation=source.organisation,
                version=version,
                applicant=source.applicant,
                applicant_person=source.applicant_person,
                department=source.department,
                title=f"设备{i}",
                number=f"copy-{source.pk}-{i}",
                data=source.data,
            )
            for i in range(n - 1)
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
            )
            for instance in instances
        ]
    )
    if done_by is not None:
        Task.objects.filter(assignee=done_by).update(
            state=Task.State.COMPLETED,
            decision=Task.Decision.APPROVE,
            completed_by=done_by,
            completed_at=task.created_at,
        )


@pytest.mark.parametrize("url_name", ["flows:todo", "flows:done", "flows:mine"])
def test_the_lists_keep_a_flat_query_count(world, version, client, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = world.users["staff" if url_name == "flows:mine" else "dept_head"]
    client.force_login(user)

    def count(n):
        _copies(world, version, n, done_by=user if url_name == "flows:done" else None)
        client.get(reverse(url_name))  # the session's and caches' first reads
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url_name), {"per_page": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode().count('-row"')

    small, shown_small = count(20)
    large, shown_large = count(180)
    assert (shown_small, shown_large) == (20, 200)
    assert small == large


def test_designer_publishes_and_lists_refusals(world, version, login):
    client = login(world.users["admin"])
    url = reverse("flows:designer", args=[version.definition_id])
    page = client.get(url).content.decode()
    assert "data-flow-designer" in page and "zn.js" in page
    broken = version.bpmn.replace(' lianfang:handler="dept_head"', "", 1)
    refused = client.post(url, {"xml": broken})
    assert refused.status_code == 200
    assert 'data-testid="designer-errors"' in refused.content.decode()
    changed = version.bpmn.replace("部门负责人审核", "科室负责人审核")
    assert client.post(url, {"xml": changed}).status_code == 302
    assert version.definition.versions.count() == 2
    listing = client.get(reverse("flows:definitions")).content.decode()
    assert "货物采购审批" in listing and "v2" in listing


def test_staff_may_not_open_the_designer(world, version, login):
    client = login(world.users["staff"])
    assert client.get(reverse("flows:definitions")).status_code == 403


def _timeline(response) -> list[str]:
    html = response.content.decode()
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip()
        for item in re.findall(r'data-testid="timeline-event">(.*?)</li>', html, re.S)
    ]


def test_the_timeline_names_whom_an_escalation_went_to_and_the_step_a_return_went_back_to(
    world, version, client
):
    from lianfang.flows import deadlines
    from lianfang.flows.models import InstanceEvent
    from tests.flows.test_deadlines import at, limited_task

    task = limited_task(world)
    deadlines.deadlines_run(now=at(2025, 10, 20, 9, 0))
    event = InstanceEvent.objects.get(task=task, kind=deadlines.ESCALATED)
    leader = world.users["leader"]
    assert event.data["to"] == [leader.pk]  # kept as ids, shown as names
    client.force_login(world.users["staff"])  # the applicant
    page = client.get(reverse("flows:instance", args=[task.instance_id]))
    assert page.status_code == 200
    lines = _timeline(page)
    [escalated] = [line for line in lines if str(deadlines.EVENT_LABELS["escalated"]) in line]
    assert escalated.endswith(f"→ {world.leader_person.name}"), escalated
    assert str(leader.pk) not in escalated.split("→")[1]

    # a return names the step it went back to, not its BPMN id
    client.force_login(world.users["staff"])
    start_page(client, version)
    instance = Instance.objects.get(version=version)
    client.force_login(world.users["dept_head"])
    act(client, ready(instance)[0], reason="同意")
    client.force_login(world.users["leader"])
    act(client, ready(instance)[0], "return", reason="请补充论证", target="Task_dept")
    lines = _timeline(client.get(reverse("flows:instance", args=[instance.pk])))
    [returned] = [line for line in lines if " 退回 " in f" {line} "]
    step = version.spec["tasks"]["Task_dept"]["name"]
    assert f"→ {step} " in returned and "Task_dept" not in returned, returned


def test_the_transfer_picker_searches_the_colleagues(world, version, client):
    """转办给 asks the delegations' colleague search (names and departments of the
    handler's organisation with an account) instead of listing the people, and a colleague
    it finds is one the form accepts."""
    client.force_login(world.users["staff"])
    start_page(client, version)
    instance = Instance.objects.get()
    client.force_login(world.users["dept_head"])
    page = client.get(reverse("flows:instance", args=[instance.pk])).content.decode()
    picker = re.search(r'<select name="transfer_to"[^>]*>', page).group(0)
    assert f'data-lf-search="{reverse("flows:delegate_search")}"' in picker
    found = client.get(reverse("flows:delegate_search"), {"q": world.leader_person.name}).json()
    assert [r["id"] for r in found["results"]] == [world.leader_person.pk]
    (task,) = ready(instance)
    response = act(client, task, "transfer", transfer_to=world.leader_person.pk, reason="出差")
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.assignee_id) == (Task.State.READY, world.leader_person.user_id)


@pytest.mark.parametrize("url_name", ["flows:todo", "flows:done", "flows:mine"])
def test_the_lists_count_up_to_a_cap(world, version, client, monkeypatch, url_name):
    """With the count capped at 30 (LIST_COUNT_CAP, 10,000 in use) and 45 rows: "共 30+ 条"
    and no last page; the pages beyond the cap reached by ›, counting to their own end, each
    listing the rows it should; the exact count once the rows end before the cap does."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lianfang.flows import selectors, views

    monkeypatch.setattr(views, "LIST_COUNT_CAP", 30)
    user = world.users["staff" if url_name == "flows:mine" else "dept_head"]
    _copies(world, version, 45, done_by=user if url_name == "flows:done" else None)
    if url_name == "flows:todo":
        expected = selectors.my_ready_tasks(user).order_by("-created_at", "-pk")
        expected = list(expected.values_list("instance_id", flat=True))
    elif url_name == "flows:done":
        expected = selectors.my_done_tasks(user).order_by("-completed_at", "-pk")
        expected = list(expected.values_list("instance_id", flat=True))
    else:
        expected = selectors.started_by(user).order_by("-started_at", "-pk")
        expected = list(expected.values_list("pk", flat=True))
    assert len(expected) == 45
    client.force_login(user)

    def page(n):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url_name), {"per_page": 10, "page": n})
        assert response.status_code == 200
        html = response.content.decode()
        listed = [
            int(pk)
            for pk in re.findall(r'-row">\s*<a class="lf-flow-link" href="/[^"]*?/(\d+)/"', html)
        ]
        links = sorted({int(p) for p in re.findall(r"[?&;]page=(\d+)", html)})
        counts = [  # the list's count, LIMITed
            q["sql"]
            for q in ctx.captured_queries
            if re.search(r"COUNT\(\*\) FROM \(.* LIMIT", q["sql"])
        ]
        return html, listed, links, len(ctx.captured_queries), counts

    html, listed, links, queries, counts = page(1)
    assert "共 30+ 条，第 1–10 条" in html
    assert listed == expected[:10]
    assert links == [1, 2, 3]  # the window (and › to 2), no last page
    assert len(counts) == 1 and "LIMIT 31" in counts[0]
    html, listed, links, _queries, _counts = page(3)
    assert "共 30+ 条，第 21–30 条" in html
    assert listed == expected[20:30]
    assert 4 in links  # beyond the cap, by ›
    html, listed, links, queries_beyond, counts = page(4)
    assert "共 40+ 条，第 31–40 条" in html
    assert listed == expected[30:40]
    assert 5 in links
    assert "LIMIT 41" in counts[0]
    assert queries_beyond == queries
    html, listed, links, _queries, _counts = page(5)
    assert "共 45 条，第 41–45 条" in html
    assert listed == expected[40:]
    assert max(links) == 5  # the last page: the window and ‹, nothing beyond
