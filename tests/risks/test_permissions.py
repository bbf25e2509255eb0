"""One permission rule per action (risks/permissions.py), proven from both sides: the pages and
the API give every role the same answer, in scope and out of scope.

The rule: the integrity office and administrators of a point's organisation edit, review,
retire and link; a department head acts on the drafts of the departments they head, a staff
member on the drafts of the posts they hold now (edit, link measures). Filing goes through the
review chain: a draft's owner (its author; for a department's point or a point without author,
the department head) submits it (file) and asks for a change once it is filed; the integrity
office files directly. A point the user cannot see is a 404, one they see but may not act on a
403. An action the rule allows may still be refused by the point's state (the services' rule:
the API answers 400 with its code).
"""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from lianfang.accounts.models import RoleGrant
from lianfang.core.roles import Role
from lianfang.org.models import Post, PostAssignment
from lianfang.risks.models import Measure, RiskPoint
from tests.risks.factories import make_measure, make_risk_point
from tests.risks.register_data import build_register

pytestmark = pytest.mark.django_db

MANAGE = {"edit", "review", "retire", "link"}
OFFICE = MANAGE | {"file_directly"}  # the integrity office files directly; administrators not
EDIT = {"edit", "link"}
OWN = EDIT | {"file"}
HIDDEN = None

# What each role may do with each point: HIDDEN (not visible: 404), or the actions allowed
# (any other action on a visible point: 403). own_draft is the staff member's (its author);
# doctor, cardiology, buyer and other have no author: their department head's.
RULE = {
    "admin": {"own_draft": MANAGE, "doctor": MANAGE, "cardiology": MANAGE, "buyer": MANAGE},
    "integrity": {"own_draft": OFFICE, "doctor": OFFICE, "cardiology": OFFICE, "buyer": OFFICE},
    # the commission supervises read-only (its grant does not make the units below writable,
    # tests/org/test_write_reach.py): it sees every point and acts on none
    "commission_integrity": {
        "own_draft": set(),
        "doctor": set(),
        "cardiology": set(),
        "buyer": set(),
        "other": set(),
    },
    # heads 心内科 and holds 科主任 there: edits its drafts, files and changes its own points,
    # reviews (复核) its filed points
    "dept_head": {"own_draft": EDIT, "doctor": {"request_change", "review"}, "cardiology": OWN},
    # holds 主治医师 in 心内科
    "staff": {"own_draft": OWN, "doctor": set()},
    # in charge of 采购中心 and 财务科: sees their points, acts on none
    "leader": {"buyer": set()},
    # holds 医师 in the other hospital, whose draft there is its department's
    "outsider": {"other": EDIT},
}
POINTS = ["own_draft", "doctor", "cardiology", "buyer", "other"]
# The actions each point's state allows (a filed point is reviewed and changed, not filed).
DRAFT = ["edit", "file", "file_directly", "link", "retire"]
ACTIONS = {
    "own_draft": DRAFT,
    "doctor": ["edit", "review", "link", "retire", "request_change"],
    "cardiology": DRAFT,
    "buyer": DRAFT,
    "other": DRAFT,
}


@pytest.fixture
def register(world):
    register = build_register(world)
    # a draft of the staff member's post, complete enough to be filed
    register.own_draft = make_risk_point(
        power=register.prescribing,
        step=register.prescribing.steps.get(order=1),
        post=Post.objects.get(code="P-ZZYS"),
        name="处方中超说明书用药",
        manifestation="主治医师为完成药企指标，超说明书范围开具特定厂家的药品并收取好处",
        author=world.users["staff"],
    )
    make_measure(
        world.hospital,
        "超说明书用药须经药事委员会备案",
        owner_person=world.staff_person,
        points=[register.own_draft],
    )
    return register


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def expected(role, point, action):
    allowed = RULE[role].get(point, HIDDEN)
    if allowed is HIDDEN:
        return 404
    return "allowed" if action in allowed else 403


def undone(request, *args, **kwargs):
    """Make a request and roll back what it wrote, so the next one starts from the same data."""
    with transaction.atomic():
        response = request(*args, **kwargs)
        transaction.set_rollback(True)
    return response


def page_answer(client, point, action):
    if action == "file":
        return client.post(reverse("risks:point_file", args=[point.pk]))
    name = {"link": "point_measures"}.get(action, f"point_{action}")
    return client.get(reverse(f"risks:{name}", args=[point.pk]))


API_ACTIONS = {"file_directly": "file-directly", "request_change": "request-change"}


def api_answer(client, point, action, measure):
    url = reverse("api-risk-point-detail", args=[point.pk])
    if action == "edit":
        return client.patch(url, {"name": "改名后的风险点"}, format="json")
    if action == "link":
        covered = list(measure.risk_points.values_list("pk", flat=True))
        return client.patch(
            reverse("api-measure-detail", args=[measure.pk]),
            {"risk_points": [*covered, point.pk]},
            format="json",
        )
    body = {
        "retire": {"reason": "岗位撤销"},
        "review": {"note": "已抽查"},
        "file_directly": {"reason": "专项检查发现"},
        "request_change": {"reason": "补充表现形式", "name": "改名后的风险点"},
    }.get(action, {})
    name = API_ACTIONS.get(action, action)
    return client.post(reverse(f"api-risk-point-{name}", args=[point.pk]), body, format="json")


def outcome(response, *, succeeded):
    """403 or 404 as such; anything else the rule let through (a write, or the services'
    refusal of the point's state or content)."""
    if response.status_code in (403, 404):
        return response.status_code
    assert response.status_code in succeeded, response.content[:300]
    return "allowed"


@pytest.mark.parametrize("point_name", POINTS)
@pytest.mark.parametrize("role", sorted(RULE))
def test_point_actions_answer_the_same_on_the_page_and_the_api(
    world, register, login, role, point_name
):
    user = world.users[role]
    point = getattr(register, point_name)
    page = login(user)
    client = api(user)
    # The API links a measure to a point by changing the points it covers: a measure of the
    # point's organisation the user sees (their own, or their subtree's).
    owner = getattr(user, "person", None) or world.staff_person
    measure = make_measure(point.organisation, "关联测试措施", owner_person=owner)
    for action in ACTIONS[point_name]:
        want = expected(role, point_name, action)
        got_page = outcome(undone(page_answer, page, point, action), succeeded=(200, 302))
        response = undone(api_answer, client, point, action, measure)
        if action == "link" and response.status_code == 400:
            # a point the user cannot see is not a valid choice of the measure's points
            assert {e["code"] for e in response.json()["errors"]} == {"does_not_exist"}
            response.status_code = 404
        got_api = outcome(response, succeeded=(200, 400))
        assert (action, got_page, got_api) == (action, want, want)


def test_an_allowed_api_write_happens_and_a_refused_one_changes_nothing(world, register):
    staff = api(world.users["staff"])
    url = reverse("api-risk-point-detail", args=[register.own_draft.pk])
    response = staff.patch(url, {"name": "处方中超说明书用药（修订）"}, format="json")
    assert response.status_code == 200, response.content
    response = staff.post(reverse("api-risk-point-file", args=[register.own_draft.pk]))
    assert response.status_code == 200, response.content
    # submitted: still a draft, waiting for the department head
    assert response.json()["status"] == "draft"
    assert response.json()["review"]["level"] == "department_head"
    # once submitted, the point is the reviewers' to decide as it was sent
    response = staff.patch(url, {"name": "再改"}, format="json")
    assert response.status_code == 403
    assert "纪检监察" in response.json()["detail"]
    register.own_draft.refresh_from_db()
    assert register.own_draft.name == "处方中超说明书用药（修订）"


# Registering ---------------------------------------------------------------------------------


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


def page_create(client, data):
    """The create form's POST: the API's fields as the form names them."""
    form = {key: ("" if value is None else value) for key, value in data.items()}
    form.pop("organisation")
    form.setdefault("department", "")
    form.setdefault("post", "")
    form.setdefault("source", "self")
    form.setdefault("reason", "")
    return client.post(f"{reverse('risks:point_create')}?organisation={data['organisation']}", form)


# (role, changes to the data, allowed): who may register which risk point.
CREATE_CASES = [
    ("staff", {}, True),  # a post they hold
    ("staff", {"post": "P-KZR"}, False),  # a post of their department they do not hold
    ("staff", {"subject": "department", "post": None, "department": "cardiology"}, False),
    ("staff", {"subject": "unit", "post": None}, False),
    ("dept_head", {}, True),  # a post of the department they head
    ("dept_head", {"subject": "department", "post": None, "department": "cardiology"}, True),
    ("dept_head", {"subject": "department", "post": None, "department": "procurement"}, False),
    ("dept_head", {"post": "P-CGY"}, False),  # a post of another department
    ("dept_head", {"subject": "unit", "post": None}, False),
    ("leader", {"post": "P-CGY"}, False),  # in charge of 采购中心, but not its head
    ("outsider", {}, False),  # another hospital
    ("integrity", {"subject": "unit", "post": None}, True),
    ("commission_integrity", {"post": "P-CGY"}, False),  # reads the hospital, writes it not
]


def _resolve(world, changes):
    resolved = {}
    for key, value in changes.items():
        if key == "post" and value:
            value = Post.objects.get(code=value).pk
        elif key == "department" and value:
            value = getattr(world, value).pk
        resolved[key] = value
    return resolved


@pytest.mark.parametrize("role, changes, allowed", CREATE_CASES)
def test_who_may_register_a_risk_point_page_and_api(world, register, login, role, changes, allowed):
    user = world.users[role]
    data = create_data(world, register, **_resolve(world, changes))
    name = data["name"]
    response = undone(page_create, login(user), data)
    assert (response.status_code == 302) is allowed, response.status_code
    response = undone(api(user).post, reverse("api-risk-point-list"), data, format="json")
    if allowed:
        assert response.status_code == 201, response.content
    else:
        # a choice outside the user's reach is not a valid choice (400); a valid one they may
        # not take is a 403
        assert response.status_code in (400, 403), response.content
    assert not RiskPoint.objects.filter(name=name).exists()


def test_only_managers_grade_by_hand(world, register, login):
    data = create_data(world, register, level=3, reason="按惯例")
    response = api(world.users["staff"]).post(reverse("api-risk-point-list"), data, format="json")
    assert response.status_code == 403
    # the page offers no level field to the staff member at all
    page = login(world.users["staff"]).get(reverse("risks:point_create")).content.decode()
    assert 'name="level"' not in page
    response = api(world.users["integrity"]).post(
        reverse("api-risk-point-list"), data, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["level"] == 3 and response.json()["level_manual"] is True


def test_a_draft_stays_its_owners(world, register, login):
    """A department head may not move their draft out of their reach, on either side."""
    client = api(world.users["dept_head"])
    url = reverse("api-risk-point-detail", args=[register.cardiology.pk])
    for body, status in [
        ({"department": world.procurement.pk}, 400),  # not a department of theirs
        ({"subject": "unit", "department": None}, 403),
        ({"level": 1, "reason": "x"}, 403),
    ]:
        assert client.patch(url, body, format="json").status_code == status, body
    page = login(world.users["dept_head"])
    edit = reverse("risks:point_edit", args=[register.cardiology.pk])
    form = page.get(edit).content.decode()
    assert 'value="unit"' not in form and "采购中心" not in form
    response = page.post(
        edit,
        {
            "subject": "department",
            "department": world.procurement.pk,
            "post": "",
            "power": register.prescribing.pk,
            "step": "",
            "category": "system_mechanism",
            "name": "科室集体收受药企赞助",
            "manifestation": register.cardiology.manifestation,
            "likelihood": "1",
            "harm": "2",
            "source": "self",
            "reason": "",
        },
    )
    assert response.status_code == 200  # the form refuses the choice
    register.cardiology.refresh_from_db()
    assert register.cardiology.department == world.cardiology
    assert register.cardiology.subject == "department"


def test_an_officer_holding_a_post_elsewhere_acts_there_as_its_staff(world, register, login):
    """The integrity officer of one hospital who also holds a post in another acts on that
    post's drafts like any holder of it, and no more, on both sides."""
    PostAssignment.objects.create(
        person=world.staff_person, post=Post.objects.get(code="P-YS"), start=dt.date(2024, 1, 1)
    )
    officer = world.users["staff"]
    RoleGrant.objects.create(user=officer, role=Role.INTEGRITY, organisation=world.hospital)
    page = login(officer)
    assert page.get(reverse("risks:point_edit", args=[register.other.pk])).status_code == 200
    assert page.get(reverse("risks:point_retire", args=[register.other.pk])).status_code == 403
    client = api(officer)
    url = reverse("api-risk-point-detail", args=[register.other.pk])
    assert (
        client.patch(url, {"name": "外院手术排台收红包（修订）"}, format="json").status_code == 200
    )
    response = client.post(
        reverse("api-risk-point-retire", args=[register.other.pk]), {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    register.other.refresh_from_db()
    assert register.other.status == RiskPoint.Status.DRAFT


# Measures ------------------------------------------------------------------------------------


def test_who_may_write_a_measure_for_a_point(world, register, login):
    """Writing a measure for a point needs the right to link measures to it."""
    form = {
        "action": "create",
        "new-text": "科室赞助一律由医院统一受理并公示",
        "new-owner_kind": "department",
        "new-owner_department": world.cardiology.pk,
        "new-status": "planned",
    }
    body = {
        "organisation": world.hospital.pk,
        "text": "科室赞助一律由医院统一受理并公示",
        "owner_department": world.cardiology.pk,
    }
    for role, point, allowed in [
        ("dept_head", register.cardiology, True),
        ("staff", register.own_draft, True),
        ("staff", register.doctor, False),  # filed
        ("dept_head", register.doctor, False),
        ("integrity", register.doctor, True),
    ]:
        user = world.users[role]
        url = reverse("risks:point_measures", args=[point.pk])
        response = undone(login(user).post, url, form)
        assert response.status_code == (302 if allowed else 403), (role, point.name)
        data = {**body, "risk_points": [point.pk]}
        response = undone(api(user).post, reverse("api-measure-list"), data, format="json")
        assert response.status_code == (201 if allowed else 403), (role, response.content)
    assert not Measure.objects.filter(text=body["text"]).exists()
    # a measure covering nothing is its organisation's managers' to write
    response = api(world.users["dept_head"]).post(reverse("api-measure-list"), body, format="json")
    assert response.status_code == 403
    response = api(world.users["integrity"]).post(reverse("api-measure-list"), body, format="json")
    assert response.status_code == 201
    assert not Measure.objects.get(text=body["text"]).risk_points.exists()


def test_who_may_edit_a_measure(world, register, login):
    """A measure is a non-manager's to edit when every point it covers is theirs to edit."""
    own = register.own_draft.measures.get()  # covers the staff member's draft only
    shared = register.measure  # covers a filed point too
    for role, measure, status in [
        ("staff", own, 200),
        ("dept_head", own, 200),  # a draft of their department
        ("staff", shared, 403),
        ("dept_head", shared, 403),
        ("integrity", shared, 200),
        ("leader", own, 404),
    ]:
        user = world.users[role]
        page = login(user).get(reverse("risks:measure_edit", args=[measure.pk]))
        response = undone(
            api(user).patch,
            reverse("api-measure-detail", args=[measure.pk]),
            {"text": "改写后的措施"},
            format="json",
        )
        assert (page.status_code, response.status_code) == (status, status), (role, measure)
        if status == 200:
            detail = login(user).get(reverse("risks:measure_detail", args=[measure.pk]))
            assert reverse("risks:measure_edit", args=[measure.pk]) in detail.content.decode()
    assert not Measure.objects.filter(text="改写后的措施").exists()


def test_linking_and_unlinking_is_a_right_on_each_point(world, register, login):
    client = api(world.users["dept_head"])
    url = reverse("api-measure-detail", args=[register.measure.pk])
    covered = [register.doctor.pk, register.head.pk]
    # linking a draft of their department is theirs, as the point's page offers
    response = client.patch(url, {"risk_points": [*covered, register.cardiology.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert register.measure.risk_points.filter(pk=register.cardiology.pk).exists()
    # dropping the filed point is not
    response = client.patch(url, {"risk_points": [register.cardiology.pk]}, format="json")
    assert response.status_code == 403
    assert register.measure.risk_points.filter(pk=register.doctor.pk).exists()
    page = login(world.users["dept_head"])
    unlink = reverse("risks:point_unlink", args=[register.doctor.pk, register.measure.pk])
    assert page.post(unlink).status_code == 403
    unlink = reverse("risks:point_unlink", args=[register.cardiology.pk, register.measure.pk])
    assert page.post(unlink).status_code == 302
    assert not register.measure.risk_points.filter(pk=register.cardiology.pk).exists()


def test_the_overdue_page_offers_the_review_by_the_same_rule(world, register, login):
    review = reverse("risks:point_review", args=[register.doctor.pk])
    assert review in login(world.users["integrity"]).get(reverse("risks:overdue")).content.decode()
    # the department head reviews their department's points
    page = login(world.users["dept_head"]).get(reverse("risks:overdue")).content.decode()
    assert "开大处方收取回扣" in page and review in page
    # the staff member who holds the post sees it but does not review it
    page = login(world.users["staff"]).get(reverse("risks:overdue")).content.decode()
    assert "开大处方收取回扣" in page and review not in page
