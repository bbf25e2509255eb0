import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.core.models import AuditEvent
from lianfang.org.models import Post, Power, PowerStep
from lianfang.risks.models import RiskPoint
from tests.factories import writes_below
from tests.risks.factories import make_power, make_risk_point

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


@pytest.fixture
def catalogue(world):
    """Two hospital powers (one with a flow and risk points) and one of the other hospital."""
    buyer = Post.objects.get(code="P-CGY")
    doctor = Post.objects.get(code="P-ZZYS")
    procurement = make_power(
        world.hospital,
        "药品耗材采购",
        "CG-01",
        department=world.procurement,
        category=Power.Category.PROCUREMENT,
        basis="《政府采购法》第二十四条",
        time_limit_days=30,
        steps=[("need", "提出需求"), ("choose", "供应商遴选"), ("accept", "验收入库")],
    )
    procurement.posts.set([buyer])
    PowerStep.objects.filter(power=procurement, key="choose").update(
        is_control_point=True, post=buyer
    )
    choose = procurement.steps.get(key="choose")
    make_risk_point(power=procurement, step=choose, post=buyer, name="遴选中的利益输送", level=1)
    make_risk_point(power=procurement, step=choose, post=doctor, name="医生参与遴选", level=2)
    prescribing = make_power(
        world.hospital,
        "处方权",
        "YY-01",
        department=world.cardiology,
        category=Power.Category.PRESCRIBING,
        is_public=False,
    )
    foreign = make_power(world.other_hospital, "外院采购", "CG-01", department=world.surgery_b)
    return {"procurement": procurement, "prescribing": prescribing, "foreign": foreign}


@pytest.mark.parametrize("role", ["admin", "integrity", "leader", "dept_head", "staff"])
def test_list_renders_for_every_role_within_scope(world, login, catalogue, role):
    response = login(world.users[role]).get(reverse("org:power_list"))
    assert response.status_code == 200
    page = text(response)
    assert "药品耗材采购" in page and "处方权" in page
    assert "外院采购" not in page


def test_list_shows_counts_posts_and_edit_links_for_managers(world, login, catalogue):
    procurement = catalogue["procurement"]
    page = text(login(world.users["integrity"]).get(reverse("org:power_list")))
    row = page.split(f'href="{reverse("org:power_detail", args=[procurement.pk])}"')[1]
    row = row.split("</tr>")[0]
    assert "采购员" in row and "30 天" in row
    assert '<td class="text-end">3</td>' in row  # steps
    assert '<td class="text-end">2</td>' in row  # risk points
    assert reverse("org:power_edit", args=[procurement.pk]) in page
    staff_page = text(login(world.users["staff"]).get(reverse("org:power_list")))
    assert reverse("org:power_edit", args=[procurement.pk]) not in staff_page
    assert "新增权力事项" not in staff_page


def test_risk_counts_follow_the_users_scope(world, login, catalogue):
    # the doctor (staff) sees only the risk point of their own post
    page = text(login(world.users["staff"]).get(reverse("org:power_list")))
    row = page.split("药品耗材采购")[1].split("</tr>")[0]
    assert '<td class="text-end">1</td>' in row


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ({"category": "prescribing"}, ["处方权"], ["药品耗材采购"]),
        ({"public": "no"}, ["处方权"], ["药品耗材采购"]),
        ({"public": "yes"}, ["药品耗材采购"], ["处方权"]),
        ({"q": "CG-"}, ["药品耗材采购"], ["处方权"]),
        ({"q": "处方"}, ["处方权"], ["药品耗材采购"]),
    ],
)
def test_list_filters(world, login, catalogue, query, shown, hidden):
    page = text(login(world.users["integrity"]).get(reverse("org:power_list"), query))
    for name in shown:
        assert name in page
    for name in hidden:
        assert name not in page


def test_department_filter_and_organisation_filter(world, login, catalogue):
    client = login(world.users["commission_integrity"])
    page = text(client.get(reverse("org:power_list"), {"department": world.cardiology.pk}))
    assert "处方权" in page and "药品耗材采购" not in page
    page = text(client.get(reverse("org:power_list"), {"organisation": world.other_hospital.pk}))
    assert "外院采购" in page and "处方权" not in page


def test_inactive_powers_are_listed_on_request(world, login, catalogue):
    Power.objects.filter(pk=catalogue["prescribing"].pk).update(active=False)
    client = login(world.users["integrity"])
    assert "处方权" not in text(client.get(reverse("org:power_list")))
    assert "处方权" in text(client.get(reverse("org:power_list"), {"state": "no"}))
    assert "处方权" in text(client.get(reverse("org:power_list"), {"state": "all"}))


def test_list_sorts_by_risk_count(world, login, catalogue):
    page = text(login(world.users["integrity"]).get(reverse("org:power_list"), {"sort": "-risks"}))
    assert page.index("药品耗材采购") < page.index("处方权")
    page = text(login(world.users["integrity"]).get(reverse("org:power_list"), {"sort": "risks"}))
    assert page.index("处方权") < page.index("药品耗材采购")


def _add_powers(world, numbers):
    post = Post.objects.get(code="P-CGY")
    for n in numbers:
        power = make_power(
            world.hospital,
            f"权力事项{n}",
            f"QC-{n:03d}",
            department=world.procurement,
            steps=["受理", "审批"],
        )
        power.posts.set([post])
        make_risk_point(power=power, step=power.steps.first(), post=post)


def test_list_query_count_does_not_grow_with_rows(world, login):
    client = login(world.users["integrity"])
    url = reverse("org:power_list") + "?per_page=200"

    def count():
        client.get(url)  # warm per-session caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx), text(response)

    _add_powers(world, range(5))
    small, page = count()
    assert len(re.findall(r">权力事项\d+<", page)) == 5
    _add_powers(world, range(5, 50))
    large, page = count()
    assert len(re.findall(r">权力事项\d+<", page)) == 50
    assert small == large


# Detail ---------------------------------------------------------------------------------------


def test_detail_draws_the_flow_with_control_points_and_risk_points(world, login, catalogue):
    procurement = catalogue["procurement"]
    response = login(world.users["integrity"]).get(
        reverse("org:power_detail", args=[procurement.pk])
    )
    assert response.status_code == 200
    page = text(response)
    flow = page.split('data-testid="power-flow"')[1].split("</ol>")[0]
    assert flow.index("提出需求") < flow.index("供应商遴选") < flow.index("验收入库")
    assert flow.count('data-testid="flow-step"') == 3
    control = flow.split("lf-flow-node lf-flow-control")[1].split("</li>")[0]
    assert "供应商遴选" in control and "内控点" in control
    assert "lf-level-1" in control and "lf-level-2" in control
    assert "《政府采购法》第二十四条" in page
    risks = page.split('data-testid="power-risk-points"')[1]
    assert "遴选中的利益输送" in risks and "医生参与遴选" in risks
    point = RiskPoint.objects.get(name="医生参与遴选")
    assert reverse("risks:point_detail", args=[point.pk]) in risks
    assert 'data-testid="power-steps"' in page  # step management for editors


def test_detail_lists_only_visible_risk_points_and_no_edit_for_staff(world, login, catalogue):
    procurement = catalogue["procurement"]
    page = text(login(world.users["staff"]).get(reverse("org:power_detail", args=[procurement.pk])))
    risks = page.split('data-testid="power-risk-points"')[1]
    assert "医生参与遴选" in risks and "遴选中的利益输送" not in risks
    assert reverse("org:power_edit", args=[procurement.pk]) not in page
    assert 'data-testid="power-steps"' not in page


def test_detail_outside_scope_is_404(world, login, catalogue):
    foreign = catalogue["foreign"]
    for role in ("integrity", "staff", "admin"):
        response = login(world.users[role]).get(reverse("org:power_detail", args=[foreign.pk]))
        assert response.status_code == 404, role
    response = login(world.users["outsider"]).get(
        reverse("org:power_detail", args=[catalogue["procurement"].pk])
    )
    assert response.status_code == 404


# Writes ---------------------------------------------------------------------------------------


def test_staff_and_leaders_cannot_edit(world, login, catalogue):
    procurement = catalogue["procurement"]
    step = procurement.steps.first()
    for role in ("staff", "leader", "dept_head"):
        client = login(world.users[role])
        for url in (
            reverse("org:power_create"),
            reverse("org:power_edit", args=[procurement.pk]),
            reverse("org:power_step_create", args=[procurement.pk]),
            reverse("org:power_step_edit", args=[step.pk]),
            reverse("org:power_import"),
            reverse("org:power_template"),
        ):
            assert client.get(url).status_code == 403, (role, url)
        assert client.post(reverse("org:power_step_delete", args=[step.pk])).status_code == 403
    assert PowerStep.objects.filter(pk=step.pk).exists()


def test_editing_outside_the_subtree_is_404(world, login, catalogue):
    foreign = catalogue["foreign"]
    client = login(world.users["integrity"])
    assert client.get(reverse("org:power_edit", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("org:power_step_create", args=[foreign.pk])).status_code == 404
    step = make_power(world.other_hospital, "外院许可", steps=["受理"]).steps.get()
    assert client.get(reverse("org:power_step_edit", args=[step.pk])).status_code == 404
    assert client.post(reverse("org:power_step_delete", args=[step.pk])).status_code == 404
    assert client.post(reverse("org:power_step_move", args=[step.pk])).status_code == 404
    assert PowerStep.objects.filter(pk=step.pk).exists()
    # the commission's integrity office reads both hospitals, and writes them when granted
    # 下级单位可写 (tests/org/test_write_reach.py)
    commission = login(world.users["commission_integrity"])
    assert commission.get(reverse("org:power_edit", args=[foreign.pk])).status_code == 404
    writes_below(world.users["commission_integrity"])
    assert commission.get(reverse("org:power_edit", args=[foreign.pk])).status_code == 200


def test_create_power_through_the_form(world, login):
    client = login(world.users["integrity"])
    buyer = Post.objects.get(code="P-CGY")
    form = client.get(reverse("org:power_create"))
    assert form.status_code == 200 and "承办岗位" in text(form)
    response = client.post(
        reverse("org:power_create"),
        {
            "organisation": world.hospital.pk,
            "code": "CW-01",
            "name": "资金支付审批",
            "category": "finance",
            "department": world.finance.pk,
            "posts": [buyer.pk],
            "basis": "《会计法》",
            "duties": "",
            "time_limit_days": "5",
            "is_public": "on",
            "active": "on",
        },
    )
    power = Power.objects.get(code="CW-01")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:power_detail", args=[power.pk])
    assert (power.department, power.time_limit_days) == (world.finance, 5)
    assert list(power.posts.all()) == [buyer]


def test_form_shows_service_errors(world, login, catalogue):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:power_create"),
        {"organisation": world.hospital.pk, "code": "CG-01", "name": "重复", "category": "other"},
    )
    assert response.status_code == 200
    assert "本单位已有编码为“CG-01”的权力事项" in text(response)


def test_edit_power(world, login, catalogue):
    procurement = catalogue["procurement"]
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:power_edit", args=[procurement.pk]),
        {
            "code": "CG-01",
            "name": "药品采购",
            "category": "procurement",
            "department": world.procurement.pk,
            "posts": [],
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    procurement.refresh_from_db()
    assert procurement.name == "药品采购"
    assert procurement.active is False  # unticked
    assert not procurement.posts.exists()


def test_step_management_through_the_pages(world, login, catalogue):
    prescribing = catalogue["prescribing"]
    client = login(world.users["integrity"])
    detail = reverse("org:power_detail", args=[prescribing.pk])
    form = text(client.get(reverse("org:power_step_create", args=[prescribing.pk])))
    order_input = form.split('name="order"')[1].split(">")[0]
    assert "value=" not in order_input  # an untouched order puts the step last
    for name in ("开具处方", "药师审核"):
        response = client.post(
            reverse("org:power_step_create", args=[prescribing.pk]),
            {"name": name, "is_control_point": "on" if name == "药师审核" else ""},
        )
        assert response.status_code == 302 and response["Location"] == detail + "#flow"
    first, second = prescribing.steps.order_by("order")
    assert (first.key, second.key, second.is_control_point) == ("step-1", "step-2", True)
    client.post(reverse("org:power_step_move", args=[second.pk]), {"direction": "up"})
    assert list(prescribing.steps.order_by("order").values_list("name", flat=True)) == [
        "药师审核",
        "开具处方",
    ]
    response = client.post(
        reverse("org:power_step_edit", args=[first.pk]),
        {"name": "医师开具处方", "key": "prescribe", "order": "2"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.name, first.key) == ("医师开具处方", "prescribe")
    response = client.post(reverse("org:power_step_delete", args=[first.pk]))
    assert response.status_code == 302
    assert not PowerStep.objects.filter(pk=first.pk).exists()
    assert AuditEvent.objects.filter(action="power_step.delete").count() == 1


def test_deleting_a_step_with_risk_points_shows_the_reason(world, login, catalogue):
    choose = catalogue["procurement"].steps.get(key="choose")
    client = login(world.users["integrity"])
    edit = text(client.get(reverse("org:power_step_edit", args=[choose.pk])))
    assert "此环节上有 2 个风险点，不能删除" in edit
    assert reverse("org:power_step_delete", args=[choose.pk]) not in edit
    response = client.post(reverse("org:power_step_delete", args=[choose.pk]), follow=True)
    assert "环节“供应商遴选”上有 2 个风险点，不能删除" in text(response)
    assert PowerStep.objects.filter(pk=choose.pk).exists()
    assert RiskPoint.objects.filter(step=choose).count() == 2


def test_a_power_without_a_single_department_shows_the_departments_of_its_posts(
    world, login, catalogue
):
    # 处方权 is exercised in every clinical department: no 承办部门 of its own, so the pages
    # and the public catalogue name the departments of the posts that exercise it.
    prescribing = catalogue["prescribing"]
    Power.objects.filter(pk=prescribing.pk).update(department=None)
    doctor = Post.objects.get(code="P-ZZYS")  # 心内科
    buyer = Post.objects.get(code="P-CGY")  # 采购中心
    prescribing.posts.set([doctor, buyer])
    client = login(world.users["integrity"])
    detail = text(client.get(reverse("org:power_detail", args=[prescribing.pk])))
    info = detail.split('data-testid="power-info"')[1].split("</dl>")[0]
    handled = info.split("承办部门")[1].split("</dd>")[0]
    assert doctor.department.name in handled and buyer.department.name in handled
    assert reverse("org:department_detail", args=[doctor.department_id]) in handled
    listing = text(client.get(reverse("org:power_list")))
    row = listing.split(f'href="{reverse("org:power_detail", args=[prescribing.pk])}"')[1]
    cell = row.split("</tr>")[0]
    assert "等 2 个科室" in cell
    assert doctor.department.name in cell and buyer.department.name in cell
    power = Power.objects.prefetch_related("posts__department").get(pk=prescribing.pk)
    assert sorted(power.handled_by.split("、")) == sorted(
        [doctor.department.name, buyer.department.name]
    )
