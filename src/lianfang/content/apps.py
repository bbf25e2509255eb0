from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavGroup, NavItem
from lianfang.core.roles import Role


class ContentConfig(AppConfig):
    """Articles and notices (新闻、通知公告、规章制度): written, reviewed and published to the
    portal's columns."""

    name = "lianfang.content"
    label = "content"
    verbose_name = "公开内容"

    platform_modules = (
        ModuleSpec(
            "content",
            "公开内容",
            "Published content",
            "newspaper",
            55,
            urls=("content", "content_public"),
        ),
    )
    nav_groups = (NavGroup("content", _("院务公开"), 55),)
    nav_items = (
        # any role may be named a column's editor (系统维护 › 门户栏目)
        NavItem(
            "content",
            _("公开内容"),
            "content:article_list",
            "newspaper",
            Role.ALL,
            group="content",
            order=10,
        ),
        NavItem(
            "content",
            _("内容审核"),
            "content:review_queue",
            "patch-check",
            (Role.INTEGRITY,),
            group="content",
            order=20,
            badge="content.to_review",
        ),
    )

    def ready(self):
        # register with core and the portal
        from . import (  # noqa: F401
            attachments,
            badges,
            columns,
            notifications,
            selectors,
        )
