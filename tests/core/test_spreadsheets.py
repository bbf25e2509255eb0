"""The spreadsheet kit (core.spreadsheets): columns and header lookup, the reader (.xlsx and
.xls, all or nothing), the writer's styles and its text-not-formula rule in every export, and
the shared import page. Files are checked with openpyxl and xlwt, other libraries than the
kit's engines."""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from lianfang.core import jobs, spreadsheets
from lianfang.core.models import Job
from lianfang.core.spreadsheets import Column, ImportResult, RowError, SheetWriter
from lianfang.core.spreadsheets.pages import SpreadsheetField
from lianfang.org.models import Department, Person
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_power
from tests.risks.test_positioning import filed, register  # noqa: F401 - the shared fixtures

FORMULAS = [
    '=HYPERLINK("http://example.invalid","点击")',
    "+86 138 0000 0000",
    "-1+2",
    "@SUM(A1:A2)",
]
COLUMNS = (
    Column("no", "工号", 12, text=True),
    Column("name", "姓名（全名）", 14, ("名字",)),
    Column("note", "说明", 40, wrap=True),
    Column("day", "日期", 12),
    Column("count", "数量", 8, extra=True),
)
TEXTS = spreadsheets.SheetTexts(
    unreadable="无法读取", empty="文件是空的", missing="缺少：%(columns)s", nothing="没有数据"
)


def read(file, **kwargs):
    options = {"columns": COLUMNS, "required": ("no", "name"), "max_rows": 100, "texts": TEXTS}
    return spreadsheets.read_sheet(file, **{**options, **kwargs})


def xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def xls(rows) -> io.BytesIO:
    """An old binary .xls workbook (Excel 97–2003), as offices still send."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("名册")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write(r, c, value, date_style)
            elif value is not None:
                ws.write(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


ROWS = [
    ["说明", "工号", "名字", "数量", "日期"],  # any order, an alias, an unknown column absent
    ["第一行", "0301", "孙会计", 3, dt.date(2026, 1, 31)],
    [None, None, None, None, None],
    ["", "0302", "周出纳", 2.5, "2026/2/1"],
]


# Reading ------------------------------------------------------------------------------------


def test_header_lookup_reads_aliases_full_width_brackets_and_spaces():
    lookup = spreadsheets.header_lookup(COLUMNS)
    assert lookup[spreadsheets.normalise_header(" 姓名(全名)")] == "name"
    assert lookup[spreadsheets.normalise_header("姓名（全名）\u3000")] == "name"
    assert lookup[spreadsheets.normalise_header("名字")] == "name"
    assert spreadsheets.normalise_header("单位／科室") == "单位/科室"


@pytest.mark.parametrize("make", [xlsx, xls], ids=["xlsx", "xls"])
def test_read_sheet_finds_columns_by_header_and_skips_blank_rows(make):
    rows = read(make(ROWS))
    assert [r.number for r in rows] == [2, 4]  # the sheet's own row numbers
    first, second = rows
    assert first.values == {
        "note": "第一行",
        "no": "0301",
        "name": "孙会计",
        "count": 3,  # a whole number, as an int
        "day": dt.date(2026, 1, 31),
    }
    assert second.values["note"] is None  # an empty cell is None
    assert second.values["count"] == 2.5
    assert spreadsheets.parse_date(second.values["day"]) == dt.date(2026, 2, 1)


def test_read_sheet_picks_the_named_sheet_else_the_first():
    wb = Workbook()
    wb.active.append(["无关"])
    wanted = wb.create_sheet("名册")
    for row in ROWS:
        wanted.append(row)
    out = io.BytesIO()
    wb.save(out)
    assert [r.values["no"] for r in read(out, sheet_title="名册")] == ["0301", "0302"]
    with pytest.raises(spreadsheets.SheetFileError, match="缺少：工号、姓名（全名）"):
        read(out, sheet_title="没有这张表")


class DemoFileError(spreadsheets.SheetFileError):
    pass


@pytest.mark.parametrize(
    "rows, message",
    [
        ([], "文件是空的"),
        ([[None], ["工号", "姓名"], ["1", "2"]], "文件是空的"),  # the header belongs in row 1
        ([["工号", "说明"], ["1", "x"]], "缺少：姓名（全名）"),
        ([["工号", "名字"], [None, None]], "没有数据"),
        ([["工号", "名字"], *[[str(i), "某"] for i in range(101)]], "一次最多导入 100 行"),
    ],
)
def test_read_sheet_refuses_a_file_it_cannot_use_with_the_imports_error(rows, message):
    with pytest.raises(DemoFileError, match=message):
        read(xlsx(rows), error=DemoFileError)


@pytest.mark.parametrize("make", [xlsx, xls], ids=["xlsx", "xls"])
def test_the_header_may_sit_under_title_rows(make):
    rows = [
        ["人员名册"],  # a title
        [None],
        ["单位：示例医院", "工号"],  # a line that names one column is no header
        *ROWS,
        [None],
        ["填表人：", None, None, None, None],  # under the table, in an ignored column
    ]
    found = read(make(rows), header_within=5, ignore=["note"])
    assert [r.number for r in found] == [5, 7]  # the sheet's own row numbers
    assert found[0].values["no"] == "0301"
    # by default the header is the first row
    with pytest.raises(DemoFileError, match="缺少：工号、姓名（全名）"):
        read(make(rows), error=DemoFileError)
    # not within the rows looked at: the row with the most headers says what is missing
    with pytest.raises(DemoFileError, match="缺少：姓名（全名）$"):
        read(make(rows), header_within=3, error=DemoFileError)
    with pytest.raises(DemoFileError, match="文件是空的"):
        read(make([[None], [None], *ROWS]), header_within=2, error=DemoFileError)


def test_ignored_columns_do_not_make_a_row_count():
    rows = read(
        xlsx([["工号", "名字", "数量"], [None, None, 7], ["1", "某", None]]), ignore=["count"]
    )
    assert [r.number for r in rows] == [3]


@pytest.mark.parametrize(
    "content",
    [
        b"not a workbook at all",
        b"PK\x03\x04garbage",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,  # an .xls header and nothing else
    ],
    ids=["text", "broken-zip", "empty-xls"],
)
def test_a_damaged_file_raises_the_file_error_in_chinese(content):
    with pytest.raises(DemoFileError, match="无法读取"):
        read(io.BytesIO(content), error=DemoFileError)


def test_a_truncated_workbook_raises_the_file_error():
    data = xlsx(ROWS).getvalue()
    with pytest.raises(DemoFileError, match="无法读取"):
        read(io.BytesIO(data[: len(data) // 2]), error=DemoFileError)
    archive = io.BytesIO()  # a zip that is no workbook
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>")
    with pytest.raises(DemoFileError, match="无法读取"):
        read(archive, error=DemoFileError)


def test_a_workbook_that_unpacks_too_large_is_refused_before_reading(settings):
    settings.LIANFANG_IMPORT_UNPACKED_MAX_MB = 1
    big = xlsx([["工号", "名字"], *[[f"{i:06d}", "某" * 40] for i in range(20000)]])
    with pytest.raises(DemoFileError, match="文件解压后超过 1 MB"):
        read(big, error=DemoFileError, max_rows=10**5)
    assert len(read(xlsx(ROWS))) == 2


@pytest.mark.parametrize(
    "value, expected",
    [
        (45000, dt.date(2023, 3, 15)),  # an Excel serial number
        (61, dt.date(1900, 3, 1)),
        (59, dt.date(1900, 2, 28)),  # before Excel's 29 February 1900 that never was
        (20260131, dt.date(2026, 1, 31)),  # typed without separators into a number cell
        ("2026年1月31日", dt.date(2026, 1, 31)),
        ("2020-01-31", dt.date(2020, 1, 31)),
        ("2020/1/31", dt.date(2020, 1, 31)),
        ("2020.01.31", dt.date(2020, 1, 31)),
        (dt.datetime(2026, 1, 31, 8, 30), dt.date(2026, 1, 31)),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert spreadsheets.parse_date(value) == expected


@pytest.mark.parametrize("value", [0.5, -3, 10**8, "31/01/2026", "2020-02-30", "明年", True])
def test_parse_date_refuses_what_is_no_date(value):
    with pytest.raises(ValueError):
        spreadsheets.parse_date(value)


def test_cell_text_is_what_a_person_typed():
    assert [spreadsheets.cell_text(v) for v in (None, 1.0, 2.5, True, dt.date(2026, 1, 2))] == [
        "",
        "1",
        "2.5",
        "是",
        "2026-01-02",
    ]


# Codes (工号, 编码): normalised, and refused where Excel changed them -------------------------

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
SPACES = [" ", "\u3000", "\u00a0", "\t", "\n", "\u2002"]


@given(
    code=st.text(alphabet="0123456789ABCDEFXYZ-", min_size=1, max_size=12),
    full_width=st.lists(st.booleans(), min_size=12, max_size=12),
    inserted=st.lists(
        st.tuples(st.integers(0, 12), st.sampled_from(INVISIBLE + SPACES)), max_size=4
    ),
)
def test_a_code_reads_the_same_however_it_was_typed(code, full_width, inserted):
    """Full-width digits and letters (０３０１), spaces of every kind and invisible characters
    (a zero-width space pasted from a web page) do not make another code."""
    typed = "".join(
        chr(ord(c) + 0xFEE0) if wide and c != " " else c
        for c, wide in zip(code, full_width, strict=False)
    )
    for at, char in sorted(inserted, reverse=True):
        typed = typed[:at] + char + typed[at:]
    assert spreadsheets.normalise_identifier(typed) == code


def test_the_longest_zero_padded_code_is_what_a_number_may_have_lost():
    assert spreadsheets.zero_padded(["1001", "0301", "００３０２", None, 7, "0A01", ""]) == "00302"
    assert spreadsheets.zero_padded(["1001", "2002"]) == ""


def cells_of(**values):
    sheet = spreadsheets.SheetErrors(COLUMNS, [])
    return spreadsheets.RowCells(spreadsheets.SheetRow(7, values), sheet), sheet


@pytest.mark.parametrize(
    "value, padded, expected, reason",
    [
        ("０３０１", "", "0301", None),
        (" 03\u200b01\ufeff", "", "0301", None),
        (1001, "0301", "1001", None),  # as long as the padded codes: no zero can be lost
        (12345, "0301", "12345", None),
        (301, "0301", "", "Excel 已去掉开头的 0（已有编号如“0301”）"),
        (301, "", "301", None),  # no code of the kind is written with zeros
        (301.0, "0301", "", "Excel 已去掉开头的 0"),
        (12.5, "", "", "不是编号"),
        (float("inf"), "", "", "超出 Excel 范围的数字"),
        (float("nan"), "", "", "超出 Excel 范围的数字"),
        (123456789012345678, "", "", "Excel 只保留 15 位"),
        (dt.date(2026, 3, 12), "", "", "Excel 把输入的内容当作了日期"),
        (True, "", "", "逻辑值"),
        (None, "0301", "", None),
    ],
)
def test_a_code_excel_changed_is_refused_never_guessed(value, padded, expected, reason):
    cells, sheet = cells_of(no=value)
    assert cells.identifier("no", padded=padded) == expected
    if reason is None:
        assert not sheet.errors
    else:
        (error,) = sheet.errors
        assert (error.row, error.column) == (7, "工号") and reason in error.reason
        assert "请把该列设为文本格式后重新输入" in error.reason or "1e400" in error.reason


def test_a_number_beyond_excel_in_a_text_column_is_reported_once():
    cells, sheet = cells_of(name=float("inf"))
    assert cells.text("name") == "" and cells.text("name") == ""
    assert [(e.column, "1e400" in e.reason) for e in sheet.errors] == [("姓名（全名）", True)]


# Writing ------------------------------------------------------------------------------------


def written(build, *, streamed=True) -> bytes:
    out = io.BytesIO()
    with SheetWriter(out, streamed=streamed) as book:
        build(book)
    return out.getvalue()


def formula_cells(content: bytes) -> list[str]:
    """Every formula element in the workbook's sheets: there must be none."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [
            match
            for name in z.namelist()
            if name.startswith("xl/worksheets/")
            for match in re.findall(r"<f[ >][^<]*", z.read(name).decode())
        ]


def string_cells(content: bytes) -> dict[str, list]:
    """Every text cell of every sheet: value → [(data_type, quote prefix)]."""
    wb = load_workbook(io.BytesIO(content))
    found: dict[str, list] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    found.setdefault(cell.value, []).append((cell.data_type, cell.quotePrefix))
    return found


def assert_kept_as_text(content: bytes, texts):
    assert formula_cells(content) == []
    cells = string_cells(content)
    for text in texts:
        assert text in cells, text
        assert all(cell == ("s", True) for cell in cells[text]), (text, cells[text])


@pytest.mark.parametrize("streamed", [True, False])
def test_the_writer_writes_text_that_looks_like_a_formula_as_text(streamed):
    def build(book):
        sheet = book.sheet("表", COLUMNS)
        for text in FORMULAS:
            sheet.row({"no": text, "name": text, "note": text})
        sheet.cell(sheet.next_row, 0, FORMULAS[0], book.style("bold"))
        if not streamed:
            sheet.merge(10, 0, 11, 2, FORMULAS[1], book.style("wrap"))

    content = written(build, streamed=streamed)
    assert_kept_as_text(content, FORMULAS)
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["A6"].font.b  # the quoted cell keeps the style it was given


def test_the_writer_draws_the_house_styles():
    def build(book):
        sheet = book.sheet("名册", COLUMNS)
        sheet.row(["0301", "孙会计", "第一行\n第二行", dt.date(2026, 1, 31), 3])
        sheet.row({"no": "0302", "count": 2.5, "day": dt.datetime(2026, 2, 1, 8, 30)})

    ws = load_workbook(io.BytesIO(written(build)))["名册"]
    assert [c.value for c in ws[1]] == ["工号", "姓名（全名）", "说明", "日期", "数量"]
    assert ws.freeze_panes == "A2"
    header, extra = ws["A1"], ws["E1"]
    assert header.font.b and header.font.color.rgb == "FFFFFFFF"
    assert header.fill.fgColor.rgb == "FFA61B1B"
    assert extra.fill.fgColor.rgb == "FFE8D5D5"  # a column beyond the printed form
    assert round(ws.column_dimensions["C"].width) == 41  # 40 characters, as Excel pads it
    assert ws["A2"].value == "0301" and ws["A2"].number_format == "@"
    assert ws["C2"].value == "第一行\n第二行" and ws["C2"].alignment.wrap_text
    assert ws["D2"].value == dt.datetime(2026, 1, 31) and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["E2"].value == 3 and ws["E2"].data_type == "n"
    assert ws["E3"].value == 2.5 and ws["B3"].value is None
    assert ws["D3"].value == dt.datetime(2026, 2, 1, 8, 30)


def test_the_writer_merges_cells_and_sets_up_printing():
    def build(book):
        sheet = book.sheet("定位表", COLUMNS, header=False)
        sheet.merge(0, 0, 0, 4, "廉政风险定位表", book.style("title"))
        sheet.next_row = 2
        sheet.header("border")
        sheet.merge(3, 1, 4, 1, "药品耗材采购", book.style("wrap", "border"))
        sheet.cell(3, 0, 1)
        sheet.cell(4, 0, 2)
        sheet.print_on_a4()

    ws = load_workbook(io.BytesIO(written(build, streamed=False))).active
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:E1", "B4:B5"}
    assert ws["A1"].value == "廉政风险定位表" and ws["A1"].font.sz == 16
    assert ws["B4"].value == "药品耗材采购" and ws["B4"].border.left.style == "thin"
    assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9


def test_a_drop_down_under_a_column():
    def build(book):
        book.sheet("名册", COLUMNS).validation("name", ["是", "否"], rows=50)

    ws = load_workbook(io.BytesIO(written(build))).active
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"是,否"'
    assert str(validation.sqref) == "B2:B51"


# Streamed sheets: their cells are the XML XlsxWriter writes -------------------------------------

HOSTILE = [
    "孙会计",
    'a & b < c > d "引号"',
    " 前后空格 ",
    "\t制表符开头",
    "末尾换行\n",
    "多行\n第二行",
    "回车\r换行",
    "控制\x00\x01\x08\x0b\x1f字符",
    "_x0041_ 像转义的字面",
    "非字符\ufffe\uffff",
    "😀 表情",
    "长" * 40000,
    "中" * 32766 + "😀",  # the emoji would cross Excel's 32,767 UTF-16 units: cut before it
    *FORMULAS,
    "-",
    0,
    -5,
    3,
    2.5,
    0.1,
    1 / 3,
    1e20,
    -0.0,
    12345678901234567890,
    True,
    False,
    dt.date(1900, 1, 1),
    dt.date(1900, 2, 28),
    dt.date(1900, 3, 1),
    dt.date(2026, 1, 31),
    dt.datetime(1900, 1, 1, 12),
    dt.datetime(2026, 2, 1, 8, 30, 15, 500),
    dt.datetime(2026, 2, 1, 0, 30, tzinfo=dt.UTC),
    Decimal("1.50"),
    gettext_lazy("草稿"),
    mark_safe("安全的文本"),  # noqa: S308 - a str subclass, as templates hand over
]


def members(content: bytes) -> list[tuple[str, bytes]]:
    """A workbook's zip members in order, but for docProps/core.xml (its creation time)."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist() if i.filename != "docProps/core.xml"]


def both_ways(build, **options) -> tuple[list, list]:
    """The workbook `build` makes, written by the kit (its cells' XML made by `sheetdata`), and
    written with XlsxWriter's own per-cell calls (the reference)."""
    kit, reference = io.BytesIO(), io.BytesIO()
    with SheetWriter(kit, **options) as book:
        build(book)
    with SheetWriter(reference, xml_cells=False, **options) as book:
        build(book)
    return members(kit.getvalue()), members(reference.getvalue())


def test_a_streamed_sheet_is_the_xml_xlsxwriter_writes():
    """Byte for byte: every kind of value in every column style, the column formats' use, rows
    with a style of their own, cells below the row, a second sheet, drop-downs."""

    def build(book):
        sheet = book.sheet("名册", COLUMNS)
        for value in HOSTILE:
            sheet.row([value] * len(COLUMNS))
        sheet.row({"name": "只有姓名", "day": dt.date(2026, 3, 1)})
        sheet.row(["0303", "周出纳", "", None, 1, "超出列", 7, dt.date(2026, 1, 2)])
        sheet.row([])  # an empty row writes nothing
        sheet.cell(sheet.next_row, 6, None, book.style("bold"))  # a formatted blank
        sheet.cell(sheet.next_row, 5, None)  # nothing
        sheet.cell(sheet.next_row, 0, "0304")  # no style: the text column's own format
        sheet.cell(sheet.next_row, 1, FORMULAS[0])
        sheet.next_row += 1
        sheet.row(
            ["粗体", 2, dt.datetime(2026, 1, 1, 9), FORMULAS[1]], book.style("bold", "border")
        )
        sheet.validation("name", ["是", "否"], rows=50)
        notes = book.instructions("填写说明", ["第一行", "=第二行"])
        notes.section("科室", ["内科", "外科"])

    kit, reference = both_ways(build)
    assert [name for name, _ in kit] == [name for name, _ in reference]
    for (name, ours), (_name, theirs) in zip(kit, reference, strict=True):
        assert ours == theirs, name


def printed_form(book):
    """A table as a printed form: a title, a line above the header, rows, filter buttons, a
    signature line, the print setup."""
    sheet = book.sheet("名册", COLUMNS, header=False)
    sheet.title("人员名册", span=4)
    sheet.row(["单位：示例医院"], book.style("bold"))
    sheet.header()
    sheet.row(["0301", "孙会计", "说明", dt.date(2026, 1, 31), 1])
    sheet.row(["0302", "周出纳", None, None, 2])
    sheet.autofilter()
    sheet.row([])
    sheet.row(["填表人：　　审核人："])
    sheet.print_on_a4(columns=4, footer="第 &P 页")


def test_a_printed_form_streamed_is_the_xml_xlsxwriter_writes():
    kit, reference = both_ways(printed_form, font=spreadsheets.FONT_SONG)
    assert kit == reference


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "in-memory"])
def test_a_printed_form_has_its_title_filter_print_setup_and_font(streamed):
    out = io.BytesIO()
    with SheetWriter(out, streamed=streamed, font=spreadsheets.FONT_FANGSONG) as book:
        printed_form(book)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws["A1"].value == "人员名册" and ws["A1"].font.sz == 16
    # centred across the printed columns without a merge (a streamed sheet has none)
    assert [ws.cell(1, c).alignment.horizontal for c in range(1, 6)] == [
        *["centerContinuous"] * 4,
        None,
    ]
    assert not ws.merged_cells.ranges
    assert ws["A2"].value == "单位：示例医院" and ws["A3"].value == "工号"
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:E5"  # the header and the rows, not the signature line
    assert ws["A7"].value == "填表人：　　审核人：" and ws.max_row == 7
    assert ws.print_title_rows == "$3:$3" and ws.print_area == "'名册'!$A$1:$D$7"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0 and ws.oddFooter.center.text == "第 &P 页"
    for cell in ("A1", "A2", "A3", "B4", "D4", "A7", "H20"):  # written, styled, or empty
        assert ws[cell].font.name == "仿宋", cell
        assert ws[cell].font.scheme is None, cell  # a theme scheme would show Calibri


def test_the_default_font_stays_calibri():
    ws = load_workbook(io.BytesIO(written(printed_form))).active
    assert ws["A4"].font.name == "Calibri"


def test_an_autofilter_needs_a_header():
    with SheetWriter(io.BytesIO()) as book:
        sheet = book.sheet("名册", COLUMNS, header=False)
        with pytest.raises(ValueError, match="header"):
            sheet.autofilter()
        sheet.header()


def test_an_empty_streamed_sheet_is_the_xml_xlsxwriter_writes():
    kit, reference = both_ways(lambda book: book.sheet("空表", COLUMNS, header=False))
    assert kit == reference


def test_a_streamed_sheet_escapes_every_text():
    """XlsxWriter's own streamed mode writes a text that starts with "<r>" and ends with
    "</r>" as rich-text XML, unescaped: a name typed so would put any cell, a formula too,
    into the export. The kit writes it as the text it is."""
    rich = '<r><t>看</t></r></is></c><c r="C2"><f>1+1</f><v>2</v></c><c r="D2"><is><r><t>x</t></r>'
    content = written(lambda book: book.sheet("表", COLUMNS).row([rich, rich]))
    assert formula_cells(content) == []
    ws = load_workbook(io.BytesIO(content)).active
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value, ws["D2"].value) == (
        rich,
        rich,
        None,
        None,
    )


def test_a_streamed_sheet_refuses_what_it_can_no_longer_write():
    with SheetWriter(io.BytesIO()) as book:
        sheet = book.sheet("表", COLUMNS)
        sheet.row(["1"])
        sheet.row(["2"])
        with pytest.raises(ValueError):
            sheet.cell(1, 0, "above the current row")
        with pytest.raises(ValueError):
            sheet.merge(3, 0, 3, 2, "merged")


# Every export ---------------------------------------------------------------------------------


def test_every_export_writes_text_that_looks_like_a_formula_as_text(
    world,
    filed,  # noqa: F811
    login,
    settings,
):
    """The security rule: whatever a person typed is exported as text, never a formula. Every
    workbook the platform offers, inline and in the background, comes from SheetWriter."""
    person = Person.objects.get(staff_no="0001")
    person.title, person.phone = FORMULAS[0], FORMULAS[1]
    person.save(update_fields=["title", "phone"])
    Department.objects.filter(pk=world.finance.pk).update(name=FORMULAS[3])
    make_power(world.hospital, FORMULAS[2], "=1+1", basis=FORMULAS[0])
    RiskPoint.objects.filter(pk=filed["a"].pk).update(manifestation=FORMULAS[2])
    RiskPoint.objects.filter(pk=filed["c"].pk).update(name=FORMULAS[0])
    client = login(world.users["integrity"])
    org = world.hospital.pk
    exports = {
        "roster": (reverse("org:roster_export"), FORMULAS[:2]),
        "roster template": (f"{reverse('org:roster_template')}?organisation={org}", FORMULAS[3:]),
        "powers": (reverse("org:power_export"), ["=1+1", FORMULAS[2], FORMULAS[0]]),
        "power template": (f"{reverse('org:power_template')}?organisation={org}", FORMULAS[3:]),
        "register": (reverse("risks:register_xlsx"), [FORMULAS[0], FORMULAS[2], FORMULAS[3]]),
        "register template": (
            f"{reverse('risks:register_template')}?organisation={org}",
            [FORMULAS[3], f"=1+1 {FORMULAS[2]}：—"],  # a department; a power, its code first
        ),
        "positioning": (
            reverse("risks:positioning_xlsx", args=[world.leader_person.pk]),
            [FORMULAS[0], FORMULAS[2]],
        ),
    }
    for name, (url, texts) in exports.items():
        response = client.get(url)
        assert response.status_code == 200, name
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert_kept_as_text(content, texts)
    # the register exported in the background, as a large one is: the same writer
    settings.LIANFANG_EXPORT_INLINE_ROWS = 1
    assert client.get(reverse("risks:register_xlsx")).status_code == 302
    assert jobs.run_pending() == 1
    with open(jobs.result_file(Job.objects.get()), "rb") as file:
        assert_kept_as_text(file.read(), exports["register"][1])


# The import page --------------------------------------------------------------------------------


def test_the_upload_field_takes_xlsx_and_xls_and_refuses_others():
    field = SpreadsheetField(max_mb=1)
    for name in ("名册.xlsx", "名册.XLS"):
        assert field.clean(SimpleUploadedFile(name, b"x")).name == name
    with pytest.raises(Exception, match="只能导入 Excel 文件"):
        field.clean(SimpleUploadedFile("名册.csv", b"x"))
    with pytest.raises(Exception, match="文件不能超过 1 MB"):
        field.clean(SimpleUploadedFile("名册.xlsx", b"x" * (1024 * 1024 + 1)))
    assert ".xls," in field.widget.attrs["accept"]


def test_the_error_table_lists_every_row_error():
    result = ImportResult(
        errors=[RowError(3, "科室", "本单位没有该科室。"), RowError(5, "性别", "无效")]
    )
    assert not result.ok and ImportResult().ok
    html = render_to_string("core/includes/import_errors.html", {"result": result})
    assert "发现 2 处错误，未导入任何数据" in html
    assert "<td>3</td><td>科室</td>" in html and "<td>5</td><td>性别</td>" in html


ROSTER_HEADER = ["工号", "姓名", "性别", "科室", "岗位", "岗位起始日期", "职务/职称", "联系电话"]
ROSTER_HEADER += ["单位领导(是/否)"]


def test_an_old_xls_roster_is_imported_like_an_xlsx(world, login):
    rows = [
        ROSTER_HEADER,
        [
            "0301",
            "孙会计",
            "女",
            "财务科",
            "会计",
            dt.date(2021, 3, 1),
            "会计师",
            "13800000001",
            "否",
        ],
        ["0302", "周出纳", "男", "财务科", "出纳", "2022/5/6", "", 13800000002, ""],
    ]
    response = login(world.users["integrity"]).post(
        reverse("org:roster_import"),
        {
            "organisation": world.hospital.pk,
            "file": SimpleUploadedFile("名册.xls", xls(rows).getvalue()),
        },
    )
    assert response.status_code == 200, response.content.decode()
    sun = Person.objects.get(organisation=world.hospital, staff_no="0301")
    zhou = Person.objects.get(organisation=world.hospital, staff_no="0302")
    assert (sun.name, sun.gender, sun.title) == ("孙会计", "F", "会计师")
    assert zhou.phone == "13800000002"  # a number cell read back as the digits typed
    assert sun.assignments.get().start == dt.date(2021, 3, 1)


@pytest.mark.parametrize(
    "name, content",
    [
        ("名册.xlsx", b"PK\x03\x04garbage"),
        ("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        ("名册.xlsx", xlsx([ROSTER_HEADER]).getvalue()[:900]),
    ],
    ids=["broken-zip", "empty-xls", "truncated"],
)
def test_a_damaged_upload_gets_the_chinese_file_error_not_a_500(world, login, name, content):
    response = login(world.users["integrity"]).post(
        reverse("org:roster_import"),
        {"organisation": world.hospital.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-file-error"' in page and "无法读取该文件" in page
