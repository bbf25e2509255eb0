"""Writing an .xlsx workbook: one writer for every export, template and printed table.

The engine is XlsxWriter (bench/spreadsheets.py: about 3 times faster than openpyxl's
write-only mode). A streamed writer (the default) keeps only the current row in memory, so
memory stays flat whatever the number of rows; rows must then be written top to bottom. Its
cells are written as XML by `sheetdata.SheetData` (the elements XlsxWriter's constant_memory
mode writes, at a fraction of the cost of its per-cell calls) and put into the package
XlsxWriter writes around them (styles, widths, panes, drop-downs, print setup). A table with
cells merged across rows (the positioning table) uses `streamed=False`: XlsxWriter writes
every cell itself, with shared strings.

Security rule, for every export: text is always written as text. A value that starts with
= + - or @ stays a string cell, marked with Excel's quote prefix so that editing the cell in
Excel does not turn it into a formula either; it is never written as a formula, nor as XML
(a streamed sheet escapes every text, see `sheetdata`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

import xlsxwriter
from django.utils import timezone
from xlsxwriter.utility import xl_col_to_name

from ..documents import XLSX_CONTENT_TYPE
from . import sheetdata
from .columns import Column

__all__ = ["XLSX_CONTENT_TYPE", "Sheet", "SheetWriter"]
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
FORMULA_STARTS = ("=", "+", "-", "@")  # what spreadsheet programs read as the start of a formula
VALIDATION_ROWS = 10000  # how far down a template's drop-downs reach
INSTRUCTIONS_TITLE = "填写说明"  # the sheet of a blank template that says how to fill it in
# The fonts of printed Chinese forms, by the family names Excel and WPS know them by.
FONT_SONG = "宋体"
FONT_FANGSONG = "仿宋"
GB2312 = 134  # the character set a Chinese font is declared with, as Excel writes it

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

    def __init__(
        self, out, *, streamed: bool = True, xml_cells: bool = True, font: str | None = None
    ):
        """`xml_cells=False`: a streamed sheet's cells are written by XlsxWriter's own per-cell
        calls, as before `sheetdata` (the reference that tests and benchmarks compare with).
        `font` (a family name, e.g. FONT_SONG): every cell's font, the empty ones' too (the
        workbook's default format, which every style starts from), instead of Calibri."""
        self.out = out
        self.streamed = streamed
        self.xml_cells = streamed and xml_cells
        # XlsxWriter writes the package around empty sheets into memory (a few KB), and
        # `close` writes it to `out` with the sheets' cells spliced in
        self._package = io.BytesIO() if self.xml_cells else None
        options = {
            "constant_memory": streamed,
            # write_string is used for every text; these keep any other call as safe
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        if font is not None:
            # no font scheme: with one, Excel shows the theme's font (Calibri) whatever the name
            options["default_format_properties"] = {
                "font_name": font,
                "font_size": 11,
                "font_scheme": "none",
                "font_charset": GB2312,
            }
        self.book = xlsxwriter.Workbook(self._package if self.xml_cells else out, options)
        self._formats: dict[tuple, object] = {}
        self._props: dict[int, dict] = {}  # id(format) -> its properties
        self._sheets: list[Sheet] = []

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._discard()

    def close(self) -> None:
        try:
            for sheet in self._sheets:
                if sheet.data is not None:
                    # as XlsxWriter closes a sheet: its last row, then its columns' formats
                    sheet.data.flush()
                    for index in sorted(sheet._column_formats):
                        sheet.data.style(sheet._column_formats[index])
            self.book.close()
            if self.xml_cells:
                sheets = {
                    f"xl/worksheets/sheet{number}.xml": (sheet.data, sheet.worksheet)
                    for number, sheet in enumerate(self._sheets, start=1)
                }
                sheetdata.splice(self._package.getvalue(), self.out, sheets)
        finally:
            self._discard()

    def _discard(self) -> None:
        for sheet in self._sheets:
            if sheet.data is not None:
                sheet.data.close()

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
        self._sheets.append(sheet)
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
    at a place (in a streamed workbook, only in the current row or below, and no merge)."""

    def __init__(self, writer: SheetWriter, worksheet, columns):
        self.writer = writer
        self.worksheet = worksheet
        self.columns: tuple[Column, ...] = tuple(columns)
        self.next_row = 0
        self.header_row: int | None = None
        # a streamed sheet's cells, written by this module (see sheetdata)
        self.data = sheetdata.SheetData() if writer.xml_cells else None
        self._column_formats: dict[int, object] = {}  # a set_column format: the cells' default
        style = writer.style
        self._formats = []  # per column: (plain, date, datetime, quoted)
        for index, col in enumerate(self.columns):
            names = ("wrap",) * col.wrap + ("text",) * col.text
            plain = style(*names)
            column_format = style("text") if col.text else None
            worksheet.set_column(index, index, col.width, column_format)
            if column_format is not None:
                self._column_formats[index] = column_format
            self._formats.append(
                (
                    plain,
                    style(*names, "date"),
                    style(*names, "datetime"),
                    style(*names, quote_prefix=True),
                )
            )
        # a streamed sheet's row() per column: its letter, its plain, date and quoted formats
        # (a plain cell without a format takes its column's, as in XlsxWriter), and their ids
        self._streamed_columns = []
        for index, (plain, date, _stamp, quoted) in enumerate(self._formats):
            plain = plain or self._column_formats.get(index)
            self._streamed_columns.append(
                (xl_col_to_name(index), plain, date, quoted, id(plain), id(date), id(quoted))
            )

    def header(self, *styles: str, **props) -> None:
        """The columns' headers in the next row (house header style, plus `styles` and
        `props`), with the rows above and the header frozen."""
        row = self.next_row
        style = self.writer.style
        plain = style("header", *styles, **props)
        extra = style("header_extra", *styles, **props)
        for index, col in enumerate(self.columns):
            self._string(row, index, str(col.header), extra if col.extra else plain)
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
        if self.data is not None and style is None:
            self._streamed_row(row, values)
            return
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
                self._string(row, index, value, quoted if value[0] in FORMULA_STARTS else plain)
            elif isinstance(value, dt.datetime):
                self._date(row, index, _naive(value), stamp)
            elif isinstance(value, dt.date):
                self._date(row, index, value, date)
            else:
                self.cell(row, index, value, plain)

    def _streamed_row(self, row: int, values) -> None:
        """`row()` of a streamed sheet in the column styles: the cells' XML made here, the
        inner loop of every large export (cell() applies the same rules one cell at a time)."""
        data = self.data
        styles = data.styles
        cells = None  # the row begins with its first cell (an empty row writes nothing)
        number = str(row + 1)
        columns = self._streamed_columns
        count = len(columns)
        inline_string, needs_escape = sheetdata.inline_string, sheetdata.needs_escape
        plain_length = sheetdata.PLAIN_LENGTH
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            if index >= count:  # beyond the columns: no column style
                self.cell(row, index, value)
                continue
            if cells is None:
                cells = data.begin(row)
            letter, plain, date, quoted, plain_id, date_id, quoted_id = columns[index]
            kind = type(value)
            if kind is str:
                if value[0] in FORMULA_STARTS:
                    cell_format, attribute = quoted, styles.get(quoted_id)
                else:
                    cell_format, attribute = plain, styles.get(plain_id)
                if (  # most texts: nothing to escape, cut or keep (inline_string, inlined)
                    needs_escape(value) is None
                    and len(value) <= plain_length
                    and not value[0].isspace()
                    and not value[-1].isspace()
                ):
                    tail = f' t="inlineStr"><is><t>{value}</t></is></c>'
                else:
                    tail = f' t="inlineStr">{inline_string(value)}</c>'
            elif kind is int:
                cell_format, attribute = plain, styles.get(plain_id)
                tail = f"><v>{value:.16G}</v></c>"
            elif kind is dt.date:
                cell_format, attribute = date, styles.get(date_id)
                tail = f"><v>{sheetdata.excel_date(value):.16G}</v></c>"
            else:  # datetimes, floats, booleans, lazy texts …: by the rules of cell()
                _plain, date, stamp, quoted = self._formats[index]
                if isinstance(value, str):
                    self._string(
                        row, index, value, quoted if value[0] in FORMULA_STARTS else _plain
                    )
                elif isinstance(value, dt.datetime):
                    self._date(row, index, _naive(value), stamp)
                elif isinstance(value, dt.date):
                    self._date(row, index, value, date)
                else:
                    self.cell(row, index, value, _plain)
                continue
            if attribute is None:  # the format's first use: its index comes with the row
                data.put(row, index, cell_format, f'<c r="{letter}{number}"', tail)
            else:
                cells[index] = f'<c r="{letter}{number}"{attribute}{tail}'

    def _format(self, column: int, cell_format):
        """`cell_format`, or, as XlsxWriter, the column's format for a cell without one."""
        return cell_format if cell_format is not None else self._column_formats.get(column)

    def _string(self, row: int, column: int, text: str, style) -> None:
        if self.data is None:
            self.worksheet.write_string(row, column, text, style)
        else:
            self.data.string(row, column, text, self._format(column, style))

    def _date(self, row: int, column: int, value, style) -> None:
        if self.data is None:
            self.worksheet.write_datetime(row, column, value, style)
        else:
            serial = sheetdata.excel_date(value)
            self.data.number(row, column, serial, self._format(column, style))

    def cell(self, row: int, column: int, value, style=None) -> None:
        """Write one value at (row, column), both counted from 0, by the export rules: text
        as text (quoted when it starts like a formula), numbers as numbers, dates as dates."""
        ws, data = self.worksheet, self.data
        if value is None or value == "":
            if style is not None:
                if data is None:
                    ws.write_blank(row, column, None, style)
                else:
                    data.blank(row, column, self._format(column, style))
        elif isinstance(value, str):
            if value[0] in FORMULA_STARTS:
                style = self.writer.quoted(style)
            self._string(row, column, value, style)
        elif isinstance(value, bool):
            if data is None:
                ws.write_boolean(row, column, value, style)
            else:
                data.boolean(row, column, value, self._format(column, style))
        elif isinstance(value, int | float):
            if data is None:
                ws.write_number(row, column, value, style)
            else:
                data.number(row, column, value, self._format(column, style))
        elif isinstance(value, dt.datetime):
            self._date(
                row, column, _naive(value), self.writer.variant(style, num_format=DATETIME_FORMAT)
            )
        elif isinstance(value, dt.date):
            self._date(row, column, value, self.writer.variant(style, num_format=DATE_FORMAT))
        else:  # a lazy translation, a Decimal …: as the text a person reads
            self.cell(row, column, str(value), style)

    def merge(self, first_row, first_column, last_row, last_column, value, style=None) -> None:
        """Merge a range and write `value` into it by the rules of `cell` (a workbook with
        `streamed=False` only)."""
        if self.writer.streamed:
            raise ValueError("merged cells need SheetWriter(streamed=False)")
        self.worksheet.merge_range(first_row, first_column, last_row, last_column, "", style)
        self.cell(first_row, first_column, value, style)

    def title(self, text: str, *, span: int | None = None, style=None) -> None:
        """`text` as the next row, centred across the first `span` columns (all by default)
        in the house title style. "Centre across selection" rather than a merge, so a streamed
        sheet can have it too, and sorting or filtering the table below never meets a merge."""
        span = span or max(len(self.columns), 1)
        style = style or self.writer.style("title", align="center_across", valign="vcenter")
        row = self.next_row
        self.cell(row, 0, text, style)
        for column in range(1, span):
            self.cell(row, column, None, style)
        self.next_row = row + 1

    def autofilter(self) -> None:
        """Excel's filter buttons on the header row, over the rows written below it so far
        (call it after the table's last row, before any line under the table)."""
        if self.header_row is None or not self.columns:
            raise ValueError("an autofilter needs the sheet's header row")
        last = max(self.header_row, self.next_row - 1)
        self.worksheet.autofilter(self.header_row, 0, last, len(self.columns) - 1)

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

    def print_on_a4(
        self, *, landscape: bool = True, columns: int | None = None, footer: str = ""
    ) -> None:
        """Printed on A4, one page wide, with the header row repeated on every page; only the
        first `columns` columns when given (the printed form's, not the columns after it),
        down to the last row written (call it last); `footer` in the page footer's centre
        (XlsxWriter's codes: &P the page, &N the pages)."""
        ws = self.worksheet
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        if self.header_row is not None:
            ws.repeat_rows(self.header_row)
        if columns:
            ws.print_area(0, 0, max(self.next_row - 1, 0), columns - 1)
        if footer:
            ws.set_footer(f"&C{footer}")


def _naive(value: dt.datetime) -> dt.datetime:
    """An aware datetime as the local time of day it shows, without its zone."""
    if timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value
