"""Reading an uploaded workbook for an import, all or nothing.

Every import reads its sheet the same way: the header row names the columns (in any order,
with aliases and full-width brackets), blank rows are skipped, and a file that cannot be read
at all raises the import's own `SheetFileError` with a message in Chinese. The import then
checks every row's values, collects each refused value as a `RowError`, and writes nothing
unless there is none.

The engine is python-calamine (bench/spreadsheets.py: several times faster than openpyxl's
read-only mode); it reads .xlsx and the old binary .xls alike. It holds the whole sheet in
memory and sizes it by what the file says, so every upload is first scanned as a stream
(`limits.check`): one that unpacks, or reaches, beyond the LIANFANG_IMPORT_* settings (size,
shared strings, rows, columns, cells) is refused with a message before it is read.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field, fields

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook, SheetTypeEnum

from .. import audit
from . import limits
from .columns import Column, header_lookup, normalise_header


class SheetFileError(Exception):
    """The upload cannot be used at all (not a workbook, damaged, empty, no header): the
    message says why, in Chinese. Each import raises its own subclass."""


@dataclass(frozen=True)
class RowError:
    """One refused value: the sheet's row number, the column's header, the reason."""

    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    """What an import did, or every error that kept it from writing anything. Imports add
    their own counts in a subclass (measures created, steps removed …)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def record(self, *, actor, action: str, obj, rows: int) -> None:
        """Append the import's summary audit event on `obj` (what was imported into): the
        rows written and every count. Call in the write's transaction."""
        counts = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "errors"}
        audit.record(actor=actor, action=action, obj=obj, after={"rows": rows, **counts})


@dataclass
class SheetRow:
    number: int  # the row number in the sheet (the header is row 1)
    values: dict  # column key -> cell value (None when empty)


@dataclass(frozen=True)
class SheetTexts:
    """An import's own messages for a file it cannot use."""

    empty: str  # no header row: name the first headers, e.g. "（工号、姓名……）"
    nothing: str  # a header but no data rows
    unreadable: str = gettext_lazy(
        "无法读取该文件，请确认它是 Excel 文件（.xlsx 或 .xls）且未损坏（可先下载模板再填写）。"
    )  # not a workbook, or damaged
    missing: str = gettext_lazy(
        "表头缺少以下列：%(columns)s。请使用下载的模板。"
    )  # with %(columns)s: required columns absent


def cell_text(value) -> str:
    """A cell's value as the text a person typed: 1.0 → "1", a date → "2026-01-31"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_LAST_DAY = 2958465  # 9999-12-31


def parse_date(value, *, blank=frozenset({""})) -> dt.date | None:
    """A date from a date cell, an Excel serial number or a written form (2026-01-31,
    2026/1/31, 2026年1月31日, 20260131); None for an empty cell or one of the `blank` texts;
    else raise ValueError."""
    if value is None or (isinstance(value, str) and value.strip() in blank):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and 19000101 <= value <= 29991231:
        value = str(value)  # 20260131 typed into a number cell
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value <= EXCEL_LAST_DAY:
            raise ValueError(value)  # a time of day, or no day Excel can show
        day = int(value)
        # Excel counts a 29 February 1900 that never was: serials before it are one day early
        return EXCEL_EPOCH + dt.timedelta(days=day + 1 if day < 60 else day)
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _cell(value):
    """A cell as openpyxl gave it and the imports expect: None when empty, whole numbers as int."""
    if value == "" and isinstance(value, str):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _blank(value) -> bool:
    """Whether cell_text(value) is empty."""
    return value is None or (isinstance(value, str) and not value.strip())


def _open(file) -> CalamineWorkbook:
    if hasattr(file, "read"):
        file.seek(0)
        return CalamineWorkbook.from_filelike(file)
    return CalamineWorkbook.from_path(str(file))


def _failed(exc: BaseException) -> bool:
    """Whether `exc` is the reader refusing the file. A damaged file can make the Rust reader
    panic, which surfaces as PanicException, a BaseException; anything else of that kind (an
    interrupt, an exit) must go on."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _rows(sheet, error: type[SheetFileError]):
    """The sheet's rows from row 1, as (number, values). The reader converts a row when it
    is reached, and a cell it cannot convert (a date cell holding -1e12 makes it panic)
    refuses the file, naming the row."""
    rows = iter(sheet.iter_rows())
    number = 0
    while True:
        number += 1
        try:
            values = next(rows)
        except StopIteration:
            return
        except BaseException as exc:
            if _failed(exc):
                raise error(
                    _(
                        "第 %(row)s 行有无法读取的单元格（如超出范围的日期或数字），"
                        "请检查该行后重新保存文件。"
                    )
                    % {"row": number}
                ) from exc
            raise
        yield number, values


def _worksheet(workbook: CalamineWorkbook, title: str | None):
    names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    if not names:
        return None
    return workbook.get_sheet_by_name(title if title in names else names[0])


def _header_positions(values, lookup: dict[str, str]) -> dict[str, int]:
    """Each recognised column's key → its index in the header row `values`."""
    positions: dict[str, int] = {}
    for index, value in enumerate(values):
        key = lookup.get(normalise_header(value))
        if key is not None and key not in positions:
            positions[key] = index
    return positions


def read_sheet(
    file,
    *,
    columns: tuple[Column, ...] | list[Column],
    required,
    max_rows: int,
    texts: SheetTexts,
    error: type[SheetFileError] = SheetFileError,
    sheet_title: str | None = None,
    ignore: tuple[str, ...] = (),
    header_within: int = 1,
) -> list[SheetRow]:
    """The non-empty data rows of the sheet (`sheet_title`, else the first), keyed by column.

    `file` is an upload (or a path) of an .xlsx or .xls workbook. `required` names the keys of
    the columns whose header must be there. The header is the first row, or, with
    `header_within` N > 1 (an export with a title, its unit and date above the table), the
    first of the first N rows that holds every required header (else the one that holds the
    most, whose missing headers are reported). A row is empty when every recognised column
    but those in `ignore` (a row number, say) is blank: a line under the table written in an
    ignored column alone (a signature line under the 序号 column) is skipped. Raises `error`
    with a message when the file cannot be used at all; reads nothing but the file.
    """
    try:
        limits.check(file, limits.Limits.from_settings())
    except limits.Refused as exc:
        raise error(str(exc)) from exc
    except limits.Unreadable as exc:
        raise error(str(texts.unreadable)) from exc
    sheet = None
    try:
        workbook = _open(file)
        try:
            sheet = _worksheet(workbook, sheet_title)
        finally:
            workbook.close()
    except BaseException as exc:
        if _failed(exc):
            raise error(str(texts.unreadable)) from exc
        raise
    if sheet is None:
        raise error(_("文件中没有工作表。"))
    if sheet.start is None:
        raise error(texts.empty)
    rows = _rows(sheet, error)  # from row 1, empty leading rows included
    lookup = header_lookup(columns)
    positions: dict[str, int] | None = None
    # the header: the first row with every required header (the rows above it are read no
    # further), else, of the rows looked at, the first with the most headers
    for _number, values in itertools.islice(rows, max(header_within, 1)):
        if not any(v != "" for v in values):
            continue
        found = _header_positions(values, lookup)
        if positions is None or len(found) > len(positions):
            positions = found
        if all(key in found for key in required):
            positions = found
            break
    if positions is None:
        raise error(texts.empty)
    names = {c.key: c.header for c in columns}
    missing = [names[key] for key in required if key not in positions]
    if missing:
        raise error(texts.missing % {"columns": "、".join(missing)})
    counted = [key for key in positions if key not in ignore]
    result = []
    for number, values in rows:
        cells = {key: _cell(values[index]) for key, index in positions.items()}
        if all(_blank(cells[key]) for key in counted):
            continue
        if len(result) >= max_rows:
            raise error(_("一次最多导入 %(n)s 行，请分批导入。") % {"n": max_rows})
        result.append(SheetRow(number, cells))
    if not result:
        raise error(texts.nothing)
    return result
