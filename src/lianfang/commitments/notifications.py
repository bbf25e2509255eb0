"""The commitments module's messages: to the reviewers when a commitment or a fulfilment
report waits for them, and to the signer when it is returned or approved (to sign now).
Sent by the services, in the write's transaction."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lianfang.core import notifications

WAITING = notifications.declare(
    notifications.Kind(
        code="commitment.waiting",
        label=_("有廉政承诺书待我审核"),
        subject=_("待您审核：%(subject)s"),
        template="commitments/notifications/waiting.txt",
        email=True,
        order=40,
    )
)
DECIDED = notifications.declare(
    notifications.Kind(
        code="commitment.decided",
        label=_("我的廉政承诺书已审核或被退回"),
        subject=_("%(outcome)s：%(subject)s"),
        template="commitments/notifications/decided.txt",
        email=True,
        order=41,
    )
)


def _context(commitment, actor, **extra):
    return {
        "subject": f"{commitment.year} {commitment.person.name} {commitment.title}",
        "actor": str(actor) if actor is not None else "",
        **extra,
    }


def _common(commitment, actor):
    return {
        "target": commitment,
        "link": reverse("commitments:detail", args=[commitment.pk]),
        "organisation": commitment.organisation,
        "exclude": {getattr(actor, "pk", None)} - {None},
    }


def tell_reviewers(commitment, reviewers, *, actor, what: str):
    return notifications.notify(
        WAITING,
        recipients=sorted(reviewers),
        context=_context(commitment, actor, what=what),
        **_common(commitment, actor),
    )


def tell_signers(commitment, signers, *, actor, outcome: str, reason: str = ""):
    return notifications.notify(
        DECIDED,
        recipients=sorted(signers),
        context=_context(commitment, actor, outcome=outcome, reason=reason),
        **_common(commitment, actor),
    )
