"""The audit page's words for the campaigns' actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "campaign.create": _("创建风险排查"),
        "campaign.update": _("修改风险排查"),
        "campaign.open": _("发布风险排查"),
        "campaign.close": _("结束风险排查"),
        "campaign.point_confirm": _("排查中确认保留风险点"),
        "campaign.point_remove": _("排查中申请删除上年风险点"),
        "campaign.task_file": _("排查中一次提交本岗位风险点"),
        "campaign.upward_open": _("领导风险点开始征求职工意见"),
        "campaign.upward_comment": _("职工对领导风险点提出意见"),
        "campaigns.summary.docx": _("导出风险排查工作总结（Word）"),
        "campaigns.summary.pdf": _("导出风险排查工作总结（PDF）"),
    }
)
