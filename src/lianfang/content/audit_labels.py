"""The audit page's words for the content module's actions."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions

register_actions(
    {
        "article.create": _("新建公开内容"),
        "article.update": _("修改公开内容"),
        "article.submit": _("提交公开内容审核"),
        "article.publish": _("发布公开内容"),
        "article.return": _("退回公开内容"),
        "article.withdraw": _("撤回公开内容"),
    }
)
