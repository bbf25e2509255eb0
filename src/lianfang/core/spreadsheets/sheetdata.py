"""The cells of a streamed sheet, written as XML here rather than by XlsxWriter's per-cell calls.

XlsxWriter's constant_memory mode spends about 7 µs on every cell (a call, a tuple, a row
flush, attribute lists and three regular expressions); a commission's register has six million
cells, so the writer alone took longer than the export's budget (docs/benchmarks.md, "Where the
export's time goes"). `SheetData` writes the same `<row>` and `<c>` elements that XlsxWriter
writes in that mode, character for character (inline strings, the same escapes, numbers as
`%.16G`, dates as Excel serial numbers), into a temporary file; `splice` then puts them into the
package XlsxWriter wrote around an empty sheet: the workbook, styles, column widths, frozen
panes, drop-downs and print setup stay XlsxWriter's.

One deliberate difference: XlsxWriter writes a text that starts with "<r>" and ends with "</r>"
unescaped, as rich text XML, so such a text typed by a user could inject any cell, a formula
included, into the file. Here every text is escaped.

Two XlsxWriter internals are used, both checked by tests/core/test_spreadsheets.py, which
compares whole sheets with XlsxWriter's own output: `Format._get_xf_index()` (a format's index
in styles.xml, given on first use, as XlsxWriter gives it when it writes a cell) and the
worksheet's `dim_colmin` / `dim_colmax` (the columns a formatted `set_column` counts in the
sheet's dimension).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import tempfile
import zipfile

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

MAX_ROWS = 1_048_576  # Excel's limits
MAX_COLUMNS = 16_384
MAX_STRING = 32_767  # UTF-16 units, as XlsxWriter truncates
_EPOCH = dt.datetime(1899, 12, 31)
_EPOCH_DAY = dt.date(1899, 12, 31).toordinal()

# What needs XlsxWriter's escapes for Excel: control characters become _xHHHH_, and a literal
# "_xHHHH_" has its underscore escaped, so that it reads back as typed.
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
# What in a text needs an escape (most cells have nothing): one search tells
needs_escape = re.compile(r"[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_").search
PLAIN_LENGTH = MAX_STRING // 2  # shorter texts are never cut


def _control(match: re.Match) -> str:
    return f"_x{ord(match.group(1)):04X}_"


def _utf16_truncate(text: str) -> str:
    """`text` cut to Excel's 32,767 UTF-16 units, never inside a character above U+FFFF."""
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > MAX_STRING:
            return text[:index]
    return text


def inline_string(text: str) -> str:
    """The `<is>` element of a text cell (text not empty)."""
    if len(text) > PLAIN_LENGTH and len(text.encode("utf-16-le", "surrogatepass")) // 2 > (
        MAX_STRING
    ):
        text = _utf16_truncate(text)
    if _SPECIAL.search(text) is not None:
        text = _CONTROL.sub(_control, _LITERAL_ESCAPE.sub(r"_x005F\1", text))
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def number_text(number) -> str:
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        raise TypeError("NAN/INF not supported in an Excel cell")
    return f"{number:.16G}"


def excel_date(value: dt.date) -> float:
    """A date or a naive datetime as Excel's serial number (the 1900 date system, with its
    leap-year error), as XlsxWriter computes it."""
    if isinstance(value, dt.datetime):
        delta = value - _EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        if value.isocalendar() == (1900, 1, 1):
            serial -= 1
    else:
        serial = float(value.toordinal() - _EPOCH_DAY)
    return serial + 1 if serial > 59 else serial


class SheetData:
    """The `<sheetData>` of one streamed sheet. Cells are kept for the current row only and
    written out, in column order, when a later row begins; a row above it can no longer be
    written (ValueError, where XlsxWriter ignored the cell).

    A format's style attribute (`s="N"`, its index in styles.xml) is given when the row that
    first uses it is written out, as XlsxWriter gives it: until then such a cell waits as
    (format, XML before the attribute, XML after it)."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._write = self.file.write
        self.row = -1
        self.cells: dict[int, str | tuple] = {}
        self.waiting = False  # a cell of the current row waits for its format's index
        self.first_row: int | None = None
        self.last_row = -1
        self.first_column = MAX_COLUMNS
        self.last_column = -1
        # id(format) -> ' s="N"', for the formats given an index (None: no attribute)
        self.styles: dict[int, str] = {id(None): ""}
        self._formats: list = []  # keeps the formats alive while their ids are keys
        self._letters = [xl_col_to_name(c) for c in range(64)]

    # Cells ------------------------------------------------------------------------------------

    def style(self, cell_format) -> str:
        """The style attribute of `cell_format` (from the workbook's add_format, or None),
        given an index now if it has none yet."""
        attribute = self.styles.get(id(cell_format))
        if attribute is None:
            attribute = f' s="{cell_format._get_xf_index()}"'
            self.styles[id(cell_format)] = attribute
            self._formats.append(cell_format)
        return attribute

    def letter(self, column: int) -> str:
        if not 0 <= column < MAX_COLUMNS:
            raise ValueError(f"column {column} is outside a sheet")
        letters = self._letters
        while column >= len(letters):
            letters.append(xl_col_to_name(len(letters)))
        return letters[column]

    def begin(self, row: int) -> dict:
        """The cells of `row` (a dict column → XML to fill in), the row before written out."""
        if row != self.row:
            if row < self.row:
                raise ValueError(f"row {row + 1} is above rows already written out")
            if not 0 <= row < MAX_ROWS:
                raise ValueError(f"row {row + 1} is outside a sheet")
            self.flush()
            self.row = row
        return self.cells

    def put(self, row: int, column: int, cell_format, head: str, tail: str) -> None:
        """The cell `head` + its style attribute + `tail` at (row, column)."""
        cells = self.begin(row)
        attribute = self.styles.get(id(cell_format))
        if attribute is None:
            cells[column] = (cell_format, head, tail)
            self.waiting = True
        else:
            cells[column] = head + attribute + tail

    def string(self, row: int, column: int, text: str, cell_format) -> None:
        ref = f"{self.letter(column)}{row + 1}"
        self.put(
            row, column, cell_format, f'<c r="{ref}"', f' t="inlineStr">{inline_string(text)}</c>'
        )

    def number(self, row: int, column: int, number, cell_format) -> None:
        ref = f"{self.letter(column)}{row + 1}"
        self.put(row, column, cell_format, f'<c r="{ref}"', f"><v>{number_text(number)}</v></c>")

    def boolean(self, row: int, column: int, value: bool, cell_format) -> None:
        ref = f"{self.letter(column)}{row + 1}"
        self.put(row, column, cell_format, f'<c r="{ref}"', f' t="b"><v>{int(bool(value))}</v></c>')

    def blank(self, row: int, column: int, cell_format) -> None:
        if cell_format is not None:  # as XlsxWriter: a blank cell only when it has a format
            self.put(row, column, cell_format, f'<c r="{self.letter(column)}{row + 1}"', "/>")

    def flush(self) -> None:
        cells = self.cells
        if not cells:
            return
        columns = sorted(cells)
        if self.waiting:
            for column in columns:
                cell = cells[column]
                if type(cell) is tuple:
                    cell_format, head, tail = cell
                    cells[column] = head + self.style(cell_format) + tail
            self.waiting = False
        row = self.row
        self._write(
            (f'<row r="{row + 1}">' + "".join([cells[c] for c in columns]) + "</row>").encode()
        )
        if self.first_row is None:
            self.first_row = row
        self.last_row = row
        self.first_column = min(self.first_column, columns[0])
        self.last_column = max(self.last_column, columns[-1])
        self.cells = {}

    def close(self) -> None:
        self.file.close()

    # The package ------------------------------------------------------------------------------

    def dimension(self, worksheet) -> str:
        """The sheet's `<dimension ref>`: its cells' range, with the columns XlsxWriter counted
        itself (a formatted set_column)."""
        first_column, last_column = self.first_column, self.last_column
        if worksheet.dim_colmin is not None:
            first_column = min(first_column, worksheet.dim_colmin)
            last_column = max(last_column, worksheet.dim_colmax)
        first_row, last_row = self.first_row, self.last_row
        if first_row is None:
            first_row = last_row = 0
        first = xl_rowcol_to_cell(first_row, first_column)
        if first_row == last_row and first_column == last_column:
            return first
        return f"{first}:{xl_rowcol_to_cell(last_row, last_column)}"


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
EMPTY_SHEET_DATA = b"<sheetData/>"


def splice(package: bytes, out, sheets: dict[str, tuple[SheetData, object]]) -> None:
    """Write `package` (an .xlsx XlsxWriter wrote with empty streamed sheets) to `out`, each
    sheet of `sheets` (its member name → (its SheetData, its worksheet)) filled with its cells.
    Every other member is copied as it is, in the same order and with the same zip entry."""
    import io

    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            data, worksheet = sheets.get(info.filename, (None, None))
            if data is None or data.first_row is None:
                target.writestr(info, content)
                continue
            head, empty, tail = content.partition(EMPTY_SHEET_DATA)
            if not empty:
                raise RuntimeError(f"{info.filename}: XlsxWriter wrote cells of a streamed sheet")
            ref = data.dimension(worksheet).encode()
            head, found = _DIMENSION.subn(b'<dimension ref="' + ref + b'"/>', head, count=1)
            if not found:
                raise RuntimeError(f"{info.filename}: no dimension element")
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            entry.create_system = info.create_system
            with target.open(entry, "w") as member:
                member.write(head)
                member.write(b"<sheetData>")
                data.file.seek(0)
                shutil.copyfileobj(data.file, member, 1 << 20)
                member.write(b"</sheetData>")
                member.write(tail)
