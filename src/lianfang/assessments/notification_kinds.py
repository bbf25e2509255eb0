"""The messages of the assessments module (core.notifications)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import notifications

ISSUED = notifications.declare(
    notifications.Kind(
        code="assessments.issued",
        label=_("收到评估通知书"),
        subject=_("评估通知书 %(notice)s：%(level)s，请于 %(due)s 前回复整改"),
        email=True,
    )
)
SUBMITTED = notifications.declare(
    notifications.Kind(
        code="assessments.submitted",
        label=_("评估整改待审"),
        subject=_("%(party)s 已提交整改，请审核"),
    )
)
ACCEPTED = notifications.declare(
    notifications.Kind(
        code="assessments.accepted", label=_("评估整改通过"), subject=_("您的整改已通过审核")
    )
)
RETURNED = notifications.declare(
    notifications.Kind(
        code="assessments.returned",
        label=_("评估整改退回"),
        subject=_("整改被退回（%(level)s）：%(reason)s"),
        email=True,
    )
)
DUE_SOON = notifications.declare(
    notifications.Kind(
        code="assessments.due_soon",
        label=_("评估整改即将到期"),
        subject=_("整改期限 %(due)s 将到，请按时提交"),
    )
)
