"""The audit page's words for the flows' actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "flow_definition.publish": _("发布流程"),
        "flow_definition.import": _("导入流程"),
        "flow_instance.start": _("发起办件"),
        "flow_instance.withdraw": _("撤回办件"),
        "flow_task.approve": _("审批同意"),
        "flow_task.return": _("退回办件"),
        "flow_task.reject": _("审批不同意"),
        "flow_task.comment": _("填写办理意见"),
        "flow_task.transfer": _("转办"),
    }
)
