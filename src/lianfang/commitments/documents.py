"""The commitment forms as Word (core.word, docxtpl) and PDF (core.documents), in three copies
(承诺人留存, 纪检监察部门存档, 人事部门存档: the copy is named in the footer), and the signed
version kept in the archive through core.attachments."""

from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from lianfang.core import attachments, documents, word
from lianfang.core.word import clean

from .models import Commitment

TEMPLATES = Path(__file__).resolve().parent / "templates" / "commitments" / "word"
PERSONAL = "commitments.personal"
DEPARTMENTAL = "commitments.departmental"
COPIES = {
    "signer": _("第一联　承诺人留存"),
    "office": _("第二联　纪检监察部门存档"),
    "personnel": _("第三联　人事部门存档"),
}
ARCHIVE = "commitment_signed"

FIELDS = (
    "title, unit, department, signer, posts, year, copy, points: [{seq, name, level, "
    "category, manifestation, measures}], empty, items: [{seq, title, text}], personal, "
    "breach, reviewer, reviewed_on, signed_at, hash, state"
)


def _date(moment) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def context_of(commitment: Commitment, copy: str = "signer") -> dict:
    """The form's texts: plain strings only (core.word)."""
    content = commitment.content or {}
    points = [
        {
            "seq": str(i),
            "name": clean(p.get("name", "")),
            "level": clean(p.get("level", "")),
            "category": clean(p.get("category", "")),
            "manifestation": clean(p.get("manifestation", "")),
            "measures": clean("\n".join(p.get("measures", [])) or "—"),
        }
        for i, p in enumerate(content.get("points", []), start=1)
    ]
    items = [
        {"seq": str(i), "title": clean(item["title"]), "text": clean(item["text"])}
        for i, item in enumerate(content.get("items", []), start=1)
    ]
    reviewer = commitment.reviewer
    signed = commitment.state == Commitment.State.SIGNED
    return {
        "title": clean(commitment.title),
        "unit": clean(content.get("unit", "")),
        "department": clean(content.get("department", "")),
        "signer": clean(commitment.person.name if commitment.person_id else ""),
        "posts": clean(commitment.posts or "—"),
        "year": str(commitment.year),
        "copy": clean(str(COPIES.get(copy, COPIES["signer"]))),
        "points": points,
        "empty": "" if points else "1",
        "items": items,
        "personal": clean(commitment.personal or "无"),
        "breach": clean(content.get("breach", "")),
        "reviewer": clean(
            (getattr(reviewer, "display_name", "") or str(reviewer))
            if reviewer and commitment.state in ("reviewed", "signed")
            else ""
        ),
        "reviewed_on": _date(commitment.reviewed_at)
        if commitment.state in ("reviewed", "signed")
        else "",
        "signed_at": timezone.localtime(commitment.signed_at).strftime("%Y-%m-%d %H:%M:%S")
        if signed
        else str(_("（未签署）")),
        "hash": commitment.content_hash if signed else "",
        "state": clean(commitment.get_state_display()),
    }


def _sample() -> dict:
    return {
        "title": "个人岗位廉政风险点和自我防控承诺表",
        "unit": "示例市人民医院",
        "department": "心内科",
        "signer": "张医生",
        "posts": "主治医师",
        "year": "2026",
        "copy": "第一联　承诺人留存",
        "points": [
            {
                "seq": "1",
                "name": "收受医药代表回扣",
                "level": "二级",
                "category": "岗位职责风险",
                "manifestation": "开具处方时倾向特定药品",
                "measures": "处方点评每月一次",
            }
        ],
        "empty": "",
        "items": [{"seq": "1", "title": "廉洁自律", "text": "不收受红包"}],
        "personal": "无",
        "breach": "自愿接受组织处理",
        "reviewer": "王副院长",
        "reviewed_on": "2026年1月5日",
        "signed_at": "2026-01-06 09:00:00",
        "hash": "0" * 64,
        "state": "已签署",
    }


def _build(path: Path, *, departmental: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = word.new_document(landscape=False, size=11)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("{{ title }}")
    run.bold = True
    run.font.size = Pt(16)
    word.set_font(run, word.SONG)
    sub = document.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run("（{{ year }} 年度）")

    info = document.add_table(rows=2, cols=4)
    info.style = "Table Grid"
    labels = (
        ("承诺科室负责人" if departmental else "承诺人", "{{ signer }}", "单位", "{{ unit }}"),
        ("科室", "{{ department }}", "岗位/职务", "{{ posts }}"),
    )
    for row, texts in zip(info.rows, labels, strict=True):
        for i, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            word.write_cell(cell, text, bold=i % 2 == 0, font=word.HEI if i % 2 == 0 else None)

    heading = "一、部门廉政风险点及防控措施" if departmental else "一、岗位廉政风险点及自我防控措施"
    _heading(document, heading)
    columns = (("序号", 12), ("风险点", 38), ("等级", 16), ("表现形式", 50), ("防控措施", 58))
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    word.repeat_header(table.rows[0])
    for cell, (text, width) in zip(table.rows[0].cells, columns, strict=True):
        cell.width = Mm(width)
        word.write_cell(cell, text, bold=True, font=word.HEI, size=10, centre=True)
        word.shade(cell, "D9D9D9")
    for tag_row in ("{%tr for p in points %}",):
        table.add_row().cells[0].paragraphs[0].add_run(tag_row)
    row = table.add_row()
    for cell, text in zip(
        row.cells,
        (
            "{{ p.seq }}",
            "{{ p.name }}",
            "{{ p.level }}",
            "{{ p.manifestation }}",
            "{{ p.measures }}",
        ),
        strict=True,
    ):
        word.write_cell(cell, text, size=10)
    table.add_row().cells[0].paragraphs[0].add_run("{%tr endfor %}")
    table.add_row().cells[0].paragraphs[0].add_run("{%tr if empty %}")
    merged = table.add_row()
    merged.cells[0].merge(merged.cells[-1]).paragraphs[0].add_run("暂无已备案的风险点。")
    table.add_row().cells[0].paragraphs[0].add_run("{%tr endif %}")

    _heading(document, "二、承诺事项")
    document.add_paragraph("{%p for item in items %}")
    document.add_paragraph("{{ item.seq }}．{{ item.title }}：{{ item.text }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("本人补充承诺：{{ personal }}")
    _heading(document, "三、违诺责任")
    document.add_paragraph("{{ breach }}")
    sign = document.add_paragraph()
    sign.paragraph_format.space_before = Pt(18)
    sign.add_run("审核人（分管领导）：{{ reviewer }}　　审核日期：{{ reviewed_on }}")
    document.add_paragraph(
        ("承诺科室负责人" if departmental else "承诺人")
        + "：{{ signer }}　　签署时间：{{ signed_at }}"
    )
    digest = document.add_paragraph()
    small = digest.add_run("内容摘要（SHA-256）：{{ hash }}")
    small.font.size = Pt(8)
    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("{{ copy }}（一式三份：承诺人、纪检监察部门、人事部门各执一份）").font.size = Pt(
        9
    )
    word.save_default(document, path)


def _heading(document, text):
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.paragraph_format.space_after = Pt(4)
    run = paragraph.add_run(text)
    run.bold = True
    word.set_font(run, word.HEI)


word.register_form(
    word.WordForm(
        code=PERSONAL,
        label=_("个人岗位廉政风险点和自我防控承诺表"),
        default=TEMPLATES / "personal.docx",
        sample=_sample,
        build=lambda path: _build(path, departmental=False),
        help=FIELDS,
    )
)
word.register_form(
    word.WordForm(
        code=DEPARTMENTAL,
        label=_("部门廉政风险点和防控承诺表"),
        default=TEMPLATES / "departmental.docx",
        sample=_sample,
        build=lambda path: _build(path, departmental=True),
        help=FIELDS,
    )
)


def _code(commitment) -> str:
    return PERSONAL if commitment.kind == Commitment.Kind.PERSONAL else DEPARTMENTAL


def render_docx(commitment: Commitment, copy: str = "signer") -> bytes:
    """The form as Word, in Chinese whatever the page's language (an official form)."""
    with translation.override(settings.LANGUAGE_CODE):
        return word.render(
            _code(commitment), context_of(commitment, copy), organisation=commitment.organisation
        )


def render_pdf(commitment: Commitment, copy: str = "signer") -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return documents.render_pdf(
            "commitments/commitment_pdf.html", {"d": context_of(commitment, copy)}, serif=True
        )


def _filename(commitment, copy, ext):
    with translation.override(settings.LANGUAGE_CODE):
        return _filename_zh(commitment, copy, ext)


def _filename_zh(commitment, copy, ext):
    who = commitment.person.name if commitment.person_id else commitment.department.name
    return f"{commitment.year}-{who}-{commitment.title}-{COPIES[copy]}.{ext}".replace("　", "")


def docx_response(commitment, copy):
    return word.docx_response(render_docx(commitment, copy), _filename(commitment, copy, "docx"))


def pdf_download(commitment, copy):
    return documents.pdf_response(render_pdf(commitment, copy), _filename(commitment, copy, "pdf"))


def _may_read(user, commitment) -> bool:
    from .selectors import visible_to

    return visible_to(user).filter(pk=commitment.pk).exists()


attachments.register_use(
    attachments.AttachmentUse(
        code=ARCHIVE,
        label=_("已签署承诺书存档"),
        types=attachments.DOCUMENTS,
        max_bytes=20 * 1024 * 1024,
        may_read=_may_read,
        max_files=2,
    )
)


def archive(*, actor, commitment: Commitment) -> list:
    """Keep the signed version (the office's copy) as .docx and .pdf in the file store."""
    saved = []
    for ext, content in (
        ("docx", render_docx(commitment, "office")),
        ("pdf", render_pdf(commitment, "office")),
    ):
        upload = ContentFile(content, name=_filename(commitment, "office", ext))
        saved.append(
            attachments.attachment_save(actor=actor, use=ARCHIVE, target=commitment, upload=upload)
        )
    return saved


def archived(commitment: Commitment) -> list:
    return list(attachments.attachments_of(commitment, ARCHIVE))
