"""The register's forms as Word (core.word): the 廉政风险定位表 and the 风险点登记表.

Each form is a context of plain texts (what an organisation's replacement template may print,
listed in `*_FIELDS`), a sample of it (every upload must render with it), and the default
template, built here with python-docx (`lianfang word_templates` writes it to
`templates/risks/word/`, where it is committed).
"""

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.core import word
from lianfang.core.word import clean

from .models import RiskPoint
from .positioning import PositioningTable

TEMPLATES = Path(__file__).resolve().parent / "templates" / "risks" / "word"
POSITIONING = "risks.positioning"
REGISTER = "risks.register"
# docxtpl writes a row in well under a millisecond: the cap keeps a job's file printable
# (about 1,000 pages) rather than its time short.
REGISTER_MAX_ROWS = 5000


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# 廉政风险定位表 ----------------------------------------------------------------------------------

POSITIONING_FIELDS = (
    "unit, role, person, person_title, departments, date, drafts (是否含草稿), "
    "powers: [{name, code, label, rows: [{seq, step, post, holders, name, draft, "
    "manifestation, level, measures, monitors}]}], row_count, empty"
)


def positioning_context(table: PositioningTable) -> dict:
    """The table as the template's texts: the powers, each with its rows (so `{% vm %}` merges
    a power's cells down its rows)."""
    person = table.person
    powers: list[dict] = []
    for seq, row in enumerate(table.rows, start=1):
        point = row.point
        if row.power_span or not powers:
            power = point.power
            label = f"{power.name}\n{power.code}" if power.code else power.name
            powers.append(
                {"name": clean(power.name), "code": clean(power.code), "label": clean(label),
                 "rows": []}
            )  # fmt: skip
        draft = point.status == RiskPoint.Status.DRAFT
        powers[-1]["rows"].append(
            {
                "seq": str(seq),
                "step": clean(point.step.name if point.step_id else "—"),
                "post": clean(row.post_label),
                "holders": clean(row.holders_text or "—"),
                "name": clean(f"{point.name}（草稿）" if draft else point.name),
                "draft": draft,
                "manifestation": clean(point.manifestation),
                "level": clean(row.level_label),
                "measures": clean(row.measures_text or "—"),
                "monitors": clean(row.monitors_text or "—"),
            }
        )
    return {
        "unit": clean(person.organisation.name),
        "role": clean(table.role_label),
        "person": clean(person.name),
        "person_title": clean(person.title),
        "departments": clean("、".join(d.name for d in table.departments) or "—"),
        "date": _date(table.date or timezone.localdate()),
        "drafts": table.drafts,
        "powers": powers,
        "row_count": len(table.rows),
        "empty": not table.rows,
    }


def positioning_sample() -> dict:
    row = {
        "seq": "1",
        "step": "供应商遴选",
        "post": "采购员",
        "holders": "张三、李四",
        "name": "遴选中透露评分标准",
        "draft": False,
        "manifestation": "向特定供应商透露评分标准",
        "level": "一级（高）",
        "measures": "1. 评分标准封存\n2. 随机抽取专家",
        "monitors": "纪检监察室：刘监察",
    }
    return {
        "unit": "示例市人民医院",
        "role": "分管领导",
        "person": "王院长",
        "person_title": "副院长",
        "departments": "采购中心、财务科",
        "date": "2026年1月1日",
        "drafts": False,
        "powers": [
            {
                "name": "药品耗材采购",
                "code": "CG-01",
                "label": "药品耗材采购\nCG-01",
                "rows": [row, {**row, "seq": "2", "name": "需求参数指向特定品牌"}],
            },
        ],  # fmt: skip
        "row_count": 2,
        "empty": False,
    }


POSITIONING_COLUMNS = (
    ("序号", 10),
    ("权力事项", 28),
    ("流程环节", 22),
    ("岗位", 20),
    ("责任人", 20),
    ("风险点及表现形式", 55),
    ("风险等级", 16),
    ("防控措施", 55),
    ("监督责任人", 35),
)


def _title(document, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(6)
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(18)
    word.set_font(run, word.SONG)


def _line(document, text: str, *, size=10.5, before=0, after=4):
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    return paragraph


def _table(document, columns, *, size=9):
    """A bordered table with its header row (bold, shaded, repeated on every page)."""
    from docx.shared import Mm

    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    header = table.rows[0]
    word.repeat_header(header)
    for cell, (text, width) in zip(header.cells, columns, strict=True):
        cell.width = Mm(width)
        word.write_cell(cell, text, bold=True, font=word.HEI, size=size, centre=True)
        word.shade(cell, "D9D9D9")
    return table


def _control_row(table, tag: str) -> None:
    """A row holding one of docxtpl's row tags (`{%tr for … %}`): it is removed on rendering."""
    row = table.add_row()
    row.cells[0].paragraphs[0].add_run(tag)


def _body_row(table, columns, texts, *, size=9):
    from docx.shared import Mm, Pt

    row = table.add_row()
    for cell, (_header, width), text in zip(row.cells, columns, texts, strict=True):
        cell.width = Mm(width)
        paragraphs = text if isinstance(text, tuple) else (text,)
        for i, part in enumerate(paragraphs):
            paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            run = paragraph.add_run(part)
            run.font.size = Pt(size if i == 0 else size - 1)
    return row


def _merged_row(table, text: str):
    row = table.add_row()
    merged = row.cells[0].merge(row.cells[-1])
    merged.paragraphs[0].add_run(text)
    return row


def build_positioning(path: Path) -> None:
    """The default 廉政风险定位表 template: A4 landscape, 仿宋 text, 宋体 title, the header
    repeated on every page, each power's cells merged down its rows, the signature line."""
    document = word.new_document(landscape=True)
    _title(document, "廉政风险定位表")
    _line(
        document,
        "单位：{{ unit }}　　{{ role }}：{{ person }}{% if person_title %}（{{ person_title }}）"
        "{% endif %}　　分管/负责科室：{{ departments }}　　日期：{{ date }}",
    )
    table = _table(document, POSITIONING_COLUMNS)
    _control_row(table, "{%tr for power in powers %}")
    _control_row(table, "{%tr for row in power.rows %}")
    _body_row(
        table,
        POSITIONING_COLUMNS,
        (
            "{{ row.seq }}",
            "{% vm %}{{ power.label }}",
            "{{ row.step }}",
            "{{ row.post }}",
            "{{ row.holders }}",
            ("{{ row.name }}", "{{ row.manifestation }}"),
            "{{ row.level }}",
            "{{ row.measures }}",
            "{{ row.monitors }}",
        ),
    )
    _control_row(table, "{%tr endfor %}")
    _control_row(table, "{%tr endfor %}")
    _control_row(table, "{%tr if empty %}")
    _merged_row(table, "暂无风险点。")
    _control_row(table, "{%tr endif %}")
    _line(
        document,
        "本人签字：　　　　　　　　　　纪检监察部门：　　　　　　　　　　年　月　日",
        size=12,
        before=18,
    )
    word.save_default(document, path)


# 风险点登记表 ------------------------------------------------------------------------------------

REGISTER_COLUMNS = (
    ("序号", 9),
    ("单位/科室", 16),
    ("岗位", 14),
    ("权力事项", 18),
    ("流程环节", 14),
    ("风险类别", 13),
    ("风险点（名称）", 20),
    ("风险描述/表现形式", 38),
    ("可能性 L", 9),
    ("危害程度 C", 9),
    ("风险值 D", 9),
    ("风险等级", 14),
    ("防控措施", 38),
    ("责任人（部门负责人）", 13),
    ("责任领导", 13),
    ("监督/监测指标", 20),
    ("状态", 11),
)
REGISTER_KEYS = (
    "seq", "unit", "post", "power", "step", "category", "name", "manifestation", "likelihood",
    "harm", "score", "level", "measures", "owner", "leader", "monitors", "status",
)  # fmt: skip
REGISTER_FIELDS = (
    "unit (单一单位时), total, shown, truncated, filtered, date, "
    f"rows: [{{{', '.join(REGISTER_KEYS)}}}]"
)


def register_context(rows: list[dict], *, total: int, filtered: bool) -> dict:
    """The register's rows (from `register_io.pdf_rows`) as the template's texts."""
    organisations = {row["organisation"] for row in rows}
    return {
        "unit": clean(organisations.pop() if len(organisations) == 1 else ""),
        "total": total,
        "shown": len(rows),
        "truncated": total > len(rows),
        "filtered": filtered,
        "date": _date(timezone.localdate()),
        "rows": [
            {key: clean("—" if row.get(key) in (None, "") else row[key]) for key in REGISTER_KEYS}
            for row in rows
        ],
    }


def register_sample() -> dict:
    row = dict.fromkeys(REGISTER_KEYS, "—")
    row.update(seq="1", unit="采购中心", name="遴选中透露评分标准", level="一级（高）")
    return {
        "unit": "示例市人民医院",
        "total": 1,
        "shown": 1,
        "truncated": False,
        "filtered": False,
        "date": "2026年1月1日",
        "rows": [row],
    }


def build_register(path: Path) -> None:
    """The default 风险点登记表 template (A4 landscape, 17 columns, header on every page)."""
    document = word.new_document(landscape=True, size=9)
    _title(document, "风险点登记表")
    _line(
        document,
        "{% if unit %}单位：{{ unit }}　　{% endif %}共 {{ total }} 个风险点"
        "{% if filtered %}（按台账页面的筛选条件）{% endif %}　　日期：{{ date }}",
    )
    _line(
        document,
        "{% if truncated %}登记表共 {{ total }} 行，本文件只含前 {{ shown }} 行；"
        "完整的登记表请导出 Excel。{% endif %}",
        size=9,
    )
    table = _table(document, REGISTER_COLUMNS, size=8)
    _control_row(table, "{%tr for row in rows %}")
    _body_row(table, REGISTER_COLUMNS, [f"{{{{ row.{k} }}}}" for k in REGISTER_KEYS], size=8)
    _control_row(table, "{%tr endfor %}")
    _control_row(table, "{%tr if not rows %}")
    _merged_row(table, "没有风险点。")
    _control_row(table, "{%tr endif %}")
    _line(
        document,
        "填表人：　　　　　　　　科室负责人：　　　　　　　　"
        "纪检监察部门：　　　　　　　　年　月　日",
        size=11,
        before=18,
    )
    word.save_default(document, path)


word.register_form(
    word.WordForm(
        code=POSITIONING,
        label=_("廉政风险定位表"),
        default=TEMPLATES / "positioning.docx",
        sample=positioning_sample,
        build=build_positioning,
        help=POSITIONING_FIELDS,
    )
)
word.register_form(
    word.WordForm(
        code=REGISTER,
        label=_("风险点登记表"),
        default=TEMPLATES / "register.docx",
        sample=register_sample,
        build=build_register,
        help=REGISTER_FIELDS,
    )
)


# The documents --------------------------------------------------------------------------------


def positioning_docx(table: PositioningTable) -> bytes:
    """The table as Word, from the template in force for the person's organisation."""
    return word.render(
        POSITIONING, positioning_context(table), organisation=table.person.organisation
    )


def register_docx(points, *, filtered: bool, organisation=None) -> tuple[bytes, int]:
    """The register of `points` (the first REGISTER_MAX_ROWS rows) as Word, from the template
    in force for `organisation` (the unit chosen, or the one the user acts for), and how many
    rows it holds."""
    from .register_io import pdf_rows

    rows, total = pdf_rows(points, limit=REGISTER_MAX_ROWS)
    context = register_context(rows, total=total, filtered=filtered)
    return word.render(REGISTER, context, organisation=organisation), len(rows)
