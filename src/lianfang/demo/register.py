"""The demo hospitals' risk registers (风险点台账), built on the hospital standard pack.

Per hospital, after its staff are saved:

1. the hospital's principal leader (主要负责人) and integrity office (纪检监察室) are set;
2. the hospital pack is imported with the library import service (`risks.library_import`),
   which creates the power catalogue, ~120 standard risk points on the matching posts,
   departments or the unit, and the measures;
3. the 全员排查 (every post looks for its own risks) is simulated: for each post, each pack
   risk point of the powers that post takes part in becomes a risk point of that post, once per
   function of its department (the department's 职责 gives the concrete setting, so the texts
   stay concrete); each department also gets department-level points of its own powers. These
   points get department-specific measures, owned by the department or, for some, a person;
4. most points are filed, some are recent drafts; reviews were done at dates that leave some
   overdue; a few levels changed over the last year, each with a reason.

Everything is written in bulk (a fixed number of queries per batch of rows): risk points,
measures, links and timeline events (CREATED, FILED, REVIEWED, REGRADED). The audit chain gets
the library import's events, one event per imported point or measure the demo then settled,
one per measure it created, and one "demo.register" event per hospital for the campaign's
points (as the demo records its staff with one "demo.load" event per organisation).
Randomness comes from one `random.Random` per hospital and every date is counted back from
`generator.REFERENCE_DATE`, so the same seed gives the same register.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router

from lianfang.core import audit
from lianfang.libraries import load_pack
from lianfang.org.models import Department, Organisation, Person, Post, Power, PowerStep
from lianfang.risks import grading
from lianfang.risks.library_import import PACK_SCALE, library_import
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent

from .catalogue import DEPARTMENT_BY_CODE
from .generator import REFERENCE_DATE, HospitalRows

PACK_KEY = "hospital"
BATCH_SIZE = 1000

# The register's history, counted back from the reference date (days).
IMPORT_DAYS_BEFORE = 640  # the hospital pack was imported
CAMPAIGN_DAYS = (620, 420)  # the 全员排查: posts and departments filed their own points
DRAFT_DAYS = (60, 1)  # points found recently and not yet filed
REGRADE_WITHIN_DAYS = 365  # "a few levels changed over the last year"

DRAFT_SHARE = 0.12  # of the campaign's points: still drafts
OVERDUE_SHARE = 0.10  # of the filed points: review overdue at the reference date
REGRADE_SHARE = 0.02  # of the filed points: level changed in the last year
JITTER_SHARE = 0.25  # of the campaign's points: likelihood self-assessed one step off the pack
PERSON_OWNER_SHARE = 0.25  # of the department measures: owned by a person
IN_PLACE_SHARE = 0.65  # of the measures: in place
# Not-overdue reviews fall due at least this many days after the reference date.
REVIEW_MARGIN_DAYS = 45

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
EventType = RiskPointEvent.Type


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
    extra: dict = field(default_factory=dict)

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


@contextmanager
def fixed_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at the demo sets (its history is dated)."""
    fields = [
        f
        for model in models
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def insert_rows(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT `rows` (values in `fields` order) with executemany, in batches.

    bulk_create prepares every value of every row through its field, which costs more than
    the database write at hundreds of thousands of rows; here only the JSON and datetime
    fields are prepared (as the ORM would), the ids and texts go as they are.
    """
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    model_fields = [model._meta.get_field(name) for name in fields]
    prepared = [
        i
        for i, f in enumerate(model_fields)
        if f.get_internal_type() in ("JSONField", "DateTimeField", "DateField")
    ]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model, quoted
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in model_fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = []
            for row in rows[start : start + BATCH_SIZE]:
                row = list(row)
                for i in prepared:
                    row[i] = model_fields[i].get_db_prep_save(row[i], connection)
                batch.append(row)
            cursor.executemany(sql, batch)


def context_phrase(function_title: str) -> str:
    """A department function as a setting: 负责会计核算和财务分析 → 会计核算和财务分析工作."""
    text = LEADING_VERBS.sub("", function_title.strip()).rstrip("。；;")
    return text if text.endswith("工作") else f"{text}工作"


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
        progress: Callable[[str], None] | None = None,
    ):
        self.org = hospital
        self.rows = rows
        self.rng = random.Random(f"lianfang-demo:{seed}:{index}:register")
        self.actor = actor
        self.progress = progress or (lambda message: None)
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.counts = RegisterCounts()
        self.audits: list[audit.Change] = []

    # -- dates

    def moment(self, date: dt.date) -> dt.datetime:
        """A working-hours time on `date` (seeded)."""
        minutes = self.rng.randint(8 * 60 + 30, 17 * 60 + 30)
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
        with fixed_timestamps(RiskPoint, Measure):
            self._settle_imported(import_date)
            self._campaign()
        audit.record_many(actor=self.actor, changes=self.audits)
        return self.counts

    def _read_catalogue(self):
        org = self.org
        self.powers = {p.library_urn: p for p in Power.objects.filter(organisation=org)}
        self.steps = {
            (s.power_id, s.key): s for s in PowerStep.objects.filter(power__organisation=org)
        }
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

    # -- grading and history shared by both kinds of points

    def _grade(self, point: RiskPoint) -> None:
        point.level = grading.grade_point(self.scheme, point)

    def _interval(self, level) -> int:
        return grading.review_interval_days(self.scheme, level) or 365

    def _history(self, point: RiskPoint, filed_on: dt.date | None) -> list[tuple]:
        """Decide filing, reviews and a regrade of `point` (mutating it); return the timeline
        entries after creation as (type, date, changes, reason)."""
        rng = self.rng
        entries = []
        if filed_on is None:  # a draft: due one interval after it was found
            point.status = Status.DRAFT
            point.last_reviewed = None
            point.review_due = point.created_at.date() + dt.timedelta(
                days=self._interval(point.level)
            )
            self.counts.drafts += 1
            return entries
        point.status = Status.FILED
        self.counts.filed += 1
        entries.append(
            (
                EventType.FILED,
                self.moment(filed_on),
                {"status": [Status.DRAFT.value, Status.FILED.value]},
                "",
            )
        )
        regrade = None
        earliest = max(filed_on + dt.timedelta(days=7), self.days_before(REGRADE_WITHIN_DAYS))
        if rng.random() < REGRADE_SHARE and earliest < self.days_before(7):
            regrade = self._regrade(point, earliest)
        # The last review: overdue for some, otherwise due comfortably after the reference date.
        interval = self._interval(point.level)
        if rng.random() < OVERDUE_SHARE:
            reviewed = self.days_before(interval + rng.uniform(5, 150))
        else:
            reviewed = self.days_before(rng.uniform(0, max(interval - REVIEW_MARGIN_DAYS, 1)))
        reviewed = max(reviewed, filed_on + dt.timedelta(days=1))
        old_due = point.review_due
        point.last_reviewed = reviewed
        point.review_due = reviewed + dt.timedelta(days=interval)
        if point.review_due < REFERENCE_DATE:
            self.counts.overdue += 1
        review = (
            EventType.REVIEWED,
            self.moment(reviewed),
            {
                "last_reviewed": [None, reviewed.isoformat()],
                "review_due": [audit.to_jsonable(old_due), point.review_due.isoformat()],
            },
            "年度复核，措施落实情况已核实",
        )
        if regrade is not None:
            entries.extend(sorted([regrade, review], key=lambda e: e[1]))
        else:
            entries.append(review)
        point.updated_at = max(e[1] for e in entries)
        return entries

    def _regrade(self, point: RiskPoint, earliest: dt.date):
        """Move the point's scores one step so its level changes; the REGRADED entry."""
        rng = self.rng
        up = rng.random() < 0.5
        size = self.scheme.matrix_size
        old = (point.likelihood, point.harm, point.level)
        step = 1 if up else -1
        for dl, dh in ((step, 0), (0, step), (step, step)):
            likelihood, harm = old[0] + dl, old[1] + dh
            if not (1 <= likelihood <= size and 1 <= harm <= size):
                continue
            level = grading.grade(self.scheme, likelihood=likelihood, harm=harm)
            if level is not None and (level < old[2] if up else level > old[2]):
                break
        else:
            return None
        point.likelihood, point.harm, point.level = likelihood, harm, level
        changes = {}
        if likelihood != old[0]:
            changes["likelihood"] = [old[0], likelihood]
        if harm != old[1]:
            changes["harm"] = [old[1], harm]
        changes["level"] = [old[2], level]
        span = (self.days_before(7) - earliest).days
        on = earliest + dt.timedelta(days=rng.randint(0, span))
        self.counts.regraded += 1
        reason = rng.choice(UP_REASONS if up else DOWN_REASONS)
        return (EventType.REGRADED, self.moment(on), changes, reason)

    @staticmethod
    def _events(point: RiskPoint, entries) -> list[RiskPointEvent]:
        return [
            RiskPointEvent(
                risk_point_id=point.pk, type=type_, at=at, changes=changes, reason=reason
            )
            for type_, at, changes, reason in entries
        ]

    # -- the imported points

    def _settle_imported(self, import_date: dt.date):
        """Date the import, file most imported points, review them and regrade a few."""
        rng = self.rng
        imported_at = self.moment(import_date)
        points = list(
            RiskPoint.objects.filter(organisation=self.org, source=RiskPoint.Source.LIBRARY)
            .select_related("step")
            .order_by("pk")
        )
        RiskPoint.objects.filter(pk__in=[p.pk for p in points]).update(
            created_at=imported_at, updated_at=imported_at
        )
        RiskPointEvent.objects.filter(
            risk_point__organisation=self.org, type=EventType.IMPORTED
        ).update(at=imported_at)
        with_measures = set(
            Measure.risk_points.through.objects.filter(
                riskpoint__organisation=self.org
            ).values_list("riskpoint_id", flat=True)
        )
        events = []
        for point in points:
            point.created_at = point.updated_at = imported_at
            before = audit.snapshot(point)
            if point.pk in with_measures:  # filed within weeks of the import
                filed_on = import_date + dt.timedelta(days=rng.randint(5, 40))
                events += self._events(point, self._history(point, filed_on))
            else:  # nothing to file it with: left a draft
                self.counts.drafts += 1
            self.audits.append(
                audit.Change(
                    action="demo.risk_point.settle",
                    obj=point,
                    before=before,
                    after=audit.snapshot(point),
                    organisation=self.org,
                )
            )
        RiskPoint.objects.bulk_update(
            points,
            ["status", "likelihood", "harm", "level", "last_reviewed", "review_due", "updated_at"],
            batch_size=BATCH_SIZE,
        )
        RiskPointEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        self.counts.events += len(events) + len(points)
        # The imported measures: due dates and states like the rest.
        measures = list(Measure.objects.filter(organisation=self.org).order_by("pk"))
        for measure in measures:
            before = audit.snapshot(measure)
            measure.created_at = imported_at
            self._measure_state(measure)
            self.audits.append(
                audit.Change(
                    action="demo.measure.settle",
                    obj=measure,
                    before=before,
                    after=audit.snapshot(measure),
                    organisation=self.org,
                )
            )
        Measure.objects.bulk_update(
            measures, ["due", "status", "created_at"], batch_size=BATCH_SIZE
        )
        self.counts.measures += len(measures)
        self.counts.links += Measure.risk_points.through.objects.filter(
            measure__organisation=self.org
        ).count()

    def _measure_state(self, measure: Measure) -> None:
        rng = self.rng
        if rng.random() < IN_PLACE_SHARE:
            measure.status = Measure.Status.IN_PLACE
            measure.due = self.days_before(rng.uniform(30, 500))
        else:
            measure.status = Measure.Status.PLANNED
            measure.due = self.days_before(-rng.uniform(-60, 180))

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

    def _campaign(self):
        functions = defaultdict(list)
        for function in self.rows.functions:
            functions[function.department.pk].append(function.title)
        posts_of = defaultdict(list)
        for post in self.rows.posts:
            if post.department_id:
                posts_of[post.department_id].append(post)

        points: list[RiskPoint] = []
        wanted: list[tuple[RiskPoint, tuple[str, ...]]] = []  # point, its measure urns
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
                            point = self._campaign_point(
                                spec,
                                power,
                                department,
                                post,
                                subject,
                                name=f"{spec.name.zh}（{label}）",
                                lead=f"{who}在{setting}中，",
                            )
                            points.append(point)
                            wanted.append((point, spec.measures))
        self.progress(f"    排查风险点 {len(points)} 个，写入中……")
        RiskPoint.objects.bulk_create(points, batch_size=BATCH_SIZE)
        self.counts.generated = len(points)

        # Measures: one per department and pack measure, shared by its points.
        measures: dict[tuple[int, str], Measure] = {}
        links = []
        for point, urns in wanted:
            for urn in urns:
                key = (point.department_id, urn)
                measure = measures.get(key)
                if measure is None:
                    measure = measures[key] = self._campaign_measure(point, urn)
                links.append((measure, point))
        measure_list = list(measures.values())
        Measure.objects.bulk_create(measure_list, batch_size=BATCH_SIZE)
        Link = Measure.risk_points.through
        insert_rows(Link, ("measure_id", "riskpoint_id"), [(m.pk, p.pk) for m, p in links])
        self.counts.measures += len(measure_list)
        self.counts.links += len(links)

        events = []
        for point in points:
            created = (EventType.CREATED, point.created_at, point._creation_changes, "")
            for type_, at, changes, reason in (created, *point._entries):
                events.append((point.pk, type_.value, at, changes, reason))
        insert_rows(RiskPointEvent, ("risk_point_id", "type", "at", "changes", "reason"), events)
        self.counts.events += len(events)
        measure_points = defaultdict(list)
        for measure, point in links:
            measure_points[id(measure)].append(point.pk)
        for measure in measure_list:
            after = audit.snapshot(measure)
            after["risk_points"] = measure_points[id(measure)]
            self.audits.append(
                audit.Change(
                    action="demo.measure.create", obj=measure, after=after, organisation=self.org
                )
            )
        # The campaign's points: one event for the lot, as the demo records its staff (one
        # "demo.load" per organisation); their own history is on their timelines.
        ids = [p.pk for p in points]
        self.audits.append(
            audit.Change(
                action="demo.register",
                obj=self.org,
                after={
                    "risk_points_created": len(ids),
                    "first_id": min(ids, default=None),
                    "last_id": max(ids, default=None),
                    "filed": sum(p.status == Status.FILED for p in points),
                    "drafts": sum(p.status == Status.DRAFT for p in points),
                    "timeline_events": len(events),
                    "measure_links": len(links),
                },
                organisation=self.org,
            )
        )

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
        step = self.steps.get((power.pk, spec.step)) if spec.step else None
        point = RiskPoint(
            organisation=self.org,
            subject=subject,
            department=department,
            post=post,
            power=power,
            step=step,
            category=spec.category,
            name=name[:200],
            manifestation=lead + spec.manifestation.zh,
            likelihood=likelihood,
            harm=grading.rescale(spec.harm, PACK_SCALE, size),
            matter_kind=spec.matter_kind or "",
            criteria=list(spec.criteria),
            source=rng.choices(
                (
                    RiskPoint.Source.SELF,
                    RiskPoint.Source.PEERS,
                    RiskPoint.Source.LEADER,
                    RiskPoint.Source.ORGANISATION,
                ),
                weights=(5, 2, 1, 1),
            )[0],
            created_at=created_at,
            updated_at=created_at,
        )
        self._grade(point)
        # The creation as the timeline shows it, before any regrade changes the scores.
        point._creation_changes = {
            name: [None, value]
            for name, value in (
                ("subject", point.subject),
                ("department", department.name),
                ("post", post.name if post else None),
                ("power", power.name),
                ("step", step.name if step else None),
                ("category", point.category),
                ("name", point.name),
                ("manifestation", point.manifestation),
                ("likelihood", point.likelihood),
                ("harm", point.harm),
                ("matter_kind", point.matter_kind),
                ("criteria", point.criteria),
                ("source", point.source),
                ("level", point.level),
            )
            if value not in (None, "", [])
        }
        point._entries = self._history(point, filed_on)
        return point

    def _campaign_measure(self, point: RiskPoint, urn: str) -> Measure:
        rng = self.rng
        spec = self.measure_specs[urn]
        department_id = point.department_id
        owner_person: Person | None = None
        if rng.random() < PERSON_OWNER_SHARE:
            holders = self.holders.get(point.post_id) if point.post_id else None
            if holders:
                owner_person = rng.choice(holders)
            else:
                owner_person = self.heads.get(department_id)
        measure = Measure(
            organisation=self.org,
            text=spec.text.zh,
            owner_person=owner_person,
            owner_department_id=None if owner_person else department_id,
            library_urn="",
            created_at=point.created_at,
        )
        self._measure_state(measure)
        return measure


def load_register(
    hospital: Organisation,
    rows: HospitalRows,
    *,
    seed: int,
    index: int,
    actor: str,
    progress: Callable[[str], None] | None = None,
) -> RegisterCounts:
    """Build and save `hospital`'s risk register (see the module docstring)."""
    return RegisterBuilder(
        hospital, rows, seed=seed, index=index, actor=actor, progress=progress
    ).run()
