"""The 廉政风险定位表 and the 风险点登记表 as Word: the table read back with python-docx, the
file converted headless by LibreOffice and its PDF's text read with pypdf, the drafts left out
of the official copy, large ones by a background job."""

import io

from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from lianfang.core import jobs, word
from lianfang.core.models import AuditEvent, Job
from lianfang.risks import selectors
from lianfang.risks.models import RiskPoint
from tests.documents_text import soffice_pdf_text
from tests.risks import test_positioning as _positioning_tests
from tests.risks.factories import make_risk_point
from tests.risks.register_data import build_register

# the positioning tests' fixtures: a small register, its points filed
register = _positioning_tests.register
filed = _positioning_tests.filed

DOCX = word.DOCX_CONTENT_TYPE


def table_texts(document) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in document.tables[0].rows]


def test_positioning_docx_holds_the_table_with_merged_powers(world, filed, login):
    client = login(world.users["integrity"])
    response = client.get(reverse("risks:positioning_docx", args=[world.leader_person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert ".docx" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == word.FANGSONG
    title = document.paragraphs[0]
    assert title.text == "廉政风险定位表"
    assert title.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == word.SONG
    assert "示例市人民医院" in document.paragraphs[1].text
    assert "王副院长" in document.paragraphs[1].text
    rows = table_texts(document)
    assert rows[0][:3] == ["序号", "权力事项", "流程环节"]
    header = document.tables[0].rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    body = rows[1:]
    assert [r[0] for r in body] == ["1", "2", "3"]  # the control rows are gone
    names = [r[5].split("\n")[0] for r in body]
    assert set(names) == {"遴选中透露评分标准", "需求参数指向特定品牌", "超权限审批付款"}
    # the purchase power's two rows share one merged cell; the payment power has its own
    tcs = [row._tr.tc_lst[1] for row in document.tables[0].rows[1:]]
    merges = [tc.tcPr.find(qn("w:vMerge")) for tc in tcs]
    assert [m.get(qn("w:val")) for m in merges] == ["restart", "continue", "restart"]
    assert body[0][1] == body[1][1] == "药品耗材采购\nCG-01"
    assert body[2][1].startswith("资金支付审批")
    assert "本人签字" in document.paragraphs[-1].text
    assert "纪检监察部门" in document.paragraphs[-1].text
    event = AuditEvent.objects.get(action="risks.positioning.docx")
    assert event.organisation_id == world.hospital.pk


def test_positioning_docx_converts_to_a_pdf_with_the_chinese_text(world, filed, login, tmp_path):
    client = login(world.users["integrity"])
    response = client.get(reverse("risks:positioning_docx", args=[world.leader_person.pk]))
    text = soffice_pdf_text(response.content, tmp_path, landscape=True)
    expected = ("廉政风险定位表", "示例市人民医院", "遴选中透露评分标准", "本人签字")
    for words in (*expected, "纪检监察部门"):
        assert words in text, words


def test_the_official_copy_leaves_drafts_out_unless_asked(world, filed, login):
    draft = make_risk_point(
        power=filed["a"].power,
        step=filed["a"].step,
        department=world.procurement,
        name="草稿中的遴选风险",
    )
    assert draft.status == RiskPoint.Status.DRAFT
    client = login(world.users["integrity"])
    url = reverse("risks:positioning_docx", args=[world.leader_person.pk])
    names = [r[5] for r in table_texts(Document(io.BytesIO(client.get(url).content)))]
    assert not any(draft.name in n for n in names)
    drafts = Document(io.BytesIO(client.get(url, {"drafts": "1"}).content))
    assert any(f"{draft.name}（草稿）" in r[5] for r in table_texts(drafts))


def test_the_page_offers_word_beside_pdf_and_excel(world, filed, login):
    client = login(world.users["integrity"])
    page = client.get(reverse("risks:positioning", args=[world.leader_person.pk])).content
    assert reverse("risks:positioning_docx", args=[world.leader_person.pk]) in page.decode()
    register_page = client.get(reverse("risks:register")).content.decode()
    assert reverse("risks:register_docx") in register_page


def test_a_long_positioning_table_is_written_by_a_job(world, filed, login, settings):
    settings.LIANFANG_DOCX_INLINE_ROWS = 2
    user = world.users["integrity"]
    client = login(user)
    response = client.get(
        reverse("risks:positioning_docx", args=[world.leader_person.pk]), {"drafts": "1"}
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.kind == "risks.positioning_docx" and job.params["drafts"] is True
    assert job.organisation == world.hospital
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == "done", job.error
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download["Content-Type"] == DOCX
    content = b"".join(download.streaming_content) if download.streaming else download.content
    assert len(table_texts(Document(io.BytesIO(content)))) == 4  # header and 3 rows


def test_register_docx_inline_and_by_a_job(world, login, settings, tmp_path):
    build_register(world)
    user = world.users["integrity"]
    client = login(user)
    expected = selectors.risk_points_filtered(user=user, filters={"level": 1})
    count = expected.count()
    assert 1 < count <= settings.LIANFANG_DOCX_INLINE_ROWS
    response = client.get(reverse("risks:register_docx"), {"level": "1"})
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    document = Document(io.BytesIO(response.content))
    rows = table_texts(document)
    assert rows[0][:2] == ["序号", "单位/科室"] and len(rows[0]) == 17
    assert {r[6] for r in rows[1:]} == set(expected.values_list("name", flat=True))
    assert "按台账页面的筛选条件" in document.paragraphs[1].text
    assert AuditEvent.objects.filter(action="risks.register.docx").count() == 1
    text = soffice_pdf_text(response.content, tmp_path, landscape=True)
    assert "风险点登记表" in text and "示例市人民医院" in text
    assert "".join(rows[1][6].split()) in text
    settings.LIANFANG_DOCX_INLINE_ROWS = 1
    response = client.get(reverse("risks:register_docx"), {"level": "1"})
    job = Job.objects.get()
    assert response.status_code == 302 and job.kind == "risks.register_docx"
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == "done", job.error
    with open(jobs.result_file(job), "rb") as file:
        assert len(table_texts(Document(file))) == count + 1


def test_the_organisations_template_is_used(world, filed, login, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianfang.core import attachments

    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachments.store.__dict__.pop("storage", None)
    try:
        document = Document(str(word.form_of("risks.positioning").default))
        document.add_paragraph("本院留存联：{{ person }} 共 {{ row_count }} 项")
        out = io.BytesIO()
        document.save(out)
        word.template_upload(
            actor=world.users["admin"],
            code="risks.positioning",
            organisation=world.hospital,
            upload=SimpleUploadedFile("本院.docx", out.getvalue()),
        )
        client = login(world.users["integrity"])
        response = client.get(reverse("risks:positioning_docx", args=[world.leader_person.pk]))
        last = Document(io.BytesIO(response.content)).paragraphs[-1].text
        assert last == "本院留存联：王副院长 共 3 项"
    finally:
        attachments.store.__dict__.pop("storage", None)


def test_outsiders_get_404(world, filed, login):
    client = login(world.users["outsider"])
    url = reverse("risks:positioning_docx", args=[world.leader_person.pk])
    assert client.get(url).status_code == 404
