"""The audit page's words for the demo's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

from .services import AUDIT_PREFIX

register_actions(
    {"demo.load": _("载入演示数据"), "demo.reset": _("删除演示数据")},
    prefixes={AUDIT_PREFIX: _("演示数据")},
)
