"""Writing an .xlsx workbook: one writer for every export, template and printed table.

The engine is XlsxWriter (bench/spreadsheets.py: about 3 times faster than openpyxl's
write-only mode). A streamed writer (the default, XlsxWriter's constant_memory mode) sends
each row to a temporary file once the next row begins, so memory stays flat whatever the
number of rows; rows must then be written top to bottom. A table with cells merged across
rows (the positioning table) uses `streamed=False`.

Security rule, for every export: text is always written as text. A value that starts with
= + - or @ stays a string cell, marked with Excel's quote prefix so that editing the cell in
Excel does not turn it into a formula either; it is never written as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import xlsxwriter
from django.utils import timezone

from ..documents import XLSX_CONTENT_TYPE
from .columns import Column

__all__ = ["XLSX_CONTENT_TYPE", "Sheet", "SheetWriter"]
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
FORMULA_STARTS = ("=", "+", "-", "@")  # what spreadsheet programs read as the start of a formula
VALIDATION_ROWS = 10000  # how far down a template's drop-downs reach
INSTRUCTIONS_TITLE = "填写说明"  # the sheet of a blank template that says how to fill it in

# The house styles, as XlsxWriter format properties. `header` is the platform's red.
STYLES = {
    "header": {
        "bold": True,
        "font_color": "#FFFFFF",
        "bg_color": "#A61B1B",
        "pattern": 1,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
    },
    "header_extra": {  # the columns after the printed form's
        "bold": True,
        "font_color": "#333333",
        "bg_color": "#E8D5D5",
        "pattern": 1,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
    },
    "wrap": {"text_wrap": True, "valign": "top"},
    "centre": {"align": "center", "valign": "vcenter", "text_wrap": True},
    "text": {"num_format": "@"},
    "date": {"num_format": DATE_FORMAT},
    "datetime": {"num_format": DATETIME_FORMAT},
    "title": {"bold": True, "font_size": 16, "align": "center"},
    "heading": {"bold": True, "font_size": 13},
    "bold": {"bold": True},
    "border": {"border": 1, "border_color": "#666666"},
}


class SheetWriter:
    """An .xlsx workbook written to `out` (a binary file object) when the block ends:

    out = io.BytesIO()
    with SheetWriter(out) as book:
        sheet = book.sheet("人员名册", COLUMNS)
        for person in people:
            sheet.row({"staff_no": person.staff_no, …})
    content = out.getvalue()
    """

    def __init__(self, out, *, streamed: bool = True):
        self.streamed = streamed
        self.book = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": streamed,
                # write_string is used for every text; these keep any other call as safe
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._formats: dict[tuple, object] = {}
        self._props: dict[int, dict] = {}  # id(format) -> its properties

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()

    def close(self) -> None:
        self.book.close()

    def style(self, *names: str, **props):
        """A cell format: the named house styles merged left to right, then `props`
        (XlsxWriter's format properties, e.g. bg_color="#C0392B"). None when empty."""
        merged: dict = {}
        for name in names:
            merged.update(STYLES[name])
        merged.update(props)
        if not merged:
            return None
        key = tuple(sorted(merged.items()))
        if key not in self._formats:
            self._formats[key] = self.book.add_format(merged)
            self._props[id(self._formats[key])] = merged
        return self._formats[key]

    def variant(self, style, **props):
        """`style` (from this writer's `style`) with `props` added."""
        return self.style(**{**self._props.get(id(style), {}), **props})

    def quoted(self, style):
        """`style` with Excel's quote prefix: the cell stays text even when edited."""
        return self.variant(style, quote_prefix=True)

    def sheet(self, title: str, columns=(), *, header: bool = True) -> Sheet:
        """A new sheet with `columns` (their widths, and their headers in the first row,
        frozen, unless `header` is False: then call `Sheet.header` where it belongs)."""
        sheet = Sheet(self, self.book.add_worksheet(title), columns)
        if header and sheet.columns:
            sheet.header()
        return sheet

    def instructions(self, heading: str, lines, *, width: int = 90) -> Sheet:
        """A blank template's instructions sheet: `heading`, then one row per line; add lists
        below it with `Sheet.section`."""
        notes = self.sheet(INSTRUCTIONS_TITLE, [Column("line", "", width)], header=False)
        notes.row([heading], self.style("heading"))
        for line in lines:
            notes.row([line])
        return notes


class Sheet:
    """One sheet of a SheetWriter. `row()` writes the next row; `cell()` and `merge()` write
    at a place (in a streamed workbook, only in the current row or below)."""

    def __init__(self, writer: SheetWriter, worksheet, columns):
        self.writer = writer
        self.worksheet = worksheet
        self.columns: tuple[Column, ...] = tuple(columns)
        self.next_row = 0
        self.header_row: int | None = None
        style = writer.style
        self._formats = []  # per column: (plain, date, datetime, quoted)
        for index, col in enumerate(self.columns):
            names = ("wrap",) * col.wrap + ("text",) * col.text
            plain = style(*names)
            worksheet.set_column(index, index, col.width, style("text") if col.text else None)
            self._formats.append(
                (
                    plain,
                    style(*names, "date"),
                    style(*names, "datetime"),
                    style(*names, quote_prefix=True),
                )
            )

    def header(self, *styles: str, **props) -> None:
        """The columns' headers in the next row (house header style, plus `styles` and
        `props`), with the rows above and the header frozen."""
        row = self.next_row
        style = self.writer.style
        plain = style("header", *styles, **props)
        extra = style("header_extra", *styles, **props)
        for index, col in enumerate(self.columns):
            self.worksheet.write_string(row, index, str(col.header), extra if col.extra else plain)
        self.worksheet.freeze_panes(row + 1, 0)
        self.header_row = row
        self.next_row = row + 1

    def row(self, values, style=None) -> None:
        """Write `values` (a sequence in column order, or a mapping by column key) as the next
        row. Each column's style applies (wrapped, text), dates get the date format; `style`
        (from SheetWriter.style) replaces them all. Empty values leave the cell empty."""
        if isinstance(values, Mapping):
            values = [values.get(col.key) for col in self.columns]
        row = self.next_row
        self.next_row += 1
        ws = self.worksheet
        formats = self._formats
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            if style is not None:
                self.cell(row, index, value, style)
                continue
            if index >= len(formats):  # beyond the columns: no column style
                self.cell(row, index, value)
                continue
            plain, date, stamp, quoted = formats[index]
            if isinstance(value, str):  # most cells: the checks of cell() inlined
                ws.write_string(row, index, value, quoted if value[0] in FORMULA_STARTS else plain)
            elif isinstance(value, dt.datetime):
                _write_datetime(ws, row, index, value, stamp)
            elif isinstance(value, dt.date):
                ws.write_datetime(row, index, value, date)
            else:
                self.cell(row, index, value, plain)

    def cell(self, row: int, column: int, value, style=None) -> None:
        """Write one value at (row, column), both counted from 0, by the export rules: text
        as text (quoted when it starts like a formula), numbers as numbers, dates as dates."""
        ws = self.worksheet
        if value is None or value == "":
            if style is not None:
                ws.write_blank(row, column, None, style)
        elif isinstance(value, str):
            if value[0] in FORMULA_STARTS:
                style = self.writer.quoted(style)
            ws.write_string(row, column, value, style)
        elif isinstance(value, bool):
            ws.write_boolean(row, column, value, style)
        elif isinstance(value, int | float):
            ws.write_number(row, column, value, style)
        elif isinstance(value, dt.datetime):
            style = self.writer.variant(style, num_format=DATETIME_FORMAT)
            _write_datetime(ws, row, column, value, style)
        elif isinstance(value, dt.date):
            style = self.writer.variant(style, num_format=DATE_FORMAT)
            ws.write_datetime(row, column, value, style)
        else:  # a lazy translation, a Decimal …: as the text a person reads
            self.cell(row, column, str(value), style)

    def merge(self, first_row, first_column, last_row, last_column, value, style=None) -> None:
        """Merge a range (in a streamed workbook: within the current row) and write `value`
        into it by the rules of `cell`."""
        self.worksheet.merge_range(first_row, first_column, last_row, last_column, "", style)
        self.cell(first_row, first_column, value, style)

    def validation(self, key: str, options, *, rows: int = VALIDATION_ROWS) -> None:
        """A drop-down of `options` (texts) under the header of column `key`."""
        index = next(i for i, col in enumerate(self.columns) if col.key == key)
        first = (self.header_row or 0) + 1
        self.worksheet.data_validation(
            first, index, first + rows - 1, index, {"validate": "list", "source": list(options)}
        )

    def section(self, title: str, lines) -> None:
        """A blank row, `title` in bold, then one row per line (e.g. a template's list of the
        organisation's departments)."""
        self.row([])
        self.row([title], self.writer.style("bold"))
        for line in lines:
            self.row([line])

    def print_on_a4(self, *, landscape: bool = True) -> None:
        """Printed on A4, one page wide, with the header row repeated on every page."""
        ws = self.worksheet
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        if self.header_row is not None:
            ws.repeat_rows(self.header_row)


def _write_datetime(ws, row, column, value: dt.datetime, style) -> None:
    if timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None)
    ws.write_datetime(row, column, value, style)
