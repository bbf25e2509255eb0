"""The scope world: one register-sized world of every model, built once per test module, and
the table of what each role may see of it.

It extends tests/factories.build_world and tests/risks/register_data.build_register (both left
as they are) with what the scope matrix needs: for every kind of object a page or API shows,
one object inside and one outside each role's scope; an account, a job and an API token per
role; audit events; grading schemes; generic phrases; department functions.

Build it once per module with `module_world(django_db_blocker)` from a module-scoped fixture:
the rows live in an outer transaction rolled back after the module, and each test (marked
`django_db`) runs in a savepoint inside it, so what a test writes is undone before the next.
"""

import datetime as dt
from contextlib import contextmanager

from django.conf import settings
from django.db import models, transaction
from django.test import Client
from django.utils import timezone

from lianfang.accounts import handover
from lianfang.accounts.models import PasswordHandover, RoleGrant, User
from lianfang.core import audit, workdays
from lianfang.core.models import (
    AuditEvent,
    Column,
    Job,
    Module,
    Notification,
    Warning,
    WarningLevel,
    WorkdayOverride,
    WorkdayYear,
)
from lianfang.core.roles import PLATFORM_ADMIN, Role
from lianfang.org.models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
    Power,
    PowerStep,
)
from lianfang.risks import grading
from lianfang.risks import jobs as risk_jobs
from lianfang.risks.models import GenericPhrase, GradingScheme, Measure, RiskPoint
from tests.factories import (
    build_world,
    make_attachment,
    make_person,
    make_platform_admin,
    make_user,
)
from tests.risks.factories import make_measure, make_risk_point
from tests.risks.register_data import TODAY, build_register

# The roles of the matrix: the test world's accounts, plus nobody signed in.
# leader: 领导 + 职工 (王副院长, in charge of 采购中心 and 财务科); dept_head: 部门负责人 of
# 心内科 + 职工 (李主任); staff: 职工 (张医生, 主治医师 of 心内科); outsider: 职工 of the other
# hospital; nobody: an account without any role; platform: the platform administrator (a
# superuser of no organisation, who keeps the installation-wide settings).
SIGNED_IN = ("admin", "integrity", "leader", "dept_head", "staff", "outsider", "nobody", "platform")
ROLES = ("anonymous", *SIGNED_IN)

# The roles each account holds (what `role_required` and the API's access_roles test).
HOLDS = {
    "anonymous": frozenset(),
    "nobody": frozenset(),
    "admin": frozenset({Role.ADMIN}),
    "integrity": frozenset({Role.INTEGRITY}),
    "leader": frozenset({Role.LEADER, Role.STAFF}),
    "dept_head": frozenset({Role.DEPT_HEAD, Role.STAFF}),
    "staff": frozenset({Role.STAFF}),
    "outsider": frozenset({Role.STAFF}),
    "platform": frozenset({PLATFORM_ADMIN}),
}

JOB_FILE = "matrix.txt"
JOB_CONTENT = "matrix job file"

# Per kind of object, per role: (a key inside the role's scope, a key outside it).
# Inside/outside follows the scoping rules: the integrity office and administrators see their
# organisation and below (outside: the sibling hospital); a leader the departments in charge
# (outside: another department); a department head their department (outside: another one);
# staff their own (outside: a colleague's); the outsider, the other hospital (outside: ours).
# Where a role has nothing of a kind in scope, "in" is the nearest object it might expect to
# open, and the declarations say what it gets.
_MANAGERS = ("admin", "integrity")
_OTHERS = ("leader", "dept_head", "staff", "nobody", "anonymous", "platform")


def _pairs(managers, outsider, **by_role):
    """Fill a kind's table: managers' pair for admin and integrity, the outsider's, and the
    rest per role (default: the managers' pair)."""
    table = {role: managers for role in _MANAGERS}
    table["outsider"] = outsider
    for role in _OTHERS:
        table[role] = by_role.get(role, managers)
    return table


PAIRS = {
    "organisation": _pairs(("hospital", "other_hospital"), ("other_hospital", "hospital")),
    "department": _pairs(
        ("cardiology", "surgery_b"),
        ("surgery_b", "cardiology"),
        leader=("procurement", "cardiology"),
        dept_head=("cardiology", "procurement"),
        staff=("cardiology", "procurement"),
    ),
    "function": _pairs(
        ("function_cardiology", "function_surgery"), ("function_surgery", "function_cardiology")
    ),
    "post": _pairs(
        ("doctor_post", "other_post"),
        ("other_post", "doctor_post"),
        leader=("buyer_post", "doctor_post"),
        dept_head=("doctor_post", "buyer_post"),
        staff=("doctor_post", "head_post"),
    ),
    "person": _pairs(
        ("staff_person", "other_person"),
        ("other_person", "staff_person"),
        leader=("buyer", "staff_person"),
        dept_head=("staff_person", "buyer"),
        staff=("staff_person", "colleague"),
    ),
    "assignment": _pairs(
        ("assignment_staff", "assignment_other"), ("assignment_other", "assignment_staff")
    ),
    "division": _pairs(
        ("division_procurement", "division_other"), ("division_other", "division_procurement")
    ),
    # Positioning tables are of leaders in charge and department heads.
    "holder": _pairs(
        ("leader_person", "other_head"),
        ("other_person", "leader_person"),
        leader=("leader_person", "head_person"),
        dept_head=("head_person", "leader_person"),
        staff=("staff_person", "head_person"),
    ),
    # The power catalogue is read by everyone of the organisation.
    "power": _pairs(("prescribing", "other_power"), ("other_power", "prescribing")),
    # Steps without risk points, so that they may be deleted.
    "step": _pairs(("free_step", "other_step"), ("other_step", "free_step")),
    # Draft risk points: in scope, each is one the role may edit where its role allows any.
    "point": _pairs(
        ("point_head", "point_other"),
        ("point_other", "point_staff_draft"),
        leader=("point_buyer", "point_cardiology"),
        dept_head=("point_cardiology", "point_buyer"),
        staff=("point_staff_draft", "point_head"),
    ),
    # Filed risk points (what a review is for).
    "filed_point": _pairs(
        ("point_doctor", "point_other_filed"),
        ("point_other_filed", "point_doctor"),
        leader=("point_buyer", "point_doctor"),
        dept_head=("point_doctor", "point_buyer"),
        staff=("point_doctor", "point_head"),
    ),
    "measure": _pairs(
        ("measure", "measure_other"),
        ("measure_other", "measure"),
        leader=("measure_procurement", "measure"),
        dept_head=("measure_dept", "measure_procurement"),
        staff=("measure_staff", "measure_procurement"),
    ),
    # A measure's evidence file is read by whoever sees the measure.
    "attachment": _pairs(
        ("file_measure", "file_measure_other"),
        ("file_measure_other", "file_measure"),
        leader=("file_measure_procurement", "file_measure"),
        dept_head=("file_measure_dept", "file_measure_procurement"),
        staff=("file_measure_staff", "file_measure_procurement"),
    ),
    "user": _pairs(("staff_user", "outsider_user"), ("outsider_user", "staff_user")),
    "publication": _pairs(
        ("publication_hospital", "publication_other"),
        ("publication_other", "publication_hospital"),
    ),
    "audit_event": _pairs(("event_hospital", "event_other"), ("event_other", "event_hospital")),
    "warning": _pairs(("warning_hospital", "warning_other"), ("warning_other", "warning_hospital")),
    # A job is its starter's: outside is anybody else's, the integrity office's included.
    "job": {
        **{role: (f"job_{role}", "job_integrity") for role in SIGNED_IN},
        "integrity": ("job_integrity", "job_admin"),
        "anonymous": ("job_staff", "job_integrity"),
    },
    # A message is its recipient's alone: outside is anybody else's.
    "notification": {
        **{role: (f"note_{role}", "note_integrity") for role in SIGNED_IN},
        "integrity": ("note_integrity", "note_admin"),
        "anonymous": ("note_staff", "note_integrity"),
    },
    "scheme": _pairs(("scheme_hospital", "scheme_other"), ("scheme_other", "scheme_hospital")),
    # Phrases: the commission's apply to the hospital, which sees them but may not change them;
    # the global ones are the platform administrator's, who has no organisation's.
    "phrase": _pairs(
        ("phrase_hospital", "phrase_commission"),
        ("phrase_other", "phrase_hospital"),
        platform=("phrase_global", "phrase_hospital"),
    ),
    # The working-day calendar: the administrators keep their subtrees', the platform
    # administrator the platform's (the commission's applies to the hospital, read-only).
    "workday_override": _pairs(
        ("override_hospital", "override_other"),
        ("override_other", "override_hospital"),
        platform=("override_platform", "override_hospital"),
    ),
    "workday_year": _pairs(
        ("workday_year_hospital", "workday_year_other"),
        ("workday_year_other", "workday_year_hospital"),
        platform=("workday_year_platform", "workday_year_hospital"),
    ),
}

# A year no package will hold soon, confirmed by the world's owners; and one with a platform
# holiday entered, which the matrix's administrators may confirm.
CONFIRMED_YEAR, CONFIRMABLE_YEAR = 2090, 2091


class ScopeWorld:
    """Named objects of the world (`sw["point_head"]`), the accounts by role and their
    signed-in sessions (pages and API alike: API tokens are for service accounts only)."""

    def __init__(self, objects, users, sessions):
        self.objects = objects
        self.users = users
        self.sessions = sessions
        self._fresh = None

    def begin_test(self):
        """From now on, hand out each object as the database holds it (once per test): an
        earlier test's instance may carry values its savepoint has since undone."""
        self._fresh = {}

    def __getitem__(self, key):
        obj = self.objects[key]
        if self._fresh is None or not isinstance(obj, models.Model):
            return obj
        if key not in self._fresh:
            self._fresh[key] = type(obj)._default_manager.get(pk=obj.pk)
        return self._fresh[key]

    def target(self, kind, role, case):
        """The object of `kind` inside ("in") or outside ("out") `role`'s scope."""
        inside, outside = PAIRS[kind][role]
        return self[inside if case == "in" else outside]


def build_scope_world() -> ScopeWorld:
    world = build_world()
    register = build_register(world)
    hospital, other = world.hospital, world.other_hospital
    posts = {p.code: p for p in Post.objects.all()}
    o = {
        "commission": world.commission,
        "hospital": hospital,
        "other_hospital": other,
        "cardiology": world.cardiology,
        "procurement": world.procurement,
        "finance": world.finance,
        "surgery_b": world.surgery_b,
        "leader_person": world.leader_person,
        "head_person": world.head_person,
        "staff_person": world.staff_person,
        "colleague": world.colleague_person,
        "buyer": world.procurement_person,
        "other_person": world.other_person,
        "leader_post": posts["P-FYZ"],
        "head_post": posts["P-KZR"],
        "doctor_post": posts["P-ZZYS"],
        "buyer_post": posts["P-CGY"],
        "other_post": posts["P-YS"],
        "point_doctor": register.doctor,
        "point_head": register.head,
        "point_cardiology": register.cardiology,
        "point_buyer": register.buyer,
        "point_finance": register.finance,
        "point_retired": register.retired,
        "point_other": register.other,
        "prescribing": register.prescribing,
        "procurement_power": register.procurement_power,
        "finance_power": Power.objects.get(code="QL-ZJ"),
        "other_power": Power.objects.get(code="QL-SS"),
        "measure": register.measure,
    }
    o["prescribing_step"] = o["prescribing"].steps.get(order=1)
    # 承办岗位: the power of cardiology is handled by its doctors and its head.
    o["prescribing"].posts.add(o["doctor_post"], o["head_post"])
    o["free_step"] = PowerStep.objects.create(
        power=o["prescribing"], key="s3", name="处方点评", order=3
    )
    o["other_step"] = PowerStep.objects.create(
        power=o["other_power"], key="s1", name="排台", order=1
    )
    # Points that can be filed (a step each) and one overdue in the other hospital, whose
    # sensitive post is due for rotation: lists have something outside every scope to hide.
    RiskPoint.objects.filter(pk=o["point_cardiology"].pk).update(step=o["prescribing_step"])
    # the outsider's draft is theirs (its author), to submit for filing
    RiskPoint.objects.filter(pk=o["point_other"].pk).update(
        step=o["other_step"], author=world.users["outsider"]
    )
    o["point_other_filed"] = make_risk_point(
        power=o["other_power"],
        step=o["other_step"],
        post=o["other_post"],
        name="外院手术排台收受患者红包",
        manifestation="手术医师在安排手术台次时收受患者或家属红包，为其提前排台",
        status=RiskPoint.Status.FILED,
        review_due=TODAY - dt.timedelta(days=5),
    )
    Post.objects.filter(pk=o["other_post"].pk).update(is_sensitive=True, rotation_years=2)
    # The other hospital's head of 普外科, also in charge of it: a positioning table there.
    o["other_head"] = make_person(other, world.surgery_b, "9002", "外院主任")
    world.surgery_b.head = o["other_head"]
    world.surgery_b.save(update_fields=["head"])
    # Leaders (单位领导) of both hospitals, as the division form offers them.
    Person.objects.filter(pk__in=[o["leader_person"].pk, o["other_head"].pk]).update(is_leader=True)
    o["division_procurement"] = LeaderDivision.objects.get(department=world.procurement)
    o["division_finance"] = LeaderDivision.objects.get(department=world.finance)
    o["division_other"] = LeaderDivision.objects.create(
        leader=o["other_head"], department=world.surgery_b, since=dt.date(2022, 1, 1)
    )
    o["function_cardiology"] = DepartmentFunction.objects.create(
        department=world.cardiology, title="医疗质量管理"
    )
    o["function_surgery"] = DepartmentFunction.objects.create(
        department=world.surgery_b, title="外科手术管理"
    )
    o["assignment_staff"] = PostAssignment.objects.get(person=world.staff_person)
    o["assignment_other"] = PostAssignment.objects.get(person=world.other_person)

    # Risk points and measures: a draft of staff's own post that can be filed, and a measure
    # per owner, so each role has one it may open and one it may not.
    o["point_staff_draft"] = make_risk_point(
        power=o["prescribing"],
        step=o["prescribing_step"],
        post=o["doctor_post"],
        name="门诊处方夹带自费药品",
        manifestation="主治医师在门诊处方中夹带与病情无关的自费药品以获取提成",
        likelihood=2,
        harm=3,
        author=world.users["staff"],
    )
    o["measure_staff"] = make_measure(
        hospital,
        "门诊处方每周抽查自费药品比例并公示",
        owner_person=world.staff_person,
        points=[o["point_staff_draft"]],
    )
    o["measure_dept"] = make_measure(
        hospital,
        "科室赞助一律由医院统一登记入账",
        owner_department=world.cardiology,
        points=[o["point_cardiology"]],
    )
    o["measure_procurement"] = make_measure(
        hospital,
        "供应商遴选评分标准评审前封存",
        owner_department=world.procurement,
        points=[o["point_buyer"]],
    )
    o["measure_other"] = make_measure(
        other, "手术排台由系统自动生成", owner_person=world.other_person, points=[o["point_other"]]
    )
    for key in ("measure", "measure_other", "measure_procurement", "measure_dept", "measure_staff"):
        o[f"file_{key}"] = make_attachment(o[key], "measure_evidence", f"{key}.pdf")

    # Publications (公开发布): a record of each hospital's power catalogue, made directly
    # (publishing through the service would add audit events the matrix does not label).
    from django.contrib.contenttypes.models import ContentType

    from lianfang.core import publications
    from lianfang.core.models import Publication
    from lianfang.org.publications import COLUMN

    catalogue = publications.column_of("org", COLUMN)
    for key, power in (
        ("publication_hospital", o["prescribing"]),
        ("publication_other", o["other_power"]),
    ):
        o[key] = Publication.objects.create(
            organisation=power.organisation,
            column=catalogue,
            content_type=ContentType.objects.get_for_model(Power),
            object_id=power.pk,
            title=power.name,
            fields={"code": power.code, "name": power.name},
            published_at=timezone.now(),
            published_by=world.users["commission_integrity"],
        )

    # Grading schemes (inactive, so they may be edited, activated and deleted) and phrases.
    o["scheme_hospital"] = GradingScheme.objects.create(
        organisation=hospital, name="医院 4×4", **grading.default_scheme_values(size=4)
    )
    o["scheme_other"] = GradingScheme.objects.create(
        organisation=other, name="外院 4×4", **grading.default_scheme_values(size=4)
    )
    o["phrase_hospital"] = GenericPhrase.objects.create(
        organisation=hospital, phrase="原则上从严把关", reason="本院补充"
    )
    o["phrase_commission"] = GenericPhrase.objects.create(
        organisation=world.commission, phrase="全面加强监督", reason="卫健委统一"
    )
    o["phrase_other"] = GenericPhrase.objects.create(
        organisation=other, phrase="进一步抓好落实", reason="外院补充"
    )
    o["phrase_global"] = GenericPhrase.objects.create(
        organisation=None, phrase="矩阵全局空话", reason="全平台"
    )
    # The working-day calendar: an override of the platform, of the commission, of each
    # hospital (this year's, as the page shows first), and confirmed years.
    this_year = workdays.today().year

    def override(org, month_day, kind, name):
        day = dt.date(this_year, *month_day)
        return WorkdayOverride.objects.create(organisation=org, date=day, kind=kind, name=name)

    o["override_platform"] = override(None, (5, 16), "workday", "矩阵全平台补班")
    o["override_commission"] = override(world.commission, (5, 20), "holiday", "矩阵卫健委活动")
    o["override_hospital"] = override(hospital, (5, 21), "holiday", "矩阵院庆")
    o["override_other"] = override(other, (5, 21), "holiday", "矩阵二院院庆")
    o["override_future"] = WorkdayOverride.objects.create(
        organisation=None, date=dt.date(CONFIRMABLE_YEAR, 1, 1), kind="holiday", name="矩阵元旦"
    )
    for key, org in (("platform", None), ("hospital", hospital), ("other", other)):
        o[f"workday_year_{key}"] = WorkdayYear.objects.create(
            organisation=org, year=CONFIRMED_YEAR, confirmed_at=dt.datetime.now(dt.UTC)
        )
    # A module with a column of its own: the seeded rows follow the installed apps.
    o["module"] = Module.objects.create(code="matrix", name="矩阵模块", order=99)
    o["column"] = Column.objects.create(module=o["module"], code="matrix", title="矩阵栏目")

    # Accounts: the world's, an inactive one of the hospital (to be activated), their grants.
    users = dict(world.users)
    users["platform"] = make_platform_admin()
    o["retired_user"] = make_user("retired", (Role.STAFF, hospital))
    actor_other = users["integrity"]
    User.objects.filter(pk=o["retired_user"].pk).update(is_active=False)
    o["staff_user"] = users["staff"]
    o["outsider_user"] = users["outsider"]
    o["grant_staff"] = RoleGrant.objects.get(user=users["staff"])
    o["grant_outsider"] = RoleGrant.objects.get(user=users["outsider"])
    # A hand-over list of initial passwords made by the administrator, and one made by
    # someone else (only its creator may open one).
    for key, creator in (("handover_admin", users["admin"]), ("handover_other", actor_other)):
        o[key] = PasswordHandover.objects.create(
            created_by=creator,
            organisation=hospital,
            title=key,
            accounts=1,
            sealed=handover.seal([{"username": key, "name": key, "password": "Matrix-2026"}]),
            expires_at=timezone.now() + handover.KEEP,
        )

    # One audit event in each hospital, one tied to no organisation (a platform event).
    actor = users["integrity"]
    o["event_hospital"] = audit.record(actor=actor, action="matrix.hospital", obj=world.cardiology)
    o["event_other"] = audit.record(actor=actor, action="matrix.other", obj=world.surgery_b)
    o["event_system"] = audit.record(
        actor=actor, action="matrix.system", object_type="settings", object_id="1"
    )

    # A warning in each hospital, made directly (raising one would add audit events the
    # matrix does not label).
    now = timezone.now()
    for key, org in (("warning_hospital", hospital), ("warning_other", other)):
        o[key] = Warning.objects.create(
            source="matrix",
            rule="matrix",
            key=key,
            organisation=org,
            subject=f"矩阵预警 {key}",
            level=WarningLevel.NOTICE,
            raised_at=now,
            last_seen_at=now,
            due_at=now + dt.timedelta(days=7),
        )

    # A finished export per account; its file is written by `write_job_files` (MEDIA_ROOT is
    # each test's own folder).
    for role in SIGNED_IN:
        o[f"job_{role}"] = Job.objects.create(
            kind=risk_jobs.EXPORT_REGISTER,
            actor=users[role],
            organisation=other if role == "outsider" else hospital,
            status=Job.Status.DONE,
            result={"file": JOB_FILE, "filename": JOB_FILE, "content_type": "text/plain"},
        )
    # An unread message in every account's inbox (about nothing: no link to follow).
    for role in SIGNED_IN:
        o[f"note_{role}"] = Notification.objects.create(
            recipient=users[role],
            kind="review.waiting",
            subject=f"矩阵通知 {role}",
            created_at=timezone.now(),
        )
    # A signed-in session per account, opened once: a test's writes to it are undone with the
    # test's savepoint, so every test starts from the same session.
    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    for obj in [*o.values(), *users.values()]:
        obj.refresh_from_db()
    return ScopeWorld(o, users, sessions)


def write_job_files(sw: ScopeWorld) -> None:
    from lianfang.core import jobs

    for role in SIGNED_IN:
        jobs.result_path(sw[f"job_{role}"], JOB_FILE).write_text(JOB_CONTENT, encoding="utf-8")


@contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def module_world(django_db_blocker):
    """For a module-scoped fixture: `yield from module_world(django_db_blocker)`."""
    with django_db_blocker.unblock(), _rolled_back():
        yield build_scope_world()


# What each role sees of each model (`visible_to(user, Model)`), by the keys above. The exact
# sets, so a selector that shows one row too many fails as surely as one that hides a row.
# Roles: the matrix's, and the commission's integrity office (卫健委, over both hospitals).
HOSPITAL_PEOPLE = {"leader_person", "head_person", "staff_person", "colleague", "buyer"}
HOSPITAL_POSTS = {"leader_post", "head_post", "doctor_post", "buyer_post"}
DIVISIONS = {"division_procurement", "division_finance"}
HOSPITAL_POINTS = {
    "point_doctor",
    "point_head",
    "point_cardiology",
    "point_buyer",
    "point_finance",
    "point_retired",
    "point_staff_draft",
}
CARDIOLOGY_POINTS = {
    "point_doctor",
    "point_head",
    "point_cardiology",
    "point_retired",
    "point_staff_draft",
}
HOSPITAL_MEASURES = {"measure", "measure_staff", "measure_dept", "measure_procurement"}
HOSPITAL_POWERS = {"prescribing", "procurement_power", "finance_power"}
HOSPITAL_USERS = {"admin", "integrity", "leader", "dept_head", "staff", "retired"}
NOTHING = {"nobody": set(), "platform": set()}  # the platform administrator: no organisation

VISIBLE = {
    Organisation: {
        "admin": {"hospital"},
        "integrity": {"hospital"},
        "commission_integrity": {"commission", "hospital", "other_hospital"},
        "leader": {"hospital"},
        "dept_head": {"hospital"},
        "staff": {"hospital"},
        "outsider": {"other_hospital"},
        **NOTHING,
    },
    Department: {
        "admin": {"cardiology", "procurement", "finance"},
        "integrity": {"cardiology", "procurement", "finance"},
        "commission_integrity": {"cardiology", "procurement", "finance", "surgery_b"},
        "leader": {"procurement", "finance"},
        "dept_head": {"cardiology"},
        "staff": {"cardiology"},  # their own department's name, nothing below it
        "outsider": {"surgery_b"},
        **NOTHING,
    },
    Person: {
        "admin": HOSPITAL_PEOPLE,
        "integrity": HOSPITAL_PEOPLE,
        "commission_integrity": HOSPITAL_PEOPLE | {"other_person", "other_head"},
        "leader": {"leader_person", "buyer"},
        "dept_head": {"head_person", "staff_person", "colleague"},
        "staff": {"staff_person"},
        "outsider": {"other_person"},
        **NOTHING,
    },
    Post: {
        "admin": HOSPITAL_POSTS,
        "integrity": HOSPITAL_POSTS,
        "commission_integrity": HOSPITAL_POSTS | {"other_post"},
        "leader": {"leader_post", "buyer_post"},
        "dept_head": {"head_post", "doctor_post"},
        "staff": {"doctor_post"},
        "outsider": {"other_post"},
        **NOTHING,
    },
    LeaderDivision: {
        "admin": DIVISIONS,
        "integrity": DIVISIONS,
        "commission_integrity": DIVISIONS | {"division_other"},
        "leader": DIVISIONS,
        "dept_head": set(),
        "staff": set(),
        "outsider": set(),
        **NOTHING,
    },
    # Accounts: yourself; an administrator also every account tied to their subtree.
    User: {
        "admin": HOSPITAL_USERS,
        "integrity": {"integrity"},
        "commission_integrity": {"commission_integrity"},
        "leader": {"leader"},
        "dept_head": {"dept_head"},
        "staff": {"staff"},
        "outsider": {"outsider"},
        **NOTHING,
    },
    # The audit log: the integrity office, for its subtree; events tied to no organisation
    # (platform events) by superusers only (tests/core/test_audit_scope.py).
    # The working-day calendar's overrides: an administrator's subtree's and what applies to it
    # from above; the platform administrator's, the platform's. Nobody else keeps them.
    WorkdayOverride: {
        "admin": {
            "override_platform",
            "override_future",
            "override_commission",
            "override_hospital",
        },
        "integrity": set(),
        "commission_integrity": set(),
        "leader": set(),
        "dept_head": set(),
        "staff": set(),
        "outsider": set(),
        "nobody": set(),
        "platform": {"override_platform", "override_future"},
    },
    AuditEvent: {
        "admin": set(),
        "integrity": {"event_hospital"},
        "commission_integrity": {"event_hospital", "event_other"},
        "leader": set(),
        "dept_head": set(),
        "staff": set(),
        "outsider": set(),
        **NOTHING,
    },
    # Warnings: the integrity office, for its subtree.
    Warning: {
        "admin": set(),
        "integrity": {"warning_hospital"},
        "commission_integrity": {"warning_hospital", "warning_other"},
        "leader": set(),
        "dept_head": set(),
        "staff": set(),
        "outsider": set(),
        **NOTHING,
    },
    RiskPoint: {
        "admin": HOSPITAL_POINTS,
        "integrity": HOSPITAL_POINTS,
        "commission_integrity": HOSPITAL_POINTS | {"point_other", "point_other_filed"},
        "leader": {"point_buyer", "point_finance"},
        "dept_head": CARDIOLOGY_POINTS,
        "staff": {"point_doctor", "point_staff_draft"},
        "outsider": {"point_other", "point_other_filed"},
        **NOTHING,
    },
    Measure: {
        "admin": HOSPITAL_MEASURES,
        "integrity": HOSPITAL_MEASURES,
        "commission_integrity": HOSPITAL_MEASURES | {"measure_other"},
        "leader": {"measure_procurement"},
        "dept_head": {"measure", "measure_staff", "measure_dept"},
        "staff": {"measure", "measure_staff"},
        "outsider": {"measure_other"},
        **NOTHING,
    },
    # The power catalogue is read by everyone of the organisation.
    Power: {
        "admin": HOSPITAL_POWERS,
        "integrity": HOSPITAL_POWERS,
        "commission_integrity": HOSPITAL_POWERS | {"other_power"},
        "leader": HOSPITAL_POWERS,
        "dept_head": HOSPITAL_POWERS,
        "staff": HOSPITAL_POWERS,
        "outsider": {"other_power"},
        **NOTHING,
    },
    # A job is seen by whoever started it, and nobody else: not even the integrity office.
    Job: {role: {f"job_{role}"} for role in SIGNED_IN} | {"commission_integrity": set()},
}


def labelled(sw: ScopeWorld, model) -> dict[int, str]:
    """pk -> the key VISIBLE uses, for every object of `model` the world names (accounts by
    their role)."""
    if model is User:
        return {u.pk: role for role, u in sw.users.items()} | {sw["retired_user"].pk: "retired"}
    return {obj.pk: key for key, obj in sw.objects.items() if type(obj) is model}
