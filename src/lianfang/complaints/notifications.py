"""The messages the complaints module sends (core.notifications). They name the reference
only: never what a report says, nor who filed it."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.notifications import Kind, declare

_KINDS = (
    ("complaints.assigned", _("投诉举报：指派承办"), _("投诉举报 %(reference)s 已指派您承办")),
    (
        "complaints.reporter_replied",
        _("投诉举报：举报人留言"),
        _("投诉举报 %(reference)s 有举报人的新留言或材料"),
    ),
    (
        "complaints.identity_requested",
        _("投诉举报：身份信息申请"),
        _("投诉举报 %(reference)s 有查看举报人身份的申请待审批"),
    ),
    (
        "complaints.identity_decided",
        _("投诉举报：身份信息申请结果"),
        _("您对投诉举报 %(reference)s 的身份信息申请已审批"),
    ),
    ("complaints.due_soon", _("投诉举报：即将到期"), _("投诉举报 %(reference)s 即将到期")),
    ("complaints.overdue", _("投诉举报：逾期"), _("投诉举报 %(reference)s 已逾期")),
)

for code, label, subject in _KINDS:
    declare(Kind(code=code, label=label, subject=subject, order=60))
