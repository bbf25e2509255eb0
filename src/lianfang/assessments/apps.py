from django.apps import AppConfig

from lianfang.core.navigation import ModuleSpec


class AssessmentsConfig(AppConfig):
    """Assessments (评估): conclusions 提示/预警/亮牌 on a person or department with their evidence,
    the 评估通知书, rectification (整改) and the escalation after two failed rectifications."""

    name = "lianfang.assessments"
    label = "assessments"
    verbose_name = "廉政评估"

    platform_modules = (
        ModuleSpec(
            "assessments", "廉政评估", "Assessments", "clipboard-pulse", 36, urls=("assessments",)
        ),
    )
