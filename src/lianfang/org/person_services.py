"""The rules and writes of people (人员) with their post history (岗位经历).

One set of rules serves every path that writes a person: the pages call the single services
(`person_create`, `person_update`, `post_assign`, `assignment_update`); the roster import
(`roster.roster_import`) and the demo call the bulk writer `people_write`, which applies the
same rules to many rows, reports every row's problems and writes nothing unless all pass, then
writes in set-based queries with the same audit events (optionally prefixed, e.g. "demo.").

The rules of the post history: a person holds one post at a time. Taking up a post closes the
open assignment the day before the new start, so the start must fall after the open
assignment's start and after the end of any earlier one; a post in a department moves the
person to that department. A corrected assignment may not end before it starts nor overlap the
person's other assignments.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianfang.core import audit, bulk
from lianfang.core.attachments import AttachmentError, attachment_delete, attachment_save
from lianfang.core.errors import RowIssue

from .attachments import PERSON_PHOTO
from .models import Department, Organisation, Person, Post, PostAssignment
from .pinyin import name_initials
from .services import (
    OrgError,
    PostContext,
    Problems,
    _assign,
    bulk_insert,
    check_lengths,
    check_required,
    posts_check,
    posts_insert,
    taken_by_other,
)

PERSON_FIELDS = (
    "department",
    "staff_no",
    "name",
    "gender",
    "title",
    "phone",
    "is_leader",
    "active",
)
# data["photo"]: an upload (the new photo), False (remove the photo) or None/absent (keep it)
ASSIGNMENT_FIELDS = ("start", "end", "note")
PERSON_SNAPSHOT_FIELDS = tuple(
    f.name
    for f in Person._meta.concrete_fields
    if f.name != "name_initials"  # from the name
)
FAR = dt.date.max


def person_snapshot(person: Person, fields=None) -> dict:
    """`audit.snapshot` of a person (or of its `fields`); the photo as its attachment's id
    (the attachment's own events say what the file is)."""
    return audit.snapshot(person, fields=PERSON_SNAPSHOT_FIELDS if fields is None else fields)


def _photo(actor, person: Person, upload) -> None:
    """Keep `upload` as the person's photo (withdrawing the one before), or remove the photo
    (`upload` False); None keeps it. A refused file raises AttachmentError on "photo"."""
    if upload is None:
        return
    if person.photo_id:
        attachment_delete(
            actor=actor,
            attachment=person.photo,
            reason=_("更换照片") if upload else _("删除照片"),
        )
    attachment = None
    if upload:
        try:
            attachment = attachment_save(
                actor=actor, use=PERSON_PHOTO, target=person, upload=upload
            )
        except AttachmentError as error:
            raise ValidationError({"photo": error.messages}) from None
    person.photo = attachment
    person.save(update_fields=["photo"])


# What the rules read -------------------------------------------------------------------------


@dataclass
class PeopleContext:
    """What the person rules read from the database, read once for a whole batch."""

    organisation: Organisation
    department_ids: set[int]
    people: dict[str, Person]  # by 工号
    history: dict[int, list[PostAssignment]]  # each person's assignments, by start

    def held(self, person: Person) -> list[PostAssignment]:
        return self.history.get(person.pk, []) if person.pk else []


def people_context(
    organisation: Organisation, *, staff_nos=None, person_ids=None, department_ids=None
) -> PeopleContext:
    """The context for writing people of `organisation`: its departments (unless their ids
    are given), and its people with their assignments (all of them, or only those with
    `staff_nos` / `person_ids`)."""
    people = Person.objects.filter(organisation=organisation)
    if staff_nos is not None:
        people = people.filter(staff_no__in=list(staff_nos))
    assignments = PostAssignment.objects.filter(person__organisation=organisation)
    if person_ids is not None:
        assignments = assignments.filter(person_id__in=list(person_ids))
    if person_ids is None:  # the whole organisation: its posts read once, not per row
        posts = Post.objects.filter(organisation=organisation).in_bulk()
    else:
        assignments = assignments.select_related("post")
    history = defaultdict(list)
    for row in assignments.order_by("person_id", "start", "pk"):
        if person_ids is None:
            row.post = posts[row.post_id]
        history[row.person_id].append(row)
    if department_ids is None:
        departments = Department.objects.filter(organisation=organisation)
        department_ids = departments.values_list("pk", flat=True)
    return PeopleContext(
        organisation=organisation,
        department_ids=set(department_ids),
        people={p.staff_no: p for p in people},
        history=dict(history),
    )


# The rules ----------------------------------------------------------------------------------


def check_person(person: Person, context: PeopleContext) -> Problems:
    """A 工号 and a name; the 工号 unique within the organisation; the department the
    organisation's own; gender 男/女 or empty."""
    problems = Problems()
    check_required(problems, person, "staff_no", "name")
    check_lengths(problems, person, "staff_no", "name", "title", "phone")
    holder = context.people.get(person.staff_no)
    if person.staff_no and taken_by_other(holder.pk if holder else None, person):
        problems.add(
            "staff_no",
            OrgError.DUPLICATE,
            _("工号“%(staff_no)s”已被本单位其他人员使用。") % {"staff_no": person.staff_no},
        )
    if person.department_id and person.department_id not in context.department_ids:
        problems.add("department", OrgError.OUTSIDE_ORGANISATION, _("科室须属于人员所在单位。"))
    if person.gender not in ("", *Person.Gender.values):
        problems.add("gender", OrgError.INVALID, _("性别只能是“男”或“女”。"))
    return problems


def check_take_up(person: Person, post: Post, start, held: list[PostAssignment]) -> Problems:
    """The rules of `person` taking up `post` from `start`, given the assignments `held`."""
    problems = Problems()
    if start is None:
        problems.add("start", OrgError.REQUIRED, _("请填写任职开始日期。"))
        return problems
    if post.organisation_id != person.organisation_id:
        problems.add("post", OrgError.OUTSIDE_ORGANISATION, _("只能安排到本单位的岗位。"))
    for row in held:
        if row.end is not None:
            continue
        if row.post is post or (post.pk is not None and row.post_id == post.pk):
            problems.add("post", OrgError.ALREADY_HELD, _("该人员已在此岗位任职。"))
        elif row.start >= start:
            problems.add(
                "start",
                OrgError.DATE_ORDER,
                _("任职开始日期须晚于现任岗位“%(post)s”的开始日期 %(date)s。")
                % {"post": row.post.name, "date": row.start.isoformat()},
            )
    last_end = max((row.end for row in held if row.end is not None), default=None)
    if last_end is not None and start <= last_end and not problems.has("start"):
        problems.add(
            "start",
            OrgError.DATE_ORDER,
            _("任职开始日期须晚于上一岗位的结束日期 %(date)s。") % {"date": last_end.isoformat()},
        )
    return problems


def take_up(person: Person, post: Post, start, note: str, held: list[PostAssignment]):
    """Apply a checked take-up to `held` (in memory): close the open assignments the day
    before `start` and add the new one. Returns (the new assignment, [(closed, before)])."""
    closed = []
    for row in held:
        if row.end is None:
            closed.append((row, audit.snapshot(row)))
            row.end = start - dt.timedelta(days=1)
    assignment = PostAssignment(person=person, post=post, start=start, note=note)
    held.append(assignment)
    return assignment, closed


def check_assignment(row: PostAssignment, held: list[PostAssignment]) -> Problems:
    """A corrected assignment: a start, no end before it, no overlap with the others held."""
    problems = Problems()
    if row.start is None:
        problems.add("start", OrgError.REQUIRED, _("请填写任职开始日期。"))
        return problems
    if row.end is not None and row.end < row.start:
        problems.add("end", OrgError.DATE_ORDER, _("任职结束日期不能早于开始日期。"))
        return problems
    for other in held:
        if other is row or (row.pk is not None and other.pk == row.pk):
            continue
        if other.start <= (row.end or FAR) and row.start <= (other.end or FAR):
            problems.add(
                None,
                OrgError.OVERLAP,
                _("与该人员在“%(post)s”的任职期间（%(start)s 起）重叠。")
                % {"post": other.post.name, "start": other.start.isoformat()},
            )
            break
    return problems


def department_after(person: Person, values: dict, posts_taken: list[Post]):
    """The rule "a post in a department moves the person to it", for posts taken up in turn:
    the department of the last of them that has one, unless `values` set the department."""
    if "department" not in values:
        for post in reversed(posts_taken):
            if post.department_id:
                return post.department_id
    return person.department_id


def _assignment_change(action, assignment, person, before=None, after=None, *, organisation):
    return audit.Change(
        action,
        assignment,
        before,
        after,
        object_repr=f"{person.name} · {assignment.post.name}",
        organisation=organisation,
    )


# Single services ----------------------------------------------------------------------------


@transaction.atomic
def person_create(*, actor, organisation: Organisation, data: dict) -> Person:
    person = Person(organisation=organisation)
    _assign(person, data, PERSON_FIELDS)
    context = people_context(organisation, staff_nos=[person.staff_no], person_ids=[])
    check_person(person, context).raise_if_any()
    person.save()
    _photo(actor, person, data.get("photo") or None)
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
    obj = Person.objects.select_for_update().select_related("organisation").get(pk=person.pk)
    before = person_snapshot(obj)
    _assign(obj, data, PERSON_FIELDS)
    context = people_context(obj.organisation, staff_nos=[obj.staff_no], person_ids=[])
    check_person(obj, context).raise_if_any()
    obj.save()
    _photo(actor, obj, data.get("photo"))
    audit.record(
        actor=actor, action="person.update", obj=obj, before=before, after=person_snapshot(obj)
    )
    return obj


@transaction.atomic
def post_assign(
    *, actor, person: Person, post: Post, start: dt.date, note: str = ""
) -> PostAssignment:
    """Assign `person` to `post` from `start` (the rules of the post history: see the module
    docstring). The open assignment is closed the day before `start`."""
    person = Person.objects.select_for_update().select_related("organisation").get(pk=person.pk)
    held = people_context(person.organisation, staff_nos=[], person_ids=[person.pk]).held(person)
    check_take_up(person, post, start, held).raise_if_any()
    assignment, closed = take_up(person, post, start, note, held)
    changes = []
    for row, before in closed:
        row.save(update_fields=["end"])
        changes.append(
            _assignment_change(
                "post_assignment.close",
                row,
                person,
                before,
                audit.snapshot(row),
                organisation=person.organisation,
            )
        )
    assignment.save()
    changes.append(
        _assignment_change(
            "post_assignment.create",
            assignment,
            person,
            after=audit.snapshot(assignment),
            organisation=person.organisation,
        )
    )
    department_id = department_after(person, {}, [post])
    if department_id != person.department_id:
        before = person_snapshot(person)
        person.department_id = department_id
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
    _assign(row, data, ASSIGNMENT_FIELDS)
    person = row.person
    held = people_context(person.organisation, staff_nos=[], person_ids=[person.pk]).held(person)
    check_assignment(row, held).raise_if_any()
    row.save()
    audit.record_many(
        actor=actor,
        changes=[
            _assignment_change(
                "post_assignment.update",
                row,
                person,
                before,
                audit.snapshot(row),
                organisation=person.organisation,
            )
        ],
    )
    return row


# The bulk writer ----------------------------------------------------------------------------


@dataclass
class Held:
    """A post taken up from `start`, as `post_assign` takes it up."""

    post: Post
    start: dt.date | None
    note: str = ""


@dataclass
class PersonRow:
    """One person to write: new (`person` None or unsaved) or existing.

    `values` are person fields to set (a new person's 工号 among them, unless `person` is an
    unsaved `Person` that has it); `posts` are taken up in order, each as `post_assign` does
    (a new post history is written in one go: the closed assignments are inserted closed; an
    unsaved post is created first, as `services.posts_create` does);
    `corrections` change assignments held as `assignment_update` does. `number` names the row
    in the problems reported.
    """

    values: dict = field(default_factory=dict)
    person: Person | None = None
    posts: list[Held] = field(default_factory=list)
    corrections: list[tuple[PostAssignment, dict]] = field(default_factory=list)
    number: int = 0


@dataclass
class PersonWritten:
    person: Person
    created: bool = False
    changed: bool = False  # an existing person's fields or post history
    assignments: list[PostAssignment] = field(default_factory=list)  # the new ones


@dataclass(eq=False)
class _Plan:
    row: PersonRow
    person: Person
    before: dict | None  # None: a new person
    watched: set[str] | None = None  # the fields a change of the person can touch
    person_fields: set[str] = field(default_factory=set)  # the fields an update changes
    changed_rows: list[tuple[PostAssignment, dict, str]] = field(default_factory=list)
    new_rows: list[PostAssignment] = field(default_factory=list)


def _plan(organisation, rows, context) -> tuple[list[_Plan], list[RowIssue]]:
    """Apply the rules to every row, in memory; the plans, and every row's problems."""
    plans, issues = [], []
    first_row_of: dict[str, int] = {}
    for row in rows:
        person = row.person or Person()
        person.organisation = organisation
        watched = {*(f for f in row.values if f in PERSON_FIELDS), "department"}
        before = person_snapshot(person, watched) if person.pk else None
        _assign(person, row.values, PERSON_FIELDS)
        person.name_initials = name_initials(person.name)  # as Person.save sets it
        problems = check_person(person, context)
        if person.staff_no in first_row_of and not problems.has("staff_no"):
            problems.add(
                "staff_no",
                OrgError.DUPLICATE,
                _("工号“%(no)s”与第 %(row)s 行重复。")
                % {"no": person.staff_no, "row": first_row_of[person.staff_no]},
            )
        if person.staff_no:
            first_row_of.setdefault(person.staff_no, row.number)
        plan = _Plan(row, person, before, watched)
        held = list(context.held(person))
        for assignment, data in row.corrections:
            corrected_before = audit.snapshot(assignment)
            _assign(assignment, data, ASSIGNMENT_FIELDS)
            _merge(problems, check_assignment(assignment, held))
            if audit.snapshot(assignment) != corrected_before:
                plan.changed_rows.append((assignment, corrected_before, "post_assignment.update"))
        for taken in row.posts:
            found = check_take_up(person, taken.post, taken.start, held)
            _merge(problems, found)
            if found:
                continue
            assignment, closed = take_up(person, taken.post, taken.start, taken.note, held)
            plan.new_rows.append(assignment)
            plan.changed_rows += [
                (old, old_before, "post_assignment.close")
                for old, old_before in closed
                if old.pk is not None
            ]
        person.department_id = department_after(person, row.values, [h.post for h in row.posts])
        if problems:
            issues += [RowIssue(row.number, f, message) for f, message in problems.items()]
            continue
        if before is not None:
            plan.person_fields = _changed_fields(before, person_snapshot(person, watched))
            if "name" in plan.person_fields:
                plan.person_fields.add("name_initials")
        plans.append(plan)
    return plans, issues


def _merge(problems: Problems, found: Problems):
    for field_name, errors in found.by_field.items():
        problems.by_field.setdefault(field_name, []).extend(errors)


def _new_posts(
    organisation, rows, context: PeopleContext
) -> tuple[list[Post], list[RowIssue], PostContext | None]:
    """The unsaved posts the rows take up, their problems (as the rows' "post") and the
    context they were checked in."""
    posts, numbers, seen = [], [], set()
    for row in rows:
        for taken in row.posts:
            if taken.post.pk is None and id(taken.post) not in seen:
                seen.add(id(taken.post))
                taken.post.organisation = organisation
                posts.append(taken.post)
                numbers.append(row.number)
    if not posts:
        return [], [], None
    posts_context = PostContext.of(organisation.pk, context.department_ids)
    found = posts_check(posts, numbers, posts_context)
    return posts, [RowIssue(i.row, "post", i.message) for i in found], posts_context


def _check(organisation, rows, context):
    """Every row's plan and problems, the new posts' among them: ((plans, posts, the posts'
    context), issues)."""
    plans, issues = _plan(organisation, rows, context)
    posts, post_issues, post_context = _new_posts(organisation, rows, context)
    return (plans, posts, post_context), issues + post_issues


def people_check(*, organisation: Organisation, rows: list[PersonRow], context=None):
    """The problems `people_write` would refuse `rows` for (nothing is written; the rows'
    objects are changed in memory)."""
    return _check(organisation, rows, context or people_context(organisation))[1]


def people_write(
    *,
    actor,
    organisation: Organisation,
    rows: list[PersonRow],
    context: PeopleContext | None = None,
    audit_prefix: str = "",
) -> list[PersonWritten]:
    """Write `rows` of `organisation` with the rules of the single services.

    Raises `RowsInvalid` with every row's problems and writes nothing when any row breaks a
    rule. Otherwise creates and updates the people and their assignments in set-based
    queries, with the audit events of the single services ("person.create",
    "person.update", "post_assignment.create" / ".close" / ".update", their actions prefixed
    with `audit_prefix`); a row that changes nothing writes nothing. Returns one
    `PersonWritten` per row, in order. `context` (from `people_context`) may be passed when
    the caller has read it already; it is updated as rows are checked.
    """

    def write(checked):
        plans, posts, post_context = checked
        changes = posts_insert(posts, post_context, audit_prefix) if posts else []
        written = _write(organisation, plans, changes, audit_prefix)
        audit.record_many(actor=actor, changes=changes)
        return written

    return bulk.write_checked(
        lambda: _check(organisation, rows, context or people_context(organisation)), write
    )


def _write(organisation, plans: list[_Plan], changes: list, audit_prefix) -> list[PersonWritten]:
    """Write checked plans; their audit changes are appended to `changes`."""
    bulk_insert([p.person for p in plans if p.before is None], key=("organisation_id", "staff_no"))
    people_changed = [p for p in plans if p.person_fields]
    fields = sorted(set().union(*(p.person_fields for p in people_changed)))
    bulk.update_rows([p.person for p in people_changed], fields)

    assignments_changed = [row for plan in plans for row, _b, _a in plan.changed_rows]
    bulk.update_rows(assignments_changed, ASSIGNMENT_FIELDS)
    assignments_new = []
    for plan in plans:
        for assignment in plan.new_rows:
            assignment.person = plan.person  # sets the key of a person inserted above
            assignments_new.append(assignment)
    bulk_insert(assignments_new, key=("person_id", "post_id", "start"))

    for plan in plans:
        person = plan.person
        if plan.before is None:
            changes.append(
                audit.Change(
                    f"{audit_prefix}person.create",
                    person,
                    after=person_snapshot(person),
                    organisation=organisation,
                )
            )
        elif plan.person_fields:
            changes.append(
                audit.Change(
                    f"{audit_prefix}person.update",
                    person,
                    plan.before,
                    person_snapshot(person, plan.watched),
                    organisation=organisation,
                )
            )
    for plan in plans:
        for row, before, action in plan.changed_rows:
            changes.append(
                _assignment_change(
                    audit_prefix + action,
                    row,
                    plan.person,
                    before,
                    audit.snapshot(row),
                    organisation=organisation,
                )
            )
    for plan in plans:
        for row in plan.new_rows:
            changes.append(
                _assignment_change(
                    f"{audit_prefix}post_assignment.create",
                    row,
                    plan.person,
                    after=audit.snapshot(row),
                    organisation=organisation,
                )
            )
    return [
        PersonWritten(
            person=plan.person,
            created=plan.before is None,
            changed=plan.before is not None
            and bool(plan.person_fields or plan.changed_rows or plan.new_rows),
            assignments=plan.new_rows,
        )
        for plan in plans
    ]


def _changed_fields(before: dict, after: dict) -> set[str]:
    """The names of the fields whose snapshot values differ (foreign keys by field name)."""
    names = {f.attname: f.name for f in Person._meta.concrete_fields}
    return {names.get(key, key) for key in after if before.get(key) != after[key]}
