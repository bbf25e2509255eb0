"""Load and remove the demo data: 示例市卫生健康委员会 with its hospitals, staff and logins.

Rows are written in bulk, a hospital at a time, inside one transaction. Posts and staff with
their post histories go through the org app's bulk writers (`services.posts_create`,
`person_services.people_write`), so they follow the rules of the pages and imports and get
their audit events ("demo.post.create", "demo.person.create", …); the audit chain also gets
one "demo.load" event per organisation created.
"""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from lianfang.accounts.models import RoleGrant, User
from lianfang.core import audit, notifications, warnings
from lianfang.core.models import AuditEvent, Delivery, Notification
from lianfang.core.roles import Role
from lianfang.org import person_services
from lianfang.org import services as org_services
from lianfang.org.models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
)
from lianfang.org.publications import power_catalogue_publish
from lianfang.risks.publications import risk_points_publish

from .assessments import load_assessments
from .calendar import calendar_provide
from .campaigns import load_campaigns
from .commitments import load_commitments, load_unit_commitments
from .complaints import load_complaints
from .content import load_content
from .flows import as_of, load_flows
from .generator import (
    AUTHORITY_CODE,
    AUTHORITY_NAME,
    HospitalRows,
    build_hospital,
    hospital_code,
    hospital_organisation,
)
from .portal import load_portal
from .register import DENSE, DENSITIES, REALISTIC, load_register
from .satisfaction import load_satisfaction
from .small import load_reports, load_small
from .submissions import load_submissions

DEMO_PASSWORD = "Lianfang-demo-2026"  # noqa: S105 (printed to the operator on purpose)
ACTOR = "lianfang demo"
AUDIT_PREFIX = "demo."
BATCH_SIZE = 1000
MAX_SCALE = 99


@dataclass(frozen=True)
class LoginSpec:
    key: str
    username: str
    label: str  # the role as the login table names it
    display_name: str  # used when no person is linked


# One login per role; `key` names the person from generator.LOGIN_PEOPLE (if any).
LOGINS = (
    LoginSpec("admin", "admin", "系统管理员", "系统管理员"),
    LoginSpec("integrity", "integrity", "纪检监察", "纪检监察员"),
    LoginSpec("leader", "leader", "领导", "院领导"),
    LoginSpec("dept_head", "dept_head", "部门负责人", "科主任"),
    LoginSpec("staff", "staff", "职工", "职工"),
    # 三员分立: the security administrator grants roles, the audit reviewer reads the log.
    LoginSpec("security", "security", "安全管理员", "安全管理员"),
    LoginSpec("auditor", "auditor", "安全审计员", "安全审计员"),
    # The commission supervises its hospitals read-only (its grant does not make the units
    # below writable): it sees the registers, the hospitals keep them.
    LoginSpec("wjw", "wjw", "纪检监察（卫健委）", "卫健委纪检监察员"),
    # The integrity office of the commission's small second unit (demo/small.py grants it).
    LoginSpec("fy_integrity", "fy_integrity", "纪检监察（妇幼保健院）", "妇幼保健院纪检监察员"),
    # The platform administrator: a superuser of no organisation (installation-wide settings).
    LoginSpec("platform", "platform", "平台管理员", "平台管理员"),
)


@dataclass
class Login:
    label: str
    username: str
    name: str
    scope: str


@dataclass
class LoadResult:
    organisations: list[Organisation]
    counts: dict[str, dict[str, int]]
    logins: list[Login]
    seconds: float = 0.0
    totals: dict[str, int] = field(default_factory=dict)


def demo_exists() -> bool:
    return Organisation.objects.filter(code__in=[AUTHORITY_CODE, hospital_code(1)]).exists()


def demo_density() -> str | None:
    """The density the demo in the database was loaded at, as its "demo.load" event says:
    "dense" for a demo loaded before there was a choice (it was that dense), None without a
    demo."""
    authority = Organisation.objects.filter(code=AUTHORITY_CODE).first()
    if authority is None:
        return None
    event = (
        AuditEvent.objects.filter(
            action="demo.load", object_type="org.organisation", object_id=str(authority.pk)
        )
        .order_by("-seq")
        .first()
    )
    return (event.after or {}).get("density", DENSE) if event else None


def demo_load(
    *,
    seed: int = 1,
    scale: int = 1,
    density: str = REALISTIC,
    register_only: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Create the commission, `scale` hospitals of ~1,500 staff each, and the demo logins.

    `density` is that of the risk registers (`register.DENSITIES`): "realistic", a few
    hundred risk points per hospital, or "dense", about 10,000 (the benchmarks' volume).
    The same seed and density give the same data. `register_only`: the organisations, their
    staff, registers and logins, nothing of the other modules (the tests and benchmarks that
    need a register's volume and nothing else: no warnings checked, no reminders). Refuses
    (ValueError) when the demo already exists.
    """
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}")
    if density not in DENSITIES:
        raise ValueError(f"density must be one of {', '.join(DENSITIES)}")
    progress = progress or (lambda message: None)
    started = time.monotonic()
    with transaction.atomic():
        if demo_exists():
            raise ValueError("demo data already exists")
        authority = Organisation.objects.create(
            name=AUTHORITY_NAME,
            short_name="市卫健委",
            code=AUTHORITY_CODE,
            kind=Organisation.Kind.AUTHORITY,
            address="示例市政务服务中心",
        )
        authority.path = f"/{authority.pk}/"
        authority.save(update_fields=["path"])
        hospitals = Organisation.objects.bulk_create(
            [hospital_organisation(i, seed, authority) for i in range(1, scale + 1)]
        )
        for hospital in hospitals:
            hospital.path = f"{authority.path}{hospital.pk}/"
            hospital.depth = authority.depth + 1
        Organisation.objects.bulk_update(hospitals, ["path", "depth"])

        counts = {}
        first_rows = None
        for index, hospital in enumerate(hospitals, start=1):
            rows = build_hospital(hospital, seed=seed, index=index)
            _save(hospital, rows)
            progress(
                f"[{index}/{scale}] {hospital.name}：{len(rows.departments)} 个科室，"
                f"{len(rows.people)} 名人员，{len(rows.posts)} 个岗位"
                f"（{time.monotonic() - started:.1f} 秒）"
            )
            register = load_register(
                hospital,
                rows,
                seed=seed,
                index=index,
                actor=ACTOR,
                density=density,
                progress=progress,
            )
            counts[hospital.code] = {**rows.counts(), **register.as_dict()}
            progress(
                f"[{index}/{scale}] {hospital.name} 风险点台账：{register.points} 个风险点"
                f"（已备案 {register.filed}，草稿 {register.drafts}，复核逾期 {register.overdue}，"
                f"调整等级 {register.regraded}），{register.measures} 条防控措施"
                f"（{time.monotonic() - started:.1f} 秒）"
            )
            if index == 1:
                first_rows = rows
        _create_logins(authority, hospitals[0], first_rows)
        # Next year's holidays, when the installed chinesecalendar does not hold them yet: the
        # demo's time limits in working days must run (demo/calendar.py says how).
        years = calendar_provide(
            actor=User.objects.get(username=next(s.username for s in LOGINS if s.key == "admin")),
            authority=authority,
        )
        if years:
            progress(
                f"工作日历：已为演示单位录入并确认 {'、'.join(map(str, years))} 年的暂定节假日"
            )
        added = []
        if not register_only:
            added = _modules(
                authority,
                hospitals,
                counts,
                seed=seed,
                progress=progress,
                started=started,
                scale=scale,
            )
        totals = {
            key: sum(c.get(key, 0) for c in counts.values()) for key in counts[hospitals[0].code]
        }
        changes = [
            audit.Change(
                action="demo.load",
                obj=authority,
                after={"seed": seed, "hospitals": scale, "density": density, **totals},
            )
        ]
        changes += [
            audit.Change(
                action="demo.load",
                obj=hospital,
                after={"seed": seed, "density": density, **counts[hospital.code]},
            )
            for hospital in [*hospitals, *added]
        ]
        audit.record_many(actor=ACTOR, changes=changes)
        # The warning checkers once, as the scheduler would: the overdue reviews, measures
        # and rotations of the demo appear on the integrity office's 预警 page.
        if not register_only:
            progress("核查预警规则……")
            report, _escalated = warnings.warnings_check()
            progress(
                "预警：" + "，".join(f"{c.rule.label} {len(c.raised.created)} 条" for c in report)
            )
    # The morning's reminders, as the daily run would send them: the overdue reviews and
    # rotations reach their owners' inboxes (the demo's accounts have no e-mail address).
    if not register_only:
        sent = notifications.remind()
        progress("提醒：" + "，".join(f"{name} {n} 条" for name, n in sent.items()))
    # Fresh statistics for the planner after a bulk load. PostgreSQL's autovacuum would take
    # a while; SQLite never gathers them by itself. Without them the register's filtered pages
    # read a whole organisation's rows instead of one department's (bench/register.py).
    progress("更新数据库统计信息（ANALYZE）……")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return LoadResult(
        organisations=[authority, *hospitals, *added],
        counts=counts,
        logins=demo_logins(),
        seconds=time.monotonic() - started,
        totals=totals,
    )


def _modules(authority, hospitals, counts, *, seed, progress, started, scale) -> list[Organisation]:
    """What the demo holds beside the registers: the first hospital's review chain at work,
    publications, portal, content, satisfaction, flows, complaints, assessments,
    commitments and campaigns, then the small second unit and the reports upward. Returns
    the organisations it adds."""
    waiting = load_submissions(hospitals[0])
    waiting.add_to(counts[hospitals[0].code])
    progress(
        f"{hospitals[0].name} 审核流程：提交 {waiting.submitted} 次，"
        f"退回 {waiting.returned} 次，待审 {waiting.waiting} 个"
        f"（{time.monotonic() - started:.1f} 秒）"
    )
    # The first hospital's public power catalogue and risk points, as its integrity
    # office publishes them (监督 › 公开发布; read on /public/<id>/…).
    office = User.objects.get(username=next(s.username for s in LOGINS if s.key == "integrity"))
    power_catalogue_publish(actor=office, organisation=hospitals[0])
    risk_points_publish(actor=office, organisation=hospitals[0])
    # Its public site (公开门户, /gk/<code>/), opened by its administrator.
    load_portal(hospitals[0], actor=User.objects.get(username=LOGINS[0].username))
    # Its portal's news, notices and regulations (院务公开), through the 审核.
    # the portal's default columns are written by the administrator (its office)
    editors = list(User.objects.filter(username__in=["admin", "dept_head", "staff"]))
    published = load_content(hospitals[0], editors=editors, reviewer=office)
    progress("院务公开：" + "，".join(f"{k} {v}" for k, v in published.items()))
    # Patient satisfaction (demo/satisfaction.py): 20,000 answers, one stuffed department.
    satisfaction = load_satisfaction(hospitals[0], seed=seed, actor=ACTOR)
    progress(
        f"{hospitals[0].name} 患者满意度：{satisfaction.answers} 份评价"
        f"（凭评价码 {satisfaction.tokened}，存疑 {satisfaction.flagged}，"
        f"刷评科室 {satisfaction.stuffed_department}）"
        f"（{time.monotonic() - started:.1f} 秒）"
    )
    # Its power flows (权力运行): the shipped definitions and six months of matters.
    ran = load_flows(hospitals[0], seed=seed, actor=ACTOR)
    progress(
        f"{hospitals[0].name} 权力运行：{ran.definitions} 个流程，{ran.instances} 件办件"
        f"（{'，'.join(f'{k} {v}' for k, v in sorted(ran.states.items()))}；"
        f"超时 {ran.overdue}，已升级 {ran.escalated}）"
        f"（{time.monotonic() - started:.1f} 秒）"
    )
    # Its complaints and reports (投诉举报): a year of reports in every state.
    complaints = load_complaints(hospitals[0], seed=seed)
    progress(
        f"{hospitals[0].name} 投诉举报：{complaints.complaints} 件"
        f"（{'，'.join(f'{k} {v}' for k, v in sorted(complaints.states.items()))}；"
        f"匿名 {complaints.anonymous}，逾期 {complaints.overdue}；"
        f"短信通知的实名举报人 {complaints.sms_reporters}，已发短信 {complaints.sms_sent}）"
        f"（{time.monotonic() - started:.1f} 秒）"
    )
    if complaints.receipts:
        progress("演示回执码（匿名举报，/complaints/receipt/）：" + "、".join(complaints.receipts))
    # Its assessments (廉政评估, demo/assessments.py): all three conclusions, one
    # rectification accepted, one escalated after two failures.
    # Dated this morning, so that the same seed on the same day writes the same register
    # (the accepted rectification's measures and their links).
    morning = dt.datetime.combine(
        timezone.localdate(), dt.time(9, 0), timezone.get_current_timezone()
    )
    with as_of(morning):
        assessed = load_assessments(
            hospitals[0],
            office=office,
            staff=User.objects.get(username=next(s.username for s in LOGINS if s.key == "staff")),
            head=User.objects.get(
                username=next(s.username for s in LOGINS if s.key == "dept_head")
            ),
        )
    progress(
        f"{hospitals[0].name} 廉政评估：下达 {assessed.issued} 份通知书，"
        f"整改通过 {assessed.accepted} 件，两次整改未通过升级 {assessed.escalated} 件，"
        f"亮牌 {assessed.cards} 件"
    )

    # This year's commitments (廉政承诺): generated for everyone, some signed, two stale
    # after a post change (demo/commitments.py).
    pledged = load_commitments(hospitals[0], password=DEMO_PASSWORD)
    progress(
        f"{hospitals[0].name} 廉政承诺：生成 {pledged.generated} 份，签署 {pledged.signed} 份，"
        f"待审 {pledged.waiting} 份，岗位变动待重签 {pledged.stale} 人"
        f"（{time.monotonic() - started:.1f} 秒）"
    )

    # Its investigation campaigns (风险排查): last year's closed, this year's under way.
    ran_campaigns = load_campaigns(hospitals[0])
    ran_campaigns.add_to(counts[hospitals[0].code], hospitals[0])
    progress(
        f"{hospitals[0].name} 风险排查：{ran_campaigns.campaigns} 轮，"
        f"{ran_campaigns.tasks} 项任务，确认保留 {ran_campaigns.confirmed} 个风险点，"
        f"退回 {ran_campaigns.returned} 次"
        f"（{time.monotonic() - started:.1f} 秒）"
    )

    # The commission's small second unit (demo/small.py): about a hundred staff, a register
    # from the standard library, last year's campaign closed; then what the two hospitals
    # reported upward, one submitted on the server, the other's file imported.
    small = load_small(authority, order=scale + 1, seed=seed, save=_save, actor=ACTOR)
    counts[small.organisation.code] = small.counts
    # its commitments: everyone's account, nearly all signed (demo/commitments.py)
    unit_pledged = load_unit_commitments(
        small.organisation, office=User.objects.get(username="fy_integrity")
    )
    reported = load_reports(hospitals[0], small.organisation)
    progress(
        f"{small.organisation.name}：{small.counts['departments']} 个科室，"
        f"{small.counts['people']} 名人员，{small.counts['risk_points']} 个风险点；"
        f"廉政承诺生成 {unit_pledged.generated} 份、签署 {unit_pledged.signed} 份、"
        f"待审核 {unit_pledged.waiting} 份；"
        f"上报：在线提交 {reported['submitted']} 份，导入上报文件 {reported['imported']} 份"
        f"（{time.monotonic() - started:.1f} 秒）"
    )
    return [small.organisation]


def _save(hospital: Organisation, rows: HospitalRows) -> None:
    Department.objects.bulk_create(rows.departments, batch_size=BATCH_SIZE)
    DepartmentFunction.objects.bulk_create(rows.functions, batch_size=BATCH_SIZE)
    org_services.posts_create(
        actor=ACTOR, organisation=hospital, posts=rows.posts, audit_prefix=AUDIT_PREFIX
    )
    written = person_services.people_write(
        actor=ACTOR, organisation=hospital, rows=rows.staff, audit_prefix=AUDIT_PREFIX
    )
    rows.assignments = [a for person in written for a in person.assignments]
    for department, head in rows.heads:
        department.head = head
    Department.objects.bulk_update([d for d, _ in rows.heads], ["head"], batch_size=BATCH_SIZE)
    LeaderDivision.objects.bulk_create(rows.divisions, batch_size=BATCH_SIZE)


def _create_logins(authority: Organisation, hospital: Organisation, rows: HospitalRows) -> None:
    """One user per role, all with DEMO_PASSWORD. Existing users of these names are reused."""
    people = rows.login_people
    grants = {
        "admin": [(Role.ADMIN, hospital, None), (Role.ADMIN, authority, None)],
        "integrity": [(Role.INTEGRITY, hospital, None)],
        "leader": [(Role.LEADER, hospital, None), (Role.STAFF, hospital, None)],
        "dept_head": [
            (Role.DEPT_HEAD, hospital, people["dept_head"].department),
            (Role.STAFF, hospital, None),
        ],
        "staff": [(Role.STAFF, hospital, None)],
        "security": [(Role.SECURITY, hospital, None)],
        "auditor": [(Role.AUDITOR, hospital, None)],
        "wjw": [(Role.INTEGRITY, authority, None)],
        "fy_integrity": [],  # granted on its hospital when it is made (demo/small.py)
        "platform": [],
    }
    # One slow argon2 hash shared by all: the demo password is printed for everyone anyway.
    encoded = make_password(DEMO_PASSWORD)
    new_grants = []
    for spec in LOGINS:
        person = people.get(spec.key)
        user = User.objects.filter(username=spec.username).first() or User(username=spec.username)
        user.display_name = person.name if person else spec.display_name
        user.is_active = True
        if spec.key == "platform":
            user.is_superuser = True
        user.password = encoded
        user.save()
        if person is not None and not Person.objects.filter(user=user).exists():
            person.user = user
            person.save(update_fields=["user"])
        new_grants += [
            RoleGrant(user=user, role=role, organisation=org, department=dept)
            for role, org, dept in grants[spec.key]
        ]
    RoleGrant.objects.bulk_create(new_grants, ignore_conflicts=True)


def demo_logins() -> list[Login]:
    """The demo logins as they stand in the database, for the table the command prints."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[s.username for s in LOGINS]).prefetch_related(
            "role_grants__organisation", "role_grants__department"
        )
    }
    people = {
        p.user_id: p
        for p in Person.objects.filter(user__in=users.values()).select_related("department")
    }
    logins = []
    for spec in LOGINS:
        user = users.get(spec.username)
        if user is None:
            continue
        person = people.get(user.pk)
        scope = "；".join(
            f"{g.get_role_display()}@{g.department or g.organisation.short_name or g.organisation}"
            for g in user.role_grants.all()
        ) or ("全平台" if user.is_superuser else "")
        name = person.name if person else user.display_name
        if person is not None:
            name = f"{name}（{person.department.name if person.department else person.title}）"
        logins.append(Login(spec.label, spec.username, name, scope))
    return logins


def demo_reset() -> dict[str, int]:
    """Delete the demo organisations and everything that belongs to them.

    Users are kept (their role grants and links to people go): deleting a user would rewrite
    the actor of its audit events, and audit events are never changed or deleted.
    """
    with transaction.atomic():
        authority = Organisation.objects.filter(code=AUTHORITY_CODE).first()
        subtree = Organisation.objects.filter(
            models.Q(path__startswith=authority.path) if authority else models.Q(pk__in=[])
        )
        subtree = subtree | Organisation.objects.filter(code=hospital_code(1))
        organisations = list(subtree.order_by("-depth", "pk"))
        if not organisations:
            return {}
        ids = [o.pk for o in organisations]
        counts = {
            "organisations": len(ids),
            "departments": Department.objects.filter(organisation_id__in=ids).count(),
            "people": Person.objects.filter(organisation_id__in=ids).count(),
        }
        # their messages go with them (the accounts stay, see above)
        Notification.objects.filter(organisation_id__in=ids).delete()
        Delivery.objects.filter(organisation_id__in=ids).delete()
        _purge(Person.objects.filter(organisation_id__in=ids))
        _purge(Post.objects.filter(organisation_id__in=ids))
        _purge(Department.objects.filter(organisation_id__in=ids))
        root = authority or organisations[-1]
        audit.record(actor=ACTOR, action="demo.reset", obj=root, before=counts)
        for org in organisations:
            _purge(Organisation.objects.filter(pk=org.pk))
    return counts


def _purge(queryset, depth: int = 0) -> None:
    """Delete `queryset`, first deleting rows of any app that PROTECT or RESTRICT it."""
    model = queryset.model
    if model is AuditEvent or depth > 10:
        raise RuntimeError(f"refusing to delete {model._meta.label} rows")
    # include the relations declared with related_name="+" (an attachment's organisation)
    relations = [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
    ]
    for relation in relations:
        if relation.on_delete not in (models.PROTECT, models.RESTRICT):
            continue
        if relation.related_model is model:
            continue  # the organisation tree: deleted leaves first by the caller
        related = relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__in": queryset.values("pk")}
        )
        _purge(related, depth + 1)
    queryset.delete()
