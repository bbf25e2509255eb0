import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from lianfang.accounts import services
from lianfang.accounts.models import RoleGrant, User
from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.core.roles import Role
from lianfang.org.models import Person

NEW_PASSWORD = "Qiang-mima-2026!"


def create(world, **overrides):
    data = {
        "actor": world.users["admin"],
        "username": "newbie",
        "display_name": "新同事",
        "password": NEW_PASSWORD,
        "organisation": world.hospital,
    }
    data.update(overrides)
    return services.user_create(**data)


def all_audit_text():
    return json.dumps(
        list(AuditEvent.objects.values("before", "after", "object_repr")), ensure_ascii=False
    )


def test_user_create_hashes_with_argon2_and_audits_without_the_password(world):
    user = create(world, person=world.colleague_person)
    assert user.password.startswith("argon2")
    assert user.check_password(NEW_PASSWORD)
    assert user.must_change_password  # the administrator knows it: changed at first sign-in
    assert user.organisation == world.hospital
    assert Person.objects.get(pk=world.colleague_person.pk).user == user
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert event.after["username"] == "newbie"
    assert event.organisation_path == world.hospital.path
    assert AuditEvent.objects.filter(action="org.person.link_account").count() == 1
    text = all_audit_text()
    assert NEW_PASSWORD not in text
    assert user.password not in text
    assert "password" not in text
    assert audit.verify().ok


def test_user_create_refuses_a_node_outside_the_subtree(world):
    with pytest.raises(ValidationError) as exc:
        create(world, organisation=world.other_hospital)
    assert "管理范围" in " ".join(exc.value.messages)
    assert not User.objects.filter(username="newbie").exists()


def test_user_create_refuses_weak_password_duplicate_name_and_taken_person(world):
    with pytest.raises(ValidationError) as exc:
        create(world, password="12345678")
    assert "password1" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create(world, username="STAFF")
    assert exc.value.message_dict["username"] == ["该用户名已被使用。"]
    with pytest.raises(ValidationError) as exc:
        create(world, person=world.staff_person)
    assert exc.value.message_dict["person"] == ["该人员已关联其他账号。"]
    with pytest.raises(ValidationError):
        create(world, person=world.other_person)
    assert AuditEvent.objects.count() == 0


def test_only_administrators_create_accounts(world):
    with pytest.raises(ValidationError):
        create(world, actor=world.users["integrity"])


def test_role_grant_inside_the_subtree(world, security):
    user = create(world)
    grant = services.role_grant(
        actor=security,
        user=user,
        role=Role.DEPT_HEAD,
        organisation=world.hospital,
        department=world.finance,
    )
    assert grant.department == world.finance
    user = User.objects.get(pk=user.pk)
    assert user.roles == {Role.DEPT_HEAD}
    event = AuditEvent.objects.get(action="accounts.role.grant")
    assert event.after["role"] == "dept_head"
    assert event.after["department_id"] == world.finance.pk


def test_role_grant_outside_the_subtree_is_refused_in_chinese(world, security):
    user = create(world)
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=security,
            user=user,
            role=Role.INTEGRITY,
            organisation=world.commission,
        )
    assert exc.value.messages == ["只能在您管理的单位范围内操作，所选单位不在您的管理范围内。"]
    assert not RoleGrant.objects.filter(user=user).exists()


def test_dept_head_needs_a_department_of_the_node(world, security):
    user = create(world)
    admin = security
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=admin, user=user, role=Role.DEPT_HEAD, organisation=world.hospital
        )
    assert exc.value.message_dict["department"] == ["授予部门负责人角色时必须选择科室。"]
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=admin,
            user=user,
            role=Role.DEPT_HEAD,
            organisation=world.hospital,
            department=world.surgery_b,
        )
    assert "不属于" in exc.value.message_dict["department"][0]


def test_duplicate_grant_and_self_grant_are_refused(world, security):
    admin = security
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=admin, user=world.users["staff"], role=Role.STAFF, organisation=world.hospital
        )
    assert "已拥有" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=admin, user=admin, role=Role.LEADER, organisation=world.hospital)
    assert "自己" in exc.value.messages[0]


def test_accounts_with_power_elsewhere_cannot_be_taken_over(world, security):
    """The commission's integrity officer also works in the hospital: the hospital's
    administrator sees the account but cannot reset its password or grant it roles."""
    officer = world.users["commission_integrity"]
    RoleGrant.objects.create(user=officer, role=Role.STAFF, organisation=world.hospital)
    admin = User.objects.get(pk=world.users["admin"].pk)
    with pytest.raises(ValidationError) as exc:
        services.user_password_reset(actor=admin, user=officer, password=NEW_PASSWORD)
    assert "管理范围之外" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.role_grant(
            actor=security, user=officer, role=Role.LEADER, organisation=world.hospital
        )
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=admin, user=officer)
    officer.refresh_from_db()
    assert officer.is_active and not officer.check_password(NEW_PASSWORD)
    # Withdrawing the role given in the hospital stays possible.
    grant = RoleGrant.objects.get(user=officer, organisation=world.hospital)
    services.role_revoke(actor=security, grant=grant)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_role_revoke_is_audited_and_bounded(world, security):
    admin = security
    grant = RoleGrant.objects.get(user=world.users["integrity"])
    services.role_revoke(actor=admin, grant=grant)
    event = AuditEvent.objects.get(action="accounts.role.revoke")
    assert event.before["role"] == "integrity"
    assert event.after is None
    outside = RoleGrant.objects.get(user=world.users["outsider"])
    with pytest.raises(ValidationError):
        services.role_revoke(actor=admin, grant=outside)
    assert RoleGrant.objects.filter(pk=outside.pk).exists()


def test_deactivated_user_cannot_sign_in_and_self_deactivation_is_refused(world, password):
    admin = world.users["admin"]
    services.user_deactivate(actor=admin, user=world.users["staff"])
    response = Client().post(reverse("accounts:login"), {"username": "staff", "password": password})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="accounts.user.deactivate")
    assert event.before == {"is_active": True} and event.after == {"is_active": False}
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=admin, user=admin)
    services.user_activate(actor=admin, user=world.users["staff"])
    assert User.objects.get(username="staff").is_active


def test_password_reset_sets_the_password_lifts_lockout_and_hides_the_hash(world, clock):
    staff = world.users["staff"]
    client = Client()
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
        clock.advance(60)
    locked = client.post(reverse("accounts:login"), {"username": "staff", "password": "wrong"})
    assert "登录已被暂时锁定" in locked.content.decode()
    services.user_password_reset(actor=world.users["admin"], user=staff, password=NEW_PASSWORD)
    staff.refresh_from_db()
    assert staff.password.startswith("argon2")
    response = client.post(
        reverse("accounts:login"), {"username": "staff", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert event.before is None and event.after == {"must_change_password": True}
    text = all_audit_text()
    assert NEW_PASSWORD not in text and staff.password not in text


def test_otp_reset_removes_devices(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    integrity = world.users["integrity"]
    TOTPDevice.objects.create(user=integrity, name="phone", confirmed=True)
    assert services.user_otp_reset(actor=world.users["admin"], user=integrity) == 1
    assert not TOTPDevice.objects.filter(user=integrity).exists()
    assert AuditEvent.objects.filter(action="accounts.otp.reset").count() == 1
