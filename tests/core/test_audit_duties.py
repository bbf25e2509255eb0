"""The audit log under separation of duties (三员分立): nobody switches it off, whatever a
switch of before says; the audit reviewer (安全审计员) reads a unit's log beside its
integrity office, and the log shows what was done to the modules, the roles and the log
itself."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from lianfang.accounts import services as account_services
from lianfang.core import services
from lianfang.core.models import AuditEvent, Module, ModuleSetting
from lianfang.core.roles import Role
from lianfang.core.selectors import modules_open_to, switchable_modules
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST = reverse("core:audit_list")


@pytest.fixture
def reviewer(world):
    return make_user("reviewer", (Role.AUDITOR, world.hospital))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_nobody_switches_the_audit_log_off(world, platform_admin):
    audit_module = Module.objects.get(code="audit")
    assert audit_module not in switchable_modules()
    with pytest.raises(ValidationError, match="不能停用"):
        services.module_set_enabled(actor=platform_admin, module=audit_module, enabled=False)
    with pytest.raises(ValidationError, match="不能停用"):
        services.module_settings_set(
            actor=world.users["admin"], organisation=world.hospital, choices={audit_module: False}
        )
    assert not ModuleSetting.objects.filter(module=audit_module).exists()
    page = signed_in(world.users["admin"]).get(
        reverse("core:organisation_module_edit", args=[world.hospital.pk])
    )
    assert page.status_code == 200
    assert 'name="audit"' not in page.content.decode()
    assert 'name="risks"' in page.content.decode()  # the page still offers the others


def test_a_switch_left_off_before_is_ignored(world, reviewer, platform_admin):
    """The administrator had switched the log off for the hospital, and the platform for
    everyone: the integrity office and the reviewer still open it."""
    audit_module = Module.objects.get(code="audit")
    Module.objects.filter(pk=audit_module.pk).update(enabled=False)
    ModuleSetting.objects.create(organisation=world.hospital, module=audit_module, enabled=False)
    for user in (world.users["integrity"], reviewer):
        assert "audit" in modules_open_to(user)
        client = signed_in(user)
        response = client.get(LIST)
        assert response.status_code == 200
        home = client.get(reverse("dashboard:home")).content.decode()
        assert f'href="{LIST}"' in home  # the menu entry
    page = signed_in(platform_admin).get(reverse("core:module_list"))
    (shown,) = [m for m in page.context["modules"] if m.code == "audit"]
    assert shown.always_on and shown.enabled  # shown on, with no switch


def test_the_reviewer_and_the_office_see_modules_roles_and_the_log_itself(
    world, reviewer, platform_admin
):
    """What the issue found hidden: the administrator's module switch, and with it the role
    grants and the checks of the log, are on the hospital's own audit list."""
    security = make_user("security", (Role.SECURITY, world.hospital))
    risks = Module.objects.get(code="risks")
    services.module_settings_set(
        actor=world.users["admin"], organisation=world.hospital, choices={risks: False}
    )
    other = Module.objects.create(code="extra", name="额外模块", order=97)
    services.module_set_enabled(actor=platform_admin, module=other, enabled=False)
    account_services.role_grant(
        actor=security,
        user=world.users["staff"],
        role=Role.LEADER,
        organisation=world.hospital,
    )
    response = signed_in(world.users["integrity"]).post(reverse("core:audit_verify"))
    assert response.status_code == 302
    check = AuditEvent.objects.get(action="audit.verify")
    assert check.organisation_path == world.hospital.path and check.after["ok"] is True
    # the other hospital's events stay theirs
    other_admin = make_user("other_admin", (Role.ADMIN, world.other_hospital))
    services.module_settings_set(
        actor=other_admin, organisation=world.other_hospital, choices={risks: False}
    )
    expected = {
        "module_setting.disable",
        "module.disable",
        "accounts.role.grant",
        "audit.verify",
    }
    for user in (world.users["integrity"], reviewer):
        response = signed_in(user).get(LIST, {"per_page": 100})
        assert response.status_code == 200
        rows = response.context["table"].rows
        assert {e.action for e in rows} == expected, user
        assert all(e.organisation_path in (world.hospital.path, "") for e in rows)
        page = response.content.decode()
        for label in ("为单位停用模块", "停用模块（全平台）", "授予角色", "校验审计链"):
            assert label in page
    # The reviewer's own check is on the office's list too.
    signed_in(reviewer).post(reverse("core:audit_verify"))
    reviewed = AuditEvent.objects.filter(action="audit.verify").latest("seq")
    assert reviewed.actor_id == reviewer.pk
    listed = signed_in(world.users["integrity"]).get(LIST, {"per_page": 100})
    assert reviewed in listed.context["table"].rows


def test_the_reviewer_reads_and_keeps_nothing_else(world, reviewer):
    client = signed_in(reviewer)
    for name in ("accounts:user_list", "core:organisation_modules", "risks:scheme_index"):
        assert client.get(reverse(name)).status_code == 403, name
    before = AuditEvent.objects.count()
    assert client.get(LIST).status_code == 200
    assert AuditEvent.objects.count() == before
