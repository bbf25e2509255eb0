"""Import a standard library pack (标准库) into an organisation's power catalogue and register.

`library_import(actor=..., organisation=..., pack_key=...)` is the one write. What a caller can
rely on:

- The pack is validated first; a pack with errors, or an organisation without departments,
  raises `LibraryImportError` (Chinese messages) and nothing is written.
- Every item is identified by its urn: powers by (organisation, urn), steps by (power, key),
  risk points by (organisation, urn, post | department | unit), measures by (organisation, urn,
  owner department). Importing again never duplicates and never deletes.
- Importing the same version again writes nothing. A newer version updates the library fields
  the organisation has not edited since the import that last wrote them, and keeps the local
  edits (risk points: UPDATED/REGRADED timeline events; powers, steps and measures: audit
  events of other services).
- Everything is written in bulk, in one transaction, with a fixed number of queries per batch
  of rows, each created or changed row getting its audit event (and risk points an IMPORTED
  timeline event with the changes from old to new).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from lianfang.core import audit
from lianfang.core.errors import RowsInvalid
from lianfang.core.models import AuditEvent
from lianfang.libraries import LibraryError, Pack, load_pack, validate
from lianfang.org import power_services
from lianfang.org.models import Department, Organisation, Post, Power, PowerStep
from lianfang.org.power_services import PowerRow, StepRow

from . import grading, services
from .models import Measure, RiskPoint, RiskPointEvent

# Where packs are read from: None means the packs shipped in lianfang/libraries. Tests point
# it at a directory of their own.
PACKS_DIRECTORY: Path | None = None

BATCH_SIZE = 500
PACK_SCALE = 5  # packs score likelihood and harm on 1..5

ACTION_PREFIX = "library.import"

POWER_FIELDS = ("name", "category", "basis", "duties", "time_limit_days", "is_public")
STEP_FIELDS = ("name", "is_control_point", "order")
RISK_FIELDS = (
    "category",
    "name",
    "manifestation",
    "likelihood",
    "harm",
    "matter_kind",
    "criteria",
    "step",
)
GRADING_INPUTS = frozenset({"likelihood", "harm", "matter_kind", "criteria"})
LEVEL_FIELDS = ("level", "review_due")
MEASURE_FIELDS = ("text",)

FIELD_LABELS = {
    "name": "名称",
    "category": "类别",
    "basis": "行使依据",
    "duties": "责任事项",
    "time_limit_days": "办理期限",
    "is_public": "是否公开",
    "is_control_point": "内控点",
    "order": "顺序",
    "manifestation": "表现形式",
    "likelihood": "可能性",
    "harm": "危害程度",
    "matter_kind": "事项性质",
    "criteria": "符合条件",
    "step": "流程环节",
    "level": "风险等级",
    "review_due": "下次复核",
    "text": "措施内容",
}

# Common other names of a pack's departments, tried after the exact and the contains match,
# in order. (Mapping a smaller hospital's missing 科教科 to 医务科 and 经济运营部 to 财务科, and
# 临床科室 to 医务科, was tried and left: a department head's positioning table holds every
# risk point of the powers the department handles, so those tables overflowed.) The
# clinical powers (处方、诊疗、检查) are exercised in every clinical department (临床科室):
# they keep no single 承办部门 (giving them 医务科 put every clinical risk point of the
# hospital in 医务科's positioning table); their risk points stay with the posts, else the
# unit.
COLLECTIVE_DEPARTMENTS = {"临床科室"}
DEPARTMENT_ALIASES = {
    "药学部": ("药剂科", "药学科", "药事科"),
    "医学装备部": ("设备科", "医学装备科", "设备处", "器械科"),
    "人力资源部": ("人事科", "人事处", "人力资源科"),
    "党委组织部": ("组织部", "组织科", "党委办公室"),
    "经济运营部": ("运营管理部", "运营管理科", "经济管理科", "绩效办"),
    "科教科": ("科研科", "科研处", "教育科", "科教处"),
}


class LibraryImportError(LibraryError):
    """The import was refused before anything was written; `errors` lists why, in Chinese."""


# --- the report --------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_local: int = 0  # of the existing ones: how many kept at least one local edit

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class ImportReport:
    pack_key: str
    pack_name: str
    version: int
    organisation: Organisation
    previous_version: int | None = None
    powers: Counts = field(default_factory=Counts)
    steps: Counts = field(default_factory=Counts)
    risk_points: Counts = field(default_factory=Counts)
    measures: Counts = field(default_factory=Counts)
    links_added: int = 0
    renamed_codes: list[tuple[str, str, str]] = field(default_factory=list)  # name, pack, used
    unmatched_departments: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # "风险点「…」：名称、表现形式"
    not_in_library: list[str] = field(default_factory=list)  # risk point names

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.kinds().values()) or bool(self.links_added)

    def kinds(self) -> dict[str, Counts]:
        return {
            "权力事项": self.powers,
            "流程环节": self.steps,
            "风险点": self.risk_points,
            "防控措施": self.measures,
        }

    def lines(self) -> list[str]:
        """The report as Chinese sentences, for the command line and the page."""
        org = self.organisation.name
        head = f"标准库「{self.pack_name}」第 {self.version} 版 → {org}"
        if self.previous_version and self.previous_version != self.version:
            head += f"（原为第 {self.previous_version} 版）"
        lines = [head]
        for label, c in self.kinds().items():
            lines.append(
                f"{label}：新增 {c.created}，更新 {c.updated}，"
                f"保留本地修改 {c.kept_local}，未变 {c.unchanged}"
            )
        if self.links_added:
            lines.append(f"新增措施与风险点的关联 {self.links_added} 条")
        for name, pack_code, used in self.renamed_codes:
            lines.append(f"编码「{pack_code}」已被本单位其他权力事项占用，「{name}」改用「{used}」")
        if self.unmatched_departments:
            lines.append(
                "未找到承办部门（相关风险点挂在单位名下，措施由纪检监察部门负责）："
                + "、".join(self.unmatched_departments)
            )
        lines.extend(f"保留本地修改：{item}" for item in self.kept)
        if self.not_in_library:
            lines.append(
                f"已不在标准库中的风险点 {len(self.not_in_library)} 个（保留未删除）："
                + "、".join(self.not_in_library)
            )
        if not self.changed:
            lines.append("没有需要更新的内容。")
        return lines


# --- entry points ------------------------------------------------------------------------


def pack_for_import(pack_key: str, directory: Path | None = None) -> Pack:
    """Load and check a pack; LibraryError (or LibraryImportError) with Chinese errors."""
    pack = load_pack(pack_key, directory if directory is not None else PACKS_DIRECTORY)
    errors = validate(pack) + _length_errors(pack)
    if errors:
        raise LibraryImportError(
            f"标准库「{pack_key}」有 {len(errors)} 处错误，未导入任何数据", errors
        )
    return pack


def library_import(
    *,
    actor,
    organisation: Organisation,
    pack_key: str,
    directory: Path | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import pack `pack_key` into `organisation` (see the module docstring for the rules)."""
    pack = pack_for_import(pack_key, directory)
    with transaction.atomic():
        # One import per organisation at a time (PostgreSQL; SQLite's write lock serialises).
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        return _Importer(
            pack=pack,
            organisation=org,
            actor=actor,
            today=today or timezone.localdate(),
            progress=progress or (lambda message: None),
        ).run()


# --- helpers -----------------------------------------------------------------------------


def _length_errors(pack: Pack) -> list[str]:
    errors = []

    def check(where, label, value, limit):
        if value and len(value) > limit:
            errors.append(f"{where}：{label}超过 {limit} 个字符")

    for power in pack.powers:
        where = f"权力事项「{power.urn}」"
        check(where, "urn ", power.urn, 200)
        check(where, "编码", power.code, 40)
        check(where, "名称", power.name.zh, 200)
        for step in power.steps:
            check(f"{where}的环节「{step.key}」", "key ", step.key, 60)
            check(f"{where}的环节「{step.key}」", "名称", step.name.zh, 200)
    for risk in pack.risk_points:
        where = f"风险点「{risk.urn}」"
        check(where, "urn ", risk.urn, 200)
        check(where, "名称", risk.name.zh, 200)
    for measure in pack.measures:
        check(f"防控措施「{measure.urn}」", "urn ", measure.urn, 200)
    return errors


def _chunks(items: list, size: int = BATCH_SIZE) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _field_name(name: str) -> str:
    return name[:-3] if name.endswith("_id") else name


def _value(obj, name: str):
    """A field's value as the timeline stores it: foreign keys as ids (read without a query)."""
    return getattr(obj, obj._meta.get_field(name).attname)


def _similar(a: str, b: str) -> bool:
    return len(a) >= 2 and len(b) >= 2 and (a in b or b in a)


class _OrgIndex:
    """The organisation's departments and posts, matched by name."""

    def __init__(self, departments: list[Department], posts: list[Post]):
        self.departments = [d for d in departments if d.active]
        self.by_name = {d.name: d for d in self.departments}
        self.posts_in = defaultdict(list)
        self.posts_named = defaultdict(list)
        for post in posts:
            self.posts_in[post.department_id].append(post)
            self.posts_named[post.name].append(post)

    def department(self, name: str) -> Department | None:
        """Exact name, else the closest name containing it or contained in it, else a usual
        other name of it (药学部 → 药剂科)."""
        if not name:
            return None
        if name in self.by_name:
            return self.by_name[name]
        candidates = [d for d in self.departments if _similar(name, d.name)]
        if candidates:
            return min(candidates, key=lambda d: (abs(len(d.name) - len(name)), d.order, d.code))
        for alias in DEPARTMENT_ALIASES.get(name, ()):
            if alias in self.by_name:
                return self.by_name[alias]
        return None

    def posts(self, names: Iterable[str], department: Department | None) -> list[Post]:
        """Each name: the department's post of that name (or a similar name), else the
        organisation's posts of exactly that name."""
        found: dict[int, Post] = {}
        for name in names:
            matches = []
            if department is not None:
                own = self.posts_in[department.pk]
                matches = [p for p in own if p.name == name] or [
                    p for p in own if _similar(name, p.name)
                ]
            if not matches:
                matches = self.posts_named.get(name, [])
            for post in matches:
                found.setdefault(post.pk, post)
        return list(found.values())


def _audit_local_edits(object_type: str, ids: list[int]) -> dict[int, set[str]]:
    """Per object: the fields another service changed since the import that last wrote them.

    Audit events keep only the changed keys, so walking an object's events in order, an
    import event clears the fields it wrote and any other event marks the fields it changed.
    """
    edited: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks([str(i) for i in ids]):
        rows = (
            AuditEvent.objects.filter(object_type=object_type, object_id__in=chunk)
            .order_by("seq")
            .values_list("object_id", "action", "after")
        )
        for object_id, action, after in rows:
            fields = {_field_name(k) for k in (after or {})}
            if action.startswith(ACTION_PREFIX):
                edited[int(object_id)] -= fields
            else:
                edited[int(object_id)] |= fields
    return edited


@dataclass
class _Target:
    """Where one pack risk point lands: a post, a department or the unit."""

    subject: str
    department: Department | None = None
    post: Post | None = None

    def key(self, urn: str) -> tuple:
        if self.subject == RiskPoint.Subject.POST:
            return (urn, self.subject, self.post.pk)
        if self.subject == RiskPoint.Subject.DEPARTMENT:
            return (urn, self.subject, self.department.pk)
        return (urn, self.subject, None)


def _point_key(point: RiskPoint) -> tuple:
    if point.subject == RiskPoint.Subject.POST:
        return (point.library_urn, point.subject, point.post_id)
    if point.subject == RiskPoint.Subject.DEPARTMENT:
        return (point.library_urn, point.subject, point.department_id)
    return (point.library_urn, point.subject, None)


# --- the import --------------------------------------------------------------------------


class _Importer:
    def __init__(self, *, pack: Pack, organisation: Organisation, actor, today, progress):
        self.pack = pack
        self.org = organisation
        self.actor = actor
        self.today = today
        self.progress = progress
        # The import happens on `today`: an import dated another day (the demo's history) is
        # written at nine that morning, and review dates count from it.
        now = timezone.now()
        self.now = (
            now
            if today == timezone.localdate(now)
            else timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
        )
        self.report = ImportReport(
            pack_key=pack.key,
            pack_name=pack.name.zh,
            version=pack.version,
            organisation=organisation,
        )
        self.changes: list[audit.Change] = []
        self.label = f"标准库「{pack.name.zh}」第 {pack.version} 版"

    # -- reading

    def run(self) -> ImportReport:
        org = self.org
        departments = list(Department.objects.filter(organisation=org))
        if not departments:
            raise LibraryImportError(
                f"单位「{org.name}」还没有任何科室，无法导入标准库：防控措施需要责任部门，"
                "请先建立科室"
            )
        self.departments_by_id = {d.pk: d for d in departments}
        self.index = _OrgIndex(
            departments,
            list(Post.objects.filter(organisation=org).only("id", "name", "department_id")),
        )
        active = [d for d in departments if d.active] or departments
        self.fallback_owner_id = (
            org.integrity_department_id or min(active, key=lambda d: (d.order, d.code)).pk
        )
        self.scheme = grading.active_scheme(org)
        self.progress("正在导入权力事项和流程环节……")
        self.import_powers()
        self.progress("正在导入风险点……")
        self.import_risk_points()
        self.progress("正在导入防控措施……")
        self.import_measures()
        if self.report.changed:
            self.changes.append(
                audit.Change(
                    action=ACTION_PREFIX,
                    obj=org,
                    after={
                        "pack": self.pack.key,
                        "version": self.pack.version,
                        **{
                            key: {"created": c.created, "updated": c.updated}
                            for key, c in (
                                ("powers", self.report.powers),
                                ("steps", self.report.steps),
                                ("risk_points", self.report.risk_points),
                                ("measures", self.report.measures),
                            )
                        },
                    },
                )
            )
        audit.record_many(actor=self.actor, changes=self.changes)
        return self.report

    def _kept(self, kind: str, name: str, fields: Iterable[str]):
        labels = "、".join(FIELD_LABELS.get(f, f) for f in fields)
        self.report.kept.append(f"{kind}「{name}」：{labels}")

    # -- powers and steps

    def import_powers(self):
        """Plan the pack's powers and steps (matched by urn and key, keeping local edits) and
        write them with the catalogue's bulk writer, as "library.import." events."""
        pack, org, report = self.pack, self.org, self.report
        urns = {p.urn for p in pack.powers}
        all_powers = list(Power.objects.filter(organisation=org))
        existing = {p.library_urn: p for p in all_powers if p.library_urn in urns}
        versions = [p.library_version for p in existing.values() if p.library_version]
        report.previous_version = max(versions) if versions else None
        codes = {p.code for p in all_powers}
        edited = _audit_local_edits(Power._meta.label_lower, [p.pk for p in existing.values()])
        catalogue = power_services.power_context(org, powers=existing.values())
        existing_steps = [s for steps in catalogue.steps.values() for s in steps]
        step_edits = _audit_local_edits(PowerStep._meta.label_lower, [s.pk for s in existing_steps])
        self.steps: dict[tuple[str, str], PowerStep] = {}
        self.power_posts: dict[str, list[Post]] = {}
        rows: list[PowerRow] = []
        unmatched: list[str] = []
        for spec in pack.powers:
            department = self.index.department(spec.department)
            if department is None and spec.department not in unmatched:
                unmatched.append(spec.department)
            posts = self.index.posts(spec.posts, department)
            values = {
                "name": spec.name.zh,
                "category": spec.category
                if spec.category in Power.Category.values
                else Power.Category.OTHER,
                "basis": spec.basis.zh,
                "duties": spec.duties.zh,
                "time_limit_days": spec.time_limit_days,
                "is_public": spec.public,
            }
            power = existing.get(spec.urn)
            if power is None:
                code = self._free_code(spec.code, codes)
                if code != spec.code:
                    report.renamed_codes.append((spec.name.zh, spec.code, code))
                codes.add(code)
                values.update(
                    code=code,
                    department=department,
                    posts=posts,
                    library_urn=spec.urn,
                    library_version=pack.version,
                )
                report.powers.created += 1
            else:
                if power.department_id is None and department is not None:
                    values["department"] = department
                values, kept = self._unedited(power, values, edited.get(power.pk, set()))
                if kept:
                    self._kept("权力事项", power.name, kept)
                    report.powers.kept_local += 1
                report.powers.updated += bool(values)
                if power.library_version != pack.version:
                    values["library_version"] = pack.version
            rows.append(
                PowerRow(
                    values,
                    power,
                    self._step_rows(spec, power, catalogue, step_edits),
                    number=len(rows) + 1,
                )
            )
            self.power_posts[spec.urn] = posts
        report.unmatched_departments = unmatched
        report.powers.unchanged = len(existing) - report.powers.updated
        report.steps.unchanged = len(existing_steps) - report.steps.updated

        try:
            written = power_services.powers_write(
                actor=self.actor,
                organisation=org,
                rows=rows,
                context=catalogue,
                audit_prefix=f"{ACTION_PREFIX}.",
            )
        except RowsInvalid as invalid:
            raise LibraryImportError(
                f"标准库「{pack.key}」有 {len(invalid.issues)} 处不符合职权目录的规则，"
                "未导入任何数据",
                [
                    f"权力事项「{pack.powers[issue.row - 1].urn}」：{issue.message}"
                    for issue in invalid.issues
                ],
            ) from None
        self.powers: dict[str, Power] = {}
        self.power_department: dict[str, Department | None] = {}
        self.collective_powers = {
            spec.urn for spec in pack.powers if spec.department in COLLECTIVE_DEPARTMENTS
        }
        for spec, result in zip(pack.powers, written, strict=True):
            self.powers[spec.urn] = result.power
            self.power_department[spec.urn] = self.departments_by_id.get(result.power.department_id)
            for step in result.steps:
                self.steps[(spec.urn, step.key)] = step
            report.steps.created += result.steps_created
        self.step_names = {s.pk: s.name for s in [*existing_steps, *self.steps.values()]}

    def _free_code(self, code: str, taken: set[str]) -> str:
        if code not in taken:
            return code
        n = 2
        while True:
            suffix = f"-{n}"
            candidate = code[: 40 - len(suffix)] + suffix
            if candidate not in taken:
                return candidate
            n += 1

    @staticmethod
    def _unedited(obj, values: dict, edited: set[str]) -> tuple[dict, list[str]]:
        """Of the library `values` that differ from `obj`'s: those the organisation has not
        edited (to write), and the names of those it has (kept)."""
        changes, kept = {}, []
        for name, value in values.items():
            if _value(obj, name) == _pk(value):
                continue
            if name in edited:
                kept.append(name)
            else:
                changes[name] = value
        return changes, kept

    def _step_rows(self, spec, power: Power | None, catalogue, edited) -> list[StepRow]:
        """The step rows of a pack power: new steps, and the existing ones (by key) with the
        library values the organisation has not edited. Unchanged steps are noted only."""
        report = self.report
        existing = {s.key: s for s in catalogue.steps.get(power.pk, [])} if power else {}
        rows = []
        for order, step_spec in enumerate(spec.steps, start=1):
            values = {
                "name": step_spec.name.zh,
                "is_control_point": step_spec.control_point,
                "order": order,
            }
            step = existing.get(step_spec.key)
            if step is None:
                rows.append(StepRow({**values, "key": step_spec.key}))
                continue
            changes, kept = self._unedited(step, values, edited.get(step.pk, set()))
            if kept:
                report.steps.kept_local += 1
                self._kept("流程环节", f"{power.name} · {step.name}", kept)
            if changes:
                report.steps.updated += 1
                rows.append(StepRow(changes, step))
            else:
                self.steps[(spec.urn, step.key)] = step
        return rows

    # -- risk points

    def _targets(self, power_urn: str) -> list[_Target]:
        posts = self.power_posts[power_urn]
        if posts:
            return [_Target(RiskPoint.Subject.POST, department=None, post=post) for post in posts]
        department = self.power_department[power_urn]
        if department is not None and power_urn not in self.collective_powers:
            return [_Target(RiskPoint.Subject.DEPARTMENT, department=department)]
        return [_Target(RiskPoint.Subject.UNIT)]

    def _point_values(self, spec) -> dict:
        size = self.scheme.matrix_size
        step = self.steps.get((spec.power, spec.step)) if spec.step else None
        return {
            "category": spec.category,
            "name": spec.name.zh,
            "manifestation": spec.manifestation.zh,
            "likelihood": grading.rescale(spec.likelihood, PACK_SCALE, size),
            "harm": grading.rescale(spec.harm, PACK_SCALE, size),
            "matter_kind": spec.matter_kind or "",
            "criteria": list(spec.criteria),
            "step": step,
        }

    def _local_point_edits(self, point_ids: list[int]):
        """Per point: fields edited on its timeline since the import that last wrote them, and
        whether a measure was unlinked since its last import."""
        edited: dict[int, set[str]] = defaultdict(set)
        unlinked: set[int] = set()
        kinds = (
            RiskPointEvent.Type.IMPORTED,
            RiskPointEvent.Type.UPDATED,
            RiskPointEvent.Type.REGRADED,
            RiskPointEvent.Type.MEASURE_UNLINKED,
        )
        for chunk in _chunks(point_ids):
            rows = (
                RiskPointEvent.objects.filter(risk_point_id__in=chunk, type__in=kinds)
                .order_by("id")
                .values_list("risk_point_id", "type", "changes")
            )
            for point_id, kind, changes in rows:
                fields = {_field_name(k) for k in (changes or {})}
                if kind == RiskPointEvent.Type.IMPORTED:
                    edited[point_id] -= fields
                    unlinked.discard(point_id)
                elif kind == RiskPointEvent.Type.MEASURE_UNLINKED:
                    unlinked.add(point_id)
                else:
                    edited[point_id] |= fields
        return edited, unlinked

    def import_risk_points(self):
        """Create the pack's risk points and update those of an older version, through the
        risk point services' bulk writer (the register's rules: grading, a level set by
        hand giving way when its scores change, review dates). A point already at this
        version is left alone: importing the same version again changes nothing."""
        pack, org, report = self.pack, self.org, self.report
        prefix = f"urn:lianfang:{pack.sector}:risk:"
        pack_urns = {r.urn for r in pack.risk_points}
        existing: dict[tuple, RiskPoint] = {}
        points = RiskPoint.objects.filter(organisation=org, library_urn__startswith=prefix)
        for point in points.select_related("organisation", "department", "post", "power", "step"):
            if point.library_urn in pack_urns:
                existing.setdefault(_point_key(point), point)
            else:
                report.not_in_library.append(point.name)
        edited, self.unlinked = self._local_point_edits([p.pk for p in existing.values()])

        rows: list[services.PointRow] = []
        targets: list[str] = []  # the urn of each row
        kept_count = 0
        self.version_before: dict[int, int | None] = {}
        for spec in pack.risk_points:
            values = self._point_values(spec)
            power = self.powers[spec.power]
            for target in self._targets(spec.power):
                point = existing.get(target.key(spec.urn))
                if point is None:
                    data = {
                        **values,
                        "subject": target.subject,
                        "department": self.departments_by_id.get(target.post.department_id)
                        if target.post is not None
                        else target.department,
                        "post": target.post,
                        "power": power,
                        "source": RiskPoint.Source.LIBRARY,
                        "library_urn": spec.urn,
                        "library_version": pack.version,
                    }
                    rows.append(services.PointRow(data=data))
                else:
                    self.version_before[point.pk] = point.library_version
                    local = edited.get(point.pk, set())
                    kept = [
                        f for f, v in values.items() if f in local and _value(point, f) != _pk(v)
                    ]
                    if kept:
                        kept_count += 1
                        self._kept("风险点", point.name, kept)
                    if (point.library_version or 0) >= pack.version:
                        data = {}  # this version is in: the organisation's values stand
                    else:
                        data = {f: v for f, v in values.items() if f not in local}
                        data["library_version"] = pack.version
                    rows.append(services.PointRow(data=data, point=point))
                targets.append(spec.urn)
        written = services.risk_points_write(
            actor=self.actor,
            organisation=org,
            rows=rows,
            label=f"导入{self.label}",
            library=True,
            audit_prefix=f"{ACTION_PREFIX}.",
            at=self.now,
        )
        self.points_of: dict[str, list[RiskPoint]] = defaultdict(list)
        self.created_points: set[int] = set()
        created = updated = 0
        for urn, prepared in zip(targets, written, strict=True):
            self.points_of[urn].append(prepared.point)
            if prepared.before is None:
                created += 1
                self.created_points.add(prepared.point.pk)
            elif prepared.field_changes or prepared.level_changed:
                updated += 1
        report.risk_points.created = created
        report.risk_points.updated = updated
        report.risk_points.unchanged = len(existing) - updated
        report.risk_points.kept_local = kept_count

    # -- measures

    def import_measures(self):
        pack, org, report = self.pack, self.org, self.report
        prefix = f"urn:lianfang:{pack.sector}:measure:"
        existing = list(Measure.objects.filter(organisation=org, library_urn__startswith=prefix))
        Link = Measure.risk_points.through
        links: set[tuple[int, int]] = set()
        linked_points: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks([m.pk for m in existing]):
            for measure_id, point_id in Link.objects.filter(measure_id__in=chunk).values_list(
                "measure_id", "riskpoint_id"
            ):
                links.add((measure_id, point_id))
                linked_points[measure_id].add(point_id)
        edited = _audit_local_edits(Measure._meta.label_lower, [m.pk for m in existing])

        # Group the pack's (measure, risk point) pairs by measure and owner department.
        groups: dict[tuple[str, int], list[RiskPoint]] = defaultdict(list)
        for spec in pack.risk_points:
            power = self.powers[spec.power]
            owner_id = power.department_id or self.fallback_owner_id
            for measure_urn in spec.measures:
                groups[(measure_urn, owner_id)].extend(self.points_of[spec.urn])

        by_urn: dict[str, list[Measure]] = defaultdict(list)
        for measure in existing:
            by_urn[measure.library_urn].append(measure)
        specs = {m.urn: m for m in pack.measures}
        used: set[int] = set()
        rows: list[services.MeasureRow] = []
        kept_measures: set[int] = set()
        to_link: list[tuple[Measure, RiskPoint]] = []
        created = 0
        for (urn, owner_id), points in groups.items():
            spec = specs[urn]
            measure = self._match_measure(by_urn[urn], owner_id, points, used, linked_points)
            is_new = measure is None
            if is_new:
                measure = Measure(
                    organisation=org,
                    text=spec.text.zh,
                    owner_department=self.departments_by_id[owner_id],
                    status=Measure.Status.PLANNED,
                    library_urn=urn,
                )
                rows.append(services.MeasureRow(measure, {}))
                created += 1
            else:
                used.add(measure.pk)
                if measure.text != spec.text.zh:
                    if "text" in edited.get(measure.pk, set()):
                        if measure.pk not in kept_measures:
                            kept_measures.add(measure.pk)
                            self._kept("防控措施", measure.text[:30], ["text"])
                    else:
                        rows.append(services.MeasureRow(measure, {"text": spec.text.zh}))
            seen: set[int] = set()
            for point in points:
                if point.pk in seen:
                    continue
                seen.add(point.pk)
                if not is_new and (measure.pk, point.pk) in links:
                    continue
                if is_new or self._may_link(point):
                    to_link.append((measure, point))
        changed = services.measures_write(
            actor=self.actor,
            organisation=org,
            rows=rows,
            links=to_link,
            label=f"导入{self.label}",
            audit_prefix=f"{ACTION_PREFIX}.",
            at=self.now,
        )
        relinked = {m.pk for m, _p in to_link if m.pk in used}
        updated = {m.pk for m in changed if m.pk in used} | relinked
        report.measures.created = created
        report.measures.updated = len(updated)
        report.measures.unchanged = len(used) - len(updated)
        report.measures.kept_local = len(kept_measures)
        report.links_added = len(to_link)

    def _match_measure(self, candidates, owner_id, points, used, linked_points):
        """The existing measure for a group: same owner department, else one already linked
        to the group's risk points (its owner was changed locally)."""
        free = [m for m in candidates if m.pk not in used]
        for measure in free:
            if measure.owner_department_id == owner_id:
                return measure
        point_ids = {p.pk for p in points if p.pk not in self.created_points}
        for measure in free:
            if linked_points.get(measure.pk, set()) & point_ids:
                return measure
        return None

    def _may_link(self, point: RiskPoint) -> bool:
        """Link an existing measure to a risk point: always for a new point; for an existing
        one only when the pack is newer than its last import and nobody unlinked a measure
        from it since (so a link the organisation removed is not put back)."""
        if point.pk in self.created_points:
            return True
        previous = self.version_before.get(point.pk)
        return (previous or 0) < self.pack.version and point.pk not in self.unlinked


def _pk(value):
    return value.pk if hasattr(value, "pk") else value
