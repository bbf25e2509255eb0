"""The 廉政风险定位表 (risk positioning table) of a leader or a key department head.

Each row chains 权力事项 → 流程环节 → 岗位 → 责任人 → 风险点 → 等级 → 防控措施 → 监督责任人 for the
powers of the departments the person is in charge of (a leader: 分管科室) or heads (a department
head), and the risk points of the posts they hold themselves. Built in a fixed number of
queries whatever the number of departments, powers and risk points.
"""

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.core import documents, punctuation, spreadsheets
from lianfang.core.roles import Role
from lianfang.core.scoping import scope_of
from lianfang.core.spreadsheets import Column
from lianfang.org.models import Department, LeaderDivision, Person, PostAssignment

from . import selectors
from .models import Measure, MonitorRole, RiskPoint
from .models import level_label as format_level


def _current_divisions_q(prefix: str = "", today: dt.date | None = None) -> Q:
    # Only risks/register_io.py still uses this; it goes once that reads
    # LeaderDivision.objects.in_force().
    today = today or timezone.localdate()
    return Q(**{f"{prefix}since__lte": today}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": today})
    )


def _is_leader_in_charge(today=None):
    return Exists(
        LeaderDivision.objects.in_force(today).filter(
            leader=OuterRef("pk"), department__active=True
        )
    )


def _heads_key_department():
    """Heads an active department that is a key department (重点科室) or exercises powers."""
    return Exists(
        Department.objects.active()
        .filter(head=OuterRef("pk"))
        .filter(Q(is_key=True) | Q(powers__active=True))
    )


def _heads_department():
    return Exists(Department.objects.active().filter(head=OuterRef("pk")))


def positioning_people_visible_to(user, *, today: dt.date | None = None) -> QuerySet[Person]:
    """The people whose positioning table `user` may open: the integrity office and
    administrators, every leader in charge of departments and department head of their
    subtree; a leader or department head, themself; anyone else, nobody."""
    scope = scope_of(user)
    if scope.is_empty:
        return Person.objects.none()
    holders = Person.objects.active().filter(_is_leader_in_charge(today) | _heads_department())
    q = scope.subtree_q("organisation__path")
    if scope.person_id and scope.roles & {Role.LEADER, Role.DEPT_HEAD}:
        q |= Q(pk=scope.person_id)
    return holders.filter(q)


def positioning_index(*, user, filters: dict | None = None) -> QuerySet[Person]:
    """The index of positioning tables: the leaders in charge of departments and the heads of
    key departments (重点科室, or departments that exercise powers) the user may open,
    annotated with `is_division_leader`."""
    filters = filters or {}
    qs = (
        positioning_people_visible_to(user)
        .annotate(is_division_leader=_is_leader_in_charge())
        .filter(Q(is_division_leader=True) | _heads_key_department())
        .select_related("organisation", "department")
    )
    if filters.get("organisation") is not None:
        qs = qs.filter(organisation__path__startswith=filters["organisation"].path)
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(staff_no__icontains=q))
    return qs


def attach_departments(people, *, today: dt.date | None = None) -> list:
    """Set `positioning_departments` (in charge of, then headed) on each person, in two
    queries for the whole page."""
    people = list(people)
    ids = [p.pk for p in people]
    by_person: dict[int, list[Department]] = {pk: [] for pk in ids}
    divisions = (
        LeaderDivision.objects.in_force(today)
        .filter(leader_id__in=ids, department__active=True)
        .select_related("department")
        .order_by("department__order", "department__code")
    )
    for division in divisions:
        if division.department not in by_person[division.leader_id]:
            by_person[division.leader_id].append(division.department)
    for department in Department.objects.active().filter(head_id__in=ids).order_by("order", "code"):
        if department not in by_person[department.head_id]:
            by_person[department.head_id].append(department)
    for person in people:
        person.positioning_departments = by_person[person.pk]
    return people


# The table -----------------------------------------------------------------------------------


@dataclass
class Monitor:
    """A 监督责任人: the role watching a risk point at its level and who holds it."""

    role: str
    names: list[str]
    role_key: str = ""

    def __str__(self):
        who = punctuation.listed(self.names) if self.names else str(_("未指定"))
        return punctuation.labelled(self.role, who)


# A post held by many people (医师, 护士) lists a few names and the count.
HOLDERS_SHOWN = 6


@dataclass
class Row:
    point: RiskPoint
    post_label: str
    holders: list[str]
    measures: list[Measure]
    monitors: list[Monitor]
    post_labels: list[str] = field(default_factory=list)
    # rowspans of the merged cells (0: covered by the row above)
    power_span: int = 1
    step_span: int = 1
    post_span: int = 1

    @property
    def power(self):
        return self.point.power

    @property
    def step(self):
        return self.point.step

    @property
    def level_label(self) -> str:
        level = self.point.level
        if not level:
            return str(_("未定级"))
        return str(format_level(level))

    @property
    def holders_text(self) -> str:
        if len(self.holders) > HOLDERS_SHOWN:
            shown = punctuation.listed(self.holders[:HOLDERS_SHOWN])
            return str(_("%(names)s 等 %(count)d 人")) % {
                "names": shown,
                "count": len(self.holders),
            }
        return punctuation.listed(self.holders)

    @property
    def monitors_text(self) -> str:
        return "\n".join(str(m) for m in self.monitors)

    @property
    def measures_text(self) -> str:
        return "\n".join(f"{i}. {m.text}" for i, m in enumerate(self.measures, start=1))


@dataclass
class PositioningTable:
    person: Person
    role_label: str
    departments: list[Department]
    rows: list[Row] = field(default_factory=list)
    date: dt.date | None = None
    levels_param: str = ""
    drafts: bool = False  # drafts included (and marked); official copies leave them out

    @property
    def query(self) -> str:
        """The page's filters as a query string, for its own links and downloads."""
        params = [("levels", self.levels_param)] if self.levels_param else []
        if self.drafts:
            params.append(("drafts", "1"))
        return "?" + "&".join(f"{k}={v}" for k, v in params) if params else ""

    @property
    def power_count(self) -> int:
        return len({row.point.power_id for row in self.rows})

    @property
    def level_counts(self) -> dict:
        counts = {1: 0, 2: 0, 3: 0, None: 0}
        for row in self.rows:
            counts[row.point.level] = counts.get(row.point.level, 0) + 1
        return counts


def _departments_of(person: Person, today: dt.date) -> tuple[list[Department], bool]:
    """The departments in charge (current divisions) and headed, and whether the person is a
    leader in charge, in one query."""
    departments = list(
        Department.objects.active()
        .filter(
            Q(
                pk__in=LeaderDivision.objects.in_force(today)
                .filter(leader=person)
                .values("department_id")
            )
            | Q(head=person)
        )
        .annotate(
            led=Exists(
                LeaderDivision.objects.in_force(today).filter(
                    leader=person, department=OuterRef("pk")
                )
            )
        )
        .order_by("order", "code")
    )
    return departments, any(d.led for d in departments)


def _holders_of(post_ids) -> dict[int, list[str]]:
    """The names of the active people holding each post now, in one query."""
    result: dict[int, list[str]] = {}
    rows = (
        PostAssignment.objects.current()
        .filter(post_id__in=set(post_ids), person__active=True)
        .order_by("post_id", "start", "person__staff_no")
        .values_list("post_id", "person__name")
    )
    for post_id, name in rows:
        result.setdefault(post_id, []).append(name)
    return result


def monitor_lines(points, *, today: dt.date | None = None) -> dict[int, list[Monitor]]:
    """Who watches each risk point (监督责任人), one line per role of its level's rule, from
    `selectors.monitors_for` (a fixed number of queries for any number of points)."""
    labels = {key: str(label) for key, label in MonitorRole.choices}
    result = {}
    for pk, monitors in selectors.monitors_for(points, today=today).items():
        lines: list[Monitor] = []
        for monitor in monitors:
            if not lines or lines[-1].role_key != monitor.role:
                lines.append(Monitor(labels.get(monitor.role, monitor.role), [], monitor.role))
            if monitor.name and monitor.name not in lines[-1].names:
                lines[-1].names.append(monitor.name)
        result[pk] = lines
    return result


POINT_RELATED = (
    "organisation__principal_leader",
    "department__head",
    "post",
    "power__department",
    "step__post",
)


def _merge_into(row: Row, point: RiskPoint, post_label: str, names, monitors) -> None:
    """Fold another post's copy of a risk point into its row: posts, holders, measures and
    monitors are united; the row shows the most serious level among the copies."""
    if post_label not in row.post_labels:
        row.post_labels.append(post_label)
    row.holders.extend(n for n in names if n not in row.holders)
    known = {m.pk for m in row.measures}
    row.measures.extend(m for m in point.measures.all() if m.pk not in known)
    for monitor in monitors:
        line = next((m for m in row.monitors if m.role_key == monitor.role_key), None)
        if line is None:
            row.monitors.append(Monitor(monitor.role, list(monitor.names), monitor.role_key))
        else:
            line.names.extend(n for n in monitor.names if n not in line.names)
    if point.level and (not row.point.level or point.level < row.point.level):
        row.point = point


def _spans(rows: list[Row]) -> None:
    """Merge equal consecutive cells: power within the table, step within the power, post
    within the step."""

    def run(start, key):
        end = start + 1
        while end < len(rows) and key(rows[end]) == key(rows[start]):
            end += 1
        return end

    i = 0
    while i < len(rows):
        power_end = run(i, lambda r: r.point.power_id)
        rows[i].power_span = power_end - i
        for row in rows[i + 1 : power_end]:
            row.power_span = 0
        j = i
        while j < power_end:
            step_end = min(run(j, lambda r: r.point.step_id), power_end)
            rows[j].step_span = step_end - j
            for row in rows[j + 1 : step_end]:
                row.step_span = 0
            k = j
            while k < step_end:
                post_end = min(run(k, lambda r: (r.post_label, tuple(r.holders))), step_end)
                rows[k].post_span = post_end - k
                for row in rows[k + 1 : post_end]:
                    row.post_span = 0
                k = post_end
            j = step_end
        i = power_end


# WeasyPrint lays out some 30 table rows a second and its memory grows with the document.
PDF_MAX_ROWS = 400

# ?levels=1 or ?levels=12: only those levels (a leader prints the 一级 table first).
LEVEL_FILTERS = {"1": [1], "12": [1, 2]}


def table_for(
    *, user, person: Person, levels_param: str = "", drafts: bool = False
) -> PositioningTable:
    """The table of `person` (from `positioning_people_visible_to(user)`) with the page's
    `levels` filter, and the drafts only when asked (`drafts`, ?drafts=1); remembers both."""
    levels = LEVEL_FILTERS.get(levels_param or "")
    table = positioning_table(user=user, leader=person, levels=levels, drafts=drafts)
    table.levels_param = levels_param if levels else ""
    return table


def positioning_pdf(table: PositioningTable, *, request=None) -> bytes:
    """The printed table (PDF bytes)."""
    return documents.render_pdf(
        "risks/positioning_pdf.html", {"table": table}, request=request, landscape=True
    )


def positioning_table(
    *, user, leader: Person, today: dt.date | None = None, levels=None, drafts: bool = False
) -> PositioningTable:
    """The positioning table of `leader` (a leader in charge or a department head) as `user`
    may see it. The caller fetched `leader` from `positioning_people_visible_to(user)`.

    Rows are the register's filed risk points (with `drafts`, the drafts too, marked as such;
    never the retired) of the departments' powers and of the posts the person holds, ordered
    by power, step and level. An official copy leaves the drafts out: what is not filed is
    not yet the organisation's register.
    """
    today = today or timezone.localdate()
    departments, leads = _departments_of(leader, today)
    department_ids = [d.pk for d in departments]
    held_posts = PostAssignment.objects.current().filter(person=leader).values("post_id")
    points = list(
        RiskPoint.objects.in_use()
        .filter(organisation=leader.organisation)
        .filter(Q() if drafts else Q(status=RiskPoint.Status.FILED))
        .filter(Q(level__in=levels) if levels else Q())
        .filter(
            Q(department_id__in=department_ids)
            | Q(power__department_id__in=department_ids)
            | Q(post_id__in=held_posts)
        )
        .select_related(*POINT_RELATED)
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.select_related(
                    "owner_person", "owner_department"
                ).order_by("id"),
            )
        )
        .order_by(
            "power__department__order",
            "power__code",
            "power_id",
            "step__order",
            "step_id",
            "post__code",
            "level",
            "id",
        )
    )
    post_ids = {p.post_id or (p.step.post_id if p.step_id else None) for p in points}
    holders = _holders_of(pid for pid in post_ids if pid)
    monitors = monitor_lines(points, today=today)
    # The same risk point filed on several posts (the library files one per post) is one row
    # of the table, listing every post and its holders: a leader reads risks, not copies.
    groups: dict[tuple, Row] = {}
    for point in points:
        post = point.post or (point.step.post if point.step_id else None)
        if post is not None:
            post_label, names = post.name, holders.get(post.pk, [])
        elif point.department_id:
            head = point.department.head
            post_label = punctuation.bracketed(point.department.name, _("科室"))
            names = [head.name] if head is not None else []
        else:
            principal = point.organisation.principal_leader
            post_label = str(_("单位层面"))
            names = [principal.name] if principal is not None else []
        key = (point.power_id, point.step_id, point.department_id, point.name, point.manifestation)
        row = groups.get(key)
        if row is None:
            groups[key] = Row(
                point=point,
                post_label=post_label,
                holders=list(names),
                measures=list(point.measures.all()),
                monitors=[
                    Monitor(m.role, list(m.names), m.role_key) for m in monitors.get(point.pk, [])
                ],
                post_labels=[post_label],
            )
            continue
        _merge_into(row, point, post_label, names, monitors.get(point.pk, []))
    rows = list(groups.values())
    for row in rows:
        row.post_label = punctuation.listed(row.post_labels)
    _spans(rows)
    return PositioningTable(
        person=leader,
        role_label=str(_("分管领导") if leads else _("部门负责人")),
        departments=departments,
        rows=rows,
        date=today,
        drafts=drafts,
    )


# Excel -----------------------------------------------------------------------------------------

XLSX_COLUMNS = (
    Column("seq", _("序号"), 6),
    Column("power", _("权力事项"), 22),
    Column("step", _("流程环节"), 16),
    Column("post", _("岗位"), 14),
    Column("holders", _("责任人"), 14),
    Column("name", _("风险点"), 24),
    Column("manifestation", _("表现形式"), 36),
    Column("level", _("风险等级"), 11),
    Column("measures", _("防控措施"), 44),
    Column("monitors", _("监督责任人"), 30),
)
LEVEL_FILLS = {1: "#C0392B", 2: "#E67E22", 3: "#2E86DE"}


def positioning_workbook(table: PositioningTable) -> bytes:
    """The table as an .xlsx workbook: a title, who and when, then one row per risk point with
    the power, step and post cells merged over their groups."""
    out = io.BytesIO()
    # not streamed: merged groups reach down over rows written later
    with spreadsheets.SheetWriter(out, streamed=False, font=spreadsheets.FONT_SONG) as book:
        sheet = book.sheet(str(_("廉政风险定位表")), XLSX_COLUMNS, header=False)
        last = len(XLSX_COLUMNS) - 1
        sheet.merge(0, 0, 0, last, str(_("廉政风险定位表")), book.style("title"))
        departments = "、".join(d.name for d in table.departments) or "—"
        person = table.person
        sheet.merge(
            1,
            0,
            1,
            last,
            f"{_('单位')}：{person.organisation.name}    {table.role_label}：{person.name}"
            f"    {_('分管/负责科室')}：{departments}    {_('日期')}：{table.date:%Y-%m-%d}",
        )
        sheet.next_row = 2
        sheet.header("border")
        first = sheet.next_row
        wrap, centre = book.style("wrap", "border"), book.style("centre", "border")
        for offset, row in enumerate(table.rows):
            r = first + offset
            point = row.point
            level = centre
            if point.level in LEVEL_FILLS:
                level = book.style(
                    "centre", "border", bold=True, font_color="#FFFFFF", pattern=1,
                    bg_color=LEVEL_FILLS[point.level],
                )  # fmt: skip
            values = (
                offset + 1,
                point.power.name,
                point.step.name if point.step_id else "—",
                row.post_label,
                row.holders_text or "—",
                f"{point.name}（{_('草稿')}）"
                if point.status == RiskPoint.Status.DRAFT
                else point.name,
                point.manifestation,
                row.level_label,
                row.measures_text or "—",
                row.monitors_text or "—",
            )
            spans = {1: row.power_span, 2: row.step_span, 3: row.post_span, 4: row.post_span}
            for c, value in enumerate(values):
                style = level if c == 7 else centre if c == 0 else wrap
                span = spans.get(c, 1)
                if span > 1:
                    sheet.merge(r, c, r + span - 1, c, value, style)
                elif span == 1:
                    sheet.cell(r, c, value, style)
                # span 0: the cell lies under a merged group above
        end = first + len(table.rows)
        if not table.rows:
            sheet.merge(first, 0, first, last, str(_("暂无风险点。")))
            end = first + 1
        # the signature line of the printed form, as on the PDF
        signatures = "　　　　　　　　".join(
            (f"{_('本人签字')}：", f"{_('纪检监察部门')}：", str(_("年　月　日")))
        )
        sheet.merge(end + 1, 0, end + 1, last, signatures, book.style(valign="vcenter"))
        sheet.print_on_a4(landscape=True)
    return out.getvalue()
