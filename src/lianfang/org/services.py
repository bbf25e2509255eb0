"""Writes to organisations, departments, posts and leader divisions, and the rules every
write of the org app shares.

Every service runs in one transaction, validates its input (raising a `ValidationError` whose
messages are Chinese sentences with a stable `OrgError` code, keyed by field where one is to
blame) and appends audit events with the values before and after. Who may call a service is
decided by the caller (views fetch the objects through the `*_manageable_by(user)` selectors).

People with their post history live in `person_services`, the power catalogue in
`power_services`; each has a bulk writer for the imports and the demo, which applies the same
rules to many rows and reports them as `core.errors.RowIssue`s (`RowsInvalid`). Posts have one here
(`posts_create`), used by the roster import and the demo.
"""

import datetime as dt
import enum
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, bulk
from lianfang.core.errors import RowIssue, too_long

from .models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
)

PATH_MAX = Organisation._meta.get_field("path").max_length

ORGANISATION_FIELDS = ("name", "short_name", "code", "kind", "parent", "address", "order")
DEPARTMENT_FIELDS = ("name", "code", "kind", "head", "phone", "is_key", "order", "active")
FUNCTION_FIELDS = ("title", "description", "order")
POST_FIELDS = (
    "department",
    "name",
    "code",
    "is_key",
    "is_sensitive",
    "is_leadership",
    "rotation_years",
    "duties",
)
DIVISION_FIELDS = ("department", "since", "until", "duties")
BATCH_SIZE = 500


# Rules shared by the org app's writes ----------------------------------------------------------


class OrgError(enum.StrEnum):
    """Stable, machine-readable codes of the org app's validation errors."""

    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID = "invalid"  # not one of the choices, or not in the expected form
    OUT_OF_RANGE = "out_of_range"
    DUPLICATE = "duplicate"  # a code, name or 工号 already used
    OUTSIDE_ORGANISATION = "outside_organisation"
    DATE_ORDER = "date_order"  # a period that ends before it starts, or starts too early
    OVERLAP = "overlap"
    ALREADY_HELD = "already_held"
    IN_USE = "in_use"  # a step that risk points (or other records) sit on


class Problems:
    """The problems found with one object, by field (None: the object as a whole)."""

    def __init__(self):
        self.by_field: dict[str | None, list[ValidationError]] = {}

    def __bool__(self):
        return bool(self.by_field)

    def add(self, field: str | None, code: OrgError, message: str):
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code.value))

    def has(self, field: str | None) -> bool:
        return field in self.by_field

    def items(self):
        """(field, message) pairs, in the order found."""
        for field, errors in self.by_field.items():
            for error in errors:
                yield field, error.message

    def error(self) -> ValidationError:
        return ValidationError(
            {field or NON_FIELD_ERRORS: errors for field, errors in self.by_field.items()}
        )

    def raise_if_any(self):
        if self:
            raise self.error()


def _assign(obj, data: dict, allowed: tuple[str, ...]):
    for name in allowed:
        if name not in data:
            continue
        value = data[name]
        if isinstance(obj._meta.get_field(name), models.FileField):
            if value is None:  # a form's "unchanged"
                continue
            value = value or ""  # False: a form's "clear"
        elif isinstance(value, str):
            value = value.strip()
        setattr(obj, name, value)


def _label(obj, name) -> str:
    return str(obj._meta.get_field(name).verbose_name)


def check_required(problems: Problems, obj, *fields):
    for name in fields:
        if getattr(obj, name) in (None, ""):
            problems.add(
                name, OrgError.REQUIRED, _("请填写%(label)s。") % {"label": _label(obj, name)}
            )


def check_lengths(problems: Problems, obj, *fields):
    """Text fields no longer than their column."""
    for name, label, limit in too_long(obj, fields):
        problems.add(
            name,
            OrgError.TOO_LONG,
            _("%(label)s不能超过 %(max)s 个字。") % {"label": label, "max": limit},
        )


def taken_by_other(owner, obj) -> bool:
    """Whether a code or name held by `owner` (a primary key, or an object of the batch being
    written) is taken by something other than `obj`."""
    if owner is None or owner is obj:
        return False
    return obj.pk is None or owner != obj.pk


def _require(obj, *fields):
    problems = Problems()
    check_required(problems, obj, *fields)
    problems.raise_if_any()


def _locked_for_update(queryset, pk, data: dict, allowed: tuple[str, ...]):
    """The object `pk` of `queryset` (which locks it, where it should) with `data` assigned,
    and its values before: the first half of an update."""
    obj = queryset.get(pk=pk)
    before = audit.snapshot(obj)
    _assign(obj, data, allowed)
    return obj, before


def _saved(actor, obj, action: str, before=None, organisation=None):
    """Save `obj` and record `action` with its values `before` (None: a new object) and
    now; `organisation` places an object that has none of its own on the audit page."""
    obj.save()
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
        organisation=organisation,
    )
    return obj


def _deleted(actor, obj, action: str, organisation) -> None:
    """Record `action` with `obj`'s values, then delete it; `organisation` as for `_saved`."""
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before=audit.snapshot(obj),
        organisation=organisation,
    )
    obj.delete()


def bulk_insert(objs: list, *, key: tuple[str, ...]) -> list:
    """`bulk_create` in batches, leaving every object with its primary key: read back by
    `key` (unique together) where the database does not return keys of inserted rows."""
    if not objs:
        return []
    model = type(objs[0])
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
    if all(obj.pk is not None for obj in objs):
        return objs
    wanted = {tuple(getattr(obj, k) for k in key): obj for obj in objs}
    first = key[0]
    for chunk_start in range(0, len(objs), BATCH_SIZE):
        chunk = objs[chunk_start : chunk_start + BATCH_SIZE]
        found = model.objects.filter(
            **{f"{first}__in": {getattr(obj, first) for obj in chunk}}
        ).values_list("pk", *key)
        for pk, *values in found:
            obj = wanted.get(tuple(values))
            if obj is not None and obj.pk is None:
                obj.pk = pk
    return objs


# Organisations ----------------------------------------------------------------------------


def _check_organisation(org: Organisation):
    _require(org, "name", "code")
    if Organisation.objects.filter(code=org.code).exclude(pk=org.pk).exists():
        raise ValidationError({"code": _("单位编码“%(code)s”已被使用。") % {"code": org.code}})


@transaction.atomic
def organisation_create(*, actor, data: dict) -> Organisation:
    """Create a node under `data["parent"]` (or a root), with its path and depth set."""
    org = Organisation()
    _assign(org, data, ORGANISATION_FIELDS)
    _check_organisation(org)
    parent = Organisation.objects.get(pk=org.parent_id) if org.parent_id else None
    org.path = ""
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0
    if len(org.path) > PATH_MAX:
        raise ValidationError({"parent": _("单位层级过深，无法在此单位下新增。")})
    org.save(update_fields=["path", "depth"])
    audit.record(actor=actor, action="organisation.create", obj=org, after=audit.snapshot(org))
    return org


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, data: dict) -> Organisation:
    """Update a node. A new parent moves the whole subtree: every descendant's path and depth
    follow, each move audited. Moving a node under itself or one of its descendants is refused.
    """
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = audit.snapshot(org)
    old_path, old_depth = org.path, org.depth
    _assign(org, data, ORGANISATION_FIELDS)
    _check_organisation(org)
    moves = []
    if org.parent_id != before["parent_id"]:
        parent = Organisation.objects.get(pk=org.parent_id) if org.parent_id else None
        if parent is not None and parent.path.startswith(old_path):
            raise ValidationError({"parent": _("不能把单位移到它自身或它的下级单位之下。")})
        new_path = f"{parent.path if parent else '/'}{org.pk}/"
        delta = (parent.depth + 1 if parent else 0) - old_depth
        descendants = list(
            Organisation.objects.select_for_update()
            .filter(path__startswith=old_path)
            .exclude(pk=org.pk)
        )
        for node in [org, *descendants]:
            node_before = {"path": node.path, "depth": node.depth}
            node.path = new_path + node.path[len(old_path) :]
            node.depth = node.depth + delta
            if len(node.path) > PATH_MAX:
                raise ValidationError({"parent": _("单位层级过深，无法移到此单位之下。")})
            if node is not org:
                moves.append((node, node_before))
        Organisation.objects.bulk_update(descendants, ["path", "depth"], batch_size=500)
    org.save()
    audit.record_many(
        actor=actor,
        changes=[
            audit.Change("organisation.update", org, before, audit.snapshot(org)),
            *[
                audit.Change(
                    "organisation.move", node, node_before, {"path": node.path, "depth": node.depth}
                )
                for node, node_before in moves
            ],
        ],
    )
    return org


# Departments ------------------------------------------------------------------------------


def _check_department(dept: Department):
    _require(dept, "name", "code")
    siblings = Department.objects.filter(organisation_id=dept.organisation_id).exclude(pk=dept.pk)
    errors = {}
    if siblings.filter(code=dept.code).exists():
        errors["code"] = _("本单位已有编码为“%(code)s”的科室。") % {"code": dept.code}
    if siblings.filter(name=dept.name).exists():
        errors["name"] = _("本单位已有名为“%(name)s”的科室。") % {"name": dept.name}
    if (
        dept.head_id
        and not Person.objects.filter(
            pk=dept.head_id, organisation_id=dept.organisation_id
        ).exists()
    ):
        errors["head"] = _("负责人须为本单位人员。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def department_create(*, actor, organisation: Organisation, data: dict) -> Department:
    dept = Department(organisation=organisation)
    _assign(dept, data, DEPARTMENT_FIELDS)
    _check_department(dept)
    return _saved(actor, dept, "department.create")


@transaction.atomic
def department_update(*, actor, department: Department, data: dict) -> Department:
    """Update a department. Its organisation cannot change (posts and people hang on it)."""
    dept, before = _locked_for_update(
        Department.objects.select_for_update(), department.pk, data, DEPARTMENT_FIELDS
    )
    _check_department(dept)
    return _saved(actor, dept, "department.update", before)


def _functions():
    return DepartmentFunction.objects.select_related("department__organisation")


@transaction.atomic
def department_function_add(*, actor, department: Department, data: dict) -> DepartmentFunction:
    fn = DepartmentFunction(department=department)
    _assign(fn, data, FUNCTION_FIELDS)
    _require(fn, "title")
    return _saved(actor, fn, "department_function.create", organisation=department.organisation)


@transaction.atomic
def department_function_update(
    *, actor, function: DepartmentFunction, data: dict
) -> DepartmentFunction:
    fn, before = _locked_for_update(_functions(), function.pk, data, FUNCTION_FIELDS)
    _require(fn, "title")
    return _saved(actor, fn, "department_function.update", before, fn.department.organisation)


@transaction.atomic
def department_function_remove(*, actor, function: DepartmentFunction) -> None:
    fn = _functions().get(pk=function.pk)
    _deleted(actor, fn, "department_function.delete", fn.department.organisation)


# Posts ------------------------------------------------------------------------------------


def next_post_codes(taken: set[str], count: int) -> list[str]:
    """`count` post codes of the form GW0001 not in `taken` (which is extended with them)."""
    codes = []
    n = len(taken)
    while len(codes) < count:
        n += 1
        code = f"GW{n:04d}"
        if code not in taken:
            taken.add(code)
            codes.append(code)
    return codes


@dataclass
class PostContext:
    """What the post rules read from the database: the organisation's departments and posts."""

    organisation_id: int
    department_ids: set[int]
    codes: dict  # code -> post id (or the new post of a batch)
    names: dict  # (department id, name) -> post id (or the new post of a batch)

    @classmethod
    def of(cls, organisation_id: int, department_ids=None) -> "PostContext":
        """Read for `organisation_id` (its `department_ids` too, unless given)."""
        codes, names = {}, {}
        for pk, code, department_id, name in Post.objects.filter(
            organisation_id=organisation_id
        ).values_list("pk", "code", "department_id", "name"):
            codes[code] = pk
            names.setdefault((department_id, name), pk)
        if department_ids is None:
            departments = Department.objects.filter(organisation_id=organisation_id)
            department_ids = set(departments.values_list("pk", flat=True))
        return cls(organisation_id, set(department_ids), codes, names)

    def claim(self, post: Post):
        """Count `post`'s code and name as taken, for the next posts of a batch."""
        if post.code:
            self.codes[post.code] = post
        self.names[(post.department_id, post.name)] = post


def check_post(post: Post, context: PostContext) -> Problems:
    """The rules of a post: a name, unique within its department (or the unit); a code unique
    within the organisation; its department the organisation's own; rotation at least a year."""
    problems = Problems()
    check_required(problems, post, "name")
    check_lengths(problems, post, "name", "code")
    if post.department_id and post.department_id not in context.department_ids:
        problems.add("department", OrgError.OUTSIDE_ORGANISATION, _("科室须属于岗位所在单位。"))
    if post.rotation_years is not None and post.rotation_years < 1:
        problems.add("rotation_years", OrgError.OUT_OF_RANGE, _("轮岗周期至少为 1 年。"))
    if post.code and taken_by_other(context.codes.get(post.code), post):
        problems.add(
            "code",
            OrgError.DUPLICATE,
            _("本单位已有编码为“%(code)s”的岗位。") % {"code": post.code},
        )
    if taken_by_other(context.names.get((post.department_id, post.name)), post):
        problems.add(
            "name",
            OrgError.DUPLICATE,
            _("该科室已有名为“%(name)s”的岗位。") % {"name": post.name},
        )
    return problems


@transaction.atomic
def post_create(*, actor, organisation: Organisation, data: dict) -> Post:
    """Create a post; an empty code gets the next free GWnnnn code of the organisation."""
    post = Post(organisation=organisation)
    _assign(post, data, POST_FIELDS)
    context = PostContext.of(organisation.pk)
    check_post(post, context).raise_if_any()
    if not post.code:
        post.code = next_post_codes(set(context.codes), 1)[0]
    return _saved(actor, post, "post.create")


@transaction.atomic
def post_update(*, actor, post: Post, data: dict) -> Post:
    obj, before = _locked_for_update(Post.objects.select_for_update(), post.pk, data, POST_FIELDS)
    if not obj.code:
        obj.code = before["code"]
    check_post(obj, PostContext.of(obj.organisation_id)).raise_if_any()
    return _saved(actor, obj, "post.update", before)


def posts_check(posts: list[Post], numbers, context: PostContext) -> list[RowIssue]:
    """The problems of new `posts` (numbered by `numbers`) with the rules of `post_create`;
    each post's code and name count as taken for the posts after it."""
    issues = []
    for post, number in zip(posts, numbers, strict=True):
        if post.department_id is None and post.department is not None:
            post.department = post.department  # saved after the post was built: take its key
        problems = check_post(post, context)
        issues += [RowIssue(number, field, message) for field, message in problems.items()]
        context.claim(post)
    return issues


def posts_insert(posts: list[Post], context: PostContext, audit_prefix="") -> list[audit.Change]:
    """Insert checked new `posts` (those without a code get the next free GWnnnn codes);
    their "post.create" audit changes, to record."""
    uncoded = [post for post in posts if not post.code]
    for post, code in zip(uncoded, next_post_codes(set(context.codes), len(uncoded)), strict=True):
        post.code = code
    bulk_insert(posts, key=("organisation_id", "code"))
    return [
        audit.Change(
            f"{audit_prefix}post.create",
            post,
            after=audit.snapshot(post),
            organisation=post.organisation,
        )
        for post in posts
    ]


def posts_create(
    *,
    actor,
    organisation: Organisation,
    posts: list[Post],
    numbers: list[int] | None = None,
    audit_prefix: str = "",
) -> list[Post]:
    """Create many posts of `organisation` (unsaved `Post`s) with the rules of `post_create`,
    in set-based queries, one "post.create" audit event each (its action prefixed with
    `audit_prefix`). Posts without a code get the next free GWnnnn codes.

    Raises `RowsInvalid` (numbered by `numbers`, else 1, 2, 3…) and writes nothing when any
    post breaks a rule.
    """
    for post in posts:
        post.organisation = organisation

    def check():
        context = PostContext.of(organisation.pk)
        return context, posts_check(posts, numbers or range(1, len(posts) + 1), context)

    def write(context):
        audit.record_many(actor=actor, changes=posts_insert(posts, context, audit_prefix))
        return posts

    return bulk.write_checked(check, write)


# Leader divisions (分管) ------------------------------------------------------------------


def _check_division(division: LeaderDivision, leader: Person):
    errors = {}
    if division.since is None:
        errors["since"] = _("请填写分管起始日期。")
    if division.department_id is None:
        errors["department"] = _("请选择分管科室。")
    if errors:
        raise ValidationError(errors)
    if division.until is not None and division.until < division.since:
        errors["until"] = _("分管结束日期不能早于起始日期。")
    if division.department.organisation_id != leader.organisation_id:
        errors["department"] = _("分管科室须与领导属于同一单位。")
    far = dt.date.max
    for other in LeaderDivision.objects.filter(
        leader=leader, department_id=division.department_id
    ).exclude(pk=division.pk):
        if other.since <= (division.until or far) and division.since <= (other.until or far):
            errors["department"] = _("该领导在此期间已分管“%(dept)s”。") % {
                "dept": division.department.name
            }
    if errors:
        raise ValidationError(errors)


def _divisions():
    return LeaderDivision.objects.select_related("leader", "department__organisation")


@transaction.atomic
def division_create(*, actor, leader: Person, data: dict) -> LeaderDivision:
    division = LeaderDivision(leader=leader)
    _assign(division, data, DIVISION_FIELDS)
    _check_division(division, leader)
    return _saved(
        actor, division, "leader_division.create", organisation=division.department.organisation
    )


@transaction.atomic
def division_update(*, actor, division: LeaderDivision, data: dict) -> LeaderDivision:
    obj, before = _locked_for_update(
        _divisions().select_for_update(), division.pk, data, DIVISION_FIELDS
    )
    _check_division(obj, obj.leader)
    return _saved(actor, obj, "leader_division.update", before, obj.department.organisation)


@transaction.atomic
def division_end(*, actor, division: LeaderDivision, until: dt.date | None = None):
    """End a division (default: today), keeping it in the record."""
    return division_update(
        actor=actor, division=division, data={"until": until or timezone.localdate()}
    )


@transaction.atomic
def division_delete(*, actor, division: LeaderDivision) -> None:
    """Remove a division entered by mistake (to end one, use `division_end`)."""
    obj = _divisions().get(pk=division.pk)
    _deleted(actor, obj, "leader_division.delete", obj.department.organisation)
