"""What an uploaded workbook may hold, checked before the reader parses it.

python-calamine (the reader, `reading.read_sheet`) holds the whole sheet in memory and sizes
it by what the file says: it reserves as many shared strings as `<sst uniqueCount>`
announces, a grid reaching the farthest cell reference (one cell at XFD1048576 asks for
550 GB, and the failed allocation aborts the process), and, for an .xls, what its DIMENSIONS
record announces. A file of a few kilobytes can thus cost gigabytes, minutes of CPU, or the
worker itself. `check` reads the upload first as a stream, with bounded memory, and raises
`Refused` (a message in Chinese) when it holds more than the `Limits` allow, or `Unreadable`
when it is damaged in a way that could hide what it holds:

- an .xlsx (a zip): every member is inflated in 1 MB chunks, whatever size the zip declares
  for it (a member that inflates to more or less than declared is damaged), and counted
  toward the unpacked total. XML members are scanned for cells (how many, the farthest row
  and column their references reach), rows, and shared strings (how many, the size of the
  members holding them, the count `<sst>` announces). A zip that also holds an .ods or
  .xlsb workbook is refused: calamine would read those if the .xlsx part failed.
- an .xls (a compound file): the workbook stream's records are walked: cells, rows,
  DIMENSIONS, the shared-string table (SST).

Rows and columns are counted from the data (cell and row references, or positions where a
file leaves them out), never from the sheet's `<dimension>` tag, which calamine does not use
for .xlsx either.

The scan of a sheet has two modes. Files written by Excel, WPS, LibreOffice and the usual
libraries write every cell as `<c r="B7" s="3" t="s">`: for those, each megabyte is checked
by a few regular expressions run in C (the cells are counted, and a search finds any
reference beyond the limits). Any other cell tag (no reference, other attributes, quotes
where they do not belong) sends the member to the exact scan, which reads every row and cell
tag as the reader's XML tokenizer delimits them (found by expressions in C, each then handled
in Python), following positions where references are left out. It is slower (about 2 s of
CPU for 560,000 cells) and as bounded: the limits stop it as they stop the reader.
"""

from __future__ import annotations

import copy
import re
import struct
import zipfile
from dataclasses import dataclass

import olefile
from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
CHUNK = MB  # bytes inflated at a time
MAX_MEMBERS = 10000  # an .xlsx holds tens; a zip of more is no workbook
MAX_TAG = 64 * 1024  # a cell or row tag longer than this is damage, not data


@dataclass(frozen=True)
class Limits:
    """The most an upload may hold (Django settings LIANFANG_IMPORT_*, each overridable by
    the environment variable of the same name)."""

    unpacked_mb: int  # all members of an .xlsx, inflated
    shared_strings: int  # texts in the shared-string table
    shared_strings_mb: int  # size of the members holding them (an .xls: of its SST)
    rows: int  # the farthest row of a sheet, blank rows included
    columns: int  # the farthest column of a sheet
    cells: int  # cells written in a sheet, blank ones with a format included

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            unpacked_mb=settings.LIANFANG_IMPORT_UNPACKED_MAX_MB,
            shared_strings=settings.LIANFANG_IMPORT_SHARED_STRINGS_MAX,
            shared_strings_mb=settings.LIANFANG_IMPORT_SHARED_STRINGS_MAX_MB,
            rows=settings.LIANFANG_IMPORT_MAX_ROWS,
            columns=settings.LIANFANG_IMPORT_MAX_COLUMNS,
            cells=settings.LIANFANG_IMPORT_MAX_CELLS,
        )


class Refused(Exception):
    """The upload holds more than the limits allow, or is of a kind that is not read; the
    message says which, in Chinese."""


class Unreadable(Exception):
    """The upload is damaged where it matters to the limits (the reader would fail on it, or
    could read more than the scan saw)."""


def _n(value: int) -> str:
    return f"{value:,}"


def _too_many_rows(limits: Limits) -> Refused:
    return Refused(
        _("工作表超过 %(n)s 行（空行也计算在内）。请删除表格下方多余的行，或分批导入。")
        % {"n": _n(limits.rows)}
    )


def _too_many_columns(limits: Limits) -> Refused:
    return Refused(
        _("工作表超过 %(n)s 列（空列也计算在内）。请删除表格右侧多余的列后重新导入。")
        % {"n": _n(limits.columns)}
    )


def _too_many_cells(limits: Limits) -> Refused:
    return Refused(
        _(
            "工作表超过 %(n)s 个单元格（设置了格式的空单元格也计算在内）。"
            "请删除多余的行和列，或分批导入。"
        )
        % {"n": _n(limits.cells)}
    )


def _too_many_strings(limits: Limits) -> Refused:
    return Refused(
        _("文件中的文字条目（共享字符串）超过 %(n)s 条，请分批导入。")
        % {"n": _n(limits.shared_strings)}
    )


def _strings_too_large(limits: Limits) -> Refused:
    return Refused(
        _("文件中的文字内容（共享字符串）解压后超过 %(n)s MB，请分批导入。")
        % {"n": limits.shared_strings_mb}
    )


def _too_large(limits: Limits) -> Refused:
    return Refused(_("文件解压后超过 %(n)s MB，请分批导入。") % {"n": limits.unpacked_mb})


def check(file, limits: Limits) -> None:
    """Raise `Refused` when the upload `file` (a file object or a path) holds more than
    `limits`, `Unreadable` when it is no zip or compound file that can be scanned; return
    when it may be read."""
    if not hasattr(file, "read"):
        with open(file, "rb") as opened:
            check(opened, limits)
        return
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    try:
        if head.startswith(olefile.MAGIC):
            _check_xls(file, limits)
        elif zipfile.is_zipfile(file):
            file.seek(0)
            _check_xlsx(file, limits)
        else:
            # the reader reads nothing else (.xlsx, .xlsb and .ods are zips, .xls a compound
            # file): what neither parser here can open is not read unchecked
            raise Unreadable
    finally:
        file.seek(0)


# .xlsx ---------------------------------------------------------------------------------------

# Other workbooks a zip can be, which the reader would try when the .xlsx in it fails.
OTHER_WORKBOOKS = {"content.xml", "xl/workbook.bin"}
SHARED_STRINGS_NAME = "sharedstrings.xml"


def _check_xlsx(file, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(file)
    except Exception as exc:  # noqa: BLE001 - whatever the zip reader says, it is damaged
        raise Unreadable from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise Unreadable
        if any(info.filename.lower() in OTHER_WORKBOOKS for info in members):
            raise Refused(
                _(
                    "该文件不是 .xlsx 或 .xls 格式（可能是 .ods 或 .xlsb），"
                    "请在 Excel 中另存为 .xlsx 后重新导入。"
                )
            )
        totals = _Totals(limits)
        for info in members:
            try:
                _scan_member(archive, info, totals, exact=False)
            except _NotPlain:
                _scan_member(archive, info, totals, exact=True)


@dataclass
class _Totals:
    """What the members of one .xlsx add up to."""

    limits: Limits
    unpacked: int = 0
    strings: int = 0
    strings_bytes: int = 0


class _NotPlain(Exception):
    """A member has a cell tag the fast scan cannot read: scan it again exactly."""


def _scan_member(archive, info, totals: _Totals, *, exact: bool) -> None:
    """Inflate member `info` in chunks, whatever size the zip declares, and scan it."""
    limits = totals.limits
    probe = copy.copy(info)
    probe.file_size = 1 << 62  # read what the data holds, not what the directory says
    scan = _ExactScan(limits) if exact else _FastScan(limits)
    shared = info.filename.lower().endswith(SHARED_STRINGS_NAME)
    size = strings = 0
    try:
        with archive.open(probe) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if totals.unpacked + size > limits.unpacked_mb * MB:
                    raise _too_large(limits)
                scan.feed(chunk)
                strings = scan.strings
                shared = shared or scan.shared
                if totals.strings + strings > limits.shared_strings:
                    raise _too_many_strings(limits)
                if shared and totals.strings_bytes + size > limits.shared_strings_mb * MB:
                    raise _strings_too_large(limits)
    except (Refused, Unreadable, _NotPlain):
        raise
    except Exception as exc:  # noqa: BLE001 - a bad CRC, an unknown method, a truncated zip …
        raise Unreadable from exc
    if size != info.file_size:
        raise Unreadable  # the directory does not say what the member holds
    totals.unpacked += size
    totals.strings += strings
    if shared:
        totals.strings_bytes += size


# A decimal number greater than n, or column letters beyond n, as a regular expression.


def _digits_beyond(n: int) -> bytes:
    s = str(n)
    alternatives = [rb"[1-9][0-9]{%d,}" % len(s)]
    for i, digit in enumerate(s):
        if digit != "9":
            rest = len(s) - i - 1
            alternatives.append(
                s[:i].encode() + b"[%d-9]" % (int(digit) + 1) + rb"[0-9]{%d}" % rest
            )
    return b"0*(?:" + b"|".join(alternatives) + b")"


def column_letters(n: int) -> str:
    """Column number `n` (1-based) as Excel writes it: 1 → A, 28 → AB."""
    letters = ""
    while n:
        n, remainder = divmod(n - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _letters_beyond(n: int) -> bytes:
    s = column_letters(n)
    alternatives = [rb"[A-Z]{%d,}" % (len(s) + 1)]
    for i, letter in enumerate(s):
        if letter != "Z":
            rest = len(s) - i - 1
            alternatives.append(
                s[:i].encode() + b"[%s-Z]" % chr(ord(letter) + 1).encode() + rb"[A-Z]{%d}" % rest
            )
    return b"(?:" + b"|".join(alternatives) + b")"


# The root of a sheet or shared-string table, and its namespace prefix if it uses one: the
# fast scan looks for that prefix's tags (literal patterns are what the regex engine finds
# fast); a tag with any other prefix falls to the checks below, which take any prefix.
ROOT = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?(?:worksheet|chartsheet|dialogsheet|sst)[\s/>]")
CELL_OPEN = re.compile(rb"<c[\s/>]")  # a cell tag without a prefix
PREFIXED_CELL = re.compile(rb":c[\s/>]")  # with one (or text that looks so)
SI_LIKE = re.compile(rb"[<:]si[\s/>]")  # a shared string, likewise (end tags overcount)
ANY_PREFIX = rb"(?:[^\s<>/]*:)?"  # anything the tokenizer would take for a prefix
ANY_CELL = re.compile(rb"<" + ANY_PREFIX + rb"c[\s/>]")
ANY_ROW = re.compile(rb"<" + ANY_PREFIX + rb"row[\s/>]")
ANY_SST = re.compile(rb"<" + ANY_PREFIX + rb"sst[\s/>]")
# one tag read as the tokenizer reads it: up to the first > outside quotes
TAG = re.compile(rb"""<(/?)([^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
# every complete tag or declaration; a < left in a buffer without them belongs to none. No <
# outside quotes: a tag never closed fails at once, so the search stays linear.
TAGS = re.compile(rb"""<![^<>"']*>|<[^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*>""")
ROW_OR_CELL = re.compile(rb"""<(?:[^\s<>/"']*:)?(row|c)(?=[\s/>])((?:[^<>"']|"[^"]*"|'[^']*')*)>""")
# what the tokenizer skips, with where each ends
SPECIALS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}


def _without_specials(buf: bytes) -> bytes:
    """`buf` without comments, CDATA sections and processing instructions; Unreadable for
    one never closed."""
    if not any(opener in buf for opener in SPECIALS):
        return buf
    parts, position = [], 0
    found = {opener: buf.find(opener) for opener in SPECIALS}
    while True:
        for opener, at in found.items():
            if at != -1 and at < position:
                found[opener] = buf.find(opener, position)
        starts = [(at, opener) for opener, at in found.items() if at != -1]
        if not starts:
            break
        start, opener = min(starts)
        end = buf.find(SPECIALS[opener], start + len(opener))
        if end == -1:
            raise Unreadable
        parts.append(buf[position:start])
        position = end + len(SPECIALS[opener])
    parts.append(buf[position:])
    return b"".join(parts)


# an attribute's value; a prefixed one (x:r) counted too, which can only overcount
R_ATTRIBUTE = re.compile(rb"""(?:^|[\s:])r\s*=\s*("[^"]*"|'[^']*')""")
UNIQUE_COUNT = re.compile(rb"""(?:^|[\s:])uniqueCount\s*=\s*(?:"([^"]*)"|'([^']*)')""")
CELL_REF = re.compile(rb"([A-Z]+)([0-9]+)")
ROW_REF = re.compile(rb"[0-9]+")


def _attributes(pattern, attrs: bytes) -> list[bytes]:
    """The values of an attribute (`pattern`: UNIQUE_COUNT) in a tag's attribute text."""
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in pattern.finditer(attrs)]


class _Scan:
    """A member's XML fed in chunks; a tag cut by a chunk's end is kept for the next."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.carry = b""
        self.strings = 0  # shared strings seen
        self.shared = False  # the member is a shared-string table
        self.rows = 0  # rows as far as they reach
        self.cells = 0

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        last = buf.rfind(b"<")
        if last != -1 and buf.find(b">", last) == -1:
            buf, self.carry = buf[:last], buf[last:]
            if len(self.carry) > MAX_TAG:
                self._long_carry()
        else:
            self.carry = b""
        if b"<si" in buf or b":si" in buf:
            self.strings += len(SI_LIKE.findall(buf))
            self.shared = self.shared or self.strings > 0
        if b"sst" in buf:
            for match in ANY_SST.finditer(buf):
                self.shared = True
                self._sst(buf, match.start())
        self.scan(buf)

    def _long_carry(self) -> None:
        """A tag longer than MAX_TAG: damage if it is one the limits read, else dropped
        (its rest, in the next chunk, holds no tag start)."""
        if ANY_CELL.match(self.carry) or ANY_ROW.match(self.carry) or ANY_SST.match(self.carry):
            raise Unreadable
        self.carry = b""

    def _sst(self, buf: bytes, start: int) -> None:
        tag = TAG.match(buf, start)
        if tag is None:
            raise Unreadable
        for value in _attributes(UNIQUE_COUNT, tag.group(3)):
            if not ROW_REF.fullmatch(value):
                raise Unreadable
            if int(value) > self.limits.shared_strings:
                raise _too_many_strings(self.limits)

    def _count_rows(self, rows: int) -> None:
        self.rows = max(self.rows, rows)
        if self.rows > self.limits.rows:
            raise _too_many_rows(self.limits)

    def _count_cells(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.cells:
            raise _too_many_cells(self.limits)

    def scan(self, buf: bytes) -> None:
        raise NotImplementedError


class _FastScan(_Scan):
    """Cells written plainly (`<c r="B7" s="3" t="s">`: a reference first, then only the
    attributes Excel writes, in double quotes), checked by expressions run in C; any other
    cell tag raises _NotPlain."""

    def __init__(self, limits: Limits):
        super().__init__(limits)
        self.prefix: bytes | None = None  # the member's namespace prefix, once its root is seen
        self.row_tags = 0

    def _compile(self, prefix: bytes) -> None:
        limits, p = self.limits, re.escape(prefix)
        cell = b"<" + p + rb'c\s+r="'
        self.plain_cell = re.compile(
            cell + rb'[A-Z]{1,3}[0-9]{1,7}"(?:\s+(?:s|t|cm|vm|ph)="[^"<>&]*")*\s*/?>'
        )
        self.column_beyond = re.compile(cell + _letters_beyond(limits.columns) + b"[0-9]")
        self.row_beyond = re.compile(cell + rb"[A-Z]{1,3}" + _digits_beyond(limits.rows) + b'"')
        self.row_tag = re.compile(b"<" + p + rb"row[\s/>]")
        self.row_ref_beyond = re.compile(
            b"<" + p + rb"""row\s[^>]*?\br\s*=\s*["']\s*""" + _digits_beyond(limits.rows)
        )
        self.prefix = prefix

    def scan(self, buf: bytes) -> None:
        if self.prefix is None:
            root = ROOT.search(buf)
            self._compile(root.group(1) + b":" if root and root.group(1) else b"")
        rest, cells = self.plain_cell.subn(b"", buf)
        # any cell tag left is not plain (searched for by its first bytes, which run fast)
        if b"<c" in rest and CELL_OPEN.search(rest):
            raise _NotPlain
        if b":c" in rest:
            if self.prefix:
                rest = rest.replace(b"</" + self.prefix + b"c>", b"")
            if PREFIXED_CELL.search(rest):
                raise _NotPlain
        if cells:
            self._count_cells(cells)
            if self.column_beyond.search(buf):
                raise _too_many_columns(self.limits)
            if self.row_beyond.search(buf):
                raise _too_many_rows(self.limits)
        # rows: as many as there are row tags, and as far as their references reach. The
        # cells above carry their own references, which the reader follows, so these only
        # keep a sheet of blank rows out.
        self.row_tags += len(self.row_tag.findall(buf))
        self._count_rows(self.row_tags)
        if self.row_ref_beyond.search(buf):
            raise _too_many_rows(self.limits)


class _ExactScan(_Scan):
    """Every row and cell tag read in turn, as the reader's tokenizer reads them (a tag ends
    at the first > outside quotes; comments, CDATA and processing instructions are skipped),
    following positions: a row without a reference follows the row before, a cell without
    one the cell before it in its row. The work per tag is done by expressions run in C but
    for the rows and cells themselves."""

    def __init__(self, limits: Limits):
        super().__init__(limits)
        self.row = 0  # the current row (1-based)
        self.column = 0  # the last cell's column in it

    def scan(self, buf: bytes) -> None:
        buf = _without_specials(buf)
        if b"<" in TAGS.sub(b"", buf):
            raise Unreadable  # a tag never closed, or a < where none may be: damage
        limits = self.limits
        columns: dict[bytes, int] = {}  # column letters → number, for this buffer
        cells = 0
        for name, attrs in ROW_OR_CELL.findall(buf):
            reference = _reference(attrs)
            if name == b"row":
                if reference is None:
                    self.row += 1
                elif reference.isdigit():
                    self.row = int(reference)
                else:
                    raise Unreadable
                self.column = 0
                self._count_rows(self.row)
                continue
            cells += 1
            if reference is None:
                self.column += 1
                self._count_rows(max(self.row, 1))
            else:
                found = CELL_REF.fullmatch(reference)
                if found is None:
                    raise Unreadable
                letters, digits = found.groups()
                if letters not in columns:
                    columns[letters] = column_number(letters.decode()) if len(letters) < 5 else 0
                    if not 0 < columns[letters] <= limits.columns:
                        raise _too_many_columns(limits)
                self.column = columns[letters]
                if len(digits) > 9 or int(digits) > limits.rows:
                    raise _too_many_rows(limits)
            if self.column > limits.columns:
                raise _too_many_columns(limits)
        self._count_cells(cells)


def _reference(attrs: bytes) -> bytes | None:
    """The r attribute of a row or cell tag, None without one; Unreadable for two."""
    if b"r" not in attrs:
        return None
    values = R_ATTRIBUTE.findall(attrs)
    if not values:
        return None
    if len(values) > 1:
        raise Unreadable
    return values[0][1:-1]


# .xls ----------------------------------------------------------------------------------------

BOF = 0x0809
SST = 0x00FC
CONTINUE = 0x003C
DIMENSIONS = 0x0200
ROW = 0x0208
MULRK, MULBLANK = 0x00BD, 0x00BE
# records of one cell: (row, column) first
CELL_RECORDS = frozenset(
    {
        0x0001,  # BLANK (BIFF2)
        0x0002,  # INTEGER (BIFF2)
        0x0003,  # NUMBER (BIFF2)
        0x0004,  # LABEL (BIFF2)
        0x0005,  # BOOLERR (BIFF2)
        0x0006,  # FORMULA
        0x00D6,  # RSTRING
        0x00FD,  # LABELSST
        0x0201,  # BLANK
        0x0203,  # NUMBER
        0x0204,  # LABEL
        0x0205,  # BOOLERR
        0x0206,  # FORMULA (BIFF3)
        0x027E,  # RK
        0x0406,  # FORMULA (BIFF4)
    }
)


def _check_xls(file, limits: Limits) -> None:
    try:
        ole = olefile.OleFileIO(file)
    except Exception as exc:  # noqa: BLE001 - no compound file the reader could read either
        raise Unreadable from exc
    try:
        if ole.exists("EncryptedPackage"):
            raise Refused(_("文件设置了打开密码，无法读取。请在 Excel 中取消密码后重新导入。"))
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            raise Unreadable
        try:
            data = ole.openstream(name).read()
        except Exception as exc:  # noqa: BLE001
            raise Unreadable from exc
    finally:
        ole.close()
    _walk_records(data, limits)


def _walk_records(data: bytes, limits: Limits) -> None:
    """Check an .xls workbook stream's records against `limits`."""
    unpack = struct.unpack_from
    position, end = 0, len(data)
    cells = strings_bytes = 0
    in_sst = False
    while position + 4 <= end:
        kind, size = unpack("<HH", data, position)
        body = position + 4
        position = body + size
        if kind in CELL_RECORDS or kind in (MULRK, MULBLANK, ROW):
            if size < 4:
                continue
            row, column = unpack("<HH", data, body)
            if kind in (MULRK, MULBLANK) and size >= 6:
                last = unpack("<H", data, body + size - 2)[0]
                cells += max(last - column + 1, 1)
                column = max(column, last)
            elif kind == ROW:
                if size >= 6:  # the row's first and last columns + 1
                    column = max(unpack("<H", data, body + 4)[0] - 1, 0)
            else:
                cells += 1
            if row + 1 > limits.rows:
                raise _too_many_rows(limits)
            if column + 1 > limits.columns:
                raise _too_many_columns(limits)
            if cells > limits.cells:
                raise _too_many_cells(limits)
        elif kind == DIMENSIONS:
            # BIFF8: first row, last row + 1 (4 bytes each), first column, last column + 1;
            # older: 2 bytes each. The reader reserves this range.
            if size >= 14:
                _first, rows, _c, columns = unpack("<IIHH", data, body)
            elif size >= 8:
                _first, rows, _c, columns = unpack("<HHHH", data, body)
            else:
                continue
            if rows > limits.rows:
                raise _too_many_rows(limits)
            if columns > limits.columns:
                raise _too_many_columns(limits)
        elif kind == SST and size >= 8:
            if unpack("<I", data, body + 4)[0] > limits.shared_strings:
                raise _too_many_strings(limits)
            in_sst = True
            strings_bytes += size
        elif kind == CONTINUE and in_sst:
            strings_bytes += size
        elif kind == BOF:
            cells = 0
        if kind not in (SST, CONTINUE):
            in_sst = False
        if strings_bytes > limits.shared_strings_mb * MB:
            raise _strings_too_large(limits)
