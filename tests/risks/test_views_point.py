"""A risk point's page and its actions: edit (a changed level asks for the reason), file
(refused with every vagueness reason), review, retire, measures; who is offered what."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from lianfang.core.roles import Role
from lianfang.org.models import Organisation, Post
from lianfang.risks.models import GenericPhrase, Measure, RiskPoint, RiskPointEvent
from tests.factories import make_user, writes_below
from tests.risks.register_data import build_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(world):
    return build_register(world)


def text(response):
    return response.content.decode()


def detail(point):
    return reverse("risks:point_detail", args=[point.pk])


def actions(page):
    found = re.search(r'data-testid="point-actions">(.*?)</div>', page, re.S)
    if not found:
        return set()
    block = found.group(1)
    labels = {
        "编辑": "edit",
        "关联措施": "link",
        "提交备案": "file",
        "重新提交备案": "file",
        "直接备案": "file_directly",
        "请求变更": "request_change",
        "复核": "review",
        "停用": "retire",
    }
    return {key for label, key in labels.items() if f"</i> {label}<" in block}


def point_data(power, step=None, post=None, **extra):
    data = {
        "subject": "post",
        "post": post.pk if post else "",
        "department": "",
        "power": power.pk,
        "step": step.pk if step else "",
        "category": "post_duty",
        "name": "门诊处方中夹带自费药品",
        "manifestation": "主治医师在门诊处方中夹带与病情无关的自费药品以获取提成",
        "likelihood": "2",
        "harm": "3",
        "source": "self",
        "level": "",
        "reason": "",
    }
    data.update(extra)
    return data


# Reading -------------------------------------------------------------------------------------


def test_detail_shows_fields_monitors_measures_and_links(world, register, login):
    world.hospital.principal_leader = world.leader_person
    world.hospital.save()
    page = text(login(world.users["integrity"]).get(detail(register.doctor)))
    for snippet in [
        "开大处方收取回扣",
        "超剂量、超疗程",  # 表现形式
        "处方开具",
        "开具处方",
        "岗位职责风险",
        "一级",
        "处方点评每月抽查",  # the measure
        "张医生",  # its owner
    ]:
        assert snippet in page, snippet
    monitors = re.search(r'data-testid="monitors">(.*?)</ul>', page, re.S).group(1)
    assert "单位主要负责人" in monitors and "王副院长" in monitors  # level 1 rule
    assert reverse("org:power_detail", args=[register.prescribing.pk]) in page
    assert reverse("risks:department", args=[world.cardiology.pk]) in page
    assert reverse("org:post_detail", args=[register.doctor.post_id]) in page
    assert reverse("risks:measure_detail", args=[register.measure.pk]) in page


@pytest.mark.parametrize(
    "role, point, status",
    [
        ("staff", "head", 404),  # another post of the same department
        ("staff", "doctor", 200),
        ("dept_head", "cardiology", 200),
        ("dept_head", "buyer", 404),
        ("leader", "doctor", 404),
        ("leader", "finance", 200),
        ("integrity", "other", 404),  # another hospital
        ("commission_integrity", "other", 200),
        ("outsider", "doctor", 404),
    ],
)
def test_detail_scope(world, register, login, role, point, status):
    response = login(world.users[role]).get(detail(getattr(register, point)))
    assert response.status_code == status


@pytest.mark.parametrize(
    "role, point, expected",
    [
        ("integrity", "doctor", {"edit", "link", "review", "retire"}),  # filed
        ("integrity", "cardiology", {"edit", "link", "file_directly", "retire"}),  # draft
        ("admin", "cardiology", {"edit", "link", "retire"}),  # files nothing: not the office
        ("dept_head", "cardiology", {"edit", "link", "file"}),  # a draft of their department
        # filed, of their department and without author: theirs to ask a change of
        ("dept_head", "doctor", {"request_change", "review"}),
        ("staff", "doctor", set()),  # filed, and not theirs (no author: the department's)
        ("leader", "buyer", set()),
    ],
)
def test_actions_offered(world, register, login, role, point, expected):
    page = text(login(world.users[role]).get(detail(getattr(register, point))))
    assert actions(page) == expected


def test_staff_may_act_on_their_own_posts_draft_points_only(world, register, login):
    RiskPoint.objects.filter(pk=register.doctor.pk).update(status=RiskPoint.Status.DRAFT)
    client = login(world.users["staff"])
    # a draft of their post edited by all who hold it, filed by its owner: here its department
    assert actions(text(client.get(detail(register.doctor)))) == {"edit", "link"}
    RiskPoint.objects.filter(pk=register.doctor.pk).update(author=world.users["staff"])
    assert actions(text(client.get(detail(register.doctor)))) == {"edit", "link", "file"}
    # nor does a colleague on the same post file the staff member's draft
    colleague = make_user("colleague", (Role.STAFF, world.hospital), person=world.colleague_person)
    assert actions(text(login(colleague).get(detail(register.doctor)))) == {"edit", "link"}
    response = login(colleague).post(reverse("risks:point_file", args=[register.doctor.pk]))
    assert response.status_code == 403
    client = login(world.users["staff"])
    # the colleague's point on the same department but another post stays out of reach
    assert client.get(reverse("risks:point_edit", args=[register.head.pk])).status_code == 404


def test_staff_cannot_edit_a_filed_point(world, register, login):
    client = login(world.users["staff"])
    assert client.get(reverse("risks:point_edit", args=[register.doctor.pk])).status_code == 403
    response = client.post(reverse("risks:point_file", args=[register.doctor.pk]))
    assert response.status_code == 403


def test_timeline_shows_who_what_from_to_and_why(world, register, login):
    client = login(world.users["integrity"])
    url = reverse("risks:point_edit", args=[register.head.pk])
    data = point_data(
        register.prescribing,
        step=register.head.step,
        post=register.head.post,
        name=register.head.name,
        likelihood="3",
        harm="3",
        reason="去年发生同类案件，可能性上调",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    page = text(client.get(detail(register.head)))
    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', page, re.S).group(1)
    assert "调整等级" in timeline and "修改" in timeline
    assert re.search(r"风险等级：<span class=\"lf-old\">二级</span> → <span>一级</span>", timeline)
    assert re.search(r"可能性：<span class=\"lf-old\">2</span> → <span>3</span>", timeline)
    assert "去年发生同类案件，可能性上调" in timeline
    assert "integrity" in timeline  # who


# Creating and editing ---------------------------------------------------------------------


def test_staff_creates_a_point_on_their_post(world, register, login):
    client = login(world.users["staff"])
    url = reverse("risks:point_create")
    page = text(client.get(url))
    # a staff member registers for their own post only
    assert 'value="post"' in page and 'value="unit"' not in page
    assert 'value="department"' not in page and 'name="department"' not in page
    assert "主治医师" in page and "采购员" not in page
    post = Post.objects.get(code="P-ZZYS")
    step = register.prescribing.steps.get(order=1)
    response = client.post(url, point_data(register.prescribing, step=step, post=post))
    assert response.status_code == 302
    point = RiskPoint.objects.get(name="门诊处方中夹带自费药品")
    assert point.status == RiskPoint.Status.DRAFT and point.department == world.cardiology
    assert point.level == 1  # 2 × 3 = 6 on the default 3×3 matrix
    assert point.events.filter(type=RiskPointEvent.Type.CREATED).exists()
    # a post the staff member does not hold is refused by the form
    other = Post.objects.get(code="P-CGY")
    response = client.post(url, point_data(register.prescribing, post=other, name="越权"))
    assert response.status_code == 200 and not RiskPoint.objects.filter(name="越权").exists()


def test_form_errors_are_chinese_and_nothing_is_saved(world, register, login):
    client = login(world.users["integrity"])
    url = reverse("risks:point_create")
    step = register.procurement_power.steps.get()
    data = point_data(
        register.prescribing, step=step, post=Post.objects.get(code="P-ZZYS"), manifestation=""
    )
    page = text(client.post(url, data))
    assert "所选流程环节不属于该权力事项" in page
    data = point_data(register.prescribing, subject="department", department="")
    page = text(client.post(url, data))
    assert "对象为科室时须选择科室" in page
    assert not RiskPoint.objects.filter(name="门诊处方中夹带自费药品").exists()


def test_manual_level_needs_a_reason_on_create(world, register, login):
    client = login(world.users["integrity"])
    data = point_data(register.prescribing, post=Post.objects.get(code="P-ZZYS"), level="3")
    page = text(client.post(reverse("risks:point_create"), data))
    assert "须填写调整原因" in page
    data["reason"] = "已有信息化监控，实际可能性低"
    assert client.post(reverse("risks:point_create"), data).status_code == 302
    point = RiskPoint.objects.get(name="门诊处方中夹带自费药品")
    assert point.level == 3 and point.level_manual


def test_a_changed_level_asks_for_the_reason(world, register, login):
    client = login(world.users["integrity"])
    point = register.head  # 2 × 2 → 二级
    url = reverse("risks:point_edit", args=[point.pk])
    data = point_data(
        register.prescribing,
        step=point.step,
        post=point.post,
        name=point.name,
        likelihood="3",
        harm="3",
    )
    page = text(client.post(url, data))
    assert "风险等级将由“二级（中）”变为“一级（高）”，请填写变更原因" in page
    point.refresh_from_db()
    assert point.level == 2 and point.likelihood == 2
    # unchanged level: no reason needed
    data.update(
        likelihood="2", harm="2", manifestation="科主任在调整科室用药目录时引入关联企业的药品"
    )
    assert client.post(url, data).status_code == 302
    point.refresh_from_db()
    assert point.level == 2 and "关联企业" in point.manifestation


def test_edit_form_keeps_the_current_values(world, register, login):
    page = text(
        login(world.users["integrity"]).get(reverse("risks:point_edit", args=[register.head.pk]))
    )
    assert "科室用药目录调整中的利益输送" in page
    assert re.search(r'<option value="2" selected>2 = 可能发生</option>', page)
    assert "data-step-select" in page and 'data-power="' in page


def test_commission_officer_first_chooses_the_organisation(world, register, login):
    writes_below(world.users["commission_integrity"])  # granted 下级单位可写
    client = login(world.users["commission_integrity"])
    page = text(client.get(reverse("risks:point_create")))
    assert 'data-testid="organisation-choice"' in page and "示例市第二医院" in page
    page = text(
        client.get(reverse("risks:point_create"), {"organisation": world.other_hospital.pk})
    )
    assert "单位：示例市第二医院" in page and "主治医师" not in page
    # an organisation outside the officer's reach falls back to the choice
    outside = Organisation.objects.create(name="外市医院", code="OUT", path="/999/")
    page = text(client.get(reverse("risks:point_create"), {"organisation": outside.pk}))
    assert 'data-testid="organisation-choice"' in page and "外市医院" not in page


def test_create_is_refused_to_a_user_who_may_register_nowhere(world, login):
    from lianfang.core.roles import Role
    from tests.factories import make_user

    user = make_user("lonely", (Role.STAFF, world.hospital))
    assert login(user).get(reverse("risks:point_create")).status_code == 403


# Filing ----------------------------------------------------------------------------------------


def test_filing_refused_shows_every_vagueness_reason(world, register, login):
    GenericPhrase.objects.get_or_create(phrase="有待进一步规范", organisation=None)
    point = register.cardiology  # a department point without a step nor a measure
    RiskPoint.objects.filter(pk=point.pk).update(manifestation="程序有待进一步规范")
    client = login(world.users["dept_head"])
    response = client.post(reverse("risks:point_file", args=[point.pk]))
    assert response.status_code == 200
    refused = re.search(r'data-testid="file-refused">(.*?)</div>', text(response), re.S).group(1)
    assert "须指明风险点所在的环节" in refused
    assert "须至少有一条防控措施" in refused
    assert "有待进一步规范" in refused
    assert "表现形式过于简短" in refused
    assert refused.count("<li>") >= 4
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.DRAFT


def test_filing_a_complete_point(world, register, login):
    """The head submits their department's point; their own level is passed over (nobody
    approves their own filing) and the integrity office files it."""
    point = register.head
    client = login(world.users["dept_head"])
    response = client.post(reverse("risks:point_file", args=[point.pk]))
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.DRAFT
    page = text(client.get(detail(point)))
    assert "已提交备案审核，待纪检监察部门审核" in page
    assert 'data-testid="in-review"' in page and 'data-testid="review-panel"' in page
    assert actions(page) == set()  # submitted: left as sent until decided
    assert 'data-testid="approve-button"' not in page

    office = login(world.users["integrity"])
    page = text(office.get(detail(point)))
    assert 'data-testid="approve-button"' in page
    response = office.post(reverse("risks:point_approve", args=[point.pk]), {"note": "同意"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.FILED
    page = text(login(world.users["dept_head"]).get(detail(point)))
    assert actions(page) == {"request_change", "review"}  # filed: changes through the chain


# Review and retire ---------------------------------------------------------------------------


def test_review_moves_the_next_review(world, register, login):
    client = login(world.users["integrity"])
    url = reverse("risks:point_review", args=[register.doctor.pk])
    assert "复核意见" in text(client.get(url))
    response = client.post(url, {"text": "措施落实到位，维持一级"})
    assert response.status_code == 302
    point = RiskPoint.objects.get(pk=register.doctor.pk)
    assert point.last_reviewed == dt.date.today()
    assert point.review_due == dt.date.today() + dt.timedelta(days=90)
    event = point.events.get(type=RiskPointEvent.Type.REVIEWED)
    assert event.reason == "措施落实到位，维持一级"
    assert "开大处方收取回扣" not in text(client.get(reverse("risks:overdue")))


def test_retire_needs_a_reason(world, register, login):
    client = login(world.users["integrity"])
    url = reverse("risks:point_retire", args=[register.buyer.pk])
    page = text(client.post(url, {"text": "  "}))
    assert "这个字段是必填项" in page or "必填" in page
    assert RiskPoint.objects.get(pk=register.buyer.pk).status != RiskPoint.Status.RETIRED
    assert client.post(url, {"text": "采购改为平台集中采购"}).status_code == 302
    point = RiskPoint.objects.get(pk=register.buyer.pk)
    assert point.status == RiskPoint.Status.RETIRED
    assert point.events.get(type=RiskPointEvent.Type.RETIRED).reason == "采购改为平台集中采购"
    assert "供应商遴选中透露标底" not in text(client.get(reverse("risks:register")))


def test_retire_is_not_for_the_department_head_nor_review_of_a_draft(world, register, login):
    client = login(world.users["dept_head"])
    assert client.get(reverse("risks:point_retire", args=[register.doctor.pk])).status_code == 403
    url = reverse("risks:point_review", args=[register.cardiology.pk])  # a draft
    assert client.get(url).status_code == 403


# Measures ---------------------------------------------------------------------------------------


def test_create_a_measure_for_a_point(world, register, login):
    point = register.cardiology
    client = login(world.users["dept_head"])
    url = reverse("risks:point_measures", args=[point.pk])
    page = text(client.get(url))
    assert "处方点评每月抽查" in page  # an existing measure to link
    response = client.post(
        url,
        {
            "action": "create",
            "new-text": "科室药品使用量每月排名前十公示",
            "new-owner_kind": "department",
            "new-owner_department": world.cardiology.pk,
            "new-due": "2030-01-31",
            "new-status": "planned",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get(text="科室药品使用量每月排名前十公示")
    assert measure.owner_department == world.cardiology and measure.owner_person is None
    assert list(measure.risk_points.all()) == [point]
    assert point.events.filter(type=RiskPointEvent.Type.MEASURE_LINKED).exists()


def test_measure_needs_its_owner(world, register, login):
    client = login(world.users["integrity"])
    url = reverse("risks:point_measures", args=[register.cardiology.pk])
    page = text(
        client.post(
            url,
            {
                "action": "create",
                "new-text": "无主措施",
                "new-owner_kind": "person",
                "new-status": "planned",
            },
        )
    )
    assert "请选择责任人" in page and not Measure.objects.filter(text="无主措施").exists()


def test_link_and_unlink_an_existing_measure(world, register, login):
    point = register.cardiology
    client = login(world.users["integrity"])
    url = reverse("risks:point_measures", args=[point.pk])
    response = client.post(url, {"action": "link", "measure": register.measure.pk})
    assert response.status_code == 302
    assert point.measures.filter(pk=register.measure.pk).exists()
    response = client.post(reverse("risks:point_unlink", args=[point.pk, register.measure.pk]))
    assert response.status_code == 302
    assert not point.measures.exists()
    assert point.events.filter(type=RiskPointEvent.Type.MEASURE_UNLINKED).exists()
    page = text(client.get(detail(point)))
    assert "解除措施" in page and "处方点评每月抽查" in page  # in the timeline


def test_measure_of_another_hospital_cannot_be_linked(world, register, login):
    from tests.risks.factories import make_measure

    foreign = make_measure(world.other_hospital, "外院措施", owner_person=world.other_person)
    writes_below(world.users["commission_integrity"])  # granted 下级单位可写
    client = login(world.users["commission_integrity"])
    url = reverse("risks:point_measures", args=[register.cardiology.pk])
    response = client.post(url, {"action": "link", "measure": foreign.pk})
    assert response.status_code == 200
    assert not register.cardiology.measures.exists()


def test_measure_detail_and_edit(world, register, login):
    measure = register.measure
    client = login(world.users["integrity"])
    page = text(client.get(reverse("risks:measure_detail", args=[measure.pk])))
    assert "开大处方收取回扣" in page and "科室用药目录调整中的利益输送" in page
    assert reverse("risks:measure_edit", args=[measure.pk]) in page
    response = client.post(
        reverse("risks:measure_edit", args=[measure.pk]),
        {
            "text": measure.text,
            "owner_kind": "person",
            "owner_person": world.staff_person.pk,
            "due": "",
            "status": "in_place",
        },
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == Measure.Status.IN_PLACE
    page = text(client.get(detail(register.doctor)))
    assert "措施状态" in page and "已落实" in page  # the point's timeline names the change


def test_measure_scope(world, register, login):
    url = reverse("risks:measure_detail", args=[register.measure.pk])
    # the staff member owns it and sees only their own post's point among those it covers
    page = text(login(world.users["staff"]).get(url))
    assert "开大处方收取回扣" in page and "科室用药目录调整中的利益输送" not in page
    assert reverse("risks:measure_edit", args=[register.measure.pk]) not in page
    assert login(world.users["leader"]).get(url).status_code == 404
    edit = reverse("risks:measure_edit", args=[register.measure.pk])
    assert login(world.users["staff"]).get(edit).status_code == 403


def test_detail_names_the_posts_holders_the_user_may_see(world, register, login):
    page = text(login(world.users["integrity"]).get(detail(register.doctor)))
    assert reverse("risks:person", args=[world.staff_person.pk]) in page
    assert reverse("risks:person", args=[world.colleague_person.pk]) in page
    page = text(login(world.users["staff"]).get(detail(register.doctor)))
    assert reverse("risks:person", args=[world.staff_person.pk]) in page
    assert reverse("risks:person", args=[world.colleague_person.pk]) not in page


def test_department_head_registers_for_their_department(world, register, login):
    client = login(world.users["dept_head"])
    url = reverse("risks:point_create")
    page = text(client.get(url))
    assert 'value="department"' in page and 'value="unit"' not in page
    assert "采购中心" not in page  # not their department
    assert 'name="level"' not in page  # the level by hand is the integrity office's
    data = point_data(
        register.prescribing,
        step=register.prescribing.steps.get(order=2),
        subject="department",
        department=world.cardiology.pk,
        name="科室二次分配中的利益输送",
        likelihood="1",
        harm="1",
    )
    assert client.post(url, data).status_code == 302
    point = RiskPoint.objects.get(name="科室二次分配中的利益输送")
    assert point.subject == "department" and point.post is None and point.level == 3
    # it shows up on the department's page
    page = text(client.get(reverse("risks:department", args=[world.cardiology.pk])))
    assert "科室二次分配中的利益输送" in page
