"""The scope matrix: every URL of the platform, for every role, inside and outside its scope.

HOW TO DECLARE A NEW URL
    Every named URL pattern (pages and /api/) must have one entry in DECLARED below, or
    `test_every_url_is_declared` fails. An entry, `Url(name, roles, ...)`, says:
      - `roles`: who may use the view, exactly as its `@role_required(...)` / `access_roles`
        declares it (`test_declared_roles_match_the_views` compares them);
      - `obj`: the kind of object the URL (or its form) names: a key of tests/scope_world.PAIRS
        or of EXTRA_PAIRS below, which give for each role one object inside its scope and one
        outside; `kwargs` turns the object into the URL's arguments (default `{"pk": obj.pk}`);
      - `ok`: what a role that may use it gets in scope (default 200); `get`: the answers that
        differ from the rule, per role, as {role: (in scope, out of scope)};
      - lists and exports: `shows=(kind, link URL name or None for a file, kwargs or text,
        roles that have one in scope)`: the in-scope object is listed, the out-of-scope one not;
      - writes: `data(sw, target, role)`, a form that works for `target` (the in- or
        out-of-scope object), and the answers `post_ok` (default 302), `post_out` (default
        404; a create form refusing another organisation answers 200 or 400), `post` (per role:
        (status, whether it writes)); `write_roles` where the API writes for fewer roles.
    The rule the answers default to: anonymous → the sign-in page (the API: 403); a role the
    view does not admit → 403; an object outside the role's scope → 404; a POST-only view
    answers GET with 405. A request refused before any object is read (anonymous, a role the
    view does not admit, GET on a POST-only view) is made once, in scope: out of scope it
    would be the same request.

Each (URL × role × case) is its own test, e.g. `test_get[risks:point_edit-staff-out]` or
`test_post[org:person_edit-leader-in]`. Every page a role may open must not link it to an
object outside its scope (VISIBLE in tests/scope_world.py). A write a role may not make must
answer 403/404 (or its form's refusal) and leave the database as it was; the write a role may
make is made too, so the refusals are tested with data that would have worked. Scoping bugs
found and not yet fixed are listed in KNOWN_BUGS (strict xfail).

The world (tests/scope_world.py) is built once for the module; each test runs in a savepoint.
"""

import datetime as dt
import functools
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.client import ClientHandler
from django.urls import URLResolver, get_resolver, path, reverse
from django.urls.resolvers import RegexPattern
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from lianfang.accounts.models import RoleGrant, User
from lianfang.assessments.models import Assessment, Notice, Rectification
from lianfang.core.access import role_required
from lianfang.core.models import (
    AuditEvent,
    Column,
    Job,
    Module,
    ModuleSetting,
    Notification,
    NotificationChoice,
    NotificationSettings,
    Warning,
    WorkdayOverride,
    WorkdayYear,
)
from lianfang.core.navigation import always_on_codes
from lianfang.core.roles import PLATFORM_ADMIN, Role
from lianfang.flows import services as flow_services
from lianfang.org import power_io, roster
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
from lianfang.reviews.models import ChainSetting, Decision, Submission
from lianfang.risks import register_io, services
from lianfang.risks.models import (
    GenericPhrase,
    GradingScheme,
    Measure,
    RiskPoint,
    RiskPointEvent,
)
from tests.factories import PASSWORD, make_attachment
from tests.scope_world import (
    CONFIRMABLE_YEAR,
    HOLDS,
    JOB_CONTENT,
    PAIRS,
    ROLES,
    SIGNED_IN,
    VISIBLE,
    labelled,
    module_world,
    write_job_files,
)
from tests.test_url_permissions import access_of, walk

pytestmark = pytest.mark.django_db

READ = frozenset(Role.ALL)
MANAGE = frozenset({Role.ADMIN, Role.INTEGRITY})
ADMIN = frozenset({Role.ADMIN})
INTEGRITY = frozenset({Role.INTEGRITY})
# 三员分立: the audit log is read by the integrity office and the audit reviewer; accounts are
# kept by the system administrator, their roles granted by the security administrator.
AUDIT_READERS = frozenset(Role.AUDIT_READERS)
SECURITY = frozenset({Role.SECURITY})
FLOW_MONITORS = frozenset({Role.INTEGRITY, Role.LEADER})  # 防控运行监控
SAT_READERS = frozenset({Role.ADMIN, Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD})
SAT_PRINTERS = frozenset({Role.ADMIN, Role.INTEGRITY, Role.DEPT_HEAD})
SAT_ISSUERS = frozenset({Role.ADMIN, Role.INTEGRITY, Role.STAFF})
ACCOUNT_PAGES = frozenset({Role.ADMIN, Role.SECURITY})
PUBLIC = frozenset({"public"})
PLATFORM = frozenset({PLATFORM_ADMIN})
EVERYONE = READ | PLATFORM  # one's own account pages and the home page
KEEPERS = MANAGE | PLATFORM  # of the generic phrases: organisations' and global ones
CALENDAR_KEEPERS = ADMIN | PLATFORM  # of the working-day calendar

LOGIN = "login"  # a redirect to the sign-in page
NEW_PASSWORD = "Matrix-pass-2026!"


def by_pk(obj):
    return {"pk": obj.pk}


def by_org_pk(obj):
    return {"org_pk": obj.pk}


@dataclass(frozen=True)
class Url:
    name: str
    roles: frozenset
    obj: str | None = None
    kwargs: Callable | None = None
    api: bool = False
    ok: int | str = 200
    get: dict = field(default_factory=dict)
    post_only: bool = False
    # lists and exports: (kind, link URL name or None for a text export, kwargs of the link,
    # the roles that have an object of the kind in scope to look for)
    shows: tuple | None = None
    # writes
    data: Callable | None = None
    method: str = "post"
    write_roles: frozenset | None = None  # default: `roles`
    post_ok: int = 302
    post_out: int = 404
    post: dict = field(default_factory=dict)  # role -> (status in scope, writes)
    writes: bool = True  # whether the permitted write changes anything
    audited: bool = True
    unscoped: bool = False  # one object for everyone: no out-of-scope case
    prepare: Callable | None = None


def a_complaint(org):
    """A report filed on `org`'s public page (the matrix's world has none of its own)."""
    from lianfang.complaints import services
    from lianfang.complaints.models import Complaint

    found = Complaint.objects.filter(organisation=org).first()
    if found is None:
        found, _code = services.complaint_file(
            actor=None,
            organisation=org,
            data={"category": "other", "anonymous": True, "content": "矩阵"},
        )
    return found


def a_commitment(person):
    """`person`'s commitment of this year (the matrix's world has none of its own)."""
    from lianfang.commitments.models import Commitment

    found, _created = Commitment.objects.get_or_create(
        key=f"matrix:{person.pk}",
        defaults={
            "organisation_id": person.organisation_id,
            "kind": Commitment.Kind.PERSONAL,
            "year": timezone.localdate().year,
            "person": person,
            "department_id": person.department_id,
            "content": {"points": [], "items": [{"title": "廉洁自律", "text": "矩阵"}]},
        },
    )
    return found


def by_commitment(person):
    return {"pk": a_commitment(person).pk}


COMMITMENT_REVIEWERS = frozenset({Role.LEADER, Role.INTEGRITY})


# Every signed-in role that may open a report's page gets 404 for every report.
NO_REPORT_READER = {
    role: (404, 404) for role in ("admin", "integrity", "leader", "dept_head", "staff", "outsider")
}


# Form data ------------------------------------------------------------------------------------


def satisfaction_ready(sw):
    """The hospitals' questionnaires, and no answers counted yet against the page's rate limit."""
    from django.core.cache import cache

    from lianfang.satisfaction.questionnaires import questionnaire_import

    for org in (sw["hospital"], sw["other_hospital"]):
        questionnaire_import(actor=None, organisation=org)
    cache.clear()


def catalogue_column(org):
    return {"org_pk": org.pk, "module": "org", "column": "power_catalogue"}


def word_template_upload():
    """The positioning table's default template, uploaded as an organisation's own."""
    from lianfang.core import word

    content = word.form_of("risks.positioning").default.read_bytes()
    return SimpleUploadedFile("模板.docx", content, content_type="application/octet-stream")


def module_settings_form():
    """An organisation's modules: the first switchable one off, the others following."""
    codes = [m.code for m in Module.objects.exclude(code__in=always_on_codes()).order_by("order")]
    return {code: "inherit" for code in codes} | {codes[0]: "off"}


def model_data(obj, fields, **changes):
    """A form's POST data from an object's fields (FKs by pk, flags as checkboxes)."""
    data = {}
    for name in fields:
        value = getattr(obj, f"{name}_id", None) if _is_fk(obj, name) else getattr(obj, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _is_fk(obj, name):
    try:
        return obj._meta.get_field(name).is_relation
    except Exception:  # noqa: BLE001 - a form field that is no model field
        return False


def _org_objects(sw, org):
    """The department, post, person and power of `org` a form refers to."""
    if org.pk == sw["hospital"].pk:
        return sw["cardiology"], sw["doctor_post"], sw["staff_person"], sw["prescribing"]
    return sw["surgery_b"], sw["other_post"], sw["other_person"], sw["other_power"]


def point_form(sw, point, role, **changes):
    data = {
        "subject": point.subject,
        "department": point.department_id or "",
        "post": point.post_id or "",
        "power": point.power_id,
        "step": point.step_id or "",
        "category": point.category,
        "name": point.name + "（修订）",
        "manifestation": point.manifestation,
        "likelihood": point.likelihood or "",
        "harm": point.harm or "",
        "source": point.source,
        "reason": "",
    }
    data.update(changes)
    return data


def new_point_form(sw, post, role):
    power = sw["prescribing"] if post.organisation_id == sw["hospital"].pk else sw["other_power"]
    return {
        "subject": "post",
        "post": post.pk,
        "power": power.pk,
        "step": "",
        "category": "post_duty",
        "name": "矩阵新增风险点",
        "manifestation": "岗位人员在办理业务时为特定对象违规开绿灯并收受好处",
        "likelihood": "2",
        "harm": "2",
        "source": "self",
        "reason": "",
    }


# The owner a role gives a new measure: someone of the point's organisation it can see.
MEASURE_OWNER = {
    "admin": "staff_person",
    "integrity": "staff_person",
    "leader": "buyer",
    "dept_head": "head_person",
    "staff": "staff_person",
    "outsider": "other_person",
    "nobody": "staff_person",
    "anonymous": "staff_person",
    "platform": "staff_person",
}


def measure_form(sw, measure, role):
    owner = "department" if measure.owner_department_id else "person"
    return {
        "text": measure.text + "（修订）",
        "owner_kind": owner,
        "owner_person": measure.owner_person_id or "",
        "owner_department": measure.owner_department_id or "",
        "due": "",
        "status": measure.status,
    }


def scheme_form(scheme):
    size = scheme.matrix_size
    data = {
        "name": scheme.name + "（修订）",
        "method": scheme.method,
        "matrix_size": size,
    }
    for r in range(1, size + 1):
        for c in range(1, size + 1):
            data[f"grid_{r}_{c}"] = str(scheme.grid[r - 1][c - 1])
    for key, level in scheme.matter_levels.items():
        data[f"matter_{key}"] = str(level)
    for matched, level in scheme.criteria_levels:
        data[f"criteria_{matched}"] = str(level)
    for level, roles in scheme.monitors.items():
        data[f"monitors_{level}"] = roles
    for level, days in scheme.review_days.items():
        data[f"review_{level}"] = str(days)
    return data


def xlsx_upload(content: bytes, name="matrix.xlsx"):
    return SimpleUploadedFile(
        name,
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def renamed_in_workbook(content: bytes, header: str, suffix: str) -> bytes:
    """`content` with the first data row's `header` cell renamed: an import that updates
    (the header is the first row that has it: the register's is under a title)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    row = next(r for r in range(1, 11) if header in [cell.value for cell in sheet[r]])
    headers = [cell.value for cell in sheet[row]]
    cell = sheet.cell(row=row + 1, column=headers.index(header) + 1)
    cell.value = f"{cell.value}{suffix}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_file(sw, org, role):
    people = Person.objects.filter(organisation=org)
    content = renamed_in_workbook(roster.export_people(people), "姓名", "（更名）")
    return {"organisation": org.pk, "file": xlsx_upload(content)}


def power_file(sw, org, role):
    powers = Power.objects.filter(organisation=org)
    content = renamed_in_workbook(power_io.export_powers(powers), "权力名称", "（更名）")
    return {"organisation": org.pk, "file": xlsx_upload(content)}


def register_file(sw, org, role):
    points = RiskPoint.objects.filter(organisation=org).exclude(status=RiskPoint.Status.RETIRED)
    content = b"".join(register_io.export_register(points))
    content = renamed_in_workbook(content, "风险点（名称）", "（更名）")
    return {"organisation": org.pk, "file": xlsx_upload(content)}


def png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def give_photos(sw):
    from lianfang.core.attachments import attachment_save

    for key in ("staff_person", "colleague", "buyer", "other_person"):
        person = sw[key]
        upload = ContentFile(png(), name=f"{key}.png")
        person.photo = attachment_save(actor=None, use="person_photo", target=person, upload=upload)
        person.save(update_fields=["photo"])


def open_reviews(sw):
    """Submissions waiting in the review chain, one at each level, for the decisions' URLs.

    The hospital's chain has every level. 张医生's draft waits for the head of 心内科; the
    head's own point passed over the head (their own) and the leader (none for 心内科), was
    returned by the integrity office and sent again unchanged (batch-approvable there); the
    采购员 point waits for the leader in charge of 采购中心 (the department has no head's
    account); the outsider's draft waits for the commission's integrity office."""
    ChainSetting.objects.create(
        organisation=sw["hospital"], department_head=True, leader_in_charge=True
    )
    staff, head, office = sw.users["staff"], sw.users["dept_head"], sw.users["integrity"]
    services.risk_point_submit(actor=staff, risk_point=sw["point_staff_draft"])
    services.risk_point_submit(actor=head, risk_point=sw["point_head"])
    services.risk_point_return(actor=office, risk_point=sw["point_head"], reason="矩阵退回")
    services.risk_point_submit(actor=head, risk_point=sw["point_head"])
    buyer = sw["point_buyer"]
    RiskPoint.objects.filter(pk=buyer.pk).update(step=buyer.power.steps.first())
    services.risk_point_submit(actor=sw.users["admin"], risk_point=buyer)
    services.risk_point_submit(actor=sw.users["outsider"], risk_point=sw["point_other"])


def campaigns_ready(sw):
    """A draft campaign in each hospital (`campaign_hospital`, `campaign_other`)."""
    from lianfang.campaigns import services as campaign_services

    for key, org in (("campaign_hospital", "hospital"), ("campaign_other", "other_hospital")):
        sw.objects[key] = campaign_services.campaign_create(
            actor=None, organisation=sw[org], data=campaign_data(name=f"矩阵排查{key}")
        )


def campaign_data(**changes):
    day = dt.date(2026, 3, 1)
    phases = {}
    for i, phase in enumerate(("mobilise", "find", "file", "measures", "inspect")):
        phases[phase] = (day + dt.timedelta(days=20 * i), day + dt.timedelta(days=20 * i + 19))
    return {"name": "矩阵排查", "year": 2026, "scope": "whole", "phases": phases, **changes}


def campaign_form(sw, target, role, organisation=None):
    data = campaign_data()
    form = {
        "organisation": (organisation or target).pk,
        "name": "矩阵排查（表单）",
        "year": 2026,
        "scope": "whole",
        "leaders_after_departments": "on",
    }
    for phase, (start, end) in data["phases"].items():
        form[f"phase_{phase}_start"] = start.isoformat()
        form[f"phase_{phase}_end"] = end.isoformat()
    return form


NOT_STAFF = ("admin", "integrity", "leader", "dept_head", "outsider")


def keep_carried(task) -> dict:
    """The filing screen's submission keeping the task's carried-over point."""
    key = f"c{task.points.get().pk}"
    return {"row": key, f"{key}-action": "keep"}


def campaign_points(sw):
    """An open campaign of the hospital: 张医生's and 赵医生's tasks (`task_staff`,
    `task_colleague`) carry 主治医师's filed point (`cp_staff`, `cp_colleague`)."""
    from lianfang.campaigns import services as campaign_services
    from lianfang.campaigns.models import CampaignPoint

    if (
        "cp_staff" in sw.objects
        and CampaignPoint.objects.filter(pk=sw.objects["cp_staff"].pk).exists()
    ):
        return  # prepared already (a declaration naming both kinds)
    campaign = campaign_services.campaign_create(
        actor=None, organisation=sw["hospital"], data=campaign_data(name="矩阵排查（进行中）")
    )
    campaign_services.campaign_open(actor=None, campaign=campaign)
    for key, person in (("cp_staff", "staff_person"), ("cp_colleague", "colleague")):
        sw.objects[key] = CampaignPoint.objects.get(
            task__campaign=campaign, task__person=sw[person], risk_point=sw["point_doctor"]
        )
        sw.objects[key.replace("cp_", "task_")] = sw.objects[key].task


def upward_ready(sw):
    """A leader's filing open to the staff's comments in each hospital, made as the listener
    leaves it: `upward_hospital` (王副院长's, asking 心内科: 李主任 and 张医生 may comment) and
    `upward_other` (the other hospital's leader, asking 普外科: the outsider may)."""
    from django.contrib.contenttypes.models import ContentType

    from lianfang.campaigns import services as campaign_services
    from lianfang.campaigns.models import UpwardReview

    now = timezone.now()
    for key, org, point, leader, department in (
        ("upward_hospital", "hospital", "point_doctor", "leader_person", "cardiology"),
        ("upward_other", "other_hospital", "point_other_filed", "other_head", "surgery_b"),
    ):
        campaign = campaign_services.campaign_create(
            actor=None, organisation=sw[org], data=campaign_data(name=f"矩阵排查{key}")
        )
        submission = Submission.objects.create(
            content_type=ContentType.objects.get_for_model(RiskPoint),
            object_id=sw[point].pk,
            organisation=sw[org],
            kind=Submission.Kind.CHANGE,
            level="integrity_office",
            submitted_at=now,
        )
        review = UpwardReview.objects.create(
            campaign=campaign,
            risk_point=sw[point],
            submission=submission,
            leader=sw[leader],
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=5),
        )
        review.departments.set([sw[department]])
        sw.objects[key] = review


def upward_comment_form(sw, target, role):
    return {"text": "矩阵意见", "anonymous": "on"}


# A flow whose one task waits for its applicant: each role starts one (`open_flows`), so
# the task in its scope is its own and the one outside is another organisation's.
MATRIX_FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:lianfang="http://lianfang.org/schema/bpmn/1" id="d" targetNamespace="http://x">
<bpmn:process id="matrix_flow" name="矩阵流程" isExecutable="true">
<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="check"/>
<bpmn:userTask id="check" name="确认" lianfang:handler="applicant"/>
<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="e"/><bpmn:endEvent id="e"/>
</bpmn:process></bpmn:definitions>"""
FLOW_STARTERS = ("admin", "integrity", "leader", "dept_head", "staff", "outsider")


def open_flows(sw):
    """An instance of the matrix flow started by each role with an organisation, its task
    waiting for that role (`flow_<role>`, `flow_task_<role>`)."""
    versions = {
        key: flow_services.definition_publish(
            actor=None, organisation=sw[key], code="matrix_flow", bpmn=MATRIX_FLOW
        )
        for key in ("hospital", "other_hospital")
    }
    for role in FLOW_STARTERS:
        version = versions["other_hospital" if role == "outsider" else "hospital"]
        instance = flow_services.instance_start(actor=sw.users[role], version=version, data={})
        sw.objects[f"flow_{role}"] = instance
        sw.objects[f"flow_task_{role}"] = instance.tasks.get()


def _flow_pairs(prefix):
    table = {role: (f"{prefix}staff", f"{prefix}outsider") for role in ROLES}
    table.update({role: (f"{prefix}{role}", f"{prefix}outsider") for role in FLOW_STARTERS})
    table["outsider"] = (f"{prefix}outsider", f"{prefix}staff")
    return table


def change_form(sw, point, role):
    return point_form(sw, point, role, reason="矩阵变更：补充表现形式")


def add_flows(sw):
    """The matrix flow published in each hospital (`flow_hospital`, `flow_other`), for the
    pages that name a definition; `open_flows` publishes the same content again: no new
    version."""
    for key, org in (("flow_hospital", "hospital"), ("flow_other", "other_hospital")):
        sw.objects[key] = flow_services.definition_publish(
            actor=None, organisation=sw[org], code="matrix_flow", bpmn=MATRIX_FLOW
        ).definition


def flow_comment(sw, task, role):
    return {"action": "comment", "reason": "矩阵意见"}


def open_delegations(sw):
    """A delegation set by each role with an organisation (`delegation_<role>`), to the
    account of no role (so no other role is its delegate)."""
    from lianfang.flows.delegations import Delegation

    today = dt.date.today()
    for role in FLOW_STARTERS:
        sw.objects[f"delegation_{role}"] = Delegation.objects.create(
            organisation=sw["other_hospital" if role == "outsider" else "hospital"],
            delegator=sw.users[role],
            delegate=sw.users["nobody"],
            start=today,
            end=today + dt.timedelta(days=3),
            reason="矩阵休假",
            created_by=sw.users[role],
        )


def delegation_end_form(sw, delegation, role):
    return {"reason": "矩阵结束"}


# Assessments (廉政评估) -------------------------------------------------------------------------
ASSESSMENT_OFFICE = frozenset({Role.INTEGRITY})
ASSESSMENT_WATCHERS = frozenset({Role.INTEGRITY, Role.LEADER})
ASSESSMENT_READERS = frozenset({Role.INTEGRITY, Role.LEADER, Role.DEPT_HEAD, Role.STAFF})
# the assessment of the staff member is in their scope but theirs alone to sign and rectify
NOT_ASSESSED = {role: (403, False) for role in ("integrity", "leader", "dept_head")}
NOT_ASSESSED_GET = {role: (403, 404) for role in ("integrity", "leader", "dept_head")}


def exchange_reports(sw):
    """What each hospital submitted to the commission (`report_hospital`, `report_other`)."""
    from lianfang.exchange import selectors as exchange_selectors
    from lianfang.exchange.models import Report

    for key, org in (("report_hospital", "hospital"), ("report_other", "other_hospital")):
        documents = exchange_selectors.payload_of(sw[org], year=2026, campaign=None)
        sw.objects[key] = Report.objects.create(
            organisation=sw[org],
            receiver=sw[org].parent,
            year=2026,
            payload=documents,
            figures=exchange_selectors.figures_of(documents),
            content_sha256=key,
            method=Report.Method.SUBMITTED,
        )


def open_assessments(sw):
    """In each hospital: an issued 亮牌 on its staff member (`assessment_staff`,
    `assessment_other`), a draft (`assessment_draft…`) and one whose rectification waits for
    the office (`assessment_submitted…`)."""
    from lianfang.assessments import services as assessments
    from lianfang.core.models import WarningLevel

    WorkdayYear.objects.get_or_create(
        organisation=None,
        year=timezone.localdate().year + 1,
        defaults={"confirmed_at": timezone.now()},
    )
    data = {
        "grounds": "矩阵依据",
        "measures": ["rectify"],
        "requirements": "矩阵整改要求",
    }
    for suffix, org, person, office, party in (
        ("staff", "hospital", "staff_person", "integrity", "staff"),
        ("other", "other_hospital", "other_person", "commission_integrity", "outsider"),
    ):

        def make(level, org=org, person=person, office=office):
            return assessments.assessment_create(
                actor=sw.users[office],
                organisation=sw[org],
                person=sw[person],
                data={**data, "level": level},
                findings=["矩阵审计发现"],
            )

        issued = make(WarningLevel.CARD)
        assessments.assessment_issue(actor=sw.users[office], assessment=issued)
        sw.objects[f"assessment_{suffix}"] = issued
        draft_key = "assessment_draft" + ("" if suffix == "staff" else "_other")
        sw.objects[draft_key] = make(WarningLevel.NOTICE)
        submitted = make(WarningLevel.NOTICE)
        assessments.assessment_issue(actor=sw.users[office], assessment=submitted)
        assessments.rectification_submit(
            actor=sw.users[party],
            assessment=submitted,
            data={
                "cause": "矩阵原因",
                "measures": [{"text": "矩阵措施", "owner": sw[person], "due": dt.date(2030, 1, 1)}],
            },
        )
        sw.objects["assessment_submitted" + ("" if suffix == "staff" else "_other")] = submitted


def rectification_form(sw, assessment, role):
    return {"cause": "矩阵原因分析", "m1_text": "矩阵整改措施", "m1_person": assessment.person_id,
            "m1_due": "2030-01-01"}  # fmt: skip


def return_form(sw, assessment, role):
    return {"reason": "矩阵退回"}


def no_form(sw, target, role):
    return {}


# The declarations -----------------------------------------------------------------------------
# Roles a view's answer differs for, in scope: (in, out). Writes: (status, writes).
STAFF_FORBIDDEN = {r: (403, 404) for r in ("leader", "dept_head", "staff", "outsider")}
POSITIONING = {"staff": (404, 404), "outsider": (404, 404)}

OWNERS = ("dept_head", "staff", "outsider")  # roles that act on drafts of their own
# The review chain: who is not the reviewer of the submission in their scope (the integrity
# office, the head and the leader each decide one; the staff member and the outsider
# submitted theirs; administrators review nothing).
NOT_DECIDING = ("admin", "staff", "outsider")
NOT_OFFICE = ("admin", "leader", "dept_head", "staff", "outsider")

# Content (院务公开): each hospital's news column is written by its staff; the integrity office
# reviews; the public reads what is published.
MATRIX_COLUMN = "matrix-news"
CONTENT_WRITERS = READ
CONTENT_EDITORS = ("leader", "dept_head", "staff", "outsider")  # staff of a hospital


def content_world(sw):
    """A news column in each hospital's open site (editors: its staff) with a draft holding
    a file, a submitted article and a published one holding a file and an image."""
    from lianfang.content import services as content
    from lianfang.content.models import Article
    from lianfang.portal.models import PortalColumn, PortalSite

    for org_key, editor in (("hospital", "staff"), ("other_hospital", "outsider")):
        PortalSite.objects.update_or_create(organisation=sw[org_key], defaults={"enabled": True})
        column = PortalColumn.objects.create(
            organisation=sw[org_key],
            code=MATRIX_COLUMN,
            name="矩阵新闻",
            kind="news",
            editor_roles=[Role.STAFF],
        )
        user = sw.users[editor]

        def write(title, column=column, user=user):
            return content.article_create(actor=user, column=column, data={"title": title})

        make_attachment(write("矩阵草稿"), "article_file", "草稿.pdf")
        content.article_submit(actor=user, article=write("矩阵待审"))
        published = write("矩阵已发布")
        Article.objects.filter(pk=published.pk).update(
            status=Article.Status.PUBLISHED, published_on=timezone.localdate()
        )
        make_attachment(published, "article_file", "附件.pdf")
        make_attachment(published, "article_file", "图片.png", png())


def matrix_article(org, title):
    from lianfang.content.models import Article

    return Article.objects.get(organisation=org, title=title)


def matrix_file(org, title, mime):
    """The URL arguments of a file of the article `title` of `org`."""
    from lianfang.core.attachments import attachments_of

    article = matrix_article(org, title)
    return {"pk": article.pk, "file_pk": attachments_of(article).get(mime_type=mime).pk}


def public_file(mime):
    return lambda org: {"org_code": org.code, **matrix_file(org, "矩阵已发布", mime)}


def by_article(title):
    return lambda org: {"pk": matrix_article(org, title).pk}


def by_org_code(org):
    return {"org_code": org.code}


def matrix_column(sw, role):
    from lianfang.portal.models import PortalColumn

    org = sw["other_hospital" if role == "outsider" else "hospital"]
    return PortalColumn.objects.get(organisation=org, code=MATRIX_COLUMN)


def public_url(name, kwargs=by_org_code, status=200):
    return Url(
        name,
        PUBLIC,
        obj="organisation",
        kwargs=kwargs,
        unscoped=True,  # public
        get={role: (status, status) for role in ROLES},
        prepare=content_world,
    )


NOT_EDITORS = {"admin": (404, 404), "integrity": (403, 404)}  # admin sees no article


DECLARED = [
    # the home dashboard; core: audit log, maintenance, jobs
    # The platform administrator of no organisation is sent on to the platform settings.
    Url("dashboard:home", EVERYONE, get={"platform": (302, 302)}),
    Url(
        "core:audit_list",
        AUDIT_READERS,
        shows=("audit_event", "core:audit_detail", by_pk, {"integrity"}),
    ),
    Url("core:audit_detail", AUDIT_READERS, obj="audit_event"),
    # Warnings (预警): the integrity office, for its subtree; it moves them along.
    Url(
        "core:warning_list",
        INTEGRITY,
        shows=("warning", "core:warning_detail", by_pk, {"integrity"}),
    ),
    Url("core:warning_detail", INTEGRITY, obj="warning"),
    Url(
        "core:warning_transition",
        INTEGRITY,
        obj="warning",
        post_only=True,
        data=lambda sw, t, r: {"to": "checking"},
    ),
    Url(
        "core:audit_verify",
        AUDIT_READERS,
        post_only=True,
        data=lambda sw, t, r: {},  # it checks the chain and records the check (audit.verify)
    ),
    # The platform-wide switch and the shared columns: the platform administrator's only.
    Url("core:module_list", PLATFORM),
    Url(
        "core:module_toggle",
        PLATFORM,
        obj="module",
        unscoped=True,  # modules are switched for the whole platform
        get={role: (405, 405) for role in ROLES},  # require_POST is the outer decorator
        data=lambda sw, t, r: {"enabled": "0"},
    ),
    Url(
        "core:column_edit",
        PLATFORM,
        obj="column",
        unscoped=True,
        data=lambda sw, t, r: (
            model_data(t, ("title", "title_en", "visible", "public", "order"))
            | {"title": t.title + "（修订）"}
        ),
    ),
    # Each organisation's modules: its administrators' and those above them.
    Url(
        "core:organisation_modules",
        ADMIN,
        shows=("organisation", "core:organisation_module_edit", by_org_pk, {"admin"}),
    ),
    Url(
        "core:organisation_module_edit",
        ADMIN,
        obj="organisation",
        kwargs=by_org_pk,
        data=lambda sw, t, r: module_settings_form(),
    ),
    # Each organisation's settings: administrators and the integrity office (the roles the
    # declared settings name as keepers), of the organisation or above it.
    Url(
        "core:org_settings",
        MANAGE,
        shows=("organisation", "core:org_settings_edit", by_org_pk, {"admin", "integrity"}),
    ),
    Url(
        "core:org_settings_edit",
        MANAGE,
        obj="organisation",
        kwargs=by_org_pk,
        data=lambda sw, t, r: {"dashboard__due_soon_days": "21", "risks__min_evidence_chars": ""},
    ),
    # Publications (core.publications): the integrity office publishes its subtrees' public
    # records; anyone reads the public pages.
    Url(
        "core:publication_index",
        INTEGRITY,
        shows=("organisation", "core:publication_column", catalogue_column, {"integrity"}),
    ),
    Url(
        "core:publication_column",
        INTEGRITY,
        obj="organisation",
        kwargs=catalogue_column,
        data=lambda sw, t, r: {},
    ),
    Url(
        "core:publication_withdraw",
        INTEGRITY,
        obj="publication",
        post_only=True,
        data=lambda sw, t, r: {"reason": "矩阵撤回"},
        get={role: (405, 405) for role in ROLES},  # require_POST is the outer decorator
    ),
    Url(
        "core:public_column",
        PUBLIC,
        obj="organisation",
        kwargs=catalogue_column,
        unscoped=True,  # public, but not while the site is closed (none is open here)
        get={role: (404, 404) for role in ROLES},
    ),
    # The disclosure portal: administrators keep their organisations' sites and columns, the
    # integrity office reads what is not public yet; the public pages answer 404 while the
    # organisation has no open site (none in this world: tests/portal crawls an open one).
    Url(
        "portal:manage_sites",
        ADMIN,
        shows=("organisation", "portal:manage_site", by_org_pk, {"admin"}),
    ),
    Url(
        "portal:manage_site",
        ADMIN,
        obj="organisation",
        kwargs=by_org_pk,
        data=lambda sw, t, r: {"action": "site", "site-title": "矩阵门户"},
    ),
    Url("portal:completeness_index", INTEGRITY, ok=302),
    Url(
        "portal:completeness",
        INTEGRITY,
        obj="organisation",
        kwargs=by_org_pk,
    ),
    Url("portal:index", PUBLIC, ok=200, get={"anonymous": (200, 200)}),
    Url(
        "portal:home",
        PUBLIC,
        obj="organisation",
        kwargs=lambda org: {"code": org.code},
        unscoped=True,
        get={role: (404, 404) for role in ROLES},
    ),
    Url(
        "portal:column",
        PUBLIC,
        obj="organisation",
        kwargs=lambda org: {"code": org.code, "column": "catalogue"},
        unscoped=True,
        get={role: (404, 404) for role in ROLES},
    ),
    Url(
        "portal:item",
        PUBLIC,
        obj="organisation",
        kwargs=lambda org: {"code": org.code, "column": "catalogue", "item": 1},
        unscoped=True,
        get={role: (404, 404) for role in ROLES},
    ),
    Url(
        "portal:leader_photo",
        PUBLIC,
        obj="organisation",
        kwargs=lambda org: {"code": org.code, "pk": 1},
        unscoped=True,
        get={role: (404, 404) for role in ROLES},
    ),
    # Word templates (core.word): an organisation's administrators replace them for their
    # subtrees.
    Url(
        "core:word_templates",
        ADMIN,
        shows=("organisation", "core:word_template_edit", by_org_pk, {"admin"}),
    ),
    Url(
        "core:word_template_edit",
        ADMIN,
        obj="organisation",
        kwargs=by_org_pk,
        data=lambda sw, t, r: {"form": "risks.positioning", "file": word_template_upload()},
    ),
    Url(
        "core:word_template_default",
        ADMIN,
        obj="organisation",
        kwargs=lambda o: {"code": "risks.positioning"},
        unscoped=True,  # the default templates are the platform's
    ),
    # The working-day calendar: each organisation's administrators keep their subtrees'
    # overrides and confirmed years, the platform administrator the platform's (who may add
    # none to an organisation: the form refuses it).
    Url(
        "core:workday_calendar",
        CALENDAR_KEEPERS,
        obj="organisation",
        shows=(
            "workday_override",
            "core:workday_override_edit",
            by_pk,
            {"admin", "platform"},
        ),
        data=lambda sw, t, r: {
            "organisation": t.pk,
            "date": f"{timezone.localdate().year}-06-02",
            "kind": "holiday",
            "name": "矩阵调整",
        },
        post_out=200,
        post={"platform": (200, False)},
    ),
    Url(
        "core:workday_override_edit",
        CALENDAR_KEEPERS,
        obj="workday_override",
        data=lambda sw, t, r: {
            "date": t.date.isoformat(),
            "kind": t.kind,
            "name": t.name + "（修订）",
        },
    ),
    Url(
        "core:workday_override_delete",
        CALENDAR_KEEPERS,
        obj="workday_override",
        post_only=True,
        data=lambda sw, t, r: {},
    ),
    Url(
        "core:workday_year_confirm",
        CALENDAR_KEEPERS,
        obj="organisation",
        post_only=True,
        data=lambda sw, t, r: {"organisation": t.pk, "year": CONFIRMABLE_YEAR},
        post_out=302,  # refused with a message, back to the calendar
        post={"platform": (302, False)},
    ),
    Url(
        "core:workday_year_withdraw",
        CALENDAR_KEEPERS,
        obj="workday_year",
        post_only=True,
        data=lambda sw, t, r: {},
    ),
    Url("core:job_list", READ, shows=("job", "core:job_detail", by_pk, set(ROLES))),
    Url("core:job_detail", READ, obj="job"),
    Url("core:job_download", READ, obj="job", prepare=write_job_files),
    Url("core:attachment_download", READ, obj="attachment"),
    # Notifications: each account reads its own inbox and no other; the deliveries are the
    # administrators' (their organisations') and the platform administrator's.
    Url(
        "core:inbox",
        EVERYONE,
        shows=("notification", "core:notification_read", by_pk, set(SIGNED_IN)),
    ),
    Url("core:notification_open", EVERYONE, obj="notification", ok=302),
    Url(
        "core:notification_read",
        EVERYONE,
        obj="notification",
        post_only=True,
        data=lambda sw, t, r: {},
        audited=False,  # the reader's own state, like a mail client's
    ),
    Url(
        "core:notification_read_all",
        EVERYONE,
        post_only=True,
        data=lambda sw, t, r: {},
        audited=False,
    ),
    Url(
        "core:notification_settings",
        EVERYONE,
        data=lambda sw, t, r: {"phone": "13800138000", "sms__review.waiting": "on"},
    ),
    Url("core:delivery_list", CALENDAR_KEEPERS),
    # accounts
    Url("accounts:login", PUBLIC, ok=302, get={"anonymous": (200, 200)}),
    Url("accounts:logout", PUBLIC, ok=405, get={"anonymous": (405, 405)}),
    Url(
        "accounts:password_change",
        EVERYONE,
        data=lambda sw, t, r: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    ),
    Url("accounts:otp_setup", EVERYONE),
    Url("accounts:otp_verify", EVERYONE, ok=302),  # no authenticator bound yet: to the set-up
    Url(
        "accounts:user_list",
        ACCOUNT_PAGES,
        shows=("user", "accounts:user_detail", by_pk, {"admin"}),
    ),
    Url(
        "accounts:user_create",
        ADMIN,
        obj="organisation",
        data=lambda sw, t, r: {
            "username": "matrix_new",
            "display_name": "矩阵新账号",
            "email": "",
            "organisation": t.pk,
            "person": "",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        post_out=200,
    ),
    Url(
        "accounts:bulk_create",
        ADMIN,
        obj="department",
        data=lambda sw, t, r: {"department": t.pk},
        post_out=400,
    ),
    Url("accounts:handover_detail", ADMIN, obj="handover"),
    Url("accounts:handover_download", ADMIN, obj="handover"),
    Url("accounts:user_detail", ACCOUNT_PAGES, obj="user"),
    Url(
        "accounts:user_edit",
        ADMIN,
        obj="user",
        data=lambda sw, t, r: {
            "display_name": t.display_name + "（修订）",
            "email": "matrix@example.cn",
            "organisation": t.organisation_id or sw["hospital"].pk,
            "person": getattr(getattr(t, "person", None), "pk", ""),
        },
    ),
    Url(
        "accounts:user_password_reset",
        ADMIN,
        obj="user",
        data=lambda sw, t, r: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    ),
    Url("accounts:user_deactivate", ADMIN, obj="user", post_only=True, data=lambda sw, t, r: {}),
    Url(
        "accounts:user_activate",
        ADMIN,
        obj="inactive_user",
        post_only=True,
        data=lambda sw, t, r: {},
    ),
    Url(
        "accounts:user_otp_reset",
        ADMIN,
        obj="user",
        post_only=True,
        data=lambda sw, t, r: {},
        prepare=lambda sw: TOTPDevice.objects.create(
            user=sw["staff_user"], name="matrix", confirmed=True
        ),
    ),
    # Only the security administrator grants and revokes (tests/accounts/test_duties.py).
    Url(
        "accounts:role_grant",
        SECURITY,
        obj="user",
        post_only=True,
        data=lambda sw, t, r: {"role": Role.LEADER, "organisation": sw["hospital"].pk},
    ),
    Url(
        "accounts:role_revoke",
        SECURITY,
        obj="grant",
        kwargs=lambda g: {"pk": g.user_id, "grant_pk": g.pk},
        post_only=True,
        data=lambda sw, t, r: {},
    ),
    # org: organisations, departments, functions, posts, people, divisions, rotation
    Url(
        "org:organisation_list",
        READ,
        shows=("organisation", "org:organisation_detail", by_pk, set(ROLES)),
    ),
    Url(
        "org:organisation_create",
        MANAGE,
        obj="organisation",
        data=lambda sw, t, r: {
            "name": "矩阵分院",
            "code": "MX-1",
            "kind": "hospital",
            "parent": t.pk,
            "order": 0,
        },
        post_out=200,
    ),
    Url("org:organisation_detail", READ, obj="organisation"),
    Url(
        "org:organisation_edit",
        MANAGE,
        obj="organisation",
        data=lambda sw, t, r: (
            model_data(t, ("name", "short_name", "code", "kind", "parent", "address", "order"))
            | {"name": t.name + "（修订）"}
        ),
    ),
    Url(
        "org:department_list",
        READ,
        shows=("department", "org:department_detail", by_pk, set(ROLES)),
    ),
    Url(
        "org:department_create",
        MANAGE,
        obj="organisation",
        data=lambda sw, t, r: {
            "organisation": t.pk,
            "name": "矩阵科",
            "code": "MXK",
            "kind": "clinical",
            "order": 0,
            "active": "on",
        },
        post_out=200,
    ),
    Url("org:department_detail", READ, obj="department"),
    Url(
        "org:department_edit",
        MANAGE,
        obj="department",
        data=lambda sw, t, r: (
            model_data(t, ("name", "code", "kind", "head", "phone", "is_key", "order", "active"))
            | {"name": t.name + "二"}
        ),
    ),
    Url(
        "org:function_create",
        MANAGE,
        obj="department",
        data=lambda sw, t, r: {"title": "矩阵职能", "description": "", "order": 1},
    ),
    Url(
        "org:function_edit",
        MANAGE,
        obj="function",
        data=lambda sw, t, r: {"title": t.title + "（修订）", "description": "", "order": 1},
    ),
    Url("org:function_delete", MANAGE, obj="function", post_only=True, data=lambda sw, t, r: {}),
    Url("org:post_list", READ, shows=("post", "org:post_detail", by_pk, set(ROLES))),
    Url(
        "org:post_create",
        MANAGE,
        obj="organisation",
        data=lambda sw, t, r: {
            "organisation": t.pk,
            "department": "",
            "name": "矩阵岗",
            "code": "P-MX",
            "rotation_years": "",
            "duties": "",
        },
        post_out=200,
    ),
    Url("org:post_detail", READ, obj="post"),
    Url(
        "org:post_edit",
        MANAGE,
        obj="post",
        data=lambda sw, t, r: (
            model_data(
                t,
                (
                    "department",
                    "name",
                    "code",
                    "is_key",
                    "is_sensitive",
                    "is_leadership",
                    "rotation_years",
                    "duties",
                ),
            )
            | {"duties": "矩阵修订职责"}
        ),
    ),
    Url("org:person_list", READ, shows=("person", "org:person_detail", by_pk, set(ROLES))),
    Url(
        "org:person_create",
        MANAGE,
        obj="organisation",
        data=lambda sw, t, r: {
            "organisation": t.pk,
            "department": "",
            "staff_no": "0999",
            "name": "矩阵新人",
            "gender": "",
            "active": "on",
        },
        post_out=200,
    ),
    Url(
        "org:roster_export",
        READ,
        shows=("person", None, lambda p: p.name, set(ROLES)),
    ),
    Url(
        "org:roster_import",
        MANAGE,
        obj="organisation",
        data=roster_file,
        post_ok=200,
        post_out=400,
    ),
    Url("org:roster_template", MANAGE),
    Url("org:person_search", READ, shows=("person", None, lambda p: p.name, set(ROLES))),
    Url("org:person_detail", READ, obj="person"),
    Url("org:person_photo", READ, obj="person", prepare=give_photos),
    Url(
        "org:person_edit",
        MANAGE,
        obj="person",
        data=lambda sw, t, r: (
            model_data(
                t,
                (
                    "department",
                    "staff_no",
                    "name",
                    "gender",
                    "title",
                    "phone",
                    "is_leader",
                    "active",
                ),
            )
            | {"name": t.name + "甲"}
        ),
    ),
    Url(
        "org:person_assign",
        MANAGE,
        obj="person",
        data=lambda sw, t, r: {
            "post": (
                sw["head_post"] if t.organisation_id == sw["hospital"].pk else sw["other_post"]
            ).pk,
            "start": timezone.localdate().isoformat(),
            "note": "矩阵调岗",
        },
    ),
    Url(
        "org:assignment_edit",
        MANAGE,
        obj="assignment",
        data=lambda sw, t, r: {"start": t.start.isoformat(), "end": "", "note": "矩阵更正"},
    ),
    Url(
        "org:division_list",
        READ,
        shows=(
            "division",
            "org:person_detail",
            lambda d: {"pk": d.leader_id},
            {"admin", "integrity", "leader"},
        ),
    ),
    Url(
        "org:division_create",
        MANAGE,
        obj="organisation",
        data=lambda sw, t, r: {
            "leader": (sw["leader_person"] if t.pk == sw["hospital"].pk else sw["other_head"]).pk,
            "department": _org_objects(sw, t)[0].pk,
            "since": "2024-01-01",
            "until": "",
            "duties": "矩阵分管",
        },
        post_out=200,
    ),
    Url(
        "org:division_edit",
        MANAGE,
        obj="division",
        data=lambda sw, t, r: {
            "department": t.department_id,
            "since": t.since.isoformat(),
            "until": "",
            "duties": "矩阵修订分管",
        },
    ),
    Url("org:division_delete", MANAGE, obj="division", post_only=True, data=lambda sw, t, r: {}),
    Url(
        "org:rotation_list",
        READ,
        shows=(
            "rotation",
            "org:person_detail",
            by_pk,
            {"admin", "integrity", "leader", "outsider"},
        ),
    ),
    # org: the power catalogue
    Url("org:power_list", READ, shows=("power", "org:power_detail", by_pk, set(ROLES))),
    Url(
        "org:power_create",
        MANAGE,
        obj="organisation",
        data=lambda sw, t, r: {
            "organisation": t.pk,
            "code": "QL-MX",
            "name": "矩阵权力事项",
            "category": "other",
            "department": "",
            "basis": "",
            "duties": "",
            "time_limit_days": "",
            "active": "on",
        },
        post_out=200,
    ),
    Url("org:power_export", READ, shows=("power", None, lambda p: p.name, set(ROLES))),
    Url(
        "org:power_import",
        MANAGE,
        obj="organisation",
        data=power_file,
        post_ok=200,
        post_out=400,
    ),
    Url("org:power_template", MANAGE),
    Url("org:power_detail", READ, obj="power"),
    Url(
        "org:power_edit",
        MANAGE,
        obj="power",
        data=lambda sw, t, r: (
            model_data(
                t,
                (
                    "code",
                    "name",
                    "category",
                    "department",
                    "basis",
                    "duties",
                    "time_limit_days",
                    "is_public",
                    "active",
                ),
            )
            | {"name": t.name + "（修订）"}
        ),
    ),
    Url(
        "org:power_step_create",
        MANAGE,
        obj="power",
        data=lambda sw, t, r: {"name": "矩阵环节", "order": 9, "key": "matrix", "post": ""},
    ),
    Url(
        "org:power_step_edit",
        MANAGE,
        obj="step",
        data=lambda sw, t, r: (
            model_data(t, ("name", "order", "key", "is_control_point", "post", "time_limit_days"))
            | {"name": t.name + "（修订）"}
        ),
    ),
    Url("org:power_step_delete", MANAGE, obj="step", post_only=True, data=lambda sw, t, r: {}),
    Url(
        "org:power_step_move",
        MANAGE,
        obj="step",
        post_only=True,
        data=lambda sw, t, r: {"direction": "up"},
    ),
    # risks: the register and its pages
    Url("risks:register", READ, shows=("point", "risks:point_detail", by_pk, set(ROLES))),
    Url("risks:register_charts", READ),
    Url(
        "risks:overdue",
        READ,
        shows=(
            "overdue_point",
            "risks:point_detail",
            by_pk,
            {"admin", "integrity", "dept_head", "staff", "outsider"},
        ),
    ),
    Url("risks:mine", READ, shows=("point", "risks:point_detail", by_pk, {"staff", "outsider"})),
    Url("risks:department", READ, obj="department"),
    Url("risks:person", READ, obj="person"),
    Url(
        "risks:point_create",
        READ,
        obj="own_post",
        data=new_point_form,
        post_out=200,  # the form refuses a post the user may not register for
    ),
    Url("risks:point_form_options", READ),  # JSON choices: empty outside the user's reach
    Url("risks:point_detail", READ, obj="point"),
    Url(
        "risks:point_edit",
        READ,
        obj="point",
        get={"leader": (403, 404)},  # sees the point of a department in charge, edits none
        data=point_form,
        post={"leader": (403, False)},
    ),
    Url(
        "risks:point_file",
        READ,
        obj="point",
        post_only=True,
        data=lambda sw, t, r: {},
        # submitted by its owner (its author, or the department's head): not the managers'
        post={r: (403, False) for r in ("leader", "admin", "integrity")},
    ),
    # the review chain
    Url(
        "risks:point_file_directly",
        READ,
        obj="point",
        get={r: (403, 404) for r in NOT_OFFICE},
        data=lambda sw, t, r: {"text": "矩阵直接备案"},
        post={r: (403, False) for r in NOT_OFFICE},
    ),
    Url(
        "risks:point_approve",
        READ,
        obj="review_point",
        post_only=True,
        prepare=open_reviews,
        data=lambda sw, t, r: {"note": "矩阵通过"},
        post={r: (403, False) for r in NOT_DECIDING},
    ),
    Url(
        "risks:point_return",
        READ,
        obj="review_point",
        prepare=open_reviews,
        get={r: (403, 404) for r in NOT_DECIDING},
        data=lambda sw, t, r: {"text": "矩阵退回"},
        post={r: (403, False) for r in NOT_DECIDING},
    ),
    Url(
        "risks:point_skip",
        READ,
        obj="skip_point",
        prepare=open_reviews,
        get={r: (403, 404) for r in NOT_OFFICE},
        data=lambda sw, t, r: {"text": "矩阵跳过"},
        post={r: (403, False) for r in NOT_OFFICE},
    ),
    Url(
        "risks:point_request_change",
        READ,
        obj="filed_point",
        # the filed point in scope is its department head's (no author): theirs to change
        get={r: (403, 404) for r in ("admin", "integrity", "leader", "staff", "outsider")},
        data=change_form,
        post={r: (403, False) for r in ("admin", "integrity", "leader", "staff", "outsider")},
    ),
    Url(
        "risks:review_queue",
        READ,
        prepare=open_reviews,
        shows=("review_point", "risks:point_detail", by_pk, {"integrity", "dept_head", "leader"}),
    ),
    Url(
        "risks:review_batch",
        READ,
        post_only=True,
        prepare=open_reviews,
        data=lambda sw, t, r: {"points": [pair_target(sw, "review_point", r).pk]},
        # only the integrity office's submission is an unchanged re-submission: the others
        # are refused with a message, nothing approved; who decides none may approve none
        post={
            **{r: (403, False) for r in NOT_DECIDING},
            "dept_head": (302, False),
            "leader": (302, False),
        },
    ),
    Url(
        "risks:review_chain_index",
        MANAGE,
        shows=("organisation", "risks:review_chain_edit", by_org_pk, {"admin", "integrity"}),
    ),
    Url(
        "risks:review_chain_edit",
        MANAGE,
        obj="organisation",
        kwargs=by_org_pk,
        data=lambda sw, t, r: {"mode": "own", "department_head": "on", "leader_in_charge": "on"},
    ),
    Url(
        "risks:point_review",
        READ,
        obj="filed_point",
        # the integrity office, administrators and the department's head review
        get={r: v for r, v in STAFF_FORBIDDEN.items() if r != "dept_head"},
        data=lambda sw, t, r: {"text": "矩阵复核"},
        post={r: (403, False) for r in STAFF_FORBIDDEN if r != "dept_head"},
    ),
    Url(
        "risks:point_retire",
        READ,
        obj="point",
        get=STAFF_FORBIDDEN,
        data=lambda sw, t, r: {"text": "矩阵停用"},
        post={r: (403, False) for r in STAFF_FORBIDDEN},
    ),
    Url(
        "risks:point_measures",
        READ,
        obj="point",
        get={"leader": (403, 404)},
        data=lambda sw, t, r: {
            "action": "create",
            "new-text": "矩阵新增措施：每月抽查并公示",
            "new-owner_kind": "person",
            "new-owner_person": sw[MEASURE_OWNER[r]].pk,
            "new-status": "planned",
        },
        post={"leader": (403, False)},
    ),
    Url(
        "risks:point_unlink",
        READ,
        obj="point",
        kwargs=lambda p: {"pk": p.pk, "measure_pk": p.measures.order_by("pk").first().pk},
        post_only=True,
        data=lambda sw, t, r: {},
        post={"leader": (403, False)},
    ),
    Url("risks:measure_detail", READ, obj="measure"),
    Url(
        "risks:measure_edit",
        READ,
        obj="measure",
        get={"leader": (403, 404)},  # covers only points the leader may not edit
        data=measure_form,
        post={"leader": (403, False)},
    ),
    Url(
        "risks:measure_progress",
        READ,
        obj="measure",
        get={"leader": (403, 404)},  # the leader neither owns nor heads the owner
        data=lambda sw, t, r: {
            "done_on": dt.date.today().isoformat(),
            "evidence": "矩阵：每月抽查记录已归档",
        },
        post={"leader": (403, False)},
    ),
    Url("risks:overdue_measures", READ),
    Url(
        "risks:overdue_review",
        READ,
        obj="filed_point",
        post_only=True,
        data=lambda sw, t, r: {"points": [t.pk], "note": "矩阵批量复核"},
        get={role: (405, 405) for role in ROLES},  # require_POST is the outer decorator
        post={r: (403, False) for r in STAFF_FORBIDDEN if r != "dept_head"},
    ),
    Url("risks:library_list", KEEPERS),  # the platform administrator reads every pack
    Url(
        "risks:library_import",
        MANAGE,
        obj="library",
        kwargs=lambda key: {"key": key},
        unscoped=True,
        ok=302,  # a GET goes back to the list
        data=lambda sw, t, r: {"hospital-organisation": sw.target("organisation", r, "out").pk},
        post_ok=400,  # into an organisation outside the user's subtree: refused
        writes=False,
    ),
    # risks: documents and register exchange
    Url(
        "risks:positioning_index",
        READ,
        shows=(
            "holder",
            "risks:positioning",
            by_pk,
            {"admin", "integrity", "leader", "dept_head"},
        ),
    ),
    Url("risks:positioning", READ, obj="holder", get=POSITIONING),
    Url("risks:positioning_xlsx", READ, obj="holder", get=POSITIONING),
    Url("risks:positioning_pdf", READ, obj="holder", get=POSITIONING),
    Url("risks:positioning_docx", READ, obj="holder", get=POSITIONING),
    Url("risks:register_xlsx", READ, shows=("point", None, lambda p: p.name, set(ROLES))),
    Url("risks:register_pdf", READ, shows=("point", None, lambda p: p.name, set(ROLES))),
    Url("risks:register_template", MANAGE),
    Url("risks:register_docx", READ, shows=("point", None, lambda p: p.name, set(ROLES))),
    Url(
        "risks:register_import",
        MANAGE,
        obj="organisation",
        data=register_file,
        post_ok=200,
        post_out=400,
    ),
    # risks: grading schemes and generic phrases
    Url(
        "risks:scheme_index",
        MANAGE,
        shows=("organisation", "risks:scheme_organisation", by_org_pk, {"admin", "integrity"}),
    ),
    Url("risks:scheme_organisation", MANAGE, obj="organisation", kwargs=by_org_pk),
    Url(
        "risks:scheme_create",
        MANAGE,
        obj="organisation",
        kwargs=by_org_pk,
        data=lambda sw, t, r: scheme_form(sw["scheme_hospital"]) | {"name": "矩阵新方案"},
    ),
    Url(
        "risks:scheme_switch",
        MANAGE,
        obj="organisation",
        kwargs=lambda o: {"org_pk": o.pk, "size": 5},
        post_only=True,
        data=lambda sw, t, r: {},
    ),
    Url("risks:scheme_detail", MANAGE, obj="scheme"),
    Url("risks:scheme_edit", MANAGE, obj="scheme", data=lambda sw, t, r: scheme_form(t)),
    Url("risks:scheme_activate", MANAGE, obj="scheme", data=lambda sw, t, r: {}),
    Url("risks:scheme_delete", MANAGE, obj="scheme", post_only=True, data=lambda sw, t, r: {}),
    # Generic phrases: the managers keep their organisations', the platform administrator the
    # global ones (and may add none to an organisation).
    Url(
        "risks:phrase_list",
        KEEPERS,
        obj="organisation",
        shows=("phrase", "risks:phrase_toggle", by_pk, {"admin", "integrity", "platform"}),
        data=lambda sw, t, r: {"organisation": t.pk, "phrase": "矩阵空话", "reason": ""},
        post_out=200,
        post={"platform": (200, False)},
    ),
    Url("risks:phrase_toggle", KEEPERS, obj="phrase", post_only=True, data=lambda sw, t, r: {}),
    Url("risks:phrase_delete", KEEPERS, obj="phrase", post_only=True, data=lambda sw, t, r: {}),
    # Commitments (廉政承诺): everyone's own; the office's overview and template; a
    # commitment is read as its signer is (the office, the leader in charge, the head, oneself).
    Url("commitments:mine", READ),
    Url("commitments:queue", COMMITMENT_REVIEWERS),
    Url("commitments:overview", MANAGE),
    Url("commitments:template", MANAGE),
    Url("commitments:published", READ),
    Url("commitments:generate", READ, post_only=True),
    Url("commitments:generate_all", MANAGE, post_only=True),
    Url("commitments:detail", READ, obj="person", kwargs=by_commitment),
    Url("commitments:docx", READ, obj="person", kwargs=by_commitment),
    Url("commitments:pdf", READ, obj="person", kwargs=by_commitment),
    # Complaints (投诉举报): the reporter's pages are public; no platform role reads a report
    # (only assigned handlers and the office lead, designated in the module, none of which
    # the matrix's accounts are), so every report answers 404 to every role, in or out.
    Url("complaints:report_index", PUBLIC, get={"anonymous": (200, 200)}),
    Url(
        "complaints:report_new",
        PUBLIC,
        obj="organisation",
        kwargs=lambda org: {"code": org.code},
        get={"anonymous": (200, 200)},
        unscoped=True,
    ),
    Url("complaints:receipt_lookup", PUBLIC, get={"anonymous": (200, 200)}),
    Url("complaints:receipt_case", PUBLIC, ok=302, get={"anonymous": (302, 302)}),
    Url("complaints:receipt_leave", PUBLIC, ok=405, get={"anonymous": (405, 405)}),
    Url("complaints:list", READ),
    Url("complaints:due", READ),
    Url("complaints:statistics", READ, ok=403),
    Url("complaints:staff_new", READ),
    Url("complaints:enter", READ, ok=403),
    Url(
        "complaints:receipt_print",
        READ,
        obj="organisation",
        kwargs=lambda org: {"token": "no-such-token"},
        ok=404,
        unscoped=True,
    ),
    Url(
        "complaints:detail",
        READ,
        obj="complaint_site",
        kwargs=lambda org: {"pk": a_complaint(org).pk},
        get=NO_REPORT_READER,
    ),
    Url(
        "complaints:act",
        READ,
        obj="complaint_site",
        kwargs=lambda org: {"pk": a_complaint(org).pk, "action": "note"},
        post_only=True,
    ),
    Url(
        "complaints:file_download",
        READ,
        obj="complaint_site",
        kwargs=lambda org: {"pk": a_complaint(org).pk, "file_pk": 1},
        get=NO_REPORT_READER,
    ),
    Url("complaints:identity_requests", INTEGRITY),
    Url(
        "complaints:identity_decide",
        INTEGRITY,
        obj="organisation",
        kwargs=lambda org: {"pk": 1},
        post_only=True,
        unscoped=True,
    ),
    Url("complaints:officers", ACCOUNT_PAGES),
    # the language switch and the API schema
    # investigation campaigns (风险排查): the office and administrators of the organisation
    Url(
        "campaigns:list",
        MANAGE,
        prepare=campaigns_ready,
        shows=("campaign", "campaigns:detail", by_pk, {"admin", "integrity"}),
    ),
    Url("campaigns:new", MANAGE, obj="organisation", data=campaign_form, post_out=200),
    Url("campaigns:detail", MANAGE, obj="campaign", prepare=campaigns_ready),
    Url(
        "campaigns:edit",
        MANAGE,
        obj="campaign",
        prepare=campaigns_ready,
        data=lambda sw, t, r: campaign_form(sw, t, r, organisation=t.organisation),
    ),
    Url(
        "campaigns:open",
        MANAGE,
        obj="campaign",
        prepare=campaigns_ready,
        post_only=True,
        data=lambda sw, t, r: {},
    ),
    Url(
        "campaigns:close",
        MANAGE,
        obj="campaign",
        prepare=campaigns_ready,
        post_only=True,
        data=lambda sw, t, r: {},
        writes=False,  # a draft is not closed: refused with a message
        audited=False,
    ),
    Url("campaigns:tasks", MANAGE, obj="campaign", prepare=campaigns_ready),
    Url("campaigns:summary_docx", MANAGE, obj="campaign", prepare=campaigns_ready),
    Url("campaigns:summary_pdf", MANAGE, obj="campaign", prepare=campaigns_ready),
    # one's own tasks; keeping a carried-over point of one's own task (404 for anyone else's)
    Url("campaigns:mine", READ),
    Url(
        "campaigns:point_confirm",
        READ,
        obj="campaign_point",
        prepare=campaign_points,
        post_only=True,
        data=lambda sw, t, r: {},
        post={
            role: (404, False) for role in ("admin", "integrity", "leader", "dept_head", "outsider")
        },
    ),
    # the filing screen of one's own task: keeping its carried-over point in one submission
    Url(
        "campaigns:task_filing",
        READ,
        obj="campaign_task",
        prepare=campaign_points,
        get={
            role: (404, 404) for role in ("admin", "integrity", "leader", "dept_head", "outsider")
        },
        data=lambda sw, t, r: {
            "row": f"c{t.points.get().pk}",
            f"c{t.points.get().pk}-action": "keep",
        },
        post={
            role: (404, False) for role in ("admin", "integrity", "leader", "dept_head", "outsider")
        },
    ),
    # the upward review (干部职工给领导查): the office of the organisation, the leader, the staff
    # of the departments asked; only the staff asked comment (the office and the leader: 404)
    Url(
        "campaigns:upward_list",
        READ,
        prepare=upward_ready,
        shows=(
            "upward",
            "campaigns:upward_detail",
            by_pk,
            {"integrity", "leader", "dept_head", "staff", "outsider"},
        ),
    ),
    Url(
        "campaigns:upward_detail",
        READ,
        obj="upward",
        prepare=upward_ready,
        get={"admin": (404, 404)},
    ),
    Url(
        "campaigns:upward_comment",
        READ,
        obj="upward",
        prepare=upward_ready,
        post_only=True,
        data=upward_comment_form,
        post={role: (404, False) for role in ("admin", "integrity", "leader")},
    ),
    # satisfaction: the patient's page is public; results for the office, leaders and heads
    Url(
        "satisfaction:answer",
        PUBLIC,
        obj="sat_department",
        unscoped=True,
        get={"anonymous": (200, 200)},
        prepare=satisfaction_ready,
    ),
    Url(
        "satisfaction:results",
        SAT_READERS,
        shows=(
            "sat_department",
            "satisfaction:department",
            by_pk,
            {"admin", "integrity", "leader", "dept_head"},
        ),
    ),
    Url("satisfaction:department", SAT_READERS, obj="sat_department"),
    Url("satisfaction:qr_svg", SAT_PRINTERS, obj="sat_department"),
    Url("satisfaction:qr_png", SAT_PRINTERS, obj="sat_department"),
    Url("satisfaction:poster", SAT_PRINTERS, obj="sat_department"),
    Url(
        "satisfaction:slips",
        SAT_PRINTERS,
        obj="sat_department",
        post_only=True,
        data=lambda sw, t, role: {"count": "2"},
        post_ok=200,
    ),
    Url("satisfaction:flagged", INTEGRITY),
    # no answer ticked: refused with a message, nothing written (tests/satisfaction/test_review.py
    # has the writes, the commission's 403 and another organisation's 404)
    Url(
        "satisfaction:flagged_review",
        INTEGRITY,
        post_only=True,
        data=lambda sw, t, role: {"decision": "cleared", "reason": "已核实"},
        writes=False,
    ),
    Url(
        "satisfaction:questionnaires",
        MANAGE,
        data=lambda sw, t, role: {"organisation": t.pk},
        obj="organisation",
    ),
    Url(
        "api-satisfaction-tokens",
        SAT_ISSUERS,
        api=True,
        obj="sat_token_department",
        post_only=True,
        data=lambda sw, t, role: {"department": t.pk, "visit": "M-1"},
        post_ok=200,
    ),
    Url("set_language", PUBLIC, ok=302, get={"anonymous": (302, 302)}),
    Url("api-schema", READ),
    # the API: read-only catalogue
    Url("api-organisation-list", READ, api=True),
    Url("api-organisation-detail", READ, api=True, obj="organisation"),
    Url("api-department-list", READ, api=True),
    Url("api-department-detail", READ, api=True, obj="department"),
    Url("api-post-list", READ, api=True),
    Url("api-post-detail", READ, api=True, obj="post"),
    Url("api-person-list", READ, api=True),
    Url("api-person-detail", READ, api=True, obj="person"),
    Url("api-power-list", READ, api=True),
    Url("api-power-detail", READ, api=True, obj="power"),
    # the API: flows (an instance and its task per role, `open_flows`)
    Url("api-flow-definition-list", READ, api=True),
    Url("api-flow-instance-list", READ, api=True),
    Url("api-flow-instance-detail", READ, api=True, obj="flow_instance", prepare=open_flows),
    Url("api-flow-task-list", READ, api=True),
    Url(
        "api-flow-task-act",
        READ,
        api=True,
        obj="flow_task",
        prepare=open_flows,
        post_only=True,
        data=lambda sw, t, r: {"action": "approve", "reason": "矩阵办理"},
        post_ok=200,
    ),
    # the API: the register; writes by the same rules as the pages (risks/permissions.py)
    Url(
        "api-risk-point-list",
        READ,
        api=True,
        obj="own_post",
        data=lambda sw, t, r: {
            "organisation": t.organisation_id,
            **{k: v for k, v in new_point_form(sw, t, r).items() if v != ""},
            "name": "矩阵接口风险点",
            "likelihood": 2,
            "harm": 2,
        },
        post_ok=201,
        post_out=400,  # a post the user may not register for: refused as invalid
        post={"leader": (201, True)},  # the leader registers for the post they hold
    ),
    Url(
        "api-risk-point-detail",
        READ,
        api=True,
        obj="point",
        method="patch",
        data=lambda sw, t, r: {"name": t.name + "（接口修订）"},
        post_ok=200,
        post={"leader": (403, False)},  # sees the points of the departments in charge, edits none
    ),
    Url(
        "api-risk-point-file",
        READ,
        api=True,
        obj="point",
        post_only=True,
        data=lambda sw, t, r: {},
        post_ok=200,
        post={r: (403, False) for r in ("leader", "admin", "integrity")},
    ),
    Url(
        "api-risk-point-file-directly",
        READ,
        api=True,
        obj="point",
        post_only=True,
        data=lambda sw, t, r: {"reason": "矩阵直接备案"},
        post_ok=200,
        post={r: (403, False) for r in NOT_OFFICE},
    ),
    Url(
        "api-risk-point-approve",
        READ,
        api=True,
        obj="review_point",
        post_only=True,
        prepare=open_reviews,
        data=lambda sw, t, r: {"note": "矩阵通过"},
        post_ok=200,
        post={r: (403, False) for r in NOT_DECIDING},
    ),
    Url(
        "api-risk-point-return",
        READ,
        api=True,
        obj="review_point",
        post_only=True,
        prepare=open_reviews,
        data=lambda sw, t, r: {"reason": "矩阵退回"},
        post_ok=200,
        post={r: (403, False) for r in NOT_DECIDING},
    ),
    Url(
        "api-risk-point-skip",
        READ,
        api=True,
        obj="skip_point",
        post_only=True,
        prepare=open_reviews,
        data=lambda sw, t, r: {"reason": "矩阵跳过"},
        post_ok=200,
        post={r: (403, False) for r in NOT_OFFICE},
    ),
    Url(
        "api-risk-point-request-change",
        READ,
        api=True,
        obj="filed_point",
        post_only=True,
        data=lambda sw, t, r: {"name": t.name + "（接口变更）", "reason": "矩阵变更"},
        post_ok=200,
        post={r: (403, False) for r in ("admin", "integrity", "leader", "staff", "outsider")},
    ),
    Url(
        "api-risk-point-review",
        READ,
        api=True,
        obj="filed_point",
        write_roles=MANAGE | {"dept_head"},  # the department's head reviews too
        post_only=True,
        data=lambda sw, t, r: {"note": "矩阵复核"},
        post_ok=200,
    ),
    Url(
        "api-risk-point-retire",
        READ,
        api=True,
        obj="point",
        write_roles=MANAGE,
        post_only=True,
        data=lambda sw, t, r: {"reason": "矩阵停用"},
        post_ok=200,
    ),
    Url(
        "api-measure-list",
        READ,
        api=True,
        obj="organisation",
        data=lambda sw, t, r: {
            "organisation": t.pk,
            "text": "矩阵接口措施：每季度轮查",
            "owner_person": _org_objects(sw, t)[2].pk,
            "status": "planned",
        },
        post_ok=201,
        post_out=400,
        # Others write a measure only for risk points of theirs, and this one covers none:
        # refused, unless its owner is already outside what the user may choose (invalid).
        post={"leader": (400, False)} | {r: (403, False) for r in OWNERS},
    ),
    Url(
        "api-measure-detail",
        READ,
        api=True,
        obj="measure",
        method="patch",
        data=lambda sw, t, r: {"text": t.text + "（接口修订）"},
        post_ok=200,
        post={"leader": (403, False)},  # covers only points the leader may not edit
    ),
    # Content (院务公开)
    Url(
        "content:article_list",
        CONTENT_WRITERS,
        prepare=content_world,
        shows=(
            "organisation",
            "content:article_detail",
            by_article("矩阵草稿"),
            {"integrity", *CONTENT_EDITORS},
        ),
    ),
    Url(
        "content:review_queue",
        INTEGRITY,
        prepare=content_world,
        shows=("organisation", "content:article_detail", by_article("矩阵待审"), {"integrity"}),
    ),
    Url(
        "content:article_create",
        CONTENT_WRITERS,
        prepare=content_world,
        get={"admin": (403, 403), "integrity": (403, 403)},  # they edit no column
        data=lambda sw, t, r: {"column": matrix_column(sw, r).pk, "title": "矩阵新建"},
        post={"admin": (403, False), "integrity": (403, False)},
    ),
    Url(
        "content:article_detail",
        CONTENT_WRITERS,
        obj="organisation",
        kwargs=by_article("矩阵草稿"),
        prepare=content_world,
        get={"admin": (404, 404)},
    ),
    Url(
        "content:article_edit",
        CONTENT_WRITERS,
        obj="organisation",
        kwargs=by_article("矩阵草稿"),
        prepare=content_world,
        get=NOT_EDITORS,
        data=lambda sw, t, r: {"title": "矩阵改稿"},
        post={"admin": (404, False), "integrity": (403, False)},
    ),
    Url(
        "content:article_submit",
        CONTENT_WRITERS,
        obj="organisation",
        kwargs=by_article("矩阵草稿"),
        prepare=content_world,
        post_only=True,
        data=lambda sw, t, r: {},
        post={"admin": (404, False), "integrity": (403, False)},
    ),
    Url(
        "content:article_file_remove",
        CONTENT_WRITERS,
        obj="organisation",
        kwargs=lambda org: matrix_file(org, "矩阵草稿", "application/pdf"),
        prepare=content_world,
        post_only=True,
        data=lambda sw, t, r: {},
        post={"admin": (404, False), "integrity": (403, False)},
    ),
    Url(
        "content:article_image_upload",
        CONTENT_WRITERS,
        obj="organisation",
        kwargs=by_article("矩阵草稿"),
        prepare=content_world,
        post_only=True,
        data=lambda sw, t, r: {"image": SimpleUploadedFile("图.png", png())},
        post_ok=201,
        post={"admin": (404, False), "integrity": (403, False)},
    ),
    Url(
        "content:article_publish",
        INTEGRITY,
        obj="organisation",
        kwargs=by_article("矩阵待审"),
        prepare=content_world,
        post_only=True,
        data=lambda sw, t, r: {},
    ),
    Url(
        "content:article_return",
        INTEGRITY,
        obj="organisation",
        kwargs=by_article("矩阵待审"),
        prepare=content_world,
        post_only=True,
        data=lambda sw, t, r: {"reason": "矩阵退回"},
    ),
    Url(
        "content:article_withdraw",
        INTEGRITY,
        obj="organisation",
        kwargs=by_article("矩阵已发布"),
        prepare=content_world,
        post_only=True,
        data=lambda sw, t, r: {"reason": "矩阵撤回"},
    ),
    public_url("content_public:search"),
    public_url("content_public:feed_rss"),
    public_url("content_public:feed_atom"),
    public_url("content_public:feed_json"),
    public_url(  # the second address of an article: 301 to its column's item
        "content_public:article",
        lambda org: {"org_code": org.code, "pk": matrix_article(org, "矩阵已发布").pk},
        status=301,
    ),
    public_url("content_public:file", public_file("application/pdf")),
    public_url("content_public:image", public_file("image/png")),
    # power flows: lists of one's own tasks and matters, the start form, the matter's page
    # and the act form (each role's own matter and task, `open_flows`), definitions and the
    # designer
    # assessments (廉政评估): the office writes; leaders read 亮牌; the assessed their own
    Url(
        "assessments:list",
        ASSESSMENT_WATCHERS,
        prepare=open_assessments,
        shows=("assessment", "assessments:detail", by_pk, ASSESSMENT_WATCHERS),
    ),
    Url("assessments:create", ASSESSMENT_OFFICE),
    Url("assessments:mine", ASSESSMENT_READERS, prepare=open_assessments),
    Url("assessments:stats", ASSESSMENT_WATCHERS, prepare=open_assessments),
    Url("assessments:detail", ASSESSMENT_READERS, obj="assessment", prepare=open_assessments),
    Url("assessments:notice_docx", ASSESSMENT_READERS, obj="assessment", prepare=open_assessments),
    Url("assessments:notice_pdf", ASSESSMENT_READERS, obj="assessment", prepare=open_assessments),
    # 述责述廉: the person, the leaders in charge and the integrity office; not a head, not an
    # administrator (their "in" person is someone else's report)
    Url(
        "assessments:accountability",
        READ,
        obj="person",
        get={"admin": (404, 404), "dept_head": (404, 404)},
    ),
    Url(
        "assessments:accountability_docx",
        READ,
        obj="person",
        get={"admin": (404, 404), "dept_head": (404, 404)},
    ),
    Url(
        "assessments:issue",
        ASSESSMENT_OFFICE,
        obj="assessment_draft",
        post_only=True,
        data=no_form,
        prepare=open_assessments,
    ),
    Url(
        "assessments:sign",
        ASSESSMENT_READERS,
        obj="assessment",
        post_only=True,
        data=no_form,
        post=NOT_ASSESSED,
        prepare=open_assessments,
    ),
    Url(
        "assessments:rectify",
        ASSESSMENT_READERS,
        obj="assessment",
        data=rectification_form,
        get=NOT_ASSESSED_GET,
        post=NOT_ASSESSED,
        prepare=open_assessments,
    ),
    Url(
        "assessments:accept",
        ASSESSMENT_OFFICE,
        obj="assessment_submitted",
        post_only=True,
        data=no_form,
        prepare=open_assessments,
    ),
    Url(
        "assessments:return",
        ASSESSMENT_OFFICE,
        obj="assessment_submitted",
        post_only=True,
        data=return_form,
        prepare=open_assessments,
    ),
    Url("flows:todo", READ),
    Url("flows:done", READ),
    Url("flows:mine", READ),
    Url("flows:start_list", READ),
    Url("flows:start", READ, obj="flow_definition"),
    Url("flows:instance", READ, obj="flow_instance", prepare=open_flows),
    Url(
        "flows:task_act",
        READ,
        obj="flow_task",
        post_only=True,
        data=flow_comment,
        prepare=open_flows,
    ),
    # 防控运行监控: the integrity office and leaders, their reach's matters; the list behind
    # each number links the matters' pages
    Url("flows:monitor", FLOW_MONITORS, prepare=open_flows),
    Url(
        "flows:monitor_tasks",
        FLOW_MONITORS,
        prepare=open_flows,
        shows=("flow_instance", "flows:instance", by_pk, FLOW_MONITORS),
    ),
    Url("flows:definitions", MANAGE),
    Url("flows:designer_new", MANAGE),
    Url("flows:definition", MANAGE, obj="flow_definition"),
    Url("flows:designer", MANAGE, obj="flow_definition"),
    # delegation (代理): one's own and, for the office and administrators, their scope's; the
    # form sets one's own; ending one (its delegator's, `open_delegations`)
    Url("flows:delegations", READ),
    Url("flows:delegation_new", READ),
    # its person picker: the colleagues of one's own organisation with an account, names and
    # departments only (a member of staff sees no one else in org:person_search)
    Url("flows:delegate_search", READ),
    Url(
        "flows:delegation_end",
        READ,
        obj="delegation",
        post_only=True,
        data=delegation_end_form,
        prepare=open_delegations,
    ),
    # reporting upward (上报): a unit's office and administrators submit to the level above
    # and export the signed file; those of the level above see their units' reports and import
    # files (the world's hospital has no unit below it: nothing to import, an empty dashboard)
    Url("exchange:unit", MANAGE),
    Url(
        "exchange:submit",
        MANAGE,
        obj="organisation",
        post_only=True,
        data=lambda sw, t, r: {"year": "2026"},
    ),
    Url(
        "exchange:export",
        MANAGE,
        obj="organisation",
        post_only=True,
        data=lambda sw, t, r: {"year": "2026"},
        post_ok=200,
    ),
    Url("exchange:received", MANAGE),
    Url("exchange:import", MANAGE, unscoped=True, ok=404),
    Url("exchange:report", MANAGE, obj="exchange_report", prepare=exchange_reports),
    Url("exchange:report_xlsx", MANAGE, obj="exchange_report", prepare=exchange_reports),
]

DECLARATIONS = {d.name: d for d in DECLARED}

# Kinds that only the lists and forms above use, with their in/out objects per role
# (None: the role has nothing of the kind in scope).
EXTRA_PAIRS = {
    # Satisfaction results: the office and administrators see their hospital's departments,
    # a leader every department of the hospital (not only those in charge), a head their own.
    "sat_department": {
        **{role: ("cardiology", "surgery_b") for role in ROLES},
        "leader": ("procurement", "surgery_b"),
        "dept_head": ("cardiology", "procurement"),
        "outsider": ("surgery_b", "cardiology"),
    },
    # The HIS's codes: any department of the organisations the account is granted on.
    "sat_token_department": {
        **{role: ("cardiology", "surgery_b") for role in ROLES},
        "outsider": ("surgery_b", "cardiology"),
    },
    "module": {role: ("module", "module") for role in ROLES},
    "complaint_site": {role: ("hospital", "other_hospital") for role in ROLES},
    "column": {role: ("column", "column") for role in ROLES},
    "library": {role: ("hospital", "hospital") for role in ROLES},
    "grant": {
        role: ("grant_outsider", "grant_staff")
        if role == "outsider"
        else ("grant_staff", "grant_outsider")
        for role in ROLES
    },
    "inactive_user": {role: ("retired_user", "outsider_user") for role in ROLES},
    "handover": {role: ("handover_admin", "handover_other") for role in ROLES},
    # The posts a role may register a risk point for (the ones it holds, heads or manages).
    "own_post": {
        **{role: ("doctor_post", "other_post") for role in ROLES},
        "leader": ("leader_post", "doctor_post"),
        "dept_head": ("doctor_post", "buyer_post"),
        "staff": ("doctor_post", "head_post"),
        "outsider": ("other_post", "doctor_post"),
    },
    # Points waiting in the review chain (`open_reviews`): in scope, the one each role would
    # decide (the integrity office, the head, the leader) or sent itself.
    "review_point": {
        **{role: ("point_head", "point_other") for role in ROLES},
        "dept_head": ("point_staff_draft", "point_buyer"),
        "leader": ("point_buyer", "point_staff_draft"),
        "staff": ("point_staff_draft", "point_head"),
        "outsider": ("point_other", "point_head"),
    },
    # Levels the integrity office may skip: a head's or a leader's.
    "skip_point": {
        **{role: ("point_staff_draft", "point_other") for role in ROLES},
        "dept_head": ("point_staff_draft", "point_buyer"),
        "leader": ("point_buyer", "point_staff_draft"),
        "staff": ("point_staff_draft", "point_head"),
        "outsider": ("point_other", "point_head"),
    },
    "overdue_point": {
        **{role: ("point_doctor", "point_other_filed") for role in ROLES},
        "leader": (None, "point_doctor"),
        "outsider": ("point_other_filed", "point_doctor"),
    },
    # a point of one's own task: 张医生's (the staff login) alone; the others are refused it
    "campaign_point": {role: ("cp_staff", "cp_colleague") for role in ROLES},
    "campaign_task": {role: ("task_staff", "task_colleague") for role in ROLES},
    # a leader's filing open to comments: the hospital's, the other hospital's for the outsider
    "upward": {
        **{role: ("upward_hospital", "upward_other") for role in ROLES},
        "outsider": ("upward_other", "upward_hospital"),
    },
    "campaign": {
        **{role: ("campaign_hospital", "campaign_other") for role in ROLES},
        "outsider": ("campaign_other", "campaign_hospital"),
    },
    "flow_definition": {
        **{role: ("flow_hospital", "flow_other") for role in ROLES},
        "outsider": ("flow_other", "flow_hospital"),
    },
    "exchange_report": {
        **{role: ("report_hospital", "report_other") for role in ROLES},
        "outsider": ("report_other", "report_hospital"),
    },
    "assessment": {
        **{role: ("assessment_staff", "assessment_other") for role in ROLES},
        "outsider": ("assessment_other", "assessment_staff"),
    },
    "assessment_draft": {
        **{role: ("assessment_draft", "assessment_draft_other") for role in ROLES},
        "outsider": ("assessment_draft_other", "assessment_draft"),
    },
    "assessment_submitted": {
        **{role: ("assessment_submitted", "assessment_submitted_other") for role in ROLES},
        "outsider": ("assessment_submitted_other", "assessment_submitted"),
    },
    "flow_instance": _flow_pairs("flow_"),
    "flow_task": _flow_pairs("flow_task_"),
    "delegation": _flow_pairs("delegation_"),
    "rotation": {
        **{role: ("buyer", "other_person") for role in ROLES},
        "dept_head": (None, "buyer"),
        "staff": (None, "buyer"),
        "outsider": ("other_person", "buyer"),
    },
}


def pair_of(kind, role):
    return (EXTRA_PAIRS.get(kind) or PAIRS[kind])[role]


def pair_target(sw, kind, role):
    """The in-scope object of `kind` for `role` (a form naming it, with no object in the URL)."""
    return target(sw, kind, role, "in")


def target(sw, kind, role, case):
    key = pair_of(kind, role)[0 if case == "in" else 1]
    if kind == "library":
        return "hospital"
    return None if key is None else sw[key]


# The walk -------------------------------------------------------------------------------------


def walked_names(resolver) -> set[str]:
    """Every URL pattern's name; an unnamed pattern stands for itself so it can't be declared."""
    names = set()
    for patterns, _callback, name in walk(resolver):
        names.add(name or "<unnamed> " + "".join(str(p) for p in patterns))
    return names


def undeclared(resolver, declared) -> tuple[set[str], set[str]]:
    """(URLs without a declaration, declarations of no URL)."""
    walked = walked_names(resolver)
    return walked - set(declared), set(declared) - walked


def test_every_url_is_declared():
    missing, stale = undeclared(get_resolver(), DECLARATIONS)
    assert missing == set(), "declare these URLs in tests/test_scope_matrix.py"
    assert stale == set(), "these declarations name no URL"


def test_the_check_notices_an_undeclared_url():
    def view(request):
        return HttpResponse()

    sample = URLResolver(
        RegexPattern(r"^/"),
        [
            path("home/", role_required(Role.STAFF)(view), name="dashboard:home"),
            path("new/<int:pk>/", role_required(Role.STAFF)(view), name="new_page"),
            path("nameless/", role_required(Role.STAFF)(view)),
        ],
    )
    missing, stale = undeclared(sample, {"dashboard:home", "gone"})
    assert missing == {"new_page", "<unnamed> nameless/"}
    assert stale == {"gone"}


def test_declared_roles_match_the_views():
    """A declaration states who may use the view; a decorator change must change it too."""
    problems = []
    for _patterns, callback, name in walk(get_resolver()):
        declared = DECLARATIONS.get(name)
        access = access_of(callback)
        if declared is None:
            continue
        actual = PUBLIC if access is None or access == ("public",) else frozenset(access)
        if actual != declared.roles:
            problems.append((name, sorted(declared.roles), sorted(actual)))
    assert problems == []


def test_known_bugs_name_cases_of_the_matrix():
    cases = {("get", *p.values) for p in get_cases()} | {("post", *p.values) for p in post_cases()}
    assert set(KNOWN_BUGS) <= cases


# Kinds whose objects their declarations' `prepare` makes (not the world): checked below.
PREPARED_KINDS = {
    "flow_instance": open_flows,
    "flow_task": open_flows,
    "delegation": open_delegations,
    "campaign": campaigns_ready,
    "campaign_point": campaign_points,
    "campaign_task": campaign_points,
    "upward": upward_ready,
    "exchange_report": exchange_reports,
    "assessment": open_assessments,
    "assessment_draft": open_assessments,
    "assessment_submitted": open_assessments,
}


def test_every_kind_names_objects_of_the_world(sw):
    for decl in DECLARED:
        kinds = [decl.obj] + ([decl.shows[0]] if decl.shows else [])
        for kind in filter(lambda k: k and k not in PREPARED_KINDS, kinds):
            for role in ROLES:
                for key in pair_of(kind, role):
                    assert key is None or kind == "library" or key in sw.objects, (decl.name, key)


def test_prepared_kinds_name_objects_prepare_makes(world):
    for kind, prepare in PREPARED_KINDS.items():
        prepare(world)
        for role in ROLES:
            for key in pair_of(kind, role):
                assert key is None or key in world.objects, (kind, key)


# The requests ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sw(django_db_setup, django_db_blocker):
    for world in module_world(django_db_blocker):
        add_flows(world)
        yield world


@pytest.fixture
def world(sw):
    """The module's world for one test, its objects read afresh."""
    sw.begin_test()
    return sw


# One request handler for every client: a handler loads the middleware when it starts, and
# WhiteNoise then indexes every static file (a tenth of a second each time).
HANDLER = ClientHandler(enforce_csrf_checks=False)


def client_for(sw, role, api) -> Client:
    """A client signed in as `role` with the session the world opened for it, or nobody's.
    The API is read with the session too: its tokens are for service accounts only
    (tests/accounts/test_api_tokens.py)."""
    client = Client()
    client.handler = HANDLER
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sw.sessions[role]
    return client


@functools.cache
def with_arguments() -> set[str]:
    """The names of the URLs that take arguments (an object, or a pack's key)."""
    names = set()
    for patterns, _callback, name in walk(get_resolver()):
        for pattern in patterns:
            regex = getattr(pattern, "regex", None)
            if getattr(pattern, "converters", None) or (regex is not None and regex.groups):
                names.add(name)
    return names


def has_args(decl) -> bool:
    return decl.name in with_arguments()


def url_of(decl, sw, role, case):
    if not has_args(decl):
        return reverse(decl.name)
    obj = target(sw, decl.obj, role, case)
    make = decl.kwargs or by_pk
    return reverse(decl.name, kwargs=make(obj))


def may_use(role, roles) -> bool:
    return roles == PUBLIC or bool(HOLDS[role] & roles)


def expected_get(decl, role, case):
    if role in decl.get:
        return decl.get[role][0 if case == "in" else 1]
    if role == "anonymous":
        return 403 if decl.api else LOGIN
    if not may_use(role, decl.roles):
        return 403
    if decl.post_only:
        return 405
    if case == "out":
        return 404
    return decl.ok


def refused_outright(decl, role, roles) -> bool:
    """The answer comes before any object is read: nobody signed in, or a role the view
    does not admit. Asking again with an object outside the scope would be the same request."""
    return role == "anonymous" or not may_use(role, roles)


# Scoping bugs the matrix found, left to be fixed in the application: (test, URL, role, case)
# → what is wrong. Each case is expected to fail until then (strict: a fix makes it pass, and
# the entry must go).
# (none at present: the power page's dead links and the jobs of deactivated accounts are
# fixed.)
KNOWN_BUGS: dict = {}


def case_param(test, name, role, case):
    reason = KNOWN_BUGS.get((test, name, role, case))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(name, role, case, id=f"{name}-{role}-{case}", marks=marks)


def get_cases():
    for decl in DECLARED:
        scoped = has_args(decl) and not decl.unscoped
        for role in ROLES:
            out = scoped and not refused_outright(decl, role, decl.roles) and not decl.post_only
            for case in ["in", "out"] if out else ["in"]:
                yield case_param("get", decl.name, role, case)


def assert_answer(response, expected, what):
    if expected == LOGIN:
        assert response.status_code == 302, what
        assert response["Location"].startswith(reverse("accounts:login")), what
    else:
        assert response.status_code == expected, what


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s", "", "".join(page.extract_text() for page in pages))


def assert_shows(decl, sw, role, response):
    """A list shows the in-scope object (for roles with one) and never the out-of-scope one."""
    kind, link, make, seeing = decl.shows
    inside = target(sw, kind, role, "in")
    outside = target(sw, kind, role, "out")
    body = body_of(response)
    if link is None and response["Content-Type"] == "application/pdf":
        text = pdf_text(body)

        def marker(obj):
            return re.sub(r"\s", "", make(obj))  # the PDF wraps its cells' text

    elif link is None and response["Content-Type"] == DOCX:
        text = docx_text(body)
        marker = make
    elif link is None and response["Content-Type"].startswith("application/json"):
        text = body.decode()
        marker = make  # the object's text in the answer
    elif link is None:
        text = xlsx_text(body)
        marker = make  # the object's text in the export
    else:
        text = body.decode()

        def marker(obj):
            return '"' + reverse(link, kwargs=make(obj))

    if role in seeing and inside is not None:
        assert marker(inside) in text, f"{decl.name}: {inside} missing for {role}"
    if outside is not None:
        assert marker(outside) not in text, f"{decl.name}: {outside} shown to {role}"


# The pages that open one object, per model. A page must not link a role to an object outside
# its scope: the link would name the object, and lead to a 404.
OPENERS = {
    Organisation: ["org:organisation_detail"],
    Department: ["org:department_detail", "risks:department"],
    Person: ["org:person_detail", "risks:person"],
    Post: ["org:post_detail"],
    Power: ["org:power_detail"],
    RiskPoint: ["risks:point_detail"],
    Measure: ["risks:measure_detail"],
    Job: ["core:job_detail"],
    AuditEvent: ["core:audit_detail"],
    Warning: ["core:warning_detail"],
    WorkdayOverride: ["core:workday_override_edit"],
    User: ["accounts:user_detail"],
}


def foreign_links(sw, role) -> list[str]:
    """The opening of every link (href="/…/<pk>/) to an object outside `role`'s scope."""
    cache = sw.__dict__.setdefault("foreign_links", {})
    if role not in cache:
        links = []
        for model, names in OPENERS.items():
            visible = VISIBLE[model].get(role, set())
            for pk, key in labelled(sw, model).items():
                if key not in visible:
                    links += ['"' + reverse(name, args=[pk]) for name in names]
        cache[role] = links
    return cache[role]


@pytest.mark.parametrize("name, role, case", list(get_cases()))
def test_get(world, name, role, case):
    decl = DECLARATIONS[name]
    if decl.prepare:
        decl.prepare(world)
    response = client_for(world, role, decl.api).get(url_of(decl, world, role, case))
    expected = expected_get(decl, role, case)
    assert_answer(response, expected, f"GET {name} as {role}, {case} of scope")
    if expected == 200 and response["Content-Type"].startswith("text/html"):
        links = [link for link in foreign_links(world, role) if link in response.content.decode()]
        assert links == [], f"{name} links {role} to objects outside its scope"
    if decl.shows and expected == 200:
        assert_shows(decl, world, role, response)
    if name == "core:job_download" and expected == 200:
        assert body_of(response).decode() == JOB_CONTENT


# Writes ---------------------------------------------------------------------------------------

WATCHED = [
    AuditEvent,
    Assessment,
    Notice,
    Rectification,
    Warning,
    Organisation,
    Department,
    DepartmentFunction,
    Post,
    Person,
    PostAssignment,
    LeaderDivision,
    Power,
    PowerStep,
    RiskPoint,
    RiskPointEvent,
    Measure,
    GradingScheme,
    GenericPhrase,
    Submission,
    Decision,
    ChainSetting,
    User,
    RoleGrant,
    Module,
    ModuleSetting,
    Column,
    Job,
    WorkdayOverride,
    WorkdayYear,
    TOTPDevice,
    Notification,
    NotificationSettings,
    NotificationChoice,
]


def database_state():
    """Every row of the watched tables: a write anywhere among them changes this."""
    quote = connection.ops.quote_name
    state = {}
    with connection.cursor() as cursor:
        for model in WATCHED:
            meta = model._meta
            cursor.execute(f"SELECT * FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}")
            state[model.__name__] = cursor.fetchall()
    return state


def changed_tables(before, after):
    return sorted(name for name in before if before[name] != after[name])


def expected_post(decl, role, case):
    """(status, whether the write is made)."""
    if role == "anonymous":
        return (403 if decl.api else LOGIN), False
    if not may_use(role, decl.write_roles or decl.roles):
        return 403, False
    if case == "out":
        return decl.post_out, False
    if role in decl.post:
        return decl.post[role]
    return decl.post_ok, bool(decl.writes)


def post_cases():
    for decl in DECLARED:
        if decl.data is None:
            continue
        scoped = decl.obj is not None and not decl.unscoped
        for role in ROLES:
            out = scoped and not refused_outright(decl, role, decl.write_roles or decl.roles)
            for case in ["in", "out"] if out else ["in"]:
                yield case_param("post", decl.name, role, case)


def send(client, decl, url, data):
    if decl.api:
        return getattr(client, decl.method)(url, json.dumps(data), content_type="application/json")
    return getattr(client, decl.method)(url, data)


@pytest.mark.parametrize("name, role, case", list(post_cases()))
def test_post(world, name, role, case):
    decl = DECLARATIONS[name]
    if decl.prepare:
        decl.prepare(world)
    client = client_for(world, role, decl.api)
    url = url_of(decl, world, role, case)
    # Forms are filled for the object the URL names, or, without one, for the in/out target.
    form_target = target(world, decl.obj, role, case) if decl.obj else None
    data = decl.data(world, form_target, role)
    before = database_state()
    response = send(client, decl, url, data)
    after = database_state()
    status, writes = expected_post(decl, role, case)
    what = f"{decl.method.upper()} {name} as {role}, {case} of scope"
    assert_answer(response, status, what)
    changed = changed_tables(before, after)
    if writes:
        assert changed, f"{what}: nothing was written"
        if decl.audited:
            assert len(after["AuditEvent"]) > len(before["AuditEvent"]), f"{what}: no audit"
    else:
        assert changed == [], f"{what}: wrote {changed}"


# The API lists --------------------------------------------------------------------------------

API_LISTS = {
    "api-organisation-list": (Organisation, {}),
    "api-department-list": (Department, {}),
    "api-post-list": (Post, {}),
    "api-person-list": (Person, {}),
    "api-power-list": (Power, {}),
    "api-risk-point-list": (RiskPoint, {"status": "all"}),
    "api-measure-list": (Measure, {}),
}
API_ROLES = [
    "admin",
    "integrity",
    "commission_integrity",
    "leader",
    "dept_head",
    "staff",
    "outsider",
]


@pytest.mark.parametrize("role", API_ROLES)
@pytest.mark.parametrize("name", list(API_LISTS))
def test_api_lists_show_exactly_the_rows_in_scope(world, name, role):
    """Each role's token lists exactly what its scope holds: nothing outside, nothing missing."""
    model, query = API_LISTS[name]
    response = client_for(world, role, api=True).get(reverse(name), query)
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None  # one page holds the world
    labels = labelled(world, model)
    expected = VISIBLE[model][role]
    if model is RiskPoint and query.get("status") != "all":
        expected = {key for key in expected if key != "point_retired"}
    assert {labels[row["id"]] for row in body["results"]} == expected


# Lists of the caller's own rows, not of a scope (to-do, started by me, flows I may start):
# tests/flows/test_api.py and test_services_selectors.py check them.
PERSONAL_API_LISTS = {"api-flow-definition-list", "api-flow-instance-list", "api-flow-task-list"}


def test_api_lists_cover_every_list_endpoint():
    lists = {d.name for d in DECLARED if d.api and d.name.endswith("-list")}
    assert lists - PERSONAL_API_LISTS == set(API_LISTS)


# Filters naming objects outside the scope -----------------------------------------------------
# A list's query string may name any id. Naming objects outside the role's scope must not
# widen the list: the page still links to nothing outside, the API returns nothing outside.
FILTERS = {
    "risks:register": ("organisation", "department", "post", "power"),
    "risks:register_charts": ("organisation", "department", "post", "power"),
    "risks:positioning_index": ("organisation",),
    "org:department_list": ("organisation",),
    "org:post_list": ("organisation", "department"),
    "org:person_list": ("organisation", "department", "post"),
    "org:division_list": ("organisation",),
    "org:rotation_list": ("organisation", "department"),
    "org:power_list": ("organisation", "department"),
    "api-department-list": ("organisation",),
    "api-post-list": ("organisation", "department"),
    "api-person-list": ("organisation", "department"),
    "api-power-list": ("organisation", "department"),
    "api-risk-point-list": ("organisation", "department", "post", "power"),
    "api-measure-list": ("organisation", "owner_person", "owner_department", "risk_point"),
}
FILTER_KINDS = {
    "owner_person": "person",
    "owner_department": "department",
    "risk_point": "point",
}
FILTER_ROLES = ["admin", "integrity", "leader", "dept_head", "staff", "outsider"]


@pytest.mark.parametrize("role", FILTER_ROLES)
@pytest.mark.parametrize("name", list(FILTERS))
def test_filters_naming_objects_outside_the_scope_widen_nothing(world, name, role):
    query = {"status": "all"} if "register" in name or "risk-point" in name else {}
    for key in FILTERS[name]:
        query[key] = target(world, FILTER_KINDS.get(key, key), role, "out").pk
    api = name.startswith("api-")
    response = client_for(world, role, api).get(reverse(name), query)
    assert response.status_code == 200
    if api:
        model = API_LISTS[name][0]
        labels = labelled(world, model)
        seen = {labels[row["id"]] for row in response.json()["results"]}
        assert seen <= VISIBLE[model][role]
    else:
        page = response.content.decode()
        assert [link for link in foreign_links(world, role) if link in page] == []


def test_filter_declarations_name_list_urls():
    assert set(FILTERS) <= set(DECLARATIONS)
