import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.org import power_io, power_selectors
from lianfang.org.models import Department, Post, Power, PowerStep
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_power, make_risk_point

pytestmark = pytest.mark.django_db

HEADER = [
    "编码",
    "权力名称",
    "权力类别",
    "行使依据",
    "承办部门",
    "承办岗位",
    "责任事项",
    "办理期限",
    "是否公开",
    "流程环节",
]
GOOD_ROWS = [
    [
        "CG-01",
        "药品耗材采购",
        "采购",
        "《政府采购法》第二十四条",
        "采购中心",
        "采购员、副院长",
        "组织药品耗材采购",
        30,
        "是",
        "提出需求 → 供应商遴选★ → 合同签订★ → 验收入库",
    ],
    ["CW-01", "资金支付审批", "财务", "《会计法》", "财务科", "", "", "5天", "否", "申请→审核★"],
    ["YY-01", "处方权", "用药", "", "心内科", "主治医师", "", None, "", ""],
]


def xlsx(rows, header=HEADER, name="powers.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=power_io.XLSX_CONTENT_TYPE)


def run(world, file, org=None):
    return power_io.power_import(
        actor=world.users["integrity"], organisation=org or world.hospital, file=file
    )


def errors_of(result):
    return [(e.row, e.column, e.reason) for e in result.errors]


def test_good_file_creates_powers_with_posts_and_steps(world):
    result = run(world, xlsx(GOOD_ROWS))
    assert result.ok, errors_of(result)
    assert (result.created, result.updated, result.steps_created) == (3, 0, 6)
    power = Power.objects.get(organisation=world.hospital, code="CG-01")
    assert power.category == Power.Category.PROCUREMENT
    assert power.department == world.procurement
    assert power.time_limit_days == 30 and power.is_public
    assert sorted(power.posts.values_list("name", flat=True)) == ["副院长", "采购员"]
    steps = list(power.steps.order_by("order").values_list("key", "name", "is_control_point"))
    assert steps == [
        ("step-1", "提出需求", False),
        ("step-2", "供应商遴选", True),
        ("step-3", "合同签订", True),
        ("step-4", "验收入库", False),
    ]
    finance = Power.objects.get(code="CW-01")
    assert (finance.time_limit_days, finance.is_public) == (5, False)
    prescribing = Power.objects.get(code="YY-01")
    assert prescribing.is_public and prescribing.time_limit_days is None
    assert not prescribing.steps.exists()
    summary = AuditEvent.objects.get(action="power_catalogue.import")
    assert summary.after["created"] == 3
    assert AuditEvent.objects.filter(action="power.create").count() == 3
    assert AuditEvent.objects.filter(action="power_step.create").count() == 6
    assert audit.verify().ok


def test_bad_rows_are_all_reported_and_nothing_is_written(world):
    rows = [
        GOOD_ROWS[0],
        ["", "", "", "", "", "", "", "", "", ""],  # blank row: skipped
        ["", "无编码", "采购", "", "", "", "", "", "", ""],
        ["X-1", "类别错误", "打猎", "", "不存在科", "", "", "三十天", "也许", ""],
        ["X-2", "岗位错误", "其他", "", "", "保洁员", "", 0, "", "受理 →  → 办结"],
        ["CG-01", "重复编码", "采购", "", "", "", "", "", "", ""],
    ]
    before = AuditEvent.objects.count()
    result = run(world, xlsx(rows))
    assert not result.ok
    found = errors_of(result)
    columns = {(row, column) for row, column, _reason in found}
    assert columns == {
        (4, "编码"),
        (5, "权力类别"),
        (5, "承办部门"),
        (5, "办理期限(天)"),
        (5, "是否公开"),
        (6, "承办岗位"),
        (6, "办理期限(天)"),
        (6, "流程环节"),
        (7, "编码"),
    }
    reasons = {(row, column): reason for row, column, reason in found}
    # the power writer's rules and messages (the import only converts the cells)
    assert reasons[(4, "编码")] == "请填写编码。"
    assert "“打猎”不是有效的权力类别" in reasons[(5, "权力类别")]
    assert "本单位没有名为“不存在科”的科室" in reasons[(5, "承办部门")]
    assert "“三十天”不是有效的办理期限" in reasons[(5, "办理期限(天)")]
    assert "只能填写“是”或“否”" in reasons[(5, "是否公开")]
    assert "本单位没有名为“保洁员”的岗位" in reasons[(6, "承办岗位")]
    assert reasons[(6, "办理期限(天)")] == "期限须为 1 至 3650 天。"
    assert reasons[(6, "流程环节")] == "第 2 个环节：请填写环节名称。"
    assert reasons[(7, "编码")] == "编码“CG-01”与第 2 行重复。"
    assert not Power.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_power_writers_rules_check_what_the_cells_say(world):
    """The import only converts cells: an empty 权力类别 is the writer's to refuse, and a row
    with a cell that cannot be read gets the rules' problems of its other columns too."""
    rows = [["CG-09", "名" * 201, "", "", "", "", "", 0, "也许", ""]]
    result = run(world, xlsx(rows))
    assert errors_of(result) == [
        (2, "权力名称", "权力名称不能超过 200 个字。"),
        (2, "权力类别", "请选择有效的权力类别。"),
        (2, "办理期限(天)", "期限须为 1 至 3650 天。"),
        (2, "是否公开", "“也许”无效，只能填写“是”或“否”。"),
    ]
    assert not Power.objects.exists()


def test_missing_columns_and_unreadable_files_are_refused(world):
    with pytest.raises(power_io.PowerFileError) as excinfo:
        run(world, xlsx([["A", "B"]], header=["编码", "权力名称"]))
    assert "表头缺少以下列：权力类别、行使依据" in str(excinfo.value)
    with pytest.raises(power_io.PowerFileError):
        run(world, SimpleUploadedFile("powers.xlsx", b"not a workbook"))
    with pytest.raises(power_io.PowerFileError) as excinfo:
        run(world, xlsx([]))
    assert "没有权力事项" in str(excinfo.value)


def test_row_of_another_organisation_is_refused(world):
    rows = [[*GOOD_ROWS[2], "示例市第二医院"]]
    result = run(world, xlsx(rows, header=[*HEADER, "单位"]))
    assert errors_of(result) == [
        (2, "单位", "该行属于“示例市第二医院”，不是“示例市人民医院”的权力事项。")
    ]


def test_reimport_updates_without_duplicates_and_keeps_steps_with_risk_points(world):
    assert run(world, xlsx(GOOD_ROWS)).ok
    power = Power.objects.get(code="CG-01")
    choose = power.steps.get(name="供应商遴选")
    point = make_risk_point(power=power, step=choose, post=Post.objects.get(code="P-CGY"))
    Power.objects.filter(pk=power.pk).update(active=False)
    changed = [row[:] for row in GOOD_ROWS]
    changed[0][1] = "药品及耗材采购"
    changed[0][9] = "供应商遴选★ → 提出需求 → 验收入库 → 结算付款"  # reorder, drop one, add one
    result = run(world, xlsx(changed))
    assert result.ok, errors_of(result)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert (result.steps_created, result.steps_removed) == (1, 1)
    assert Power.objects.filter(organisation=world.hospital).count() == 3
    power.refresh_from_db()
    assert power.name == "药品及耗材采购"
    assert power.active is False  # the file does not carry it
    assert list(power.steps.order_by("order").values_list("name", "key")) == [
        ("供应商遴选", "step-2"),
        ("提出需求", "step-1"),
        ("验收入库", "step-4"),
        ("结算付款", "step-4-2"),
    ]
    point.refresh_from_db()
    assert point.step_id == choose.pk
    update = AuditEvent.objects.get(action="power.update")
    assert update.before == {"name": "药品耗材采购"} and update.after == {"name": "药品及耗材采购"}
    # the same file again changes nothing
    again = run(world, xlsx(changed))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_removing_a_step_that_risk_points_use_is_an_error_for_that_row(world):
    assert run(world, xlsx(GOOD_ROWS)).ok
    power = Power.objects.get(code="CG-01")
    choose = power.steps.get(name="供应商遴选")
    make_risk_point(power=power, step=choose)
    changed = [row[:] for row in GOOD_ROWS]
    changed[0][9] = "提出需求 → 验收入库"
    changed[1][1] = "资金支付"
    before = AuditEvent.objects.count()
    result = run(world, xlsx(changed))
    assert errors_of(result) == [
        (
            2,
            "流程环节",
            # the rule and message of power_step_remove
            "环节“供应商遴选”上有 1 个风险点，不能删除。请先把这些风险点调整到其他环节。",
        )
    ]
    assert power.steps.count() == 4
    assert Power.objects.get(code="CW-01").name == "资金支付审批"
    assert AuditEvent.objects.count() == before


def test_ambiguous_post_names_need_the_department(world):
    Post.objects.create(
        organisation=world.hospital, department=world.finance, name="采购员", code="P-CWCGY"
    )
    rows = [["Z-1", "物资采购", "采购", "", "", "采购员", "", "", "", ""]]
    result = run(world, xlsx(rows))
    (error,) = result.errors
    assert (error.row, error.column) == (2, "承办岗位")
    assert "本单位有多个名为“采购员”的岗位（财务科、采购中心）" in error.reason
    rows[0][5] = "财务科/采购员"
    assert run(world, xlsx(rows)).ok
    assert list(Power.objects.get(code="Z-1").posts.values_list("code", flat=True)) == ["P-CWCGY"]
    # the power's department decides a plain name
    rows[0][4], rows[0][5] = "采购中心", "采购员"
    assert run(world, xlsx(rows)).ok
    assert list(Power.objects.get(code="Z-1").posts.values_list("code", flat=True)) == ["P-CGY"]


def _export(world, user="integrity"):
    from lianfang.accounts.models import User

    powers = power_selectors.export_queryset(
        power_selectors.power_filter(user=User.objects.get(username=user))
    )
    return power_io.export_powers(powers)


def _sheet(content):
    ws = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_export_uses_the_catalogue_layout(world):
    assert run(world, xlsx(GOOD_ROWS)).ok
    make_power(world.other_hospital, "外院采购", "CG-01")
    rows = _sheet(_export(world))
    assert rows[0] == [*HEADER[:7], "办理期限(天)", "是否公开", "流程环节", "单位"]
    assert [r[0] for r in rows[1:]] == ["CG-01", "CW-01", "YY-01"]
    assert rows[1] == [
        "CG-01",
        "药品耗材采购",
        "采购",
        "《政府采购法》第二十四条",
        "采购中心",
        "副院长、采购员",
        "组织药品耗材采购",
        30,
        "是",
        "提出需求 → 供应商遴选★ → 合同签订★ → 验收入库",
        "示例市人民医院",
    ]
    assert rows[2][8] == "否" and rows[2][9] == "申请 → 审核★"


def test_export_then_import_roundtrip_loses_and_duplicates_nothing(world):
    # a post name used in two departments, and a unit-level post sharing a department's name
    Post.objects.create(
        organisation=world.hospital, department=world.finance, name="采购员", code="P-CWCGY"
    )
    Post.objects.create(
        organisation=world.hospital, department=world.finance, name="副院长", code="P-CWFYZ"
    )
    power = make_power(
        world.hospital,
        "预算执行",
        "CW-02",
        department=world.finance,
        category=Power.Category.FINANCE,
        basis="《预算法》第五十七条",
        duties="执行预算，\n按月报告",
        time_limit_days=10,
        is_public=False,
        steps=[("draft", "编制"), ("approve", "审批")],
    )
    power.posts.set(Post.objects.filter(code__in=["P-CGY", "P-CWCGY", "P-FYZ"]))
    PowerStep.objects.filter(power=power, key="approve").update(is_control_point=True)
    assert run(world, xlsx(GOOD_ROWS)).ok
    first = _export(world)
    state = _state(world)
    result = run(world, SimpleUploadedFile("powers.xlsx", first))
    assert result.ok, errors_of(result)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert _state(world) == state
    assert _sheet(_export(world)) == _sheet(first)
    # into an empty organisation with the same departments and posts: the same catalogue
    twin = _twin_hospital(world)
    rows = [[*row[:10], twin.name] for row in _sheet(first)[1:]]
    assert run(world, xlsx(rows, header=_sheet(first)[0]), org=twin).ok
    assert _state(world, twin) == _state(world)


def test_text_starting_with_equals_is_exported_as_text_not_a_formula(world):
    make_power(world.hospital, '=HYPERLINK("http://example.com","点击")', "=1+1")
    content = _export(world)
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["A2"].data_type == "s" and ws["B2"].data_type == "s"
    assert ws["A2"].value == "=1+1"
    result = run(world, SimpleUploadedFile("powers.xlsx", content))
    assert (result.created, result.unchanged) == (0, 1), errors_of(result)


def _state(world, org=None):
    org = org or world.hospital
    return sorted(
        (
            p.code,
            p.name,
            p.category,
            p.basis,
            p.department.name if p.department else None,
            tuple(
                sorted((s.department.name if s.department else "", s.name) for s in p.posts.all())
            ),
            p.duties,
            p.time_limit_days,
            p.is_public,
            tuple((s.name, s.order, s.is_control_point) for s in p.steps.order_by("order")),
        )
        for p in Power.objects.filter(organisation=org)
    )


def _twin_hospital(world):
    from tests.factories import make_org

    twin = make_org("示例市第三医院", "H3", world.commission)
    departments = {
        d.pk: Department.objects.create(organisation=twin, name=d.name, code=d.code)
        for d in Department.objects.filter(organisation=world.hospital)
    }
    for post in Post.objects.filter(organisation=world.hospital):
        Post.objects.create(
            organisation=twin,
            department=departments.get(post.department_id),
            name=post.name,
            code=post.code,
        )
    return twin


def test_template_lists_headers_departments_and_posts(world):
    content = power_io.blank_template(world.hospital)
    wb = load_workbook(io.BytesIO(content))
    header = [c.value for c in wb["职权目录"][1]]
    assert header == [*HEADER[:7], "办理期限(天)", "是否公开", "流程环节"]
    notes = [row[0] for row in wb["填写说明"].iter_rows(values_only=True)]
    assert "采购中心" in notes and "采购员" in notes
    assert any("可选的权力类别：采购、基建" in (n or "") for n in notes)
    # the blank template itself imports once filled in
    ws = wb["职权目录"]
    ws.append(GOOD_ROWS[2])
    out = io.BytesIO()
    wb.save(out)
    assert run(world, SimpleUploadedFile("t.xlsx", out.getvalue())).ok


# Pages ----------------------------------------------------------------------------------------


def test_import_page_success_and_errors(world, login):
    client = login(world.users["integrity"])
    page = client.get(reverse("org:power_import"))
    assert page.status_code == 200
    response = client.post(
        reverse("org:power_import"),
        {"organisation": world.hospital.pk, "file": xlsx(GOOD_ROWS[:1])},
    )
    assert response.status_code == 200
    assert 'data-testid="import-summary"' in response.content.decode()
    bad = [["Q-1", "测试", "打猎", "", "", "", "", "", "", ""]]
    response = client.post(
        reverse("org:power_import"), {"organisation": world.hospital.pk, "file": xlsx(bad)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "未导入任何数据" in body and "权力类别" in body and "“打猎”不是有效的权力类别" in body
    assert not Power.objects.filter(code="Q-1").exists()
    response = client.post(
        reverse("org:power_import"),
        {"organisation": world.hospital.pk, "file": SimpleUploadedFile("p.xlsx", b"junk")},
    )
    assert response.status_code == 400 and "无法读取该文件" in response.content.decode()


def test_import_into_an_organisation_outside_the_subtree_is_refused(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("org:power_import"),
        {"organisation": world.other_hospital.pk, "file": xlsx(GOOD_ROWS[2:])},
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode() or "Select a valid" in (
        response.content.decode()
    )
    assert not Power.objects.exists()


def test_export_and_template_downloads(world, login):
    assert run(world, xlsx(GOOD_ROWS)).ok
    make_power(world.other_hospital, "外院采购", "W-01")
    staff = login(world.users["staff"])
    response = staff.get(reverse("org:power_export"), {"category": "finance"})
    assert response.status_code == 200
    assert response["Content-Type"] == power_io.XLSX_CONTENT_TYPE
    rows = _sheet(response.content)
    assert [r[0] for r in rows[1:]] == ["CW-01"]
    rows = _sheet(staff.get(reverse("org:power_export")).content)
    assert "W-01" not in [r[0] for r in rows]
    integrity = login(world.users["integrity"])
    response = integrity.get(reverse("org:power_template"), {"organisation": world.hospital.pk})
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_risk_point_count_on_rows_is_unchanged_by_import(world):
    assert run(world, xlsx(GOOD_ROWS)).ok
    power = Power.objects.get(code="CG-01")
    make_risk_point(power=power, step=power.steps.get(name="合同签订"))
    assert run(world, xlsx(GOOD_ROWS)).ok
    assert RiskPoint.objects.get().step.name == "合同签订"


# 编码 as Excel and people type them -------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ＣＧ－０１", "CG-01\u200b", " CG - 01 ", "\ufeffCG-01"])
def test_a_code_typed_another_way_is_the_same_power(world, typed):
    assert run(world, xlsx(GOOD_ROWS[:1])).ok
    powers = Power.objects.count()
    result = run(world, xlsx([[typed, *GOOD_ROWS[0][1:]]]))
    assert result.ok, errors_of(result)
    assert (result.created, result.updated + result.unchanged) == (0, 1)
    assert Power.objects.count() == powers


def test_a_number_code_that_lost_its_leading_zeros_is_refused(world):
    """The catalogue's codes are written with zeros (0012): a number cell 12 is what Excel
    left of one; a number as long (1012) could not have lost any."""
    make_power(world.hospital, "预算调整", "0012", department=world.finance)
    powers = Power.objects.count()
    row = ["", "预算执行", "财务", "", "财务科", "", "", "", "", ""]
    result = run(world, xlsx([[12, *row[1:]]]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "编码")]
    assert "Excel 已去掉开头的 0（已有编号如“0012”）" in result.errors[0].reason
    assert Power.objects.count() == powers
    result = run(world, xlsx([[1012, *row[1:]]]))
    assert result.ok and result.created == 1, errors_of(result)
    assert Power.objects.filter(organisation=world.hospital, code="1012").exists()
