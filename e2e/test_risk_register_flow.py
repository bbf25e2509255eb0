"""Issue #3 end to end in Chromium: an integrity officer imports the hospital pack, grades it with
the default 3×3 matrix, switches to 5×5 and finds the re-grade on a risk point's timeline, prints
a leader's 廉政风险定位表 as a PDF with Chinese text, exports the register to Excel and imports it
back with nothing lost or duplicated, and sees a vague risk point refused at filing."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from e2e.conftest import screenshot, sign_in
from lianfang.risks import grading
from lianfang.risks.models import Level, Measure, RiskPoint, RiskPointEvent

pytestmark = pytest.mark.e2e

# Server work done by one click (importing a pack, re-grading, rendering a PDF) on a loaded machine.
SLOW = 45_000


def _compact(text: str) -> str:
    """Text without white space: a PDF breaks a table cell's text over several lines."""
    return re.sub(r"\s+", "", text)


def _register_state(organisation):
    """What an export followed by an import must leave alone."""
    points = RiskPoint.objects.filter(organisation=organisation).order_by("pk")
    rows = list(
        points.values_list(
            "pk",
            "name",
            "manifestation",
            "category",
            "subject",
            "department_id",
            "post_id",
            "power_id",
            "step_id",
            "likelihood",
            "harm",
            "level",
            "status",
            "source",
            "review_due",
        )
    )
    measures = list(
        Measure.objects.filter(organisation=organisation)
        .order_by("pk")
        .values_list("pk", "text", "owner_department_id", "owner_person_id", "due", "status")
    )
    links = sorted(points.values_list("pk", "measures__pk"))
    return rows, measures, links


def test_integrity_officer_builds_the_register(world, page, live_server, tmp_path):
    hospital = world.hospital
    page.set_default_navigation_timeout(SLOW)
    sign_in(page, live_server, world.users["integrity"])

    # 1. 标准库: import the hospital pack; the register grades it with the default 3×3 matrix.
    page.goto("/risks/library/")
    form = page.locator("[data-testid=library-import-hospital]")
    form.locator("select").select_option(str(hospital.pk))
    form.locator("button[type=submit]").click(timeout=SLOW)
    report = page.locator("[data-testid=library-report-counts]")
    expect(report).to_be_visible(timeout=SLOW)
    points = RiskPoint.objects.filter(organisation=hospital)
    total = points.count()
    assert total >= 100
    assert Measure.objects.filter(organisation=hospital).exists()
    expect(report.locator("tr", has_text="风险点").locator("td").first).to_have_text(str(total))
    expect(page.locator("[data-testid=library-report]")).to_contain_text("示例市人民医院")
    screenshot(page, "flow-1-library-report")
    # the pack's procurement and finance powers landed on the world's departments of those names
    assert points.filter(department=world.procurement).exists()
    assert points.filter(department=world.finance).exists()

    page.click("[data-testid=library-register-link]")
    expect(page.locator("[data-testid=level-summary]")).to_contain_text(f"共 {total} 个风险点")
    default = grading.active_scheme(hospital)
    assert default.matrix_size == 3
    for point in points:
        assert point.level == grading.grade_point(default, point), point.name
    by_level = {level: points.filter(level=level).count() for level in Level.values}
    assert all(by_level.values()), by_level  # the pack has 高, 中 and 低 risk points
    for level in Level.values:
        expect(page.locator(f"[data-testid=level-count-{level}]")).to_have_text(
            str(by_level[level])
        )
    page.goto("/risks/?per_page=200")
    rows = page.locator("[data-testid=register-row]")
    expect(rows).to_have_count(min(total, 200))
    for level, short in ((1, "高"), (2, "中"), (3, "低")):
        expect(rows.locator(f".lf-level-badge.lf-level-{level}").first).to_have_text(short)
    screenshot(page, "flow-1-register", full_page=False)

    # 2. 定级方案: the one-click switch to a 5×5 matrix re-grades the register, with history.
    page.goto(f"/risks/schemes/org/{hospital.pk}/")
    expect(page.locator("[data-testid=scheme-default]")).to_contain_text("3×3")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=switch-5x5]", timeout=SLOW)
    flash = page.locator(".alert-success")
    expect(flash).to_contain_text("已重新定级", timeout=SLOW)
    regraded = RiskPointEvent.objects.filter(
        risk_point__organisation=hospital, type=RiskPointEvent.Type.REGRADED
    )
    assert regraded.exists()
    expect(flash).to_contain_text(f"已重新定级 {regraded.count()} 个风险点")
    expect(page.locator("[data-testid=scheme-matrix] td[class^=lf-level]")).to_have_count(25)
    screenshot(page, "flow-2-scheme-5x5")
    event = next(e for e in regraded.order_by("pk") if "level" in e.changes)
    old, new = event.changes["level"]
    assert old != new
    point = event.risk_point
    assert point.level == new
    page.goto(f"/risks/points/{point.pk}/")
    entry = page.locator("[data-testid=timeline] > li", has_text="调整等级")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("定级方案变更：3×3 矩阵 → 5×5 矩阵")
    expect(entry.locator(".lf-change", has_text="风险等级")).to_have_text(
        f"风险等级：{Level(old).label} → {Level(new).label}"
    )
    screenshot(page, "flow-2-point-timeline")

    # 3. The leader in charge of 采购中心 and 财务科: the 廉政风险定位表 page and its PDF.
    page.goto("/risks/positioning/")
    page.locator("[data-testid=positioning-person]", has_text=world.leader_person.name).locator(
        "a", has_text=world.leader_person.name
    ).click()
    # the points registered above are drafts: an official table leaves them out unless asked
    page.click("[data-testid=positioning-drafts]")
    table = page.locator("[data-testid=positioning-table]")
    expect(table).to_contain_text("采购中心")
    expect(table).to_contain_text("财务科")
    # long texts wrap: the whole chain, measures included, fits a desktop screen
    wrapper = page.locator(".table-responsive", has=table)
    assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    screenshot(page, "flow-3-positioning", full_page=False)
    with page.expect_download(timeout=SLOW) as download_info:
        page.click("[data-testid=positioning-pdf]", timeout=SLOW)
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / "positioning.pdf"
    download.save_as(pdf_path)
    reader = PdfReader(pdf_path)
    text = _compact("".join(p.extract_text() for p in reader.pages))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for pdf_page in reader.pages
        for font in pdf_page["/Resources"]["/Font"].values()
    }
    assert any("CJK" in font for font in fonts), fonts  # real Chinese glyphs are embedded
    assert "廉政风险定位表" in text
    assert world.leader_person.name in text
    in_charge = points.filter(department__in=[world.procurement, world.finance])
    assert any(_compact(name) in text for name in in_charge.values_list("name", flat=True))

    # 4. Export the register to Excel from its page and import the same file: nothing changes.
    before = _register_state(hospital)
    page.goto("/risks/")
    with page.expect_download(timeout=SLOW) as download_info:
        page.click("[data-testid=register-xlsx]", timeout=SLOW)
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    xlsx_path = tmp_path / "register.xlsx"
    download.save_as(xlsx_path)
    page.click("[data-testid=register-import-link]")
    expect(page.locator("#id_organisation")).to_have_value(str(hospital.pk))
    page.set_input_files("#id_file", xlsx_path)
    page.click("[data-testid=import-form] button[type=submit]", timeout=SLOW)
    summary = page.locator("[data-testid=import-summary]")
    expect(summary).to_be_visible(timeout=SLOW)
    expect(summary.locator("[data-testid=import-created]")).to_have_text("0")
    expect(summary.locator("[data-testid=import-unchanged]")).to_have_text(str(total))
    screenshot(page, "flow-4-register-import")
    after = _register_state(hospital)
    assert len(after[0]) == len(before[0]) == total
    assert len(after[1]) == len(before[1])
    assert after == before

    # 5. A vague risk point without a measure is refused at filing, with the reasons.
    page.goto("/risks/")
    page.click("text=新增风险点")
    power = points.filter(department=world.procurement).select_related("power").first().power
    page.select_option("#id_subject", RiskPoint.Subject.DEPARTMENT)
    page.select_option("#id_department", str(world.procurement.pk))
    page.select_option("#id_power", str(power.pk))
    page.select_option("#id_category", "ideological_moral")
    page.fill("#id_name", "政治学习不够扎实")
    page.fill("#id_manifestation", "政治学习不够扎实")
    page.select_option("#id_likelihood", "1")
    page.select_option("#id_harm", "1")
    page.click("[data-testid=edit-form] button[type=submit]", timeout=SLOW)
    expect(page.locator("h1")).to_contain_text("政治学习不够扎实")
    vague = RiskPoint.objects.get(organisation=hospital, name="政治学习不够扎实")
    # the integrity office files directly, with a reason, and the vagueness rule refuses it
    page.click("[data-testid=file-directly-link]", timeout=SLOW)
    page.fill("#id_text", "纪检监察部门组织审查后直接备案")
    page.click("[data-testid=edit-form] button[type=submit]", timeout=SLOW)
    refused = page.locator("[data-testid=file-refused]")
    expect(refused).to_contain_text("未能备案")
    expect(refused).to_contain_text("空泛表述“政治学习不够扎实”")
    expect(refused).to_contain_text("须至少有一条防控措施")
    expect(page.locator("h1")).to_contain_text("直接备案")
    screenshot(page, "flow-5-filing-refused")
    vague.refresh_from_db()
    assert vague.status == RiskPoint.Status.DRAFT
    assert not vague.events.filter(type=RiskPointEvent.Type.FILED).exists()
