"""The kinds of portal column, as the apps above the portal register them.

The portal renders a column of kind "news" by asking the kind registered under that code; the
content, flows, complaints and satisfaction apps register their kinds when ready:

    columns.register(ColumnKind(
        code="news", label=_("新闻列表"),
        view=news_column, item_view=news_item, latest=latest_news,
    ))

`view(request, *, organisation, column)` renders the column page, `item_view(request, *,
organisation, column, item_id)` one item (Http404 / a 410 response when withdrawn), and
`latest(*, organisation, column, limit)` lists the newest items for the home page and feeds.
Pages extend "portal/base.html".

Beside the kinds, three hooks let the apps above fill what the portal cannot know:

- `register_power_chart(fn)`: `fn(power) -> html | None`, a power's flow chart (the flows
  app draws it); the catalogue shows the first chart a hook gives, or says there is none.
- `register_gap(Gap(code, label, find))`: `find(organisation) -> list[GapItem]`, things that
  should be public and are not, listed on the integrity office's completeness page (the
  content app: notices past expiry still pinned; the flows app: control points completed
  without a publication).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PortalItem:
    """One entry of a column as the home page and the feeds list it."""

    title: str
    url: str
    date: dt.date | dt.datetime | None = None
    summary: str = ""


@dataclass(frozen=True)
class ColumnKind:
    code: str
    label: str
    view: Callable | None = None
    item_view: Callable | None = None
    latest: Callable | None = None


_KINDS: dict[str, ColumnKind] = {}


def register(kind: ColumnKind) -> ColumnKind:
    if kind.code in _KINDS and _KINDS[kind.code] != kind:
        raise ImproperlyConfigured(f"portal column kind {kind.code!r} registered twice")
    _KINDS[kind.code] = kind
    return kind


def kind_of(code: str) -> ColumnKind | None:
    return _KINDS.get(code)


def kinds() -> list[ColumnKind]:
    return list(_KINDS.values())


# The default columns of a site (篇七): (code, name, kind, editor roles). The editor roles
# are role codes (core.roles.Role); the content kinds are written by the office (admin).
DEFAULT_COLUMNS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("news", "医院新闻", "news", ("admin",)),
    ("party", "党建动态", "news", ("admin",)),
    ("staff-rights", "职工权益", "news", ("admin",)),
    ("notices", "通知公告", "notices", ("admin",)),
    ("work", "工作动态", "news", ("admin",)),
    ("regulations", "规章制度", "regulations", ("admin",)),
    ("power-holders", "权力主体", "power_holders", ()),
    ("catalogue", "职权目录", "power_catalogue", ()),
    ("risk-points", "廉政风险点", "risk_points", ("integrity",)),
    ("results", "权力运行公开", "results", ("integrity",)),
    ("complaints", "投诉举报", "complaints", ()),
)

# The kinds the platform knows of, with their labels, for the column form even before the
# app that renders one is installed (a column of an unregistered kind shows 栏目建设中).
KNOWN_KINDS: dict[str, object] = {
    "news": _("新闻列表"),
    "notices": _("通知公告"),
    "regulations": _("规章制度"),
    "power_holders": _("权力主体"),
    "power_catalogue": _("职权目录"),
    "risk_points": _("廉政风险点"),
    "results": _("权力运行公开"),
    "complaints": _("投诉举报入口"),
    "satisfaction": _("满意度评价入口"),
    "page": _("单页"),
}


def kind_choices() -> list[tuple[str, object]]:
    """(code, label) of every kind: the known ones, then any other registered."""
    labels = dict(KNOWN_KINDS)
    for kind in _KINDS.values():
        labels.setdefault(kind.code, kind.label)
    return list(labels.items())


# A power's flow chart --------------------------------------------------------------------------

_POWER_CHARTS: list[Callable] = []


def register_power_chart(fn: Callable) -> Callable:
    """Register `fn(power) -> html | None`: the power's flow chart, safe HTML (the flows app)."""
    if fn not in _POWER_CHARTS:
        _POWER_CHARTS.append(fn)
    return fn


def power_chart(power) -> str | None:
    """The first chart a registered hook gives for `power`, or None."""
    for fn in _POWER_CHARTS:
        html = fn(power)
        if html:
            return html
    return None


def has_power_charts() -> bool:
    return bool(_POWER_CHARTS)


# Completeness: what should be public and is not ----------------------------------------------


@dataclass(frozen=True)
class GapItem:
    """One thing that should be public and is not: its title, its department (if any) and
    the staff page where it is put right (if any)."""

    title: str
    department: str = ""
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Gap:
    """A check of the completeness page: `find(organisation) -> list[GapItem]`; `column`
    names the kind of column it concerns."""

    code: str
    label: str
    find: Callable
    column: str = ""
    order: int = 100


_GAPS: dict[str, Gap] = {}


def register_gap(gap: Gap) -> Gap:
    if gap.code in _GAPS and _GAPS[gap.code] != gap:
        raise ImproperlyConfigured(f"portal completeness check {gap.code!r} registered twice")
    _GAPS[gap.code] = gap
    return gap


def gaps() -> list[Gap]:
    return sorted(_GAPS.values(), key=lambda g: (g.order, g.code))
