"""The demo hospital's power flows (权力运行): the shipped definitions, and a few hundred
matters (办件) over the last six months in every state, some overdue, some escalated, some
whose control point's publication the integrity office withdrew.

Everything goes through the flows' own services (`instance_start`, `task_act`,
`deadlines_run`, `publications.withdraw`): no row is written around their rules. To spread
the matters over six months the services run "as of" past moments (`as_of`: Django's clock
set back while a service runs, so arrival times, due times in 工作日, 超时 and escalation are
those of that moment; the deadline run is today's). The audit log keeps the real time: it
records that the demo wrote these today.

Who takes part: the services resolve handlers to accounts, and only the demo's logins have
accounts, so the applicants are the demo's `staff` (心内科 医师), `dept_head` (心内科 主任) and
`leader` (分管内科 副院长) logins, each starting the flows they may start; their tasks go where
the handler rules send them (the department head, the leader in charge, the integrity office
up the ladder when the 主要领导 has no account). That gives the `dept_head`, `leader` and
`integrity` logins something in 待办, and the `staff` login the flows whose step is the
applicant's own (e.g. 公文处理's 办理).
"""

import datetime as dt
import functools
import heapq
import io
import random
import types
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from lianfang.accounts.models import User
from lianfang.core import audit, publications
from lianfang.core.attachments import attachments_of
from lianfang.core.roles import Role
from lianfang.flows import deadlines, library, services
from lianfang.flows.models import FlowDefinition, Instance, Task
from lianfang.flows.publications import column as flows_column
from lianfang.flows.services import FLOW_ATTACHMENT
from lianfang.org.models import Department, Person

from .portal import _font

INSTANCES = 200
DAYS = 182
WITHDRAWN_PUBLICATIONS = 3
APPLICANTS = ("staff", "dept_head", "leader")
# What becomes of a matter (when nothing else decides first): the weights of each ending.
ENDINGS = (("complete", 70), ("reject", 12), ("withdraw", 8), ("stall", 10))
SUPPLIERS = ("示例医疗器械有限公司", "示例市医药供应站", "示例信息技术有限公司", "示例建设工程公司")
APPLICANT_STEP_FLOW = "document_handling"
CADRE_FLOW = "cadre_selection"  # one always runs to its published nominees (`_cadre_selection`)
CADRE_APPLICANTS = ("dept_head", "integrity", "admin")


@dataclass
class FlowsResult:
    definitions: int = 0
    instances: int = 0
    states: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    escalated: int = 0
    withdrawn_publications: int = 0


@contextmanager
def as_of(moment: dt.datetime):
    """Run the code inside as if it were `moment`: `django.utils.timezone.now` returns it
    (model timestamps, the services' `now`, the working-day calendar's today), except for the
    audit log, which keeps the real time."""
    real = timezone.now
    timezone.now = lambda: moment
    audit.timezone = types.SimpleNamespace(now=real)
    try:
        yield
    finally:
        timezone.now = real
        audit.timezone = timezone


def _working_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)), tzinfo=zone)


def _value(rng, item, people, departments, moment):
    kind = item["type"]
    if kind == "amount":
        return str(Decimal(rng.choice((800, 3500, 12000, 48000, 150000, 260000, 1200000))))
    if kind == "integer":
        return str(moment.year if "年" in item.get("label", "") else rng.randint(1, 5))
    if kind == "date":
        return (moment.date() + dt.timedelta(days=rng.randint(1, 20))).isoformat()
    if kind == "choice":
        return rng.choice(item.get("options") or [""])
    if kind == "person":
        return str(rng.choice(people).pk)
    if kind == "department":
        return str(rng.choice(departments).pk)
    if kind == "supplier":
        return rng.choice(SUPPLIERS)
    if kind == "boolean":
        return ""
    if kind == "attachment":
        return None  # files go with the start's `files` (see `_start_files`)
    label = item.get("label") or item["name"]
    return f"{label}（示例{rng.randint(1, 99)}）"


@functools.cache
def _title_font():
    return _font(26)  # a CJK font file is large: loaded once, not once per title


@functools.cache
def _pdf(title: str) -> bytes:
    """A one-page PDF (Pillow's writer) headed with `title`: the demo's stand-in for a scanned
    document, made once per title."""
    page = Image.new("RGB", (420, 594), "white")
    draw = ImageDraw.Draw(page)
    font, cjk = _title_font()
    draw.text((40, 50), title if cjk else "Lianfang demo", fill="black", font=font)
    for y in range(120, 540, 28):  # the body's lines
        draw.line((40, y, 380 - (y * 7) % 90, y), fill="#9a9a9a", width=3)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=72)
    return out.getvalue()


def _document(title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{title}.pdf", _pdf(title), "application/pdf")


def _start_files(rng, spec) -> dict:
    """Files for about half of the start form's attachment fields, as a user would add them."""
    return {
        item["name"]: _document(item.get("label") or item["name"])
        for item in spec.get("fields", [])
        if item["type"] == "attachment" and (item.get("required") or rng.random() < 0.5)
    }


def _step_files(instance: Instance, required: list[str]) -> dict:
    """The documents a step requires (`lianfang:attachments`) that the matter lacks, as the
    handler would attach them when approving; matched by name, as the service checks."""
    if not required:
        return {}
    names = [a.name for a in attachments_of(instance, FLOW_ATTACHMENT)]
    return {r: _document(r) for r in required if not any(r in n for n in names)}


def _form(rng, spec, people, departments, moment) -> dict:
    data = {}
    for item in spec.get("fields", []):
        value = _value(rng, item, people, departments, moment)
        if value is not None and (item.get("required") or rng.random() < 0.5):
            data[item["name"]] = value
    return data


def _definitions(organisation):
    return list(
        FlowDefinition.objects.filter(organisation=organisation, active=True)
        .select_related("current_version", "organisation")
        .order_by("code")
    )


def load_flows(hospital, *, seed: int, actor, today: dt.date | None = None) -> FlowsResult:
    """Import the shipped flows into `hospital` and run INSTANCES matters through them over the
    last DAYS days (see the module's docstring)."""
    rng = random.Random(seed * 104729 + hospital.pk)
    result = FlowsResult()
    admin = User.objects.get(username="admin")
    imported = library.flows_import(actor=admin, organisation=hospital)
    result.definitions = len(imported.published) + len(imported.unchanged)
    users = {k: User.objects.get(username=k) for k in APPLICANTS}
    startable = {
        key: [d for d in _definitions(hospital) if services.may_start(user, d)]
        for key, user in users.items()
    }
    people = list(
        Person.objects.filter(organisation=hospital, active=True, user__isnull=True).order_by("pk")[
            :400
        ]
    )
    departments = list(Department.objects.filter(organisation=hospital).order_by("pk"))
    now = timezone.now()
    today = today or timezone.localdate()
    # The matters' starts; each then waits for its next action in a queue ordered by time.
    # The deadline run (reminders, 超时, escalation) is today's, as the scheduler would make it:
    # the steps still waiting past their limits are marked and escalated.
    queue = []
    for n in range(INSTANCES):
        key = rng.choices(APPLICANTS, weights=(6, 2, 1))[0]
        if not startable[key]:
            continue
        definition = rng.choice(startable[key])
        start = _working_moment(rng, today - dt.timedelta(days=rng.randint(0, DAYS)))
        ending = rng.choices([e for e, _w in ENDINGS], weights=[w for _e, w in ENDINGS])[0]
        heapq.heappush(queue, (start, n, "start", (key, definition, ending)))
    instances: dict[int, tuple[Instance, str]] = {}
    while queue:
        moment, n, what, payload = heapq.heappop(queue)
        if moment > now:
            continue  # not yet: the matter waits (running)
        with as_of(moment):
            if what == "start":
                key, definition, ending = payload
                version = definition.current_version
                instance = services.instance_start(
                    actor=users[key],
                    version=version,
                    data=_form(rng, version.spec, people, departments, moment),
                    files=_start_files(rng, version.spec),
                )
                instances[n] = (instance, ending)
            else:
                instance, ending = instances[n]
                instance.refresh_from_db()
                if instance.state != Instance.State.RUNNING:
                    continue
                _act(rng, instance, ending)
                instance.refresh_from_db()
                if instance.state != Instance.State.RUNNING:
                    continue
        # the next action: usually within the limit, sometimes late, a stalled matter never
        days = rng.choice((0.2, 0.5, 1, 1, 2, 3)) if rng.random() > 0.12 else rng.uniform(6, 14)
        if instances[n][1] != "stall" or what == "start":
            heapq.heappush(queue, (moment + dt.timedelta(days=days), n, "act", None))
    _waiting_for_applicant(rng, users["staff"], hospital, today, people, departments)
    with as_of(now):
        deadlines.deadlines_run(now=now)
    _withdraw_publications(hospital, rng)
    # after the office's withdrawals, which draw from the newest records: its results stay
    _cadre_selection(hospital, today, people)
    result.instances = len(instances)
    for state in Instance.objects.filter(organisation=hospital).values_list("state", flat=True):
        result.states[state] = result.states.get(state, 0) + 1
    ready = Task.objects.filter(organisation=hospital, state=Task.State.READY)
    result.overdue = ready.filter(overdue_at__isnull=False).count()
    result.escalated = ready.filter(escalated_at__isnull=False).count()
    result.withdrawn_publications = WITHDRAWN_PUBLICATIONS
    return result


def _act(rng, instance: Instance, ending: str) -> None:
    tasks = list(
        instance.tasks.filter(state=Task.State.READY).select_related("assignee").order_by("pk")
    )
    tasks = [t for t in tasks if t.assignee is not None]
    if not tasks:
        return
    approved = instance.tasks.filter(decision=Task.Decision.APPROVE).exists()
    if ending == "withdraw" and not approved:
        services.task_act(actor=instance.applicant, task=tasks[0], action="withdraw")
        return
    if ending == "reject" and approved and rng.random() < 0.5:
        services.task_act(
            actor=tasks[0].assignee,
            task=tasks[0],
            action="reject",
            reason="不符合有关规定，不予同意",
        )
        return
    spec_tasks = instance.version.spec.get("tasks", {})
    for task in tasks:  # every member of a committee (会签) agrees, one after another
        if rng.random() < 0.04 and services.return_targets(instance, task):
            services.task_act(
                actor=task.assignee, task=task, action="return", reason="材料不全，请补充后再报"
            )
            return
        # a step that requires documents (e.g. 采购合同) gets them with the approval, through
        # the service's own attachment path (type and size checked, SHA-256 kept)
        required = spec_tasks.get(task.bpmn_id, {}).get("attachments") or []
        services.task_act(
            actor=task.assignee,
            task=task,
            action="approve",
            reason=rng.choice(("同意", "同意。", "已审核，同意", "")),
            files=_step_files(instance, required),
        )
        instance.refresh_from_db()
        if instance.state != Instance.State.RUNNING:
            return


def _waiting_for_applicant(rng, staff, hospital, today, people, departments) -> None:
    """A few documents (公文处理) of the last days, passed by the department head and the leader
    in charge, that wait for the `staff` login to handle them (the step whose handler is the
    applicant), so that login's 待办 is not empty."""
    definition = FlowDefinition.objects.filter(
        organisation=hospital, code=APPLICANT_STEP_FLOW
    ).first()
    if definition is None or not services.may_start(staff, definition):
        return
    version = definition.current_version
    for days in (3, 2, 1):
        moment = _working_moment(rng, today - dt.timedelta(days=days))
        with as_of(moment):
            instance = services.instance_start(
                actor=staff,
                version=version,
                data=_form(rng, version.spec, people, departments, moment),
            )
            for _step in range(4):
                ready = list(instance.tasks.filter(state=Task.State.READY).order_by("pk"))
                if not ready or any(t.assignee_id == staff.pk for t in ready):
                    break
                for task in ready:
                    services.task_act(actor=task.assignee, task=task, action="approve")
                instance.refresh_from_db()


def _cadre_selection(hospital, today, people) -> None:
    """One 中层干部竞聘上岗 of the last two weeks, whatever the random matters drew: its plan,
    eligibility check and nominees (three control points) passed and published, the
    appointment waiting for the 主要领导 (within its limit, so today's deadline run, already
    made, has nothing to mark), so the portal's 权力运行公开 always shows a cadre selection's
    results (issue 12's Done when)."""
    definition = FlowDefinition.objects.filter(organisation=hospital, code=CADRE_FLOW).first()
    applicant = next(
        (
            user
            for user in User.objects.filter(username__in=CADRE_APPLICANTS).order_by("pk")
            if definition is not None and services.may_start(user, definition)
        ),
        None,
    )
    if applicant is None or not people:
        return
    version = definition.current_version
    data = {
        "position": "心内科护士长",
        "positions": "1",
        "conditions": "本院在编护理人员，主管护师及以上职称，从事临床护理工作满八年。",
        "qualified": "3",
        "nominee": str(people[0].pk),
    }
    moment = _working_moment(random.Random(hospital.pk), today - dt.timedelta(days=14))
    with as_of(moment):
        instance = services.instance_start(actor=applicant, version=version, data=data)
    for _step in range(6):  # up to the appointment (印发任职文件), which waits
        moment += dt.timedelta(days=2)
        ready = list(instance.tasks.filter(state=Task.State.READY).order_by("pk"))
        if not ready or any(t.bpmn_id == "Task_appointment" or t.assignee is None for t in ready):
            return
        with as_of(min(moment, timezone.now())):
            for task in ready:
                services.task_act(actor=task.assignee, task=task, action="approve", reason="同意")
        instance.refresh_from_db()


def _withdraw_publications(hospital, rng) -> None:
    """The integrity office withdraws a few published control points (公开内容不齐全)."""
    office = User.objects.filter(
        role_grants__role=Role.INTEGRITY, role_grants__organisation=hospital
    ).first()
    rows = list(publications.in_force(hospital, flows_column())[:50])
    # Only a step published once, by a single handler: a step is published while any record
    # of it is in force (a committee member's, or the same step approved again after a
    # return), so withdrawing one of several would leave no gap for the office to find.
    steps = {
        pk: (instance, spiff, committee)
        for pk, instance, spiff, committee in Task.objects.filter(
            pk__in=[int(r.object_id) for r in publications.in_force(hospital, flows_column())]
        ).values_list("pk", "instance_id", "spiff_id", "committee_key")
    }
    records = Counter(steps.values())
    rows = [
        r
        for r in rows
        if (step := steps.get(int(r.object_id))) and not step[2] and records[step] == 1
    ]
    for row in rng.sample(rows, min(WITHDRAWN_PUBLICATIONS, len(rows))):
        publications.withdraw(actor=office, publication=row, reason="公开内容有误，撤回待更正")
