"""The daily reminder of overdue reviews (复核逾期): a filed risk point whose review date has
passed is brought to its owners (its author, and its department's head), once per review
date (`lianfang notifications remind`)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lianfang.core import notifications
from lianfang.core.chunks import chunks
from lianfang.core.roles import Role

from .models import RiskPoint

REVIEW_OVERDUE = notifications.declare(
    notifications.Kind(
        code="risks.review_overdue",
        label=_("风险点复核逾期提醒"),
        subject=_("复核逾期：%(point)s"),
        template="risks/notifications/review_overdue.txt",
        email=True,
        order=40,
    )
)


@notifications.reminder("review_overdue")
def remind_review_overdue(today) -> int:
    sent = 0
    overdue = (
        RiskPoint.objects.filter(status=RiskPoint.Status.FILED, review_due__lt=today)
        .select_related("organisation", "department")
        .order_by("pk")
    )
    for chunk in chunks(overdue, size=500):
        for point in chunk:
            recipients = [point.author_id]
            if point.department_id:
                recipients.append(
                    notifications.RoleOn(Role.DEPT_HEAD, point.organisation, point.department)
                )
            sent += len(
                notifications.notify(
                    REVIEW_OVERDUE,
                    recipients=recipients,
                    context={"point": point.name, "due": point.review_due.isoformat()},
                    target=point,
                    link=reverse("risks:point_detail", args=[point.pk]),
                    organisation=point.organisation,
                    key=f"review_overdue:{point.pk}:{point.review_due.isoformat()}",
                )
            )
    return sent
