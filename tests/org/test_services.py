import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.org import person_services, services
from lianfang.org.models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
)

pytestmark = pytest.mark.django_db


def _messages(excinfo):
    return " ".join(m for ms in excinfo.value.message_dict.values() for m in ms)


# Organisations ------------------------------------------------------------------------------


def test_organisation_create_sets_path_and_depth_and_audits(world):
    actor = world.users["integrity"]
    clinic = services.organisation_create(
        actor=actor, data={"name": "社区门诊部", "code": "H1-MZ", "parent": world.hospital}
    )
    assert clinic.path == f"{world.hospital.path}{clinic.pk}/"
    assert clinic.depth == 2
    event = AuditEvent.objects.get(action="organisation.create")
    assert event.object_id == str(clinic.pk)
    assert event.after["code"] == "H1-MZ"
    assert audit.verify().ok


def test_reparenting_moves_the_whole_subtree(world):
    actor = world.users["commission_integrity"]
    campus = services.organisation_create(
        actor=actor, data={"name": "东院区", "code": "H1-E", "parent": world.hospital}
    )
    ward = services.organisation_create(
        actor=actor, data={"name": "东院病区", "code": "H1-E-1", "parent": campus}
    )
    services.organisation_update(
        actor=actor, organisation=campus, data={"parent": world.other_hospital}
    )
    campus.refresh_from_db()
    ward.refresh_from_db()
    assert campus.path == f"{world.other_hospital.path}{campus.pk}/"
    assert ward.path == f"{campus.path}{ward.pk}/"
    assert (campus.depth, ward.depth) == (2, 3)
    # the descendant's move is audited with its old and new path
    move = AuditEvent.objects.get(action="organisation.move", object_id=str(ward.pk))
    assert move.before["path"].startswith(world.hospital.path)
    assert move.after["path"] == ward.path
    # moving up to the root level reduces the depth of the subtree
    services.organisation_update(actor=actor, organisation=campus, data={"parent": None})
    ward.refresh_from_db()
    assert ward.path == f"/{campus.pk}/{ward.pk}/" and ward.depth == 1


def test_reparenting_under_own_descendant_is_refused(world):
    actor = world.users["commission_integrity"]
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_update(
            actor=actor, organisation=world.commission, data={"parent": world.hospital}
        )
    assert "下级单位" in _messages(excinfo)
    with pytest.raises(ValidationError):
        services.organisation_update(
            actor=actor, organisation=world.hospital, data={"parent": world.hospital}
        )
    world.hospital.refresh_from_db()
    assert world.hospital.parent_id == world.commission.pk
    assert not AuditEvent.objects.filter(action__startswith="organisation.").exists()


def test_organisation_code_must_be_unique(world):
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_create(
            actor=None, data={"name": "重复", "code": "H1", "parent": world.commission}
        )
    assert "已被使用" in _messages(excinfo)


# Departments and functions ------------------------------------------------------------------


def test_department_duplicates_are_refused_in_chinese(world):
    with pytest.raises(ValidationError) as excinfo:
        services.department_create(
            actor=None, organisation=world.hospital, data={"name": "心内科", "code": "XNK"}
        )
    assert set(excinfo.value.message_dict) == {"name", "code"}
    assert "本单位已有" in _messages(excinfo)
    # the same name in another hospital is fine
    dept = services.department_create(
        actor=None, organisation=world.other_hospital, data={"name": "心内科", "code": "XNK"}
    )
    assert dept.organisation == world.other_hospital


def test_department_head_must_belong_to_the_organisation(world):
    with pytest.raises(ValidationError) as excinfo:
        services.department_update(
            actor=None, department=world.cardiology, data={"head": world.other_person}
        )
    assert "head" in excinfo.value.message_dict


def test_department_function_add_edit_remove_audited(world):
    actor = world.users["admin"]
    fn = services.department_function_add(
        actor=actor, department=world.procurement, data={"title": "药品耗材采购", "order": 1}
    )
    services.department_function_update(actor=actor, function=fn, data={"title": "物资采购"})
    fn.refresh_from_db()
    assert fn.title == "物资采购"
    services.department_function_remove(actor=actor, function=fn)
    assert not DepartmentFunction.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="org.departmentfunction")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "department_function.create",
        "department_function.update",
        "department_function.delete",
    ]
    update = AuditEvent.objects.get(action="department_function.update")
    assert (update.before, update.after) == ({"title": "药品耗材采购"}, {"title": "物资采购"})
    assert AuditEvent.objects.get(action="department_function.delete").organisation_id == (
        world.hospital.pk
    )


# Posts ----------------------------------------------------------------------------------------


def test_post_create_generates_code_and_checks_department(world):
    post = services.post_create(
        actor=None,
        organisation=world.hospital,
        data={
            "name": "会计",
            "department": world.finance,
            "is_sensitive": True,
            "rotation_years": 5,
        },
    )
    assert post.code.startswith("GW") and post.is_sensitive and post.rotation_years == 5
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(
            actor=None,
            organisation=world.hospital,
            data={"name": "会计", "department": world.finance},
        )
    assert "已有名为“会计”的岗位" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.post_create(
            actor=None,
            organisation=world.hospital,
            data={"name": "外院岗位", "department": world.surgery_b},
        )
    assert "department" in excinfo.value.message_dict


def test_post_update_audits_flags(world):
    post = Post.objects.get(code="P-ZZYS")
    services.post_update(
        actor=world.users["integrity"], post=post, data={"is_key": True, "rotation_years": 4}
    )
    event = AuditEvent.objects.get(action="post.update")
    assert event.before == {"is_key": False, "rotation_years": None}
    assert event.after == {"is_key": True, "rotation_years": 4}


# People ---------------------------------------------------------------------------------------


def test_duplicate_staff_no_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        person_services.person_create(
            actor=None, organisation=world.hospital, data={"staff_no": "0101", "name": "同号"}
        )
    assert excinfo.value.message_dict["staff_no"] == ["工号“0101”已被本单位其他人员使用。"]
    # another hospital may reuse it
    person_services.person_create(
        actor=None, organisation=world.other_hospital, data={"staff_no": "0101", "name": "外院"}
    )


def test_person_update_records_before_and_after(world):
    person_services.person_update(
        actor=world.users["admin"], person=world.staff_person, data={"phone": "13800000000"}
    )
    event = AuditEvent.objects.get(action="person.update")
    assert event.before == {"phone": ""} and event.after == {"phone": "13800000000"}


# Assignments ------------------------------------------------------------------------------------


def test_assigning_closes_the_previous_post_the_day_before(world):
    buyer_post = Post.objects.get(code="P-CGY")
    new = person_services.post_assign(
        actor=world.users["integrity"],
        person=world.staff_person,
        post=buyer_post,
        start=dt.date(2024, 7, 1),
    )
    rows = list(PostAssignment.objects.filter(person=world.staff_person).order_by("start"))
    assert [r.post.code for r in rows] == ["P-ZZYS", "P-CGY"]
    assert rows[0].end == dt.date(2024, 6, 30)
    assert rows[1] == new and rows[1].end is None
    world.staff_person.refresh_from_db()
    assert world.staff_person.department == world.procurement  # moved with the post
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"post_assignment.close", "post_assignment.create", "person.update"} <= actions
    close = AuditEvent.objects.get(action="post_assignment.close")
    assert close.before == {"end": None} and close.after == {"end": "2024-06-30"}


def test_assignment_must_start_after_the_current_one(world):
    buyer_post = Post.objects.get(code="P-CGY")
    with pytest.raises(ValidationError) as excinfo:
        person_services.post_assign(
            actor=None, person=world.staff_person, post=buyer_post, start=dt.date(2020, 1, 1)
        )
    assert "须晚于现任岗位" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        person_services.post_assign(
            actor=None,
            person=world.staff_person,
            post=Post.objects.get(code="P-ZZYS"),
            start=dt.date(2024, 1, 1),
        )
    assert "已在此岗位任职" in _messages(excinfo)
    with pytest.raises(ValidationError):
        person_services.post_assign(
            actor=None,
            person=world.staff_person,
            post=Post.objects.get(code="P-YS"),  # another hospital's post
            start=dt.date(2024, 1, 1),
        )
    assert PostAssignment.objects.filter(person=world.staff_person).count() == 1


def test_assignment_update_refuses_end_before_start(world):
    row = PostAssignment.objects.get(person=world.staff_person)
    with pytest.raises(ValidationError) as excinfo:
        person_services.assignment_update(
            actor=None, assignment=row, data={"end": dt.date(2019, 1, 1)}
        )
    assert excinfo.value.message_dict["end"] == ["任职结束日期不能早于开始日期。"]
    person_services.assignment_update(actor=None, assignment=row, data={"end": dt.date(2023, 1, 1)})
    row.refresh_from_db()
    assert row.end == dt.date(2023, 1, 1)


# Leader divisions ---------------------------------------------------------------------------


def test_division_create_validates_and_audits(world):
    actor = world.users["integrity"]
    division = services.division_create(
        actor=actor,
        leader=world.leader_person,
        data={"department": world.cardiology, "since": dt.date(2023, 1, 1), "duties": "医疗"},
    )
    assert division.department == world.cardiology
    assert AuditEvent.objects.filter(action="leader_division.create").count() == 1
    with pytest.raises(ValidationError) as excinfo:
        services.division_create(
            actor=actor,
            leader=world.leader_person,
            data={"department": world.cardiology, "since": dt.date(2024, 1, 1)},
        )
    assert "已分管" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.division_update(
            actor=actor, division=division, data={"until": dt.date(2022, 1, 1)}
        )
    assert excinfo.value.message_dict["until"] == ["分管结束日期不能早于起始日期。"]
    with pytest.raises(ValidationError):
        services.division_create(
            actor=actor,
            leader=world.leader_person,
            data={"department": world.surgery_b, "since": dt.date(2023, 1, 1)},
        )
    services.division_end(actor=actor, division=division, until=dt.date(2024, 12, 31))
    division.refresh_from_db()
    assert division.until == dt.date(2024, 12, 31)
    services.division_delete(actor=actor, division=division)
    assert not LeaderDivision.objects.filter(pk=division.pk).exists()
    assert audit.verify().ok


def test_failed_write_leaves_no_trace(world):
    before = (Organisation.objects.count(), Department.objects.count(), Person.objects.count())
    with pytest.raises(ValidationError):
        person_services.person_create(
            actor=None,
            organisation=world.hospital,
            data={"staff_no": "X1", "name": "甲", "department": world.surgery_b},
        )
    after = (Organisation.objects.count(), Department.objects.count(), Person.objects.count())
    assert before == after
    assert not AuditEvent.objects.exists()
