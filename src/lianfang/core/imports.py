"""Reading an uploaded Excel sheet for an import (ARCHITECTURE.md, "Imports").

Every import (staff roster, power catalogue, risk register) reads its sheet the same way:
the header row names the columns (in any order, with aliases and full-width brackets), blank
rows are skipped, and a file that cannot be read at all raises the import's own error with a
message in Chinese. The rows' values are then checked by the import itself, which collects
every row's `RowError` before writing anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel


@dataclass(frozen=True)
class RowError:
    """One refused value: the sheet's row number, the column's header, the reason."""

    row: int
    column: str
    reason: str


@dataclass
class SheetRow:
    number: int  # the row number in the sheet (the header is row 1)
    values: dict  # column key -> cell value


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
        parsed = from_excel(value)
        if isinstance(parsed, dt.datetime):
            return parsed.date()
        if isinstance(parsed, dt.date):
            return parsed
        raise ValueError(value)
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def normalise_header(value) -> str:
    """A header as compared: half-width brackets and slashes, no spaces."""
    text = "" if value is None else str(value)
    for a, b in (("（", "("), ("）", ")"), (" ", ""), ("\u3000", ""), ("／", "/")):
        text = text.replace(a, b)
    return text.strip()


def header_lookup(columns) -> dict[str, str]:
    """Normalised header or alias → column key, for columns with `header`, `aliases`, `key`."""
    return {
        normalise_header(name): col.key for col in columns for name in (col.header, *col.aliases)
    }


@dataclass(frozen=True)
class SheetTexts:
    """An import's own messages for a file it cannot use."""

    unreadable: str  # not an .xlsx file
    empty: str  # no header row
    missing: str  # with %(columns)s: required columns absent
    nothing: str  # a header but no data rows


def read_sheet(
    file,
    *,
    error: type[Exception],
    lookup: dict[str, str],
    required: dict[str, str],
    max_rows: int,
    texts: SheetTexts,
    sheet_title: str | None = None,
    ignore: tuple[str, ...] = (),
) -> list[SheetRow]:
    """The non-empty data rows of the sheet (`sheet_title`, else the first), keyed by column.

    `required` maps column keys to the headers named when they are missing. A row is empty
    when every recognised column but those in `ignore` (a row number, say) is blank. Raises
    `error` with a message when the file cannot be used at all.
    """
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not .xlsx
        raise error(texts.unreadable) from exc
    try:
        if not wb.worksheets:
            raise error(_("文件中没有工作表。"))
        sheet = wb[sheet_title] if sheet_title in wb.sheetnames else wb.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(v not in (None, "") for v in header):
            raise error(texts.empty)
        positions: dict[str, int] = {}
        for index, value in enumerate(header):
            key = lookup.get(normalise_header(value))
            if key is not None and key not in positions:
                positions[key] = index
        missing = [name for key, name in required.items() if key not in positions]
        if missing:
            raise error(texts.missing % {"columns": "、".join(str(m) for m in missing)})
        result = []
        for number, values in enumerate(rows, start=2):
            cells = {
                key: values[index] if index < len(values) else None
                for key, index in positions.items()
            }
            if not any(cell_text(v) for key, v in cells.items() if key not in ignore):
                continue
            if len(result) >= max_rows:
                raise error(_("一次最多导入 %(n)s 行，请分批导入。") % {"n": max_rows})
            result.append(SheetRow(number, cells))
        if not result:
            raise error(texts.nothing)
        return result
    finally:
        wb.close()
