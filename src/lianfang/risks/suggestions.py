"""Starting points of the risk point form (从标准库选用): the standard library's risk points of
the powers a post takes part in, ready to fill the form with one click.

A power of the catalogue that came from a pack keeps the pack's urn (`Power.library_urn`);
the pack's risk points of that urn, with the organisation's step of the same key, the scores
rescaled onto the active scheme's matrix and the text of the pack's first measure, are the
suggestions. The person filing still reads and adapts them: the form is filled, not saved.

Reads only: the packs (cached by the loader) and, per call, the steps of the powers given and
the names of the post's risk points in use (to put those already registered last).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from lianfang.libraries import LibraryError, Pack, list_packs, load_pack
from lianfang.org.models import Post, Power, PowerStep

from . import grading, library_import
from .models import RiskPoint

MAX_SUGGESTIONS = 60  # a post's powers rarely give more; the list stays one screen of buttons


@dataclass(frozen=True)
class Suggestion:
    key: str  # the pack risk point's urn
    power: int
    power_name: str
    step: int | None
    step_name: str
    category: str
    name: str
    manifestation: str
    likelihood: int | None
    harm: int | None
    matter_kind: str
    criteria: list
    measure: str
    registered: bool  # the post already has a risk point of this name in use

    def as_dict(self) -> dict:
        return asdict(self)


def _packs_by_sector(directory: Path | None) -> dict[str, Pack]:
    packs = {}
    try:
        for info in list_packs(directory):
            packs.setdefault(info.sector, load_pack(info.key, directory))
    except LibraryError:
        return packs
    return packs


def _sector(urn: str) -> str:
    # urn:lianfang:<sector>:power:<slug>
    parts = urn.split(":")
    return parts[2] if len(parts) > 3 and parts[0] == "urn" else ""


def suggestions_for(
    powers: list[Power], scheme, *, post: Post | None = None, directory: Path | None = None
) -> list[Suggestion]:
    """The pack risk points of `powers` (those from a library), in the powers' order and the
    pack's, those the post has registered already last. Two queries at most."""
    from_library = [p for p in powers if p.library_urn]
    if not from_library:
        return []
    directory = directory if directory is not None else library_import.PACKS_DIRECTORY
    packs = _packs_by_sector(directory)
    steps = {}
    for step in PowerStep.objects.filter(power__in=from_library).order_by("power_id", "order"):
        steps[(step.power_id, step.key)] = step
    taken = set()
    if post is not None:
        taken = set(RiskPoint.objects.in_use().filter(post=post).values_list("name", flat=True))
    size = scheme.matrix_size
    found = []
    for power in from_library:
        pack = packs.get(_sector(power.library_urn))
        if pack is None:
            continue
        measures = {m.urn: m.text.zh for m in pack.measures}
        for spec in pack.risk_points:
            if spec.power != power.library_urn:
                continue
            step = steps.get((power.pk, spec.step)) if spec.step else None
            found.append(
                Suggestion(
                    key=spec.urn,
                    power=power.pk,
                    power_name=power.name,
                    step=step.pk if step else None,
                    step_name=step.name if step else "",
                    category=spec.category,
                    name=spec.name.zh,
                    manifestation=spec.manifestation.zh,
                    likelihood=grading.rescale(spec.likelihood, library_import.PACK_SCALE, size),
                    harm=grading.rescale(spec.harm, library_import.PACK_SCALE, size),
                    matter_kind=spec.matter_kind or "",
                    criteria=list(spec.criteria),
                    measure=next((measures[u] for u in spec.measures if u in measures), ""),
                    registered=spec.name.zh in taken,
                )
            )
    found.sort(key=lambda s: s.registered)  # stable: the order of powers and pack otherwise
    return found[:MAX_SUGGESTIONS]
