from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lianfang.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from . import jobs, selectors  # noqa: F401  (registers visible_to selectors, job handlers)
