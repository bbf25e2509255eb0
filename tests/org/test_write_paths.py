"""One write path per aggregate: the same powers (with their steps) through the single
services, the Excel import and the standard-library import, and the same people (with their
post history) through the single services and the roster import, give the same rows and the
same audit entries, field by field (ignoring ids, timestamps, the action prefix of a path and
the fields only the library import records)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lianfang.core import audit
from lianfang.core.errors import RowsInvalid
from lianfang.core.models import AuditEvent
from lianfang.demo import services as demo_services
from lianfang.demo.generator import build_hospital
from lianfang.org import person_services, power_io, power_services, roster
from lianfang.org.models import Department, Person, Post, PostAssignment, Power, PowerStep
from lianfang.risks import library_import
from tests.factories import make_org
from tests.risks.factories import make_risk_point
from tests.risks.library_packs import text, write_pack

pytestmark = pytest.mark.django_db

# Summaries of a whole import, and fields only the library import records.
SUMMARIES = {"power_catalogue.import", "roster.import", "library.import"}
PATH_FIELDS = {"id", "organisation_id", "library_urn", "library_version"}


def twin(world, name, code):
    """An organisation with the departments and posts of the world's hospital."""
    org = make_org(name, code, world.commission)
    departments = {
        d.pk: Department.objects.create(organisation=org, name=d.name, code=d.code)
        for d in Department.objects.filter(organisation=world.hospital)
    }
    for post in Post.objects.filter(organisation=world.hospital):
        Post.objects.create(
            organisation=org,
            department=departments.get(post.department_id),
            name=post.name,
            code=post.code,
        )
    return org


def department(org, name):
    return Department.objects.get(organisation=org, name=name) if name else None


def post(org, name, department_name=None):
    if department_name:
        return Post.objects.get(organisation=org, name=name, department__name=department_name)
    return Post.objects.get(organisation=org, name=name, department=None)


def _normal(data, names):
    if data is None:
        return None
    out = {}
    for key, value in data.items():
        if key in PATH_FIELDS:
            continue
        if key == "post_ids":
            value = sorted(names["post_id"][i] for i in value)
        elif key in names:
            value = names[key].get(value, value)
        out[key] = value
    return out


def audit_entries(org, prefix=""):
    """The organisation's audit entries, without ids and the path's prefix and summary; an
    entry that changed only what a path alone records (the library version) is left out."""
    names = {
        "department_id": dict(
            Department.objects.filter(organisation=org).values_list("pk", "name")
        ),
        "post_id": {
            p.pk: (p.department.name if p.department else "", p.name)
            for p in Post.objects.filter(organisation=org).select_related("department")
        },
        "power_id": dict(Power.objects.filter(organisation=org).values_list("pk", "code")),
        "person_id": dict(Person.objects.filter(organisation=org).values_list("pk", "staff_no")),
    }
    entries = []
    for event in AuditEvent.objects.filter(organisation_id=org.pk).order_by("seq"):
        action = event.action.removeprefix(prefix)
        if action in SUMMARIES:
            continue
        before, after = _normal(event.before, names), _normal(event.after, names)
        if before == {} and after == {}:
            continue
        entries.append((action, event.object_type, event.object_repr, before, after))
    return sorted(entries, key=repr)


# Powers ---------------------------------------------------------------------------------------

POWERS = [
    {
        "code": "CG-01",
        "name": "药品耗材采购",
        "category": "procurement",
        "basis": "《政府采购法》第二十四条",
        "department": "采购中心",
        "posts": ["采购员"],
        "duties": "组织药品耗材采购",
        "time_limit_days": 30,
        "is_public": True,
        "steps": [("提出需求", False), ("供应商遴选", True), ("合同签订", True)],
    },
    {
        "code": "CW-01",
        "name": "资金支付审批",
        "category": "finance",
        "basis": "《会计法》",
        "department": "财务科",
        "posts": ["副院长"],
        "duties": "审核资金支付",
        "time_limit_days": 5,
        "is_public": False,
        "steps": [("申请", False), ("审核", True)],
    },
    {
        "code": "YY-01",
        "name": "处方权",
        "category": "prescribing",
        "basis": "《处方管理办法》",
        "department": "心内科",
        "posts": ["科主任", "主治医师"],
        "duties": "开具处方",
        "time_limit_days": None,
        "is_public": True,
        "steps": [("诊断", False), ("开具处方", True)],
    },
]


def power_data(org, spec):
    return {
        **{k: spec[k] for k in ("code", "name", "category", "basis", "duties", "is_public")},
        "time_limit_days": spec["time_limit_days"],
        "department": department(org, spec["department"]),
        "posts": [Post.objects.get(organisation=org, name=name) for name in spec["posts"]],
    }


def through_services(world, org, specs):
    actor = world.users["integrity"]
    for spec in specs:
        power = power_services.power_create(
            actor=actor, organisation=org, data=power_data(org, spec)
        )
        for name, control in spec["steps"]:
            power_services.power_step_add(
                actor=actor, power=power, data={"name": name, "is_control_point": control}
            )


HEADER = list(power_io.HEADERS.values())[:10]


def powers_sheet(specs):
    labels = power_io.category_labels()
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for spec in specs:
        ws.append(
            [
                spec["code"],
                spec["name"],
                labels[spec["category"]],
                spec["basis"],
                spec["department"],
                "、".join(spec["posts"]),
                spec["duties"],
                spec["time_limit_days"],
                "是" if spec["is_public"] else "否",
                power_io.steps_text(
                    PowerStep(name=name, is_control_point=control)
                    for name, control in spec["steps"]
                ),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("powers.xlsx", out.getvalue())


def through_excel(world, org, specs):
    result = power_io.power_import(
        actor=world.users["integrity"], organisation=org, file=powers_sheet(specs)
    )
    assert result.ok, result.errors


def pack(specs, version=1):
    return {
        "urn": "urn:lianfang:library:eq",
        "version": version,
        "sector": "eq",
        "name": text("对照标准库", "Equivalence library"),
        "description": text("用于对照各写入途径", "For comparing the write paths"),
        "powers": [
            {
                "urn": f"urn:lianfang:eq:power:{spec['code'].lower()}",
                "code": spec["code"],
                "category": spec["category"],
                "name": text(spec["name"], spec["code"]),
                "basis": text(spec["basis"], "basis"),
                "department": spec["department"],
                "posts": spec["posts"],
                "duties": text(spec["duties"], "duties"),
                "time_limit_days": spec["time_limit_days"],
                "public": spec["is_public"],
                "steps": [
                    {"key": f"step-{n}", "name": text(name, f"Step {n}"), "control_point": control}
                    for n, (name, control) in enumerate(spec["steps"], start=1)
                ],
            }
            for spec in specs
        ],
        "risk_points": [],
        "measures": [],
    }


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setattr(library_import, "PACKS_DIRECTORY", tmp_path)
    return tmp_path


def through_library(world, org, specs, packs, version=1):
    write_pack(packs, pack(specs, version))
    library_import.library_import(actor=world.users["integrity"], organisation=org, pack_key="eq")


def catalogue(org):
    return sorted(
        (
            p.code,
            p.name,
            p.category,
            p.basis,
            p.department.name if p.department else None,
            tuple(sorted(x.name for x in p.posts.all())),
            p.duties,
            p.time_limit_days,
            p.is_public,
            p.active,
            tuple(
                (s.key, s.name, s.order, s.is_control_point, s.post_id, s.time_limit_days)
                for s in p.steps.order_by("order")
            ),
        )
        for p in Power.objects.filter(organisation=org)
    )


def test_a_catalogue_is_the_same_through_the_services_the_excel_and_the_library(world, packs):
    single, excel, library = (
        twin(world, "甲院", "T1"),
        twin(world, "乙院", "T2"),
        twin(world, "丙院", "T3"),
    )
    through_services(world, single, POWERS)
    through_excel(world, excel, POWERS)
    through_library(world, library, POWERS, packs)
    assert catalogue(single) == catalogue(excel) == catalogue(library)
    assert len(catalogue(single)) == 3
    expected = audit_entries(single)
    assert [e[0] for e in expected].count("power_step.create") == 7
    assert audit_entries(excel) == expected
    assert audit_entries(library, "library.import.") == expected

    # A second version: a power renamed with a new basis, a step made a control point and one
    # added at the end, which each path can express.
    changed = [dict(spec, steps=list(spec["steps"])) for spec in POWERS]
    changed[0].update(name="药品及耗材采购", basis="《政府采购法》")
    changed[1]["steps"] = [("申请", True), ("审核", True), ("支付", False)]
    actor = world.users["integrity"]
    power = Power.objects.get(organisation=single, code="CG-01")
    power_services.power_update(
        actor=actor, power=power, data={"name": "药品及耗材采购", "basis": "《政府采购法》"}
    )
    finance = Power.objects.get(organisation=single, code="CW-01")
    power_services.power_step_update(
        actor=actor, step=finance.steps.get(name="申请"), data={"is_control_point": True}
    )
    power_services.power_step_add(actor=actor, power=finance, data={"name": "支付"})
    through_excel(world, excel, changed)
    through_library(world, library, changed, packs, version=2)
    assert catalogue(single) == catalogue(excel) == catalogue(library)
    expected = audit_entries(single)
    assert audit_entries(excel) == expected
    assert audit_entries(library, "library.import.") == expected


def test_removing_reordering_and_reposting_are_the_same_through_the_services_and_the_excel(
    world,
):
    single, excel = twin(world, "甲院", "T1"), twin(world, "乙院", "T2")
    through_services(world, single, POWERS)
    through_excel(world, excel, POWERS)
    changed = [dict(spec) for spec in POWERS]
    changed[0]["steps"] = [("合同签订", True), ("提出需求", False)]  # reorder, drop one
    changed[0]["posts"] = []
    changed[2]["posts"] = ["主治医师"]
    actor = world.users["integrity"]
    power = Power.objects.get(organisation=single, code="CG-01")
    power_services.power_step_remove(actor=actor, step=power.steps.get(name="供应商遴选"))
    steps = {s.name: s.pk for s in power.steps.all()}
    power_services.power_step_reorder(
        actor=actor, power=power, step_ids=[steps["合同签订"], steps["提出需求"]]
    )
    power_services.power_update(actor=actor, power=power, data={"posts": []})
    prescribing = Power.objects.get(organisation=single, code="YY-01")
    power_services.power_update(
        actor=actor, power=prescribing, data={"posts": [post(single, "主治医师", "心内科")]}
    )
    through_excel(world, excel, changed)
    assert catalogue(single) == catalogue(excel)
    assert audit_entries(excel) == audit_entries(single)


def test_the_library_import_refuses_what_the_rules_refuse_and_writes_nothing(world, packs):
    specs = [dict(POWERS[0], time_limit_days=9999)]
    before = AuditEvent.objects.count()
    with pytest.raises(library_import.LibraryImportError) as excinfo:
        through_library(world, world.hospital, specs, packs)
    assert any("期限须为 1 至 3650 天" in line for line in excinfo.value.errors)
    assert not Power.objects.filter(organisation=world.hospital).exists()
    assert AuditEvent.objects.count() == before


def test_the_bulk_writer_reports_every_rows_problems_and_writes_nothing(world):
    org = world.hospital
    rows = [
        power_services.PowerRow({"code": "A-1", "name": "甲"}, number=2),
        power_services.PowerRow(
            {"code": "A-1", "name": "", "department": world.surgery_b},
            steps=[power_services.StepRow({"name": "审核", "key": "不合格"})],
            number=3,
        ),
    ]
    with pytest.raises(RowsInvalid) as excinfo:
        power_services.powers_write(actor=None, organisation=org, rows=rows)
    found = {(i.row, i.field, i.message) for i in excinfo.value.issues}
    assert found == {
        (3, "name", "请填写权力名称。"),
        (3, "code", "编码“A-1”与第 2 行重复。"),
        (3, "department", "承办部门须为本单位的科室。"),
        (3, "steps", "第 1 个环节：环节代码只能包含英文字母、数字、连字符和下划线。"),
    }
    assert not Power.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_step_with_risk_points_is_kept_by_every_path(world):
    """The Excel import refused removing such a step with its own sentence; the service's
    rule and message now serve both."""
    through_excel(world, world.hospital, POWERS)
    power = Power.objects.get(organisation=world.hospital, code="CG-01")
    make_risk_point(power=power, step=power.steps.get(name="供应商遴选"))
    row = power_services.PowerRow({}, power, remove_steps=[power.steps.get(name="供应商遴选")])
    with pytest.raises(RowsInvalid) as bulk:
        power_services.powers_write(actor=None, organisation=world.hospital, rows=[row])
    with pytest.raises(Exception) as single:
        power_services.power_step_remove(actor=None, step=power.steps.get(name="供应商遴选"))
    assert bulk.value.issues[0].message == single.value.messages[0]
    assert power.steps.count() == 3


# People ---------------------------------------------------------------------------------------

PEOPLE = [
    # 工号, 姓名, 性别, 科室, 岗位, 起始, 职务/职称, 电话, 单位领导
    ("0301", "孙会计", "F", "财务科", "会计", dt.date(2021, 3, 1), "会计师", "13800000001", False),
    ("0302", "周出纳", "M", "财务科", "出纳", dt.date(2022, 5, 6), "", "13800000002", False),
    ("0002", "吴院长", "M", None, "院长", dt.date(2019, 1, 1), "院长", "", True),
]


def staff_twin(world, name, code):
    org = twin(world, name, code)
    finance = department(org, "财务科")
    Post.objects.create(organisation=org, department=finance, name="会计", code="P-KJ")
    Post.objects.create(organisation=org, department=finance, name="出纳", code="P-CN")
    Post.objects.create(organisation=org, name="院长", code="P-YZ")
    return org


def roster_sheet(people):
    wb = Workbook()
    ws = wb.active
    ws.append(list(roster.HEADERS.values())[:9])
    for staff_no, name, gender, dept, post_name, start, title, phone, leader in people:
        ws.append(
            [
                staff_no,
                name,
                {"M": "男", "F": "女"}[gender],
                dept or "",
                post_name,
                start,
                title,
                phone,
                "是" if leader else "否",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("roster.xlsx", out.getvalue())


def through_roster(world, org, people):
    result = roster.roster_import(
        actor=world.users["integrity"], organisation=org, file=roster_sheet(people)
    )
    assert result.ok, result.errors
    return result


def people_through_services(world, org, people):
    actor = world.users["integrity"]
    for staff_no, name, gender, dept, post_name, start, title, phone, leader in people:
        person = person_services.person_create(
            actor=actor,
            organisation=org,
            data={
                "staff_no": staff_no,
                "name": name,
                "gender": gender,
                "department": department(org, dept),
                "title": title,
                "phone": phone,
                "is_leader": leader,
            },
        )
        person_services.post_assign(
            actor=actor, person=person, post=post(org, post_name, dept), start=start
        )


def staff(org):
    return (
        sorted(
            Person.objects.filter(organisation=org).values_list(
                "staff_no",
                "name",
                "gender",
                "department__name",
                "title",
                "phone",
                "is_leader",
                "active",
            )
        ),
        sorted(
            PostAssignment.objects.filter(person__organisation=org).values_list(
                "person__staff_no", "post__department__name", "post__name", "start", "end", "note"
            )
        ),
    )


def test_staff_are_the_same_through_the_services_and_the_roster(world):
    single, excel = staff_twin(world, "甲院", "T1"), staff_twin(world, "乙院", "T2")
    people_through_services(world, single, PEOPLE)
    assert through_roster(world, excel, PEOPLE).created == 3
    assert staff(single) == staff(excel)
    expected = audit_entries(single)
    assert [e[0] for e in expected].count("post_assignment.create") == 3
    assert audit_entries(excel) == expected

    # 孙 changes phone and moves to 出纳; 周's start in 出纳 is corrected; 吴 stays.
    changed = [list(p) for p in PEOPLE]
    changed[0][7], changed[0][4], changed[0][5] = "13800009999", "出纳", dt.date(2024, 1, 1)
    changed[1][5] = dt.date(2022, 6, 1)
    actor = world.users["integrity"]
    sun = Person.objects.get(organisation=single, staff_no="0301")
    person_services.person_update(actor=actor, person=sun, data={"phone": "13800009999"})
    person_services.post_assign(
        actor=actor, person=sun, post=post(single, "出纳", "财务科"), start=dt.date(2024, 1, 1)
    )
    zhou = PostAssignment.objects.get(person__organisation=single, person__staff_no="0302")
    person_services.assignment_update(
        actor=actor, assignment=zhou, data={"start": dt.date(2022, 6, 1)}
    )
    result = through_roster(world, excel, changed)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    assert staff(single) == staff(excel)
    assert audit_entries(excel) == audit_entries(single)
    assert audit.verify().ok


def test_a_future_start_is_taken_by_every_path(world):
    """The roster refused a start after today, which post_assign allows: the service's rule
    now serves both."""
    single, excel = staff_twin(world, "甲院", "T1"), staff_twin(world, "乙院", "T2")
    future = dt.date.today() + dt.timedelta(days=30)
    people = [(*PEOPLE[0][:5], future, *PEOPLE[0][6:])]
    people_through_services(world, single, people)
    through_roster(world, excel, people)
    assert staff(single) == staff(excel)
    assert staff(excel)[1][0][3] == future


def test_the_roster_checks_the_post_history_with_the_services_rules(world):
    org = staff_twin(world, "甲院", "T1")
    through_roster(world, org, PEOPLE)
    sun = PostAssignment.objects.get(person__organisation=org, person__staff_no="0301")
    person_services.assignment_update(actor=None, assignment=sun, data={"end": dt.date(2023, 1, 1)})
    # a new post must start after the end of the last one, as post_assign requires
    rows = [[*PEOPLE[0][:4], "出纳", dt.date(2022, 12, 1), *PEOPLE[0][6:]]]
    result = roster.roster_import(actor=None, organisation=org, file=roster_sheet(rows))
    with pytest.raises(Exception) as single:
        person_services.post_assign(
            actor=None,
            person=Person.objects.get(organisation=org, staff_no="0301"),
            post=post(org, "出纳", "财务科"),
            start=dt.date(2022, 12, 1),
        )
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "岗位起始日期", single.value.message_dict["start"][0])
    ]


def test_the_people_writer_reports_every_rows_problems_and_writes_nothing(world):
    org = world.hospital
    rows = [
        person_services.PersonRow({"staff_no": "0101", "name": "同号"}, number=2),
        person_services.PersonRow(
            {"staff_no": "0900", "name": "甲", "gender": "X", "department": world.surgery_b},
            posts=[person_services.Held(Post.objects.get(code="P-YS"), dt.date(2024, 1, 1))],
            number=3,
        ),
        person_services.PersonRow({"staff_no": "0900", "name": "乙"}, number=4),
    ]
    people = Person.objects.count()
    with pytest.raises(RowsInvalid) as excinfo:
        person_services.people_write(actor=None, organisation=org, rows=rows)
    found = {(i.row, i.field, i.message) for i in excinfo.value.issues}
    assert found == {
        (2, "staff_no", "工号“0101”已被本单位其他人员使用。"),
        (3, "gender", "性别只能是“男”或“女”。"),
        (3, "department", "科室须属于人员所在单位。"),
        (3, "post", "只能安排到本单位的岗位。"),
        (4, "staff_no", "工号“0900”与第 3 行重复。"),
    }
    assert Person.objects.count() == people
    assert not AuditEvent.objects.exists()


def test_the_demo_writes_its_staff_through_the_people_writer(world):
    """The demo's posts and staff follow the rules of the pages (a history the rules refuse
    would raise) and are audited like them, as demo.* events."""
    org = make_org("示例市第九人民医院", "SL-T9", world.commission)
    rows = build_hospital(org, seed=1, index=9)
    demo_services._save(org, rows)
    people = Person.objects.filter(organisation=org)
    held = PostAssignment.objects.filter(person__organisation=org)
    assert people.count() == len(rows.people) == 1500
    actions = list(
        AuditEvent.objects.filter(organisation_id=org.pk).values_list("action", flat=True)
    )
    assert actions.count("demo.person.create") == 1500
    assert actions.count("demo.post.create") == Post.objects.filter(organisation=org).count()
    assert actions.count("demo.post_assignment.create") == held.count() == len(rows.assignments)
    # each earlier post ends the day before the next begins, as post_assign closes it
    by_person = {}
    for row in held.order_by("person_id", "start"):
        by_person.setdefault(row.person_id, []).append(row)
    for history in by_person.values():
        for earlier, later in zip(history, history[1:], strict=False):
            assert earlier.end == later.start - dt.timedelta(days=1)
        assert history[-1].end is None
    # a leader who rose from a department's post belongs to none, as the row states
    leaders = people.filter(is_leader=True)
    assert set(leaders.values_list("department", flat=True)) == {None}
    assert held.filter(person__in=leaders, end__isnull=False).count() == 8
