"""The risk register API: risk points and measures, scoped by visible_to; writes by the rules
of risks/permissions.py through the services; refusals with stable codes."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lianfang.accounts.models import RoleGrant, User
from lianfang.core.roles import Role
from lianfang.org.models import Post, PostAssignment
from lianfang.risks.models import GenericPhrase, Measure, RiskPoint, RiskPointEvent
from tests.risks.factories import make_measure, make_power, make_risk_point
from tests.risks.register_data import TODAY, VISIBLE, build_register

pytestmark = pytest.mark.django_db

POINTS = reverse("api-risk-point-list")
MEASURES = reverse("api-measure-list")


@pytest.fixture
def register(world):
    return build_register(world)


@pytest.fixture
def api():
    def _client(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _client


def point_url(point, action=None):
    if action:
        return reverse(f"api-risk-point-{action}", args=[point.pk])
    return reverse("api-risk-point-detail", args=[point.pk])


def measure_url(measure):
    return reverse("api-measure-detail", args=[measure.pk])


def names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def codes(response):
    return {error["code"] for error in response.json()["errors"]}


# Reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_points_are_scoped_per_role(world, register, api, role):
    assert names(api(world.users[role]).get(POINTS)) == VISIBLE[role]


def test_staff_sees_only_their_posts_points_and_an_outsider_none_of_the_hospital(
    world, register, api
):
    assert names(api(world.users["staff"]).get(POINTS)) == {"开大处方收取回扣"}
    assert names(api(world.users["outsider"]).get(POINTS)) == {"外院手术排台收红包"}
    assert api(world.users["nobody"]).get(POINTS).status_code == 403
    assert APIClient().get(POINTS).status_code in (401, 403)


@pytest.mark.parametrize(
    "role, point, status",
    [
        ("staff", "doctor", 200),
        ("staff", "head", 404),  # a colleague's post in the same department
        ("dept_head", "buyer", 404),
        ("leader", "doctor", 404),
        ("integrity", "other", 404),  # another hospital
        ("commission_integrity", "other", 200),
        ("outsider", "doctor", 404),
    ],
)
def test_detail_outside_scope_is_404(world, register, api, role, point, status):
    response = api(world.users[role]).get(point_url(getattr(register, point)))
    assert response.status_code == status


def test_detail_carries_measures_monitors_and_timeline(world, register, api):
    world.hospital.principal_leader = world.leader_person
    world.hospital.save()
    client = api(world.users["integrity"])
    response = client.patch(
        point_url(register.doctor), {"harm": 2, "reason": "整改后危害降低"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = client.get(point_url(register.doctor)).json()
    assert data["name"] == "开大处方收取回扣"
    assert data["manifestation"].startswith("主治医师为获取药品回扣")
    assert (data["power_code"], data["step_name"], data["post_name"]) == (
        "QL-CF",
        "开具处方",
        "主治医师",
    )
    assert (data["likelihood"], data["harm"], data["risk_value"]) == (3, 2, 6)
    assert (data["level"], data["level_display"]) == (1, "一级（高）")
    assert data["review_overdue"] is True
    [measure] = data["measures"]
    assert measure["text"] == "处方点评每月抽查，超常处方公示并约谈"
    assert measure["owner_person_name"] == "张医生"
    monitors = {(m["role"], m["name"]) for m in data["monitors"]}
    assert ("principal_leader", "王副院长") in monitors  # the level 1 rule
    assert "integrity_office" in {m["role"] for m in data["monitors"]}
    [event] = data["events"]
    assert event["type"] == "updated" and event["actor_name"] == "integrity"
    assert event["changes"]["harm"] == [3, 2]
    assert event["reason"] == "整改后危害降低"


def test_list_rows_carry_measures_and_monitors(world, register, api):
    rows = api(world.users["staff"]).get(POINTS).json()["results"]
    [row] = rows
    assert [m["text"] for m in row["measures"]] == ["处方点评每月抽查，超常处方公示并约谈"]
    assert {m["role"] for m in row["monitors"]} == {"principal_leader", "integrity_office"}
    assert "events" not in row


def test_list_filters(world, register, api):
    client = api(world.users["commission_integrity"])
    assert names(client.get(POINTS, {"organisation": world.other_hospital.pk})) == {
        "外院手术排台收红包"
    }
    assert names(client.get(POINTS, {"department": world.finance.pk})) == {"违规支付工程款"}
    assert names(client.get(POINTS, {"post": Post.objects.get(code="P-CGY").pk})) == {
        "供应商遴选中透露标底"
    }
    assert names(client.get(POINTS, {"power": register.procurement_power.pk})) == {
        "供应商遴选中透露标底"
    }
    assert names(client.get(POINTS, {"level": 0})) == {"违规支付工程款"}
    assert names(client.get(POINTS, {"category": "system_mechanism"})) == {"科室集体收受药企赞助"}
    assert names(client.get(POINTS, {"overdue": "true"})) == {"开大处方收取回扣"}
    assert names(client.get(POINTS, {"q": "大处方"})) == {"开大处方收取回扣"}
    assert names(client.get(POINTS, {"status": "retired"})) == {"已停用的旧风险点"}
    assert "已停用的旧风险点" in names(client.get(POINTS, {"status": "all"}))
    assert "已停用的旧风险点" not in names(client.get(POINTS))
    # an organisation the caller does not see matches nothing
    staff = api(world.users["staff"])
    assert names(staff.get(POINTS, {"organisation": world.other_hospital.pk})) == set()


def test_bad_filter_is_a_400_with_codes(world, register, api):
    response = api(world.users["integrity"]).get(POINTS, {"level": "7", "status": "x"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "查询参数有误。"
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("level", "invalid_choice"),
        ("status", "invalid_choice"),
    }


# Writing: risk points ---------------------------------------------------------------------------


def create_data(world, register, **extra):
    data = {
        "organisation": world.hospital.pk,
        "subject": "post",
        "post": Post.objects.get(code="P-ZZYS").pk,
        "power": register.prescribing.pk,
        "step": register.prescribing.steps.get(order=1).pk,
        "category": "post_duty",
        "name": "门诊处方中夹带自费药品",
        "manifestation": "主治医师在门诊处方中夹带与病情无关的自费药品以获取提成",
        "likelihood": 2,
        "harm": 3,
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ["staff", "dept_head", "leader", "outsider"])
def test_writes_the_rule_does_not_allow_are_refused(world, register, api, role):
    """Filed points are changed and retired by the integrity office and the administrators
    only, reviewed by them and the department's head: a 403 to others who see the point, a
    404 to those who do not
    (tests/risks/test_permissions.py proves every rule from the page and the API)."""
    client = api(world.users[role])
    sees = role in ("staff", "dept_head")
    writes = [
        client.patch(point_url(register.doctor), {"name": "改名", "reason": "x"}, format="json"),
        client.post(point_url(register.doctor, "retire"), {"reason": "x"}, format="json"),
    ]
    if role != "dept_head":  # the head reviews their department's points
        writes.append(
            client.post(point_url(register.doctor, "review"), {"note": "x"}, format="json")
        )
    for response in writes:
        assert response.status_code == (403 if sees else 404)
        if sees:
            assert "纪检监察" in response.json()["detail"]
    register.doctor.refresh_from_db()
    assert (register.doctor.name, register.doctor.status) == ("开大处方收取回扣", "filed")
    assert not register.doctor.events.exists()


def test_integrity_creates_a_graded_draft(world, register, api):
    response = api(world.users["integrity"]).post(
        POINTS, create_data(world, register), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    point = RiskPoint.objects.get(pk=data["id"])
    assert point.status == RiskPoint.Status.DRAFT and data["status_display"] == "草稿"
    assert point.department == world.cardiology  # taken from the post
    assert data["level"] == 1  # 2 × 3 on the default 3×3 matrix
    assert [e["type"] for e in data["events"]] == ["created"]


def test_create_outside_the_managed_subtree_is_refused(world, register, api):
    client = api(world.users["integrity"])
    other_post = Post.objects.get(code="P-YS")
    response = client.post(
        POINTS,
        create_data(world, register, organisation=world.other_hospital.pk, post=other_post.pk),
        format="json",
    )
    assert response.status_code == 400
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("organisation", "does_not_exist"),
        ("post", "does_not_exist"),
    }
    assert not RiskPoint.objects.filter(name="门诊处方中夹带自费药品").exists()


def test_create_errors_carry_the_services_codes(world, register, api):
    client = api(world.users["integrity"])
    procurement_step = register.procurement_power.steps.get()
    response = client.post(
        POINTS,
        create_data(world, register, step=procurement_step.pk, likelihood=9),
        format="json",
    )
    assert response.status_code == 400
    errors = {e["code"]: e for e in response.json()["errors"]}
    assert errors["step_not_of_power"]["field"] == "step"
    assert "不属于权力事项" in errors["step_not_of_power"]["message"]
    assert errors["score_out_of_range"]["field"] == "likelihood"
    response = client.post(POINTS, {"organisation": world.hospital.pk}, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"] if e["code"] == "required"} >= {
        "subject",
        "power",
        "name",
        "manifestation",
        "category",
    }


def test_a_level_set_by_hand_needs_a_reason(world, register, api):
    client = api(world.users["integrity"])
    response = client.patch(point_url(register.head), {"level": 1}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("reason", "level_reason_required")
    assert "须填写调整原因" in error["message"]
    register.head.refresh_from_db()
    assert register.head.level == 2
    response = client.patch(
        point_url(register.head), {"level": 1, "reason": "上级点名的重点领域"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["level"] == 1 and data["level_manual"] is True
    regraded = [e for e in data["events"] if e["type"] == "regraded"]
    assert regraded[0]["changes"] == {"level": [2, 1]}
    assert regraded[0]["reason"] == "上级点名的重点领域"


def test_writes_outside_scope_are_404_and_visible_but_unmanaged_403(world, register, api):
    client = api(world.users["integrity"])
    assert client.patch(point_url(register.other), {"name": "x"}, format="json").status_code == 404
    assert client.post(point_url(register.other, "file")).status_code == 404
    assert client.post(point_url(register.other, "review")).status_code == 404
    # an integrity officer of the hospital who also holds a post in the other hospital sees
    # that post's point, but may not manage it there
    PostAssignment.objects.create(
        person=world.staff_person, post=Post.objects.get(code="P-YS"), start=dt.date(2024, 1, 1)
    )
    officer = world.users["staff"]
    RoleGrant.objects.create(user=officer, role=Role.INTEGRITY, organisation=world.hospital)
    client = api(officer)
    assert client.get(point_url(register.other)).status_code == 200
    for response in (
        client.patch(point_url(register.other), {"level": 1, "reason": "x"}, format="json"),
        client.post(point_url(register.other, "retire"), {"reason": "x"}, format="json"),
    ):
        assert response.status_code == 403
    register.other.refresh_from_db()
    assert (register.other.level_manual, register.other.status) == (False, "draft")


@pytest.mark.parametrize(
    "role, action, body",
    [
        ("dept_head", "file", {}),  # submitted by its owner, the department head
        ("integrity", "file-directly", {"reason": "专项检查"}),
    ],
)
def test_filing_is_refused_with_every_code(world, register, api, role, action, body):
    client = api(world.users[role])
    GenericPhrase.objects.get_or_create(organisation=None, phrase="有待进一步规范")
    RiskPoint.objects.filter(pk=register.cardiology.pk).update(
        manifestation="科室收受药企赞助的程序有待进一步规范"
    )
    response = client.post(point_url(register.cardiology, action), body, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "查不准的不能过关" in body["detail"]
    assert codes(response) == {"no_step", "no_measure", "generic_phrase"}
    messages = " ".join(e["message"] for e in body["errors"])
    assert "须至少有一条防控措施" in messages and "有待进一步规范" in messages
    register.cardiology.refresh_from_db()
    assert register.cardiology.status == RiskPoint.Status.DRAFT
    assert not register.cardiology.events.filter(type=RiskPointEvent.Type.FILED).exists()
    assert not register.cardiology.events.filter(type=RiskPointEvent.Type.SUBMITTED).exists()


def test_filing_a_concrete_point(world, register, api):
    """Its owner (the department head) submits it; the integrity office approves it."""
    office = api(world.users["integrity"])
    response = office.patch(
        point_url(register.head),
        {"manifestation": "科主任在调整科室用药目录时，为收取回扣将特定厂家药品列入目录"},
        format="json",
    )
    assert response.status_code == 200, response.content
    head = api(world.users["dept_head"])
    response = head.post(point_url(register.head, "file"))
    assert response.status_code == 200, response.content
    body = response.json()
    # their own level is passed over: it waits for the integrity office
    assert body["status"] == "draft"
    assert body["review"]["level"] == "integrity_office" and body["review"]["kind"] == "file"
    assert [e["type"] for e in body["events"][:3]] == [
        "review_skipped",
        "review_skipped",
        "submitted",
    ]
    response = head.post(point_url(register.head, "file"))
    assert response.status_code == 400 and codes(response) == {"review_already_open"}
    response = head.post(point_url(register.head, "approve"), {}, format="json")
    assert response.status_code == 403  # never their own
    response = office.post(point_url(register.head, "approve"), {"note": "同意"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "filed" and response.json()["review"] is None
    # filing again is refused: only drafts can be filed
    response = office.post(point_url(register.head, "file-directly"), {"reason": "x"})
    assert response.status_code == 400 and codes(response) == {"not_draft"}


def test_a_change_request_through_the_api(world, register, api):
    """The head asks to change the filed point of their department (no author: theirs);
    returned once, asked again, approved by the office: applied."""
    head, office = api(world.users["dept_head"]), api(world.users["integrity"])
    url = point_url(register.doctor, "request-change")
    response = head.post(url, {"harm": 2}, format="json")
    assert response.status_code == 400 and codes(response) == {"change_reason_required"}
    buyer_post = Post.objects.get(code="P-CGY")
    response = head.post(url, {"harm": 2, "post": buyer_post.pk, "reason": "x"}, format="json")
    assert response.status_code == 400  # not a post of theirs: not a valid choice
    response = head.post(url, {"harm": 2, "reason": "危害评估过高"}, format="json")
    assert response.status_code == 200, response.content
    review = response.json()["review"]
    assert (review["kind"], review["proposed"]) == ("change", {"harm": 2})
    assert response.json()["harm"] == 3  # as filed until approved
    response = office.post(point_url(register.doctor, "return"), {"reason": ""}, format="json")
    assert response.status_code == 400 and codes(response) == {"review_return_reason_required"}
    response = office.post(
        point_url(register.doctor, "return"), {"reason": "请附依据"}, format="json"
    )
    assert response.status_code == 200 and response.json()["return_count"] == 1
    head.post(url, {"harm": 2, "reason": "依据：近三年无同类案件"}, format="json")
    response = office.post(point_url(register.doctor, "approve"), {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["harm"] == 2 and response.json()["status"] == "filed"


def test_review_and_retire(world, register, api):
    client = api(world.users["admin"])
    response = client.post(point_url(register.doctor, "review"), {"note": "已抽查"}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["last_reviewed"] == TODAY.isoformat()
    assert data["review_overdue"] is False
    assert data["events"][0]["type"] == "reviewed" and data["events"][0]["reason"] == "已抽查"
    response = client.post(point_url(register.doctor, "retire"), {"reason": ""}, format="json")
    assert response.status_code == 400 and codes(response) == {"retire_reason_required"}
    response = client.post(point_url(register.doctor, "retire"), {"reason": "岗位撤销"})
    assert response.status_code == 200 and response.json()["status"] == "retired"
    assert "开大处方收取回扣" not in names(client.get(POINTS))
    assert client.get(point_url(register.doctor)).status_code == 200  # still on record
    response = client.patch(point_url(register.doctor), {"name": "改"}, format="json")
    assert response.status_code == 400 and codes(response) == {"retired"}


# Measures ---------------------------------------------------------------------------------------


def measure_texts(response):
    assert response.status_code == 200, response.content
    return {row["text"] for row in response.json()["results"]}


def test_measures_are_scoped(world, register, api):
    other = make_measure(world.other_hospital, "外院手术排台公开", owner_person=world.other_person)
    text = register.measure.text
    assert measure_texts(api(world.users["staff"]).get(MEASURES)) == {text}
    assert measure_texts(api(world.users["integrity"]).get(MEASURES)) == {text}
    assert measure_texts(api(world.users["outsider"]).get(MEASURES)) == {"外院手术排台公开"}
    assert measure_texts(api(world.users["leader"]).get(MEASURES)) == set()
    assert api(world.users["integrity"]).get(measure_url(other)).status_code == 404
    # a measure lists only the risk points the caller sees
    data = api(world.users["staff"]).get(measure_url(register.measure)).json()
    assert data["risk_points"] == [register.doctor.pk]
    data = api(world.users["integrity"]).get(measure_url(register.measure)).json()
    assert data["risk_points"] == sorted([register.doctor.pk, register.head.pk])
    assert data["owner_person_name"] == "张医生"


def test_measure_filters(world, register, api):
    make_measure(world.hospital, "采购评审全程录像", owner_department=world.procurement)
    client = api(world.users["integrity"])
    assert measure_texts(client.get(MEASURES, {"q": "录像"})) == {"采购评审全程录像"}
    assert measure_texts(client.get(MEASURES, {"owner_department": world.procurement.pk})) == {
        "采购评审全程录像"
    }
    assert measure_texts(client.get(MEASURES, {"risk_point": register.head.pk})) == {
        register.measure.text
    }
    response = client.get(MEASURES, {"status": "done"})
    assert response.status_code == 400 and codes(response) == {"invalid_choice"}


def test_integrity_creates_and_changes_a_measure(world, register, api):
    client = api(world.users["integrity"])
    response = client.post(
        MEASURES,
        {
            "organisation": world.hospital.pk,
            "text": "科室赞助一律由医院统一受理并公示",
            "owner_department": world.cardiology.pk,
            "due": "2026-12-31",
            "risk_points": [register.cardiology.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["risk_points"] == [register.cardiology.pk]
    assert data["owner_department_name"] == "心内科" and data["status"] == "planned"
    measure = Measure.objects.get(pk=data["id"])
    assert register.cardiology.events.filter(type=RiskPointEvent.Type.MEASURE_LINKED).exists()

    response = client.patch(
        measure_url(measure),
        {"status": "in_place", "risk_points": [register.head.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "in_place" and data["risk_points"] == [register.head.pk]
    assert register.cardiology.events.filter(type=RiskPointEvent.Type.MEASURE_UNLINKED).exists()

    response = client.patch(
        measure_url(measure), {"owner_person": world.staff_person.pk}, format="json"
    )
    assert response.status_code == 400 and codes(response) == {"measure_owner"}
    response = client.patch(
        measure_url(measure),
        {"owner_person": world.staff_person.pk, "owner_department": None},
        format="json",
    )
    assert response.status_code == 200 and response.json()["owner_person_name"] == "张医生"


def test_measure_writes_refused_outside(world, register, api):
    other = make_measure(world.other_hospital, "外院措施", owner_person=world.other_person)
    integrity = api(world.users["integrity"])
    assert integrity.patch(measure_url(other), {"text": "x"}, format="json").status_code == 404
    response = integrity.post(
        MEASURES,
        {"organisation": world.hospital.pk, "text": "x", "owner_person": world.other_person.pk},
        format="json",
    )
    assert response.status_code == 400
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("owner_person", "does_not_exist")
    }
    staff = api(world.users["staff"])
    response = staff.patch(measure_url(register.measure), {"text": "x"}, format="json")
    assert response.status_code == 403
    register.measure.refresh_from_db()
    assert register.measure.text == "处方点评每月抽查，超常处方公示并约谈"


# Token, query budget, schema ------------------------------------------------------------------


def test_token_authentication(world, register, api):
    # Tokens sign in service accounts only (tests/accounts/test_api_tokens.py): one with the
    # integrity role on the hospital reads what the hospital's integrity officer reads.
    service = User.objects.create(username="his-sync", organisation=world.hospital)
    service.set_unusable_password()
    service.save()
    RoleGrant.objects.create(user=service, role=Role.INTEGRITY, organisation=world.hospital)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=service).key}")
    seen = names(client.get(POINTS))
    assert seen and seen == names(api(world.users["integrity"]).get(POINTS))
    # A person's token is refused, a staff member's too.
    staff_token = Token.objects.create(user=world.users["staff"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {staff_token.key}")
    assert client.get(POINTS).status_code == 403
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get(POINTS).status_code in (401, 403)


def _grow(world, n):
    """n risk points across posts, departments and levels, each with a measure."""
    power = make_power(world.hospital, "批量权力", steps=["审批"])
    posts = list(Post.objects.filter(organisation=world.hospital))
    for i in range(n):
        post = posts[i % len(posts)]
        point = make_risk_point(
            power=power,
            post=post if post.department_id else None,
            department=None if post.department_id else world.finance,
            name=f"批量风险点{i}",
            likelihood=1 + i % 3,
            harm=1 + (i // 3) % 3,
        )
        make_measure(world.hospital, f"措施{i}", owner_person=world.staff_person, points=[point])


def _queries(client, url, expected_rows):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected_rows
    return len(queries)


def test_list_query_counts_do_not_grow_with_rows(world, api):
    world.hospital.principal_leader = world.leader_person
    world.hospital.save()
    client = api(world.users["integrity"])
    _grow(world, 5)
    client.get(POINTS)  # the user's scope is computed once, then kept on the user
    small = (_queries(client, POINTS, 5), _queries(client, MEASURES, 5))
    _grow(world, 45)
    large = (_queries(client, POINTS, 50), _queries(client, MEASURES, 50))
    assert small == large
    assert large[0] <= 12


def test_schema_renders_with_the_risk_endpoints(world, login, tmp_path):
    response = login(world.users["staff"]).get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in (
        "/api/risks/points/",
        "/api/risks/points/{id}/",
        "/api/risks/points/{id}/file/",
        "/api/risks/points/{id}/review/",
        "/api/risks/points/{id}/retire/",
        "/api/risks/measures/",
        "/api/risks/measures/{id}/",
    ):
        assert f"{path}:" in body, path
    assert "RiskPointStatusEnum" in body and "no_measure" in body
    # no warnings or errors anywhere in the schema (raises otherwise)
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_the_department_head_reviews_through_the_api(world, register, api):
    response = api(world.users["dept_head"]).post(
        point_url(register.doctor, "review"), {"note": "已核实"}, format="json"
    )
    assert response.status_code == 200, response.content
    register.doctor.refresh_from_db()
    assert register.doctor.events.get().type == "reviewed"


# Found by the hand-made bodies of tests/test_api_fuzz.py: DRF's JSON parser raised a
# RecursionError, a 500, on JSON nested deeper than Python's parser recurses.
@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, '{"name": "x", "criteria": ' + "[" * 5_000 + "]" * 5_000 + "}"],
    ids=["array", "field"],
)
def test_json_nested_too_deep_is_refused_as_malformed(world, register, api, body):
    client = api(world.users["integrity"])
    points = RiskPoint.objects.count()
    for send, url in ((client.post, POINTS), (client.patch, point_url(register.head))):
        response = send(url, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"detail": "JSON 嵌套层数过多，无法解析。"}
    assert RiskPoint.objects.count() == points
    assert not register.head.events.exists()
