"""What an upload may hold, checked before the reader parses it (core.spreadsheets.limits).

Several of these files make python-calamine abort the whole process (a failed allocation is
no exception) or take gigabytes when it reads them: each must be refused by the scan first,
so a test here that lets one through does not fail quietly, it takes pytest down.
"""

import io
import os
import re
import subprocess
import sys
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from lianfang.core import spreadsheets
from lianfang.core.spreadsheets import limits
from lianfang.core.spreadsheets.limits import Limits
from tests.core import workbooks
from tests.core.workbooks import SHARED, SHEET

COLUMNS = (spreadsheets.Column("no", "工号", 12), spreadsheets.Column("name", "姓名", 12))
TEXTS = spreadsheets.SheetTexts(
    unreadable="无法读取", empty="文件是空的", missing="缺少：%(columns)s", nothing="没有数据"
)
ROWS = [["工号", "姓名"], ["0301", "孙会计"], ["0302", "周出纳"]]


class DemoFileError(spreadsheets.SheetFileError):
    pass


def read(data: bytes):
    return spreadsheets.read_sheet(
        io.BytesIO(data),
        columns=COLUMNS,
        required=("no", "name"),
        max_rows=100000,
        texts=TEXTS,
        error=DemoFileError,
    )


def sheet_with(extra: bytes) -> bytes:
    """The good workbook with `extra` XML appended to its sheet's rows."""
    good = workbooks.xlsx(ROWS)
    return workbooks.rewrite(
        good, SHEET, lambda xml: xml.replace(b"</sheetData>", extra + b"</sheetData>")
    )


def test_a_good_workbook_passes_the_checks_and_reads():
    assert [r.values for r in read(workbooks.xlsx(ROWS))] == [
        {"no": "0301", "name": "孙会计"},
        {"no": "0302", "name": "周出纳"},
    ]


@pytest.mark.parametrize(
    "extra, message",
    [
        # calamine asks for 550 GB for this one cell and aborts
        (b'<row r="4"><c r="XFD1048576"><v>1</v></c></row>', "超过 100 列"),
        (b'<row r="4"><c r="ZZZZZ4"><v>1</v></c></row>', "超过 100 列"),
        (b'<row r="4"><c r="B99999999999"><v>1</v></c></row>', "超过 30,000 行"),
        (b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', "超过 30,000 行"),
        # no references: the row's own, and the cells follow one another
        (b'<row r="99999999"><c><v>1</v></c></row>', "超过 30,000 行"),
        (b"<row>" + b"<c><v>1</v></c>" * 101 + b"</row>", "超过 100 列"),
        # a prefix, as some libraries write
        (b'<x:row r="4"><x:c r="XFD4"><x:v>1</x:v></x:c></x:row>', "超过 100 列"),
        # a quoted > or < before the reference, where a tokenizer keeps reading
        (b'<row r="4"><c foo=">" r="XFD4"><v>1</v></c></row>', "超过 100 列"),
        (b'<row r="4"><c foo="<" r="XFD4"><v>1</v></c></row>', "超过 100 列"),
    ],
)
def test_a_cell_beyond_the_rows_or_columns_is_refused_before_the_reader_sees_it(extra, message):
    with pytest.raises(DemoFileError, match=message):
        read(sheet_with(extra))


@pytest.mark.parametrize(
    "extra",
    [
        b'<row r="4"><c r="&#88;FD4"><v>1</v></c></row>',  # a reference the scan cannot read
        b'<row r="4"><c r="A4" r="XFD4"><v>1</v></c></row>',  # two references
        b'<row r="4"><c r="xfd4"><v>1</v></c></row>',
        b'<row r="4"><c r="A4" foo="x><v>1</v></c></row>',  # a quote never closed
    ],
)
def test_a_reference_the_scan_cannot_read_is_refused_as_damaged(extra):
    with pytest.raises(DemoFileError, match="无法读取"):
        read(sheet_with(extra))


def test_a_million_blank_rows_are_refused(settings):
    """The issue's finding: a million blank rows cost 30 s of CPU per upload. Scaled down by
    the setting, the same shapes: empty rows, rows of formatted empty cells, rows of empty
    text."""
    settings.LIANFANG_IMPORT_MAX_ROWS = 1000
    shapes = [
        b'<row r="%d"/>',
        b'<row r="%d"><c r="A%d" s="0"/><c r="B%d" s="0"/></row>',
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t></t></is></c></row>',
        b"<row><c><v>1</v></c></row>",  # no references: counted by position
    ]
    for shape in shapes:
        extra = b"".join(shape % ((i,) * shape.count(b"%d")) for i in range(4, 1100))
        with pytest.raises(DemoFileError, match="超过 1,000 行"):
            read(sheet_with(extra))
    assert len(read(sheet_with(b'<row r="999"/>'))) == 2


def test_cells_beyond_the_limit_are_refused(settings):
    settings.LIANFANG_IMPORT_MAX_CELLS = 50
    extra = b"".join(b'<row r="%d"><c r="A%d" s="0"/></row>' % (i, i) for i in range(4, 60))
    with pytest.raises(DemoFileError, match="超过 50 个单元格"):
        read(sheet_with(extra))
    # the same cell written over and over is as many cells to the reader
    with pytest.raises(DemoFileError, match="超过 50 个单元格"):
        read(sheet_with(b'<row r="4">' + b'<c r="A4" s="0"/>' * 60 + b"</row>"))


def test_shared_strings_announced_or_held_beyond_the_limit_are_refused(settings):
    good = workbooks.xlsx(ROWS)

    def announce(count):
        return lambda xml: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="%d"' % count, xml)

    # calamine reserves what uniqueCount announces: 4e9 strings abort the process
    with pytest.raises(DemoFileError, match="文字条目（共享字符串）超过 1,000,000 条"):
        read(workbooks.rewrite(good, SHARED, announce(4_000_000_000)))
    settings.LIANFANG_IMPORT_SHARED_STRINGS_MAX = 100
    many = b"<si><t>x</t></si>" * 101
    with pytest.raises(DemoFileError, match="超过 100 条"):
        read(workbooks.rewrite(good, SHARED, lambda xml: xml.replace(b"</sst>", many + b"</sst>")))
    settings.LIANFANG_IMPORT_SHARED_STRINGS_MAX_MB = 1
    long = b"<si><t>" + b"x" * (1024 * 1024) + b"</t></si>"
    with pytest.raises(DemoFileError, match="共享字符串）解压后超过 1 MB"):
        read(workbooks.rewrite(good, SHARED, lambda xml: xml.replace(b"</sst>", long + b"</sst>")))


def test_a_shared_strings_bomb_is_refused_by_its_unpacked_size(settings):
    """A file of about 100 KB whose shared strings inflate to 100 MB."""
    good = workbooks.xlsx(ROWS)
    bomb = b"<si><t>" + b"A" * (100 * 1024 * 1024) + b"</t></si>"
    parts = workbooks.members(good)
    parts[SHARED] = parts[SHARED].replace(b"</sst>", bomb + b"</sst>")
    data = workbooks.zipped(parts, level=9)
    assert len(data) < 200_000
    with pytest.raises(DemoFileError, match="解压后超过 50 MB"):
        read(data)


def test_a_member_that_inflates_beyond_its_declared_size_is_refused():
    """The zip's directory says 100 bytes; the reader would inflate what the data holds."""
    data = workbooks.declare_size(sheet_with(b""), SHEET, 100)
    with pytest.raises(DemoFileError, match="无法读取"):
        read(data)


def test_a_zip_holding_another_kind_of_workbook_is_refused():
    parts = workbooks.members(workbooks.xlsx(ROWS))
    parts["content.xml"] = b"<office:document-content/>"  # an .ods, which calamine would try
    with pytest.raises(DemoFileError, match="不是 .xlsx 或 .xls 格式"):
        read(workbooks.zipped(parts))


@pytest.mark.parametrize(
    "data",
    [b"", b"PK\x05\x06" + b"\x00" * 18, b"plain text, no workbook"],
    ids=["empty", "empty-zip", "text"],
)
def test_what_is_neither_a_zip_nor_a_compound_file_is_not_read(data):
    with pytest.raises(DemoFileError, match="无法读取"):
        read(data)


def test_an_old_xls_reaching_beyond_the_limits_is_refused():
    header = [(0, 0, "工号"), (0, 1, "姓名"), (1, 0, "0301"), (1, 1, "孙会计")]
    assert [r.values["no"] for r in read(workbooks.xls(header))] == ["0301"]
    # 5 KB that calamine reads into a 65,536 × 256 grid: 1 GB and 3 s
    with pytest.raises(DemoFileError, match="超过 30,000 行"):
        read(workbooks.xls([*header, (65535, 255, 1)]))
    with pytest.raises(DemoFileError, match="超过 100 列"):
        read(workbooks.xls([*header, (2, 200, 1)]))
    # a DIMENSIONS record announcing 4e9 rows: calamine reserves them and aborts
    dimensions = b"\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\xff\xff"
    with pytest.raises(DemoFileError, match="超过 30,000 行"):
        read(workbooks.xls_record(workbooks.xls(header), 0x0200, 14, dimensions))


def test_an_xls_with_a_password_to_open_says_so():
    data = workbooks.xls_with_stream(workbooks.xls([(0, 0, "工号")]), "EncryptedPackage")
    with pytest.raises(DemoFileError, match="设置了打开密码"):
        read(data)


def test_the_limits_are_settings_each_overridable_by_the_environment():
    variables = {
        "LIANFANG_IMPORT_UNPACKED_MAX_MB": "7",
        "LIANFANG_IMPORT_SHARED_STRINGS_MAX": "8",
        "LIANFANG_IMPORT_SHARED_STRINGS_MAX_MB": "9",
        "LIANFANG_IMPORT_MAX_ROWS": "10",
        "LIANFANG_IMPORT_MAX_COLUMNS": "11",
        "LIANFANG_IMPORT_MAX_CELLS": "12",
    }
    script = (
        "import django; django.setup(); "
        "from lianfang.core.spreadsheets.limits import Limits; print(Limits.from_settings())"
    )
    env = {**os.environ, **variables, "DJANGO_SETTINGS_MODULE": "lianfang.settings"}
    out = subprocess.run(  # noqa: S603 - this interpreter, a script of the test's
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == (
        "Limits(unpacked_mb=7, shared_strings=8, shared_strings_mb=9, rows=10, columns=11, "
        "cells=12)"
    )


# The scan against the reader: whatever it lets through, calamine reads within the limits.

SMALL = Limits(
    unpacked_mb=5, shared_strings=50, shared_strings_mb=1, rows=40, columns=12, cells=200
)


@st.composite
def sheets(draw):
    """A sheet's XML, written in the ways files are: plainly as Excel does (a reference on
    every cell), or with references left out, a prefix, attributes Excel does not write, rows
    out of order; cells reaching beyond the small limits now and then."""
    prefix = draw(st.sampled_from(["", "x:"]))
    style = draw(st.sampled_from(["plain", "mixed", "bare"]))  # references: all, some, none
    plain = style == "plain"
    extras = ["", ' s="1"', ' t="n" cm="1"']
    if not plain:
        extras += [' foo="a"', " s='1'"]
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        number = draw(st.integers(1, 50))
        cells = []
        for _ in range(draw(st.integers(0, 15))):
            column = draw(st.integers(1, 16))
            with_ref = plain or (style == "mixed" and draw(st.booleans()))
            ref = f' r="{limits.column_letters(column)}{number}"' if with_ref else ""
            extra = draw(st.sampled_from(extras))
            value = draw(st.sampled_from(["<{p}v>1</{p}v>", "", "<{p}is><{p}t>x</{p}t></{p}is>"]))
            body = value.format(p=prefix)
            tag = f"<{prefix}c{ref}{extra}"
            cells.append(f"{tag}>{body}</{prefix}c>" if body else f"{tag}/>")
        attrs = f' r="{number}"' if plain or (style == "mixed" and draw(st.booleans())) else ""
        rows.append(f"<{prefix}row{attrs}>{''.join(cells)}</{prefix}row>")
    ns = f' xmlns:{prefix[:-1]}="{MAIN}"' if prefix else f' xmlns="{MAIN}"'
    return (
        f"<{prefix}worksheet{ns}><{prefix}sheetData>{''.join(rows)}"
        f"</{prefix}sheetData></{prefix}worksheet>"
    ).encode()


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=sheets())
def test_what_the_scan_lets_through_the_reader_reads_within_the_limits(sheet):
    data = workbooks.rewrite(workbooks.xlsx(ROWS), SHEET, lambda _xml: sheet)
    try:
        limits.check(io.BytesIO(data), SMALL)
    except (limits.Refused, limits.Unreadable):
        return
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        read_sheet = workbook.get_sheet_by_index(0)
    except Exception:  # noqa: BLE001 - the reader refusing it is the other safe outcome
        return
    assert read_sheet.height <= SMALL.rows and read_sheet.width <= SMALL.columns


def test_a_plain_file_and_its_exact_scan_agree():
    """The fast scan (plain cells) and the exact one count the same sheet alike."""
    parts = workbooks.members(workbooks.xlsx([[f"{r}-{c}" for c in range(9)] for r in range(30)]))
    roomy = Limits(
        unpacked_mb=5, shared_strings=50, shared_strings_mb=1, rows=40, columns=12, cells=300
    )
    fast, exact = limits._FastScan(roomy), limits._ExactScan(roomy)
    for scan in (fast, exact):
        scan.feed(parts[SHEET])
    assert fast.cells == exact.cells == 270
    assert fast.row_tags == exact.row == 30
    with zipfile.ZipFile(io.BytesIO(workbooks.zipped(parts))) as archive:
        assert archive.read(SHEET) == parts[SHEET]
