"""A sheet's columns: what a module declares once, and both its export and its import read."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass


@dataclass(frozen=True)
class Column:
    """One column of an exchanged sheet.

    `header` is written in row 1 and found there on import, as are the `aliases` (headers that
    older files or other offices use). The flags only change how the column is drawn or read.
    """

    key: str  # the value's name in a SheetRow and in the rows an export writes
    header: str
    width: int  # in characters, as Excel's column width
    aliases: tuple[str, ...] = ()
    _: KW_ONLY
    extra: bool = False  # after the columns of the printed form: lighter header
    derived: bool = False  # computed by the platform: written, ignored on import
    wrap: bool = False  # long or multi-line text: wrapped and top-aligned
    text: bool = False  # digits kept as typed (工号, 电话, 编码): the column is formatted as text


def normalise_header(value) -> str:
    """A header as compared: half-width brackets and slashes, no spaces."""
    text = "" if value is None else str(value)
    for a, b in (("（", "("), ("）", ")"), (" ", ""), ("\u3000", ""), ("／", "/")):
        text = text.replace(a, b)
    return text.strip()


def header_lookup(columns) -> dict[str, str]:
    """Normalised header or alias → column key."""
    return {
        normalise_header(name): col.key for col in columns for name in (col.header, *col.aliases)
    }
