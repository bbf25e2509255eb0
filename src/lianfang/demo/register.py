"""The demo hospitals' risk registers (风险点台账), built on the hospital standard pack.

Per hospital, after its staff are saved:

1. the hospital's principal leader (主要负责人) and integrity office (纪检监察室) are set;
2. the hospital pack is imported with the library import service (`risks.library_import`),
   which creates the power catalogue, ~240 standard risk points on the matching posts,
   departments or the unit, and the measures;
3. the 全员排查 (every post looks for its own risks) is simulated, at one of two densities:
   - "realistic" (the default): each post files a few of the pack's risk points of its work
     (`campaign.py`: one point per post and risk), each department one or two of its own,
     and each leader (院领导) the 三重一大 risks and those of the fields in their charge
     (分管领域). A risk reads the same for every post of a department, set in the department
     function it concerns (its 职责, so the text stays concrete), and a post stops filing
     when its department's positioning table (廉政风险定位表) would outgrow `TABLE_ROWS`
     rows: a few hundred points per hospital, as real registers hold;
   - "dense" (the benchmarks' volume, `bench/register.py`): for each post, each pack risk
     point of the powers that post takes part in becomes a risk point of that post, once per
     function of its department; each department also gets department-level points of its
     own powers: about 10,000 points per hospital.
   These points get department-specific measures, owned by the department or, for some, a
   person (a leader's by the leader);
4. most points are filed (those the filing check refuses stay drafts), some are recent
   drafts; reviews were done at dates that leave some overdue; a few levels changed over the
   last year, each with a reason; most measures are in place (已落实, with the date and what
   was done), the others planned with a due date, some of them past it.

Every write goes through the risk point and measure services' bulk writers
(`risk_points_write`, `measures_write`, `risk_points_review`), so grading, review dates,
the filing check, timeline events and audit events follow the register's rules; each write
is dated on the day it happened in the story (the writers' per-row `at`) and its audit
action starts with "demo.". Randomness comes from one `random.Random` per hospital and every
date is counted back from `generator.REFERENCE_DATE`, so the same seed and density give the
same register.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from lianfang.libraries import load_pack
from lianfang.org.models import Department, Organisation, Person, Post, Power
from lianfang.risks import grading, services, vagueness
from lianfang.risks.library_import import PACK_SCALE, library_import
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent

from . import campaign
from .catalogue import DEPARTMENT_BY_CODE, LEADERS
from .generator import REFERENCE_DATE, HospitalRows

PACK_KEY = "hospital"
AUDIT_PREFIX = "demo."

REALISTIC = "realistic"
DENSE = "dense"
DENSITIES = (REALISTIC, DENSE)
# Realistic: a department's positioning table keeps to this many rows (the library's and the
# campaign's), so a department head prints it on one to three A4 pages.
TABLE_ROWS = 14
RISK_URN = "urn:lianfang:hospital:risk:"

# The register's history, counted back from the reference date (days).
IMPORT_DAYS_BEFORE = 640  # the hospital pack was imported
CAMPAIGN_DAYS = (620, 420)  # the 全员排查: posts and departments filed their own points
DRAFT_DAYS = (60, 1)  # points found recently and not yet filed
REGRADE_WITHIN_DAYS = 365  # "a few levels changed over the last year"

DRAFT_SHARE = 0.12  # of the campaign's points: still drafts
OVERDUE_SHARE = 0.10  # of the filed points: review overdue at the reference date
# Of the filed points: level changed in the last year (a denser register changes fewer).
REGRADE_SHARE = {REALISTIC: 0.05, DENSE: 0.02}
JITTER_SHARE = 0.25  # of the campaign's points: likelihood self-assessed one step off the pack
PERSON_OWNER_SHARE = 0.25  # of the department measures: owned by a person
IN_PLACE_SHARE = 0.65  # of the measures: in place
# What the owner recorded when a measure was put in place (落实情况): what was done and where
# its record is.
EVIDENCE = (
    "已按措施执行，抽查记录和整改台账存科室备查",
    "制度文件已印发执行，文件和执行记录存档于院长办公室",
    "已组织全员培训和考核，签到表和试卷存科室档案",
    "系统控制已上线，配置截图和测试记录存信息中心",
    "纪检监察室已专项抽查，检查记录存纪检监察室",
    "专项检查已完成，检查报告和整改清单已归档",
)
# Not-overdue reviews fall due at least this many days after the reference date.
REVIEW_MARGIN_DAYS = 45
REVIEW_NOTE = "年度复核，措施落实情况已核实"

UP_REASONS = (
    "发生信访举报，上调等级",
    "审计发现同类问题，上调等级",
    "巡察反馈问题线索，上调等级",
    "上级通报同类案件，上调等级",
)
DOWN_REASONS = (
    "整改到位，下调等级",
    "流程再造、系统控制上线后，下调等级",
    "连续两次复核未发现问题，下调等级",
)

# Which pack powers (by code) a post takes part in besides its own department's powers.
CLINICAL_DOCTOR = ("YY-YY-01", "YY-JY-01", "YY-ZL-01", "YY-ZL-02", "YY-ZL-03")
TECH_DOCTOR = ("YY-JY-01", "YY-JY-02", "YY-ZL-03")
HEAD_NURSE = ("YY-ZL-01", "YY-ZL-02", "YY-CW-03", "YY-HQ-03")
NURSE = ("YY-ZL-02", "YY-CW-03")
CONSUMABLES_KEEPER = ("YY-ZL-02", "YY-CG-03")
REAGENT_KEEPER = ("YY-CG-04", "YY-JY-02")
TECHNICIAN = ("YY-JY-01", "YY-JY-02")
HEAD = ("YY-RS-04", "YY-RS-05", "YY-RS-06", "YY-CW-01", "YY-CW-02")
CLINICAL_HEAD = ("YY-CG-02", "YY-YW-01")
# Departments without powers of their own in the pack still answer for these (科室层面).
CLINICAL_DEPARTMENT = (*CLINICAL_DOCTOR, "YY-CW-05", *HEAD)
TECH_DEPARTMENT = (*TECH_DOCTOR, "YY-CG-04", *HEAD)
OTHER_DEPARTMENT = HEAD

LEADING_VERBS = re.compile(r"^(负责|承担|开展|组织|受理|参与|协助|落实|主持|承办)")

Subject = RiskPoint.Subject
Status = RiskPoint.Status


@dataclass
class RegisterCounts:
    imported: int = 0
    generated: int = 0
    filed: int = 0
    drafts: int = 0
    overdue: int = 0
    regraded: int = 0
    measures: int = 0
    links: int = 0
    events: int = 0

    @property
    def points(self) -> int:
        return self.imported + self.generated

    def as_dict(self) -> dict:
        return {
            "risk_points": self.points,
            "risk_points_filed": self.filed,
            "risk_points_draft": self.drafts,
            "reviews_overdue": self.overdue,
            "regraded": self.regraded,
            "measures": self.measures,
            "measure_links": self.links,
            "risk_point_events": self.events,
        }


@dataclass
class Filing:
    """A draft to file on `filed_on` (at `at`), with the measures it is filed with."""

    point: RiskPoint
    filed_on: dt.date
    measures: list
    at: dt.datetime | None = None


@dataclass
class Regrade:
    """New scores for a filed point, on a date in the last year, with the reason."""

    point: RiskPoint
    likelihood: int
    harm: int
    level: int
    at: dt.datetime
    reason: str


def context_phrase(function_title: str) -> str:
    """A department function as a setting: 负责会计核算和财务分析 → 会计核算和财务分析工作."""
    text = LEADING_VERBS.sub("", function_title.strip()).rstrip("。；;")
    return text if text.endswith("工作") else f"{text}工作"


def short_setting(function_title: str) -> str:
    """A department function as a short setting, its first clause with an enumeration cut to
    its first item: 承担冠心病、高血压等心血管疾病的诊疗工作 → 冠心病等心血管疾病的诊疗工作."""
    text = re.split(r"[，,；;]", LEADING_VERBS.sub("", function_title.strip()))[0]
    text = text.removeprefix("本科室").rstrip("。")
    if "等" in text:
        head, rest = text.split("等", 1)
        text = f"{re.split(r'[、和及与]', head)[0]}等{rest}"
    return text if text.endswith("工作") else f"{text}工作"


def bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def setting_label(setting: str) -> str:
    """The first item of a setting, to tell a risk point's variants apart by name."""
    return re.split(r"[、，,；和及与等]", setting)[0].removesuffix("工作")[:14]


def set_leaders(hospital: Organisation, rows: HospitalRows, rng: random.Random) -> None:
    """The principal leader (院长 or 党委书记) and the integrity office (纪检监察室)."""
    leaders = {p.title: p for p in rows.people if p.is_leader and p.title in ("院长", "党委书记")}
    title = "党委书记" if rng.random() < 0.3 else "院长"
    hospital.principal_leader = leaders[title]
    hospital.integrity_department = next(d for d in rows.departments if d.code == "JJJCS")
    hospital.save(update_fields=["principal_leader", "integrity_department"])


class RegisterBuilder:
    """Builds and saves one hospital's register. Call `run()` once, inside a transaction."""

    def __init__(
        self,
        hospital: Organisation,
        rows: HospitalRows,
        *,
        seed: int,
        index: int,
        actor: str,
        density: str = REALISTIC,
        progress: Callable[[str], None] | None = None,
    ):
        if density not in DENSITIES:
            raise ValueError(f"density must be one of {', '.join(DENSITIES)}")
        self.org = hospital
        self.rows = rows
        self.density = density
        self.rng = random.Random(f"lianfang-demo:{seed}:{index}:register")
        # The measures' progress (落实日期, 落实情况) draws from a generator of its own, so
        # the register's other draws stay as they were before measures recorded it.
        self.progress_rng = random.Random(f"lianfang-demo:{seed}:{index}:progress")
        self.actor = actor
        self.progress = progress or (lambda message: None)
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.counts = RegisterCounts()

    # -- dates

    def moment(self, date: dt.date, rng: random.Random | None = None) -> dt.datetime:
        """A working-hours time on `date` (seeded: `rng`, else the register's)."""
        minutes = (rng or self.rng).randint(8 * 60 + 30, 17 * 60 + 30)
        return dt.datetime.combine(date, dt.time(minutes // 60, minutes % 60), self.tz)

    def days_before(self, days: float) -> dt.date:
        return REFERENCE_DATE - dt.timedelta(days=round(days))

    # -- the run

    def run(self) -> RegisterCounts:
        set_leaders(self.org, self.rows, self.rng)
        self.pack = load_pack(PACK_KEY)
        self.scheme = grading.active_scheme(self.org)
        import_date = self.days_before(IMPORT_DAYS_BEFORE)
        report = library_import(
            actor=self.actor, organisation=self.org, pack_key=PACK_KEY, today=import_date
        )
        self.counts.imported = report.risk_points.created
        self._read_catalogue()
        filings, measure_rows = self._imported(import_date)
        if self.density == DENSE:
            points, wanted = self._campaign_points()
            library_measures = {}
        else:
            points, wanted = self._realistic_points()
            library_measures = self.library_measures
        filings += self._campaign_measures(points, wanted, measure_rows, library_measures)
        self._history(filings)
        org = self.org
        self.counts.drafts = self.counts.points - self.counts.filed
        self.counts.measures = Measure.objects.filter(organisation=org).count()
        self.counts.links = Measure.risk_points.through.objects.filter(
            measure__organisation=org
        ).count()
        self.counts.events = RiskPointEvent.objects.filter(risk_point__organisation=org).count()
        return self.counts

    def _read_catalogue(self):
        org = self.org
        # With their steps: the filing check asks each point's power for them.
        powers = Power.objects.filter(organisation=org).prefetch_related("steps")
        self.powers = {p.library_urn: p for p in powers}
        self.powers_by_id = {p.pk: p for p in self.powers.values()}
        self.steps = {(p.pk, s.key): s for p in self.powers.values() for s in p.steps.all()}
        self.power_codes = {spec.code: spec.urn for spec in self.pack.powers}
        self.points_of_power = defaultdict(list)
        for spec in self.pack.risk_points:
            self.points_of_power[spec.power].append(spec)
        self.measure_specs = {m.urn: m for m in self.pack.measures}
        self.department_powers = defaultdict(list)
        for urn, power in self.powers.items():
            if power.department_id:
                self.department_powers[power.department_id].append(urn)
        self.holders = defaultdict(list)  # post id -> people holding it now
        for assignment in self.rows.assignments:
            if assignment.end is None:
                self.holders[assignment.post.pk].append(assignment.person)
        self.heads = {department.pk: person for department, person in self.rows.heads}

    def _interval(self, level) -> int:
        return grading.review_interval_days(self.scheme, level) or 365

    # -- the imported points and measures

    def _imported(self, import_date: dt.date):
        """The pack's points to file within weeks of the import (those it gave measures; the
        others stay drafts) and its measures' deadlines and states, set the day after (those
        put in place: on the day, with what was done)."""
        rng = self.rng
        points = list(
            RiskPoint.objects.filter(organisation=self.org, source=RiskPoint.Source.LIBRARY)
            .select_related("department", "post", "step")
            .order_by("pk")
        )
        measures = {
            m.pk: m
            for m in Measure.objects.filter(organisation=self.org)
            .select_related("owner_department", "owner_person")
            .order_by("pk")
        }
        measures_of = defaultdict(list)
        for measure_id, point_id in Measure.risk_points.through.objects.filter(
            measure__organisation=self.org
        ).values_list("measure_id", "riskpoint_id"):
            measures_of[point_id].append(measures[measure_id])
        # What the campaign builds on: the library's points, and its measures by the
        # department of the points they cover and their urn (None: a leader's or the unit's).
        self.library_points = points
        self.library_measures = {
            (point.department_id, measure.library_urn): measure
            for point in points
            for measure in measures_of[point.pk]
        }
        filings = []
        for point in points:
            point.organisation = self.org
            point.power = self.powers_by_id[point.power_id]
            if measures_of[point.pk]:
                filed_on = import_date + dt.timedelta(days=rng.randint(5, 40))
                filings.append(Filing(point, filed_on, measures_of[point.pk]))
        settled_at = self.moment(import_date + dt.timedelta(days=1))
        rows = []
        for measure in measures.values():
            state = self._measure_state()
            at = settled_at
            if state.get("done_on"):
                # Put in place after the import, recorded on the day.
                state["done_on"] = max(state["done_on"], import_date + dt.timedelta(days=1))
                at = self.moment(state["done_on"], self.progress_rng)
            rows.append(services.MeasureRow(measure, state, at=at))
        return filings, rows

    def _measure_state(self) -> dict:
        """A measure's status and due date: in place (已落实, by or near its due date, with
        what was done) or planned (计划中), due within months or some already past due."""
        rng = self.rng
        if rng.random() < IN_PLACE_SHARE:
            due = self.days_before(rng.uniform(30, 500))
            return {
                "status": Measure.Status.IN_PLACE,
                "due": due,
                "done_on": due - dt.timedelta(days=self.progress_rng.randint(0, 30)),
                "evidence": self.progress_rng.choice(EVIDENCE),
            }
        return {"status": Measure.Status.PLANNED, "due": self.days_before(-rng.uniform(-60, 180))}

    # -- the campaign (全员排查)

    def _post_powers(self, post: Post, department: Department) -> list[str]:
        """The pack powers (urns) a post takes part in."""
        spec = DEPARTMENT_BY_CODE[department.code]
        key = post.code.split("-", 1)[1]
        post_spec = next(p for p in spec.posts if p.key == key)
        kind = department.kind
        codes: list[str] = []
        if post_spec.head:
            codes += HEAD
            if kind == Department.Kind.CLINICAL:
                codes += CLINICAL_HEAD + CLINICAL_DOCTOR
        elif post_spec.category == "doctor":
            codes += CLINICAL_DOCTOR if kind == Department.Kind.CLINICAL else TECH_DOCTOR
        elif key == "HSZ":
            codes += HEAD_NURSE
        elif key in ("HCGL", "MZYP"):
            codes += CONSUMABLES_KEEPER
        elif post_spec.category == "nurse" and kind == Department.Kind.CLINICAL:
            codes += NURSE
        elif "试剂" in post.name:
            codes += REAGENT_KEEPER
        elif post_spec.category == "tech":
            codes += TECHNICIAN
        urns = [self.power_codes[c] for c in codes if c in self.power_codes]
        urns += self.department_powers.get(department.pk, [])
        return list(dict.fromkeys(u for u in urns if u in self.powers))

    def _department_powers(self, department: Department) -> list[str]:
        kind = department.kind
        codes = (
            CLINICAL_DEPARTMENT
            if kind == Department.Kind.CLINICAL
            else TECH_DEPARTMENT
            if kind == Department.Kind.MEDICAL_TECH
            else OTHER_DEPARTMENT
        )
        urns = [self.power_codes[c] for c in codes if c in self.power_codes]
        urns += self.department_powers.get(department.pk, [])
        return list(dict.fromkeys(u for u in urns if u in self.powers))

    def _campaign_points(self):
        """The campaign's risk points, written (dated the day each was found); with, per
        point, its filing date (None for a draft) and the urns of its pack measures."""
        functions = defaultdict(list)
        for function in self.rows.functions:
            functions[function.department.pk].append(function.title)
        posts_of = defaultdict(list)
        for post in self.rows.posts:
            if post.department_id:
                posts_of[post.department_id].append(post)

        rows: list[services.PointRow] = []
        wanted: list[tuple[dt.date | None, tuple[str, ...]]] = []  # filing date, measure urns
        for department in self.rows.departments:
            settings_ = [context_phrase(t) for t in functions[department.pk]]
            labels = [setting_label(s) for s in settings_]
            # Two settings that start alike are told apart by their number.
            labels = [
                label if labels.count(label) == 1 else f"{label}{i + 1}"
                for i, label in enumerate(labels)
            ]
            subjects = [(Subject.DEPARTMENT, None, self._department_powers(department))]
            subjects += [
                (Subject.POST, post, self._post_powers(post, department))
                for post in posts_of[department.pk]
            ]
            for subject, post, power_urns in subjects:
                who = department.name + (post.name if post else "")
                for power_urn in power_urns:
                    power = self.powers[power_urn]
                    for spec in self.points_of_power[power_urn]:
                        for setting, label in zip(settings_, labels, strict=True):
                            row, filed_on = self._campaign_point(
                                spec,
                                power,
                                department,
                                post,
                                subject,
                                name=f"{spec.name.zh}（{label}）",
                                lead=f"{who}在{setting}中，",
                            )
                            rows.append(row)
                            wanted.append((filed_on, spec.measures))
        return self._write_campaign(rows), wanted

    def _campaign_point(self, spec, power, department, post, subject, *, name, lead):
        rng = self.rng
        size = self.scheme.matrix_size
        likelihood = grading.rescale(spec.likelihood, PACK_SCALE, size)
        if rng.random() < JITTER_SHARE:
            likelihood = min(max(likelihood + rng.choice((-1, 1)), 1), size)
        draft = rng.random() < DRAFT_SHARE
        if draft:
            created_on = self.days_before(rng.uniform(*DRAFT_DAYS))
            filed_on = None
        else:
            created_on = self.days_before(rng.uniform(*CAMPAIGN_DAYS))
            filed_on = created_on + dt.timedelta(days=rng.randint(3, 30))
        created_at = self.moment(created_on)
        data = {
            "subject": subject,
            "department": department,
            "post": post,
            "power": power,
            "step": self.steps.get((power.pk, spec.step)) if spec.step else None,
            "category": spec.category,
            "name": name[:200],
            "manifestation": lead + spec.manifestation.zh,
            "likelihood": likelihood,
            "harm": grading.rescale(spec.harm, PACK_SCALE, size),
            "matter_kind": spec.matter_kind or "",
            "criteria": list(spec.criteria),
            "source": rng.choices(
                (
                    RiskPoint.Source.SELF,
                    RiskPoint.Source.PEERS,
                    RiskPoint.Source.LEADER,
                    RiskPoint.Source.ORGANISATION,
                ),
                weights=(5, 2, 1, 1),
            )[0],
        }
        return services.PointRow(data=data, at=created_at), filed_on

    def _realistic_points(self):
        """The realistic campaign's risk points (`campaign.py`), written (dated the day each
        was found); with, per point, its filing date (None for a draft) and the urns of its
        pack measures. Leaders first, then each department: its own points, then its posts'."""
        rng = self.rng
        specs = {spec.urn: spec for spec in self.pack.risk_points}
        self.functions = defaultdict(list)
        for function in self.rows.functions:
            self.functions[function.department.pk].append(function.title)
        posts_of = defaultdict(list)
        for post in self.rows.posts:
            if post.department_id:
                posts_of[post.department_id].append(post)
        leader_posts = {post.code: post for post in self.rows.posts if not post.department_id}
        # What the library import filed: on which post or department each risk is already
        # (not filed again there), the departments where a risk reads as the pack writes it
        # (the campaign's points of that risk read the same, so the table shows one row), and
        # the rows each department's positioning table holds: the points of the department
        # and those of the powers it handles (risks.positioning), one row per risk.
        self.table_rows: dict[int, set] = defaultdict(set)
        done: set[tuple] = set()
        plain: set[tuple] = set()
        for point in self.library_points:
            done.add((point.post_id, point.department_id, point.library_urn))
            plain.add((point.department_id, point.library_urn))
            self._table_row(point.power_id, point.step_id, point.department_id, point, force=True)

        rows: list[services.PointRow] = []
        wanted: list[tuple[dt.date | None, tuple[str, ...]]] = []  # filing date, measure urns

        def file(slugs, count, department, post, subject):
            """File up to `count` of the risks `slugs` on `post` (or `department`)."""
            filed = 0
            for slug in slugs:
                if filed >= count:
                    break
                spec = specs[RISK_URN + slug]
                department_id = department.pk if department else None
                holder = (post.pk if post else None, department_id, spec.urn)
                if holder in done:
                    continue
                power = self.powers[spec.power]
                lead = ""
                if department is not None and (department_id, spec.urn) not in plain:
                    lead = f"{department.name}在{self._setting(department, spec, power)}中，"
                step = self.steps.get((power.pk, spec.step)) if spec.step else None
                text = (spec.name.zh, lead + spec.manifestation.zh)
                if not self._table_row(power.pk, step.pk if step else None, department_id, text):
                    continue
                done.add(holder)
                row, filed_on = self._campaign_point(
                    spec, power, department, post, subject, name=spec.name.zh, lead=lead
                )
                rows.append(row)
                wanted.append((filed_on, spec.measures))
                filed += 1

        for leader in LEADERS:
            if leader.post_code not in leader_posts:
                continue  # a small unit has fewer leaders (demo/small.py)
            slugs = (*campaign.LEADER_DECISIONS, *campaign.LEADERS[leader.key])
            file(slugs, len(slugs), None, leader_posts[leader.post_code], Subject.POST)
        for department in self.rows.departments:
            clinical = department.kind == Department.Kind.CLINICAL
            slugs = campaign.CLINICAL_DEPARTMENT_RISKS if clinical else campaign.DEPARTMENT_RISKS
            file(slugs, len(slugs), department, None, Subject.DEPARTMENT)
            surgical = DEPARTMENT_BY_CODE[department.code].leader == campaign.SURGICAL_LEADER
            for post in posts_of[department.pk]:
                key = post.code.split("-", 1)[1]
                if clinical:
                    posts = campaign.SURGICAL_POSTS if surgical else campaign.CLINICAL_POSTS
                    slugs, (low, high) = posts.get(key) or campaign.CLINICAL_POSTS[key]
                    tail = list(slugs[1:])
                    rng.shuffle(tail)
                    slugs, count = (slugs[0], *tail), rng.randint(low, high)
                else:
                    slugs = campaign.POSTS.get((department.code, key), ())
                    count = len(slugs)
                file(slugs, count, department, post, Subject.POST)
        return self._write_campaign(rows), wanted

    def _table_row(self, power_id, step_id, department_id, text, force=False) -> bool:
        """Count a point's row in the positioning tables of its department and of its power's
        department (one row per power, step, department, name and manifestation: the table
        folds the posts of one risk into a row); False, counting nothing, when a table that
        lacks the row is full (unless `force`: the library's points are there already).
        `text` is a point, or its name and manifestation."""
        if isinstance(text, RiskPoint):
            text = (text.name, text.manifestation)
        key = (power_id, step_id, department_id, *text)
        tables = {department_id, self.powers_by_id[power_id].department_id} - {None}
        tables = [self.table_rows[t] for t in tables]
        if not force and any(key not in rows and len(rows) >= TABLE_ROWS for rows in tables):
            return False
        for rows in tables:
            rows.add(key)
        return True

    def _setting(self, department: Department, spec, power: Power) -> str:
        """The department function a risk concerns, as a setting (`short_setting`): the one
        sharing the most two-character words with the risk's power and name, else the first."""
        functions = self.functions[department.pk]
        words = bigrams(power.name + spec.name.zh)
        shared = [len(words & bigrams(title)) for title in functions]
        return short_setting(functions[shared.index(max(shared))])

    def _write_campaign(self, rows: list[services.PointRow]) -> list[RiskPoint]:
        self.progress(f"    排查风险点 {len(rows)} 个，写入中……")
        written = services.risk_points_write(
            actor=self.actor, organisation=self.org, rows=rows, audit_prefix=AUDIT_PREFIX
        )
        self.counts.generated = len(written)
        return [w.point for w in written]

    def _campaign_measures(self, points, wanted, measure_rows, library_measures) -> list[Filing]:
        """One measure per department and pack measure, shared by its points and created with
        the first of them (a leader's: one per post and pack measure), unless the library
        import made that measure for the department's points (`library_measures`: it covers
        the new points too); written with the imported measures' states (`measure_rows`). The
        campaign's points to file, with their measures."""
        measures: dict[tuple, Measure] = {}
        created: dict[tuple, dt.datetime] = {}  # when its first point was found
        measures_of: dict[int, list[Measure]] = defaultdict(list)
        links = []
        for point, (_filed_on, urns) in zip(points, wanted, strict=True):
            for urn in urns:
                measure = library_measures.get((point.department_id, urn))
                if measure is not None:
                    measures_of[id(point)].append(measure)
                    links.append((measure, point, point.created_at))
                    continue
                key = (point.department_id or ("post", point.post_id), urn)
                measure = measures.get(key)
                if measure is None:
                    measure = measures[key] = self._campaign_measure(point, urn)
                created[key] = min(created.get(key, point.created_at), point.created_at)
                measures_of[id(point)].append(measure)
                links.append((measure, point, point.created_at))
        for key, measure in measures.items():
            # Put in place once it existed (if late, within weeks of it, by the reference day).
            earliest = created[key].astimezone(self.tz).date() + dt.timedelta(days=1)
            if measure.done_on and measure.done_on < earliest:
                late = earliest + dt.timedelta(days=self.progress_rng.randint(7, 60))
                measure.done_on = max(earliest, min(late, REFERENCE_DATE))
        measure_rows += [
            services.MeasureRow(measure, {}, at=created[key]) for key, measure in measures.items()
        ]
        services.measures_write(
            actor=self.actor,
            organisation=self.org,
            rows=measure_rows,
            links=links,
            audit_prefix=AUDIT_PREFIX,
        )
        return [
            Filing(point, filed_on, measures_of[id(point)])
            for point, (filed_on, _urns) in zip(points, wanted, strict=True)
            if filed_on is not None
        ]

    def _campaign_measure(self, point: RiskPoint, urn: str) -> Measure:
        rng = self.rng
        spec = self.measure_specs[urn]
        owner_person: Person | None = None
        # A leader's own measures are the leader's (a point of no department).
        if rng.random() < PERSON_OWNER_SHARE or point.department_id is None:
            holders = self.holders.get(point.post_id) if point.post_id else None
            if holders:
                owner_person = rng.choice(holders)
            else:
                owner_person = self.heads.get(point.department_id)
        return Measure(
            organisation=self.org,
            text=spec.text.zh,
            owner_person=owner_person,
            owner_department=None if owner_person else point.department,
            library_urn="",
            **self._measure_state(),
        )

    # -- filing, reviews and regrades

    def _history(self, filings: list[Filing]):
        """File the points, regrade a few over the last year and review every filed one, at
        dates that leave about OVERDUE_SHARE of them overdue; each write in the order it
        happened to its point."""
        rng = self.rng
        # A point the filing check refuses (查不准的不能过关) stays a draft: the check the
        # writer applies to a filing, asked beforehand.
        phrases = vagueness.phrases_for(self.org)
        filings = [
            f
            for f in filings
            if not vagueness.check_filing(f.point, measures=f.measures, phrases=phrases)
        ]
        regrades: list[Regrade] = []
        early, late = [], []  # reviews before a regrade of their point, and the others
        for filing in filings:
            point, filed_on = filing.point, filing.filed_on
            filing.at = self.moment(filed_on)
            regrade = None
            earliest = max(filed_on + dt.timedelta(days=7), self.days_before(REGRADE_WITHIN_DAYS))
            if rng.random() < REGRADE_SHARE[self.density] and earliest < self.days_before(7):
                regrade = self._regrade(point, earliest)
            # The last review: overdue for some, otherwise due comfortably after the reference
            # date (counted with the level the point ends with).
            interval = self._interval(regrade.level if regrade else point.level)
            if rng.random() < OVERDUE_SHARE:
                reviewed = self.days_before(interval + rng.uniform(5, 150))
            else:
                reviewed = self.days_before(rng.uniform(0, max(interval - REVIEW_MARGIN_DAYS, 1)))
            reviewed = max(reviewed, filed_on + dt.timedelta(days=1))
            review = services.PointReview(
                point, on=reviewed, note=REVIEW_NOTE, at=self.moment(reviewed)
            )
            if regrade is not None:
                regrades.append(regrade)
                (early if review.at < regrade.at else late).append(review)
            else:
                late.append(review)

        write = dict(actor=self.actor, organisation=self.org, audit_prefix=AUDIT_PREFIX)
        services.risk_points_write(
            **write,
            rows=[
                services.PointRow(
                    data={"status": Status.FILED},
                    point=f.point,
                    measures=f.measures,
                    at=f.at,
                )
                for f in filings
            ],
        )
        services.risk_points_review(**write, reviews=early)
        written = services.risk_points_write(
            **write,
            rows=[
                services.PointRow(
                    data={"likelihood": r.likelihood, "harm": r.harm},
                    point=r.point,
                    reason=r.reason,
                    at=r.at,
                )
                for r in regrades
            ],
        )
        services.risk_points_review(**write, reviews=late)
        self.counts.filed = len(filings)
        self.counts.regraded = sum(w.level_changed for w in written)
        self.counts.overdue = sum(f.point.review_due < REFERENCE_DATE for f in filings)

    def _regrade(self, point: RiskPoint, earliest: dt.date) -> Regrade | None:
        """Scores one step up or down that change the point's level, on a day after
        `earliest`, with a reason; None when no such step exists."""
        rng = self.rng
        up = rng.random() < 0.5
        size = self.scheme.matrix_size
        step = 1 if up else -1
        for dl, dh in ((step, 0), (0, step), (step, step)):
            likelihood, harm = point.likelihood + dl, point.harm + dh
            if not (1 <= likelihood <= size and 1 <= harm <= size):
                continue
            level = grading.grade(self.scheme, likelihood=likelihood, harm=harm)
            if level is not None and (level < point.level if up else level > point.level):
                break
        else:
            return None
        span = (self.days_before(7) - earliest).days
        on = earliest + dt.timedelta(days=rng.randint(0, span))
        at = self.moment(on)
        reason = rng.choice(UP_REASONS if up else DOWN_REASONS)
        return Regrade(point, likelihood, harm, level, at, reason)


def load_register(
    hospital: Organisation,
    rows: HospitalRows,
    *,
    seed: int,
    index: int,
    actor: str,
    density: str = REALISTIC,
    progress: Callable[[str], None] | None = None,
) -> RegisterCounts:
    """Build and save `hospital`'s risk register at `density` (see the module docstring)."""
    return RegisterBuilder(
        hospital, rows, seed=seed, index=index, actor=actor, density=density, progress=progress
    ).run()
