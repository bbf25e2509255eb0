"""The first demo hospital's investigation campaigns (风险排查), through the campaigns' and the
register's services, dated around `generator.REFERENCE_DATE`:

- last year's campaign over six departments (心内科 among them), opened, its carried-over
  points re-confirmed in all departments but the last (whose points the warning rule
  `campaigns.not_reconfirmed` flags for review), and closed with its summary;
- this year's campaign over the same departments, carrying on from last year's, open: its
  查找风险 phase is over and its filing phase runs; the first two departments have re-confirmed
  their points (filed), the others have not started (late); the staff login (a physician of
  心内科) registers a new point that the department head (dept_head) returns three times,
  then approves: it waits for the integrity office; the leader in charge of 心内科 (the leader
  login) asks to change one of his filed points, which reaches the integrity office and opens
  the upward review (干部职工给领导查): three staff of the departments he is in charge of
  comment, the staff login anonymously (`UPWARD_COMMENTS`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from lianfang.accounts.models import User
from lianfang.campaigns import services as campaign_services
from lianfang.campaigns import upward_services
from lianfang.campaigns.models import Campaign, CampaignPoint, UpwardReview
from lianfang.org.models import Department, Organisation, PostAssignment, Power
from lianfang.reviews.models import Submission
from lianfang.risks import services
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent

from .flows import as_of
from .generator import REFERENCE_DATE
from .register import AUDIT_PREFIX
from .submissions import POWER_URN

DEPARTMENTS = 6
# the physician's point of this year's campaign, returned three times
RETURNED_POINT = "出院随访时向患者推荐特定院外药房"
RETURNS = (
    "表现形式没有写明在哪个环节、以什么方式出问题，请具体到入院登记环节。",
    "防控措施只写了“加强管理”，请写明谁、多久核对一次。",
    "请补充发现问题后的处理办法（谁签字、报给谁）。",
)
# The leader's change request (days before the reference date) and the staff's comments on it:
# (days before, username or None for the first other account asked, anonymous, text).
UPWARD_DAY = 4
UPWARD_CHANGE = "；分管科室的招聘、评优、进修人选中有本人亲属或利害关系人时未主动申请回避"
UPWARD_COMMENTS = (
    (
        3,
        "staff",
        True,
        "去年科室进修人选讨论时，领导的亲属在名单内，会上没有说明回避，建议写进表现形式。",
    ),
    (
        2,
        "dept_head",
        False,
        "建议补充：利害关系人名单每年由本人申报，报纪检监察室备案，科室讨论人选前核对。",
    ),
    (1, None, False, "防控措施可以增加一条：涉及人选的会议纪要注明回避情况。"),
)


@dataclass
class CampaignCounts:
    campaigns: int = 0
    tasks: int = 0
    upward_comments: int = 0
    confirmed: int = 0
    returned: int = 0
    registered: int = 0

    def add_to(self, counts: dict, organisation: Organisation) -> None:
        """Count the physician's campaign point and its measure in the hospital's register
        counts, and the timeline and the submissions waiting as they now stand."""
        for key in ("risk_points", "risk_points_draft", "measures", "measure_links"):
            counts[key] += self.registered
        counts["risk_point_events"] = RiskPointEvent.objects.filter(
            risk_point__organisation=organisation
        ).count()
        counts["submissions_waiting"] = (
            Submission.objects.open().filter(organisation=organisation).count()
        )


def _phases(year: int, file_start: dt.date, file_end: dt.date) -> dict:
    del year
    return {
        "mobilise": (file_start - dt.timedelta(days=40), file_start - dt.timedelta(days=31)),
        "find": (file_start - dt.timedelta(days=30), file_start - dt.timedelta(days=1)),
        "file": (file_start, file_end),
        "measures": (file_end + dt.timedelta(days=1), file_end + dt.timedelta(days=30)),
        "inspect": (file_end + dt.timedelta(days=31), file_end + dt.timedelta(days=60)),
    }


class CampaignsBuilder:
    def __init__(self, hospital: Organisation):
        self.org = hospital
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.counts = CampaignCounts()
        logins = {
            u.username: u
            for u in User.objects.filter(username__in=("integrity", "staff", "dept_head"))
        }
        self.office = logins["integrity"]
        self.staff, self.head = logins.get("staff"), logins.get("dept_head")

    def at(self, days: int, hour: int = 10) -> dt.datetime:
        day = REFERENCE_DATE - dt.timedelta(days=days)
        return dt.datetime.combine(day, dt.time(hour, 0), self.tz)

    def scope(self) -> list[Department]:
        departments = list(
            Department.objects.filter(organisation=self.org, active=True).order_by("order", "pk")
        )
        chosen = [d for d in departments if d.code == "XNK"]
        chosen += [d for d in departments if d.code != "XNK"][: DEPARTMENTS - len(chosen)]
        return chosen

    def run(self) -> CampaignCounts:
        scope = self.scope()
        year = REFERENCE_DATE.year
        last = campaign_services.campaign_create(
            actor=self.office,
            organisation=self.org,
            data={
                "name": f"{year - 1}年度廉政风险排查",
                "year": year - 1,
                "scope": Campaign.Scope.DEPARTMENTS,
                "departments": scope,
                "phases": _phases(year - 1, dt.date(year - 1, 4, 1), dt.date(year - 1, 5, 31)),
            },
        )
        # Dated, so that the same seed gives the same register (its reviews and their dates):
        # last year's campaign is opened, re-confirmed and closed as of six weeks before the
        # reference date, this year's re-confirmations ten days before it.
        with as_of(self.at(42)):
            campaign_services.campaign_open(actor=self.office, campaign=last)
            self._confirm(last, [d for d in scope[:-1]])
            campaign_services.campaign_close(actor=self.office, campaign=last)
        this = campaign_services.campaign_create(
            actor=self.office,
            organisation=self.org,
            data={
                "name": f"{year}年度廉政风险排查",
                "year": year,
                "scope": Campaign.Scope.DEPARTMENTS,
                "departments": scope,
                "previous": last,
                "phases": _phases(
                    year,
                    REFERENCE_DATE - dt.timedelta(days=20),
                    # still open on the day the demo is tried, so its staff can file
                    max(REFERENCE_DATE, timezone.localdate()) + dt.timedelta(days=20),
                ),
            },
        )
        with as_of(self.at(10)):
            campaign_services.campaign_open(actor=self.office, campaign=this)
            self._confirm(this, [d for d in scope if d.code != "XNK"][:2])
        if self.staff is not None and self.head is not None:
            self._returned_three_times()
        self._upward_review(this)
        self.counts.campaigns = 2
        self.counts.tasks = last.tasks.count() + this.tasks.count()
        return self.counts

    def _confirm(self, campaign: Campaign, departments: list[Department]) -> None:
        """Keep every carried-over point of `departments` (once per point: a post's point is
        confirmed for every holder of the post)."""
        seen = set()
        rows = (
            CampaignPoint.objects.filter(task__campaign=campaign, task__department__in=departments)
            .select_related("risk_point")
            .order_by("risk_point_id", "pk")
        )
        for cp in rows:
            if cp.risk_point_id in seen or cp.risk_point.status != RiskPoint.Status.FILED:
                continue
            seen.add(cp.risk_point_id)
            campaign_services.campaign_point_confirm(actor=self.office, campaign_point=cp)
            self.counts.confirmed += 1

    def _returned_three_times(self) -> None:
        staff, head = self.staff, self.head
        assignment = (
            PostAssignment.objects.current()
            .filter(person=staff.person)
            .select_related("post__department")
            .first()
        )
        if assignment is None:
            return
        post = assignment.post
        power = Power.objects.filter(
            organisation=self.org, library_urn=f"{POWER_URN}treatment"
        ).first()
        if power is None:
            return
        step = power.steps.filter(key="admission").first() or power.steps.first()
        data = {
            "subject": RiskPoint.Subject.POST,
            "department": post.department,
            "post": post,
            "power": power,
            "step": step,
            "category": "post_duty",
            "name": RETURNED_POINT,
            "manifestation": "心内科医生在出院随访时，引导患者到与其有利益往来的院外药房购药，"
            "收取药房按处方金额给予的提成",
            "likelihood": 2,
            "harm": 3,
            "source": RiskPoint.Source.SELF,
        }
        written = services.risk_points_write(
            actor=staff,
            organisation=self.org,
            rows=[services.PointRow(data=data, key="campaign", at=self.at(19, 9))],
            audit_prefix=AUDIT_PREFIX,
        )
        point = written[0].point
        self.counts.registered += 1
        measure = Measure(
            organisation=self.org,
            text="出院带药和随访处方由药剂科每月抽查 30 份，核对外购药品去向；"
            "发现引导外购的由科主任约谈并报纪检监察室",
            owner_department=post.department,
            due=REFERENCE_DATE + dt.timedelta(days=60),
        )
        services.measures_write(
            actor=staff,
            organisation=self.org,
            rows=[services.MeasureRow(measure, {}, at=self.at(19, 9))],
            links=[(measure, point, self.at(19, 9))],
            audit_prefix=AUDIT_PREFIX,
        )
        day = 18
        services.risk_point_submit(actor=staff, risk_point=point, at=self.at(day, 10))
        for reason in RETURNS:
            day -= 1
            point = RiskPoint.objects.get(pk=point.pk)
            services.risk_point_return(actor=head, risk_point=point, reason=reason, at=self.at(day))
            self.counts.returned += 1
            day -= 1
            services.risk_point_submit(
                actor=staff, risk_point=RiskPoint.objects.get(pk=point.pk), at=self.at(day, 10)
            )
        services.risk_point_approve(
            actor=head,
            risk_point=RiskPoint.objects.get(pk=point.pk),
            note="同意，报纪检监察室",
            at=self.at(day - 1, 15),
        )

    def _upward_review(self, campaign: Campaign) -> None:
        """The leader login asks to change his first filed point (a leadership post's, so it
        goes straight to the integrity office): the upward review opens, dated, and three of
        the staff asked comment on the following days."""
        leader = User.objects.filter(username="leader").select_related("person").first()
        person = getattr(leader, "person", None) if leader else None
        if person is None or not campaign.upward_review_days:
            return
        posts = PostAssignment.objects.current().filter(person=person, post__is_leadership=True)
        point = (
            RiskPoint.objects.filter(
                organisation=self.org,
                status=RiskPoint.Status.FILED,
                post_id__in=posts.values("post_id"),
            )
            .order_by("pk")
            .first()
        )
        if point is None:
            return
        with as_of(self.at(UPWARD_DAY, 9)):
            services.risk_point_request_change(
                actor=leader,
                risk_point=point,
                data={"manifestation": point.manifestation.rstrip("。；") + UPWARD_CHANGE},
                reason="年度排查：补充分管科室人事事项中的回避情形",
            )
        review = UpwardReview.objects.filter(risk_point=point).first()
        if review is None:
            return
        asked = upward_services.staff_of(review.departments.values_list("pk", flat=True)).filter(
            user__isnull=False
        )
        named = {u.username: u for u in User.objects.filter(person__in=asked)}
        others = [
            u
            for u in User.objects.filter(person__in=asked).order_by("username")
            if u.username not in ("staff", "dept_head")
        ]
        for days, username, anonymous, text in UPWARD_COMMENTS:
            author = named.get(username) if username else (others[0] if others else None)
            if author is None:
                continue
            with as_of(self.at(days, 15)):
                upward_services.upward_comment_add(
                    actor=author, review=review, text=text, anonymous=anonymous
                )
            self.counts.upward_comments += 1


def load_campaigns(hospital: Organisation) -> CampaignCounts:
    """Last year's closed campaign and this year's in progress (see the module docstring)."""
    return CampaignsBuilder(hospital).run()
