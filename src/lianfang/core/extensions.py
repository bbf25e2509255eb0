"""Extension points: an app offers a named slot on its pages, the apps above it fill it.

Layers point down only, so a page of `org` cannot import what `risks` shows on it. Instead
the page's app names a slot and says what a contribution must be; an app above it registers
its contribution when ready (`contribute`); the page asks for the slot's contributions. With
nothing registered the page shows nothing more.

The usual contribution is a panel function, `fn(request, **objects) -> Panel | None`, called
through `panels(slot, request, **objects)` by the view that owns the slot.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

_SLOTS: dict[str, list[tuple[int, object]]] = {}


def contribute(slot: str, item, *, order: int = 0):
    """Add `item` to `slot`, shown by `order` then in the order of registration.

    Registering the same item twice keeps one. Returns `item`.
    """
    entries = _SLOTS.setdefault(slot, [])
    if all(existing is not item for _order, existing in entries):
        entries.append((order, item))
        entries.sort(key=lambda entry: entry[0])
    return item


def contributions(slot: str) -> list:
    return [item for _order, item in _SLOTS.get(slot, ())]


@dataclass(frozen=True)
class Panel:
    """What an app adds to another app's page."""

    html: str = ""  # a section (safe HTML, e.g. from render_to_string) where the slot is
    # Small fragments for items the page already shows, by a key the slot names (the steps of
    # a power's flow chart: the step's pk).
    marks: Mapping = field(default_factory=dict)


def panels(slot: str, request, **objects) -> list[Panel]:
    """The panels of `slot` for this request and the page's `objects`, in order."""
    found = (fn(request, **objects) for fn in contributions(slot))
    return [panel for panel in found if panel is not None]
