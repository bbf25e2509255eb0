from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ModuleSpec, NavItem
from lianfang.core.roles import Role

# The staff pages belong to the module (404 while it is off for the user); the public pages
# do not: a visitor's own organisations have nothing to do with another's site, which each
# public view opens only while that organisation has the module on and its site open.
STAFF_URLS = (
    "portal:manage_sites",
    "portal:manage_site",
    "portal:completeness_index",
    "portal:completeness",
)


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
        ModuleSpec("portal", "公开门户", "Disclosure portal", "globe2", 50, urls=STAFF_URLS),
    )
    nav_items = (
        NavItem(
            "portal",
            _("公开完整性"),
            "portal:completeness_index",
            "clipboard-check",
            (Role.INTEGRITY,),
            group="supervision",
            order=25,
        ),
        NavItem(
            "portal",
            _("公开门户"),
            "portal:manage_sites",
            "globe2",
            (Role.ADMIN,),
            group="maintenance",
            order=17,
        ),
    )

    def ready(self):
        # the portal's own kinds and completeness checks, its settings
        from lianfang.core import publications

        from . import kinds, org_settings, services  # noqa: F401
        from .selectors import site_is_open

        # the register's own column page (/public/…) shows nothing of a closed site
        publications.register_site_gate(site_is_open)
        # a publication or a write of the public register renders the site's pages afresh
        publications.register_change_listener(services.pages_changed)
