"""Writes of the upward review (干部职工给领导查) of the leaders' filings in a campaign.

- `filing_listener` (registered with the register's filing hooks in `hooks.py`): when a
  leader's filing reaches the integrity office during an open campaign whose
  `upward_review_days` is not 0, a comment window opens (`UpwardReview`, from now to the end
  of the Nth working day of the core calendar) and the staff of the departments the leader is
  in charge of are told (one bulk notification). A leader in charge of no department has no
  staff to ask: no window.
- `approval_gate`: the integrity office approves (or files directly) a submission with a
  window only once the window has closed.
- `upward_comment_add`: a staff member's comment, anonymous to the leader if they ask, never
  to the integrity office; audited.

The register (`risks`) names none of this: it only asks its gates and tells its listeners.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import audit, notifications, workdays
from lianfang.org.models import Department, LeaderDivision, Person, PostAssignment
from lianfang.reviews import chain as review_chain
from lianfang.reviews.models import Level, Submission
from lianfang.risks import filing_hooks
from lianfang.risks.models import RiskPoint

from .models import Campaign, UpwardComment, UpwardReview
from .services import _leader_of, campaign_of

TEXT_MAX = 2000

UPWARD_OPEN = notifications.declare(
    notifications.Kind(
        code="campaigns.upward_open",
        label=gettext_lazy("领导风险点征求意见"),
        subject=gettext_lazy("请对%(leader)s的廉政风险点提出意见（%(closes)s 截止）"),
        template="campaigns/notifications/upward_open.txt",
        email=True,
        order=42,
    )
)


# Who is asked ----------------------------------------------------------------------------------


def charged_departments(leader: Person, on: dt.date) -> QuerySet[Department]:
    """The active departments of the leader's organisation the leader is in charge of on
    `on` (领导分管)."""
    divisions = LeaderDivision.objects.in_force(on).filter(leader=leader)
    return Department.objects.filter(
        pk__in=divisions.values("department_id"),
        organisation_id=leader.organisation_id,
        active=True,
    )


def _leadership_q() -> Q:
    leading = PostAssignment.objects.current().filter(post__is_leadership=True)
    return Q(is_leader=True) | Q(pk__in=leading.values("person_id"))


def staff_of(department_ids) -> QuerySet[Person]:
    """The active people, not of the leadership, whose department or current post is in one
    of the departments: the 干部职工 asked about their leader's filing."""
    ids = list(department_ids)
    on_post = PostAssignment.objects.current().filter(post__department_id__in=ids)
    return (
        Person.objects.filter(active=True)
        .filter(Q(department_id__in=ids) | Q(pk__in=on_post.values("person_id")))
        .exclude(_leadership_q())
    )


def departments_of(user) -> set[int]:
    """The departments a signed-in staff member belongs to (their own and their current
    posts'); none for a member of the leadership or an account without a person."""
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is None or not person.active:
        return set()
    if Person.objects.filter(pk=person.pk).filter(_leadership_q()).exists():
        return set()
    ids = set(
        PostAssignment.objects.current()
        .filter(person=person, post__department__isnull=False)
        .values_list("post__department_id", flat=True)
    )
    if person.department_id:
        ids.add(person.department_id)
    return ids


def may_comment(user, review: UpwardReview) -> bool:
    """Whether `user` is one of the staff asked (any moment: the window is checked apart)."""
    if review.leader.user_id == getattr(user, "pk", None):
        return False
    mine = departments_of(user)
    return bool(mine) and review.departments.filter(pk__in=mine).exists()


# Opening the window --------------------------------------------------------------------------


def _office_submission(point: RiskPoint) -> Submission | None:
    submission = review_chain.open_submission(point)
    if submission is None or submission.level != Level.INTEGRITY_OFFICE:
        return None
    return submission


def upward_review_open(
    *, point: RiskPoint, submission: Submission, campaign: Campaign, leader: Person, at
) -> UpwardReview | None:
    """Open the window for a leader's submission now at the integrity office (once per
    submission) and tell the staff asked. Runs in the register's transaction."""
    if UpwardReview.objects.filter(submission=submission).exists():
        return None
    departments = list(charged_departments(leader, timezone.localdate(at)).order_by("pk"))
    if not departments:
        return None
    closes_at = workdays.due_at(at, campaign.upward_review_days, point.organisation)
    review = UpwardReview.objects.create(
        campaign=campaign,
        risk_point=point,
        submission=submission,
        leader=leader,
        opens_at=at,
        closes_at=closes_at,
    )
    review.departments.set(departments)
    recipients = list(
        staff_of([d.pk for d in departments])
        .filter(user__isnull=False)
        .values_list("user_id", flat=True)
    )
    sent = notifications.notify(
        UPWARD_OPEN,
        recipients=recipients,
        context={
            "leader": leader.name,
            "point": point.name,
            "campaign": campaign.name,
            "closes": timezone.localtime(closes_at).strftime("%Y-%m-%d %H:%M"),
        },
        link=reverse("campaigns:upward_detail", args=[review.pk]),
        organisation=point.organisation,
        exclude=[leader.user_id] if leader.user_id else (),
        now=at,
    )
    review.notified = len(sent)
    review.save(update_fields=["notified"])
    audit.record(
        actor=None,
        action="campaign.upward_open",
        obj=campaign,
        after={
            "review": review.pk,
            "risk_point": point.pk,
            "submission": submission.pk,
            "leader": leader.pk,
            "departments": [d.pk for d in departments],
            "closes_at": closes_at,
            "notified": review.notified,
        },
    )
    return review


def filing_listener(event: str, point: RiskPoint, actor, at) -> None:
    """A leader's filing that has just reached the integrity office in an open campaign
    opens its comment window."""
    if event not in (filing_hooks.SUBMITTED, filing_hooks.APPROVED, filing_hooks.SKIPPED):
        return
    campaign = campaign_of(point)
    if campaign is None or not campaign.upward_review_days:
        return
    submission = _office_submission(point)
    if submission is None:
        return
    leader = _leader_of(point)
    if leader is None:
        return
    upward_review_open(point=point, submission=submission, campaign=campaign, leader=leader, at=at)


def approval_gate(point: RiskPoint, submission, actor, at) -> None:
    """The integrity office may not approve (nor file directly) a leader's filing while its
    staff may still comment."""
    if submission is None or submission.level != Level.INTEGRITY_OFFICE:
        return
    review = UpwardReview.objects.filter(submission=submission, closes_at__gt=at).first()
    if review is None:
        return
    raise ValidationError(
        _(
            "该领导风险点正在征求所分管科室干部职工的意见，征求期至 %(closes)s 截止，"
            "截止后方可审核通过。"
        )
        % {"closes": timezone.localtime(review.closes_at).strftime("%Y-%m-%d %H:%M")},
        code="upward_review_open",
    )


# Comments --------------------------------------------------------------------------------------


@transaction.atomic
def upward_comment_add(
    *, actor, review: UpwardReview, text: str, anonymous: bool = False, at=None
) -> UpwardComment:
    """A staff member's comment on a leader's filing while its window is open. `anonymous`
    hides the author from the leader (匿名职工); the integrity office always sees it."""
    review = (
        UpwardReview.objects.select_for_update(of=("self",))
        .select_related("leader", "risk_point")
        .get(pk=review.pk)
    )
    if not may_comment(actor, review):
        raise ValidationError(_("您不在该领导所分管科室的征求意见范围内。"), code="not_asked")
    now = at or timezone.now()
    if not review.is_open(now):
        raise ValidationError(
            _("征求意见已于 %(closes)s 截止。")
            % {"closes": timezone.localtime(review.closes_at).strftime("%Y-%m-%d %H:%M")},
            code="closed",
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写意见。")}, code="required")
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {"text": _("意见不超过 %(n)s 字。") % {"n": TEXT_MAX}}, code="too_long"
        )
    person = actor.person
    mine = departments_of(actor)
    department = review.departments.filter(pk__in=mine).order_by("pk").first()
    comment = UpwardComment.objects.create(
        review=review,
        author=actor,
        author_name=person.name,
        department=department,
        text=text,
        anonymous=bool(anonymous),
        created_at=now,
    )
    audit.record(
        actor=actor,
        action="campaign.upward_comment",
        obj=review.campaign,
        after={
            "review": review.pk,
            "comment": comment.pk,
            "risk_point": review.risk_point_id,
            "anonymous": comment.anonymous,
            "text": text,
        },
    )
    return comment
