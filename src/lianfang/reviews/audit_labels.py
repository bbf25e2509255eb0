"""The audit page's words for the review chains' actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "review_chain.update": _("修改审核流程设置"),
        "review_chain.inherit": _("审核流程改为沿用上级设置"),
    }
)
