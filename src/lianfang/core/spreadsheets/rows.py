"""An import's rows: each row's cells turned into values, and every error put in the sheet's
terms (row, column, reason).

An import does two things to a row and no more: it converts the cells into the values its
aggregate's bulk writer takes (a name into the department it names, "是" into True, a date
cell into a date), reporting each cell it cannot convert; and it matches the row to what it
changes. Whether the values are allowed (required fields, lengths, ranges, duplicates in the
file, rules between fields) is the writer's rule, the one check every path of the aggregate
shares; the writer names what it refuses as `core.errors.RowIssue`s, which `SheetErrors` puts
in the column the field was read from.

    sheet = SheetErrors(COLUMNS, result.errors, fields={"time_limit_days": "time_limit"})
    for row in rows:
        cells = sheet.cells(row)
        if not cells.belongs_to(names, FOREIGN_ROW):  # a gettext_lazy message
            continue
        values = {"name": cells.text("name"), "active": cells.flag("active", default=True)}
        …
    sheet.write_or_report(check=lambda: writer_check(rows), write=lambda: writer(rows))
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import RowIssue, RowsInvalid
from .columns import Column
from .reading import RowError, SheetRow, cell_text, parse_date

YES = frozenset({"是", "Y", "YES", "TRUE", "1", "√"})
NO = frozenset({"否", "N", "NO", "FALSE", "0"})

# What a cell says when Excel changed what was typed into it: declared once, translated only
# for a cell that needs it.
BEYOND_EXCEL = gettext_lazy(
    "该单元格是超出 Excel 范围的数字（如 1e400），无法读取；请按原样输入文字或正确的数字。"
)
LOST_ZEROS = gettext_lazy(
    "该单元格是数字 %(value)s，Excel 已去掉开头的 0（已有编号如“%(example)s”）；"
    "请把该列设为文本格式后重新输入。"
)
NOT_WHOLE = gettext_lazy(
    "该单元格是数字 %(value)s，不是编号（Excel 可能改变了它的写法，如去掉末尾的 0）；"
    "请把该列设为文本格式后重新输入。"
)
TOO_LONG = gettext_lazy(
    "该单元格是超过 15 位的数字，Excel 只保留 15 位，其余各位已变成 0；"
    "请把该列设为文本格式后重新输入。"
)
DATE_NOT_CODE = gettext_lazy(
    "该单元格是日期（Excel 把输入的内容当作了日期）；请把该列设为文本格式后重新输入。"
)
FLAG_NOT_CODE = gettext_lazy(
    "该单元格是逻辑值 TRUE/FALSE，不是编号；请把该列设为文本格式后重新输入。"
)
# spaces are removed by str.split; these are invisible and no space to it
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
EXCEL_DIGITS = 15


def normalise_identifier(text: str) -> str:
    """A code as compared and stored: NFKC (full-width digits and letters as half-width,
    ０３０１ → 0301), without any space (ASCII, ideographic, no-break …) or invisible
    character (zero-width space, joiners, word joiner, byte-order mark)."""
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    return "".join(text.split())


def zero_padded(codes: Iterable) -> str:
    """The longest of `codes` (texts, normalised here) that is digits with a leading zero,
    "" when there is none: what a number cell of the same kind may have lost."""
    longest = ""
    for code in codes:
        if isinstance(code, str) and code:
            code = normalise_identifier(code)
            if code[:1] == "0" and code.isdigit() and len(code) > len(longest):
                longest = code
    return longest


def _not_a_code(value, padded: str):
    """Why the non-text cell `value` cannot be read as a code (a message), or None."""
    if isinstance(value, bool):
        return FLAG_NOT_CODE
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return DATE_NOT_CODE
    if isinstance(value, float):
        if not math.isfinite(value):
            return BEYOND_EXCEL
        if not value.is_integer():
            return NOT_WHOLE
        value = int(value)
    if isinstance(value, int):
        if abs(value) >= 10**EXCEL_DIGITS:
            return TOO_LONG
        if len(str(abs(value))) < len(padded):
            return LOST_ZEROS
    return None


class SheetErrors:
    """An import's errors as the sheet's row, the column's header and the reason.

    `errors` is the list they go into (an `ImportResult`'s). `fields` maps a writer's field to
    the key of the column its value was read from, where the two differ; an issue of a field
    that is no column and not in `fields` goes to the column `default`.
    """

    def __init__(
        self,
        columns: Iterable[Column],
        errors: list[RowError],
        *,
        fields: Mapping | None = None,
        default: str | None = None,
    ):
        columns = list(columns)
        self.errors = errors
        self.headers = {c.key: c.header for c in columns}
        self.order = {c.header: i for i, c in enumerate(columns)}
        self.fields = dict(fields or {})
        self.default = default

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, row: int, key: str, reason: str) -> None:
        """Refuse the value of column `key` in sheet row `row`, for `reason`."""
        self.errors.append(RowError(row, self.headers.get(key, key), reason))

    def cells(self, row: SheetRow) -> RowCells:
        """`row`'s cells, to be read into values; what cannot be read is reported here."""
        return RowCells(row, self)

    def add_issues(
        self, issues: Iterable[RowIssue], *, message: Callable[[RowIssue], str] | None = None
    ) -> None:
        """Report a writer's issues (keyed by sheet row numbers) in the columns their fields
        were read from, each with its message (or `message(issue)`), leaving out those of a
        cell already refused: its value could not be read, so the rule saw none."""
        reported = {(e.row, e.column) for e in self.errors}
        for issue in issues:
            key = self.fields.get(issue.field, issue.field)
            if key not in self.headers:
                key = self.default
            header = self.headers[key]
            if (issue.row, header) not in reported:
                text = message(issue) if message is not None else issue.message
                self.errors.append(RowError(issue.row, header, text))

    def write_or_report(
        self,
        *,
        check: Callable[[], list[RowIssue]],
        write: Callable[[], object],
        message: Callable[[RowIssue], str] | None = None,
    ) -> None:
        """The import's last step. When cells could not be read, nothing is written and
        `check()` (the writer's check of every row, those with unread cells among them)
        reports the rules' problems too, so that one round of corrections is enough.
        Otherwise `write()` writes the rows in one transaction; a refusal of the writer's
        (`RowsInvalid`) is reported the same way, and nothing is written. The errors end in
        the sheet's order: by row, then column."""
        if self.errors:
            issues = check()
        else:
            try:
                with transaction.atomic():
                    write()
                issues = []
            except RowsInvalid as invalid:
                issues = invalid.issues
        self.add_issues(issues, message=message)
        self.errors.sort(key=lambda e: (e.row, self.order.get(e.column, len(self.order))))


class RowCells:
    """One row's cells read as values. A cell that cannot be converted is reported (row,
    column, reason) and its key added to `failed`, so the row's value for it is left out."""

    def __init__(self, row: SheetRow, sheet: SheetErrors):
        self.number = row.number
        self.values = row.values
        self.sheet = sheet
        self.failed: set[str] = set()

    def text(self, key: str) -> str:
        """The cell as the text a person typed ("" when empty): `cell_text`, with the two
        commonest cells (empty, text) read here, as every cell of every row is read. A
        number beyond what Excel holds (1e400 read as infinity) is reported and gives ""."""
        value = self.values.get(key)
        if value is None:
            return ""
        if type(value) is str:
            return value.strip()
        if type(value) is float and not math.isfinite(value):
            if key not in self.failed:
                self.error(key, str(BEYOND_EXCEL))
            return ""
        return cell_text(value)

    def identifier(self, key: str, *, padded: str = "") -> str:
        """The cell as a code the import matches on (工号, 编码 …): its text normalised
        (`normalise_identifier`: full-width as half-width, no spaces or invisible characters),
        "" when empty. A cell that Excel has turned into something else is reported and gives
        "", never a guess at what was typed:

        - a number where codes of the kind are written with leading zeros longer than its
          digits (`padded`: the longest such code the organisation or the file already has,
          see `zero_padded`): Excel dropped the zeros, and 301 may have been 0301 or 00301;
        - a number with a fraction, or of more than 15 digits (Excel keeps 15; the rest
          became zeros), or beyond what Excel holds (1e400);
        - a date or a 是/否 value (Excel read what was typed as one).

        A number that cannot have lost anything (no zero-padded code of its kind is longer)
        is taken as its digits: many organisations number their staff 1001, 1002 …"""
        value = self.values.get(key)
        if value is None:
            return ""
        if type(value) is str:
            return normalise_identifier(value)
        problem = _not_a_code(value, padded)
        if problem is None:
            return normalise_identifier(cell_text(value))
        if key not in self.failed:
            self.error(key, str(problem) % {"value": cell_text(value), "example": padded})
        return ""

    def error(self, key: str, reason: str) -> None:
        """The cell of column `key` cannot be converted, for `reason`."""
        self.failed.add(key)
        self.sheet.add(self.number, key, reason)

    def belongs_to(self, names: tuple[str, ...], message: str, key="organisation") -> bool:
        """Whether the row may be imported here: the cell `key` (written by an export, so
        that files of several owners are not mixed up) is empty or one of `names`, the
        importing owner's (its name first). Else the row is refused with `message`
        (%(other)s: the name in the cell, %(org)s: the owner's); its other errors would only
        be noise."""
        other = self.text(key)
        if other and other not in names:
            self.error(key, message % {"other": other, "org": names[0]})
            return False
        return True

    def lookup(self, key: str, mapping: Mapping, message: str, *, default=None, **params):
        """The value `mapping` gives the cell's text, `default` when empty; an unknown text
        is reported with `message` (%(value)s or %(name)s: the text; and `params`) and gives
        None."""
        text = self.text(key)
        if not text:
            return default
        value = mapping.get(text)
        if value is None:
            self.error(key, message % {"value": text, "name": text, **params})
        return value

    def one(self, key: str, candidates, *, missing: str, several: str, **params):
        """The one of `candidates` (what the cell's text names) there is; None when there is
        none or more than one, reported with `missing` or `several` (%(value)s or %(name)s:
        the text; and `params`)."""
        if candidates and len(candidates) == 1:
            return candidates[0]
        text = self.text(key)
        message = several if candidates else missing
        self.error(key, message % {"value": text, "name": text, **params})
        return None

    def flag(self, key: str, *, default: bool, yes=YES, no=NO) -> bool | None:
        """是/否 (or Y/N, 1/0, √ …, in any case), `default` when empty; None when neither."""
        text = self.text(key)
        if not text:
            return default
        if text.upper() in yes:
            return True
        if text.upper() in no:
            return False
        self.error(key, _("“%(value)s”无效，只能填写“是”或“否”。") % {"value": text})
        return None

    def date(self, key: str, *, blank=frozenset({""})) -> dt.date | None:
        """The cell as a date (see `parse_date`), None when empty or one of `blank`; a cell
        that is no date is reported and gives None."""
        try:
            return parse_date(self.values.get(key), blank=blank)
        except (ValueError, OverflowError, TypeError):
            self.error(
                key,
                _("“%(value)s”不是有效日期，请按 2020-01-31 的格式填写。")
                % {"value": self.text(key)},
            )
            return None
