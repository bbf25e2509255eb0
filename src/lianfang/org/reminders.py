"""The daily reminder of overdue rotations (轮岗到期): when a person's time on a key or
sensitive post passes its rotation period, the administrators of their organisation and the
head of their department are told, once for that period (`lianfang notifications remind`)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lianfang.core import notifications
from lianfang.core.roles import Role
from lianfang.core.warning_notifications import owner_recipients

from .models import PostAssignment
from .selectors import rotation_due_date, rotations_overdue_among

ROTATION_DUE = notifications.declare(
    notifications.Kind(
        code="org.rotation_due",
        label=_("轮岗到期提醒"),
        subject=_("轮岗到期：%(person)s（%(post)s）"),
        template="org/notifications/rotation_due.txt",
        email=True,
        order=30,
    )
)


@notifications.reminder("rotation")
def remind_rotation(today) -> int:
    sent = 0
    overdue = rotations_overdue_among(PostAssignment.objects.all(), today=today).select_related(
        "person__organisation", "person__department", "post"
    )
    for row in overdue.order_by("pk"):
        person, post = row.person, row.post
        due = rotation_due_date(row.start, post.rotation_years)
        recipients = [notifications.RoleOn(Role.ADMIN, person.organisation)]
        if person.department_id:
            recipients.append(
                notifications.RoleOn(Role.DEPT_HEAD, person.organisation, person.department)
            )
        sent += len(
            notifications.notify(
                ROTATION_DUE,
                recipients=recipients,
                context={
                    "person": person.name,
                    "post": post.name,
                    "start": row.start.isoformat(),
                    "due": due.isoformat(),
                },
                link=reverse("org:rotation_list") + f"?organisation={person.organisation_id}",
                organisation=person.organisation,
                key=f"rotation:{row.pk}:{due.isoformat()}",
            )
        )
    return sent


@owner_recipients("org.person")
def _person(person) -> list:
    """An escalated warning owned by a person reaches their account, if they have one."""
    return [person.user_id] if person.user_id else []


@owner_recipients("org.department")
def _department(department) -> list:
    """An escalated warning owned by a department reaches its heads."""
    return [notifications.RoleOn(Role.DEPT_HEAD, department.organisation, department)]
