from django.apps import AppConfig

from lianfang.core.navigation import ModuleSpec


class ContentConfig(AppConfig):
    """Articles and notices (新闻、通知公告、规章制度): written, reviewed and published to the
    portal's columns."""

    name = "lianfang.content"
    label = "content"
    verbose_name = "公开内容"

    platform_modules = (
        ModuleSpec("content", "公开内容", "Published content", "newspaper", 55, urls=("content",)),
    )
