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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


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
