"""Work waiting in the first demo hospital's review chain (审核流程), so that the reviewers'
待审 lists, the menu's counts and the home pages' to-do lists are not empty.

The demo logins act through the review chain's services, as the pages call them, in the days
before `generator.REFERENCE_DATE`:

- the staff login (a physician of 心内科) registers drafts of their own post, with their
  measures, and submits them: one the department head (the dept_head login) approved, so it
  waits for the integrity office (the integrity login); one the department head returned
  once, which the physician corrected and submitted again, so it waits for the department
  head, as does one submitted last; and one returned and not yet corrected (退回待修改);
- the department head submits the department's own drafts that pass the filing check (their
  own level is passed over: they wait for the integrity office).

The drafts and their measures are written by the bulk writers with the demo's audit prefix
and dates; the submissions, approvals and returns by the filing services, dated by their `at`,
under the demo users' names (those are their acts in the story).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from lianfang.accounts.models import User
from lianfang.org.models import Organisation, PostAssignment, Power
from lianfang.reviews.models import Submission
from lianfang.risks import permissions, services, vagueness
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent

from .generator import REFERENCE_DATE
from .register import AUDIT_PREFIX

POWER_URN = "urn:lianfang:hospital:power:"
HEAD_SUBMISSIONS = 2  # of the department's own drafts, at most


@dataclass(frozen=True)
class Draft:
    """A physician's draft: where it lies, what it says, its measure, and its story (days
    before the reference date; None: not done)."""

    power: str  # the pack power's urn, after POWER_URN
    step: str  # the step's key
    category: str
    name: str
    manifestation: str
    likelihood: int
    harm: int
    measure: str
    registered: int  # days before the reference date
    submitted: int
    approved: int | None = None  # by the department head
    returned: int | None = None  # by the department head, with RETURN_REASONS[name]
    corrected: str = ""  # the manifestation as corrected after the return
    resubmitted: int | None = None


DRAFTS = (
    Draft(
        "treatment",
        "admission",
        "post_duty",
        "床位紧张时按关系安排入院",
        "心内科床位紧张时，医生绕开入院登记顺序，为熟人或给予好处的患者提前安排床位，"
        "使按病情应优先入院的患者延误住院",
        3,
        3,
        "入院床位由科室统一登记、按病情分级排序，医生不得自行占床；护士长每周核对实际入院"
        "顺序与登记表，偏离登记顺序的须写明理由并经科主任签字",
        registered=12,
        submitted=10,
        approved=8,
    ),
    Draft(
        "high-value-consumable-use",
        "use",
        "business_process",
        "冠脉介入术中指定特定品牌支架",
        "介入手术医生无临床理由地指定某一品牌的冠脉支架或球囊，换取供应商的回扣或讲课费",
        3,
        3,
        "高值耗材术中由巡回护士扫码登记并将条码贴入病历；医学装备部每月按医生统计支架品牌"
        "构成，某一品牌占比超过六成的由科主任约谈并报纪检监察室",
        registered=11,
        submitted=9,
        returned=7,
        corrected="介入手术医生无临床理由地指定某一品牌的冠脉支架或球囊，或在计费时多报使用"
        "数量，换取供应商的回扣或讲课费",
        resubmitted=5,
    ),
    Draft(
        "medical-certificate",
        "issue",
        "post_duty",
        "为熟人开具与病情不符的病假证明",
        "医生应熟人或患者要求，开具与实际病情不符的诊断证明或延长病假天数，用于保险理赔或逃避工作",
        2,
        3,
        "诊断证明须依据本人诊查和病历记载出具，经医务科审核盖章并登记存根；医务科每季度"
        "抽查病假证明与门诊病历是否一致，不符的按出具虚假医学证明追责",
        registered=4,
        submitted=2,
    ),
    Draft(
        "examination-ordering",
        "order",
        "business_process",
        "为完成绩效指标开具不必要的检查",
        "医生在无明确指征时开具心脏彩超、动态心电图等检查，或重复开具近期已做的检查，"
        "以增加科室收入、完成绩效指标",
        3,
        2,
        "检查申请单须写明临床指征；医务科每月抽查心内科大型检查阳性率和重复检查，"
        "不合理的扣减当月绩效并在科室会上通报",
        registered=9,
        submitted=8,
        returned=6,
    ),
)
RETURN_REASONS = {
    "冠脉介入术中指定特定品牌支架": "表现形式请补充计费时多报耗材数量的情形，再提交。",
    "为完成绩效指标开具不必要的检查": (
        "与科室已登记的检查开单风险点内容重复，请与科主任确认后修改或停用。"
    ),
}
APPROVAL_NOTE = "情形具体，措施可查，同意报纪检监察室"


@dataclass
class SubmissionCounts:
    registered: int = 0  # the physician's drafts, one measure each
    submitted: int = 0  # submissions opened (a resubmission counts again)
    waiting: int = 0  # open at the end
    returned: int = 0
    events: int = 0  # the hospital's risk point events at the end

    def add_to(self, counts: dict) -> None:
        """Count the physician's drafts, measures and links, and the timeline's new events,
        in the hospital's register counts (`RegisterCounts.as_dict`); and the submissions
        waiting at the end."""
        for key in ("risk_points", "risk_points_draft", "measures", "measure_links"):
            counts[key] += self.registered
        counts["risk_point_events"] = self.events
        counts["submissions_waiting"] = self.waiting


class SubmissionsBuilder:
    def __init__(self, hospital: Organisation):
        self.org = hospital
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.counts = SubmissionCounts()

    def at(self, days: int, hour: int = 10) -> dt.datetime:
        day = REFERENCE_DATE - dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(hour, 0), self.tz)

    def run(self) -> SubmissionCounts:
        logins = {u.username: u for u in User.objects.filter(username__in=("staff", "dept_head"))}
        staff, head = logins.get("staff"), logins.get("dept_head")
        if staff is not None and head is not None:
            self._physician(staff, head)
        if head is not None:
            self._department(head)
        self.counts.waiting = Submission.objects.open().filter(organisation=self.org).count()
        events = RiskPointEvent.objects.filter(risk_point__organisation=self.org)
        self.counts.events = events.count()
        return self.counts

    def _physician(self, staff: User, head: User) -> None:
        person = staff.person
        assignment = (
            PostAssignment.objects.current().filter(person=person).select_related("post").first()
        )
        if assignment is None:
            return
        post = assignment.post
        department = post.department
        powers = {
            p.library_urn.removeprefix(POWER_URN): p
            for p in Power.objects.filter(organisation=self.org).prefetch_related("steps")
        }
        rows, measures, links = [], [], []
        for draft in DRAFTS:
            power = powers[draft.power]
            step = next(s for s in power.steps.all() if s.key == draft.step)
            data = {
                "subject": RiskPoint.Subject.POST,
                "department": department,
                "post": post,
                "power": power,
                "step": step,
                "category": draft.category,
                "name": draft.name,
                "manifestation": draft.manifestation,
                "likelihood": draft.likelihood,
                "harm": draft.harm,
                "source": RiskPoint.Source.SELF,
            }
            at = self.at(draft.registered, 9)
            rows.append(services.PointRow(data=data, key=draft.name, at=at))
            measures.append(
                Measure(
                    organisation=self.org,
                    text=draft.measure,
                    owner_department=department,
                    due=REFERENCE_DATE + dt.timedelta(days=60),
                )
            )
        written = services.risk_points_write(
            actor=staff, organisation=self.org, rows=rows, audit_prefix=AUDIT_PREFIX
        )
        points = [w.point for w in written]
        self.counts.registered = len(points)
        for draft, point, measure in zip(DRAFTS, points, measures, strict=True):
            links.append((measure, point, self.at(draft.registered, 9)))
        services.measures_write(
            actor=staff,
            organisation=self.org,
            rows=[
                services.MeasureRow(m, {}, at=self.at(d.registered, 9))
                for d, m in zip(DRAFTS, measures, strict=True)
            ],
            links=links,
            audit_prefix=AUDIT_PREFIX,
        )
        # in the order it happened, so that each service sees the point as it then was
        story = []
        for draft, point in zip(DRAFTS, points, strict=True):
            story.append((draft.submitted, 10, "submit", draft, point))
            if draft.approved is not None:
                story.append((draft.approved, 15, "approve", draft, point))
            if draft.returned is not None:
                story.append((draft.returned, 15, "return", draft, point))
            if draft.resubmitted is not None:
                story.append((draft.resubmitted, 9, "correct", draft, point))
                story.append((draft.resubmitted, 10, "submit", draft, point))
        for days, hour, act, draft, point in sorted(story, key=lambda s: (-s[0], s[1])):
            at = self.at(days, hour)
            point = RiskPoint.objects.get(pk=point.pk)
            if act == "submit":
                self._submit(staff, point, at)
            elif act == "approve":
                services.risk_point_approve(actor=head, risk_point=point, note=APPROVAL_NOTE, at=at)
            elif act == "return":
                services.risk_point_return(
                    actor=head, risk_point=point, reason=RETURN_REASONS[draft.name], at=at
                )
                self.counts.returned += 1
            else:  # corrected as the reviewer asked
                services.risk_points_write(
                    actor=staff,
                    organisation=self.org,
                    rows=[
                        services.PointRow(
                            data={"manifestation": draft.corrected}, point=point, at=at
                        )
                    ],
                    audit_prefix=AUDIT_PREFIX,
                )

    def _department(self, head: User) -> None:
        """The department head submits the department's own drafts (theirs to file) that the
        filing check lets through, the first HEAD_SUBMISSIONS of them."""
        drafts = (
            RiskPoint.objects.filter(
                organisation=self.org,
                status=RiskPoint.Status.DRAFT,
                author__isnull=True,
                department__in=head.role_grants.filter(department__isnull=False).values(
                    "department"
                ),
            )
            .select_related("organisation", "department", "power")
            .prefetch_related("power__steps", "measures")
            .order_by("created_at", "pk")
        )
        phrases = vagueness.phrases_for(self.org)
        chosen = 0
        for point in drafts:
            if chosen == HEAD_SUBMISSIONS:
                break
            if not permissions.may(head, permissions.FILE, point):
                continue
            if vagueness.check_filing(point, phrases=phrases):
                continue
            chosen += 1
            self._submit(head, point, self.at(3 - chosen, 11))

    def _submit(self, actor, point, at) -> None:
        services.risk_point_submit(actor=actor, risk_point=point, at=at)
        self.counts.submitted += 1


def load_submissions(hospital: Organisation) -> SubmissionCounts:
    """Put work into `hospital`'s review chain (see the module docstring)."""
    return SubmissionsBuilder(hospital).run()
