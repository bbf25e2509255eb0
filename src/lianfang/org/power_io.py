"""The power catalogue (职权目录) as an Excel workbook: export, a blank template, and import.

The layout: 编码, 权力名称, 权力类别, 行使依据, 承办部门, 承办岗位 (names joined by 、),
责任事项, 办理期限, 是否公开, 流程环节 (step names joined by →, control points
marked with ★); the export adds the 单位, so a file is not imported into the wrong organisation.

The import turns every row's cells into values (finding departments and posts by name) and
hands them to the power writer (`power_services.powers_write`), whose rules, those of the
pages, check every row; nothing is written unless every row passes. It creates or updates
powers by 编码 and replaces their steps from the 流程环节 column:
steps are matched by name (keeping their key, handling post, time limit and risk points),
new names become new steps, and steps no longer listed are removed, which is refused for a
step that risk points sit on.
"""

import io
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import spreadsheets
from lianfang.core.chunks import chunks
from lianfang.core.errors import RowIssue, RowsInvalid
from lianfang.core.spreadsheets import Column, SheetRow

from . import power_services
from .models import Department, Organisation, Post, Power, PowerStep
from .power_services import TIME_LIMIT_MAX, PowerRow, StepRow
from .roster import NO_DEPARTMENT, XLSX_CONTENT_TYPE, list_departments

__all__ = [
    "XLSX_CONTENT_TYPE",
    "PowerFileError",
    "ImportResult",
    "blank_template",
    "export_powers",
    "power_import",
]

SHEET_TITLE = "职权目录"
MAX_ROWS = 5000
MAX_STEPS = 60
STEP_ARROW = " → "
CONTROL_MARK = "★"
POST_JOIN = "、"
UNIT_QUALIFIER = "本单位"  # "本单位/副院长": a post of the unit itself, in no department
POST_SPLIT = re.compile(r"[、，,；;\n]+")
# The power writer's fields that are not the sheet's columns; any other goes to 编码.
FIELD_COLUMNS = {"time_limit_days": "time_limit"}
STEP_SPLIT = re.compile(r"→|->|－>|—>")
TIME_LIMIT = re.compile(r"^(\d+)\s*(?:天|日|个自然日|自然日)?$")
YES = spreadsheets.YES | {"公开"}
NO = spreadsheets.NO | {"×", "不公开"}

COLUMNS = (
    Column("code", "编码", 14, ("权力编码", "事项编码"), text=True),
    Column("name", "权力名称", 28, ("权力事项", "事项名称")),
    Column("category", "权力类别", 14, ("类别",)),
    Column("basis", "行使依据", 40, ("法律依据", "设定依据")),
    Column("department", "承办部门", 16, ("承办科室",)),
    Column("posts", "承办岗位", 26),
    Column("duties", "责任事项", 40),
    Column("time_limit", "办理期限(天)", 12, ("办理期限", "办理时限", "期限(天)")),
    Column("is_public", "是否公开", 10, ("公开",)),
    Column("steps", "流程环节", 50, ("流程图", "权力运行流程")),
)
ORGANISATION_COLUMN = Column("organisation", "单位", 24)
HEADERS = {c.key: c.header for c in (*COLUMNS, ORGANISATION_COLUMN)}


def category_labels() -> dict[str, str]:
    """Category value → its Chinese label (the files are Chinese whatever the UI language)."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in Power.Category.choices}


def _category_lookup() -> dict[str, str]:
    lookup = {label: value for value, label in category_labels().items()}
    lookup.update({str(label): value for value, label in Power.Category.choices})
    lookup.update({value: value for value in Power.Category.values})
    return lookup


# Posts by name ----------------------------------------------------------------------------


class PostNames:
    """An organisation's posts by name, so that a cell can name a post plainly ("科主任")
    where that is unambiguous and as "科室/岗位" (or "本单位/岗位") where it is not.

    `label` writes the shortest form that `resolve` reads back to the same post.
    """

    def __init__(self, organisation: Organisation, posts):
        self.organisation = organisation
        self.by_name = defaultdict(list)
        for post in posts:
            self.by_name[post.name].append(post)

    @classmethod
    def of(cls, organisation: Organisation) -> "PostNames":
        return cls(
            organisation,
            Post.objects.filter(organisation=organisation).select_related("department"),
        )

    def _unit_names(self):
        names = {self.organisation.name, self.organisation.short_name, UNIT_QUALIFIER}
        return names - {""}

    def resolve(self, token: str, department_id: int | None) -> tuple[Post | None, str]:
        """The post `token` names, or None and the reason in Chinese."""
        token = token.replace("／", "/").strip()
        candidates = self.by_name.get(token)
        if not candidates and "/" in token:
            qualifier, name = (part.strip() for part in token.split("/", 1))
            if qualifier in self._unit_names():
                candidates = [p for p in self.by_name.get(name, []) if p.department_id is None]
            else:
                candidates = [
                    p
                    for p in self.by_name.get(name, [])
                    if p.department_id and p.department.name == qualifier
                ]
            if len(candidates) == 1:
                return candidates[0], ""
            if not candidates:
                return None, _("本单位没有“%(token)s”这个岗位。") % {"token": token}
            return None, _("“%(token)s”对应多个岗位，请在系统中为岗位改用不同名称。") % {
                "token": token
            }
        if not candidates:
            return None, _("本单位没有名为“%(name)s”的岗位，请先在系统中新增该岗位。") % {
                "name": token
            }
        if len(candidates) == 1:
            return candidates[0], ""
        for narrowed in (
            [p for p in candidates if department_id and p.department_id == department_id],
            [p for p in candidates if p.department_id is None],
        ):
            if len(narrowed) == 1:
                return narrowed[0], ""
        places = POST_JOIN.join(
            sorted({p.department.name if p.department_id else UNIT_QUALIFIER for p in candidates})
        )
        return None, _(
            "本单位有多个名为“%(name)s”的岗位（%(places)s），请写成“科室/岗位”，如“%(example)s”。"
        ) % {"name": token, "places": places, "example": f"{places.split(POST_JOIN)[0]}/{token}"}

    def label(self, post: Post, department_id: int | None) -> str:
        found, _reason = self.resolve(post.name, department_id)
        if found is not None and found.pk == post.pk:
            return post.name
        place = post.department.name if post.department_id else UNIT_QUALIFIER
        return f"{place}/{post.name}"


def steps_text(steps) -> str:
    """Step names joined by →, control points marked with ★."""
    return STEP_ARROW.join(s.name + (CONTROL_MARK if s.is_control_point else "") for s in steps)


def parse_steps(text: str) -> list[tuple[str, bool]]:
    """[(name, is_control_point)] from "受理 → 审核★ → 决定" (a name left empty is the step
    rules' to refuse)."""
    text = text.strip()
    if not text:
        return []
    steps = []
    for piece in STEP_SPLIT.split(text):
        name = piece.strip()
        control = CONTROL_MARK in name or "☆" in name
        steps.append((name.replace(CONTROL_MARK, "").replace("☆", "").strip(), control))
    return steps


# Export -----------------------------------------------------------------------------------


def export_powers(powers, *, chunk_size: int = 500) -> bytes:
    """The powers of `powers` (a queryset from `power_selectors.export_queryset`) as .xlsx."""
    labels = category_labels()
    names: dict[int, PostNames] = {}
    out = io.BytesIO()
    with spreadsheets.SheetWriter(out) as book:
        sheet = book.sheet(SHEET_TITLE, (*COLUMNS, ORGANISATION_COLUMN))
        for power in itertools.chain.from_iterable(chunks(powers, size=chunk_size)):
            org = power.organisation
            if org.pk not in names:
                names[org.pk] = PostNames.of(org)
            post_names = names[org.pk]
            posts = (post_names.label(p, power.department_id) for p in power.posts.all())
            sheet.row(
                [
                    power.code,
                    power.name,
                    labels.get(power.category, power.category),
                    power.basis,
                    power.department.name if power.department_id else "",
                    POST_JOIN.join(posts),
                    power.duties,
                    power.time_limit_days,
                    "是" if power.is_public else "否",
                    steps_text(power.steps.all()),
                    org.name,
                ]
            )
    return out.getvalue()


def blank_template(organisation: Organisation | None = None) -> bytes:
    """An empty catalogue with drop-downs and a sheet of instructions (with the organisation's
    departments and posts, written as the import reads them)."""
    labels = list(category_labels().values())
    lines = [
        _("1. 第 1 行为表头，请勿修改；从第 2 行起每行填写一项权力事项。"),
        _(
            "2. 编码、权力名称、权力类别必填；同一文件中编码不能重复。已有编码的事项将被更新，"
            "新编码将新增事项；文件中没有的事项不会被删除。"
        ),
        _("3. 权力类别从下拉列表中选择（见下方可选类别）。"),
        _(
            "4. 承办部门须为本单位已有科室的名称；承办岗位填写本单位岗位名称，多个岗位用“、”分隔；"
            "同名岗位在多个科室时写成“科室/岗位”。"
        ),
        _("5. 办理期限填写天数（如 15），可留空。是否公开填写“是”或“否”，留空视为“是”。"),
        _(
            "6. 流程环节按顺序填写环节名称，用“→”分隔，内控点在名称后加“★”，"
            "如：受理 → 审核★ → 决定★ → 送达。"
        ),
        _(
            "7. 导入时按环节名称保留原有环节（及其办理岗位、时限和风险点），新名称新增环节，"
            "不再列出的环节将被删除；已有风险点的环节不能删除。流程环节留空表示该事项没有环节。"
        ),
        _("8. 任何一行有错误时，整个文件都不会导入，页面将列出全部错误的行、列和原因。"),
        "",
        _("可选的权力类别：") + "、".join(labels),
    ]
    out = io.BytesIO()
    with spreadsheets.SheetWriter(out) as book:
        sheet = book.sheet(SHEET_TITLE, COLUMNS)
        sheet.validation("category", labels, rows=MAX_ROWS)
        sheet.validation("is_public", ["是", "否"], rows=MAX_ROWS)
        notes = book.instructions(_("职权目录填写说明"), lines, width=100)
        if organisation is not None:
            list_departments(notes, organisation)
            post_names = PostNames.of(organisation)
            notes.section(
                _("%(org)s 的岗位：") % {"org": organisation.name},
                [post_names.label(p, None) for posts in post_names.by_name.values() for p in posts],
            )
    return out.getvalue()


# Import -----------------------------------------------------------------------------------


class PowerFileError(spreadsheets.SheetFileError):
    """The upload cannot be read as a power catalogue at all (not a workbook, empty, no
    header)."""


@dataclass
class ImportResult(spreadsheets.ImportResult):
    steps_created: int = 0
    steps_removed: int = 0


def read_rows(file) -> list[SheetRow]:
    """The non-empty data rows of the first sheet, keyed by column; raises PowerFileError."""
    return spreadsheets.read_sheet(
        file,
        error=PowerFileError,
        columns=(*COLUMNS, ORGANISATION_COLUMN),
        required=[c.key for c in COLUMNS],
        max_rows=MAX_ROWS,
        texts=spreadsheets.SheetTexts(
            empty=_("文件是空的：第 1 行应为表头（编码、权力名称……）。"),
            nothing=_("文件中没有权力事项（从第 2 行起填写）。"),
        ),
    )


def _parse_time_limit(value) -> int | None:
    """Days from a number cell or "15" / "15天"; raises ValueError (the range is the power
    rules')."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if float(value).is_integer():
            return int(value)
        raise ValueError(value)
    match = TIME_LIMIT.match(str(value).strip())
    if match is None:
        raise ValueError(value)
    return int(match.group(1))


@dataclass
class ParsedRow:
    """What a row's cells say: the power's fields that could be read (`values`), and its
    steps (None when they could not be read: the steps are left as they are)."""

    number: int
    code: str
    values: dict
    steps: list[tuple[str, bool]] | None


# What the row parser says of a cell it cannot convert: translated when a row needs it, not
# for every row.
FOREIGN_ROW = gettext_lazy("该行属于“%(other)s”，不是“%(org)s”的权力事项。")
BAD_CATEGORY = gettext_lazy("“%(value)s”不是有效的权力类别，可选：%(choices)s。")
SEVERAL_CODES = gettext_lazy(
    "编码“%(value)s”对应本单位多个权力事项（系统中的写法不同，如全角字符或空格），"
    "请先在系统中更正其中一项的编码。"
)
CATEGORY_CHOICES = lazy(lambda: "、".join(category_labels().values()), str)()


def _parse_row(cells: spreadsheets.RowCells, context) -> ParsedRow | None:
    """Turn one row's cells into values; a cell that cannot be converted is reported and its
    value left out (the power writer's rules check the rest)."""
    organisation = context["organisation"]
    names = (organisation.name, organisation.short_name)
    if not cells.belongs_to(names, FOREIGN_ROW):
        return None
    values = {key: cells.text(key) for key in ("name", "basis", "duties")}
    values["category"] = cells.lookup(
        "category", context["categories"], BAD_CATEGORY, default="", choices=CATEGORY_CHOICES
    )
    department = cells.lookup("department", context["departments"], NO_DEPARTMENT)
    values["department"] = department

    posts = []
    for token in POST_SPLIT.split(cells.text("posts")):
        if not token.strip():
            continue
        post, reason = context["post_names"].resolve(token, department.pk if department else None)
        if post is None:
            cells.error("posts", reason)
        elif post not in posts:
            posts.append(post)
    values["posts"] = posts

    try:
        values["time_limit_days"] = _parse_time_limit(cells.values.get("time_limit"))
    except (ValueError, TypeError):
        cells.error(
            "time_limit",
            _("“%(value)s”不是有效的办理期限，请填写 1 至 %(max)s 之间的天数，如 15。")
            % {"value": cells.text("time_limit"), "max": TIME_LIMIT_MAX},
        )
    values["is_public"] = cells.flag("is_public", default=True, yes=YES, no=NO)

    steps = parse_steps(cells.text("steps"))
    if len(steps) > MAX_STEPS:
        cells.error("steps", _("环节不能超过 %(max)s 个。") % {"max": MAX_STEPS})
    return ParsedRow(
        number=cells.number,
        code=cells.identifier("code", padded=context["padded"]),
        values={k: v for k, v in values.items() if FIELD_COLUMNS.get(k, k) not in cells.failed},
        steps=None if "steps" in cells.failed else steps,
    )


def _plan_steps(existing: list[PowerStep], wanted: list[tuple[str, bool]]):
    """The step rows that turn `existing` into the `wanted` names, matched by name in order
    (a kept step keeps its key, post, time limit and risk points), and the steps to remove."""
    free = defaultdict(list)
    for step in existing:
        free[step.name].append(step)
    rows = []
    for order, (name, control) in enumerate(wanted, start=1):
        values = {"order": order, "is_control_point": control}
        if free[name]:
            rows.append(StepRow(values, free[name].pop(0)))
        else:
            rows.append(StepRow({**values, "name": name}))
    return rows, [s for steps in free.values() for s in steps]


def _power_row(item: ParsedRow, power: Power | None, context) -> PowerRow:
    values = dict(item.values)
    if power is None:
        values["code"] = item.code
    if item.steps is None:
        return PowerRow(values, power, number=item.number)
    steps, remove = _plan_steps(context.steps.get(power.pk, []) if power else [], item.steps)
    return PowerRow(values, power, steps, remove, item.number)


def power_import(*, actor, organisation: Organisation, file) -> ImportResult:
    """Read every row of the catalogue `file` for `organisation` and hand them to
    `power_services.powers_write`, which creates or updates the powers by 编码 (and their
    steps) by the rules of the single services; return the counts, or every error with its
    row and column and write nothing.

    Raises PowerFileError when the file cannot be read as a catalogue at all.
    """
    rows = read_rows(file)
    result = ImportResult()
    sheet = spreadsheets.SheetErrors(
        (*COLUMNS, ORGANISATION_COLUMN), result.errors, fields=FIELD_COLUMNS, default="code"
    )
    context = {
        "organisation": organisation,
        "categories": _category_lookup(),
        "departments": {d.name: d for d in Department.objects.filter(organisation=organisation)},
        "post_names": PostNames.of(organisation),
    }
    stored = list(Power.objects.filter(organisation=organisation))
    catalogue = power_services.power_context(organisation, powers=stored)
    # 编码 as the file and the database may write them (full-width, spaces): matched
    # normalised; None for one that two powers share once normalised
    powers: dict = {}
    for power in stored:
        key = spreadsheets.normalise_identifier(power.code)
        powers[key] = None if key in powers else power
    typed = (row.values.get("code") for row in rows)
    context["padded"] = spreadsheets.zero_padded(itertools.chain((p.code for p in stored), typed))

    power_rows: list[PowerRow] = []
    for row in rows:
        cells = sheet.cells(row)
        item = _parse_row(cells, context)
        if item is None:
            continue
        if item.code and powers.get(item.code, False) is None:
            cells.error("code", str(SEVERAL_CODES) % {"value": item.code})
        power_rows.append(_power_row(item, powers.get(item.code), catalogue))

    sheet.write_or_report(
        check=lambda: power_services.powers_check(
            organisation=organisation, rows=power_rows, context=catalogue
        ),
        write=lambda: _write(actor, organisation, power_rows, catalogue, result),
    )
    return result


def _write(actor, organisation, power_rows: list[PowerRow], catalogue, result: ImportResult):
    try:
        written = power_services.powers_write(
            actor=actor, organisation=organisation, rows=power_rows, context=catalogue
        )
    except models.ProtectedError as error:
        # a step became used (by a risk point or a flow) after the rows were checked
        raise RowsInvalid(
            [
                RowIssue(
                    _row_removing(power_rows, error),
                    "steps",
                    _("该行要删除的环节刚被其他记录引用，未导入任何数据，请重新导入。"),
                )
            ]
        ) from error
    _count(result, written)
    result.record(
        actor=actor, action="power_catalogue.import", obj=organisation, rows=len(power_rows)
    )


def _count(result: ImportResult, written):
    for item in written:
        if item.created:
            result.created += 1
        elif item.touched:
            result.updated += 1
        else:
            result.unchanged += 1
        result.steps_created += item.steps_created
        result.steps_removed += item.steps_removed


def _row_removing(power_rows: list[PowerRow], error: models.ProtectedError) -> int:
    """The row whose removed step the records of `error` protect (else the first removing)."""
    rows_of = {s.pk: row.number for row in power_rows for s in row.remove_steps}
    for obj in error.protected_objects:
        for f in obj._meta.concrete_fields:
            if f.is_relation and f.related_model is PowerStep:
                number = rows_of.get(getattr(obj, f.attname))
                if number is not None:
                    return number
    return next(iter(rows_of.values()), 0)
