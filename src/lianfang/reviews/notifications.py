"""The review chain's messages: to the reviewers a submission now waits for, and to its
author (and submitter) when it is returned or approved. The subject's module calls `tell`
after each write of the chain, in its transaction (`risks/services/filing.py`)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import notifications

from . import chain
from .models import Level, Submission

WAITING = notifications.declare(
    notifications.Kind(
        code="review.waiting",
        label=_("有事项待我审核"),
        subject=_("待您审核：%(subject)s"),
        template="reviews/notifications/waiting.txt",
        email=True,
        order=10,
    )
)
RETURNED = notifications.declare(
    notifications.Kind(
        code="review.returned",
        label=_("我提交的事项被退回"),
        subject=_("已被退回：%(subject)s"),
        template="reviews/notifications/returned.txt",
        email=True,
        order=11,
    )
)
APPROVED = notifications.declare(
    notifications.Kind(
        code="review.approved",
        label=_("我提交的事项审核通过"),
        subject=_("审核通过：%(subject)s"),
        template="reviews/notifications/approved.txt",
        order=12,
    )
)


def tell(submission: Submission, *, subject, link: str, actor, reason: str = ""):
    """After a write of the chain: an open submission's reviewers at its level now, or a
    decided one's author and submitter (never the actor who just wrote)."""
    context = {
        "subject": str(subject),
        "kind": Submission.Kind(submission.kind).label,
        "actor": str(actor) if actor is not None else "",
        "reason": reason,
    }
    common = {
        "target": subject,
        "link": link,
        "organisation": submission.organisation,
        "exclude": {getattr(actor, "pk", None)} - {None},
    }
    if submission.state == Submission.State.OPEN:
        context["level"] = Level(submission.level).label
        return notifications.notify(
            WAITING, recipients=chain.current_reviewers(submission), context=context, **common
        )
    people = [submission.author_id, submission.submitter_id]
    if submission.state == Submission.State.RETURNED:
        return notifications.notify(RETURNED, recipients=people, context=context, **common)
    if submission.state == Submission.State.APPROVED:
        return notifications.notify(APPROVED, recipients=people, context=context, **common)
    return []
