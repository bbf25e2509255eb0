"""The demo hospital's complaints and reports (投诉举报): about 300 over the last twelve months in
every state, some past their deadline, some anonymous with an exchange of messages that the
reporter keeps up with the receipt, and one where recusal matters.

Everything goes through the complaints' own services: the security administrator designates
the officers, reporters file (online without an account, staff online, letters, calls and
visits typed in by the office), the office lead assigns, accepts, rejects or transfers, the
handlers handle, ask, conclude and give feedback, the lead archives, an anonymous reporter
opens the report with the receipt and answers (`complaint_by_receipt`,
`complaint_reporter_reply`). Each step runs "as of" its moment (`flows.as_of`), so dates,
deadlines in 工作日 and overdue steps are those of that day; the audit log keeps the real time.

Who is who (the demo's logins):
- `integrity` (纪检监察室主任): 办公室负责人 and 承办人;
- `leader` (分管内科副院长) and `dept_head` (心内科主任): 承办人 too, as the hospital's 纪委委员
  and 兼职纪检委员, so the lead has others to assign;
- `wjw` (卫健委纪检监察员, for the 派驻纪检监察组): 身份信息保管人, who decides the handlers'
  requests to see a named reporter's identity (the lead cannot decide a request of their own).

Recusal: several reports are about the `staff` login's person, a 心内科 医师. From those the
department head and the leader in charge are recused: they are never offered as handlers,
never see them, and the department page's complaint counts leave them out for them.

Receipts: Argon2 at the platform's cost takes most of a second on a busy server, so the
demo's receipts are hashed with Argon2 at its lowest cost (`cheap_receipts`): a demo receipt
guards nothing, and a check reads the cost from the hash. The receipts of two anonymous
reports are returned, for the operator to try the reporter's page.

Texts (issue 13): some named reporters online ticked 状态变化时短信通知我 and gave a number of
the fictional range 1380000xxxx (`SMS_PHONE`), through the same `complaint_file` as the public
form (never an anonymous one: the service refuses it). Each change of state of their reports
queues a `ReporterSms` (complaints.sms); once loaded, the demo sends the queued texts through
the platform's SMS backend (`core.sms.ConsoleBackend` unless configured), its log held to
errors meanwhile so the demo's output stays readable.
"""

import datetime as dt
import logging
import random
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils import timezone

from lianfang.accounts.models import User
from lianfang.complaints import receipts, services, sms
from lianfang.complaints.models import (
    Category,
    Channel,
    Complaint,
    Finding,
    HandlingType,
    Officer,
    ReporterSms,
    State,
)
from lianfang.complaints.recusal import recused_user_ids
from lianfang.core import sms as core_sms
from lianfang.org.models import Department, Person

from .flows import as_of

COMPLAINTS = 300
DAYS = 365
ABOUT_STAFF = 4  # reports about the `staff` login's person (recusal matters)
EXCHANGES = 12  # anonymous reports with an ongoing exchange of messages
STALLED = 0.09  # reports whose handling stops short: the overdue ones among them
KEPT_RECEIPTS = 2
SMS_REPORTERS = 12  # named online reporters who ask for texts, at most
SMS_SHARE = 0.6  # of the named online reporters, until SMS_REPORTERS
SMS_PHONE = "1380000{:04d}"  # an obviously fictional range

CONTENT = {
    Category.KICKBACK: [
        "住院期间家属给主治医生送了红包，医生收下了，没有退还。",
        "该医生在开药时暗示病人购买指定厂家的药品，疑似收取回扣。",
        "听说科室采购耗材时有人收取供应商的好处费。",
    ],
    Category.ETHICS: [
        "医生查房时态度冷漠，对病人的询问不予理睬。",
        "医生向病人推荐院外药店购药，疑似有利益关系。",
    ],
    Category.CHARGES: [
        "出院结算时发现收费清单中有未做过的检查项目。",
        "同一项目重复收费，多次询问未得到解释。",
        "门诊收费与公示价格不一致。",
    ],
    Category.ATTITUDE: [
        "挂号窗口工作人员态度恶劣，大声呵斥老人。",
        "护士夜间呼叫长时间不应答，态度生硬。",
    ],
    Category.CONDUCT: [
        "工作时间经常不在岗，病人找不到医生。",
        "科室人员上班时间玩手机，耽误病人检查。",
    ],
    Category.MAJOR_DECISION: [
        "医院大型设备采购未经集体研究决定，程序不规范。",
        "基建项目变更未按规定上会讨论。",
    ],
    Category.OTHER: ["停车场收费标准不透明。", "医院食堂价格偏高，质量一般。"],
}
WHERE = ["门诊大厅", "住院部病房", "收费处", "医生办公室", "检查科室候诊区", ""]
QUESTIONS = [
    "请问您反映的事情大约发生在哪一天？是否有其他知情人？",
    "请补充您了解到的具体金额或其他细节。",
    "您是否保留了相关票据或照片？如有，请上传。",
]
ANSWERS = [
    "大约是上个月中旬，同病房的家属也看到了。",
    "具体金额不太清楚，大概两千元左右。",
    "我有收费清单的照片，稍后补充。",
    "好的，我再回忆一下，过几天补充。",
]
CONCLUSIONS = {
    Finding.TRUE: "经核实，反映问题属实，已按规定对相关人员作出处理。",
    Finding.PARTLY: "经核实，反映问题部分属实，已责令整改。",
    Finding.FALSE: "经核实，反映问题不属实。",
    Finding.UNVERIFIABLE: "经初步核实，现有材料无法查实，予以了结。",
}
TRANSFER_TO = ["示例市卫生健康委员会", "示例市医疗保障局", "示例市市场监督管理局"]


@dataclass
class ComplaintsResult:
    complaints: int = 0
    states: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    anonymous: int = 0
    exchanges: int = 0
    about_staff: int = 0
    receipts: list[str] = field(default_factory=list)
    sms_reporters: int = 0
    sms_sent: int = 0


class _CheapArgon2(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64  # KiB
    parallelism = 1


@contextmanager
def cheap_receipts():
    """Hash the receipts filed inside at Argon2's lowest cost (see the module's docstring)."""
    real = receipts.HASHER
    receipts.HASHER = _CheapArgon2()
    try:
        yield
    finally:
        receipts.HASHER = real


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)), tzinfo=zone)


def _officers(hospital, security, users) -> None:
    grants = (
        ("integrity", Officer.Duty.LEAD),
        ("integrity", Officer.Duty.HANDLER),
        ("leader", Officer.Duty.HANDLER),
        ("dept_head", Officer.Duty.HANDLER),
        ("wjw", Officer.Duty.CUSTODIAN),
    )
    for key, duty in grants:
        services.officer_grant(actor=security, organisation=hospital, user=users[key], duty=duty)


def load_complaints(hospital, *, seed: int, today: dt.date | None = None) -> ComplaintsResult:
    rng = random.Random(seed * 15485863 + hospital.pk)
    texts = random.Random(seed * 7919 + hospital.pk)  # its own: the rest of the story stays
    now = timezone.now()
    today = today or timezone.localdate()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=("integrity", "leader", "dept_head", "staff", "wjw", "security")
        )
    }
    _officers(hospital, users["security"], users)
    lead = users["integrity"]
    staff_person = Person.objects.filter(user=users["staff"]).first()
    people = list(
        Person.objects.filter(organisation=hospital, active=True, user__isnull=True)
        .select_related("department")
        .order_by("pk")[:600]
    )
    departments = list(
        Department.objects.filter(
            organisation=hospital,
            active=True,
            kind__in=(Department.Kind.CLINICAL, Department.Kind.MEDICAL_TECH),
        ).order_by("pk")
    )
    result = ComplaintsResult()
    plans = []
    for n in range(COMPLAINTS):
        received = today - dt.timedelta(days=rng.randint(0, DAYS))
        plans.append((_moment(rng, received), n))
    plans.sort()
    about_staff = set(rng.sample(range(len(plans)), min(ABOUT_STAFF, len(plans))))
    with cheap_receipts():
        for index, (moment, _n) in enumerate(plans):
            if moment > now:
                moment = now
            subject = None
            if index in about_staff and staff_person is not None:
                subject = staff_person
            elif people and rng.random() < 0.6:
                subject = rng.choice(people)
            complaint, code = _file(
                rng, hospital, lead, moment, subject, departments, texts=texts, result=result
            )
            if subject is not None and subject == staff_person:
                result.about_staff += 1
            _handle(rng, complaint, code, moment, now, users, result)
            if complaint.anonymous and len(result.receipts) < KEPT_RECEIPTS:
                complaint.refresh_from_db()
                if complaint.state in State.OPEN:
                    result.receipts.append(code)
    result.sms_sent = _send_texts(hospital)
    rows = Complaint.objects.filter(organisation=hospital)
    result.complaints = rows.count()
    result.anonymous = rows.filter(anonymous=True).count()
    for state in rows.values_list("state", flat=True):
        result.states[state] = result.states.get(state, 0) + 1
    result.overdue = rows.filter(state__in=State.OPEN, due_on__lt=today).count()
    return result


def _send_texts(hospital) -> int:
    """Send the texts the reports' changes queued (as the task queue would once they commit),
    through the platform's SMS backend; the number sent."""
    quiet = core_sms.logger  # the console backend's lines would bury the demo's progress
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        queued = ReporterSms.objects.filter(
            complaint__organisation=hospital, status=ReporterSms.Status.PENDING
        ).values_list("pk", flat=True)
        return sum(sms.deliver(pk) == ReporterSms.Status.SENT for pk in list(queued))
    finally:
        quiet.setLevel(level)


def _file(rng, hospital, lead, moment, subject, departments, *, texts, result):
    category = rng.choices(list(CONTENT), weights=(18, 14, 20, 22, 14, 4, 8), k=1)[0]
    channel = rng.choices(
        (Channel.ONLINE, Channel.STAFF, Channel.LETTER, Channel.PHONE, Channel.VISIT),
        weights=(50, 12, 14, 16, 8),
    )[0]
    anonymous = rng.random() < (0.65 if channel in (Channel.ONLINE, Channel.STAFF) else 0.3)
    data = {
        "category": category,
        "anonymous": anonymous,
        "content": rng.choice(CONTENT[category]),
        "happened_when": f"{moment:%Y年%m月}",
        "happened_where": rng.choice(WHERE),
    }
    if subject is not None:
        data["subject_person"] = subject
        data["subject_text"] = (
            f"{subject.department.name if subject.department else ''} {subject.name}"
        )
    elif departments and rng.random() < 0.7:
        department = rng.choice(departments)
        data["subject_department"] = department
        data["subject_text"] = department.name
    if not anonymous:
        data["reporter_name"] = rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(("先生", "女士"))
        data["reporter_phone"] = f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
        if (
            channel in (Channel.ONLINE, Channel.STAFF)
            and result.sms_reporters < SMS_REPORTERS
            and texts.random() < SMS_SHARE
        ):
            result.sms_reporters += 1
            data["reporter_phone"] = SMS_PHONE.format(result.sms_reporters)
            data["sms_opt_in"] = True  # 状态变化时短信通知我 (the public form's box)
    entered = channel in (Channel.LETTER, Channel.PHONE, Channel.VISIT)
    with as_of(moment):
        if entered:
            data["received_on"] = moment.date()
        return services.complaint_file(
            actor=lead if entered else None,
            organisation=hospital,
            data=data,
            channel=channel,
        )


def _handle(rng, complaint, code, moment, now, users, result) -> None:
    """Take the complaint as far as its plan and today allow."""
    lead = users["integrity"]
    stalls = rng.random() < STALLED
    stop_at = rng.choice(("accept", "handle", "conclude", "feedback")) if stalls else ""
    late = rng.random() < 0.06

    def step(days: float) -> bool:
        nonlocal moment
        moment = moment + dt.timedelta(days=days, minutes=rng.randint(5, 300))
        return moment <= now

    # 受理 / 不予受理 / 转办, usually within the 15 working days.
    if stop_at == "accept" or not step(rng.uniform(1, 9) if not late else rng.uniform(25, 35)):
        return
    fate = rng.random()
    with as_of(moment):
        if fate < 0.08:
            services.complaint_reject(
                actor=lead, complaint=complaint, reason="反映的问题不属于本院纪检监察部门受理范围。"
            )
        elif fate < 0.16:
            services.complaint_transfer(
                actor=lead,
                complaint=complaint,
                to=rng.choice(TRANSFER_TO),
                reason="按照管辖规定转有关部门办理。",
            )
        else:
            services.complaint_accept(actor=lead, complaint=complaint)
            handlers = list(services.assignable_handlers(complaint))
            weights = [6 if h.pk == lead.pk else 1 for h in handlers]
            handler = rng.choices(handlers, weights=weights)[0]
            services.complaint_assign(actor=lead, complaint=complaint, handler=handler)
    complaint.refresh_from_db()
    if complaint.state in (State.REJECTED, State.TRANSFERRED):
        if rng.random() < 0.6 and step(rng.uniform(2, 20)):
            with as_of(moment):
                services.complaint_archive(actor=lead, complaint=complaint)
        return
    handler = User.objects.get(pk=complaint.assignments.get(ended_at=None).handler_id)
    if stop_at == "handle" or not step(rng.uniform(1, 6)):
        return
    with as_of(moment):
        services.complaint_handle(
            actor=handler, complaint=complaint, handling_type=rng.choice(HandlingType.values)
        )
        if not complaint.anonymous and rng.random() < 0.25:
            request = services.identity_request(
                actor=handler, complaint=complaint, reason="需要与举报人当面核实有关情况。"
            )
            custodian = users["wjw"]
            if rng.random() < 0.7 and custodian.pk not in recused_user_ids(complaint):
                services.identity_decide(
                    actor=custodian, request=request, approve=rng.random() < 0.8
                )
    if complaint.anonymous and result.exchanges < EXCHANGES and rng.random() < 0.35:
        moment = _exchange(rng, complaint, code, handler, moment, now)
        result.exchanges += 1
        if moment > now:
            return
    if complaint.petition and rng.random() < 0.1 and step(rng.uniform(40, 55)):
        with as_of(moment):
            services.complaint_extend(
                actor=lead, complaint=complaint, reason="案情复杂，需进一步调查核实。"
            )
    if stop_at == "conclude" or not step(rng.uniform(8, 45)):
        return
    finding = rng.choices(Finding.values, weights=(15, 25, 45, 15))[0]
    with as_of(moment):
        services.complaint_conclude(
            actor=handler, complaint=complaint, finding=finding, conclusion=CONCLUSIONS[finding]
        )
    if stop_at == "feedback" or not step(rng.uniform(2, 12) if not late else rng.uniform(25, 30)):
        return
    with as_of(moment):
        services.complaint_feedback(
            actor=handler,
            complaint=complaint,
            text="您反映的问题已办结，办理结论：" + Finding(finding).label + "。感谢您的监督。",
        )
    if step(rng.uniform(3, 25)):
        with as_of(moment):
            services.complaint_archive(actor=lead, complaint=complaint)


def _exchange(rng, complaint, code, handler, moment, now) -> None:
    """The handler asks, the reporter answers with the receipt; the last question of a recent
    report may still wait for its answer."""
    for round_ in range(rng.randint(1, 3)):
        moment = moment + dt.timedelta(days=rng.uniform(0.5, 4))
        if moment > now:
            return moment
        with as_of(moment):
            services.message_send(actor=handler, complaint=complaint, body=QUESTIONS[round_])
        moment = moment + dt.timedelta(days=rng.uniform(0.5, 5))
        if moment > now:
            return moment
        with as_of(moment):
            opened = services.complaint_by_receipt(code)
            services.complaint_reporter_reply(complaint=opened, body=rng.choice(ANSWERS))
    return moment
