"""The campaign's summary (风险排查工作总结) as Word (core.word) and as PDF (core.documents, the
template `campaigns/summary_pdf.html`, from the same context): the figures a closing campaign
freezes (tasks by progress, returns, points by level and by origin), and the progress by
department. The default template is built here with python-docx (`lianfang word_templates`
writes it to `templates/campaigns/word/`, where it is committed)."""

from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from lianfang.core import documents, word
from lianfang.core.word import clean

from .models import Campaign, CampaignPoint, CampaignTask

TEMPLATES = Path(__file__).resolve().parent / "templates" / "campaigns" / "word"
SUMMARY = "campaigns.summary"
LEVELS = {"1": "一级（高）", "2": "二级（中）", "3": "三级（低）", "None": "未定级"}

SUMMARY_FIELDS = (
    "unit, name, year, state, date, tasks, returns, returned_tasks, points, carried, new, "
    "library, not_reconfirmed, statuses: [{label, count}], levels: [{label, count}], "
    "departments: [{name, total, filed, returned, late, returns}], phases: [{name, start, end}]"
)


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def summary_context(campaign: Campaign, summary: dict, progress: dict) -> dict:
    origins = summary.get("origins", {})
    statuses = dict(CampaignTask.Status.choices)
    return {
        "unit": clean(campaign.organisation.name),
        "name": clean(campaign.name),
        "year": str(campaign.year),
        "state": clean(campaign.get_state_display()),
        "date": _date(timezone.localdate()),
        "tasks": str(summary.get("tasks", 0)),
        "returns": str(summary.get("returns", 0)),
        "returned_tasks": str(summary.get("returned_tasks", 0)),
        "points": str(summary.get("points", 0)),
        "carried": str(origins.get(CampaignPoint.Origin.CARRIED, 0)),
        "new": str(origins.get(CampaignPoint.Origin.NEW, 0)),
        "library": str(origins.get(CampaignPoint.Origin.LIBRARY, 0)),
        "not_reconfirmed": str(summary.get("not_reconfirmed", 0)),
        "statuses": [
            {"label": clean(statuses[s]), "count": str(n)}
            for s, n in summary.get("status", {}).items()
            if s in statuses
        ],
        "levels": [
            {"label": LEVELS.get(k, k), "count": str(n)}
            for k, n in summary.get("levels", {}).items()
        ],
        "departments": [
            {
                "name": clean(row["name"]),
                "total": str(row["total"]),
                "filed": str(row["filed"]),
                "returned": str(row["returned"]),
                "late": str(row["late"]),
                "returns": str(row["returns"]),
            }
            for row in progress["rows"]
        ],
        "phases": [
            {"name": clean(p.get_phase_display()), "start": _date(p.start), "end": _date(p.end)}
            for p in progress["phases"]
        ],
    }


def summary_sample() -> dict:
    return {
        "unit": "示例市人民医院",
        "name": "2026年度廉政风险排查",
        "year": "2026",
        "state": "已结束",
        "date": "2026年12月1日",
        "tasks": "120",
        "returns": "9",
        "returned_tasks": "6",
        "points": "85",
        "carried": "60",
        "new": "20",
        "library": "5",
        "not_reconfirmed": "3",
        "statuses": [{"label": "已备案", "count": "110"}, {"label": "未开始", "count": "10"}],
        "levels": [{"label": "一级（高）", "count": "12"}, {"label": "二级（中）", "count": "40"}],
        "departments": [
            {
                "name": "心内科",
                "total": "30",
                "filed": "28",
                "returned": "1",
                "late": "2",
                "returns": "3",
            }
        ],  # fmt: skip
        "phases": [{"name": "动员部署", "start": "2026年3月1日", "end": "2026年3月10日"}],
    }


def _title(document, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(8)
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(18)
    word.set_font(run, word.SONG)


def _line(document, text: str, *, before=0):
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(4)
    paragraph.add_run(text)


def build_summary(path: Path) -> None:
    """The default summary: A4 portrait, the figures, the phases, the departments."""
    document = word.new_document(landscape=False, size=11)
    _title(document, "{{ name }}工作总结")
    _line(document, "单位：{{ unit }}　　状态：{{ state }}　　日期：{{ date }}")
    _line(
        document,
        "本次排查共下达排查任务 {{ tasks }} 项，其中 {{ returned_tasks }} 项被退回修改，"
        "累计退回 {{ returns }} 次。确认的风险点 {{ points }} 个：沿用上年 {{ carried }} 个，"
        "新增 {{ new }} 个，来自标准库 {{ library }} 个；上年风险点未重新确认 "
        "{{ not_reconfirmed }} 个，已列入复核。",
        before=6,
    )
    _line(document, "一、排查阶段", before=8)
    word.loop_table(
        document,
        ("阶段", "开始", "结束"),
        ("{{ row.name }}", "{{ row.start }}", "{{ row.end }}"),
        "phases",
    )
    _line(document, "二、任务进度", before=8)
    word.loop_table(
        document, ("进度", "任务数"), ("{{ row.label }}", "{{ row.count }}"), "statuses"
    )
    _line(document, "三、风险等级", before=8)
    word.loop_table(
        document, ("风险等级", "风险点数"), ("{{ row.label }}", "{{ row.count }}"), "levels"
    )
    _line(document, "四、各科室情况", before=8)
    word.loop_table(
        document,
        ("科室", "任务", "已备案", "已退回", "逾期", "退回次数"),
        (
            "{{ row.name }}",
            "{{ row.total }}",
            "{{ row.filed }}",
            "{{ row.returned }}",
            "{{ row.late }}",
            "{{ row.returns }}",
        ),
        "departments",
    )
    _line(document, "纪检监察部门（盖章）：　　　　　　　　年　月　日", before=18)
    word.save_default(document, path)


word.register_form(
    word.WordForm(
        code=SUMMARY,
        label=_("风险排查工作总结"),
        default=TEMPLATES / "summary.docx",
        sample=summary_sample,
        build=build_summary,
        help=SUMMARY_FIELDS,
    )
)


def summary_docx(campaign: Campaign, summary: dict, progress: dict) -> bytes:
    return word.render(
        SUMMARY, summary_context(campaign, summary, progress), organisation=campaign.organisation
    )


def summary_pdf(campaign: Campaign, summary: dict, progress: dict) -> bytes:
    """The same summary as PDF, in Chinese whatever the page's language (an official form)."""
    with translation.override(settings.LANGUAGE_CODE):
        return documents.render_pdf(
            "campaigns/summary_pdf.html",
            {"s": summary_context(campaign, summary, progress)},
            serif=True,
        )
