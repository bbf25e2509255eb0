"""The audit page's words for the assessments module's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "assessment.create": _("新建廉政评估"),
        "assessment.notice.issue": _("下达评估通知书"),
        "assessment.notice.sign": _("签收评估通知书"),
        "assessment.rectification.submit": _("提交评估整改"),
        "assessment.rectification.accept": _("评估整改通过"),
        "assessment.rectification.return": _("退回评估整改"),
        "assessment.escalate": _("评估结论升级"),
        "assessments.notice.docx": _("导出评估通知书（Word）"),
        "assessments.notice.pdf": _("导出评估通知书（PDF）"),
        "assessments.accountability.docx": _("导出述责述廉报告（Word）"),
    }
)
