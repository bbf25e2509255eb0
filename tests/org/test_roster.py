import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.org import roster
from lianfang.org.models import Person, Post, PostAssignment

pytestmark = pytest.mark.django_db

HEADER = [
    "工号",
    "姓名",
    "性别",
    "科室",
    "岗位",
    "岗位起始日期",
    "职务/职称",
    "联系电话",
    "单位领导(是/否)",
]


def xlsx(rows, header=HEADER, name="roster.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=roster.XLSX_CONTENT_TYPE)


def run(world, file, org=None):
    return roster.roster_import(
        actor=world.users["integrity"], organisation=org or world.hospital, file=file
    )


GOOD_ROWS = [
    ["0301", "孙会计", "女", "财务科", "会计", dt.date(2021, 3, 1), "会计师", "13800000001", "否"],
    ["0302", "周出纳", "男", "财务科", "出纳", "2022/5/6", "", "13800000002", ""],
    ["0002", "吴院长", "男", "", "院长", "2019-01-01", "院长", "", "是"],
    [
        "0102",
        "张医生",
        "男",
        "心内科",
        "主治医师",
        dt.date(2020, 1, 1),
        "主治医师",
        "13900000000",
        "否",
    ],
]


def test_a_good_file_imports(world):
    result = run(world, xlsx(GOOD_ROWS))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (3, 1, 0)
    assert result.posts_created == 3  # 会计, 出纳 in 财务科 and the organisation-level 院长
    sun = Person.objects.get(organisation=world.hospital, staff_no="0301")
    assert (sun.name, sun.gender, sun.department, sun.title) == (
        "孙会计",
        "F",
        world.finance,
        "会计师",
    )
    assert sun.assignments.get().post.department == world.finance
    assert sun.assignments.get().start == dt.date(2021, 3, 1)
    zhou = Person.objects.get(staff_no="0302")
    assert zhou.assignments.get().start == dt.date(2022, 5, 6)
    wu = Person.objects.get(staff_no="0002")
    assert wu.is_leader and wu.department is None
    assert wu.assignments.get().post.department is None
    # the existing 张医生 kept his post and got his gender, title and phone
    zhang = Person.objects.get(pk=world.staff_person.pk)
    assert (zhang.gender, zhang.phone) == ("M", "13900000000")
    assert zhang.assignments.count() == 1
    # audited, one event per change, chain intact
    assert AuditEvent.objects.filter(action="person.create").count() == 3
    assert AuditEvent.objects.filter(action="person.update").count() == 1
    assert AuditEvent.objects.filter(action="post.create").count() == 3
    assert AuditEvent.objects.filter(action="post_assignment.create").count() == 3
    summary = AuditEvent.objects.get(action="roster.import")
    assert summary.after["created"] == 3 and summary.organisation_id == world.hospital.pk
    assert audit.verify().ok


def test_errors_in_rows_3_and_5_write_nothing_and_name_row_column_reason(world):
    rows = [
        ["0301", "孙会计", "女", "财务科", "会计", "2021-03-01", "", "", "否"],  # row 2
        ["0302", "周出纳", "男", "不存在科", "出纳", "2022-05-06", "", "", "否"],  # row 3
        ["0303", "郑护士", "女", "心内科", "护士", "2022-05-06", "", "", "否"],  # row 4
        ["0304", "王五", "未知", "心内科", "护士", "2022-13-45", "", "", "否"],  # row 5
    ]
    counts = (Person.objects.count(), Post.objects.count(), PostAssignment.objects.count())
    result = run(world, xlsx(rows))
    assert not result.ok
    found = [(e.row, e.column) for e in result.errors]
    assert found == [(3, "科室"), (5, "性别"), (5, "岗位起始日期")]
    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert "不存在科" in reasons[(3, "科室")] and "没有名为" in reasons[(3, "科室")]
    assert "男" in reasons[(5, "性别")] and "女" in reasons[(5, "性别")]
    assert "不是有效日期" in reasons[(5, "岗位起始日期")]
    assert (Person.objects.count(), Post.objects.count(), PostAssignment.objects.count()) == counts
    assert not AuditEvent.objects.exists()


def test_every_kind_of_row_error_is_reported(world):
    rows = [
        ["", "无工号", "", "", "", "", "", "", ""],  # 2: 工号 required
        ["0401", "", "", "", "", "", "", "", ""],  # 3: 姓名 required
        ["0402", "甲", "", "心内科", "护士", "", "", "", ""],  # 4: post without date
        ["0403", "乙", "", "心内科", "", "2020-01-01", "", "", ""],  # 5: date without post
        ["0404", "丙", "", "", "", "", "", "", "可能"],  # 6: bad leader flag
        ["0401", "丁", "", "", "", "", "", "", ""],  # 7: duplicate of row 3
        ["0102", "张医生", "", "采购中心", "采购员", "2019-06-01", "", "", ""],  # 8: before current
    ]
    result = run(world, xlsx(rows))
    by_row = {}
    for e in result.errors:
        by_row.setdefault(e.row, []).append((e.column, e.reason))
    # the person writer's rules and messages (the import only converts the cells)
    assert by_row[2] == [("工号", "请填写工号。")]
    assert by_row[3] == [("姓名", "请填写姓名。")]
    assert by_row[4] == [("岗位起始日期", "请填写任职开始日期。")]
    assert by_row[5] == [("岗位", "填写了岗位起始日期时，须填写岗位。")]
    assert by_row[6][0][0] == "单位领导(是/否)"
    assert by_row[7] == [("工号", "工号“0401”与第 3 行重复。")]
    # post_assign's rule and message
    assert by_row[8] == [
        ("岗位起始日期", "任职开始日期须晚于现任岗位“主治医师”的开始日期 2020-01-01。")
    ]
    assert not Person.objects.filter(staff_no__startswith="04").exists()


def test_reimport_updates_and_does_not_duplicate(world):
    run(world, xlsx(GOOD_ROWS))
    people, posts, held = (
        Person.objects.count(),
        Post.objects.count(),
        PostAssignment.objects.count(),
    )
    again = run(world, xlsx(GOOD_ROWS))
    assert (again.created, again.updated, again.unchanged, again.posts_created) == (0, 0, 4, 0)
    changed = [list(r) for r in GOOD_ROWS]
    changed[0][7] = "13800009999"  # new phone
    changed[1][4], changed[1][5] = "会计", "2024-01-01"  # 周 moves to 会计
    result = run(world, xlsx(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 2, 2)
    assert Person.objects.count() == people and Post.objects.count() == posts
    assert PostAssignment.objects.count() == held + 1
    zhou = Person.objects.get(staff_no="0302")
    old, new = zhou.assignments.order_by("start")
    assert (old.post.name, old.end) == ("出纳", dt.date(2023, 12, 31))
    assert (new.post.name, new.end) == ("会计", None)
    assert Person.objects.get(staff_no="0301").phone == "13800009999"


def test_export_then_import_roundtrip(world):
    content = roster.export_people(Person.objects.filter(organisation=world.hospital))
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0][: len(HEADER)]) == HEADER
    buyer = next(r for r in rows if r[0] == "0201")
    assert buyer[1:6] == ("陈采购", None, "采购中心", "采购员", dt.datetime(2015, 3, 1))
    assert buyer[8] == "否" and buyer[9] == "示例市人民医院"
    before = sorted(Person.objects.values_list("staff_no", "name", "department_id", "phone"))
    result = run(world, SimpleUploadedFile("roster.xlsx", content))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert (
        sorted(Person.objects.values_list("staff_no", "name", "department_id", "phone")) == before
    )


def test_rows_of_another_organisation_are_refused(world):
    content = roster.export_people(Person.objects.filter(organisation=world.other_hospital))
    result = run(world, SimpleUploadedFile("roster.xlsx", content))
    assert [(e.row, e.column) for e in result.errors] == [(2, "单位")]
    assert "示例市第二医院" in result.errors[0].reason


def test_unreadable_file_gets_a_clear_message(world):
    with pytest.raises(roster.RosterFileError) as excinfo:
        run(world, SimpleUploadedFile("roster.xlsx", b"this is not a workbook"))
    assert ".xlsx" in str(excinfo.value)
    with pytest.raises(roster.RosterFileError) as excinfo:
        run(world, xlsx([["0501", "甲"]], header=["工号", "姓名"]))
    assert "缺少以下列" in str(excinfo.value) and "科室" in str(excinfo.value)
    with pytest.raises(roster.RosterFileError):
        run(world, xlsx([]))


def test_blank_template_has_the_columns_and_departments(world):
    wb = load_workbook(io.BytesIO(roster.blank_template(world.hospital)))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER
    notes = [r[0] for r in wb["填写说明"].iter_rows(values_only=True)]
    assert "心内科" in notes and "财务科" in notes
    # a filled-in template imports
    ws = wb.worksheets[0]
    ws.append(["0601", "钱药师", "女", "心内科", "药师", "2023-01-01", "", "", "否"])
    out = io.BytesIO()
    wb.save(out)
    result = run(world, SimpleUploadedFile("t.xlsx", out.getvalue()))
    assert result.ok and result.created == 1


def _big_file(n, offset=0):
    rows = [
        [
            f"5{i + offset:04d}",
            f"职工{i}",
            "男" if i % 2 else "女",
            "心内科" if i % 3 else "财务科",
            f"岗位{offset}-{i % 7}",  # new posts in every file
            "2021-01-01",
            "",
            "",
            "否",
        ]
        for i in range(n)
    ]
    return xlsx(rows)


def test_import_reads_a_fixed_number_of_times_and_writes_in_batches(world):
    def queries(file):
        with CaptureQueriesContext(connection) as ctx:
            result = run(world, file)
        assert result.ok, result.errors[:3]
        sqls = [q["sql"] for q in ctx.captured_queries]
        return sum(sql.startswith("SELECT") for sql in sqls), len(sqls)

    small_reads, _ = queries(_big_file(20))
    large_reads, large_total = queries(_big_file(300, offset=1000))
    assert large_reads == small_reads
    assert large_total < 300 / 10  # inserts go in batches, never a query per row
    assert Person.objects.filter(staff_no__startswith="5").count() == 320


# Pages --------------------------------------------------------------------------------------


def test_import_page_shows_summary(world, login):
    client = login(world.users["integrity"])
    page = client.get(reverse("org:roster_import")).content.decode()
    assert 'data-progress="import-progress"' in page and 'id="import-progress"' in page
    response = client.post(
        reverse("org:roster_import"),
        {"organisation": world.hospital.pk, "file": xlsx(GOOD_ROWS)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "导入完成：新增 3 人，更新 1 人。" in page
    assert 'data-testid="import-summary"' in page


def test_import_page_shows_every_error_as_a_table(world, login):
    client = login(world.users["integrity"])
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][3] = "不存在科"  # row 3
    rows[3][2] = "X"  # row 5
    response = client.post(
        reverse("org:roster_import"), {"organisation": world.hospital.pk, "file": xlsx(rows)}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "发现 2 处错误，未导入任何数据" in page
    assert '<th scope="col">行</th><th scope="col">列</th><th scope="col">原因</th>' in page
    assert "<td>3</td><td>科室</td>" in page and "<td>5</td><td>性别</td>" in page
    assert not Person.objects.filter(staff_no="0301").exists()


def test_import_page_rejects_other_formats_and_foreign_organisations(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:roster_import"),
        {
            "organisation": world.hospital.pk,
            "file": SimpleUploadedFile("roster.csv", b"a,b\n1,2\n"),
        },
    )
    assert response.status_code == 400
    assert "只能导入 Excel 文件（.xlsx 或旧版 .xls）" in response.content.decode()
    response = client.post(
        reverse("org:roster_import"),
        {
            "organisation": world.hospital.pk,
            "file": SimpleUploadedFile("roster.xlsx", b"PK\x03\x04garbage"),
        },
    )
    assert response.status_code == 400
    assert "无法读取该文件" in response.content.decode()
    # the hospital's integrity office cannot import into the other hospital
    response = client.post(
        reverse("org:roster_import"),
        {"organisation": world.other_hospital.pk, "file": xlsx(GOOD_ROWS)},
    )
    assert response.status_code == 400
    assert not Person.objects.filter(staff_no="0301").exists()


def test_export_contains_only_visible_people(world, login):
    response = login(world.users["staff"]).get(reverse("org:roster_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == roster.XLSX_CONTENT_TYPE
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["张医生"]
    response = login(world.users["integrity"]).get(reverse("org:roster_export") + "?q=医生")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sorted(r[1] for r in rows[1:]) == ["张医生", "赵医生"]


def test_template_download(world, login):
    response = login(world.users["admin"]).get(
        reverse("org:roster_template") + f"?organisation={world.hospital.pk}"
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER


def test_a_row_with_a_cell_that_cannot_be_read_gets_the_rules_problems_too(world):
    """The import only converts cells; the person writer's rules check what could be read,
    in rows with an unreadable cell too, so one round of corrections is enough."""
    rows = [["0102", "张医生", "X", "采购中心", "采购员", "2019-06-01", "", "", ""]]
    result = run(world, xlsx(rows))
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "性别", "“X”无效，只能填写“男”或“女”。"),
        (2, "岗位起始日期", "任职开始日期须晚于现任岗位“主治医师”的开始日期 2020-01-01。"),
    ]
    assert not AuditEvent.objects.exists()


def test_row_errors_speak_the_language_of_the_import(world):
    """The parsers' messages are declared once and translated when a row needs one."""
    rows = [["0102", "张医生", "X", "", "", "", "", "", ""]]
    with translation.override("en"):
        result = run(world, xlsx(rows))
    assert [e.reason for e in result.errors] == [
        "“X” is invalid; only “男” (male) or “女” (female) is allowed."
    ]
    result = run(world, xlsx(rows))
    assert [e.reason for e in result.errors] == ["“X”无效，只能填写“男”或“女”。"]


# 工号 as Excel and people type them ------------------------------------------------------------

ZHANG = ["张医生", "男", "心内科", "主治医师", dt.date(2020, 1, 1), "", "", "否"]


def counts():
    return (Person.objects.count(), PostAssignment.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize(
    "typed", ["０１０２", "0102\u200b", " 01 02 ", "\ufeff0102", "01\u300002", "0\u200d102"]
)
def test_a_staff_number_typed_another_way_is_the_same_person(world, typed):
    """Full-width digits, spaces and invisible characters are no other 工号: the existing
    张医生 (0102) is updated, no second person is created."""
    people = Person.objects.count()
    result = run(world, xlsx([[typed, *ZHANG]]))
    assert result.ok, result.errors
    assert (result.created, result.updated + result.unchanged) == (0, 1)
    assert Person.objects.count() == people
    assert Person.objects.get(pk=world.staff_person.pk).staff_no == "0102"


def test_a_number_that_lost_its_leading_zeros_is_refused_not_guessed(world):
    """The hospital's 工号 are written with leading zeros (0102): a number cell 102 is what
    Excel left of 0102, or of 00102. The row is refused, saying what Excel did."""
    before = counts()
    result = run(world, xlsx([[102, *ZHANG]]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "工号")]
    reason = result.errors[0].reason
    assert "Excel 已去掉开头的 0" in reason and "请把该列设为文本格式后重新输入" in reason
    assert counts() == before


def test_a_number_that_cannot_have_lost_a_zero_is_read_as_its_digits(world):
    """As long as the zero-padded 工号 in use (4 digits), or longer: nothing was lost."""
    result = run(world, xlsx([[5001, "新同事", "女", "心内科", "", "", "", "", "否"]]))
    assert result.ok and result.created == 1, result.errors
    assert Person.objects.filter(organisation=world.hospital, staff_no="5001").exists()


def test_the_file_s_own_zero_padded_numbers_count_too(world):
    """A new organisation has no 工号 yet: the file's text cells (00301) show that a number
    cell of fewer digits (302) lost its zeros."""
    rows = [
        ["00301", "孙会计", "女", "", "", "", "", "", ""],
        [302, "周出纳", "男", "", "", "", "", "", ""],
    ]
    result = run(world, xlsx(rows), org=world.other_hospital)
    assert [(e.row, e.column) for e in result.errors] == [(3, "工号")]
    assert "“00301”" in result.errors[0].reason
    assert not Person.objects.filter(staff_no__in=["00301", "302"]).exists()


def with_values(upload, values: dict) -> SimpleUploadedFile:
    """`upload` (an .xlsx) with cells' numbers replaced, as a damaged or hand-made file holds
    them: {"A2": "1e400"}."""
    import re

    from tests.core import workbooks

    def change(xml):
        for ref, value in values.items():
            xml = re.sub(
                rb'(<c r="%s"[^>]*><v>)[^<]*' % ref.encode(), rb"\g<1>" + value.encode(), xml
            )
        return xml

    data = workbooks.rewrite(upload.read(), workbooks.SHEET, change)
    return SimpleUploadedFile("roster.xlsx", data)


def test_1e400_makes_no_person(world):
    """The issue's finding: 工号 written as 1e400 (read as infinity) created people named by
    "inf", a new one for each such row on every import."""
    before = counts()
    upload = with_values(
        xlsx([[9001, "甲", "", "", "", "", "", "", ""], [9002, "乙", "", "", "", "", "", "", ""]]),
        {"A2": "1e400", "A3": "-1e400"},
    )
    result = run(world, upload)
    assert [(e.row, e.column) for e in result.errors] == [(2, "工号"), (3, "工号")]
    assert all("1e400" in e.reason for e in result.errors)
    assert counts() == before


def test_a_staff_number_excel_read_as_a_date_or_with_a_fraction_is_refused(world):
    rows = [
        [dt.date(2026, 3, 12), "甲", "", "", "", "", "", "", ""],  # 3-12 typed, a date to Excel
        [102.5, "乙", "", "", "", "", "", "", ""],
        [123456789012345678, "丙", "", "", "", "", "", "", ""],  # an ID card number
    ]
    result = run(world, xlsx(rows))
    reasons = {e.row: e.reason for e in result.errors if e.column == "工号"}
    assert "当作了日期" in reasons[2] and "不是编号" in reasons[3] and "15 位" in reasons[4]
    assert not Person.objects.filter(name__in=["甲", "乙", "丙"]).exists()


def test_the_import_page_shows_what_excel_did(world, login):
    response = login(world.users["integrity"]).post(
        reverse("org:roster_import"),
        {"organisation": world.hospital.pk, "file": xlsx([[102, *ZHANG]])},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Excel 已去掉开头的 0" in page and "<td>2</td><td>工号</td>" in page


WIDE = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}  # ASCII → full-width


@st.composite
def typings(draw, staff_no: str):
    """How `staff_no` reaches the import: as text typed in other ways (full-width, spaces,
    invisible characters), or as a number cell (what Excel keeps of it, or 1e400)."""
    kind = draw(st.sampled_from(["text", "text", "number", "beyond"]))
    if kind == "number":
        return int(staff_no) if draw(st.booleans()) else float(int(staff_no))
    if kind == "beyond":
        return draw(st.sampled_from(["1e400", "-1e400", "1e309"]))  # patched into a number cell
    typed = "".join(WIDE[c] if draw(st.booleans()) else c for c in staff_no)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(typed)))
        typed = (
            typed[:at]
            + draw(st.sampled_from(["\u200b", "\ufeff", " ", "\u3000", "\u2060"]))
            + typed[at:]
        )
    return typed


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_however_a_staff_number_is_typed_no_second_person_is_made(world, data):
    """The issue's finding: 工号 as full-width digits, a number that lost its leading zeros,
    with a zero-width character, or as 1e400 created duplicate people. Whatever way an
    existing 工号 comes in, the import updates that person or refuses the cell."""
    person = data.draw(
        st.sampled_from(list(Person.objects.filter(organisation=world.hospital).order_by("pk")))
    )
    typed = data.draw(typings(person.staff_no))
    row = [typed, person.name, "", "", "", "", "", "", ""]
    upload = xlsx([[9999 if isinstance(typed, str) and "e" in typed else typed, *row[1:]]])
    if isinstance(typed, str) and "e" in typed:
        upload = with_values(upload, {"A2": typed})
    people = Person.objects.count()
    with transaction.atomic():
        result = run(world, upload)
        assert Person.objects.count() == people
        if result.ok:
            assert result.created == 0 and result.updated + result.unchanged == 1
        else:
            assert [e.column for e in result.errors] == ["工号"], result.errors
            assert "Excel" in result.errors[0].reason
        transaction.set_rollback(True)
