"""The menu and the modules, as the installed apps declare them (core names no domain app).

Each app's AppConfig may declare, as class attributes:

- `platform_modules`: a ModuleSpec for each module that can be switched on or off (platform-
  wide by the platform administrator, per organisation by its administrators), with the URL
  namespaces (or single "namespace:name" URLs) that belong to it, so a module off for the
  user's organisations answers 404 (`ModuleEnabledMiddleware`), not just vanishes from the
  menu. Its Module row is created after migrate (`services.modules_sync`): a row appears with
  its app.
- `nav_groups`: a NavGroup for each group of the menu the app opens;
- `nav_items`: a NavItem for each menu entry, in a group of its own or of an app below it.
  An entry may name a `badge`: a count beside it (待审 3), given per user by the function an
  app registers under that name with `@navigation.badge(name)` when it is ready.

Groups and entries are shown by their `order`, so an app can place an entry among those of
another app without either importing the other.
"""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


@dataclass(frozen=True)
class ColumnSpec:
    """A column (栏目) a module brings; administrators edit it afterwards on 系统维护."""

    code: str
    title: str
    title_en: str = ""
    order: int = 0
    public: bool = False


@dataclass(frozen=True)
class ModuleSpec:
    code: str
    name: str  # Chinese and English names are stored on the row, as 系统维护 shows them
    name_en: str
    icon: str
    order: int
    urls: tuple[str, ...] = ()  # URL namespaces or "namespace:name" of the module's pages
    always_on: bool = False  # the platform cannot run without it: no switch
    columns: tuple[ColumnSpec, ...] = ()


@dataclass(frozen=True)
class NavGroup:
    key: str
    title: str
    order: int


@dataclass(frozen=True)
class NavItem:
    module: str
    label: str
    url_name: str
    icon: str
    roles: tuple[str, ...]
    group: str = ""
    order: int = 0
    badge: str = ""  # the name of a registered badge function


@dataclass(frozen=True)
class Badge:
    """What a menu entry shows beside its label: a short text (a count) and its meaning."""

    text: str
    title: str = ""


_BADGES: dict = {}


def badge(name: str):
    """Register `fn(user) -> Badge | None` as the badge of the menu entries naming `name`."""

    def decorator(fn):
        _BADGES[name] = fn
        return fn

    return decorator


@dataclass(frozen=True)
class Declarations:
    """What the installed apps declared, checked for consistency."""

    modules: tuple[ModuleSpec, ...]
    menu: tuple[tuple[NavGroup, tuple[NavItem, ...]], ...]  # groups and entries, in order
    module_urls: dict[str, str]  # URL namespace or "namespace:name" → module code
    always_on: frozenset[str]


def collect(configs) -> Declarations:
    """Gather and check the declarations of `configs` (AppConfig instances, in order)."""
    modules: dict[str, ModuleSpec] = {}
    groups: dict[str, NavGroup] = {}
    items: list[NavItem] = []
    module_urls: dict[str, str] = {}
    for config in configs:
        for spec in getattr(config, "platform_modules", ()):
            if spec.code in modules:
                raise ImproperlyConfigured(f"Module {spec.code!r} is declared twice.")
            modules[spec.code] = spec
            for url in spec.urls:
                if url in module_urls:
                    raise ImproperlyConfigured(f"URL {url!r} belongs to two modules.")
                module_urls[url] = spec.code
        for group in getattr(config, "nav_groups", ()):
            if group.key in groups:
                raise ImproperlyConfigured(f"Menu group {group.key!r} is declared twice.")
            groups[group.key] = group
        items.extend(getattr(config, "nav_items", ()))
    for item in items:
        if item.group not in groups:
            raise ImproperlyConfigured(f"{item.url_name}: no menu group {item.group!r}.")
        if item.module not in modules:
            raise ImproperlyConfigured(f"{item.url_name}: no module {item.module!r}.")
    menu = tuple(
        (group, tuple(sorted((i for i in items if i.group == group.key), key=lambda i: i.order)))
        for group in sorted(groups.values(), key=lambda g: g.order)
    )
    return Declarations(
        modules=tuple(sorted(modules.values(), key=lambda m: m.order)),
        menu=menu,
        module_urls=module_urls,
        always_on=frozenset(code for code, spec in modules.items() if spec.always_on),
    )


@functools.cache
def declarations() -> Declarations:
    """The installed apps' declarations (read once, when first asked after start-up)."""
    return collect(apps.get_app_configs())


def always_on_codes() -> frozenset[str]:
    """Modules an administrator may never switch off (the home page, the switch itself)."""
    return declarations().always_on


def enabled_module_codes(request) -> frozenset[str]:
    """The codes of the modules open to the request's user, read once per request: on
    platform-wide and for their organisations (`selectors.modules_open_to`)."""
    codes = getattr(request, "_lianfang_enabled_modules", None)
    if codes is None:
        from .selectors import modules_open_to

        codes = modules_open_to(getattr(request, "user", None))
        request._lianfang_enabled_modules = codes
    return codes | always_on_codes()


def module_of(view_name: str) -> str | None:
    """The module code a resolved view name ("ns:sub:name") belongs to, if any.

    The longest declared prefix wins, so a single URL of a namespace can belong to its own
    module. URLs named by no module are always on.
    """
    module_urls = declarations().module_urls
    parts = view_name.split(":")
    for end in range(len(parts), 0, -1):
        code = module_urls.get(":".join(parts[:end]))
        if code is not None:
            return code
    return None


def nav_for(user, enabled_codes: set[str], current_path: str):
    """The navigation groups this user may see, with the active item marked.

    The active item is the one whose URL is the longest prefix of the current path, so
    /risks/positioning/ lights 定位表, not also the register at /risks/.
    """
    groups = []
    entries = []
    for group, items in declarations().menu:
        visible = []
        for item in items:
            if item.module not in enabled_codes or not user.has_any_role(item.roles):
                continue
            url = reverse(item.url_name)
            entry = {"label": item.label, "url": url, "icon": item.icon, "active": False}
            if item.badge in _BADGES:
                entry["badge"] = _BADGES[item.badge](user)
            visible.append(entry)
            entries.append(entry)
        if visible:
            groups.append({"title": group.title, "items": visible})
    matches = [
        e
        for e in entries
        if current_path == e["url"] or (e["url"] != "/" and current_path.startswith(e["url"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return groups
