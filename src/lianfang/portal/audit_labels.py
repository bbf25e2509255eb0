"""The audit page's words for the portal's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "portal_site.update": _("设置公开门户"),
        "portal_column.create": _("新建门户栏目"),
        "portal_column.update": _("修改门户栏目"),
    }
)
