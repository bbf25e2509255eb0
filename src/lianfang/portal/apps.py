from django.apps import AppConfig

from lianfang.core.navigation import ModuleSpec


class PortalConfig(AppConfig):
    """The public disclosure site (院务公开 / 政务公开): one per organisation that turns it on.

    The portal owns the site, its columns and the kinds of column; the modules above it
    (content, flows, complaints, satisfaction) contribute kinds by registering with
    `portal.columns`, never by being imported here.
    """

    name = "lianfang.portal"
    label = "portal"
    verbose_name = "公开门户"

    platform_modules = (
        ModuleSpec("portal", "公开门户", "Disclosure portal", "globe2", 50, urls=("portal",)),
    )
