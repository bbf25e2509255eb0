from django.apps import AppConfig

from lianfang.core.navigation import ModuleSpec


class CommitmentsConfig(AppConfig):
    """Commitments (承诺表): personal and departmental forms generated from the signer's filed risk
    points and measures, reviewed, signed (a hash in the audit chain), due yearly and at a post
    change, and their year-end fulfilment (履诺)."""

    name = "lianfang.commitments"
    label = "commitments"
    verbose_name = "廉政承诺"

    platform_modules = (
        ModuleSpec("commitments", "廉政承诺", "Commitments", "pen", 34, urls=("commitments",)),
    )
