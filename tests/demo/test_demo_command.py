import hashlib
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse

from lianfang.accounts.models import User
from lianfang.campaigns.models import Campaign
from lianfang.core import audit
from lianfang.core.models import AuditEvent, Notification, Warning, WarningStatus
from lianfang.core.roles import PLATFORM_ADMIN, Role
from lianfang.demo.generator import REFERENCE_DATE
from lianfang.demo.services import DEMO_PASSWORD
from lianfang.exchange.models import Report
from lianfang.org.models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
)
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent

pytestmark = pytest.mark.django_db
USERNAMES = (
    "admin",
    "integrity",
    "leader",
    "dept_head",
    "staff",
    "security",
    "auditor",
    "wjw",
    "platform",
)


def demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def hospital(name="示例市人民医院") -> Organisation:
    return Organisation.objects.get(name=name)


def digest(org: Organisation) -> str:
    """Everything a user sees of one hospital, without database ids."""
    people = Person.objects.filter(organisation=org).order_by("staff_no")
    parts = [
        list(
            Department.objects.filter(organisation=org)
            .order_by("code")
            .values_list("code", "name", "kind", "phone", "is_key", "head__staff_no")
        ),
        list(
            DepartmentFunction.objects.filter(department__organisation=org)
            .order_by("department__code", "order")
            .values_list("department__code", "title")
        ),
        list(
            Post.objects.filter(organisation=org)
            .order_by("code")
            .values_list("code", "name", "is_key", "is_sensitive", "rotation_years")
        ),
        list(
            people.values_list(
                "staff_no", "name", "gender", "title", "phone", "department__code", "is_leader"
            )
        ),
        list(
            PostAssignment.objects.filter(person__organisation=org)
            .order_by("person__staff_no", "start")
            .values_list("person__staff_no", "post__code", "start", "end")
        ),
        list(
            LeaderDivision.objects.filter(department__organisation=org)
            .order_by("department__code", "since")
            .values_list("leader__staff_no", "department__code", "since", "until", "duties")
        ),
        org.principal_leader.staff_no,
        org.integrity_department.code,
        sorted(
            RiskPoint.objects.filter(organisation=org).values_list(
                "department__code",
                "post__code",
                "power__code",
                "step__key",
                "name",
                "manifestation",
                "source",
                "status",
                "likelihood",
                "harm",
                "level",
                "last_reviewed",
                "review_due",
                "created_at",
            ),
            key=repr,
        ),
        sorted(
            RiskPointEvent.objects.filter(risk_point__organisation=org)
            .exclude(type=RiskPointEvent.Type.IMPORTED)
            .values_list("risk_point__post__code", "risk_point__name", "type", "at", "reason"),
            key=repr,
        ),
        sorted(
            Measure.objects.filter(organisation=org).values_list(
                "text", "owner_department__code", "owner_person__staff_no", "due", "status"
            ),
            key=repr,
        ),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_builds_a_hospital_under_the_commission_with_departments_and_functions(demo_once):
    out = demo_once
    h = hospital()
    commission = h.parent
    assert commission.name == "示例市卫生健康委员会"
    assert commission.kind == Organisation.Kind.AUTHORITY
    assert (commission.path, commission.depth) == (f"/{commission.pk}/", 0)
    assert (h.path, h.depth) == (f"/{commission.pk}/{h.pk}/", 1)

    departments = list(Department.objects.filter(organisation=h).select_related("head"))
    assert 38 <= len(departments) <= 46
    names = {d.name for d in departments}
    for name in (
        "心内科", "普外科", "急诊科", "检验科", "放射科", "药剂科", "采购中心", "财务科",
        "人事科", "医务科", "基建科", "设备科", "信息中心", "纪检监察室", "党委办公室",
        "院长办公室", "护理部", "总务科",
    ):  # fmt: skip
        assert name in names
    assert {d.kind for d in departments} >= {
        Department.Kind.CLINICAL,
        Department.Kind.MEDICAL_TECH,
        Department.Kind.ADMINISTRATIVE,
        Department.Kind.LOGISTICS,
    }
    functions = Counter(
        DepartmentFunction.objects.filter(department__organisation=h).values_list(
            "department_id", flat=True
        )
    )
    open_posts = dict(
        PostAssignment.objects.filter(person__organisation=h, end__isnull=True).values_list(
            "person_id", "post__department_id"
        )
    )
    for dept in departments:
        assert 2 <= functions[dept.pk] <= 4, dept.name
        assert dept.head is not None and dept.head.department_id == dept.pk, dept.name
        assert open_posts[dept.head_id] == dept.pk, dept.name
    assert "已生成" in out and "秒" in out


def test_staff_have_posts_histories_and_overdue_sensitive_posts(demo_once):
    h = hospital()
    people = Person.objects.filter(organisation=h)
    assert 1400 <= people.count() <= 1600
    assert set(people.values_list("gender", flat=True)) == {"M", "F"}
    assert people.filter(title="主任医师").exists() and people.filter(title="护士").exists()
    assert all(len(name) >= 2 for name in people.values_list("name", flat=True))
    assert all(len(phone) == 11 for phone in people.values_list("phone", flat=True))

    assignments = PostAssignment.objects.filter(person__organisation=h).select_related("post")
    open_count = Counter(a.person_id for a in assignments if a.end is None)
    assert set(open_count.values()) == {1}
    assert len(open_count) == people.count()
    closed = [a for a in assignments if a.end is not None]
    assert len(closed) > 100
    current_start = {a.person_id: a.start for a in assignments if a.end is None}
    assert all(a.start <= a.end < current_start[a.person_id] for a in closed)

    buyer = Post.objects.get(organisation=h, name="采购员")
    cashier = Post.objects.get(organisation=h, name="出纳")
    for post in (buyer, cashier):
        assert post.is_key and post.is_sensitive and 3 <= post.rotation_years <= 5
    overdue = [
        a
        for a in assignments
        if a.end is None
        and a.post.is_sensitive
        and a.post.rotation_years
        and a.start < REFERENCE_DATE.replace(year=REFERENCE_DATE.year - a.post.rotation_years)
    ]
    assert len(overdue) >= 5
    assert buyer.pk in {a.post_id for a in overdue}
    assert max(a.start for a in assignments) <= REFERENCE_DATE
    # the load ends with the morning's reminders: the overdue rotations reached an inbox
    reminded = Notification.objects.filter(kind="org.rotation_due", organisation=h)
    assert reminded.values("key").distinct().count() >= 5

    # The demo ran the warning checkers once: the office's 预警 page has each rule's warnings.
    rules = Counter(
        Warning.objects.filter(organisation=h).values_list("source", "rule", flat=False)
    )
    assert rules[("org", "rotation_overdue")] >= 5
    assert rules[("risks", "review_overdue")] > 0
    assert set(Warning.objects.values_list("status", flat=True)) == {WarningStatus.OPEN}


def test_eight_leaders_divide_every_department_between_them(demo_once):
    h = hospital()
    leaders = Person.objects.filter(organisation=h, is_leader=True)
    assert leaders.count() == 8
    leadership = PostAssignment.objects.filter(
        person__in=leaders, end__isnull=True, post__is_leadership=True
    )
    assert sorted(leadership.values_list("post__name", flat=True)) == sorted(
        [
            "党委书记",
            "院长",
            "副院长（分管医疗）",
            "副院长（分管外科）",
            "副院长（分管护理医技）",
            "副院长（分管后勤）",
            "纪委书记",
            "总会计师",
        ]
    )
    current = LeaderDivision.objects.filter(department__organisation=h, until__isnull=True)
    assert set(current.values_list("department_id", flat=True)) == set(
        Department.objects.filter(organisation=h).values_list("pk", flat=True)
    )
    assert set(current.values_list("leader__is_leader", flat=True)) == {True}
    assert all(d.duties and d.since <= REFERENCE_DATE for d in current)
    assert LeaderDivision.objects.filter(department__organisation=h, until__isnull=False).exists()


def test_each_role_has_a_working_login(demo_once, client, settings):
    settings.REQUIRE_OTP = False
    out = demo_once
    assert DEMO_PASSWORD in out
    h = hospital()
    for username in USERNAMES:
        assert username in out
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)
        # The platform administrator's home is the platform settings page.
        assert client.get("/", follow=True).status_code == 200, username
        client.logout()
    assert not client.login(request=HttpRequest(), username="staff", password="wrong")

    users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    assert users["admin"].roles == {Role.ADMIN}
    assert users["integrity"].role_grants.get().organisation == h
    assert users["wjw"].role_grants.get().organisation == h.parent
    # The commission supervises read-only: its officer writes its own node, not the hospital.
    assert not users["wjw"].role_grants.get().subordinates_writable
    # 三员分立: three separate accounts, each printed with its role.
    assert users["security"].roles == {Role.SECURITY}
    assert users["auditor"].roles == {Role.AUDITOR}
    assert re.search(r"安全管理员\s+security\s", out)
    assert re.search(r"安全审计员\s+auditor\s", out)
    assert users["leader"].person.is_leader
    assert users["leader"].person.divisions.filter(department__name="心内科").exists()
    head_grant = users["dept_head"].role_grants.get(role=Role.DEPT_HEAD)
    assert head_grant.department.head == users["dept_head"].person
    assert users["staff"].roles == {Role.STAFF}
    assert users["staff"].person.department.name == "心内科"
    assert users["platform"].is_superuser and users["platform"].roles == {PLATFORM_ADMIN}
    assert not users["admin"].is_superuser
    assert re.search(r"平台管理员\s+platform\s.*全平台", out)


def test_if_empty_leaves_existing_demo_alone(demo_once):
    people = Person.objects.count()
    events = AuditEvent.objects.count()
    out = demo("--if-empty", "--seed", "8")
    assert "已存在" in out and "admin" in out
    assert Person.objects.count() == people
    assert AuditEvent.objects.count() == events
    assert Organisation.objects.filter(name="示例市人民医院").count() == 1
    with pytest.raises(CommandError, match="--reset"):
        demo("--seed", "7")


def test_same_seed_same_data_and_reset_keeps_the_audit_chain(demo_once):
    first = digest(hospital())
    loads = AuditEvent.objects.filter(action="demo.load")
    # the commission, the hospital and the small second unit, not one per row
    assert loads.count() == 3
    people = Person.objects.filter(organisation=hospital()).count()
    assert loads.get(object_id=str(hospital().pk)).after["people"] == people
    assert {load.after["density"] for load in loads} == {"realistic"}  # the default
    # A demo user acts; resetting must keep both the user and the event.
    admin = User.objects.get(username="admin")
    with transaction.atomic():
        event = audit.record(actor=admin, action="demo.try", obj=hospital())

    demo("--reset", "--seed", "7", "--scale", "2")
    assert digest(hospital()) == first  # the scale does not change the first hospital
    second = hospital("示例市第二人民医院")
    assert digest(second) != first
    assert Person.objects.filter(organisation=second).count() == 1500
    assert AuditEvent.objects.get(pk=event.pk).actor_id == admin.pk
    assert User.objects.filter(username__in=USERNAMES).count() == len(USERNAMES)
    assert AuditEvent.objects.filter(action="demo.reset").count() == 1
    assert audit.verify().ok

    demo("--reset", "--seed", "8", "--register-only")  # another seed: its register suffices
    assert digest(hospital()) != first
    assert not Organisation.objects.filter(name="示例市第二人民医院").exists()
    # the commission and one hospital: a register-only load has no small second unit
    assert Organisation.objects.filter(Q(code__startswith="SL-")).count() == 2
    assert audit.verify().ok


def test_the_demo_publishes_the_first_hospitals_public_records(demo_once, client):
    """The integrity office published the power catalogue and the filed risk points; the
    public pages show them without login."""
    from lianfang.core.models import Publication

    published = set(Publication.objects.values_list("organisation_id", flat=True))
    assert published == {hospital().pk}
    for module, column in (("org", "power_catalogue"), ("risks", "risk_points")):
        page = client.get(f"/public/{hospital().pk}/{module}/{column}/")
        assert page.status_code == 200
        assert page.content.decode().count("<tr>") > 10


def test_the_commission_has_reports_from_two_hospitals(demo_once, client):
    """A small second unit (示例市妇幼保健院) beside the first hospital, and the two hospitals'
    reports: one submitted on the server, one imported from its exchange file."""
    assert "fy_integrity" in demo_once
    small = Organisation.objects.get(code="SL-FY01")
    assert small.parent.code == "SL-WJW"
    assert 5 <= Department.objects.filter(organisation=small).count() <= 8
    assert 90 <= Person.objects.filter(organisation=small).count() <= 110
    assert RiskPoint.objects.filter(organisation=small, status=RiskPoint.Status.FILED).exists()
    closed = Campaign.objects.get(organisation=small)
    assert closed.state == Campaign.State.CLOSED
    assert closed.summary["points"] > 0 and closed.summary["not_reconfirmed"] == 0

    submitted = Report.objects.get(organisation__code="SL-H01")
    imported = Report.objects.get(organisation=small)
    assert submitted.method == Report.Method.SUBMITTED and submitted.campaign is not None
    assert imported.method == Report.Method.IMPORTED and imported.key_fingerprint
    assert imported.figures["campaign_state"] == "closed"

    client.force_login(User.objects.get(username="wjw"))
    page = client.get(reverse("exchange:received")).content.decode()
    assert "示例市人民医院" in page and "示例市妇幼保健院" in page
    assert "2 / 2 个单位已上报" in page
