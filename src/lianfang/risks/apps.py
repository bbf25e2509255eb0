from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "lianfang.risks"
    label = "risks"
    verbose_name = "风险防控"

    def ready(self):
        from . import jobs, selectors  # noqa: F401  (registers visible_to selectors, job handlers)
