"""The 评估通知书 as Word (core.word) and PDF (core.documents).

The context is plain texts (`NOTICE_FIELDS`); lists are joined with line breaks, which print as
breaks. A complaint is never described in the notice: the party reads it, and the complaints
module keeps the reporter's matter confidential, so the notice says only how many complaints
about the party were found true.
"""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from lianfang.core import word
from lianfang.core.word import clean

from .models import Evidence

TEMPLATES = Path(__file__).resolve().parent / "templates" / "assessments" / "word"
NOTICE = "assessments.notice"
NOTICE_FIELDS = (
    "unit, number, party, party_kind, level, date, risk_points, grounds, evidence, measures, "
    "requirements, talk_on, reply_due, reply_days, signed"
)


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _lines(items) -> str:
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, start=1)) or "无"


def notice_context(notice) -> dict:
    """The notice's texts (the assessment as it stands when printed, at the notice's level)."""
    from django.utils import timezone

    from lianfang.core.models import WarningLevel

    assessment = notice.assessment
    evidence = list(assessment.evidence.all())
    complaints = sum(1 for row in evidence if row.kind == Evidence.Kind.COMPLAINT)
    cited = [row.text for row in evidence if row.kind != Evidence.Kind.COMPLAINT]
    if complaints:
        cited.append(f"经核实属实的投诉举报 {complaints} 件")
    return {
        "unit": clean(assessment.organisation.name),
        "number": clean(notice.number),
        "party": clean(str(assessment.party)),
        "party_kind": clean(assessment.get_subject_display()),
        "level": clean(WarningLevel(notice.level).label),
        "date": _date(timezone.localdate(notice.issued_at)),
        "risk_points": clean(_lines(point.name for point in assessment.risk_points.all())),
        "grounds": clean(assessment.grounds),
        "evidence": clean(_lines(cited)),
        "measures": clean("、".join(assessment.measure_labels())),
        "requirements": clean(assessment.requirements),
        "talk_on": _date(assessment.talk_on),
        "reply_due": _date(notice.reply_due),
        "reply_days": str(assessment.reply_days),
        "signed": _date(timezone.localdate(notice.signed_at)) if notice.signed_at else "",
    }


def notice_sample() -> dict:
    return {
        "unit": "示例市人民医院",
        "number": "廉评〔2026〕1号",
        "party": "张三",
        "party_kind": "个人",
        "level": "预警",
        "date": "2026年1月1日",
        "risk_points": "1. 药品采购中收受回扣",
        "grounds": "防控措施逾期未落实。",
        "evidence": "1. 措施“双人验收”逾期未落实（完成时限 2025-12-01）",
        "measures": "诫勉谈话、责令限期整改",
        "requirements": "完善采购验收制度。",
        "talk_on": "2026年1月5日",
        "reply_due": "2026年1月12日",
        "reply_days": "5",
        "signed": "",
    }


def _paragraph(document, text, *, size=12, bold=False, font=None, centre=False, before=0, after=4):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if font:
        word.set_font(run, font)
    return paragraph


def build_notice(path: Path) -> None:
    """The default 评估通知书 (A4 portrait)."""
    document = word.new_document(landscape=False, size=12)
    _paragraph(document, "{{ unit }}", size=16, bold=True, font=word.SONG, centre=True)
    _paragraph(document, "廉政风险评估通知书", size=20, bold=True, font=word.SONG, centre=True)
    _paragraph(document, "{{ number }}", centre=True, after=12)
    _paragraph(document, "{{ party }}（{{ party_kind }}）：")
    _paragraph(
        document,
        "　　经对你（单位）廉政风险点及防控情况进行评估，评估结论为：{{ level }}。",
    )
    _paragraph(document, "一、涉及的廉政风险点", bold=True, font=word.HEI, before=6)
    _paragraph(document, "{{ risk_points }}")
    _paragraph(document, "二、评估结论及依据", bold=True, font=word.HEI, before=6)
    _paragraph(document, "　　{{ grounds }}")
    _paragraph(document, "{{ evidence }}")
    _paragraph(document, "三、处置措施", bold=True, font=word.HEI, before=6)
    _paragraph(
        document,
        "　　{{ measures }}{% if talk_on %}（谈话日期：{{ talk_on }}）{% endif %}",
    )
    _paragraph(document, "四、整改要求", bold=True, font=word.HEI, before=6)
    _paragraph(document, "　　{{ requirements }}")
    _paragraph(
        document,
        "　　请于 {{ reply_due }} 前（{% if talk_on %}谈话后{% else %}收到本通知书后{% endif %}"
        " {{ reply_days }} 个工作日内）书面回复整改情况，包括原因分析、整改措施（责任人、完成时限）"
        "及制度修订情况。",
        before=6,
    )
    _paragraph(document, "纪检监察部门（盖章）", before=24)
    _paragraph(document, "{{ date }}")
    _paragraph(
        document,
        "签收人：　　　　　　　　签收日期：{% if signed %}{{ signed }}{% endif %}",
        before=24,
    )
    word.save_default(document, path)


word.register_form(
    word.WordForm(
        code=NOTICE,
        label=_("廉政风险评估通知书"),
        default=TEMPLATES / "notice.docx",
        sample=notice_sample,
        build=build_notice,
        help=NOTICE_FIELDS,
    )
)


def notice_docx(notice) -> bytes:
    return word.render(NOTICE, notice_context(notice), organisation=notice.organisation)
