"""The spreadsheet kit: every Excel import and export goes through it.

- `Column`: a module declares its sheet's columns once (header, aliases, width, how drawn);
  the export writes them and the import finds them by header.
- `read_sheet`: an upload (.xlsx or the old .xls, read by python-calamine) as `SheetRow`s,
  or the import's `SheetFileError` in Chinese; `limits` checks the upload before it is read
  (size, shared strings, rows, columns, cells: the LIANFANG_IMPORT_* settings).
- `SheetErrors` and `RowCells`: the import turns each row's cells into values (reporting
  what it cannot convert as `RowError`s in its `ImportResult`; codes it matches on, such as
  工号, read by `RowCells.identifier`, normalised, and refused where Excel turned them into
  numbers that lost their leading zeros) and hands them to its
  aggregate's bulk writer, whose rules are the one check; `SheetErrors.write_or_report`
  writes nothing unless every row passes, and puts the writer's refusals in the sheet's
  rows and columns.
- `SheetWriter`: an .xlsx written by XlsxWriter, streamed by default (memory stays flat),
  with the house styles; text is always written as text, never as a formula.
- `pages.import_page` and `pages.SpreadsheetField`: the shared import page and its upload
  field; templates core/includes/import_form.html and import_errors.html.

How a module uses it: docs/architecture.md, "Spreadsheets". Why these engines:
bench/spreadsheets.py and bench/README.md.
"""

from .columns import Column, header_lookup, normalise_header
from .reading import (
    ImportResult,
    RowError,
    SheetFileError,
    SheetRow,
    SheetTexts,
    cell_text,
    parse_date,
    read_sheet,
)
from .rows import NO, YES, RowCells, SheetErrors, normalise_identifier, zero_padded
from .writing import (
    DATE_FORMAT,
    FONT_FANGSONG,
    FONT_SONG,
    FORMULA_STARTS,
    XLSX_CONTENT_TYPE,
    Sheet,
    SheetWriter,
)

__all__ = [
    "DATE_FORMAT",
    "FONT_FANGSONG",
    "FONT_SONG",
    "NO",
    "YES",
    "FORMULA_STARTS",
    "XLSX_CONTENT_TYPE",
    "Column",
    "ImportResult",
    "RowCells",
    "RowError",
    "Sheet",
    "SheetErrors",
    "SheetFileError",
    "SheetRow",
    "SheetTexts",
    "SheetWriter",
    "cell_text",
    "header_lookup",
    "normalise_header",
    "normalise_identifier",
    "parse_date",
    "read_sheet",
    "zero_padded",
]
