from django.apps import AppConfig

from lianfang.core.navigation import ModuleSpec


class ComplaintsConfig(AppConfig):
    """Complaints and reports (投诉举报): intake from the public and staff, receipts, handling
    on working-day deadlines, recusal, encryption at rest."""

    name = "lianfang.complaints"
    label = "complaints"
    verbose_name = "投诉举报"

    platform_modules = (
        ModuleSpec("complaints", "投诉举报", "Complaints", "megaphone", 60, urls=("complaints",)),
    )
