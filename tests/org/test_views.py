import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lianfang.core.access import ACCESS_ATTR
from lianfang.core.models import AuditEvent
from lianfang.org.models import (
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
)
from tests.factories import make_person

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    "org:organisation_list",
    "org:department_list",
    "org:post_list",
    "org:person_list",
    "org:division_list",
    "org:rotation_list",
]


def text(response):
    return response.content.decode()


@pytest.mark.parametrize("role", ["admin", "integrity", "leader", "dept_head", "staff"])
@pytest.mark.parametrize("page", LIST_PAGES)
def test_list_pages_render_for_every_role(world, login, role, page):
    response = login(world.users[role]).get(reverse(page))
    assert response.status_code == 200
    assert "<h1>" in text(response)


def test_user_without_role_is_refused(world, login):
    response = login(world.users["nobody"]).get(reverse("org:person_list"))
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("org:department_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_organisation_tree_shows_counts_and_edit_only_for_managers(world, login):
    page = text(login(world.users["integrity"]).get(reverse("org:organisation_list")))
    assert "示例市人民医院" in page and "示例市第二医院" not in page
    assert reverse("org:organisation_edit", args=[world.hospital.pk]) in page
    page = text(login(world.users["staff"]).get(reverse("org:organisation_list")))
    assert "示例市人民医院" in page
    assert reverse("org:organisation_edit", args=[world.hospital.pk]) not in page
    assert "新增单位" not in page


def test_detail_pages_render(world, login):
    client = login(world.users["integrity"])
    buyer_post = Post.objects.get(code="P-CGY")
    pages = {
        reverse("org:organisation_detail", args=[world.hospital.pk]): ["采购中心", "待轮岗"],
        reverse("org:department_detail", args=[world.procurement.pk]): ["王副院长", "陈采购"],
        reverse("org:department_detail", args=[world.cardiology.pk]): ["李主任", "主治医师"],
        reverse("org:post_detail", args=[buyer_post.pk]): ["陈采购", "已超期"],
        reverse("org:person_detail", args=[world.procurement_person.pk]): ["岗位经历", "采购员"],
        reverse("org:person_detail", args=[world.leader_person.pk]): ["分管工作", "财务科"],
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        for snippet in expected:
            assert snippet in text(response), (url, snippet)


def test_department_detail_lists_functions_and_leaders(world, login):
    DepartmentFunction.objects.create(department=world.procurement, title="负责药品耗材招标采购")
    page = text(
        login(world.users["leader"]).get(
            reverse("org:department_detail", args=[world.procurement.pk])
        )
    )
    assert "负责药品耗材招标采购" in page
    assert "分管采购与财务" in page
    # a leader reads but does not edit
    assert reverse("org:department_edit", args=[world.procurement.pk]) not in page


def test_rotation_page_lists_overdue_people(world, login):
    page = text(login(world.users["integrity"]).get(reverse("org:rotation_list")))
    assert "陈采购" in page and "张医生" not in page


# Scope ------------------------------------------------------------------------------------------


def test_staff_cannot_open_a_colleague(world, login):
    client = login(world.users["staff"])
    assert client.get(reverse("org:person_detail", args=[world.staff_person.pk])).status_code == 200
    response = client.get(reverse("org:person_detail", args=[world.colleague_person.pk]))
    assert response.status_code == 404


def test_hospital_integrity_cannot_open_other_hospitals_objects(world, login):
    client = login(world.users["integrity"])
    for url in [
        reverse("org:department_detail", args=[world.surgery_b.pk]),
        reverse("org:organisation_detail", args=[world.other_hospital.pk]),
        reverse("org:person_detail", args=[world.other_person.pk]),
        reverse("org:post_detail", args=[Post.objects.get(code="P-YS").pk]),
        reverse("org:department_edit", args=[world.surgery_b.pk]),
        reverse("org:person_edit", args=[world.other_person.pk]),
        reverse("org:organisation_edit", args=[world.commission.pk]),
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["staff", "leader", "dept_head"])
def test_non_privileged_roles_cannot_reach_edit_pages(world, login, role):
    client = login(world.users[role])
    fn = DepartmentFunction.objects.create(department=world.cardiology, title="x")
    division = LeaderDivision.objects.first()
    urls = [
        reverse("org:organisation_create"),
        reverse("org:organisation_edit", args=[world.hospital.pk]),
        reverse("org:department_create"),
        reverse("org:department_edit", args=[world.cardiology.pk]),
        reverse("org:function_create", args=[world.cardiology.pk]),
        reverse("org:function_edit", args=[fn.pk]),
        reverse("org:post_create"),
        reverse("org:post_edit", args=[Post.objects.get(code="P-ZZYS").pk]),
        reverse("org:person_create"),
        reverse("org:person_edit", args=[world.staff_person.pk]),
        reverse("org:person_assign", args=[world.staff_person.pk]),
        reverse("org:division_create"),
        reverse("org:division_edit", args=[division.pk]),
        reverse("org:roster_import"),
        reverse("org:roster_template"),
    ]
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    assert client.post(reverse("org:function_delete", args=[fn.pk])).status_code in (403, 404)
    assert DepartmentFunction.objects.filter(pk=fn.pk).exists()


def test_staff_sees_no_edit_buttons(world, login):
    page = text(
        login(world.users["staff"]).get(reverse("org:person_detail", args=[world.staff_person.pk]))
    )
    assert reverse("org:person_edit", args=[world.staff_person.pk]) not in page
    assert "调整岗位" not in page


# Edit flows -------------------------------------------------------------------------------------


def test_edit_pages_render_for_integrity(world, login):
    client = login(world.users["integrity"])
    fn = DepartmentFunction.objects.create(department=world.cardiology, title="x")
    urls = [
        reverse("org:organisation_create"),
        reverse("org:organisation_edit", args=[world.hospital.pk]),
        reverse("org:department_create"),
        reverse("org:department_edit", args=[world.cardiology.pk]),
        reverse("org:function_create", args=[world.cardiology.pk]),
        reverse("org:function_edit", args=[fn.pk]),
        reverse("org:post_create") + f"?department={world.cardiology.pk}",
        reverse("org:post_edit", args=[Post.objects.get(code="P-ZZYS").pk]),
        reverse("org:person_create"),
        reverse("org:person_edit", args=[world.staff_person.pk]),
        reverse("org:person_assign", args=[world.staff_person.pk]),
        reverse("org:assignment_edit", args=[world.staff_person.assignments.get().pk]),
        reverse("org:division_create"),
        reverse("org:division_create") + f"?leader={world.leader_person.pk}",
        reverse("org:division_edit", args=[LeaderDivision.objects.first().pk]),
        reverse("org:roster_import"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'data-testid="edit-form"' in text(response) or "import-form" in text(response)


def test_create_child_organisation(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:organisation_create"),
        {
            "name": "东院区",
            "code": "H1-E",
            "kind": "hospital",
            "parent": world.hospital.pk,
            "order": 0,
        },
    )
    org = Organisation.objects.get(code="H1-E")
    assert response.status_code == 302
    assert response["Location"] == reverse("org:organisation_detail", args=[org.pk])
    assert org.path == f"{world.hospital.path}{org.pk}/"
    # a parent outside the subtree is not a valid choice
    response = client.post(
        reverse("org:organisation_create"),
        {
            "name": "越权",
            "code": "X",
            "kind": "hospital",
            "parent": world.other_hospital.pk,
            "order": 0,
        },
    )
    assert response.status_code == 200
    assert not Organisation.objects.filter(code="X").exists()


def test_subtree_root_keeps_its_parent_when_edited(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:organisation_edit", args=[world.hospital.pk]),
        {
            "name": "示例市人民医院（总院）",
            "code": "H1",
            "kind": "hospital",
            "parent": world.commission.pk,
            "order": 0,
        },
    )
    assert response.status_code == 302
    world.hospital.refresh_from_db()
    assert world.hospital.name == "示例市人民医院（总院）"
    assert world.hospital.parent == world.commission


def test_department_edit_shows_service_errors_on_the_form(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:department_edit", args=[world.finance.pk]),
        {"name": "心内科", "code": "CWK", "kind": "administrative", "order": 0, "active": "on"},
    )
    assert response.status_code == 200
    assert "本单位已有名为“心内科”的科室。" in text(response)
    assert "is-invalid" in text(response)
    world.finance.refresh_from_db()
    assert world.finance.name == "财务科"


def test_function_add_and_delete(world, login):
    client = login(world.users["admin"])
    response = client.post(
        reverse("org:function_create", args=[world.finance.pk]),
        {"title": "预算管理", "description": "编制年度预算", "order": 1},
    )
    assert response.status_code == 302
    fn = DepartmentFunction.objects.get(department=world.finance)
    page = text(client.get(reverse("org:department_detail", args=[world.finance.pk])))
    assert "预算管理" in page and "编制年度预算" in page
    assert client.get(reverse("org:function_delete", args=[fn.pk])).status_code == 405
    response = client.post(reverse("org:function_delete", args=[fn.pk]))
    assert response.status_code == 302
    assert not DepartmentFunction.objects.exists()


def test_post_edit_sets_flags(world, login):
    client = login(world.users["integrity"])
    post = Post.objects.get(code="P-ZZYS")
    response = client.post(
        reverse("org:post_edit", args=[post.pk]),
        {
            "department": world.cardiology.pk,
            "name": "主治医师",
            "code": "P-ZZYS",
            "is_key": "on",
            "is_sensitive": "on",
            "rotation_years": 5,
            "duties": "诊疗",
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_key and post.is_sensitive and post.rotation_years == 5


def test_person_create_and_assign_post(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:person_create"),
        {
            "organisation": world.hospital.pk,
            "department": world.finance.pk,
            "staff_no": "0301",
            "name": "孙会计",
            "gender": "F",
            "active": "on",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(staff_no="0301")
    cashier = Post.objects.create(
        organisation=world.hospital,
        department=world.finance,
        name="出纳",
        code="P-CN",
        is_sensitive=True,
        rotation_years=3,
    )
    response = client.post(
        reverse("org:person_assign", args=[person.pk]),
        {"post": cashier.pk, "start": "2024-03-01", "note": "新入职"},
    )
    assert response.status_code == 302
    assert person.assignments.get().post == cashier
    # a duplicate 工号 is reported on the field, in Chinese
    response = client.post(
        reverse("org:person_create"),
        {"organisation": world.hospital.pk, "staff_no": "0301", "name": "重号", "active": "on"},
    )
    assert response.status_code == 200
    assert "工号“0301”已被本单位其他人员使用。" in text(response)


def test_assign_with_start_before_current_post_is_refused(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:person_assign", args=[world.staff_person.pk]),
        {"post": Post.objects.get(code="P-CGY").pk, "start": "2019-12-31"},
    )
    assert response.status_code == 200
    assert "须晚于现任岗位" in text(response)
    assert world.staff_person.assignments.count() == 1


def test_assignment_edit_refuses_end_before_start(world, login):
    client = login(world.users["integrity"])
    row = world.staff_person.assignments.get()
    response = client.post(
        reverse("org:assignment_edit", args=[row.pk]), {"start": "2020-01-01", "end": "2019-01-01"}
    )
    assert response.status_code == 200
    assert "任职结束日期不能早于开始日期。" in text(response)


def test_division_create_edit_and_delete(world, login):
    Person.objects.filter(pk=world.leader_person.pk).update(is_leader=True)
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:division_create") + f"?leader={world.leader_person.pk}",
        {"department": world.cardiology.pk, "since": "2024-01-01", "duties": "医疗质量"},
    )
    assert response.status_code == 302
    division = LeaderDivision.objects.get(department=world.cardiology)
    page = text(client.get(reverse("org:division_list")))
    assert "王副院长" in page and "心内科" in page and "医疗质量" in page
    response = client.post(
        reverse("org:division_edit", args=[division.pk]),
        {"department": world.cardiology.pk, "since": "2024-01-01", "until": "2023-01-01"},
    )
    assert response.status_code == 200
    assert "分管结束日期不能早于起始日期。" in text(response)
    response = client.post(reverse("org:division_delete", args=[division.pk]))
    assert response.status_code == 302
    assert not LeaderDivision.objects.filter(pk=division.pk).exists()
    assert AuditEvent.objects.filter(action="leader_division.delete").exists()


def test_division_list_shows_leaders_in_charge_to_department_heads(world, login):
    # a department head sees who is in charge of a department they head
    LeaderDivision.objects.create(
        leader=world.leader_person, department=world.cardiology, since=dt.date(2023, 1, 1)
    )
    page = text(login(world.users["dept_head"]).get(reverse("org:division_list")))
    assert "王副院长" in page and "心内科" in page


# Query budgets ------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def _add_people(world, n):
    post = Post.objects.get(code="P-ZZYS")
    for i in range(n):
        make_person(world.hospital, world.cardiology, f"9{i:03d}", f"医生{i}", post)


@pytest.mark.parametrize(
    "url_name",
    [
        "org:person_list",
        "org:department_list",
        "org:post_list",
        "org:rotation_list",
        "org:division_list",
        "org:organisation_list",
    ],
)
def test_list_query_count_does_not_grow_with_people(world, login, url_name):
    client = login(world.users["integrity"])
    url = reverse(url_name)
    _add_people(world, 5)
    client.get(url)  # warm up per-process caches
    small = _queries(client, url)
    _add_people_more = 45
    post = Post.objects.get(code="P-CGY")
    for i in range(_add_people_more):
        make_person(
            world.hospital, world.procurement, f"8{i:03d}", f"采购{i}", post, dt.date(2010, 1, 1)
        )
    assert Person.objects.filter(organisation=world.hospital).count() >= 55
    assert _queries(client, url) == small


def test_department_detail_query_count_is_fixed(world, login):
    client = login(world.users["integrity"])
    url = reverse("org:department_detail", args=[world.cardiology.pk])
    _add_people(world, 5)
    client.get(url)
    small = _queries(client, url)
    post = Post.objects.get(code="P-ZZYS")
    for i in range(45):
        make_person(world.hospital, world.cardiology, f"7{i:03d}", f"护士{i}", post)
    assert _queries(client, url) == small


# Every URL declares who may use it ----------------------------------------------------------


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_every_org_url_declares_its_roles():
    checked = 0
    for route, callback in _patterns(get_resolver()):
        if route.startswith(("org/", "api/org/")):
            assert getattr(callback, ACCESS_ATTR, None), route
            checked += 1
    assert checked >= 30


def test_assignment_history_records_person_in_audit(world, login):
    client = login(world.users["integrity"])
    client.post(
        reverse("org:person_assign", args=[world.colleague_person.pk]),
        {"post": Post.objects.get(code="P-KZR").pk, "start": "2024-05-01"},
    )
    event = AuditEvent.objects.get(action="post_assignment.create")
    assert event.object_repr == "赵医生 · 科主任"
    assert event.actor_label == "integrity"
    assert (
        PostAssignment.objects.filter(person=world.colleague_person, end__isnull=True).count() == 1
    )


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 40), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def test_photo_upload_is_served_only_within_scope(world, login, settings, tmp_path):
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path
    Person.objects.filter(pk=world.leader_person.pk).update(is_leader=True)
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:person_edit", args=[world.leader_person.pk]),
        {
            "staff_no": "0001",
            "name": "王副院长",
            "is_leader": "on",
            "active": "on",
            "photo": _png(),
        },
    )
    assert response.status_code == 302
    photo_url = reverse("org:person_photo", args=[world.leader_person.pk])
    response = client.get(photo_url)
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert photo_url in text(client.get(reverse("org:division_list")))
    # the edit form previews through the scoped view, not a public media URL
    assert photo_url in text(client.get(reverse("org:person_edit", args=[world.leader_person.pk])))
    assert login(world.users["outsider"]).get(photo_url).status_code == 404
    client = login(world.users["integrity"])
    # not an image: refused with a message, nothing stored
    response = client.post(
        reverse("org:person_edit", args=[world.staff_person.pk]),
        {
            "staff_no": "0102",
            "name": "张医生",
            "active": "on",
            "photo": SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
        },
    )
    assert response.status_code == 200
    assert "不支持该文件类型" in text(response)
    assert not Person.objects.get(pk=world.staff_person.pk).photo_id


def test_a_new_photo_withdraws_the_one_before_and_clearing_removes_it(
    world, login, settings, tmp_path
):
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path
    client = login(world.users["integrity"])
    url = reverse("org:person_edit", args=[world.staff_person.pk])
    data = {"staff_no": "0102", "name": "张医生", "active": "on"}
    assert client.post(url, data | {"photo": _png()}).status_code == 302
    first = Person.objects.get(pk=world.staff_person.pk).photo
    assert first.use == "person_photo" and first.mime_type == "image/png"
    # unchanged: the same attachment
    assert client.post(url, data).status_code == 302
    assert Person.objects.get(pk=world.staff_person.pk).photo_id == first.pk
    assert client.post(url, data | {"photo": _png()}).status_code == 302
    second = Person.objects.get(pk=world.staff_person.pk).photo
    first.refresh_from_db()
    assert second.pk != first.pk and first.deleted_at is not None
    assert client.post(url, data | {"photo-clear": "on"}).status_code == 302
    assert Person.objects.get(pk=world.staff_person.pk).photo_id is None
    photo_url = reverse("org:person_photo", args=[world.staff_person.pk])
    assert client.get(photo_url).status_code == 404
    actions = list(
        AuditEvent.objects.filter(action__startswith="attachment.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "attachment.save",
        "attachment.delete",
        "attachment.save",
        "attachment.delete",
    ]
