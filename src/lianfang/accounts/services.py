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

import re
from dataclasses import dataclass, field

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianfang.core import audit
from lianfang.core.roles import Role, duties_conflict
from lianfang.core.spreadsheets import normalise_identifier
from lianfang.org.models import Department, Organisation, Person

from . import handover, throttle
from .models import PasswordHandover, RoleGrant, User
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
    # the administrator typed it: the holder chooses their own at first sign-in, as with the
    # bulk accounts' initial passwords
    user.must_change_password = True
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
    # someone else knows it: the holder chooses their own at next sign-in (not when the
    # administrator resets their own password)
    user.must_change_password = actor.pk != user.pk
    user.save(update_fields=["password", "must_change_password"])
    axes_reset(username=user.get_username())
    throttle.LOGIN.forget(user.get_username())
    audit.record(
        actor=actor,
        action="accounts.user.password_reset",
        obj=user,
        after={"must_change_password": user.must_change_password},
    )
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
    with_account: bool = False,
) -> RoleGrant:
    """Grant `role` on a node (a department head: on a department). The actor is a security
    administrator whose grants write the node, or the command line's operator.

    `with_account`: the staff role (职工), the least of roles, that an account made in bulk
    from the roster comes with (`accounts_bulk_create`); the system administrator who makes
    the accounts of the organisation grants it, and no other role this way.

    `subordinates_writable` (下级单位可写) lets an administrator's, integrity office's or
    security administrator's grant write the units below the node too; only a grantor who
    writes that whole subtree may give it. Refused (ValidationError, Chinese): a role the
    account may not combine with one it holds (三员分立). PermissionDenied for an actor who
    is no security administrator.
    """
    user = User.objects.select_for_update().get(pk=user.pk)  # one grant at a time per account
    if with_account:
        if role != Role.STAFF or subordinates_writable:
            raise ValidationError({"role": _("新建账号只附带职工角色，其他角色由安全管理员授予。")})
        if not account_reach(actor).covers(organisation.path):
            raise PermissionDenied(_("只能为您管理的单位创建账号。"))
    else:
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


# --- accounts at scale: bulk creation from the roster ----------------------------------------

BULK_MAX = 200
USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")


@dataclass
class BulkCreated:
    """What `accounts_bulk_create` did: the accounts made (with their people), the people
    skipped because they have an account already, and the hand-over list (None when no
    account was made)."""

    created: list[User] = field(default_factory=list)
    skipped: list[Person] = field(default_factory=list)
    handover: PasswordHandover | None = None


def _username_candidates(person: Person) -> list[str]:
    """The usernames a person's account may take, in order of preference: the 工号 as
    written on a badge (normalised: ０１０３ → 0103), else prefixed with the organisation's
    code, as 工号 are unique within an organisation only."""
    number = normalise_identifier(person.staff_no or "")
    candidates = [number, f"{person.organisation.code}-{number}"]
    return [c for c in candidates if number and USERNAME_RE.match(c)]


def _plan_usernames(people: list[Person]) -> tuple[dict[int, str], list[str]]:
    """A free username for each person (by id), and the problems of those without one."""
    wanted = {c.lower() for p in people for c in _username_candidates(p)}
    taken = set(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=wanted)
        .values_list("lower", flat=True)
    )
    chosen, problems = {}, []
    for person in people:
        for candidate in _username_candidates(person):
            if candidate.lower() not in taken:
                taken.add(candidate.lower())
                chosen[person.pk] = candidate
                break
        else:
            problems.append(
                _(
                    "“%(name)s”（工号 %(no)s）无法生成用户名：工号为空、含有不能用于用户名的字符，"
                    "或以工号命名的账号已存在。请先更正工号，或为其单独创建账号。"
                )
                % {"name": person.name, "no": person.staff_no or "-"}
            )
    return chosen, problems


def _bulk_people(actor, people) -> tuple[Organisation, list[Person], list[Person]]:
    """Check the people asked for: of one organisation the actor administers, in post.
    Returns (the organisation, those to get an account, those who have one already)."""
    if not account_reach(actor):
        raise ValidationError(_("只有系统管理员可以管理账号。"))
    ids = sorted({p.pk for p in people})
    if not ids:
        raise ValidationError(_("没有需要创建账号的人员：请选择科室或人员。"))
    rows = list(
        Person.objects.filter(pk__in=ids)
        .select_related("organisation", "department")
        .order_by("department__order", "department__code", "staff_no", "pk")
    )
    organisations = {p.organisation_id: p.organisation for p in rows}
    if len(rows) != len(ids) or len(organisations) != 1:
        raise ValidationError(_("一次只能为同一单位的人员批量创建账号。"))
    (organisation,) = organisations.values()
    _require_node(actor, organisation)
    gone = [p.name for p in rows if not p.active]
    if gone:
        raise ValidationError(
            _("以下人员已不在职，不能创建账号：%(names)s。") % {"names": "、".join(gone)}
        )
    fresh = [p for p in rows if p.user_id is None]
    if len(fresh) > BULK_MAX:
        raise ValidationError(
            _("一次最多为 %(max)s 人创建账号（本次 %(count)s 人），请按科室分批创建。")
            % {"max": BULK_MAX, "count": len(fresh)}
        )
    return organisation, fresh, [p for p in rows if p.user_id is not None]


def accounts_bulk_create(*, actor, people, title: str = "") -> BulkCreated:
    """Create an account for each of `people` (Person objects) that has none: username from
    the 工号, a random initial password that must be changed at first sign-in, the staff
    role (职工) on the person's organisation (through `role_grant`), linked to the person.

    All or nothing: every problem (someone out of post, a 工号 that cannot be a username, an
    organisation the actor does not administer, more than BULK_MAX accounts) is raised in
    one ValidationError and nothing is written. People who have an account are skipped and
    reported. Each account gets its audit event (`accounts.user.bulk_create`, no password),
    and its grant the grant service's. The passwords go only into the hand-over list
    (`PasswordHandover`, sealed, kept 24 hours for `actor`).
    """
    organisation, fresh, skipped = _bulk_people(actor, people)
    if not fresh:
        return BulkCreated(skipped=skipped)
    usernames, problems = _plan_usernames(fresh)
    if problems:
        raise ValidationError(problems)
    # argon2 is slow on purpose (~0.1 s a password): hash before the transaction, so a
    # department's accounts do not hold SQLite's write lock for seconds
    passwords = {p.pk: handover.initial_password() for p in fresh}
    hashes = {pk: make_password(password) for pk, password in passwords.items()}
    return _bulk_write(actor, organisation, fresh, skipped, usernames, passwords, hashes, title)


@transaction.atomic
def _bulk_write(actor, organisation, fresh, skipped, usernames, passwords, hashes, title):
    people = list(
        Person.objects.select_for_update().filter(pk__in=[p.pk for p in fresh], user__isnull=True)
    )
    if len(people) != len(fresh):
        raise ValidationError(_("所选人员中有人刚刚被关联了账号，请刷新页面后重试。"))
    if (
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=[u.lower() for u in usernames.values()])
        .exists()
    ):
        raise ValidationError(_("生成的用户名中有刚刚被占用的，请刷新页面后重试。"))
    users = [
        User(
            username=usernames[p.pk],
            display_name=p.name,
            organisation=organisation,
            password=hashes[p.pk],
            must_change_password=True,
        )
        for p in fresh
    ]
    User.objects.bulk_create(users)
    if any(u.pk is None for u in users):  # a database that returns no keys
        ids = dict(
            User.objects.filter(username__in=usernames.values()).values_list("username", "pk")
        )
        for user in users:
            user.pk = ids[user.username]
    for person, user in zip(fresh, users, strict=True):
        person.user = user
    Person.objects.bulk_update(fresh, ["user"])
    audit.record_many(
        actor=actor,
        changes=[
            audit.Change(
                "accounts.user.bulk_create",
                user,
                after={
                    **audit.snapshot(user, USER_FIELDS),
                    "must_change_password": True,
                    "person": person.pk,
                    "staff_no": person.staff_no,
                },
                organisation=organisation,
            )
            for person, user in zip(fresh, users, strict=True)
        ],
    )
    for user in users:
        role_grant(
            actor=actor, user=user, role=Role.STAFF, organisation=organisation, with_account=True
        )
    rows = [
        {
            "username": user.username,
            "name": person.name,
            "staff_no": person.staff_no,
            "department": person.department.name if person.department_id else "",
            "password": passwords[person.pk],
        }
        for person, user in zip(fresh, users, strict=True)
    ]
    handover_purge()
    sheet = PasswordHandover.objects.create(
        created_by=actor,
        organisation=organisation,
        title=(title or organisation.name)[:200],
        accounts=len(users),
        sealed=handover.seal(rows),
        expires_at=timezone.now() + handover.KEEP,
    )
    return BulkCreated(created=users, skipped=skipped, handover=sheet)


def handover_purge(now=None) -> int:
    """Delete the hand-over lists past their time; how many."""
    deleted, _by_model = PasswordHandover.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


def handover_rows(*, user, sheet: PasswordHandover) -> list[dict]:
    """The lines of a hand-over list for its creator (anyone else: PermissionDenied); an
    expired or unreadable list raises ValidationError."""
    if sheet.created_by_id != user.pk:
        raise PermissionDenied
    rows = handover.unseal(sheet.sealed) if sheet.expires_at > timezone.now() else None
    if rows is None:
        raise ValidationError(
            _("该交接单已超过 24 小时，已失效。如需告知密码，请重置相应账号的密码。")
        )
    return rows


@transaction.atomic
def user_password_change(*, user: User, password: str) -> User:
    """The user's own new password (checked by the form): lifts the obligation to change it."""
    user.set_password(password)
    changed = user.must_change_password
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(
        actor=user,
        action="accounts.user.password_change",
        obj=user,
        after={"must_change_password": False} if changed else None,
    )
    return user
