"""Reads of the upward review (干部职工给领导查): who sees which leader's filing and whose
names.

- the integrity office (where its grant writes, as for the review chain) sees every window of
  its organisations and every comment with its author;
- the leader sees the windows of their own filings and the comments, an anonymous one's
  author shown as 匿名职工;
- the staff of the departments the leader is in charge of see the window and their own
  comments only.
"""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core.roles import Role
from lianfang.core.scoping import register, write_reach

from .models import UpwardComment, UpwardReview
from .upward_services import departments_of


def _office_q(user) -> Q:
    reach = write_reach(getattr(user, "active_grants", ()), (Role.INTEGRITY,))
    return reach.q("campaign__organisation__path") if reach else Q(pk__in=[])


def is_office(user, review: UpwardReview) -> bool:
    reach = write_reach(getattr(user, "active_grants", ()), (Role.INTEGRITY,))
    return reach.covers(review.campaign.organisation.path)


@register(UpwardReview)
def upward_reviews_visible_to(user) -> QuerySet[UpwardReview]:
    if not getattr(user, "is_authenticated", False):
        return UpwardReview.objects.none()
    q = _office_q(user) | Q(leader__user=user)
    mine = departments_of(user)
    if mine:
        asked = UpwardReview.objects.filter(departments__in=mine).values("pk")
        q |= Q(pk__in=asked)
    return UpwardReview.objects.filter(q)


def upward_list(*, user) -> QuerySet[UpwardReview]:
    """The windows the user sees, with their comment counts (each as the user may count
    them: the staff their own)."""
    reviews = upward_reviews_visible_to(user).select_related(
        "campaign__organisation", "leader", "risk_point"
    )
    everything = _office_q(user) | Q(leader__user=user) | Q(comments__author=user)
    return reviews.annotate(comment_count=Count("comments", filter=everything, distinct=True))


def comments_for(*, user, review: UpwardReview) -> list[UpwardComment]:
    """The comments `user` may read, each with `shown_name` (the author, or 匿名职工 for the
    leader) and `shown_department`."""
    comments = review.comments.select_related("department")
    office = is_office(user, review)
    if not office and review.leader.user_id != user.pk:
        comments = comments.filter(author=user)
    rows = list(comments)
    for comment in rows:
        hidden = comment.anonymous and not office and comment.author_id != user.pk
        comment.shown_name = _("匿名职工") if hidden else comment.author_name
        comment.shown_department = "" if hidden else (comment.department or "")
        comment.office_view = office
    return rows


def reviews_of_point(*, user, point) -> list[UpwardReview]:
    """The windows of `point` the user sees, newest first."""
    return list(
        upward_reviews_visible_to(user)
        .filter(risk_point=point)
        .select_related("campaign__organisation", "leader")
        .order_by("-opens_at", "-pk")
    )


def open_to_my_comment(*, user) -> int:
    """How many leaders' filings ask the user's comment now (their window is open, one of the
    departments asked is the user's): shown on 我的排查任务, which links to the list."""
    mine = departments_of(user)
    if not mine:
        return 0
    now = timezone.now()
    return (
        UpwardReview.objects.filter(departments__in=mine, opens_at__lte=now, closes_at__gt=now)
        .values("pk")
        .distinct()
        .count()
    )
