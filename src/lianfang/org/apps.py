from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "lianfang.org"
    label = "org"
    verbose_name = "组织与人员"

    def ready(self):
        from . import selectors  # noqa: F401  (registers visible_to selectors)
