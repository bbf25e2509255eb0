"""The review chain's pages, as each role: the point's review panel and decisions, the 待审
list with its batch approval, a change request's form, the chain settings, the to-do counts
on the home page and the menu's badges.

The world (tests/factories.build_world): 张医生 (staff) holds 主治医师 in 心内科, whose head
李主任 (dept_head) holds 科主任; 王副院长 (leader) is in charge of 采购中心 and 财务科; the
hospital's integrity office (integrity) and administrator (admin); the outsider works in the
other hospital.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.org.models import Post
from lianfang.reviews.models import ChainSetting, Level, Submission
from lianfang.risks import services
from lianfang.risks.models import RiskPoint, RiskPointEvent
from tests.factories import make_user
from tests.risks.factories import make_power

pytestmark = pytest.mark.django_db

QUEUE = reverse("risks:review_queue")


def text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def detail(point):
    return reverse("risks:point_detail", args=[point.pk])


@pytest.fixture
def power(world):
    return make_power(
        world.hospital, "处方开具", "QL-CF", department=world.cardiology, steps=["开具处方"]
    )


def staff_draft(world, power, name="超剂量开具特定厂家药品", author="staff", post="P-ZZYS"):
    author = world.users[author]
    point = services.risk_point_create(
        actor=author,
        organisation=world.hospital,
        data={
            "subject": "post",
            "post": Post.objects.get(code=post),
            "power": power,
            "step": power.steps.first(),
            "category": "post_duty",
            "name": name,
            "manifestation": "主治医师为获取药品回扣，超剂量、超疗程开具特定厂家的药品",
            "likelihood": 2,
            "harm": 3,
        },
    )
    services.measure_create(
        actor=author,
        organisation=world.hospital,
        data={
            "text": "处方点评每月抽查超剂量处方，结果在科务会通报并约谈",
            "owner_person": world.staff_person,
            "risk_points": [point],
        },
    )
    return RiskPoint.objects.get(pk=point.pk)


@pytest.fixture
def submitted(world, power):
    """张医生's draft, submitted: it waits for the head of 心内科."""
    point = staff_draft(world, power)
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    return point


def queue_names(page):
    return set(re.findall(r'data-testid="review-row">.*?<a href="[^"]+">([^<]+)</a>', page, re.S))


# The 待审 list, as each role ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, listed",
    [
        ("dept_head", True),  # the level it waits at
        ("integrity", False),  # not yet theirs
        ("leader", False),  # not in charge of 心内科
        ("staff", False),  # their own
        ("admin", False),  # reviews nothing
        ("outsider", False),
    ],
)
def test_the_queue_lists_what_waits_for_the_user(world, submitted, login, role, listed):
    page = text(login(world.users[role]).get(QUEUE))
    assert (submitted.name in queue_names(page)) is listed
    assert (detail(submitted) in page) is listed


def test_the_queue_follows_the_submission_up_the_chain(world, submitted, login):
    services.risk_point_approve(actor=world.users["dept_head"], risk_point=submitted)
    assert submitted.name not in queue_names(text(login(world.users["dept_head"]).get(QUEUE)))
    page = text(login(world.users["integrity"]).get(QUEUE))
    assert queue_names(page) == {submitted.name}
    row = re.search(r'data-testid="review-row">(.*?)</tr>', page, re.S).group(1)
    assert "纪检监察部门" in row and "staff" in row  # the stage and the submitter
    assert 'data-testid="batch-choice"' not in page  # a first submission: one by one


def test_the_queue_filters_and_sorts(world, power, login):
    staff = world.users["staff"]
    first = staff_draft(world, power, "A：超剂量开具特定厂家药品")
    second = staff_draft(world, power, "B：超疗程开具特定厂家药品")
    for point in (first, second):
        services.risk_point_submit(actor=staff, risk_point=point)
    services.risk_point_return(actor=world.users["dept_head"], risk_point=second, reason="补充")
    services.risk_point_submit(actor=staff, risk_point=second)
    client = login(world.users["dept_head"])
    assert queue_names(text(client.get(QUEUE, {"unchanged": "on"}))) == {second.name}
    assert queue_names(text(client.get(QUEUE, {"q": "A："}))) == {first.name}
    assert queue_names(text(client.get(QUEUE, {"kind": "change"}))) == set()
    page = text(client.get(QUEUE, {"sort": "-name"}))
    assert page.index(second.name) < page.index(first.name)
    page = text(client.get(QUEUE, {"sort": "returns"}))
    assert page.index(first.name) < page.index(second.name)
    # hostile values are dropped, never an error
    assert text(client.get(QUEUE, {"level": "x", "kind": "y", "sort": "nope", "page": "-1"}))


def test_the_queue_costs_the_same_at_any_size(world, power, login):
    client = login(world.users["dept_head"])

    def count():
        client.get(QUEUE)
        with CaptureQueriesContext(connection) as ctx:
            page = text(client.get(QUEUE + "?per_page=200"))
        return len(ctx), len(queue_names(page))

    for i in range(2):
        point = staff_draft(world, power, f"待审风险点{i}")
        services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    small = count()
    for i in range(2, 12):
        point = staff_draft(world, power, f"待审风险点{i}")
        services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    large = count()
    assert (small[1], large[1]) == (2, 12)
    assert small[0] == large[0]


# Decisions on the point's page -------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status",
    [
        ("dept_head", 200),
        ("integrity", 403),  # sees it, not its level
        ("admin", 403),
        ("staff", 403),  # their own submission
        ("leader", 404),  # not in charge of 心内科: does not see it
        ("outsider", 404),
    ],
)
def test_who_may_return_it_as_each_role(world, submitted, login, role, status):
    client = login(world.users[role])
    url = reverse("risks:point_return", args=[submitted.pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"text": "请写明哪个环节"})
    assert response.status_code == (302 if status == 200 else status)
    returned = RiskPoint.objects.get(pk=submitted.pk).return_count
    assert returned == (1 if status == 200 else 0)
    response = client.post(reverse("risks:point_approve", args=[submitted.pk]))
    assert response.status_code in ((403,) if status == 200 else (status,))


def test_a_return_needs_its_reason_on_the_page(world, submitted, login):
    client = login(world.users["dept_head"])
    response = client.post(reverse("risks:point_return", args=[submitted.pk]), {"text": " "})
    assert response.status_code == 200
    assert RiskPoint.objects.get(pk=submitted.pk).return_count == 0


def test_the_point_page_shows_the_way_and_the_return(world, submitted, login):
    head = login(world.users["dept_head"])
    page = text(head.get(detail(submitted)))
    panel = re.search(r'data-testid="review-panel">(.*?)</section>', page, re.S).group(1)
    assert "部门负责人" in panel and "纪检监察部门" in panel and "待审核" in panel
    assert 'data-testid="approve-button"' in panel and 'data-testid="return-link"' in panel
    head.post(reverse("risks:point_return", args=[submitted.pk]), {"text": "请补充检查人"})
    page = text(login(world.users["staff"]).get(detail(submitted)))
    returned = re.search(r'data-testid="returned">(.*?)</div>\s*</div>', page, re.S).group(1)
    # the reason, and who returned it at which level
    assert "请补充检查人" in returned and "部门负责人 dept_head" in returned
    assert 'data-testid="return-count">1<' in page
    assert "重新提交备案" in page
    # the register and 我的风险点 show the return too
    mine = text(login(world.users["staff"]).get(reverse("risks:mine")))
    assert 'data-testid="filing-returned"' in mine and "请补充检查人" in mine


def test_the_office_skips_and_files_directly_from_the_pages(world, submitted, login, power):
    office = login(world.users["integrity"])
    page = text(office.get(detail(submitted)))
    assert 'data-testid="skip-link"' in page and 'data-testid="approve-button"' not in page
    response = office.post(
        reverse("risks:point_skip", args=[submitted.pk]), {"text": "科主任外出进修"}
    )
    assert response.status_code == 302
    assert Submission.objects.open().of(submitted).get().level == Level.INTEGRITY_OFFICE
    other = staff_draft(world, power, "另一个风险点")
    url = reverse("risks:point_file_directly", args=[other.pk])
    assert "直接备案理由" in text(office.get(url))
    assert office.post(url, {"text": ""}).status_code == 200  # the reason is required
    assert office.post(url, {"text": "专项检查发现"}).status_code == 302
    assert RiskPoint.objects.get(pk=other.pk).status == RiskPoint.Status.FILED
    assert login(world.users["admin"]).get(url).status_code == 403


def test_batch_approval_from_the_queue(world, power, login):
    staff, head = world.users["staff"], world.users["dept_head"]
    same = staff_draft(world, power, "原样重交的风险点")
    fresh = staff_draft(world, power, "首次提交的风险点")
    services.risk_point_submit(actor=staff, risk_point=same)
    services.risk_point_return(actor=head, risk_point=same, reason="请再核实")
    for point in (same, fresh):
        services.risk_point_submit(actor=staff, risk_point=point)
    client = login(head)
    page = text(client.get(QUEUE))
    assert page.count('data-testid="batch-choice"') == 1
    assert f'name="points" value="{same.pk}"' in page
    batch = reverse("risks:review_batch")
    response = client.post(batch, {"points": [same.pk, fresh.pk]}, follow=True)
    assert "与上次审核的版本不同" in text(response)
    assert Submission.objects.open().of(same).get().level == Level.DEPARTMENT_HEAD
    response = client.post(batch, {"points": [same.pk]}, follow=True)
    assert "已批量通过 1 项" in text(response)
    assert Submission.objects.open().of(same).get().level == Level.INTEGRITY_OFFICE
    # points the user may not decide, or does not see: refused outright
    assert login(staff).post(batch, {"points": [fresh.pk]}).status_code == 403
    assert login(world.users["outsider"]).post(batch, {"points": [fresh.pk]}).status_code == 403


# A change request --------------------------------------------------------------------------------


def test_the_owner_requests_a_change_from_the_form(world, submitted, login):
    services.risk_point_approve(actor=world.users["dept_head"], risk_point=submitted)
    services.risk_point_approve(actor=world.users["integrity"], risk_point=submitted)
    client = login(world.users["staff"])
    page = text(client.get(detail(submitted)))
    assert 'data-testid="request-change-link"' in page
    url = reverse("risks:point_request_change", args=[submitted.pk])
    form = text(client.get(url))
    assert "变更理由" in form and 'name="level"' not in form
    data = {
        "subject": "post",
        "post": submitted.post_id,
        "power": submitted.power_id,
        "step": submitted.step_id,
        "category": submitted.category,
        "name": "超剂量开具特定厂家药品（含院外处方）",
        "manifestation": submitted.manifestation,
        "likelihood": "2",
        "harm": "3",
        "source": "self",
        "reason": "",
    }
    assert client.post(url, data).status_code == 200  # the reason is required
    response = client.post(url, {**data, "reason": "院外处方同样存在"})
    assert response.status_code == 302
    point = RiskPoint.objects.get(pk=submitted.pk)
    assert point.name == submitted.name  # as filed until approved
    page = text(client.get(detail(point)))
    assert "变更审核中" in page and "超剂量开具特定厂家药品（含院外处方）" in page
    assert 'data-testid="proposed-changes"' in page
    assert 'data-testid="request-change-link"' not in page  # one change at a time
    # a colleague on the same post may not ask for changes of the staff member's point
    colleague = make_user("colleague", ("staff", world.hospital), person=world.colleague_person)
    assert login(colleague).get(url).status_code == 403


# Chain settings ----------------------------------------------------------------------------------


def test_the_chain_settings_pages(world, login):
    client = login(world.users["integrity"])
    page = text(client.get(reverse("risks:review_chain_index")))
    assert "部门负责人 → 纪检监察部门" in page and "默认" in page
    url = reverse("risks:review_chain_edit", args=[world.hospital.pk])
    response = client.post(url, {"mode": "own", "department_head": "on", "leader_in_charge": "on"})
    assert response.status_code == 302
    setting = ChainSetting.objects.get(organisation=world.hospital)
    assert setting.levels == ("department_head", "leader_in_charge", "integrity_office")
    assert "本单位设置" in text(client.get(reverse("risks:review_chain_index")))
    assert client.post(url, {"mode": "inherit"}).status_code == 302
    assert not ChainSetting.objects.exists()
    for role, status in [("dept_head", 403), ("staff", 403), ("leader", 403)]:
        assert login(world.users[role]).get(url).status_code == status
    assert (
        login(world.users["integrity"])
        .get(reverse("risks:review_chain_edit", args=[world.other_hospital.pk]))
        .status_code
        == 404
    )


# To-do counts and badges -------------------------------------------------------------------------


def badges(page):
    return re.findall(r'data-testid="nav-badge">([^<]+)<', page)


def todo(page, key):
    found = re.search(rf'data-testid="todo-{key}-value">(\d+)<', page)
    return int(found.group(1)) if found else None


def test_home_page_and_menu_count_what_needs_the_user(world, power, login):
    staff, head = world.users["staff"], world.users["dept_head"]
    first = staff_draft(world, power, "第一个风险点")
    second = staff_draft(world, power, "第二个风险点")
    for point in (first, second):
        services.risk_point_submit(actor=staff, risk_point=point)
    home = text(login(head).get("/"))
    assert todo(home, "to_review") == 2 and "2" in badges(home)
    home = text(login(staff).get("/"))
    assert todo(home, "to_review") is None  # no reviewer
    assert (todo(home, "returned"), todo(home, "waiting")) == (0, 2)
    services.risk_point_return(actor=head, risk_point=first, reason="请补充")
    home = text(login(staff).get("/"))
    assert (todo(home, "returned"), todo(home, "waiting")) == (1, 1)
    assert "退回 1" in badges(home)
    home = text(login(head).get("/"))
    assert todo(home, "to_review") == 1
    # the integrity office: nothing yet at its level
    home = text(login(world.users["integrity"]).get("/"))
    assert todo(home, "to_review") == 0 and badges(home) == []
    # resubmitted: no longer returned
    services.risk_point_submit(actor=staff, risk_point=first)
    assert badges(text(login(staff).get("/"))) == []


def test_the_register_marks_points_under_review_and_their_returns(world, submitted, login):
    services.risk_point_return(actor=world.users["dept_head"], risk_point=submitted, reason="补充")
    services.risk_point_submit(actor=world.users["staff"], risk_point=submitted)
    page = text(login(world.users["integrity"]).get(reverse("risks:register")))
    row = re.search(rf"{submitted.name}.*?</tr>", page, re.S).group(0)
    assert "审核中" in row and "↩1" in row


def test_timeline_shows_the_chain_in_words(world, submitted, login):
    services.risk_point_approve(actor=world.users["dept_head"], risk_point=submitted, note="属实")
    page = text(login(world.users["integrity"]).get(detail(submitted)))
    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', page, re.S).group(1)
    for words in ("提交备案审核", "审核通过", "跳过审核环节", "审核环节：", "转至："):
        assert words in timeline, words
    assert "本单位审核流程不含此级" in timeline and "属实" in timeline
    assert "department_head" not in timeline  # keys are shown as their labels
    assert RiskPointEvent.objects.filter(risk_point=submitted).count() >= 4
