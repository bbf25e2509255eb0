"""The audit page's words for the commitments module's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "commitment_template.save": _("修改承诺书模板"),
        "commitment.generate": _("生成廉政承诺书"),
        "commitment.refresh": _("按登记册更新承诺书"),
        "commitment.update": _("修改本人补充承诺"),
        "commitment.submit": _("提交承诺书审核"),
        "commitment.approve": _("审核通过承诺书"),
        "commitment.return": _("退回承诺书"),
        "commitment.sign": _("签署廉政承诺书"),
        "commitment.publish": _("内部公示承诺书"),
        "commitment.unpublish": _("撤销承诺书公示"),
        "commitment.fulfilment_report": _("报告履诺情况"),
        "commitment.fulfilment_check": _("核查履诺情况"),
    }
)
