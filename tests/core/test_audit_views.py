"""The audit log pages: the integrity office sees its subtree's events, filters, diffs, checks."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianfang.accounts.models import User
from lianfang.core import audit
from lianfang.core.models import AuditEvent, Module
from lianfang.core.roles import Role
from lianfang.org.models import Department
from tests.factories import make_user

LIST = reverse("core:audit_list")
VERIFY = reverse("core:audit_verify")


def detail(event):
    return reverse("core:audit_detail", args=[event.pk])


def create_department(world, name, code, *, org=None, actor="integrity"):
    with transaction.atomic():
        dept = Department.objects.create(organisation=org or world.hospital, name=name, code=code)
        return audit.record(
            actor=world.users[actor],
            action="department.create",
            obj=dept,
            after=audit.snapshot(dept),
        )


def rename_department(world, dept, name, *, actor="admin"):
    with transaction.atomic():
        before = audit.snapshot(dept)
        dept.name = name
        dept.is_key = True
        dept.save()
        return audit.record(
            actor=world.users[actor],
            action="department.update",
            obj=dept,
            before=before,
            after=audit.snapshot(dept),
        )


@pytest.fixture
def auditor(world):
    """A platform auditor: a superuser with the integrity role, who sees every event."""
    user = make_user("auditor", (Role.INTEGRITY, world.commission))
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def events(world):
    """Events in the hospital, in the other hospital, and one tied to no organisation."""
    created = create_department(world, "体检中心", "TJZX")
    renamed = rename_department(world, world.cardiology, "心血管内科")
    other = rename_department(world, world.surgery_b, "普通外科", actor="commission_integrity")
    with transaction.atomic():
        system = audit.record(
            actor=world.users["admin"],
            action="settings.update",
            object_type="core.module",
            object_id="9",
            object_repr="审计日志",
            before={"enabled": True},
            after={"enabled": False},
        )
    return {"created": created, "renamed": renamed, "other": other, "system": system}


def rows(response):
    return [e.pk for e in response.context["table"].rows]


@pytest.mark.django_db
def test_integrity_office_sees_its_hospital_only(world, events, login):
    response = login(world.users["integrity"]).get(LIST)
    assert response.status_code == 200
    assert rows(response) == [events["renamed"].pk, events["created"].pk]  # newest first
    html = response.content.decode()
    assert "心血管内科" in html and "体检中心" in html
    assert "普通外科" not in html
    assert detail(events["renamed"]) in html
    assert "校验审计链" in html


@pytest.mark.django_db
def test_commission_integrity_sees_both_hospitals_but_not_platform_events(world, events, login):
    response = login(world.users["commission_integrity"]).get(LIST)
    assert set(rows(response)) == {e.pk for k, e in events.items() if k != "system"}
    assert "普通外科" in response.content.decode()


@pytest.mark.django_db
def test_a_platform_auditor_sees_every_event(world, events, login, auditor):
    assert set(rows(login(auditor).get(LIST))) == {e.pk for e in events.values()}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "leader", "dept_head", "staff", "outsider", "nobody"])
def test_other_roles_are_refused(world, events, login, role):
    client = login(world.users[role])
    assert client.get(LIST).status_code == 403
    assert client.get(detail(events["created"])).status_code == 403
    assert client.post(VERIFY).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, events):
    for response in (client.get(LIST), client.get(detail(events["created"]))):
        assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.django_db
def test_empty_state(world, login):
    response = login(world.users["integrity"]).get(LIST)
    assert response.status_code == 200
    assert "暂无审计事件" in response.content.decode()


@pytest.mark.django_db
def test_filter_by_actor_object_type_object_and_action(world, events, login, auditor):
    client = login(auditor)
    by_actor = client.get(LIST, {"actor": "wjw"})
    assert rows(by_actor) == [events["other"].pk]
    by_type = client.get(LIST, {"object_type": "core.module"})
    assert rows(by_type) == [events["system"].pk]
    by_object = client.get(LIST, {"object": "体检"})
    assert rows(by_object) == [events["created"].pk]
    by_object_id = client.get(LIST, {"object": str(world.cardiology.pk)})
    assert events["renamed"].pk in rows(by_object_id)
    by_action = client.get(LIST, {"action": "department.update"})
    assert set(rows(by_action)) == {events["renamed"].pk, events["other"].pk}
    nothing = client.get(LIST, {"actor": "无此人"})
    assert rows(nothing) == []
    assert "没有符合条件的审计事件" in nothing.content.decode()


@pytest.mark.django_db
def test_select_filters_offer_what_the_user_can_see(world, events, login):
    response = login(world.users["integrity"]).get(LIST)
    form = response.context["form"]
    assert [v for v, _ in form.fields["object_type"].choices] == ["", "org.department"]
    assert dict(form.fields["object_type"].choices)["org.department"] == "科室"
    actions = dict(form.fields["action"].choices)
    assert set(actions) == {"", "department.create", "department.update"}
    assert actions["department.update"] == "修改科室"
    # A type the user cannot see is refused as a choice, not silently applied.
    refused = login(world.users["integrity"]).get(LIST, {"object_type": "core.module"})
    assert refused.context["form"].errors["object_type"]
    assert len(rows(refused)) == 2


@pytest.mark.django_db
def test_filter_by_time_range(world, login):
    day = dt.datetime(2026, 3, 10, 9, 0, tzinfo=timezone.get_current_timezone())
    made = {}
    for offset, code in [(0, "D0"), (1, "D1"), (2, "D2")]:
        with mock.patch("django.utils.timezone.now", return_value=day + dt.timedelta(days=offset)):
            made[code] = create_department(world, f"科室{code}", code)
    # Late evening local time is still that day (the bound is the local midnight).
    late = dt.datetime(2026, 3, 12, 23, 30, tzinfo=timezone.get_current_timezone())
    with mock.patch("django.utils.timezone.now", return_value=late):
        made["late"] = create_department(world, "夜间科室", "LATE")
    client = login(world.users["integrity"])
    response = client.get(LIST, {"since": "2026-03-11", "until": "2026-03-12"})
    assert set(rows(response)) == {made["D1"].pk, made["D2"].pk, made["late"].pk}
    assert set(rows(client.get(LIST, {"until": "2026-03-10"}))) == {made["D0"].pk}
    assert set(rows(client.get(LIST, {"since": "2026-03-13"}))) == set()
    assert audit.verify().ok


@pytest.mark.django_db
def test_bad_dates_get_a_chinese_message_not_a_500(world, events, login):
    client = login(world.users["integrity"])
    response = client.get(LIST, {"since": "昨天"})
    assert response.status_code == 200
    assert "有效的日期" in response.content.decode()
    assert len(rows(response)) == 2
    response = client.get(LIST, {"since": "2026-03-12", "until": "2026-03-01"})
    assert "截止日期不能早于起始日期。" in response.content.decode()


@pytest.mark.django_db
def test_sorting(world, events, login, auditor):
    client = login(auditor)
    by_actor = client.get(LIST, {"sort": "actor"})
    labels = [e.actor_label for e in by_actor.context["table"].rows]
    assert labels == sorted(labels)
    oldest_first = client.get(LIST, {"sort": "time"})
    assert rows(oldest_first)[0] == events["created"].pk
    by_type = client.get(LIST, {"sort": "-object_type"})
    assert rows(by_type)[-1] == events["system"].pk  # core.module sorts before org.*
    by_action = client.get(LIST, {"sort": "action"})
    assert rows(by_action)[0] == events["created"].pk  # department.create first
    assert client.get(LIST, {"sort": "hash"}).status_code == 200  # unknown key: default


@pytest.mark.django_db
def test_pagination(world, login):
    for i in range(25):
        create_department(world, f"科室{i}", f"K{i}")
    client = login(world.users["integrity"])
    first = client.get(LIST)
    assert len(rows(first)) == 20
    assert "共 25 条" in first.content.decode()
    second = client.get(LIST, {"page": 2})
    assert len(rows(second)) == 5
    assert not set(rows(first)) & set(rows(second))


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_events(world, login):
    client = login(world.users["integrity"])
    for i in range(5):
        create_department(world, f"科室{i}", f"K{i}")
    client.get(LIST)  # warm the per-process caches (content types, translations)
    few = count_queries(client, LIST)
    for i in range(5, 50):
        rename_department(world, world.cardiology, f"心内科{i}")
    many = count_queries(client, LIST + "?per_page=100")
    assert few == many


@pytest.mark.django_db
def test_detail_shows_the_field_diff_hashes_and_position(world, events, login):
    event = events["renamed"]
    response = login(world.users["integrity"]).get(detail(event))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("字段", "原值", "新值", "名称", "心内科", "心血管内科", "重点科室", "否", "是"):
        assert text in html, text
    assert event.hash in html and event.prev_hash in html
    assert "链上第 2 号事件，共 4 号" in html
    assert "内容与哈希一致" in html and "与前一事件衔接" in html
    diff = response.context["rows"]
    assert [(r["name"], r["old"], r["new"]) for r in diff] == [
        ("name", "心内科", "心血管内科"),
        ("is_key", "否", "是"),
    ]
    # Neighbours link only to events the user may see (the next one is another hospital's).
    assert response.context["position"].previous.pk == events["created"].pk
    assert response.context["position"].next is None


@pytest.mark.django_db
def test_detail_of_a_created_object_lists_its_values_with_choice_labels(world, events, login):
    response = login(world.users["integrity"]).get(detail(events["created"]))
    rows_ = {r["name"]: r for r in response.context["rows"]}
    assert rows_["name"]["old"] == "—" and rows_["name"]["new"] == "体检中心"
    assert rows_["kind"]["new"] == "其他（other）"
    assert rows_["organisation_id"]["label"] == "单位"


@pytest.mark.django_db
def test_detail_outside_the_scope_is_404(world, events, login):
    client = login(world.users["integrity"])
    assert client.get(detail(events["other"])).status_code == 404
    assert client.get(detail(events["system"])).status_code == 404
    assert client.get(reverse("core:audit_detail", args=[999999])).status_code == 404
    commission = login(world.users["commission_integrity"])
    assert commission.get(detail(events["other"])).status_code == 200


@pytest.mark.django_db
def test_detail_flags_a_tampered_event(world, events, login):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        AuditEvent.objects.filter(pk=events["renamed"].pk).update(actor_label="某人")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    html = login(world.users["integrity"]).get(detail(events["renamed"])).content.decode()
    assert "内容与哈希不符" in html


@pytest.mark.django_db
def test_verify_button_flashes_ok(world, events, login):
    client = login(world.users["integrity"])
    response = client.post(VERIFY, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "审计链完整：共 4 条事件，逐条校验通过。" in response.content.decode()


@pytest.mark.django_db
def test_verify_button_names_the_broken_event(world, events, login):
    row = AuditEvent.objects.get(seq=2)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE core_auditevent SET object_repr = %s WHERE id = %s", ["X", row.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
    response = login(world.users["integrity"]).post(VERIFY, follow=True)
    html = response.content.decode()
    assert "审计链已被破坏" in html
    assert f"第 2 号事件（记录 {row.pk}）的内容与其哈希不符" in html


@pytest.mark.django_db
def test_verify_needs_post(world, login):
    assert login(world.users["integrity"]).get(VERIFY).status_code == 405


@pytest.mark.django_db
def test_an_audit_module_switched_off_before_hides_no_audit_page(world, events, login):
    """三员分立: the audit log is always on; a switch left off by an earlier version (the
    platform's, an organisation's) is ignored (tests/core/test_audit_duties.py)."""
    Module.objects.filter(code="audit").update(enabled=False)
    client = login(world.users["integrity"])
    assert client.get(LIST).status_code == 200
    assert client.get(detail(events["created"])).status_code == 200
    assert client.post(VERIFY).status_code == 302
