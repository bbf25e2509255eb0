"""Writes to accounts, roles and TOTP devices. Each validates, writes and appends audit events.

Account administration is bounded by the actor's ADMIN grants: an administrator acts only on
the nodes their grants write (`selectors.account_reach`: a grant's own node, and the units
below it when granted 下级单位可写), and only on accounts whose every role, organisation and
linked person lies there (so a hospital administrator cannot take over an account that also
holds power elsewhere). Passwords and their hashes never reach the audit chain.

Roles are granted and revoked by security administrators (安全管理员) alone, on the nodes
their grants write (`selectors.grant_reach`), and on the command line (`lianfang roles`,
whose actor is a "cli:" label, to set up a fresh installation). The system administrator,
the security administrator and the audit reviewer are separate duties (三员分立): one
account never holds two of them (`core.roles.duties_conflict`), whoever grants.
"""

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianfang.core import audit
from lianfang.core.roles import Role, duties_conflict
from lianfang.org.models import Department, Organisation, Person

from . import throttle
from .models import RoleGrant, User
from .selectors import account_reach, grant_reach

USER_FIELDS = ("username", "display_name", "email", "organisation", "is_active")


def _require_node(actor, organisation: Organisation, reach=account_reach) -> None:
    if organisation is None or not reach(actor).covers(organisation.path):
        raise ValidationError(_("只能在您管理的单位范围内操作，所选单位不在您的管理范围内。"))


def _anchor_paths(user: User) -> list[str]:
    """Every organisation path an account is tied to: its node, its person, its roles."""
    paths = [g.organisation.path for g in user.role_grants.select_related("organisation")]
    if user.organisation_id:
        paths.append(user.organisation.path)
    person = Person.objects.filter(user=user).select_related("organisation").first()
    if person is not None:
        paths.append(person.organisation.path)
    return paths


def _require_manageable(actor, user: User) -> None:
    reach = account_reach(actor)
    if not reach:
        raise ValidationError(_("只有系统管理员可以管理账号。"))
    _require_within(reach, user)


def _require_within(reach, user: User) -> None:
    if user.is_superuser:
        raise ValidationError(_("超级用户只能通过命令行管理。"))
    anchors = _anchor_paths(user)
    if not anchors or not all(reach.covers(p) for p in anchors):
        raise ValidationError(
            _("该账号在您的管理范围之外另有单位或角色，只能由上级单位的系统管理员修改。")
        )


def _from_command_line(actor) -> bool:
    """The operator of `lianfang roles` (a "cli:…" label): trusted with the installation."""
    return isinstance(actor, str)


def _require_grantor(actor, user: User, organisation: Organisation, *, whole=True) -> None:
    """Only a security administrator grants and revokes roles, on the nodes their grants
    write, never their own; a grant goes to an account that lies wholly there (`whole`)."""
    if _from_command_line(actor):
        return
    reach = grant_reach(actor)
    if not reach:
        raise PermissionDenied(_("只有安全管理员可以授予或撤销角色。"))
    _require_node(actor, organisation, reach=grant_reach)
    if whole:
        _require_within(reach, user)
    _require_not_self(actor, user, _("不能修改自己的角色，请联系其他安全管理员。"))


def _require_not_self(actor, user: User, message: str) -> None:
    if actor.pk == user.pk:
        raise ValidationError(message)


def _check_person(actor, person: Person | None, organisation: Organisation, user=None) -> None:
    if person is None:
        return
    if not account_reach(actor).covers(person.organisation.path):
        raise ValidationError({"person": _("所选人员不在您的管理范围内。")})
    if person.organisation_id != organisation.pk:
        raise ValidationError({"person": _("关联人员不属于所选的所属单位。")})
    if person.user_id is not None and (user is None or person.user_id != user.pk):
        raise ValidationError({"person": _("该人员已关联其他账号。")})


def _save_fields(actor, obj, action: str, **values) -> None:
    """Set `values` on `obj`, save those fields, and record `action` with them before and
    after."""
    fields = list(values)
    before = audit.snapshot(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=fields)
    audit.record(
        actor=actor, action=action, obj=obj, before=before, after=audit.snapshot(obj, fields)
    )


def _link_person(actor, user: User, person: Person | None) -> None:
    """Make `person` the account's person (unlinking any other), with audit events."""
    current = Person.objects.filter(user=user).first()
    if current is not None and (person is None or current.pk != person.pk):
        _save_fields(actor, current, "org.person.unlink_account", user=None)
    if person is not None and (current is None or current.pk != person.pk):
        _save_fields(actor, person, "org.person.link_account", user=user)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    display_name: str,
    password: str,
    organisation: Organisation,
    person: Person | None = None,
    email: str = "",
) -> User:
    """Create an active account in the actor's subtree, optionally linked to a person.

    Raises ValidationError (Chinese messages, keyed by field where one applies).
    """
    _require_node(actor, organisation)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("请填写用户名。")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("该用户名已被使用。")})
    _check_person(actor, person, organisation)
    user = User(
        username=username,
        display_name=(display_name or "").strip(),
        email=(email or "").strip(),
        organisation=organisation,
    )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="accounts.user.create",
        obj=user,
        after=audit.snapshot(user, USER_FIELDS),
    )
    _link_person(actor, user, person)
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    display_name: str,
    email: str,
    organisation: Organisation,
    person: Person | None,
) -> User:
    """Change an account's name, e-mail, node and linked person."""
    _require_manageable(actor, user)
    _require_node(actor, organisation)
    _check_person(actor, person, organisation, user=user)
    _save_fields(
        actor,
        user,
        "accounts.user.update",
        display_name=(display_name or "").strip(),
        email=(email or "").strip(),
        organisation=organisation,
    )
    _link_person(actor, user, person)
    return user


def _set_active(*, actor, user: User, active: bool, action: str) -> User:
    _require_manageable(actor, user)
    _require_not_self(actor, user, _("不能停用或启用自己的账号。"))
    if user.is_active != active:
        _save_fields(actor, user, action, is_active=active)
    return user


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Stop an account from signing in (its sessions end on their next request)."""
    return _set_active(actor=actor, user=user, active=False, action="accounts.user.deactivate")


@transaction.atomic
def user_activate(*, actor, user: User) -> User:
    return _set_active(actor=actor, user=user, active=True, action="accounts.user.activate")


@transaction.atomic
def user_password_reset(*, actor, user: User, password: str) -> User:
    """Set a new password chosen by the administrator and lift any login lockout or slowdown.

    The audit event records that the password was reset, never the password or its hash.
    """
    _require_manageable(actor, user)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    axes_reset(username=user.get_username())
    throttle.LOGIN.forget(user.get_username())
    audit.record(actor=actor, action="accounts.user.password_reset", obj=user)
    return user


@transaction.atomic
def user_otp_reset(*, actor, user: User) -> int:
    """Remove an account's TOTP devices (a lost phone); it must bind a new one to continue."""
    _require_manageable(actor, user)
    _require_not_self(actor, user, _("不能解绑自己的身份验证器，请在“双因素认证”页面更换。"))
    removed = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    if not removed:
        return 0
    TOTPDevice.objects.filter(pk__in=removed).delete()
    audit.record(
        actor=actor, action="accounts.otp.reset", obj=user, before={"devices": removed}, after={}
    )
    return len(removed)


GRANT_FIELDS = ["user", "role", "organisation", "department", "subordinates_writable"]
# The roles whose grant may make the units below writable; the others only read there.
WRITING_ROLES = (Role.ADMIN, Role.INTEGRITY, Role.SECURITY)


@transaction.atomic
def role_grant(
    *,
    actor,
    user: User,
    role: str,
    organisation: Organisation,
    department: Department | None = None,
    subordinates_writable: bool = False,
) -> RoleGrant:
    """Grant `role` on a node (a department head: on a department). The actor is a security
    administrator whose grants write the node, or the command line's operator.

    `subordinates_writable` (下级单位可写) lets an administrator's, integrity office's or
    security administrator's grant write the units below the node too; only a grantor who
    writes that whole subtree may give it. Refused (ValidationError, Chinese): a role the
    account may not combine with one it holds (三员分立). PermissionDenied for an actor who
    is no security administrator.
    """
    user = User.objects.select_for_update().get(pk=user.pk)  # one grant at a time per account
    _require_grantor(actor, user, organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("请选择有效的角色。")})
    if role == Role.DEPT_HEAD:
        if department is None:
            raise ValidationError({"department": _("授予部门负责人角色时必须选择科室。")})
        if department.organisation_id != organisation.pk:
            raise ValidationError({"department": _("所选科室不属于所选单位。")})
    else:
        department = None
    if subordinates_writable:
        if role not in WRITING_ROLES:
            raise ValidationError(
                {
                    "subordinates_writable": _(
                        "“下级单位可写”只适用于系统管理员、纪检监察和安全管理员。"
                    )
                }
            )
        if not _from_command_line(actor) and not any(
            organisation.path.startswith(p) for p in grant_reach(actor).subtrees
        ):
            raise ValidationError(
                {
                    "subordinates_writable": _(
                        "您只能修改本单位，不能授予“下级单位可写”：请由对下级单位可写的安全管理员授予。"
                    )
                }
            )
    held = set(user.role_grants.values_list("role", flat=True))
    conflict = duties_conflict(held, role)
    if conflict is not None:
        raise ValidationError(
            {
                "role": _(
                    "三员分立：该账号已是%(held)s，不能再授予%(role)s。系统管理员、安全管理员和"
                    "安全审计员必须由不同的账号担任。"
                )
                % {"held": Role(conflict).label, "role": Role(role).label}
            },
            code="duties",
        )
    if RoleGrant.objects.filter(
        user=user, role=role, organisation=organisation, department=department
    ).exists():
        raise ValidationError(_("该账号已拥有此项角色授权。"))
    grant = RoleGrant.objects.create(
        user=user,
        role=role,
        organisation=organisation,
        department=department,
        subordinates_writable=subordinates_writable,
    )
    audit.record(
        actor=actor,
        action="accounts.role.grant",
        obj=grant,
        after=audit.snapshot(grant, GRANT_FIELDS),
    )
    return grant


@transaction.atomic
def role_revoke(*, actor, grant: RoleGrant) -> None:
    """Withdraw a role: a security administrator whose grants write its node (never their
    own role), or the command line's operator."""
    _require_grantor(actor, grant.user, grant.organisation, whole=False)
    before = audit.snapshot(grant, GRANT_FIELDS)
    audit.record(
        actor=actor,
        action="accounts.role.revoke",
        obj=grant,
        before=before,
        object_repr=str(grant),
    )
    grant.delete()


@transaction.atomic
def otp_device_start(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) TOTP device, created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
        audit.record(
            actor=user,
            action="accounts.otp.start",
            obj=user,
            after={"device": device.pk, "confirmed": False},
        )
    return device


@transaction.atomic
def otp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending device with a current token; it replaces any older device.

    Returns False (and counts a throttled failure) when the token is wrong.
    """
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError(_("该设备不可确认，请刷新页面重试。"))
    if not device.verify_token(token):
        return False
    replaced = list(
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).values_list("pk", flat=True)
    )
    TOTPDevice.objects.filter(pk__in=replaced).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        actor=user,
        action="accounts.otp.confirm",
        obj=user,
        after={"device": device.pk, "confirmed": True, "replaced": replaced},
    )
    return True


def otp_token_check(*, user: User, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts `token`, if any (failures are throttled per device)."""
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        with transaction.atomic():
            if device.verify_token(token):
                return device
    return None


def otp_wait_seconds(*, user: User) -> int:
    """Seconds until the user's devices accept another attempt after failures (0: now)."""
    wait = 0
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            wait = max(wait, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
    return wait
