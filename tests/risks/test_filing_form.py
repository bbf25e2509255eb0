"""The risk point form as a staff member files with it (issue 9, item 5): the post chosen for
them, the powers of that post, the steps of the chosen power fetched from the options URL,
the fields the filing requires marked, L and C in words, the library's starting points, the
first measure written with the point (so the point can be submitted at once), and 我的风险点's
新增 button."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.core.models import AuditEvent
from lianfang.org.models import Post
from lianfang.reviews.models import Submission
from lianfang.risks.models import Measure, RiskPoint
from tests.risks.factories import make_power
from tests.risks.register_data import build_register

pytestmark = pytest.mark.django_db

DRUG_PROCUREMENT = "urn:lianfang:hospital:power:drug-procurement"
DRUG_STEPS = [
    ("plan", "编制采购计划"),
    ("order", "平台下单"),
    ("receive", "验收入库"),
    ("stocktake", "库存盘点与报损"),
    ("settle", "对账结算"),
]


@pytest.fixture
def register(world):
    return build_register(world)


@pytest.fixture
def doctor_post(world):
    return Post.objects.get(code="P-ZZYS")


def library_power(world, post, urn=DRUG_PROCUREMENT, code="YY-CG-01", name="药品采购与库存管理"):
    """A power of the catalogue that came from the hospital pack, with the doctor's post
    among its 承办岗位."""
    power = make_power(world.hospital, name, code, department=world.procurement, steps=DRUG_STEPS)
    power.library_urn = urn
    power.library_version = 2
    power.save()
    power.posts.add(post)
    return power


def text(response):
    return response.content.decode()


def select(page, name):
    found = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert found, name
    return found.group(0)


def suggestions_of(page):
    found = re.search(
        r'<script id="lf-point-suggestions" type="application/json">(.*?)</script>', page, re.S
    )
    return json.loads(found.group(1)) if found else None


def new_point(**extra):
    data = {
        "subject": "post",
        "post": "",
        "power": "",
        "step": "",
        "category": "post_duty",
        "name": "门诊处方中夹带自费药品",
        "manifestation": "主治医师在门诊处方中夹带与病情无关的自费药品以获取提成",
        "likelihood": "2",
        "harm": "3",
        "source": "self",
        "measure_text": "",
        "measure_owner": "",
    }
    data.update(extra)
    return data


# The form ------------------------------------------------------------------------------------


def test_the_only_post_is_chosen_and_the_powers_are_the_posts(world, register, login):
    page = text(login(world.users["staff"]).get(reverse("risks:point_create")))
    posts = select(page, "post")
    doctor = Post.objects.get(code="P-ZZYS")
    assert f'<option value="{doctor.pk}" selected>' in posts
    powers = select(page, "power")
    # 处方开具 is 心内科's power; 药品耗材采购 and 资金支付 are other departments'
    assert "处方开具" in powers
    assert "药品耗材采购" not in powers and "资金支付" not in powers
    assert "已按所选岗位列出相关的权力事项" in page
    assert 'data-testid="powers-all"' in page


def test_an_officer_sees_every_power_and_no_post_chosen(world, register, login):
    page = text(login(world.users["integrity"]).get(reverse("risks:point_create")))
    powers = select(page, "power")
    assert "处方开具" in powers and "药品耗材采购" in powers and "资金支付" in powers
    assert re.findall(r"<option value=\"(\d*)\" selected>", select(page, "post")) == [""]


def test_the_post_asked_for_is_chosen_and_held_posts_come_first(world, register, login):
    client = login(world.users["dept_head"])  # heads 心内科, holds 科主任
    doctor = Post.objects.get(code="P-ZZYS")
    page = text(client.get(reverse("risks:point_create"), {"post": doctor.pk}))
    assert f'<option value="{doctor.pk}" selected>' in select(page, "post")
    page = text(client.get(reverse("risks:point_create")))
    options = re.findall(r'<option value="(\d+)"', select(page, "post"))
    assert options[0] == str(Post.objects.get(code="P-KZR").pk)
    # a post the user may not register for is not chosen (nor offered)
    buyer = Post.objects.get(code="P-CGY")
    page = text(client.get(reverse("risks:point_create"), {"post": buyer.pk}))
    assert f'value="{buyer.pk}"' not in select(page, "post")


def test_filing_fields_are_marked_and_scores_say_what_they_mean(world, register, login):
    page = text(login(world.users["staff"]).get(reverse("risks:point_create")))
    assert 'data-testid="filing-legend"' in page
    for name in ("likelihood", "harm", "step", "measure_text"):
        assert f'data-testid="filing-mark-{name}"' in page
    assert "备案时必填" in page
    likelihood = select(page, "likelihood")
    assert "1 = 极少发生" in likelihood and "3 = 经常发生" in likelihood
    harm = select(page, "harm")
    assert "1 = 影响轻微" in harm and "3 = 影响严重" in harm


def test_no_message_about_a_level_the_form_does_not_offer(world, register, login):
    page = text(login(world.users["staff"]).get(reverse("risks:point_create")))
    assert 'name="level"' not in page and 'name="reason"' not in page
    assert "人工指定风险等级时必须填写" not in page
    page = text(login(world.users["integrity"]).get(reverse("risks:point_create")))
    assert 'name="level"' in page and 'name="reason"' in page
    assert "在上方“风险等级”中人工指定等级" in page


def test_steps_offered_are_the_chosen_powers(world, register, login):
    point = register.head
    page = text(login(world.users["integrity"]).get(reverse("risks:point_edit", args=[point.pk])))
    steps = select(page, "step")
    assert "开具处方" in steps and "审核处方" in steps and "遴选供应商" not in steps
    assert 'data-testid="filing-mark-step"' in page


# The options URL -----------------------------------------------------------------------------


def options(client, **params):
    response = client.get(reverse("risks:point_form_options"), params)
    assert response.status_code == 200
    return response.json()


def test_options_give_the_powers_of_the_post_and_the_steps_of_the_power(
    world, register, login, doctor_post
):
    client = login(world.users["staff"])
    org = world.hospital.pk
    data = options(client, organisation=org, post=doctor_post.pk)
    assert data["filtered"] and [label for _, label in data["powers"]] == ["处方开具（QL-CF）"]
    assert data["steps"] == []
    data = options(client, organisation=org, post=doctor_post.pk, all="1")
    assert not data["filtered"] and len(data["powers"]) == 3
    data = options(client, organisation=org, power=register.prescribing.pk)
    assert [name for _, name in data["steps"]] == ["开具处方", "审核处方"]
    # another organisation's, or nonsense: nothing
    assert options(client, organisation=world.other_hospital.pk)["powers"] == []
    assert (
        options(client, organisation="x", post="-1", power="99999999999999999999")["powers"] == []
    )
    # a power of another organisation gives no steps
    data = options(client, organisation=org, power=register.other.power_id)
    assert data["steps"] == []


def test_suggestions_come_from_the_library_for_the_posts_powers(
    world, register, login, doctor_post
):
    power = library_power(world, doctor_post)
    client = login(world.users["staff"])
    page = text(client.get(reverse("risks:point_create")))
    found = suggestions_of(page)
    names = [s["name"] for s in found]
    assert "绕开平台线下采购药品" in names and "虚报过期破损药品" in names
    first = next(s for s in found if s["name"] == "绕开平台线下采购药品")
    assert first["power"] == power.pk
    assert first["step"] == power.steps.get(key="order").pk
    # pack scores 3 and 4 on 1..5, on the hospital's 3×3 matrix
    assert (first["likelihood"], first["harm"]) == (2, 3)
    assert "平台" in first["measure"] and first["manifestation"].startswith("采购员")
    assert 'data-testid="suggestions"' in page
    # the same from the options URL
    data = options(client, organisation=world.hospital.pk, post=doctor_post.pk)
    assert [s["key"] for s in data["suggestions"]] == [s["key"] for s in found]


def test_suggestions_already_registered_come_last(world, register, login, doctor_post):
    library_power(world, doctor_post)
    client = login(world.users["staff"])
    first = suggestions_of(text(client.get(reverse("risks:point_create"))))[0]
    RiskPoint.objects.filter(pk=register.doctor.pk).update(name=first["name"])
    found = suggestions_of(text(client.get(reverse("risks:point_create"))))
    assert found[-1]["name"] == first["name"] and found[-1]["registered"]
    assert not found[0]["registered"]


def test_options_make_the_same_queries_for_more_powers(world, register, login, doctor_post):
    library_power(world, doctor_post)
    client = login(world.users["staff"])
    url = reverse("risks:point_form_options")
    params = {"organisation": world.hospital.pk, "post": doctor_post.pk}
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    library_power(
        world,
        doctor_post,
        urn="urn:lianfang:hospital:power:consumables-procurement",
        code="YY-CG-03",
        name="医用耗材准入与采购",
    )
    make_power(world.hospital, "科室排班", "QL-PB", department=world.cardiology, steps=["排班"])
    with CaptureQueriesContext(connection) as many:
        data = client.get(url, params).json()
    assert len(data["powers"]) == 4
    assert len(many) == len(few)


# Saving and filing -----------------------------------------------------------------------------


def test_a_point_with_its_first_measure_can_be_submitted_at_once(
    world, register, login, doctor_post
):
    client = login(world.users["staff"])
    step = register.prescribing.steps.get(order=1)
    data = new_point(
        post=doctor_post.pk,
        power=register.prescribing.pk,
        step=step.pk,
        measure_text="处方点评小组每月抽查 5% 门诊处方，结果在科务会通报",
        measure_owner=world.staff_person.pk,
    )
    response = client.post(reverse("risks:point_create"), data)
    assert response.status_code == 302
    point = RiskPoint.objects.get(name="门诊处方中夹带自费药品")
    assert point.author == world.users["staff"] and point.status == RiskPoint.Status.DRAFT
    measure = point.measures.get()
    assert measure.owner_person == world.staff_person and "每月抽查" in measure.text
    actions = set(
        AuditEvent.objects.filter(object_id__in=[str(point.pk), str(measure.pk)]).values_list(
            "action", flat=True
        )
    )
    assert {"risk_point.create", "measure.create"} <= actions
    response = client.post(reverse("risks:point_file", args=[point.pk]))
    assert response.status_code == 302
    assert Submission.objects.open().of(point).exists()


def test_a_draft_saves_without_the_filing_fields(world, register, login, doctor_post):
    client = login(world.users["staff"])
    data = new_point(post=doctor_post.pk, power=register.prescribing.pk, likelihood="", harm="")
    assert client.post(reverse("risks:point_create"), data).status_code == 302
    point = RiskPoint.objects.get(name="门诊处方中夹带自费药品")
    assert point.level is None and not point.measures.exists()


def test_a_measure_without_owner_is_refused_and_nothing_saved(world, register, login, doctor_post):
    client = login(world.users["staff"])
    data = new_point(
        post=doctor_post.pk,
        power=register.prescribing.pk,
        measure_text="处方点评小组每月抽查 5% 门诊处方，结果在科务会通报",
    )
    page = text(client.post(reverse("risks:point_create"), data))
    assert "填写了防控措施时须选择措施责任人" in page
    assert not RiskPoint.objects.filter(name="门诊处方中夹带自费药品").exists()
    assert not Measure.objects.filter(text__contains="处方点评小组每月抽查 5%").exists()


def test_a_refused_measure_leaves_no_point(world, register, login, doctor_post):
    """The service writes the point and its measure in one transaction."""
    from lianfang.risks import services

    with pytest.raises(ValidationError) as refused:
        services.risk_point_create_with_measure(
            actor=world.users["staff"],
            organisation=world.hospital,
            data={
                "subject": "post",
                "post": doctor_post,
                "power": register.prescribing,
                "category": "post_duty",
                "name": "一次写入",
                "manifestation": "主治医师在门诊处方中夹带与病情无关的自费药品以获取提成",
                "source": "self",
            },
            measure={"text": "每月抽查处方", "owner_person": None, "owner_department": None},
        )
    assert "measure_owner" in refused.value.message_dict
    assert not RiskPoint.objects.filter(name="一次写入").exists()


# 我的风险点 -------------------------------------------------------------------------------------


def test_my_risk_points_offer_a_new_one_for_the_post(world, register, login, doctor_post):
    page = text(login(world.users["staff"]).get(reverse("risks:mine")))
    url = f"{reverse('risks:point_create')}?post={doctor_post.pk}"
    assert f'href="{url}" data-testid="add-point"' in page


def test_every_matrix_size_says_what_each_score_means():
    from lianfang.risks import grading
    from lianfang.risks.models import GradingScheme

    for size in (3, 4, 5):
        scheme = GradingScheme(matrix_size=size)
        for field in ("likelihood", "harm"):
            choices = grading.score_choices(scheme, field)
            assert [n for n, _ in choices] == list(range(1, size + 1))
            labels = [label.split(" = ")[1] for _, label in choices]
            assert len(set(labels)) == size  # each score its own words
    five = GradingScheme(matrix_size=5)
    assert grading.score_choices(five, "likelihood")[0] == (1, "1 = 极少发生")
    assert grading.score_choices(five, "harm")[-1] == (5, "5 = 影响特别严重")


def test_options_ignore_a_post_the_user_may_not_register_for(world, register, login):
    client = login(world.users["staff"])
    buyer = Post.objects.get(code="P-CGY")  # 采购中心's post: not the staff member's
    data = options(client, organisation=world.hospital.pk, post=buyer.pk)
    assert not data["filtered"] and data["suggestions"] == []
