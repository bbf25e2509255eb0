from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavItem
from lianfang.core.roles import Role

# the unit's integrity office and administrators report; those of a higher level receive
OFFICE = (Role.INTEGRITY, Role.ADMIN)


class ExchangeConfig(AppConfig):
    """Reporting upward (上报): a unit's filed register, commitments status and campaign summary
    frozen as a report, submitted to the higher level on this server or exported as a signed
    exchange file (zip) that the higher level imports on its own."""

    name = "lianfang.exchange"
    label = "exchange"
    verbose_name = "上报"

    platform_modules = (
        ModuleSpec("exchange", "上报", "Reporting upward", "send", 38, urls=("exchange",)),
    )
    nav_items = (
        NavItem(
            "exchange", _("上报"), "exchange:unit", "send", OFFICE, group="campaigns", order=70
        ),
        NavItem(
            "exchange",
            _("下级单位上报"),
            "exchange:received",
            "inboxes",
            OFFICE,
            group="campaigns",
            order=71,
        ),
    )

    def ready(self):
        from . import audit_labels, selectors  # noqa: F401
