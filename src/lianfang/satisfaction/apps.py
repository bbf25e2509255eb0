from django.apps import AppConfig

from lianfang.core.navigation import ModuleSpec


class SatisfactionConfig(AppConfig):
    """Patient satisfaction (患者满意度): questionnaires as data, tokened answers, results per
    department and person."""

    name = "lianfang.satisfaction"
    label = "satisfaction"
    verbose_name = "患者满意度"

    platform_modules = (
        ModuleSpec(
            "satisfaction",
            "患者满意度",
            "Patient satisfaction",
            "emoji-smile",
            65,
            urls=("satisfaction",),
        ),
    )
