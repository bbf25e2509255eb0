"""The staff roster as an Excel workbook: export, a blank template, and import.

The import turns every row's cells into values (finding departments and posts by name) and
hands them to the person writer (`person_services.people_write`), whose rules, those of the
pages, check every row; nothing is written unless every row passes. Then it creates or updates
people by 工号 (creating missing posts by name in the row's department and moving people to
their post) in one transaction, with one audit event per change. It reads the database a fixed
number of times whatever the number of rows.
"""

import datetime as dt
import io
import itertools
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import spreadsheets
from lianfang.core.chunks import chunks
from lianfang.core.exports import record_export
from lianfang.core.spreadsheets import Column, SheetRow

from . import person_services
from .models import Department, Organisation, Post
from .person_services import Held, PersonRow
from .selectors import current_assignments

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

GENDER_IN = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}
GENDER_OUT = {"M": "男", "F": "女"}


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

        for batch in chunks(people, size=chunk_size):
            write(batch)
    return out.getvalue()


def roster_export(*, actor, people, filters: dict | None = None) -> bytes:
    """`export_people` for `actor`, recorded in the audit log: the roster (names, staff numbers,
    phones, posts) is personal data leaving the platform. The event names who exported, how
    many people and with which filters, never the people themselves."""
    content = export_people(people)
    filters = filters or {}
    record_export(
        actor=actor,
        action="org.roster.export",
        what=SHEET_TITLE,
        rows=people.count(),
        # on the audit page of the organisation exported (a filter's), else the actor's
        organisation=filters.get("organisation"),
        filters=filters,
    )
    return content


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


# The person writer's fields that are not the sheet's columns: an assignment's end, and the
# post history as a whole, are the 岗位起始日期's.
FIELD_COLUMNS = {"end": "start"}
# What the row parser says of a cell it cannot convert: translated when a row needs it, not
# for every row.
NO_DEPARTMENT = gettext_lazy("本单位没有名为“%(name)s”的科室，请先在系统中新增该科室。")
FOREIGN_ROW = gettext_lazy("该行属于“%(other)s”，不是“%(org)s”的人员。")
BAD_GENDER = gettext_lazy("“%(value)s”无效，只能填写“男”或“女”。")
SEVERAL_PEOPLE = gettext_lazy(
    "工号“%(value)s”对应本单位多名人员（系统中的写法不同，如全角数字或空格），"
    "请先在系统中更正其中一人的工号。"
)


@dataclass
class ParsedRow:
    """What a row's cells say: the person's fields that could be read (`values`), and the post
    taken up (by name, in the row's department) with its start."""

    number: int
    staff_no: str
    values: dict
    department: Department | None
    post_name: str
    start: dt.date | None


def _parse_row(
    cells: spreadsheets.RowCells, departments: dict, organisation, padded: str = ""
) -> ParsedRow | None:
    """Turn one row's cells into values; a cell that cannot be converted is reported and its
    value left out (the person writer's rules check the rest). The 工号 is read as a code
    (`RowCells.identifier`: normalised; a number that may have lost its leading zeros, those
    of `padded`, refused)."""
    names = (organisation.name, organisation.short_name)
    if not cells.belongs_to(names, FOREIGN_ROW):
        return None
    values = {key: cells.text(key) for key in ("name", "title", "phone")}
    values["gender"] = cells.lookup("gender", GENDER_IN, BAD_GENDER, default="")
    values["department"] = cells.lookup("department", departments, NO_DEPARTMENT)
    values["is_leader"] = cells.flag("is_leader", default=False)
    values["active"] = True
    start = cells.date("start")
    post_name = cells.text("post")
    if start is not None and not post_name:
        cells.error("post", _("填写了岗位起始日期时，须填写岗位。"))
    if "department" in cells.failed:
        post_name = ""  # its post cannot be found either
    return ParsedRow(
        number=cells.number,
        staff_no=cells.identifier("staff_no", padded=padded),
        values={k: v for k, v in values.items() if k not in cells.failed},
        department=values["department"],
        post_name=post_name,
        start=start,
    )


def roster_import(*, actor, organisation: Organisation, file) -> ImportResult:
    """Read every row of the roster `file` for `organisation` and hand them to
    `person_services.people_write`, which creates or updates the people by 工号 (creating the
    posts named that do not exist yet) by the rules of the single services; return the counts,
    or every error (row, column, reason) and write nothing.

    A row names the person's current post: a post other than the one held is taken up from
    the row's date (closing the one held the day before), the post held with another date has
    its start corrected.

    Raises RosterFileError when the file cannot be read as a roster at all.
    """
    rows = read_rows(file)
    result = ImportResult()
    sheet = spreadsheets.SheetErrors(
        (*COLUMNS, ORGANISATION_COLUMN), result.errors, fields=FIELD_COLUMNS, default="start"
    )

    departments = {d.name: d for d in Department.objects.filter(organisation=organisation)}
    posts = {
        (p.department_id, p.name): p
        for p in Post.objects.filter(organisation=organisation).order_by("pk")
    }
    staff = person_services.people_context(
        organisation, department_ids=[d.pk for d in departments.values()]
    )
    # 工号 as the file and the database may write them (０３０１, "0301 "): matched normalised
    people = _by_identifier(staff.people)
    typed = (row.values.get("staff_no") for row in rows)
    padded = spreadsheets.zero_padded(itertools.chain(staff.people, typed))

    person_rows: list[PersonRow] = []
    for row in rows:
        cells = sheet.cells(row)
        item = _parse_row(cells, departments, organisation, padded)
        if item is None:
            continue
        if people.get(item.staff_no, False) is None:
            cells.error("staff_no", str(SEVERAL_PEOPLE) % {"value": item.staff_no})
        post = None
        if item.post_name:
            key = (item.department.pk if item.department else None, item.post_name)
            if key not in posts:  # a new post, created by the writer
                posts[key] = Post(
                    organisation=organisation, department=item.department, name=key[1]
                )
            post = posts[key]
        person_rows.append(_person_row(item, staff, post, people))

    sheet.write_or_report(
        check=lambda: person_services.people_check(
            organisation=organisation, rows=person_rows, context=staff
        ),
        write=lambda: _write(actor, organisation, person_rows, staff, result),
    )
    return result


def _by_identifier(people: dict) -> dict:
    """`people` (by 工号 as stored) by normalised 工号; None for one that two people share
    once normalised (written differently in the database), which the import cannot choose."""
    found: dict = {}
    for number, person in people.items():
        key = spreadsheets.normalise_identifier(number)
        found[key] = None if key in found else person
    return found


def _person_row(item: ParsedRow, staff, post: Post | None, people: dict) -> PersonRow:
    """What the row asks of its person: the fields, and the post taken up or corrected."""
    values = dict(item.values)
    person = people.get(item.staff_no) if item.staff_no else None
    if person is None:
        values["staff_no"] = item.staff_no
    row = PersonRow(values, person, number=item.number)
    if post is not None:
        held = [a for a in staff.held(person) if a.end is None] if person else []
        current = held[-1] if held else None  # the latest open one (there should be one)
        if current is not None and post.pk is not None and current.post_id == post.pk:
            if current.start != item.start:
                row.corrections = [(current, {"start": item.start})]
        else:
            row.posts = [Held(post, item.start)]
    return row


def _write(actor, organisation, person_rows, staff, result: ImportResult):
    new_posts = {id(h.post) for row in person_rows for h in row.posts if h.post.pk is None}
    written = person_services.people_write(
        actor=actor, organisation=organisation, rows=person_rows, context=staff
    )
    result.posts_created = len(new_posts)
    result.created = sum(1 for w in written if w.created)
    result.updated = sum(1 for w in written if w.changed)
    result.unchanged = len(written) - result.created - result.updated
    result.record(actor=actor, action="roster.import", obj=organisation, rows=len(person_rows))
