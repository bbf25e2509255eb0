"""Issue 11's "Done when", in Chromium: a new staff member starts a procurement of ¥150,000
from the shipped definitions (imported with `flows.library.flows_import`); it routes by amount
through 部门负责人 → 分管院长 → 院长 → 三重一大 (the committee of the 院长 and the 分管院长),
each handler finding it in 待办 and seeing the step's risk points (the head on a 390-px
phone); the control points publish (the records, and the portal's 权力运行公开 column); the
next step, left overdue, escalates to the leader in charge with a warning."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import expect

from lianfang.core import workdays
from lianfang.core.models import Notification, Publication, Warning
from lianfang.core.roles import Role
from lianfang.flows import deadlines, library
from lianfang.flows.models import Instance, Task
from lianfang.org.models import Power
from lianfang.portal import services as portal_services
from lianfang.risks.models import RiskPoint
from tests.factories import make_person, make_user
from tests.flows.uikit import RISK_NAME, procurement
from tests.risks.factories import make_measure, make_risk_point

from .conftest import PHONE, screenshot, sign_in

pytestmark = pytest.mark.e2e

# a risk point (and its measure) on every step's PowerStep; the first is uikit's
STEP_RISKS = {
    "Task_dept": ("YY-CG-05", "request", RISK_NAME),
    "Task_leader": ("YY-CG-05", "feasibility", "可行性论证流于形式"),
    "Task_principal": ("YY-CG-05", "specification", "技术参数指向特定品牌"),
    "Task_collective": ("YY-JC-01", "deliberation", "会前未充分酝酿即表决"),
}
ROUTE = ["部门负责人审核", "分管院长审批", "院长审批", "“三重一大”集体决策"]
READY = dt.datetime(2025, 9, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a known calendar


def no_horizontal_scroll(page):
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def hospital_ready(world):
    """The shipped procurement with its powers and the 院长 (uikit), a filed risk point on each
    step of the route, every shipped definition imported, and a new staff member."""
    procurement(world)
    for code, key, name in list(STEP_RISKS.values())[1:]:
        power = Power.objects.get(organisation=world.hospital, code=code)
        point = make_risk_point(
            world.hospital,
            power,
            name=name,
            step=power.steps.get(key=key),
            status=RiskPoint.Status.FILED,
        )
        make_measure(
            world.hospital,
            f"{name}：集体研究并留痕",
            owner_person=world.head_person,
            points=[point],
        )
    result = library.flows_import(actor=world.users["admin"], organisation=world.hospital)
    assert "goods_procurement" in result.unchanged + result.published
    assert len(result.published) >= 13  # the other shipped flows, importable
    person = make_person(world.hospital, world.cardiology, "0188", "钱新员")
    return make_user("newcomer", (Role.STAFF, world.hospital), person=person)


def handle(page, live_server, user, instance, task_id, shot, phone=False):
    """`user` finds the instance in 待办, opens it, sees the step's risk points, approves."""
    page.context.clear_cookies()
    sign_in(page, live_server, user)
    page.goto("/flows/")
    row = page.get_by_test_id("todo-row").filter(has_text=instance.title)
    expect(row).to_be_visible()
    if phone:
        no_horizontal_scroll(page)
        screenshot(page, f"{shot}-todo")
    row.locator("a").click()
    expect(page.locator("[data-flow-viewer]")).to_have_attribute("data-ready", "1")
    risks = page.get_by_test_id("step-risks")
    expect(risks).to_contain_text("本环节廉政风险点及防控措施")
    expect(risks.get_by_test_id("step-risk-point").first).to_contain_text(STEP_RISKS[task_id][2])
    expect(risks.get_by_test_id("step-risk-measure").first).to_be_visible()
    if phone:
        no_horizontal_scroll(page)
    screenshot(page, shot)
    page.get_by_test_id("action-approve").check()
    page.fill("[name=reason]", "同意")
    page.get_by_test_id("act-submit").click()
    expect(page.locator(".alert").first).to_contain_text("已办理")


def test_a_new_staff_members_procurement_of_150000_done_when(world, new_page, live_server):
    newcomer = hospital_ready(world)
    desk = new_page()
    sign_in(desk, live_server, newcomer)
    desk.goto("/flows/start/")
    desk.get_by_test_id("start-goods_procurement").click()
    desk.fill("[name=item]", "心电监护仪")
    desk.fill("[name=amount]", "150,000元")
    desk.select_option("[name=method]", "询价")
    desk.fill("[name=reason]", "心内科监护单元设备更新")
    desk.get_by_test_id("start-submit").click()
    expect(desk.get_by_test_id("current-steps")).to_contain_text(ROUTE[0])
    instance = Instance.objects.get()
    assert instance.applicant == newcomer
    screenshot(desk, "flows-done-started")

    phone = new_page(PHONE)
    users = world.users
    handle(phone, live_server, users["dept_head"], instance, "Task_dept", "flows-done-head", True)
    handle(desk, live_server, users["leader"], instance, "Task_leader", "flows-done-leader")
    handle(
        desk, live_server, users["principal"], instance, "Task_principal", "flows-done-principal"
    )
    # 三重一大: a countersign of the 院长 and the 分管院长, each in their 待办
    committee = list(instance.tasks.filter(state=Task.State.READY))
    assert {t.assignee for t in committee} == {users["principal"], users["leader"]}
    handle(desk, live_server, users["principal"], instance, "Task_collective", "flows-done-meeting")
    handle(
        phone,
        live_server,
        users["leader"],
        instance,
        "Task_collective",
        "flows-done-meeting-phone",
        True,
    )

    route = list(
        instance.tasks.filter(decision=Task.Decision.APPROVE)
        .order_by("completed_at", "pk")
        .values_list("name", flat=True)
    )
    assert route == [*ROUTE, ROUTE[-1]]
    (purchase,) = instance.tasks.filter(state=Task.State.READY)
    assert purchase.bpmn_id == "Task_purchase" and purchase.assignee == users["dept_head"]

    # the control points published: 分管院长审批 and the committee's step, once each
    records = Publication.objects.filter(
        organisation=world.hospital,
        column__module__code="flows",
        column__code="results",
        content_type=ContentType.objects.get_for_model(Task),
        withdrawn_at__isnull=True,
    )
    assert sorted(r.fields["step"] for r in records) == sorted([ROUTE[1], ROUTE[3]])
    for record in records:
        assert record.fields["decision"] == "同意" and record.fields["number"] == instance.number
        assert "150,000.00 元" in record.fields["content"]
        assert "钱新员" not in str(record.fields)  # never the applicant
    # and the disclosure portal's column shows them
    portal_services.site_update(
        actor=users["admin"], organisation=world.hospital, data={"enabled": True, "title": ""}
    )
    visitor = new_page(PHONE)
    visitor.goto(f"/gk/{world.hospital.code}/c/results/")
    body = visitor.locator("main, body").first
    expect(body).to_contain_text(ROUTE[1])
    expect(body).to_contain_text(ROUTE[3])
    expect(visitor.get_by_test_id("result")).to_have_count(2)
    no_horizontal_scroll(visitor)
    screenshot(visitor, "flows-done-portal-results")
    visitor.get_by_test_id("result").filter(has_text=ROUTE[1]).locator("a").click()
    item = visitor.locator("main, body").first
    expect(item).to_contain_text("心电监护仪")
    expect(item).to_contain_text("150,000.00 元")
    expect(item).not_to_contain_text("钱新员")
    screenshot(visitor, "flows-done-portal-result")

    # the purchase step left overdue: past due + the escalation days, it escalates
    Task.objects.filter(pk=purchase.pk).update(created_at=READY)
    purchase.refresh_from_db()
    deadlines.clock_start(purchase, now=READY)
    calendar = workdays.calendar_for(world.hospital)
    moment = deadlines.escalate_at(purchase, calendar, 2)  # 单位参数 default: 2 working days
    done = deadlines.deadlines_run(now=moment + dt.timedelta(hours=1))
    assert done["escalated"] == 1 and done["overdue"] == 1
    warning = Warning.objects.get(source="flows", rule="task_escalated", key=str(purchase.pk))
    assert warning.owner == world.leader_person  # the leader in charge, the target
    notice = Notification.objects.get(kind="flows.task_escalated")
    assert notice.recipient == users["leader"]
    assert deadlines.deadlines_run(now=moment + dt.timedelta(days=3))["escalated"] == 0

    desk.context.clear_cookies()
    sign_in(desk, live_server, users["leader"])
    desk.goto(f"/flows/instances/{instance.pk}/")
    timeline = desk.get_by_test_id("timeline")
    expect(timeline).to_contain_text("超时升级")
    expect(timeline).to_contain_text("超时")
    screenshot(desk, "flows-done-escalated")
