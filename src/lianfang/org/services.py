"""Writes to organisations, departments, posts, people, post assignments, leader divisions
and the power catalogue (powers and their steps).

Every service runs in one transaction, validates its input (raising a `ValidationError` whose
messages are Chinese sentences, keyed by field where one is to blame) and appends audit events
with the values before and after. Who may call a service is decided by the caller (views fetch
the objects through the `*_manageable_by(user)` selectors).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit

from .models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
    Power,
    PowerStep,
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
PERSON_FIELDS = (
    "department",
    "staff_no",
    "name",
    "gender",
    "title",
    "phone",
    "is_leader",
    "photo",
    "active",
)
DIVISION_FIELDS = ("department", "since", "until", "duties")
PERSON_SNAPSHOT_FIELDS = tuple(
    f.name for f in Person._meta.concrete_fields if not isinstance(f, models.FileField)
)


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


def person_snapshot(person: Person) -> dict:
    """`audit.snapshot` of a person, with the photo as its stored name."""
    data = audit.snapshot(person, fields=PERSON_SNAPSHOT_FIELDS)
    data["photo"] = person.photo.name or ""
    return data


def _require(obj, *fields):
    errors = {}
    for name in fields:
        if getattr(obj, name) in (None, ""):
            label = obj._meta.get_field(name).verbose_name
            errors[name] = _("请填写%(label)s。") % {"label": label}
    if errors:
        raise ValidationError(errors)


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
    dept.save()
    audit.record(actor=actor, action="department.create", obj=dept, after=audit.snapshot(dept))
    return dept


@transaction.atomic
def department_update(*, actor, department: Department, data: dict) -> Department:
    """Update a department. Its organisation cannot change (posts and people hang on it)."""
    dept = Department.objects.select_for_update().get(pk=department.pk)
    before = audit.snapshot(dept)
    _assign(dept, data, DEPARTMENT_FIELDS)
    _check_department(dept)
    dept.save()
    audit.record(
        actor=actor, action="department.update", obj=dept, before=before, after=audit.snapshot(dept)
    )
    return dept


def _function_change(action, fn, before=None, after=None):
    return audit.Change(action, fn, before, after, organisation=fn.department.organisation)


@transaction.atomic
def department_function_add(*, actor, department: Department, data: dict) -> DepartmentFunction:
    fn = DepartmentFunction(department=department)
    _assign(fn, data, FUNCTION_FIELDS)
    _require(fn, "title")
    fn.save()
    audit.record_many(
        actor=actor,
        changes=[_function_change("department_function.create", fn, after=audit.snapshot(fn))],
    )
    return fn


@transaction.atomic
def department_function_update(
    *, actor, function: DepartmentFunction, data: dict
) -> DepartmentFunction:
    fn = DepartmentFunction.objects.select_related("department__organisation").get(pk=function.pk)
    before = audit.snapshot(fn)
    _assign(fn, data, FUNCTION_FIELDS)
    _require(fn, "title")
    fn.save()
    audit.record_many(
        actor=actor,
        changes=[_function_change("department_function.update", fn, before, audit.snapshot(fn))],
    )
    return fn


@transaction.atomic
def department_function_remove(*, actor, function: DepartmentFunction) -> None:
    fn = DepartmentFunction.objects.select_related("department__organisation").get(pk=function.pk)
    audit.record_many(
        actor=actor,
        changes=[_function_change("department_function.delete", fn, before=audit.snapshot(fn))],
    )
    fn.delete()


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


def _check_post(post: Post):
    _require(post, "name")
    errors = {}
    if (
        post.department_id
        and not Department.objects.filter(
            pk=post.department_id, organisation_id=post.organisation_id
        ).exists()
    ):
        errors["department"] = _("科室须属于岗位所在单位。")
    if post.rotation_years is not None and post.rotation_years < 1:
        errors["rotation_years"] = _("轮岗周期至少为 1 年。")
    siblings = Post.objects.filter(organisation_id=post.organisation_id).exclude(pk=post.pk)
    if post.code and siblings.filter(code=post.code).exists():
        errors["code"] = _("本单位已有编码为“%(code)s”的岗位。") % {"code": post.code}
    if siblings.filter(department_id=post.department_id, name=post.name).exists():
        errors["name"] = _("该科室已有名为“%(name)s”的岗位。") % {"name": post.name}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def post_create(*, actor, organisation: Organisation, data: dict) -> Post:
    """Create a post; an empty code gets the next free GWnnnn code of the organisation."""
    post = Post(organisation=organisation)
    _assign(post, data, POST_FIELDS)
    _check_post(post)
    if not post.code:
        taken = set(Post.objects.filter(organisation=organisation).values_list("code", flat=True))
        post.code = next_post_codes(taken, 1)[0]
    post.save()
    audit.record(actor=actor, action="post.create", obj=post, after=audit.snapshot(post))
    return post


@transaction.atomic
def post_update(*, actor, post: Post, data: dict) -> Post:
    obj = Post.objects.select_for_update().get(pk=post.pk)
    before = audit.snapshot(obj)
    _assign(obj, data, POST_FIELDS)
    if not obj.code:
        obj.code = before["code"]
    _check_post(obj)
    obj.save()
    audit.record(
        actor=actor, action="post.update", obj=obj, before=before, after=audit.snapshot(obj)
    )
    return obj


# People -----------------------------------------------------------------------------------


def _check_person(person: Person):
    _require(person, "staff_no", "name")
    errors = {}
    if (
        Person.objects.filter(organisation_id=person.organisation_id, staff_no=person.staff_no)
        .exclude(pk=person.pk)
        .exists()
    ):
        errors["staff_no"] = _("工号“%(staff_no)s”已被本单位其他人员使用。") % {
            "staff_no": person.staff_no
        }
    if (
        person.department_id
        and not Department.objects.filter(
            pk=person.department_id, organisation_id=person.organisation_id
        ).exists()
    ):
        errors["department"] = _("科室须属于人员所在单位。")
    if person.gender not in ("", *Person.Gender.values):
        errors["gender"] = _("性别只能是“男”或“女”。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_create(*, actor, organisation: Organisation, data: dict) -> Person:
    person = Person(organisation=organisation)
    _assign(person, data, PERSON_FIELDS)
    _check_person(person)
    person.save()
    audit.record(
        actor=actor,
        action="person.create",
        obj=person,
        after=person_snapshot(person),
        organisation=organisation,
    )
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: dict) -> Person:
    """Update a person. The organisation cannot change (工号 are unique per organisation)."""
    obj = Person.objects.select_for_update().get(pk=person.pk)
    before = person_snapshot(obj)
    _assign(obj, data, PERSON_FIELDS)
    _check_person(obj)
    obj.save()
    audit.record(
        actor=actor, action="person.update", obj=obj, before=before, after=person_snapshot(obj)
    )
    return obj


# Post assignments -------------------------------------------------------------------------


def _assignment_change(action, assignment, person, before=None, after=None):
    return audit.Change(
        action,
        assignment,
        before,
        after,
        object_repr=f"{person.name} · {assignment.post.name}",
        organisation=person.organisation,
    )


@transaction.atomic
def post_assign(
    *, actor, person: Person, post: Post, start: dt.date, note: str = ""
) -> PostAssignment:
    """Assign `person` to `post` from `start`.

    The person's open assignment (if any) is closed the day before `start`, so a person holds
    one post at a time; `start` must therefore fall after the open assignment's start and
    after the end of any earlier one. A post in a department moves the person to it.
    """
    person = Person.objects.select_for_update().select_related("organisation").get(pk=person.pk)
    errors = {}
    if start is None:
        raise ValidationError({"start": _("请填写任职开始日期。")})
    if post.organisation_id != person.organisation_id:
        errors["post"] = _("只能安排到本单位的岗位。")
    open_rows = list(
        PostAssignment.objects.select_related("post").filter(person=person, end__isnull=True)
    )
    for row in open_rows:
        if row.post_id == post.pk:
            errors["post"] = _("该人员已在此岗位任职。")
        elif row.start >= start:
            errors["start"] = _("任职开始日期须晚于现任岗位“%(post)s”的开始日期 %(date)s。") % {
                "post": row.post.name,
                "date": row.start.isoformat(),
            }
    last_end = PostAssignment.objects.filter(person=person, end__isnull=False).aggregate(
        m=Max("end")
    )["m"]
    if last_end is not None and start <= last_end:
        errors.setdefault(
            "start",
            _("任职开始日期须晚于上一岗位的结束日期 %(date)s。") % {"date": last_end.isoformat()},
        )
    if errors:
        raise ValidationError(errors)
    changes = []
    for row in open_rows:
        before = audit.snapshot(row)
        row.end = start - dt.timedelta(days=1)
        row.save(update_fields=["end"])
        changes.append(
            _assignment_change("post_assignment.close", row, person, before, audit.snapshot(row))
        )
    assignment = PostAssignment.objects.create(person=person, post=post, start=start, note=note)
    changes.append(
        _assignment_change(
            "post_assignment.create", assignment, person, after=audit.snapshot(assignment)
        )
    )
    if post.department_id and person.department_id != post.department_id:
        before = person_snapshot(person)
        person.department_id = post.department_id
        person.save(update_fields=["department"])
        changes.append(audit.Change("person.update", person, before, person_snapshot(person)))
    audit.record_many(actor=actor, changes=changes)
    return assignment


@transaction.atomic
def assignment_update(*, actor, assignment: PostAssignment, data: dict) -> PostAssignment:
    """Correct an assignment's dates or note. The end may not precede the start, and the
    corrected period may not overlap the person's other assignments."""
    row = (
        PostAssignment.objects.select_for_update()
        .select_related("post", "person__organisation")
        .get(pk=assignment.pk)
    )
    before = audit.snapshot(row)
    _assign(row, data, ("start", "end", "note"))
    if row.start is None:
        raise ValidationError({"start": _("请填写任职开始日期。")})
    if row.end is not None and row.end < row.start:
        raise ValidationError({"end": _("任职结束日期不能早于开始日期。")})
    far = dt.date.max
    for other in PostAssignment.objects.filter(person_id=row.person_id).exclude(pk=row.pk):
        if other.start <= (row.end or far) and row.start <= (other.end or far):
            raise ValidationError(
                _("与该人员在“%(post)s”的任职期间（%(start)s 起）重叠。")
                % {"post": other.post.name, "start": other.start.isoformat()}
            )
    row.save()
    audit.record_many(
        actor=actor,
        changes=[
            _assignment_change(
                "post_assignment.update", row, row.person, before, audit.snapshot(row)
            )
        ],
    )
    return row


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


def _division_change(action, division, before=None, after=None):
    return audit.Change(
        action,
        division,
        before,
        after,
        organisation=division.department.organisation,
    )


@transaction.atomic
def division_create(*, actor, leader: Person, data: dict) -> LeaderDivision:
    division = LeaderDivision(leader=leader)
    _assign(division, data, DIVISION_FIELDS)
    _check_division(division, leader)
    division.save()
    audit.record_many(
        actor=actor,
        changes=[
            _division_change("leader_division.create", division, after=audit.snapshot(division))
        ],
    )
    return division


@transaction.atomic
def division_update(*, actor, division: LeaderDivision, data: dict) -> LeaderDivision:
    obj = (
        LeaderDivision.objects.select_for_update()
        .select_related("leader", "department__organisation")
        .get(pk=division.pk)
    )
    before = audit.snapshot(obj)
    _assign(obj, data, DIVISION_FIELDS)
    _check_division(obj, obj.leader)
    obj.save()
    audit.record_many(
        actor=actor,
        changes=[_division_change("leader_division.update", obj, before, audit.snapshot(obj))],
    )
    return obj


@transaction.atomic
def division_end(*, actor, division: LeaderDivision, until: dt.date | None = None):
    """End a division (default: today), keeping it in the record."""
    return division_update(
        actor=actor, division=division, data={"until": until or timezone.localdate()}
    )


@transaction.atomic
def division_delete(*, actor, division: LeaderDivision) -> None:
    """Remove a division entered by mistake (to end one, use `division_end`)."""
    obj = LeaderDivision.objects.select_related("department__organisation").get(pk=division.pk)
    audit.record_many(
        actor=actor,
        changes=[_division_change("leader_division.delete", obj, before=audit.snapshot(obj))],
    )
    obj.delete()


# Power catalogue (职权目录) ---------------------------------------------------------------

POWER_FIELDS = (
    "code",
    "name",
    "category",
    "basis",
    "department",
    "duties",
    "time_limit_days",
    "is_public",
    "active",
)
STEP_FIELDS = ("key", "name", "order", "is_control_point", "post", "time_limit_days")
TIME_LIMIT_MAX = 3650
ORDER_MAX = 32767


def power_snapshot(power: Power) -> dict:
    """`audit.snapshot` of a power with its 承办岗位 as a sorted list of post ids."""
    data = audit.snapshot(power)
    data["post_ids"] = sorted(power.posts.values_list("pk", flat=True)) if power.pk else []
    return data


def _check_time_limit(value, errors, field="time_limit_days"):
    if value is not None and not (1 <= value <= TIME_LIMIT_MAX):
        errors[field] = _("期限须为 1 至 %(max)s 天。") % {"max": TIME_LIMIT_MAX}


def _check_power(power: Power, posts):
    _require(power, "code", "name")
    errors = {}
    if power.category not in Power.Category.values:
        errors["category"] = _("请选择有效的权力类别。")
    if (
        Power.objects.filter(organisation_id=power.organisation_id, code=power.code)
        .exclude(pk=power.pk)
        .exists()
    ):
        errors["code"] = _("本单位已有编码为“%(code)s”的权力事项。") % {"code": power.code}
    if (
        power.department_id
        and not Department.objects.filter(
            pk=power.department_id, organisation_id=power.organisation_id
        ).exists()
    ):
        errors["department"] = _("承办部门须为本单位的科室。")
    if posts is not None:
        foreign = [p.name for p in posts if p.organisation_id != power.organisation_id]
        if foreign:
            errors["posts"] = _("承办岗位须为本单位的岗位：%(names)s 不是。") % {
                "names": "、".join(foreign)
            }
    _check_time_limit(power.time_limit_days, errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def power_create(*, actor, organisation: Organisation, data: dict) -> Power:
    """Create a power of `organisation`; `data["posts"]` (optional) are its 承办岗位.

    The 编码 is unique within the organisation; the department and posts must be the
    organisation's own.
    """
    power = Power(organisation=organisation)
    _assign(power, data, POWER_FIELDS)
    posts = list(data.get("posts") or [])
    _check_power(power, posts)
    power.save()
    power.posts.set(posts)
    audit.record(actor=actor, action="power.create", obj=power, after=power_snapshot(power))
    return power


@transaction.atomic
def power_update(*, actor, power: Power, data: dict) -> Power:
    """Update a power. Its organisation cannot change (its steps, posts and risk points hang
    on it). `data["posts"]`, when present, replaces the 承办岗位."""
    obj = Power.objects.select_for_update().get(pk=power.pk)
    before = power_snapshot(obj)
    _assign(obj, data, POWER_FIELDS)
    posts = list(data["posts"]) if data.get("posts") is not None else None
    _check_power(obj, posts)
    obj.save()
    if posts is not None:
        obj.posts.set(posts)
    audit.record(
        actor=actor, action="power.update", obj=obj, before=before, after=power_snapshot(obj)
    )
    return obj


def _step_change(action, step, power, before=None, after=None):
    return audit.Change(
        action,
        step,
        before,
        after,
        object_repr=f"{power.name} · {step.name}",
        organisation=power.organisation,
    )


def free_step_key(order: int, taken: set[str]) -> str:
    """A step key made from the step's order ("step-3"), not in `taken` (which it joins)."""
    key = f"step-{order}"
    n = 1
    while key in taken:
        n += 1
        key = f"step-{order}-{n}"
    taken.add(key)
    return key


def _check_step(step: PowerStep):
    _require(step, "name")
    errors = {}
    if step.key:
        try:
            validate_slug(step.key)
        except ValidationError:
            errors["key"] = _("环节代码只能包含英文字母、数字、连字符和下划线。")
        else:
            if (
                PowerStep.objects.filter(power_id=step.power_id, key=step.key)
                .exclude(pk=step.pk)
                .exists()
            ):
                errors["key"] = _("本权力事项已有代码为“%(key)s”的环节。") % {"key": step.key}
    if step.order is not None and not (0 <= step.order <= ORDER_MAX):
        errors["order"] = _("顺序须为 0 至 %(max)s 的整数。") % {"max": ORDER_MAX}
    if (
        step.post_id
        and not Post.objects.filter(
            pk=step.post_id, organisation_id=step.power.organisation_id
        ).exists()
    ):
        errors["post"] = _("办理岗位须为本单位的岗位。")
    _check_time_limit(step.time_limit_days, errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def power_step_add(*, actor, power: Power, data: dict) -> PowerStep:
    """Add a step to `power`. Without an order it goes last; without a key it gets one made
    from its order (step-3)."""
    power = Power.objects.select_for_update().select_related("organisation").get(pk=power.pk)
    step = PowerStep(power=power)
    _assign(step, data, STEP_FIELDS)
    if data.get("order") is None:
        last = power.steps.aggregate(m=Max("order"))["m"]
        step.order = 1 if last is None else min(last + 1, ORDER_MAX)
    _check_step(step)
    if not step.key:
        step.key = free_step_key(step.order, set(power.steps.values_list("key", flat=True)))
    step.save()
    audit.record_many(
        actor=actor,
        changes=[_step_change("power_step.create", step, power, after=audit.snapshot(step))],
    )
    return step


@transaction.atomic
def power_step_update(*, actor, step: PowerStep, data: dict) -> PowerStep:
    """Update a step; an emptied key keeps the old one."""
    obj = (
        PowerStep.objects.select_for_update().select_related("power__organisation").get(pk=step.pk)
    )
    before = audit.snapshot(obj)
    _assign(obj, data, STEP_FIELDS)
    if not obj.key:
        obj.key = before["key"]
    if obj.order is None:
        obj.order = before["order"]
    _check_step(obj)
    obj.save()
    audit.record_many(
        actor=actor,
        changes=[_step_change("power_step.update", obj, obj.power, before, audit.snapshot(obj))],
    )
    return obj


@transaction.atomic
def power_step_remove(*, actor, step: PowerStep) -> None:
    """Remove a step. Refused while risk points (or anything else) sit on it."""
    obj = (
        PowerStep.objects.select_for_update().select_related("power__organisation").get(pk=step.pk)
    )
    used = obj.risk_points.count()
    if used:
        raise ValidationError(
            _("环节“%(name)s”上有 %(n)s 个风险点，不能删除。请先把这些风险点调整到其他环节。")
            % {"name": obj.name, "n": used}
        )
    audit.record_many(
        actor=actor,
        changes=[_step_change("power_step.delete", obj, obj.power, before=audit.snapshot(obj))],
    )
    try:
        with transaction.atomic():
            obj.delete()
    except models.ProtectedError as exc:
        raise ValidationError(
            _("环节“%(name)s”已被其他记录引用，不能删除。") % {"name": obj.name}
        ) from exc


@transaction.atomic
def power_step_reorder(*, actor, power: Power, step_ids: list[int]) -> list[PowerStep]:
    """Put `power`'s steps in the order of `step_ids` (every step of the power, once each),
    numbering them 1, 2, 3…; only the steps whose order changes are written and audited."""
    power = Power.objects.select_for_update().select_related("organisation").get(pk=power.pk)
    steps = {s.pk: s for s in power.steps.all()}
    ids = [int(i) for i in step_ids]
    if len(ids) != len(set(ids)) or set(ids) != set(steps):
        raise ValidationError(_("环节顺序无效：须包含本权力事项的全部环节，且每个环节只出现一次。"))
    changes, changed = [], []
    for position, pk in enumerate(ids, start=1):
        step = steps[pk]
        if step.order != position:
            before = audit.snapshot(step, fields=("order",))
            step.order = position
            changed.append(step)
            changes.append(
                _step_change(
                    "power_step.update",
                    step,
                    power,
                    before,
                    audit.snapshot(step, fields=("order",)),
                )
            )
    PowerStep.objects.bulk_update(changed, ["order"])
    audit.record_many(actor=actor, changes=changes)
    return [steps[pk] for pk in ids]
