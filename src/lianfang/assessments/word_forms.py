"""The 评估通知书 as Word (core.word) and PDF (core.documents).

The context is plain texts (`NOTICE_FIELDS`); lists are joined with line breaks, which print as
breaks. A complaint is never described in the notice: the party reads it, and the complaints
module keeps the reporter's matter confidential, so the notice says only how many complaints
about the party were found true.
"""

from pathlib import Path

from django.utils import timezone
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


# 述责述廉: a person's yearly report (accountability.py) ------------------------------------------

ACCOUNTABILITY = "assessments.accountability"
ACCOUNTABILITY_FIELDS = (
    "unit, name, department, posts, year, date, points_count, measures_total, measures_in_place, "
    "points: [{seq, post, name, level, measures}], "
    "fulfilment: [{commitment, seq, title, report, check}], "
    "assessments: [{date, level, status, notices, rectifications}]"
)


def _measure_line(measure) -> str:
    due = f"，时限 {measure.due.isoformat()}" if measure.due else ""
    done = f"，{measure.done_on.isoformat()} 落实" if measure.done_on else ""
    return f"{measure.text}（{measure.get_status_display()}{due}{done}）"


def _check_of(commitment) -> str:
    """The reviewer's check of a fulfilment report, in words."""
    state = commitment.get_fulfilment_state_display()
    when = commitment.fulfilment_checked_at
    parts = [state]
    if when and commitment.fulfilment_state in ("checked", "returned"):
        parts.append(_date(timezone.localdate(when)))
    if commitment.fulfilment_note:
        parts.append(commitment.fulfilment_note)
    return "，".join(str(p) for p in parts)


def _rectification_lines(assessment) -> str:
    rows = []
    for r in assessment.rectifications.all():
        measures = "；".join(
            f"{m.text}（{m.owner}，{m.due.isoformat()}）" for m in r.measures.all()
        )
        line = f"{_date(timezone.localdate(r.submitted_at))} {r.get_status_display()}：{r.cause}"
        if measures:
            line += f" 措施：{measures}"
        if r.reason:
            line += f" 退回理由：{r.reason}"
        rows.append(line)
    return _lines(rows)


def accountability_context(report: dict) -> dict:
    from lianfang.core.models import WarningLevel

    person = report["person"]
    return {
        "unit": clean(person.organisation.name),
        "name": clean(person.name),
        "department": clean(person.department.name if person.department_id else ""),
        "posts": clean("、".join(p.name for p in report["posts"]) or "无"),
        "year": str(report["year"]),
        "date": _date(timezone.localdate()),
        "points_count": str(len(report["points"])),
        "measures_total": str(report["measures_total"]),
        "measures_in_place": str(report["measures_in_place"]),
        "points": [
            {
                "seq": str(n),
                "post": clean(p.post.name if p.post_id else ""),
                "name": clean(p.name),
                "level": clean(p.get_level_display() if p.level else "未定级"),
                "measures": clean(_lines(_measure_line(m) for m in p.measures.all())),
            }
            for n, p in enumerate(report["points"], start=1)
        ],
        "fulfilment": [
            {
                "commitment": clean(
                    f"{c.posts or c.get_kind_display()}（{c.get_state_display()}）"
                ),
                "seq": str(item["seq"]),
                "title": clean(item["title"]),
                "report": clean(item["report"] or "未报告"),
                "check": clean(_check_of(c)),
            }
            for c in report["commitments"]
            for item in c.items
        ],
        "assessments": [
            {
                "date": _date(timezone.localdate(a.created_at)),
                "level": clean(WarningLevel(a.level).label),
                "status": clean(a.get_status_display()),
                "notices": clean("、".join(n.number for n in a.notices.all()) or "无"),
                "rectifications": clean(_rectification_lines(a)),
            }
            for a in report["assessments"]
        ],
    }


def accountability_sample() -> dict:
    return {
        "unit": "示例市人民医院",
        "name": "张三",
        "department": "心内科",
        "posts": "主治医师",
        "year": "2026",
        "date": "2026年12月31日",
        "points_count": "2",
        "measures_total": "3",
        "measures_in_place": "2",
        "points": [
            {
                "seq": "1",
                "post": "主治医师",
                "name": "收受医药代表回扣",
                "level": "一级（高）",
                "measures": "1. 处方点评每月一次（已落实）",
            }
        ],
        "fulfilment": [
            {
                "commitment": "主治医师（已签署）",
                "seq": "1",
                "title": "廉洁自律",
                "report": "全年未收受礼品礼金。",
                "check": "已核查，2026年12月20日",
            }
        ],
        "assessments": [
            {
                "date": "2026年6月1日",
                "level": "提示",
                "status": "整改通过",
                "notices": "廉评〔2026〕1号",
                "rectifications": "1. 2026年6月8日 通过：对验收制度执行不严。",
            }
        ],
    }


def build_accountability(path: Path) -> None:
    """The default 述责述廉 report (A4 portrait): the person, the register, the commitment and
    its fulfilment item by item, the assessments and rectifications."""
    document = word.new_document(landscape=False, size=11)
    _paragraph(document, "{{ unit }}", size=14, bold=True, font=word.SONG, centre=True)
    _paragraph(
        document, "{{ year }} 年度述责述廉报告", size=18, bold=True, font=word.SONG, centre=True
    )
    _paragraph(document, "姓名：{{ name }}　　科室：{{ department }}　　岗位：{{ posts }}")
    _paragraph(
        document,
        "　　本年度所在岗位已备案廉政风险点 {{ points_count }} 个，"
        "防控措施 {{ measures_total }} 条，其中已落实 {{ measures_in_place }} 条。",
        before=4,
    )
    _paragraph(document, "一、廉政风险点及防控措施", bold=True, font=word.HEI, before=6)
    word.loop_table(
        document,
        ("序号", "岗位", "风险点", "等级", "防控措施（状态）"),
        (
            "{{ row.seq }}",
            "{{ row.post }}",
            "{{ row.name }}",
            "{{ row.level }}",
            "{{ row.measures }}",
        ),
        "points",
    )
    _paragraph(document, "二、廉政承诺履行情况", bold=True, font=word.HEI, before=6)
    word.loop_table(
        document,
        ("承诺书", "序号", "承诺事项", "履诺情况", "审核人核查"),
        (
            "{{ row.commitment }}",
            "{{ row.seq }}",
            "{{ row.title }}",
            "{{ row.report }}",
            "{{ row.check }}",
        ),
        "fulfilment",
    )
    _paragraph(document, "三、接受廉政评估及整改情况", bold=True, font=word.HEI, before=6)
    word.loop_table(
        document,
        ("日期", "评估结论", "状态", "通知书", "整改"),
        (
            "{{ row.date }}",
            "{{ row.level }}",
            "{{ row.status }}",
            "{{ row.notices }}",
            "{{ row.rectifications }}",
        ),
        "assessments",
    )
    _paragraph(document, "述职人（签字）：　　　　　　　　{{ date }}", before=18)
    word.save_default(document, path)


word.register_form(
    word.WordForm(
        code=ACCOUNTABILITY,
        label=_("述责述廉报告"),
        default=TEMPLATES / "accountability.docx",
        sample=accountability_sample,
        build=build_accountability,
        help=ACCOUNTABILITY_FIELDS,
    )
)


def accountability_docx(report: dict) -> bytes:
    person = report["person"]
    return word.render(
        ACCOUNTABILITY, accountability_context(report), organisation=person.organisation
    )
