"""The audit page's words for the register's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

from .library_import import ACTION_PREFIX

register_actions(
    {
        "risk_point.create": _("新建风险点"),
        "risk_point.update": _("修改风险点"),
        "risk_point.file": _("备案风险点"),
        "risk_point.submit": _("提交风险点备案审核"),
        "risk_point.approve": _("审核通过风险点"),
        "risk_point.return": _("退回风险点"),
        "risk_point.skip_level": _("跳过审核环节"),
        "risk_point.file_directly": _("直接备案风险点"),
        "risk_point.request_change": _("请求变更风险点"),
        "risk_point.retire": _("停用风险点"),
        "risk_point.review": _("复核风险点"),
        "risk_point.regrade": _("风险点重新定级"),
        "measure.create": _("新建防控措施"),
        "measure.update": _("修改防控措施"),
        "measure.progress": _("记录措施落实情况"),
        "measure.link": _("防控措施关联风险点"),
        "measure.unlink": _("防控措施取消关联风险点"),
        "grading_scheme.create": _("新建定级方案"),
        "grading_scheme.update": _("修改定级方案"),
        "grading_scheme.activate": _("启用定级方案"),
        "grading_scheme.deactivate": _("停用定级方案"),
        "grading_scheme.delete": _("删除定级方案"),
        "generic_phrase.create": _("新增空泛表述"),
        "generic_phrase.enable": _("启用空泛表述"),
        "generic_phrase.disable": _("停用空泛表述"),
        "generic_phrase.delete": _("删除空泛表述"),
        "risk_register.import": _("导入风险点登记表"),
        "risks.register.export": _("导出风险点登记表（Excel）"),
        "risks.register.print": _("打印风险点登记表（PDF）"),
        "risks.positioning.export": _("导出廉政风险定位表（Excel）"),
        "risks.positioning.print": _("打印廉政风险定位表（PDF）"),
        "risks.positioning.docx": _("导出廉政风险定位表（Word）"),
        "risks.register.docx": _("导出风险点登记表（Word）"),
        ACTION_PREFIX: _("导入标准库"),
    },
    prefixes={f"{ACTION_PREFIX}.": _("标准库导入")},
)
