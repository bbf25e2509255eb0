"""The content module's messages: a submission to its reviewers, a return to its author."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import notifications

SUBMITTED = notifications.declare(
    notifications.Kind(
        code="content.submitted",
        label=_("有公开内容待我审核"),
        subject=_("待审核的公开内容：%(title)s"),
        template="content/notifications/submitted.txt",
        email=True,
        order=30,
    )
)
RETURNED = notifications.declare(
    notifications.Kind(
        code="content.returned",
        label=_("我提交的公开内容被退回"),
        subject=_("公开内容被退回：%(title)s"),
        template="content/notifications/returned.txt",
        email=True,
        order=31,
    )
)
