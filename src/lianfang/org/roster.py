"""The staff roster as an Excel workbook: export, a blank template, and import.

The import reads every row, checks all of them against the organisation's departments, posts
and people, and writes nothing unless every row passes; then it creates or updates people by
工号 (creating missing posts by name in the row's department and moving people to their post)
in one transaction, with one audit event per change. It reads the database a fixed number of
times whatever the number of rows.
"""

import datetime as dt
import io
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, spreadsheets
from lianfang.core.spreadsheets import Column, RowError, SheetRow
from lianfang.core.spreadsheets import cell_text as _text

from .models import Department, Organisation, Person, Post, PostAssignment
from .selectors import current_assignments
from .services import next_post_codes, person_snapshot

XLSX_CONTENT_TYPE = spreadsheets.XLSX_CONTENT_TYPE
SHEET_TITLE = "人员名册"
MAX_ROWS = 10000

COLUMNS = (
    Column("staff_no", "工号", 12, text=True),
    Column("name", "姓名", 12),
    Column("gender", "性别", 8),
    Column("department", "科室", 18),
    Column("post", "岗位", 18),
    Column("start", "岗位起始日期", 14),
    Column("title", "职务/职称", 16),
    Column("phone", "联系电话", 16, text=True),
    Column("is_leader", "单位领导(是/否)", 16, ("单位领导", "是否单位领导")),
)
# Written by the export so that files from several organisations are not imported by mistake.
ORGANISATION_COLUMN = Column("organisation", "单位", 24)
HEADERS = {c.key: c.header for c in (*COLUMNS, ORGANISATION_COLUMN)}

GENDER_IN = {"男": "M", "女": "F", "M": "M", "F": "F"}
GENDER_OUT = {"M": "男", "F": "女"}
YES = {"是", "Y", "YES", "TRUE", "1", "√"}
NO = {"否", "N", "NO", "FALSE", "0", ""}
MAX_LENGTHS = {
    "staff_no": Person._meta.get_field("staff_no").max_length,
    "name": Person._meta.get_field("name").max_length,
    "title": Person._meta.get_field("title").max_length,
    "phone": Person._meta.get_field("phone").max_length,
    "post": Post._meta.get_field("name").max_length,
}


# Export -----------------------------------------------------------------------------------


def export_people(people, *, chunk_size: int = 1000) -> bytes:
    """The roster of `people` (a queryset) as .xlsx bytes, with each person's current post."""
    people = people.select_related("organisation", "department").order_by(
        "organisation__path", "staff_no", "pk"
    )
    out = io.BytesIO()
    with spreadsheets.SheetWriter(out) as book:
        sheet = book.sheet(SHEET_TITLE, (*COLUMNS, ORGANISATION_COLUMN))

        def write(batch):
            current = current_assignments(p.pk for p in batch)
            for person in batch:
                assignment = current.get(person.pk)
                sheet.row(
                    [
                        person.staff_no,
                        person.name,
                        GENDER_OUT.get(person.gender, ""),
                        person.department.name if person.department_id else "",
                        assignment.post.name if assignment else "",
                        assignment.start if assignment else None,
                        person.title,
                        person.phone,
                        "是" if person.is_leader else "否",
                        person.organisation.name,
                    ]
                )

        batch = []
        for person in people.iterator(chunk_size=chunk_size):
            batch.append(person)
            if len(batch) == chunk_size:
                write(batch)
                batch = []
        if batch:
            write(batch)
    return out.getvalue()


def blank_template(organisation: Organisation | None = None) -> bytes:
    """An empty roster with drop-downs, and a sheet of instructions (and departments)."""
    lines = [
        _("1. 第 1 行为表头，请勿修改；从第 2 行起每行填写一人。"),
        _("2. 工号、姓名必填；同一文件中工号不能重复。已有工号的人员将被更新，新工号将新增人员。"),
        _("3. 性别填写“男”或“女”，可留空；单位领导填写“是”或“否”，留空视为“否”。"),
        _("4. 科室须为本单位已有科室的名称；单位领导等不属于科室的人员可留空。"),
        _("5. 岗位按名称在所填科室中查找，没有的将自动新增。"),
        _("6. 填写岗位时须填写岗位起始日期（如 2020-01-31）。"),
        _("7. 人员换岗时，原岗位在新岗位起始日期的前一天结束；新起始日期须晚于原岗位的起始日期。"),
        _("8. 名册中没有的人员不会被删除或停用。"),
        _("9. 任何一行有错误时，整个文件都不会导入，页面将列出全部错误的行、列和原因。"),
    ]
    out = io.BytesIO()
    with spreadsheets.SheetWriter(out) as book:
        sheet = book.sheet(SHEET_TITLE, COLUMNS)
        sheet.validation("gender", ["男", "女"], rows=MAX_ROWS)
        sheet.validation("is_leader", ["是", "否"], rows=MAX_ROWS)
        notes = book.instructions(_("人员名册填写说明"), lines, width=90)
        if organisation is not None:
            list_departments(notes, organisation)
    return out.getvalue()


def list_departments(notes, organisation: Organisation) -> None:
    """The organisation's departments, listed under a blank template's instructions."""
    departments = organisation.departments.filter(active=True)
    notes.section(
        _("%(org)s 的科室：") % {"org": organisation.name},
        departments.values_list("name", flat=True),
    )


# Import -----------------------------------------------------------------------------------


class RosterFileError(spreadsheets.SheetFileError):
    """The upload cannot be read as a roster at all (not a workbook, empty, no header)."""


@dataclass
class ImportResult(spreadsheets.ImportResult):
    posts_created: int = 0


def read_rows(file) -> list[SheetRow]:
    """The non-empty data rows of the first sheet, keyed by column; raises RosterFileError."""
    return spreadsheets.read_sheet(
        file,
        error=RosterFileError,
        columns=(*COLUMNS, ORGANISATION_COLUMN),
        required=[c.key for c in COLUMNS],
        max_rows=MAX_ROWS,
        texts=spreadsheets.SheetTexts(
            empty=_("文件是空的：第 1 行应为表头（工号、姓名……）。"),
            nothing=_("文件中没有人员数据（从第 2 行起填写）。"),
        ),
    )


_parse_date = spreadsheets.parse_date


@dataclass
class ParsedRow:
    number: int
    staff_no: str
    name: str
    gender: str
    department: Department | None
    post_name: str
    start: dt.date | None
    title: str
    phone: str
    is_leader: bool


def _parse_row(row: SheetRow, departments: dict, organisation, today, add_error):
    """Check one row on its own; report each problem through `add_error(column_key, reason)`."""
    v = row.values
    failed = False

    def error(key, reason):
        nonlocal failed
        failed = True
        add_error(key, reason)

    org_name = _text(v.get("organisation"))
    if org_name and org_name not in (organisation.name, organisation.short_name):
        # a row of another organisation's export: its other errors would only be noise
        error(
            "organisation",
            _("该行属于“%(other)s”，不是“%(org)s”的人员。")
            % {"other": org_name, "org": organisation.name},
        )
        return None

    texts = {key: _text(v.get(key)) for key in ("staff_no", "name", "post", "title", "phone")}
    for key in ("staff_no", "name"):
        if not texts[key]:
            error(key, _("不能为空。"))
    for key, limit in MAX_LENGTHS.items():
        if len(texts[key]) > limit:
            error(key, _("不能超过 %(n)s 个字。") % {"n": limit})

    gender_text = _text(v.get("gender"))
    gender = GENDER_IN.get(gender_text.upper() if gender_text.isascii() else gender_text)
    if gender is None and gender_text:
        error("gender", _("“%(value)s”无效，只能填写“男”或“女”。") % {"value": gender_text})

    department = None
    dept_name = _text(v.get("department"))
    if dept_name:
        department = departments.get(dept_name)
        if department is None:
            error(
                "department",
                _("本单位没有名为“%(name)s”的科室，请先在系统中新增该科室。") % {"name": dept_name},
            )

    start = None
    try:
        start = _parse_date(v.get("start"))
    except (ValueError, OverflowError, TypeError):
        error(
            "start",
            _("“%(value)s”不是有效日期，请按 2020-01-31 的格式填写。")
            % {"value": _text(v.get("start"))},
        )
    else:
        if start is not None and start > today:
            error("start", _("不能晚于今天（%(today)s）。") % {"today": today.isoformat()})
        if texts["post"] and start is None:
            error("start", _("填写了岗位时，须填写岗位起始日期。"))
        if start is not None and not texts["post"]:
            error("post", _("填写了岗位起始日期时，须填写岗位。"))

    leader_text = _text(v.get("is_leader"))
    is_leader = None
    if leader_text.upper() in YES:
        is_leader = True
    elif leader_text.upper() in NO:
        is_leader = False
    else:
        error("is_leader", _("“%(value)s”无效，只能填写“是”或“否”。") % {"value": leader_text})

    if failed:
        return None
    return ParsedRow(
        number=row.number,
        staff_no=texts["staff_no"],
        name=texts["name"],
        gender=gender or "",
        department=department,
        post_name=texts["post"],
        start=start,
        title=texts["title"],
        phone=texts["phone"],
        is_leader=is_leader,
    )


PERSON_IMPORT_FIELDS = ("name", "gender", "department", "title", "phone", "is_leader", "active")


def _assignment_repr(person, post):
    return f"{person.name} · {post.name}"


@transaction.atomic
def roster_import(*, actor, organisation: Organisation, file) -> ImportResult:
    """Validate every row of the roster `file` for `organisation`; if all pass, create or
    update the people by 工号 and return the counts, else write nothing and return the errors.

    Raises RosterFileError when the file cannot be read as a roster at all.
    """
    rows = read_rows(file)
    today = timezone.localdate()
    result = ImportResult()

    departments = {d.name: d for d in Department.objects.filter(organisation=organisation)}
    posts = {
        (p.department_id, p.name): p
        for p in Post.objects.filter(organisation=organisation).order_by("pk")
    }
    taken_codes = set(Post.objects.filter(organisation=organisation).values_list("code", flat=True))
    people = {p.staff_no: p for p in Person.objects.filter(organisation=organisation)}
    open_rows = {}
    for row in (
        PostAssignment.objects.filter(person__organisation=organisation, end__isnull=True)
        .select_related("post")
        .order_by("person_id", "start")
    ):
        open_rows[row.person_id] = row  # the latest open one wins (there should be one)
    last_ends = dict(
        PostAssignment.objects.filter(person__organisation=organisation, end__isnull=False)
        .values("person_id")
        .annotate(last=Max("end"))
        .values_list("person_id", "last")
    )

    parsed: list[ParsedRow] = []
    first_row_of: dict[str, int] = {}
    for row in rows:

        def add_error(key, reason, number=row.number):
            result.errors.append(RowError(number, HEADERS[key], reason))

        item = _parse_row(row, departments, organisation, today, add_error)
        staff_no = _text(row.values.get("staff_no"))
        if staff_no:
            if staff_no in first_row_of:
                add_error(
                    "staff_no",
                    _("工号“%(no)s”与第 %(row)s 行重复。")
                    % {"no": staff_no, "row": first_row_of[staff_no]},
                )
                item = None
            else:
                first_row_of[staff_no] = row.number
        if item is None:
            continue
        # checks against the person's post history
        person = people.get(item.staff_no)
        if person is not None and item.post_name:
            dept_id = item.department.pk if item.department else None
            post = posts.get((dept_id, item.post_name))
            current = open_rows.get(person.pk)
            last_end = last_ends.get(person.pk)
            if current is not None and post is not None and current.post_id == post.pk:
                if last_end is not None and item.start <= last_end:
                    add_error(
                        "start",
                        _("须晚于该人员上一岗位的结束日期 %(date)s。")
                        % {"date": last_end.isoformat()},
                    )
                    continue
            elif current is not None and item.start <= current.start:
                add_error(
                    "start",
                    _("该人员现任“%(post)s”自 %(date)s 起，新岗位起始日期须晚于该日期。")
                    % {"post": current.post.name, "date": current.start.isoformat()},
                )
                continue
            elif current is None and last_end is not None and item.start <= last_end:
                add_error(
                    "start",
                    _("须晚于该人员上一岗位的结束日期 %(date)s。") % {"date": last_end.isoformat()},
                )
                continue
        parsed.append(item)

    if result.errors:
        result.errors.sort(key=lambda e: (e.row, _column_order(e.column)))
        return result

    changes: list[audit.Change] = []

    def change(action, obj, before=None, after=None, object_repr=""):
        changes.append(
            audit.Change(
                action, obj, before, after, object_repr=object_repr, organisation=organisation
            )
        )

    # 1. posts named in the file that do not exist yet
    new_posts = {}
    for item in parsed:
        if not item.post_name:
            continue
        key = (item.department.pk if item.department else None, item.post_name)
        if key not in posts and key not in new_posts:
            new_posts[key] = Post(
                organisation=organisation, department=item.department, name=item.post_name
            )
    for post, code in zip(
        new_posts.values(), next_post_codes(taken_codes, len(new_posts)), strict=True
    ):
        post.code = code
    created_posts = _bulk_create(Post, list(new_posts.values()), organisation, "code")
    for post in created_posts:
        posts[(post.department_id, post.name)] = post
        change("post.create", post, after=audit.snapshot(post))
    result.posts_created = len(created_posts)

    # 2. people
    to_create, to_update, updated_before = [], [], {}
    for item in parsed:
        values = {
            "name": item.name,
            "gender": item.gender,
            "department_id": item.department.pk if item.department else None,
            "title": item.title,
            "phone": item.phone,
            "is_leader": item.is_leader,
            "active": True,
        }
        person = people.get(item.staff_no)
        if person is None:
            to_create.append(Person(organisation=organisation, staff_no=item.staff_no, **values))
            continue
        if any(getattr(person, k) != v for k, v in values.items()):
            updated_before[person.pk] = person_snapshot(person)
            for k, v in values.items():
                setattr(person, k, v)
            to_update.append(person)
    created_people = _bulk_create(Person, to_create, organisation, "staff_no")
    for person in created_people:
        people[person.staff_no] = person
        change("person.create", person, after=person_snapshot(person))
    Person.objects.bulk_update(to_update, PERSON_IMPORT_FIELDS, batch_size=500)
    for person in to_update:
        change("person.update", person, updated_before[person.pk], person_snapshot(person))

    # 3. posts held
    to_close, to_restart, to_open = [], [], []
    changed_people = {p.pk for p in to_update}
    for item in parsed:
        if not item.post_name:
            continue
        person = people[item.staff_no]
        post = posts[(item.department.pk if item.department else None, item.post_name)]
        current = open_rows.get(person.pk)
        if current is not None and current.post_id == post.pk:
            if current.start != item.start:
                before = audit.snapshot(current)
                current.start = item.start
                to_restart.append((current, before, person, post))
                changed_people.add(person.pk)
            continue
        if current is not None:
            before = audit.snapshot(current)
            current.end = item.start - dt.timedelta(days=1)
            to_close.append((current, before, person, current.post))
        to_open.append((PostAssignment(person=person, post=post, start=item.start), person, post))
        changed_people.add(person.pk)
    PostAssignment.objects.bulk_update([r[0] for r in to_close], ["end"], batch_size=500)
    PostAssignment.objects.bulk_update([r[0] for r in to_restart], ["start"], batch_size=500)
    for row, before, person, post in to_close:
        change(
            "post_assignment.close",
            row,
            before,
            audit.snapshot(row),
            _assignment_repr(person, post),
        )
    for row, before, person, post in to_restart:
        change(
            "post_assignment.update",
            row,
            before,
            audit.snapshot(row),
            _assignment_repr(person, post),
        )
    opened = PostAssignment.objects.bulk_create([r[0] for r in to_open], batch_size=500)
    if any(row.pk is None for row in opened):
        opened = _refetch_assignments(to_open)
    for row, (_row, person, post) in zip(opened, to_open, strict=True):
        change(
            "post_assignment.create",
            row,
            after=audit.snapshot(row),
            object_repr=_assignment_repr(person, post),
        )

    created_pks = {p.pk for p in created_people}
    result.created = len(created_people)
    result.updated = len(changed_people - created_pks)
    result.unchanged = len(parsed) - result.created - result.updated
    change(
        "roster.import",
        organisation,
        after={
            "rows": len(parsed),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "posts_created": result.posts_created,
        },
        object_repr=organisation.name,
    )
    audit.record_many(actor=actor, changes=changes)
    return result


def _column_order(header: str) -> int:
    for i, col in enumerate((*COLUMNS, ORGANISATION_COLUMN)):
        if col.header == header:
            return i
    return -1


def _bulk_create(model, objs, organisation, key):
    """bulk_create, reading the primary keys back where the database does not return them."""
    if not objs:
        return []
    created = model.objects.bulk_create(objs, batch_size=500)
    if all(o.pk is not None for o in created):
        return created
    by_key = model.objects.filter(
        organisation=organisation, **{f"{key}__in": [getattr(o, key) for o in objs]}
    ).in_bulk(field_name=key)
    for obj in objs:
        obj.pk = by_key[getattr(obj, key)].pk
    return objs


def _refetch_assignments(to_open):
    wanted = {(person.pk, post.pk, row.start): row for row, person, post in to_open}
    found = PostAssignment.objects.filter(person_id__in={k[0] for k in wanted}, end__isnull=True)
    for row in found:
        key = (row.person_id, row.post_id, row.start)
        if key in wanted:
            wanted[key].pk = row.pk
    return [row for row, _person, _post in to_open]
