"""The audit page's words for the satisfaction module's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "satisfaction.questionnaire.import": _("导入满意度问卷"),
        "satisfaction.token.issue": _("发放满意度评价码"),
        "satisfaction.token.print": _("打印满意度评价码"),
        "satisfaction.answer.submit": _("提交满意度评价"),
        "satisfaction.answer.clear": _("解除满意度评价存疑"),
        "satisfaction.answer.confirm": _("确认满意度评价存疑"),
    }
)
