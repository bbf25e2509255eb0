"""The register exchanged as the 风险点登记表: Excel export (streamed), PDF export, and import.

The columns follow the register's field order, then the extra columns a lossless round trip
needs (编号 = the risk point's id, 来源, 事项性质, 符合条件, 最近复核 and each measure's owner,
due date and status). Exporting a register and importing the file back changes nothing.

The import reads every row, checks all of them against the organisation's departments, posts,
powers, people and grading scheme, and writes nothing unless every row passes. Then, in one
transaction, the risk point and measure services' bulk writers update the risk points named by
编号 (or matching an existing point of the same post, power, step and name) and create the
others, by the rules of a single edit; each point's measures are matched by their text, so
nothing is duplicated. The timeline and the audit log read as for single edits, with the
import as the reason.
"""

import datetime as dt
import io
import itertools
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import documents, punctuation, spreadsheets
from lianfang.core.chunks import key_chunks
from lianfang.core.scoping import acting_organisation
from lianfang.core.spreadsheets import Column, SheetRow
from lianfang.org.models import Department, LeaderDivision, Organisation, Person, Post, Power
from lianfang.org.roster import NO_DEPARTMENT, list_departments

from . import grading, services
from .models import LEVEL_SHORT, Category, Level, Measure, RiskPoint
from .positioning import _current_divisions_q, monitor_lines

SHEET_TITLE = "风险点登记表"
MAX_IMPORT_ROWS = 20000
# WeasyPrint lays out a long table slowly (minutes for thousands of rows): print a page-sized
# register, and point to Excel for the whole of a large one.
PDF_MAX_ROWS = 500
EXPORT_CHUNK = 2000
NONE_MARKS = {"", "—", "-", "–", "无"}

# `extra`: after the register's own columns, needed for the round trip; `derived`: computed by the
# platform, ignored on import; `wrap`: multi-line text.
COLUMNS = (
    Column("seq", "序号", 6, derived=True),
    Column("unit", "单位/科室", 16, aliases=("科室", "单位科室", "部门")),
    Column("post", "岗位", 14),
    Column("power", "权力事项", 22),
    Column("step", "流程环节", 16),
    Column("category", "风险类别", 14),
    Column("name", "风险点（名称）", 24, aliases=("风险点", "风险点名称")),
    Column("manifestation", "风险描述/表现形式", 40, aliases=("表现形式", "风险描述"), wrap=True),
    Column("likelihood", "可能性 L", 8, aliases=("可能性", "L")),
    Column("harm", "危害程度 C", 8, aliases=("危害程度", "C")),
    Column("score", "风险值 D", 8, aliases=("风险值", "D"), derived=True),
    Column("level", "风险等级", 10, aliases=("等级",)),
    Column("measures", "防控措施", 44, wrap=True),
    Column("owner", "责任人（部门负责人）", 12, aliases=("责任人",), derived=True),
    Column("leader", "责任领导", 12, derived=True),
    Column(
        "monitors", "监督/监测指标", 30, aliases=("监督人", "监测指标"), derived=True, wrap=True
    ),
    Column("status", "状态", 8),
    Column("id", "编号", 8, extra=True),
    Column("organisation", "所属单位", 20, extra=True),
    Column("subject", "对象", 6, extra=True),
    Column("power_code", "权力编码", 12, extra=True),
    Column("source", "来源", 8, extra=True),
    Column("matter_kind", "事项性质", 14, extra=True),
    Column("criteria", "符合条件", 18, extra=True),
    Column("last_reviewed", "最近复核", 11, extra=True),
    Column("measure_owners", "措施责任人", 18, extra=True, wrap=True),
    Column("measure_due", "措施时限", 11, extra=True, wrap=True),
    Column("measure_status", "措施状态", 9, extra=True, wrap=True),
)
PDF_COLUMNS = tuple(c for c in COLUMNS if not c.extra)
# Relative widths of the printed columns (A4 landscape). The PDF lays its table out with fixed
# widths: WeasyPrint's automatic layout measured every cell's text several times (55 ms a row)
# and squeezed the monitors into a column four characters wide.
PDF_WIDTHS = {
    "seq": 2.5,
    "unit": 5,
    "post": 5,
    "power": 7,
    "step": 5,
    "category": 4.5,
    "name": 7,
    "manifestation": 16,
    "likelihood": 2.5,
    "harm": 2.5,
    "score": 2.5,
    "level": 6,
    "measures": 16,
    "owner": 4.5,
    "leader": 4.5,
    "monitors": 7,
    "status": 4.5,
}


def pdf_column_widths() -> list[tuple[Column, float]]:
    """The printed columns with their share of the page width, in percent."""
    total = sum(PDF_WIDTHS[c.key] for c in PDF_COLUMNS)
    return [(c, round(100 * PDF_WIDTHS[c.key] / total, 2)) for c in PDF_COLUMNS]


HEADERS = {c.key: c.header for c in COLUMNS}


def level_text(level) -> str:
    return f"{Level(level).label}（{LEVEL_SHORT[level]}）" if level else ""


LEVEL_IN = {}
for _level in Level.values:
    for _written in (
        str(_level),
        str(Level(_level).label),
        str(LEVEL_SHORT[_level]),
        level_text(_level),
        f"{Level(_level).label}({LEVEL_SHORT[_level]})",
        f"{LEVEL_SHORT[_level]}风险",
    ):
        LEVEL_IN[_written] = _level


def _labels_in(choices, *, strip_suffix: str = "") -> dict:
    """Accept a choice by its label, its key, and its label without a suffix."""
    result = {}
    for value, label in choices:
        label = str(label)
        result[label] = value
        result[value] = value
        if strip_suffix and label.endswith(strip_suffix):
            result[label[: -len(strip_suffix)]] = value
    return result


CONTINUATION = "   "  # indents a measure's further lines, so they never read as a new item


# Export ------------------------------------------------------------------------------------

EXPORT_ORDER = (
    "organisation__path",
    "department__order",
    "department__code",
    "post__code",
    "power__code",
    "step__order",
    "id",
)
# What a row reads, as tuples: building model instances (the point and its organisation,
# department, head, post, power, step, measures and owners) was about 40 % of a large export's
# time (docs/benchmarks.md, "Where the export's time goes").
POINT_FIELDS = (
    "pk",
    "organisation_id",
    "organisation__name",
    "department_id",
    "department__name",
    "department__head__name",
    "post_id",
    "post__name",
    "power__name",
    "power__code",
    "step_id",
    "step__name",
    "category",
    "name",
    "manifestation",
    "likelihood",
    "harm",
    "level",
    "status",
    "subject",
    "source",
    "matter_kind",
    "criteria",
    "last_reviewed",
)
MEASURE_FIELDS = (
    "riskpoint_id",
    "measure_id",
    "measure__text",
    "measure__owner_person_id",
    "measure__owner_person__name",
    "measure__owner_person__staff_no",
    "measure__owner_department_id",
    "measure__owner_department__name",
    "measure__due",
    "measure__status",
)
KEYS = tuple(c.key for c in COLUMNS)
_ORGANISATION, _DEPARTMENT, _LEVEL = (
    POINT_FIELDS.index(f) for f in ("organisation_id", "department_id", "level")
)


def export_queryset(points):
    """`points` (a filtered register queryset) in the file's order."""
    return points.order_by(*EXPORT_ORDER)


class _Labels:
    """Choice labels in the active language, looked up once per export (not per cell)."""

    def __init__(self):
        self.category = {k: str(v) for k, v in Category.choices}
        self.status = {k: str(v) for k, v in RiskPoint.Status.choices}
        self.subject = {k: str(v) for k, v in RiskPoint.Subject.choices}
        self.source = {k: str(v) for k, v in RiskPoint.Source.choices}
        self.measure_status = {k: str(v) for k, v in Measure.Status.choices}
        self.matter = {k: str(v) for k, v in grading.MATTER_LABELS.items()}
        self.criteria = {k: str(v) for k, v in grading.CRITERIA.items()}
        self.level = {level: level_text(level) for level in Level.values}
        self._monitors: dict[tuple, str] = {}

    def monitor(self, monitor) -> str:
        """A monitor line, composed once per export for each role and names."""
        key = (monitor.role, tuple(monitor.names))
        if key not in self._monitors:
            self._monitors[key] = str(monitor)
        return self._monitors[key]


class _Watched:
    """A risk point as `monitor_lines` sees it: who watches a point depends only on its
    organisation, department and level, so each of these is asked about once per chunk."""

    __slots__ = ("department_id", "level", "organisation_id", "pk")

    def __init__(self, key):
        self.organisation_id, self.department_id, self.level = key
        self.pk = key


class _Measure:
    """One measure's texts in a row (its line, owner, due date and status)."""

    __slots__ = ("due", "owner", "status", "text")

    def __init__(self, row, labels: _Labels):
        text, person_id, person, staff_no, department_id, department, due, status = row[2:]
        self.text = text.replace("\n", "\n" + CONTINUATION)
        if person_id:
            self.owner = f"{person}（{staff_no}）"
        elif department_id:
            self.owner = department
        else:
            self.owner = "—"
        self.due = due.isoformat() if due else "—"
        self.status = labels.measure_status.get(status, "")


class _Context:
    """What the rows of one chunk need besides their own fields: their measures, the leaders in
    charge of their departments and their monitors; a fixed number of queries a chunk."""

    def __init__(self, points: list[tuple], labels: _Labels):
        self.labels = labels
        ids = [p[0] for p in points]  # pk
        self.measures: dict[int, list[_Measure]] = defaultdict(list)
        made: dict[int, _Measure] = {}
        links = (
            Measure.risk_points.through.objects.filter(riskpoint_id__in=ids)
            .order_by("measure_id")
            .values_list(*MEASURE_FIELDS)
        )
        for row in links:
            measure = made.get(row[1])
            if measure is None:
                measure = made[row[1]] = _Measure(row, labels)
            self.measures[row[0]].append(measure)
        department_ids = {p[_DEPARTMENT] for p in points if p[_DEPARTMENT]}
        names: dict[int, list[str]] = defaultdict(list)
        divisions = (
            LeaderDivision.objects.filter(department_id__in=department_ids, leader__active=True)
            .filter(_current_divisions_q())
            .order_by("department_id", "since", "pk")
            .values_list("department_id", "leader__name")
        )
        for department_id, name in divisions:
            if name not in names[department_id]:
                names[department_id].append(name)
        self.leaders: dict[int, str] = {d: "、".join(n) for d, n in names.items()}
        keys = {(p[_ORGANISATION], p[_DEPARTMENT], p[_LEVEL]) for p in points}
        lines = monitor_lines([_Watched(key) for key in keys])
        self.monitors = {
            key: "\n".join(labels.monitor(m) for m in lines.get(key, [])) for key in keys
        }


def row_values(point: tuple, context: _Context, number: int) -> list:
    """The values of one register row (`point`: the values of POINT_FIELDS), in the order of
    COLUMNS."""
    (
        pk,
        organisation_id,
        organisation,
        department_id,
        department,
        head,
        post_id,
        post,
        power,
        power_code,
        step_id,
        step,
        category,
        name,
        manifestation,
        likelihood,
        harm,
        level,
        status,
        subject,
        source,
        matter_kind,
        criteria,
        last_reviewed,
    ) = point
    labels = context.labels
    measures = context.measures.get(pk, ())
    return [
        number,
        department if department_id else organisation,
        post if post_id else "",
        power,
        step if step_id else "",
        labels.category.get(category, category),
        name,
        manifestation,
        likelihood,
        harm,
        likelihood * harm if likelihood and harm else None,
        labels.level.get(level, ""),
        "\n".join([f"{i}. {m.text}" for i, m in enumerate(measures, start=1)]),
        head if department_id and head is not None else "",
        context.leaders.get(department_id, ""),
        context.monitors[(organisation_id, department_id, level)],
        labels.status.get(status, status),
        pk,
        organisation,
        labels.subject.get(subject, subject),
        power_code,
        labels.source.get(source, source),
        labels.matter.get(matter_kind, matter_kind),
        "、".join([labels.criteria.get(k, k) for k in criteria or ()]),
        last_reviewed,
        "\n".join([m.owner for m in measures]),
        "\n".join([m.due for m in measures]),
        "\n".join([m.status for m in measures]),
    ]


def iter_values(points, *, limit: int | None = None, chunk_size: int | None = None):
    """Yield each row's values (a list in the order of COLUMNS) over `points`, read in chunks
    (`core.chunks`): a fixed number of queries per chunk, memory bounded by one chunk, and no
    statement left open between two chunks, so a background job may write its progress while
    it walks a whole register."""
    labels = _Labels()
    number = 0
    ordered = export_queryset(points)
    rows = ordered.order_by().values_list(*POINT_FIELDS)
    for keys in key_chunks(ordered, size=chunk_size or EXPORT_CHUNK, limit=limit):
        found = {row[0]: row for row in rows.filter(pk__in=keys)}
        chunk = [found[key] for key in keys if key in found]
        if not chunk:
            continue
        context = _Context(chunk, labels)
        for point in chunk:
            number += 1
            yield row_values(point, context, number)


def iter_rows(points, *, limit: int | None = None, chunk_size: int | None = None):
    """Yield (risk point id, values keyed by column) over `points`, as `iter_values`."""
    for values in iter_values(points, limit=limit, chunk_size=chunk_size):
        yield values[KEYS.index("id")], dict(zip(KEYS, values, strict=True))


# The printed form's heading above the table (title, unit, date: the header is row 4, and the
# import looks for it within HEADER_WITHIN rows) and its signature line under it, as on the
# PDF. The line is written in the 序号 column, which the import ignores, so an exported file
# imports as it is.
HEADER_WITHIN = 10
HEADER_ROW = 4  # the header's row as Excel numbers it
SIGNATURES = (gettext_lazy("填表人"), gettext_lazy("审核人"), gettext_lazy("年　月　日"))
SIGNATURE_GAP = "　" * 10


def signature_line() -> str:
    """填表人：　　…　审核人：　　…　年　月　日"""
    *names, date = (str(s) for s in SIGNATURES)
    return SIGNATURE_GAP.join([*(punctuation.labelled(name, "") for name in names), date])


def register_unit(user, filters):
    """The unit a register export names (its heading, its file name): the one chosen on the
    register page (or the only one the user sees), else the one the user acts for."""
    return filters.organisation or acting_organisation(user)


def register_sheet(book, *, unit=None, filtered: bool = False, date: dt.date | None = None):
    """The 风险点登记表 sheet of `book` down to its header: the title centred over the printed
    columns, the unit (an Organisation, a name, or none: "—"), the date (today by default, and
    whether the register page's filters chose the rows), then the header, frozen."""
    sheet = book.sheet(SHEET_TITLE, COLUMNS, header=False)
    sheet.title(str(_("风险点登记表")), span=len(PDF_COLUMNS))
    name = getattr(unit, "name", unit) or "—"
    sheet.row([punctuation.labelled(_("单位"), name)], book.style("bold"))
    day = formats.date_format(date or timezone.localdate(), "DATE_FORMAT")
    line = punctuation.labelled(_("日期"), day)
    if filtered:
        line += "　" + str(_("（按台账页面的筛选条件）"))
    sheet.row([line])
    sheet.header()
    assert sheet.header_row + 1 == HEADER_ROW
    return sheet


def register_sheet_end(sheet) -> None:
    """Under the table: its filter buttons, the signature line, and the print setup (A4
    landscape, one page wide, the printed columns only, the header on every page)."""
    sheet.autofilter()
    sheet.row([])
    sheet.row([signature_line()])
    sheet.print_on_a4(landscape=True, columns=len(PDF_COLUMNS), footer=str(_("第 &P 页，共 &N 页")))


def export_register(
    points,
    *,
    chunk_size: int | None = None,
    progress=None,
    unit=None,
    filtered: bool = False,
    date: dt.date | None = None,
):
    """Write the register of `points` to a temporary .xlsx file and return it open at the
    start (the caller streams and closes it): the printed form's heading (`unit`, `filtered`,
    `date`: `register_sheet`), the table, its signature line. Memory stays flat: the writer
    streams rows to disk, and the rows are read in chunks. `progress(rows_written)` is called
    after every chunk (a background job's progress), when no read is open."""
    chunk_size = chunk_size or EXPORT_CHUNK
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    with spreadsheets.SheetWriter(out, font=spreadsheets.FONT_SONG) as book:
        sheet = register_sheet(book, unit=unit, filtered=filtered, date=date)
        written = 0
        for values in iter_values(points, chunk_size=chunk_size):
            written += 1
            if progress is not None and written % chunk_size == 0:
                progress(written)
            sheet.row(values)
        register_sheet_end(sheet)
    out.seek(0)
    return out


# The blank template -------------------------------------------------------------------------

TEMPLATE_ROWS = MAX_IMPORT_ROWS  # how far down its drop-downs reach


def template_lines(scheme) -> list[str]:
    """How to fill in the register, for the blank template's instructions sheet."""
    size = scheme.matrix_size if scheme is not None else 5
    return [
        _(
            "1. 表头请勿修改；在表头下方每行填写一个风险点。"
            "标题、单位、日期行和表格下方的签字行导入时不读取。"
        ),
        _(
            "2. 单位/科室、岗位、权力事项、流程环节、风险类别、风险点（名称）、"
            "风险描述/表现形式必填。"
        ),
        _(
            "3. 单位/科室填写本单位已有科室的名称（单位层面的风险点填写单位名称）；"
            "岗位须为该科室的岗位；"
            "权力事项和流程环节须为职权目录中的名称，可在“权力编码”列填写编码。"
        ),
        _(
            "4. 可能性 L 和危害程度 C 填写 1 到 %(size)s 的整数；"
            "风险等级可留空，由系统按定级方案计算。"
        )
        % {"size": size},
        _(
            "5. 防控措施每条一行，可编号（1. 2. …）；措施责任人、措施时限（如 2026-06-30）、"
            "措施状态（计划中或已落实）与措施逐行对应，只填一行时适用于全部措施。"
        ),
        _(
            "6. 序号、风险值 D、责任人（部门负责人）、责任领导和监督/监测指标由系统计算，"
            "导入时不读取；"
            "编号留空表示新增风险点，导出的登记表带有编号，修改后导入即更新原风险点。"
        ),
        _("7. 任何一行有错误时，整个文件都不会导入，页面将列出全部错误的行、列和原因。"),
    ]


# One row as the template's instructions show it (never on the register sheet itself, where
# a forgotten example would be imported): sample data, in Chinese like a hospital's own.
EXAMPLE = (
    ("unit", "采购中心"),
    ("post", "采购员"),
    ("power", "药品耗材采购"),
    ("step", "供应商遴选"),
    ("category", "岗位职责风险"),
    ("name", "遴选中透露评分标准"),
    ("manifestation", "在供应商遴选前向特定供应商透露评分标准或其他投标人信息"),
    ("likelihood", "3"),
    ("harm", "3"),
    ("measures", "1. 评分标准封存并随机抽取专家\n2. 采购需求集体论证"),
    ("measure_owners", "采购中心"),
    ("measure_due", "2027-06-30"),
    ("measure_status", "计划中"),
)


def blank_template(organisation: Organisation | None = None) -> bytes:
    """An empty 风险点登记表 (the export's header, drop-downs under its choice columns) and a
    sheet of instructions with an example row and, for an organisation, its departments and
    power catalogue as the import reads them."""
    scheme = grading.active_scheme(organisation) if organisation is not None else None
    out = io.BytesIO()
    with spreadsheets.SheetWriter(out, font=spreadsheets.FONT_SONG) as book:
        sheet = book.sheet(SHEET_TITLE, COLUMNS)
        for key, choices in (
            ("category", Category.choices),
            ("subject", RiskPoint.Subject.choices),
            ("source", RiskPoint.Source.choices),
            ("status", RiskPoint.Status.choices),
        ):
            sheet.validation(key, [str(label) for _value, label in choices], rows=TEMPLATE_ROWS)
        sheet.validation("level", [level_text(level) for level in Level.values], rows=TEMPLATE_ROWS)
        notes = book.instructions(_("风险点登记表填写说明"), template_lines(scheme), width=110)
        notes.section(
            _("填写示例（仅供参考，请勿粘贴到登记表中）："),
            [f"{HEADERS[key]}：{str(value).replace(chr(10), ' ')}" for key, value in EXAMPLE],
        )
        notes.section(
            _("可选的风险类别：") + "、".join(str(label) for _value, label in Category.choices),
            [],
        )
        if organisation is not None:
            list_departments(notes, organisation)
            own = organisation.ancestors_ids() or [organisation.pk]
            powers = (
                Power.objects.filter(organisation_id__in=own)
                .prefetch_related("steps")
                .order_by("organisation__depth", "code")
            )
            notes.section(
                _("%(org)s 的职权目录（权力编码 权力事项：流程环节）：")
                % {"org": organisation.name},
                [
                    f"{power.code} {power.name}："
                    + ("、".join(step.name for step in power.steps.all()) or "—")
                    for power in powers
                ],
            )
    return out.getvalue()


def register_pdf(points, *, filtered: bool, request=None) -> bytes:
    """The printed 风险点登记表 of `points` (the first PDF_MAX_ROWS rows) as PDF bytes."""
    rows, total = pdf_rows(points)
    organisations = {row["organisation"] for row in rows}
    return documents.render_pdf(
        "risks/register_pdf.html",
        {
            "rows": rows,
            "total": total,
            "limit": PDF_MAX_ROWS,
            "columns": pdf_column_widths(),
            "organisation": organisations.pop() if len(organisations) == 1 else "",
            "filtered": filtered,
        },
        request=request,
        landscape=True,
    )


def pdf_rows(points, *, limit: int = PDF_MAX_ROWS) -> tuple[list[dict], int]:
    """The first `limit` rows for the printed register, and how many rows there are."""
    total = points.count()
    return [values for _point, values in iter_rows(points, limit=limit)], total


# Import ------------------------------------------------------------------------------------


class RegisterFileError(spreadsheets.SheetFileError):
    """The upload cannot be read as a register at all (not a workbook, empty, no header)."""


@dataclass
class ImportResult(spreadsheets.ImportResult):
    measures_created: int = 0


REQUIRED = ("unit", "post", "power", "step", "category", "name", "manifestation")


def read_rows(file) -> list[SheetRow]:
    """The non-empty data rows of the register sheet, keyed by column; raises RegisterFileError."""
    return spreadsheets.read_sheet(
        file,
        error=RegisterFileError,
        columns=COLUMNS,
        required=REQUIRED,
        max_rows=MAX_IMPORT_ROWS,
        sheet_title=SHEET_TITLE,
        ignore=("seq",),
        header_within=HEADER_WITHIN,
        texts=spreadsheets.SheetTexts(
            unreadable=_(
                "无法读取该文件，请确认它是 Excel 文件（.xlsx 或 .xls）且未损坏"
                "（可先导出登记表或下载空白模板再修改）。"
            ),
            empty=_("文件是空的：找不到表头（序号、单位/科室、岗位……）。"),
            missing=_("表头缺少以下列：%(columns)s。请使用导出的风险点登记表或空白模板。"),
            nothing=_("文件中没有风险点（在表头下方逐行填写）。"),
        ),
    )


_NUMBERED = re.compile(r"^(\d+)\s*[.、．)）]\s*")
_OWNER_WITH_NO = re.compile(r"^(?P<name>.+?)\s*[（(]\s*(?P<no>[^()（）]+?)\s*[)）]$")
_LIST_SPLIT = re.compile(r"[、,，;；\n]+")


def split_measures(text: str) -> list[str]:
    """The measures of a 防控措施 cell: numbered items ("1. …", further lines belong to the item
    above, with the export's indentation removed), or one per line when none is numbered."""
    lines = [line.rstrip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    if not any(_NUMBERED.match(line) for line in lines):
        return [line.strip() for line in lines if line.strip()]
    items: list[list[str]] = []
    expected = 1
    for line in lines:
        match = _NUMBERED.match(line)
        if match and int(match.group(1)) == expected:
            items.append([line[match.end() :]])
            expected += 1
        elif items:
            items[-1].append(line.removeprefix(CONTINUATION))
        elif line.strip():
            items.append([line.strip()])
            expected = 2
    return [t for t in ("\n".join(item).strip() for item in items) if t]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n")] if text else []


@dataclass
class MeasureIn:
    text: str
    owner_person: Person | None
    owner_department: Department | None
    due: dt.date | None
    status: str


@dataclass
class PointIn:
    number: int
    existing: RiskPoint | None
    values: dict  # what the risk point services take (related objects for foreign keys)
    measures: list[MeasureIn]
    failed: bool = False  # some cells could not be read: the values are partial


class _Catalogue:
    """The organisation's names, read once: departments, posts, powers and steps, people."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.departments = {d.name: d for d in Department.objects.filter(organisation=organisation)}
        self.posts: dict[tuple[int | None, str], list[Post]] = defaultdict(list)
        self.posts_by_name: dict[str, list[Post]] = defaultdict(list)
        for post in Post.objects.filter(organisation=organisation).select_related("department"):
            self.posts[(post.department_id, post.name)].append(post)
            self.posts_by_name[post.name].append(post)
        org_ids = organisation.ancestors_ids() or [organisation.pk]
        powers = list(
            Power.objects.filter(organisation_id__in=org_ids)
            .prefetch_related("steps")
            .order_by("organisation__depth", "code")
        )
        self.powers_by_code: dict[str, Power] = {}
        self.powers_by_name: dict[str, list[Power]] = defaultdict(list)
        for power in powers:
            # codes and 工号 matched as the file may write them (full-width, spaces)
            self.powers_by_code.setdefault(spreadsheets.normalise_identifier(power.code), power)
            self.powers_by_name[power.name].append(power)
        self.people_by_no = {}
        self.people_by_name: dict[str, list[Person]] = defaultdict(list)
        for person in Person.objects.filter(organisation=organisation).only(
            "id", "name", "staff_no", "organisation_id", "active"
        ):
            self.people_by_no[spreadsheets.normalise_identifier(person.staff_no)] = person
            self.people_by_name[person.name].append(person)


CATEGORY_IN = _labels_in(Category.choices, strip_suffix="风险")
SOURCE_IN = _labels_in(RiskPoint.Source.choices)
STATUS_IN = _labels_in(RiskPoint.Status.choices)
SUBJECT_IN = _labels_in(RiskPoint.Subject.choices)
MEASURE_STATUS_IN = _labels_in(Measure.Status.choices)
MATTER_IN = {
    **{str(v): k for k, v in grading.MATTER_LABELS.items()},
    **{k: k for k in grading.MATTER_LABELS},
}
CRITERIA_IN = {
    **{str(v): k for k, v in grading.CRITERIA.items()},
    **{k: k for k in grading.CRITERIA},
}


def _choice_list(mapping) -> str:
    seen = []
    for key, value in mapping.items():
        if not key.isascii() and value not in [v for _k, v in seen]:
            seen.append((key, value))
    return "、".join(k for k, _v in seen)


# What the row parser says of a cell it cannot convert: translated when a row needs it, not
# for every row.
FOREIGN_ROW = gettext_lazy("该行属于“%(other)s”，不是“%(org)s”的风险点。")
BAD_SUBJECT = gettext_lazy("“%(value)s”无效，只能填写岗位、科室或单位。")
NO_POST = gettext_lazy("“%(where)s”没有名为“%(name)s”的岗位。")
SEVERAL_POSTS = gettext_lazy("有多个名为“%(name)s”的岗位，请在“单位/科室”列填写岗位所在科室。")
NO_POWER = gettext_lazy("职权目录中没有名为“%(name)s”的权力事项，请先在职权目录中新增。")
SEVERAL_POWERS = gettext_lazy("职权目录中有多个名为“%(name)s”的权力事项，请填写权力编码。")
BAD_CHOICE = gettext_lazy("“%(value)s”无效，应为：%(choices)s。")
BAD_MATTER = gettext_lazy("“%(value)s”不是已知的事项性质。")
BAD_LEVEL = gettext_lazy("“%(value)s”无效，应为一级（高）、二级（中）或三级（低）。")
CATEGORY_CHOICES = lazy(lambda: "、".join(str(c.label) for c in Category), str)()
SOURCE_CHOICES = _choice_list(SOURCE_IN)
STATUS_CHOICES = _choice_list(STATUS_IN)


class _RowParser:
    """Turns one row's cells into a risk point's values, finding what they name in the
    catalogue; a cell that cannot be converted is reported. Whether the values are allowed is
    the risk point writer's rule (`services.risk_points_check`)."""

    def __init__(
        self, catalogue: _Catalogue, scheme, existing: dict[int, RiskPoint], padded: str = ""
    ):
        self.catalogue = catalogue
        self.scheme = scheme
        self.existing = existing
        self.padded = padded  # the longest zero-padded 权力编码 in use (`zero_padded`)

    def parse(self, cells: spreadsheets.RowCells, existing=None) -> PointIn | None:
        catalogue = self.catalogue
        organisation = catalogue.organisation
        own_names = (organisation.name, organisation.short_name)
        if not cells.belongs_to(own_names, FOREIGN_ROW):
            return None
        error = cells.error

        id_text = cells.identifier("id")
        if id_text and existing is None:
            point_id = _point_id(id_text)
            if point_id is None:
                error("id", _("编号“%(value)s”无效，应为导出时的数字编号。") % {"value": id_text})
            else:
                existing = self.existing.get(point_id)
                if existing is None:
                    error(
                        "id",
                        _("本单位没有编号为 %(id)s 的风险点（新增的风险点请将编号留空）。")
                        % {"id": id_text},
                    )

        # what it concerns: unit / department / post
        subject = cells.lookup("subject", SUBJECT_IN, BAD_SUBJECT)
        unit_text = cells.text("unit")
        department = None
        if unit_text not in own_names:
            department = cells.lookup("unit", catalogue.departments, NO_DEPARTMENT)
        post = None
        post_text = cells.text("post")
        if post_text:
            candidates = catalogue.posts.get((department.pk if department else None, post_text))
            if not candidates and department is None and not unit_text:
                candidates = catalogue.posts_by_name.get(post_text)
            post = cells.one(
                "post",
                candidates,
                missing=NO_POST,
                several=SEVERAL_POSTS,
                where=department.name if department else organisation.name,
            )
            if post is not None and department is None:
                department = post.department
        if subject is None:
            subject = (
                RiskPoint.Subject.POST
                if post_text
                else RiskPoint.Subject.DEPARTMENT
                if unit_text and department is not None
                else RiskPoint.Subject.UNIT
            )

        # power and step
        power = None
        code = cells.identifier("power_code", padded=self.padded)
        power_text = cells.text("power")
        if code:
            power = catalogue.powers_by_code.get(code)
            if power is None:
                error(
                    "power_code", _("职权目录中没有编码为“%(code)s”的权力事项。") % {"code": code}
                )
            elif power_text and power_text != power.name:
                error(
                    "power",
                    _("权力编码“%(code)s”对应的权力事项是“%(name)s”，与本列不一致。")
                    % {"code": code, "name": power.name},
                )
                power = None
        elif power_text:
            power = cells.one(
                "power",
                catalogue.powers_by_name.get(power_text),
                missing=NO_POWER,
                several=SEVERAL_POWERS,
            )
        step = None
        step_text = cells.text("step")
        if step_text and power is not None:
            step = next((s for s in power.steps.all() if s.name == step_text), None)
            if step is None:
                error(
                    "step",
                    _("权力事项“%(power)s”没有名为“%(step)s”的流程环节。")
                    % {"power": power.name, "step": step_text},
                )

        # texts and choices
        category = cells.lookup("category", CATEGORY_IN, BAD_CHOICE, choices=CATEGORY_CHOICES)
        scores = {}
        for key in ("likelihood", "harm"):
            text = cells.text(key)
            try:
                scores[key] = int(text) if text else None
            except ValueError:
                scores[key] = None
                # the range is the services' rule; a number is the sheet's
                error(
                    key,
                    _("“%(value)s”无效，应为 1 到 %(size)s 的整数（定级方案“%(scheme)s”）。")
                    % {"value": text, "size": self.scheme.matrix_size, "scheme": self.scheme.name},
                )
        matter_kind = cells.lookup("matter_kind", MATTER_IN, BAD_MATTER, default="")
        criteria = []
        for part in _LIST_SPLIT.split(cells.text("criteria")):
            part = part.strip()
            if not part:
                continue
            key = CRITERIA_IN.get(part)
            if key is None:
                error(
                    "criteria",
                    _("“%(value)s”不是已知的条件，应为：%(choices)s。")
                    % {
                        "value": part,
                        "choices": "、".join(str(c) for c in grading.CRITERIA.values()),
                    },
                )
            elif key not in criteria:
                criteria.append(key)
        # an empty cell leaves a point's source and status as they are
        source, status = (
            (existing.source, existing.status)
            if existing is not None
            else (RiskPoint.Source.SELF, RiskPoint.Status.DRAFT)
        )
        source = cells.lookup(
            "source", SOURCE_IN, BAD_CHOICE, default=source, choices=SOURCE_CHOICES
        )
        status = cells.lookup(
            "status", STATUS_IN, BAD_CHOICE, default=status, choices=STATUS_CHOICES
        )
        last_reviewed = cells.date("last_reviewed", blank=NONE_MARKS)

        measures = self._measures(cells, department)

        values = {
            "subject": subject,
            "department": department,
            "post": post,
            "power": power,
            "step": step,
            "category": category,
            "name": cells.text("name"),
            "manifestation": cells.text("manifestation"),
            "likelihood": scores["likelihood"],
            "harm": scores["harm"],
            "matter_kind": matter_kind,
            "criteria": criteria,
            "source": source,
            "status": status,
            "last_reviewed": last_reviewed,
        }
        level = cells.lookup("level", LEVEL_IN, BAD_LEVEL)
        if level is not None:
            values["level"] = level
        return PointIn(cells.number, existing, values, measures, bool(cells.failed))

    def _measures(self, cells: spreadsheets.RowCells, department) -> list[MeasureIn]:
        error = cells.error
        texts = split_measures(cells.text("measures"))
        owners = _lines(cells.text("measure_owners"))
        dues = _lines(cells.text("measure_due"))
        statuses = _lines(cells.text("measure_status"))
        n = len(texts)
        for key, lines in (("measure_owners", owners), ("measure_due", dues)):
            if lines and len(lines) not in (1, n):
                error(
                    key,
                    _("有 %(n)s 条防控措施，本列应逐行对应填写 %(n)s 行（或只填 1 行适用于全部）。")
                    % {"n": n},
                )
                return []
        if statuses and len(statuses) not in (1, n):
            error(
                "measure_status", _("有 %(n)s 条防控措施，本列应逐行对应填写 %(n)s 行。") % {"n": n}
            )
            return []
        result = []
        for i, text in enumerate(texts):
            owner_text = (owners[i] if len(owners) == n else owners[0]) if owners else ""
            person = owner_department = None
            if owner_text in NONE_MARKS:
                if department is None:
                    error(
                        "measure_owners",
                        _("第 %(i)s 条措施没有责任人，且风险点不属于科室：请填写措施责任人。")
                        % {"i": i + 1},
                    )
                    continue
                owner_department = department
            else:
                person, owner_department, problem = self._owner(owner_text)
                if problem:
                    error("measure_owners", _("第 %(i)s 条措施：") % {"i": i + 1} + problem)
                    continue
            due_text = (dues[i] if len(dues) == n else dues[0]) if dues else ""
            try:
                due = spreadsheets.parse_date(due_text, blank=NONE_MARKS)
            except (ValueError, OverflowError, TypeError):
                error(
                    "measure_due",
                    _("第 %(i)s 条措施的时限“%(value)s”不是有效日期，请按 2020-01-31 的格式填写。")
                    % {"i": i + 1, "value": due_text},
                )
                continue
            status_text = (statuses[i] if len(statuses) == n else statuses[0]) if statuses else ""
            status = MEASURE_STATUS_IN.get(status_text) if status_text else Measure.Status.PLANNED
            if status is None:
                error(
                    "measure_status",
                    _("第 %(i)s 条措施的状态“%(value)s”无效，应为计划中或已落实。")
                    % {"i": i + 1, "value": status_text},
                )
                continue
            result.append(MeasureIn(text, person, owner_department, due, status))
        return result

    def _owner(self, text):
        """(person, department, problem) for an owner written as a department name, a
        person's name, "姓名（工号）" or a 工号."""
        catalogue = self.catalogue
        match = _OWNER_WITH_NO.match(text)
        if match:
            person = catalogue.people_by_no.get(spreadsheets.normalise_identifier(match["no"]))
            if person is None or person.name != match.group("name"):
                return (
                    None,
                    None,
                    _("本单位没有工号为“%(no)s”、姓名为“%(name)s”的人员。")
                    % {
                        "no": match.group("no"),
                        "name": match.group("name"),
                    },
                )
            return person, None, ""
        if text in catalogue.departments:
            return None, catalogue.departments[text], ""
        people = catalogue.people_by_name.get(text, [])
        if len(people) == 1:
            return people[0], None, ""
        if len(people) > 1:
            return None, None, _("本单位有多名“%(name)s”，请写成“姓名（工号）”。") % {"name": text}
        number = spreadsheets.normalise_identifier(text)
        if number in catalogue.people_by_no:
            return catalogue.people_by_no[number], None, ""
        return None, None, _("找不到名为“%(name)s”的人员或科室。") % {"name": text}


def _point_id(text: str) -> int | None:
    """The 编号 of an exported risk point, None for what is none (a database id is 1 to
    2^63 − 1)."""
    if not text.isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if 0 < number < 2**63 else None


def _natural_key(subject, department_id, post_id, power_id, step_id, name):
    return (subject, department_id, post_id, power_id, step_id, name)


def _point_key(values: dict):
    pk = lambda obj: obj.pk if obj is not None else None  # noqa: E731
    return _natural_key(
        values["subject"],
        pk(values["department"]),
        pk(values["post"]),
        pk(values["power"]),
        pk(values["step"]),
        values["name"],
    )


def _load_points(ids) -> dict[int, RiskPoint]:
    """Risk points by id with their measures, in chunks (bounded query size)."""
    ids = sorted(set(ids))
    result = {}
    for start in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[start : start + EXPORT_CHUNK]
        points = (
            RiskPoint.objects.filter(pk__in=chunk)
            .select_related("department", "post", "power", "step")
            .prefetch_related(
                Prefetch(
                    "measures",
                    queryset=Measure.objects.select_related(
                        "owner_person", "owner_department"
                    ).order_by("id"),
                )
            )
        )
        result.update({p.pk: p for p in points})
    return result


@dataclass
class _MeasurePlan:
    """What the import does to measures: create, update, link and unlink."""

    new: dict = field(default_factory=dict)  # (text, person_id, dept_id) -> Measure
    desired: dict = field(default_factory=dict)  # measure id -> (row, owner/due/status)
    links: list = field(default_factory=list)  # (PointIn, Measure) to link
    unlinks: list = field(default_factory=list)  # (PointIn, Measure) to unlink


def _owner_key(m: MeasureIn):
    return (
        m.owner_person.pk if m.owner_person else None,
        m.owner_department.pk if m.owner_department else None,
    )


def _plan_measures(parsed: list[PointIn], organisation, add_error) -> _MeasurePlan:
    """Match each row's measures by text: first to those the point already has, then to a
    measure of the organisation with the same text and owner, else a new one (shared by every
    row naming the same text and owner)."""
    plan = _MeasurePlan()
    texts = {m.text for item in parsed for m in item.measures}
    by_key = {}
    for measure in Measure.objects.filter(organisation=organisation, text__in=texts).order_by("id"):
        key = (measure.text, measure.owner_person_id, measure.owner_department_id)
        by_key.setdefault(key, measure)
    for item in parsed:
        linked = list(item.existing.measures.all()) if item.existing else []
        pool: dict[str, list[Measure]] = defaultdict(list)
        for measure in linked:
            pool[measure.text].append(measure)
        used = set()
        for wanted in item.measures:
            person_id, department_id = _owner_key(wanted)
            measure = pool[wanted.text].pop(0) if pool[wanted.text] else None
            if measure is None:
                key = (wanted.text, person_id, department_id)
                measure = by_key.get(key)
                if measure is not None and measure.pk in {m.pk for m in linked}:
                    measure = None
                if measure is None:
                    measure = plan.new.get(key)
                if measure is None:
                    measure = Measure(
                        organisation=organisation,
                        text=wanted.text,
                        owner_person=wanted.owner_person,
                        owner_department=wanted.owner_department,
                        due=wanted.due,
                        status=wanted.status,
                    )
                    plan.new[key] = measure
                if id(measure) in used:
                    add_error(
                        item.number,
                        "measures",
                        _("防控措施“%(text)s”重复填写。") % {"text": wanted.text[:30]},
                    )
                    continue
                plan.links.append((item, measure))
            used.add(id(measure))
            state = (person_id, department_id, wanted.due, wanted.status)
            ident = measure.pk or id(measure)
            if measure.pk is not None and state == (
                measure.owner_person_id,
                measure.owner_department_id,
                measure.due,
                measure.status,
            ):
                continue  # kept as it is: no conflict with a row that changes it
            previous = plan.desired.get(ident)
            if previous is not None and previous[1] != state:
                add_error(
                    item.number,
                    "measure_owners",
                    _(
                        "措施“%(text)s”在第 %(row)s 行的责任人、时限或状态与本行不同；"
                        "同一措施只能有一种。"
                    )
                    % {"text": wanted.text[:30], "row": previous[0]},
                )
                continue
            plan.desired[ident] = (item.number, state, measure, wanted)
        for leftover in pool.values():
            for measure in leftover:
                plan.unlinks.append((item, measure))
    return plan


def register_import(*, actor, organisation: Organisation, file) -> ImportResult:
    """Read every row of the register `file` for `organisation` and hand them to the risk
    point and measure writers, which create or update its risk points and measures by the
    rules of the single services; return the counts, or every error (row, column, reason) and
    write nothing. Raises RegisterFileError when the file cannot be read as a register at
    all."""
    rows = read_rows(file)
    result = ImportResult()
    sheet = spreadsheets.SheetErrors(COLUMNS, result.errors, fields=FIELD_COLUMNS, default="name")

    catalogue = _Catalogue(organisation)
    scheme = grading.active_scheme(organisation)
    ids = set()
    for row in rows:
        value = row.values.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            point_id = _point_id(spreadsheets.normalise_identifier(str(value)))
            if point_id is not None:
                ids.add(point_id)
    typed = (row.values.get("power_code") for row in rows)
    padded = spreadsheets.zero_padded(itertools.chain(catalogue.powers_by_code, typed))
    by_key = {}
    for values in RiskPoint.objects.filter(organisation=organisation).values_list(
        "pk", "subject", "department_id", "post_id", "power_id", "step_id", "name"
    ):
        by_key.setdefault(_natural_key(*values[1:]), values[0])
    existing = {
        pk: p for pk, p in _load_points(ids).items() if p.organisation_id == organisation.pk
    }
    parser = _RowParser(catalogue, scheme, existing, padded)

    parsed: list[PointIn] = []
    partial: list[PointIn] = []  # rows with cells that could not be read
    pending = []  # rows without 编号 that match an existing point by post, power, step, name
    for row in rows:
        item = parser.parse(sheet.cells(row))
        if item is None:
            continue
        if item.failed:
            partial.append(item)
        elif item.existing is None and (match := by_key.get(_point_key(item.values))):
            pending.append((row, match))  # read again as a change of that point
        else:
            parsed.append(item)
    if pending:
        existing.update(_load_points(pk for _row, pk in pending))
        for row, pk in pending:
            item = parser.parse(sheet.cells(row), existing[pk])
            if item is not None:
                (partial if item.failed else parsed).append(item)

    seen_points, seen_keys = {}, {}
    for item in sorted(parsed, key=lambda i: i.number):
        if item.existing is not None:
            other = seen_points.setdefault(item.existing.pk, item.number)
            if other != item.number:
                sheet.add(item.number, "id", _("与第 %(row)s 行是同一个风险点。") % {"row": other})
        else:
            key = _point_key(item.values)
            other = seen_keys.setdefault(key, item.number)
            if other != item.number:
                sheet.add(
                    item.number,
                    "name",
                    _("与第 %(row)s 行的岗位、权力事项、流程环节和风险点名称相同。")
                    % {"row": other},
                )
    plan = _plan_measures(parsed, organisation, sheet.add)
    sheet.write_or_report(
        check=lambda: services.risk_points_check(
            organisation=organisation,
            rows=[
                services.PointRow(data=item.values, point=item.existing, key=item.number)
                for item in sorted([*parsed, *partial], key=lambda i: i.number)
            ],
        ),
        write=lambda: _write(actor, organisation, parsed, plan, result),
        message=lambda issue: _import_message(issue.field, issue.message),
    )
    return result


def _import_message(field_name: str, message: str) -> str:
    """A service's message, with what to do about it in a spreadsheet where that differs."""
    if field_name == "reason":  # a level set by hand, which needs a reason
        return message + _(
            "导入时可将“风险等级”留空，由系统按定级方案计算；人工调整等级请在系统中逐条填写理由。"
        )
    return message


# Where the services' errors go: their field names to the register's columns (any field
# that is no column, and an error of the row as a whole, to 风险点（名称）).
FIELD_COLUMNS = {
    "department": "unit",
    "reason": "level",
    "text": "measures",
    "owner_person": "measure_owners",
    "owner_department": "measure_owners",
    "due": "measure_due",
}


def _write(actor, organisation, parsed: list[PointIn], plan: _MeasurePlan, result):
    """Write the parsed rows through the risk point and measure services' bulk writers (the
    same rules as a single edit); they raise `RowsInvalid` for the rows their rules refuse
    (and the caller's transaction rolls back what the first of them wrote)."""
    label = _("导入风险点登记表")
    linked: dict[int, list] = defaultdict(list)
    for item, measure in plan.links:
        linked[id(item)].append(measure)
    unlinked: dict[int, set] = defaultdict(set)
    for item, measure in plan.unlinks:
        unlinked[id(item)].add(measure.pk)
    rows = []
    for item in parsed:
        kept = (
            [m for m in item.existing.measures.all() if m.pk not in unlinked[id(item)]]
            if (item.existing)
            else []
        )
        rows.append(
            services.PointRow(
                data=item.values,
                point=item.existing,
                key=item.number,
                measures=kept + linked[id(item)],
            )
        )
    numbers = {}
    measure_rows = []
    for number, _state, measure, wanted in plan.desired.values():
        numbers[id(measure)] = number
        data = (
            {}
            if measure.pk is None
            else {
                "owner_person": wanted.owner_person,
                "owner_department": wanted.owner_department,
                "due": wanted.due,
                "status": wanted.status,
            }
        )
        measure_rows.append(services.MeasureRow(measure, data, key=number))
    for measure in plan.new.values():
        if id(measure) not in numbers:
            measure_rows.append(services.MeasureRow(measure, {}, key=None))
    written = services.risk_points_write(
        actor=actor, organisation=organisation, rows=rows, label=label
    )
    point_of = {id(item): w.point for item, w in zip(parsed, written, strict=True)}
    changed_measures = services.measures_write(
        actor=actor,
        organisation=organisation,
        rows=measure_rows,
        links=[(m, point_of[id(item)]) for item, m in plan.links],
        unlinks=[(m, point_of[id(item)]) for item, m in plan.unlinks],
        label=label,
    )
    relinked = {id(item) for item, _m in (*plan.links, *plan.unlinks)}
    measure_rows_changed = {numbers.get(id(m)) for m in changed_measures}
    result.created = sum(1 for w in written if w.before is None)
    result.updated = sum(
        1
        for item, w in zip(parsed, written, strict=True)
        if w.before is not None
        and (
            w.changed
            or w.point.status != w.snapshot_before["status"]
            or id(item) in relinked
            or item.number in measure_rows_changed
        )
    )
    result.unchanged = len(parsed) - result.created - result.updated
    result.measures_created = len(plan.new)
    result.record(actor=actor, action="risk_register.import", obj=organisation, rows=len(parsed))
