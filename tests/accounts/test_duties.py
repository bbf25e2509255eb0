"""Separation of duties (三员分立): the system administrator, the security administrator and
the audit reviewer are separate accounts; only the security administrator grants roles (the
command line sets up the first one); a grant makes the units below writable only when it
says so (下级单位可写)."""

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from lianfang.accounts import services
from lianfang.accounts.models import RoleGrant
from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.core.roles import Role, duties_conflict
from tests.factories import make_user, writes_below

pytestmark = pytest.mark.django_db

PAIRS = [
    (held, wanted)
    for held in Role.DUTIES
    for wanted in Role.DUTIES
    if held != wanted  # every ordered pair of two different duties
]


def roles_of(user) -> list[str]:
    return sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True))


def roles_command(*args) -> str:
    out = io.StringIO()
    call_command("roles", *args, stdout=out)
    return out.getvalue()


def test_the_rule_names_the_duty_in_the_way():
    assert duties_conflict({Role.ADMIN, Role.STAFF}, Role.SECURITY) == Role.ADMIN
    assert duties_conflict({Role.SECURITY}, Role.AUDITOR) == Role.SECURITY
    assert duties_conflict({Role.ADMIN}, Role.ADMIN) is None  # the same duty on another node
    assert duties_conflict({Role.ADMIN}, Role.INTEGRITY) is None  # not one of the three
    assert duties_conflict({Role.AUDITOR, Role.INTEGRITY}, Role.STAFF) is None


@pytest.mark.parametrize(("held", "wanted"), PAIRS)
def test_one_account_never_holds_two_duties(world, security, held, wanted):
    user = make_user("duty", (held, world.hospital))
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=security, user=user, role=wanted, organisation=world.hospital)
    (message,) = exc.value.message_dict["role"]
    assert "三员分立" in message
    assert str(Role(held).label) in message and str(Role(wanted).label) in message
    assert roles_of(user) == [held]
    assert not AuditEvent.objects.filter(action="accounts.role.grant").exists()


def test_the_duty_is_refused_whatever_the_node_and_on_the_command_line(world):
    user = make_user("duty", (Role.ADMIN, world.hospital))
    with pytest.raises(CommandError, match="三员分立"):
        roles_command("grant", "duty", "auditor", "--organisation", world.commission.code)
    assert roles_of(user) == [Role.ADMIN]
    # Other roles beside a duty are granted as before.
    roles_command("grant", "duty", "staff", "--organisation", world.hospital.code)
    assert roles_of(user) == [Role.ADMIN, Role.STAFF]


def test_the_system_administrator_no_longer_grants_or_revokes(world):
    admin = world.users["admin"]
    user = make_user("newbie", (Role.STAFF, world.hospital))
    with pytest.raises(PermissionDenied, match="只有安全管理员"):
        services.role_grant(actor=admin, user=user, role=Role.LEADER, organisation=world.hospital)
    with pytest.raises(PermissionDenied, match="只有安全管理员"):
        services.role_revoke(actor=admin, grant=RoleGrant.objects.get(user=user))
    assert roles_of(user) == [Role.STAFF]


def test_a_security_administrator_grants_on_their_node_and_never_to_themselves(world, security):
    user = make_user("newbie", (Role.STAFF, world.hospital))
    grant = services.role_grant(
        actor=security, user=user, role=Role.ADMIN, organisation=world.hospital
    )
    event = AuditEvent.objects.get(action="accounts.role.grant")
    assert event.after["role"] == Role.ADMIN and event.after["subordinates_writable"] is False
    assert event.organisation_path == world.hospital.path
    services.role_revoke(actor=security, grant=grant)
    assert roles_of(user) == [Role.STAFF]
    with pytest.raises(ValidationError, match="自己"):
        services.role_grant(
            actor=security, user=security, role=Role.LEADER, organisation=world.hospital
        )
    with pytest.raises(ValidationError, match="自己"):
        services.role_revoke(actor=security, grant=RoleGrant.objects.get(user=security))
    assert audit.verify().ok


def test_a_node_grant_writes_its_node_only(world):
    """The commission's security administrator, without 下级单位可写, grants on the commission
    and not in its hospitals; with it, in both."""
    commission_security = make_user("wjw_security", (Role.SECURITY, world.commission))
    user = make_user("newbie", (Role.STAFF, world.hospital))
    with pytest.raises(ValidationError, match="管理范围"):
        services.role_grant(
            actor=commission_security, user=user, role=Role.LEADER, organisation=world.hospital
        )
    writes_below(commission_security)
    services.role_grant(
        actor=commission_security, user=user, role=Role.LEADER, organisation=world.hospital
    )
    assert roles_of(user) == [Role.LEADER, Role.STAFF]


def test_writing_below_is_for_writing_roles_granted_by_one_who_writes_below(world, security):
    user = make_user("newbie", (Role.STAFF, world.hospital))
    # The hospital's security administrator writes the hospital only: it cannot hand on more.
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=security,
            user=user,
            role=Role.INTEGRITY,
            organisation=world.hospital,
            subordinates_writable=True,
        )
    assert "下级单位可写" in exc.value.message_dict["subordinates_writable"][0]
    above = writes_below(make_user("wjw_security", (Role.SECURITY, world.commission)))
    with pytest.raises(ValidationError) as exc:
        services.role_grant(
            actor=above,
            user=user,
            role=Role.LEADER,
            organisation=world.hospital,
            subordinates_writable=True,
        )
    assert "只适用于" in exc.value.message_dict["subordinates_writable"][0]
    grant = services.role_grant(
        actor=above,
        user=user,
        role=Role.INTEGRITY,
        organisation=world.hospital,
        subordinates_writable=True,
    )
    assert grant.subordinates_writable
    assert roles_of(user) == [Role.INTEGRITY, Role.STAFF]


def test_the_command_line_sets_up_a_fresh_installation(world):
    """Nobody holds 安全管理员 yet: the operator names the first one, who grants the rest."""
    first = make_user("first")
    out = roles_command("grant", "first", "安全管理员", "--organisation", world.hospital.code)
    assert "安全管理员" in out
    grant = RoleGrant.objects.get(user=first)
    assert (grant.role, grant.organisation, grant.subordinates_writable) == (
        Role.SECURITY,
        world.hospital,
        False,
    )
    event = AuditEvent.objects.get(action="accounts.role.grant")
    assert event.actor_label.startswith("cli")
    listing = roles_command("list", "--username", "first")
    assert re.search(r"first\tsecurity\t安全管理员\tH1", listing)
    roles_command(
        "grant",
        "first",
        "security",
        "--organisation",
        world.commission.code,
        "--subordinates-writable",
    )
    assert "下级单位可写" in roles_command("list", "--organisation", world.commission.code)
    roles_command("revoke", "first", "security", "--organisation", world.commission.code)
    assert roles_of(first) == [Role.SECURITY]
    with pytest.raises(CommandError, match="unknown role"):
        roles_command("grant", "first", "boss", "--organisation", world.hospital.code)
    with pytest.raises(CommandError, match="no such grant"):
        roles_command("revoke", "first", "auditor", "--organisation", world.hospital.code)
    with pytest.raises(CommandError, match="no department"):
        roles_command(
            "grant", "first", "dept_head", "--organisation", world.hospital.code,
            "--department", "NONE",
        )  # fmt: skip


# The pages ------------------------------------------------------------------------------------


def test_the_grant_form_preselects_nothing(world, login, security):
    staff = world.users["staff"]
    page = login(security).get(reverse("accounts:user_detail", args=[staff.pk]))
    assert page.status_code == 200
    form = page.context["grant_form"]
    assert form["role"].value() in (None, "")
    html = page.content.decode()
    select = re.search(r'<select name="role".*?</select>', html, re.S).group(0)
    chosen = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select)
    assert chosen in ([], [""])  # at most the empty choice: no role is chosen in advance
    assert '<option value="' + Role.ADMIN in select  # the roles are offered
    # Posting without choosing says so.
    response = login(security).post(
        reverse("accounts:role_grant", args=[staff.pk]), {"organisation": world.hospital.pk}
    )
    assert response.status_code == 400
    assert "请选择要授予的角色" in response.content.decode()


def test_the_pages_refuse_a_second_duty_in_chinese(world, login, security):
    admin = world.users["admin"]
    response = login(security).post(
        reverse("accounts:role_grant", args=[admin.pk]),
        {"role": Role.AUDITOR, "organisation": world.hospital.pk},
    )
    assert response.status_code == 400
    assert "三员分立" in response.content.decode()
    assert roles_of(admin) == [Role.ADMIN]


def test_only_the_security_administrator_grants_on_the_pages(world, login, security):
    staff = world.users["staff"]
    grant = RoleGrant.objects.get(user=staff)
    client = login(world.users["admin"])
    detail = client.get(reverse("accounts:user_detail", args=[staff.pk]))
    assert 'data-testid="grant-form"' not in detail.content.decode()
    assert "角色由安全管理员授予和撤销" in detail.content.decode()
    data = {"role": Role.LEADER, "organisation": world.hospital.pk}
    assert client.post(reverse("accounts:role_grant", args=[staff.pk]), data).status_code == 403
    revoke = reverse("accounts:role_revoke", args=[staff.pk, grant.pk])
    assert client.post(revoke).status_code == 403
    assert roles_of(staff) == [Role.STAFF]
    # The security administrator grants, and keeps no account pages of the administrator.
    client = login(security)
    assert client.get(reverse("accounts:user_list")).status_code == 200
    assert client.get(reverse("accounts:user_create")).status_code == 403
    edit = reverse("accounts:user_edit", args=[staff.pk])
    assert client.get(edit).status_code == 403
    detail = client.get(reverse("accounts:user_detail", args=[staff.pk])).content.decode()
    assert 'data-testid="grant-form"' in detail and edit not in detail
    assert client.post(reverse("accounts:role_grant", args=[staff.pk]), data).status_code == 302
    assert roles_of(staff) == [Role.LEADER, Role.STAFF]
    # Outside their node: 404.
    outsider = world.users["outsider"]
    response = client.post(reverse("accounts:role_grant", args=[outsider.pk]), data)
    assert response.status_code == 404


def test_the_audit_reviewer_keeps_no_accounts(world, login):
    auditor = make_user("auditor", (Role.AUDITOR, world.hospital))
    client = login(auditor)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    staff = world.users["staff"]
    data = {"role": Role.LEADER, "organisation": world.hospital.pk}
    assert client.post(reverse("accounts:role_grant", args=[staff.pk]), data).status_code == 403


def test_the_new_duties_must_use_totp(world):
    auditor = make_user("auditor", (Role.AUDITOR, world.hospital))
    security = make_user("security", (Role.SECURITY, world.hospital))
    assert auditor.is_privileged and security.is_privileged
    assert not world.users["staff"].is_privileged
