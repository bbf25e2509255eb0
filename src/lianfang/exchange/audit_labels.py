"""The audit page's words for the reporting module's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "exchange.report.submit": _("向上级提交上报"),
        "exchange.report.import": _("导入下级单位上报文件"),
        "exchange.key.create": _("生成上报文件签名密钥"),
        "exchange.key.pin": _("登记下级单位签名公钥"),
        "exchange.export": _("导出上报文件"),
        "exchange.report.xlsx": _("导出上报材料（Excel）"),
    }
)
