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

# The flows' rules (handlers, delegation, deadlines, publication): the rules helper's block.
register_actions(
    {
        "flow_delegation.create": _("设置代理"),
        "flow_delegation.end": _("提前结束代理"),
        "flow_task.handler_skip": _("办理人回避，转上一级办理"),
        "flow_task.suspend": _("中止计时"),
        "flow_task.resume": _("恢复计时"),
        "flow_task.overdue": _("环节超时"),
        "flow_task.escalate": _("环节超时升级"),
    }
)
