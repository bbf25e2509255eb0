"""Imports are total functions: every way a workbook can be broken gives a Chinese message,
never a server error, and nothing written.

The workbooks are the platform's own exports (the staff roster, the power catalogue, the risk
register), as the platform writes them (inline strings) and as Excel saves them again (shared
strings), plus the roster as an old .xls. Hypothesis breaks them: zip members dropped,
truncated, overwritten, bytes flipped; the sheet's XML damaged (tags cut, stray characters,
cell types and references changed, numbers such as 1e400, dimension tags that lie); the
shared strings (dropped, miscounted, bad entities). Each broken file goes through the real
import, inside a savepoint rolled back after each example, and must give one of:

- a refusal of the file (the import's SheetFileError) with a message in Chinese, nothing
  written;
- row errors, each with a reason in Chinese, nothing written;
- an import whose counts agree with what it wrote, with the audit chain intact.

Anything else (an exception of another kind, a Rust panic, a write beside a refusal) fails.
"""

import io
import os
import re
import struct
import zipfile

import olefile
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.core.spreadsheets import SheetWriter
from lianfang.org import power_io, power_selectors, roster
from lianfang.org.models import Person, Power
from lianfang.risks import register_io
from lianfang.risks.models import RiskPoint
from lianfang.risks.selectors import risk_points_visible_to
from tests.core import workbooks
from tests.core.workbooks import SHARED, SHEET
from tests.risks.factories import make_power
from tests.risks.test_positioning import register  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Bounded for CI: the file takes about 15 s of CPU (under a minute of wall time at a load
# of 10 on 2 cores). A deeper search, e.g. before a release or after a reader upgrade:
# LIANFANG_CORRUPT_EXAMPLES=1000 pytest tests/core/test_corrupt_workbooks.py
EXAMPLES = int(os.environ.get("LIANFANG_CORRUPT_EXAMPLES", "30"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# The platform's workbooks, and the same as Excel saves them -------------------------------------

INLINE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t(?: xml:space="preserve")?>'
    rb"([^<]*)</t></is></c>"
)


def with_shared_strings(data: bytes) -> bytes:
    """An export as Excel saves it again: each inline string moved to the shared-string
    table, the cell pointing to it by index."""
    parts = workbooks.members(data)
    strings: dict[bytes, int] = {}

    def shared(match):
        index = strings.setdefault(match.group(3), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2) or b"", index)

    parts[SHEET] = INLINE.sub(shared, parts[SHEET])
    items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in strings)
    count = len(strings)
    parts[SHARED] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="%s" count="%d" '
        b'uniqueCount="%d">%s</sst>' % (MAIN, count, count, items)
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>",
    )
    return workbooks.zipped(parts)


def roster_xls(data: bytes) -> bytes:
    """The roster export as an office would send it in the old .xls format."""
    rows = roster.read_rows(io.BytesIO(data))
    header = [c.header for c in (*roster.COLUMNS, roster.ORGANISATION_COLUMN)]
    keys = [c.key for c in (*roster.COLUMNS, roster.ORGANISATION_COLUMN)]
    cells = [(0, c, text) for c, text in enumerate(header)]
    for r, row in enumerate(rows, start=1):
        for c, key in enumerate(keys):
            value = row.values.get(key)
            if value is not None:
                cells.append((r, c, value if isinstance(value, int | float | str) else str(value)))
    return workbooks.xls(cells)


# What breaks them ------------------------------------------------------------------------------

BAD_NUMBERS = [
    *("1e400", "-1e400", "1e308", "-1e308", "nan", "NaN", "inf", "-inf", "1e-400"),
    *("99999999999999999999", "2958466", "-1", "0", "1.5", "-0", "abc", "", " "),
    *("0x10", "1,000", "１２３", "3000000", "1e15", "12345678901234567890123", "-1e12"),
]
BAD_TEXTS = [
    *("", "&#0;", "&#xD800;", "&bogus;", "&amp;", "&#x1F600;", "=1+1", "０３０１"),
    *("0301\u200b", "\ufeff0301", " 03 01 ", "x" * 40000, "\u3000", "&lt;c r=&quot;XFD1&quot;&gt;"),
]
TYPES = [b"s", b"n", b"b", b"e", b"str", b"inlineStr", b"d", b"", b"bogus"]
REFERENCES = [
    *(b"", b"A0", b"A", b"1", b"a1", b"A-1", b"AAAA1", b"XFD1048576", b"A1048577"),
    *(b"A99999999999", b"B2", b"A1"),
]
DIMENSIONS = [b"A1", b"A1:B2", b"A1:A1", b"", b"ZZZ", b"A0:A0", b"B3:A1", b"A1:XFD1048576"]
INSERTS = [
    *(b"<", b">", b"</", b'"', b"'", b"&", b"<x>", b"</row>", b"<row>", b"<c>", b"]]>"),
    *(b"<!--", b"\x00", b"\xff", b"<?x", b"</sheetData>", b"<![CDATA["),
]
NUMBERS = st.integers(min_value=0, max_value=10**6)


def nth(pattern: bytes, xml: bytes, index: int, replace) -> bytes:
    """`xml` with the `index`-th match of `pattern` (modulo their number) replaced by
    `replace(match)`; every match when `index` is odd and above 500,000 (a column of dates
    all out of range, every string miscounted …)."""
    matches = list(re.finditer(pattern, xml))
    if not matches:
        return xml
    if index > 500_000 and index % 2:
        return re.sub(pattern, replace, xml)
    match = matches[index % len(matches)]
    return xml[: match.start()] + replace(match) + xml[match.end() :]


def in_group(group: int, value: bytes):
    def replace(match):
        whole, start = match.group(0), match.start(0)
        return whole[: match.start(group) - start] + value + whole[match.end(group) - start :]

    return replace


@st.composite
def xml_edits(draw):
    """One change to a sheet's or a shared-string table's XML."""
    kind = draw(
        st.sampled_from(
            ["value", "value", "reference", "reference", "text", "type", "row", "dimension"]
            + ["style", "damage", "damage", "cut", "duplicate", "strings", "unique"]
        )
    )
    index = draw(NUMBERS)
    if kind == "value":  # a number, often in a cell with a format (a date's)
        number = draw(st.sampled_from(BAD_NUMBERS)).encode()
        cell = draw(st.sampled_from([rb"<v>([^<]*)</v>", rb' s="[0-9]+"><v>([^<]*)</v>']))
        return kind, lambda xml: nth(cell, xml, index, in_group(1, number))
    if kind == "text":
        text = draw(st.sampled_from(BAD_TEXTS) | st.text(max_size=12)).encode(
            "utf-8", "surrogatepass"
        )
        return kind, lambda xml: nth(rb"<t[^>]*>([^<]*)</t>", xml, index, in_group(1, text))
    if kind == "type":
        new = draw(st.sampled_from(TYPES))
        return kind, lambda xml: nth(rb' t="([^"]*)"', xml, index, in_group(1, new))
    if kind == "reference":
        new = draw(st.sampled_from(REFERENCES))
        return kind, lambda xml: nth(rb'<c r="([^"]*)"', xml, index, in_group(1, new))
    if kind == "row":
        new = draw(st.sampled_from([b"", b"0", b"1", b"99999999", b"1048576", b"-3", b"2"]))
        return kind, lambda xml: nth(rb'<row r="([^"]*)"', xml, index, in_group(1, new))
    if kind == "dimension":
        new = draw(st.sampled_from(DIMENSIONS))
        return kind, lambda xml: nth(rb'<dimension ref="([^"]*)"', xml, index, in_group(1, new))
    if kind == "style":
        new = draw(st.sampled_from([b"999", b"-1", b"", b"abc", b"0", b"1", b"2"]))
        return kind, lambda xml: nth(rb' s="([^"]*)"', xml, index, in_group(1, new))
    if kind == "damage":
        insert = draw(st.sampled_from(INSERTS))
        delete = draw(st.integers(0, 3))

        def damage(xml):
            at = index % (len(xml) + 1)
            return xml[:at] + insert + xml[at + delete :]

        return kind, damage
    if kind == "cut":
        return kind, lambda xml: xml[: index % (len(xml) + 1)]
    if kind == "duplicate":  # a row written twice (the same row number twice)
        return kind, lambda xml: nth(rb"<row [^>]*>.*?</row>", xml, index, lambda m: m[0] * 2)
    if kind == "strings":  # a shared string dropped: every index after it points one further
        return kind, lambda xml: nth(rb"<si>.*?</si>", xml, index, lambda m: b"")
    new = draw(st.sampled_from([b"0", b"1", b"1000000000", b"-1", b"abc", b"4000000000"]))
    return kind, lambda xml: nth(rb'uniqueCount="([^"]*)"', xml, index, in_group(1, new))


@st.composite
def member_edits(draw, names):
    """One change to a member of the zip, as a damaged download or disk leaves it."""
    name = draw(st.sampled_from(names))
    kind = draw(st.sampled_from(["drop", "truncate", "flip", "garbage", "empty"]))
    index = draw(NUMBERS)
    if kind == "drop":
        return name, lambda content: None
    if kind == "truncate":
        return name, lambda content: content[: index % (len(content) + 1)]
    if kind == "flip":
        flips = draw(st.lists(st.tuples(NUMBERS, st.integers(1, 255)), min_size=1, max_size=4))

        def flip(content):
            out = bytearray(content)
            for at, mask in flips:
                if out:
                    out[at % len(out)] ^= mask
            return bytes(out)

        return name, flip
    if kind == "garbage":
        junk = draw(st.sampled_from([GARBAGE, b"<worksheet><sheetData>", b"\xff\xfe<\x00"]))
        return name, lambda content: junk
    return name, lambda content: b""


GARBAGE = b"\x00PK\x03\x04<worksheet>\xff\xfe" * 3


@st.composite
def raw_edits(draw):
    """One change to the file's bytes themselves: cut short, or bytes flipped."""
    index = draw(NUMBERS)
    if draw(st.booleans()):
        return lambda data: data[: index % (len(data) + 1)]
    mask = draw(st.integers(1, 255))

    def flip(data):
        out = bytearray(data)
        if out:
            out[index % len(out)] ^= mask
        return bytes(out)

    return flip


class Bases(dict):
    """Workbooks by name, shown by their names in a failing example's report."""

    def __repr__(self):
        return f"Bases({sorted(self)})"


@st.composite
def broken(draw, bases: dict[str, bytes]):
    """One of `bases` (name → workbook) broken, mostly in one way (a file broken in three
    ways is refused for the first and tells little about the others)."""
    name = draw(st.sampled_from(sorted(bases)))
    data = bases[name]
    edits = draw(st.sampled_from([1, 1, 1, 2, 3]))
    if name.endswith(".xls"):
        for _ in range(edits):
            if draw(st.booleans()):
                data = draw(raw_edits())(data)
            else:
                data = xls_record_edit(data, draw(NUMBERS), draw(st.integers(0, 0xFFFF)))
        return data
    parts = workbooks.members(data)
    raw = None
    for _ in range(edits):
        where = draw(st.sampled_from(["sheet"] * 6 + ["shared"] * 2 + ["member", "raw"]))
        if where == "raw":
            raw = draw(raw_edits())
        elif where == "member":
            member, change = draw(member_edits(sorted(parts)))
            if member in parts:
                content = change(parts[member])
                if content is None:
                    del parts[member]
                else:
                    parts[member] = content
        else:
            member = SHARED if where == "shared" and SHARED in parts else SHEET
            if member in parts:
                _kind, change = draw(xml_edits())
                parts[member] = change(parts[member])
    data = workbooks.zipped(parts)
    return raw(data) if raw else data


def xls_record_edit(data: bytes, index: int, value: int) -> bytes:
    """An .xls whose record number `index` (modulo their number) has a 16-bit field
    overwritten with `value`: a row, a column, a length, a string index …"""
    try:
        ole = olefile.OleFileIO(data)
        stream = ole.openstream("Workbook").read()
        start = data.find(stream[:512])
        ole.close()
    except Exception:  # noqa: BLE001 - already broken: leave it so
        return data
    if start < 0:
        return data
    records, position = [], 0
    while position + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, position)
        records.append((position, size))
        position += 4 + size
    at, size = records[index % len(records)]
    offset = start + at + 4 + (index // len(records)) % max(size - 1, 1)
    out = bytearray(data)
    if offset + 2 <= min(len(out), start + len(stream)):
        struct.pack_into("<H", out, offset, value)
    return bytes(out)


# The check --------------------------------------------------------------------------------------

WATCHED = ("org", "risks", "core")


def snapshot():
    """Every row an import could write or change, and the audit chain's length."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in WATCHED and model is not AuditEvent:
            rows[model._meta.label] = list(model.objects.order_by("pk").values_list())
    rows["audit"] = AuditEvent.objects.count()
    return rows


def attempt(importer, file_error, data: bytes, *, counted) -> str:
    """Import `data`, in a savepoint rolled back after; check the outcome, and say which."""
    before = snapshot()
    counts = {model: model.objects.count() for model in counted}
    with transaction.atomic():
        try:
            result = importer(io.BytesIO(data))
        except file_error as refusal:
            assert CJK.search(str(refusal)), str(refusal)
            outcome = "refused"
        else:
            if result.ok:
                written = sum(model.objects.count() - counts[model] for model in counted)
                assert written == result.created, (written, result)
                assert audit.verify().ok
                outcome = "imported"
            else:
                assert result.errors
                for error in result.errors:
                    assert CJK.search(error.reason), error
                outcome = "row errors"
        if outcome != "imported":
            assert snapshot() == before
        transaction.set_rollback(True)
    return outcome


# The imports ------------------------------------------------------------------------------------


def roster_bases(world):
    exported = roster.export_people(Person.objects.filter(organisation=world.hospital))
    return Bases(
        {
            "roster.xlsx": exported,
            "roster-excel.xlsx": with_shared_strings(exported),
            "roster.xls": roster_xls(exported),
        }
    )


def roster_importer(world):
    def run(file):
        return roster.roster_import(
            actor=world.users["integrity"], organisation=world.hospital, file=file
        )

    return run


@pytest.fixture
def roster_files(world):
    return roster_bases(world)


@PROPERTY
@given(data=st.data())
def test_a_broken_roster_is_refused_or_imported_never_a_server_error(world, roster_files, data):
    file = data.draw(broken(roster_files))
    event(attempt(roster_importer(world), roster.RosterFileError, file, counted=[Person]))


@pytest.fixture
def power_files(world):
    make_power(world.hospital, "设备购置", "SB-01", department=world.procurement, steps=["受理"])
    make_power(world.hospital, "预算调整", "0012", department=world.finance)
    exported = power_io.export_powers(
        power_selectors.export_queryset(Power.objects.filter(organisation=world.hospital))
    )
    return Bases({"powers.xlsx": exported, "powers-excel.xlsx": with_shared_strings(exported)})


@PROPERTY
@given(data=st.data())
def test_a_broken_power_catalogue_is_refused_or_imported_never_a_server_error(
    world, power_files, data
):
    file = data.draw(broken(power_files))

    def run(upload):
        return power_io.power_import(
            actor=world.users["integrity"], organisation=world.hospital, file=upload
        )

    event(attempt(run, power_io.PowerFileError, file, counted=[Power]))


@pytest.fixture
def register_files(world, register):  # noqa: F811
    points = risk_points_visible_to(world.users["integrity"]).filter(organisation=world.hospital)
    with register_io.export_register(points) as f:
        exported = f.read()
    return Bases({"register.xlsx": exported, "register-excel.xlsx": with_shared_strings(exported)})


@PROPERTY
@given(data=st.data())
def test_a_broken_register_is_refused_or_imported_never_a_server_error(world, register_files, data):
    file = data.draw(broken(register_files))

    def run(upload):
        return register_io.register_import(
            actor=world.users["integrity"], organisation=world.hospital, file=upload
        )

    event(attempt(run, register_io.RegisterFileError, file, counted=[RiskPoint]))


READERS = {
    "roster": (roster.read_rows, roster.RosterFileError),
    "powers": (power_io.read_rows, power_io.PowerFileError),
    "register": (register_io.read_rows, register_io.RegisterFileError),
}
READER = settings(
    max_examples=EXAMPLES * 5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@READER
@given(data=st.data())
def test_every_reader_reads_a_broken_workbook_or_refuses_it(
    roster_files, power_files, register_files, data
):
    """The readers alone (no database), with more examples: where the server errors were.
    Each broken file goes through every import's reader (another import's file is refused
    for its headers, which is a path too)."""
    file = data.draw(broken(Bases({**roster_files, **power_files, **register_files})))
    for read, file_error in READERS.values():
        try:
            rows = read(io.BytesIO(file))
        except file_error as refusal:
            assert CJK.search(str(refusal)), str(refusal)
        else:
            assert rows and all(row.number >= 2 for row in rows)


def test_the_unbroken_workbooks_import_as_they_are(world, roster_files, power_files):
    """The bases themselves: every variant imports, changing nothing (each was exported from
    what is there)."""
    for data in roster_files.values():
        assert attempt(roster_importer(world), roster.RosterFileError, data, counted=[Person]) == (
            "imported"
        )
    with transaction.atomic():
        result = roster_importer(world)(io.BytesIO(roster_files["roster-excel.xlsx"]))
        people = Person.objects.filter(organisation=world.hospital).count()
        assert (result.created, result.updated, result.unchanged) == (0, 0, people)
        transaction.set_rollback(True)
    for data in power_files.values():
        result = power_io.power_import(
            actor=world.users["integrity"], organisation=world.hospital, file=io.BytesIO(data)
        )
        assert result.ok and result.unchanged == 2, result.errors


# Rows are counted from the data, not from the dimension tag -----------------------------------

LYING = st.builds(
    lambda column, row: b"A1:%s%d" % (column.encode(), row),
    st.sampled_from(["A", "B", "J", "K", "XFD"]),
    st.integers(1, 12) | st.integers(13, 1048576),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ref=LYING | st.sampled_from([b"A1", b"A1:A1", b"B3:A1", b"A1:B99999999999"]),
    excel=st.booleans(),
)
def test_a_dimension_tag_that_lies_changes_nothing(world, ref, excel):
    """The issue's finding: a sheet whose <dimension ref> understated its rows imported its
    first rows and reported success. Whatever the tag says, every row is read."""
    rows = [
        [f"07{i:02d}", f"新人{i}", "男", "心内科", "", "", "", "", "否", world.hospital.name]
        for i in range(12)
    ]
    lying = with_dimension(fill_roster(rows), ref, excel=excel)
    with transaction.atomic():
        result = roster_importer(world)(io.BytesIO(lying))
        assert result.ok and result.created == 12, result.errors
        assert Person.objects.filter(staff_no__startswith="07").count() == 12
        transaction.set_rollback(True)


@pytest.mark.parametrize("ref", [b"", b"ZZZ", b"A0:A0", b"A1:B0", b"A1:B2:C3", b"1:2"])
def test_a_dimension_tag_that_is_no_range_is_refused(world, ref):
    """The reader refuses a sheet whose dimension tag it cannot parse: the file is refused
    with the message, nothing is imported (never the first rows only)."""
    rows = [["0701", "新人", "男", "心内科", "", "", "", "", "否", world.hospital.name]]
    broken = with_dimension(fill_roster(rows), ref, excel=False)
    assert attempt(roster_importer(world), roster.RosterFileError, broken, counted=[Person]) == (
        "refused"
    )


def with_dimension(data: bytes, ref: bytes, *, excel: bool) -> bytes:
    if excel:
        data = with_shared_strings(data)
    tag = b'<dimension ref="%s"/>' % ref
    lying = workbooks.rewrite(
        data, SHEET, lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', tag, xml)
    )
    assert tag in workbooks.members(lying)[SHEET]
    return lying


def fill_roster(rows) -> bytes:
    """A roster workbook written by the kit's writer, as the export writes one."""
    out = io.BytesIO()
    with SheetWriter(out) as book:
        sheet = book.sheet(roster.SHEET_TITLE, (*roster.COLUMNS, roster.ORGANISATION_COLUMN))
        for row in rows:
            sheet.row(row)
    return out.getvalue()


def test_the_bases_are_sound(roster_files):
    """The bases are sound zips, so that what breaks them is the edits."""
    for name, data in roster_files.items():
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                assert archive.testzip() is None


# The findings, each on its own ---------------------------------------------------------


def first(pattern: bytes, new: bytes):
    return lambda xml: re.sub(pattern, new, xml, count=1)


FINDINGS = {
    # the reader panicked converting the row: a Rust panic is no Exception, it went past
    # the reader's handler as a server error
    "a date cell holding -1e12": (SHEET, first(rb'( s="[0-9]+"><v>)[^<]*', rb"\g<1>-1e12")),
    # calamine asked for 550 GB for the grid and the allocation aborted the worker
    "a cell at XFD1048576": (
        SHEET,
        first(rb"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>\\g<0>'),
    ),
    # 4e9 shared strings announced: 96 GB reserved, the worker aborted
    "uniqueCount of 4e9": (SHARED, first(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"')),
    "a string index beyond the table": (SHEET, first(rb'(t="s"><v>)[0-9]+', rb"\g<1>99999")),
    "a row tag cut short": (SHEET, first(rb'<row r="3"([^>]*)>', rb'<row r="3"\1')),
    "a cell tag never closed": (SHEET, first(rb'<c r="B3"', b'<c r="B3" foo="')),
}


@pytest.mark.parametrize("finding", FINDINGS)
def test_each_finding_is_refused_with_a_message_and_nothing_written(world, roster_files, finding):
    member, change = FINDINGS[finding]
    data = workbooks.rewrite(roster_files["roster-excel.xlsx"], member, change)
    assert (
        workbooks.members(data)[member]
        != workbooks.members(roster_files["roster-excel.xlsx"])[member]
    )
    outcome = attempt(roster_importer(world), roster.RosterFileError, data, counted=[Person])
    assert outcome == "refused"


# The import pages show it, never a server error ------------------------------------------------

PAGES = {
    "roster": ("org:roster_import", "roster_files", "roster-excel.xlsx"),
    "powers": ("org:power_import", "power_files", "powers-excel.xlsx"),
    "register": ("risks:register_import", "register_files", "register-excel.xlsx"),
}
BOMB = b"<si><t>" + b"A" * (6 * 1024 * 1024) + b"</t></si>"  # over the 5 MB set below
PAGE_CASES = {
    "a cell at XFD1048576": (FINDINGS["a cell at XFD1048576"], "超过 100 列"),
    "uniqueCount of 4e9": (FINDINGS["uniqueCount of 4e9"], "超过 1,000,000 条"),
    "a shared-strings bomb": ((SHARED, first(rb"</sst>", BOMB + b"</sst>")), "解压后超过 5 MB"),
    "blank rows": (
        (SHEET, first(rb"</sheetData>", b"".join(b'<row r="%d"/>' % i for i in range(9, 1200)))),
        "超过 1,000 行",
    ),
    "a string index beyond the table": (FINDINGS["a string index beyond the table"], "无法读取"),
    "a row tag cut short": (FINDINGS["a row tag cut short"], "无法读取"),
}


@pytest.mark.parametrize("case", PAGE_CASES)
@pytest.mark.parametrize("page", PAGES)
def test_each_import_page_shows_the_refusal_never_a_server_error(
    request, world, login, settings, page, case
):
    settings.LIANFANG_IMPORT_MAX_ROWS = 1000  # the limits scaled down, the shapes the same
    settings.LIANFANG_IMPORT_SHARED_STRINGS_MAX_MB = 5
    url, fixture, base = PAGES[page]
    (member, change), message = PAGE_CASES[case]
    data = workbooks.rewrite(request.getfixturevalue(fixture)[base], member, change)
    before = snapshot()
    response = login(world.users["integrity"]).post(
        reverse(url),
        {"organisation": world.hospital.pk, "file": SimpleUploadedFile(f"{page}.xlsx", data)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="import-file-error"' in html and message in html
    assert snapshot() == before


def test_the_import_pages_show_a_date_the_reader_cannot_convert(world, login, roster_files):
    member, change = FINDINGS["a date cell holding -1e12"]
    data = workbooks.rewrite(roster_files["roster-excel.xlsx"], member, change)
    response = login(world.users["integrity"]).post(
        reverse("org:roster_import"),
        {"organisation": world.hospital.pk, "file": SimpleUploadedFile("名册.xlsx", data)},
    )
    assert response.status_code == 400
    assert "第 2 行有无法读取的单元格" in response.content.decode()
