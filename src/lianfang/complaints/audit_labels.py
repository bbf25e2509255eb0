"""The audit page's words for the complaints module's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "complaint.file": _("登记投诉举报"),
        "complaint.reporter_reply": _("举报人留言或补充材料"),
        "complaint.assign": _("指派投诉举报承办人"),
        "complaint.accept": _("受理投诉举报"),
        "complaint.reject": _("不予受理投诉举报"),
        "complaint.transfer": _("转办投诉举报"),
        "complaint.handle": _("确定投诉举报处置方式"),
        "complaint.extend": _("延长投诉举报办理期限"),
        "complaint.conclude": _("办结投诉举报"),
        "complaint.feedback": _("反馈投诉举报办理结果"),
        "complaint.archive": _("归档投诉举报"),
        "complaint.message": _("向举报人留言"),
        "complaint.note": _("添加投诉举报内部备注"),
        "complaint.identity_request": _("申请查看举报人身份"),
        "complaint.identity_decide": _("审批举报人身份申请"),
        "complaint.identity_read": _("查看举报人身份"),
        "complaint.officer_grant": _("指定投诉举报办理人员"),
        "complaint.officer_revoke": _("取消投诉举报办理人员"),
        "complaint.escalate": _("投诉举报逾期上报"),
        "complaint.statistics_export": _("导出投诉举报统计"),
        "complaint.purge": _("清除保存期满的投诉举报内容"),
    }
)
