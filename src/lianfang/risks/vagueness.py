"""The vagueness check (查不准的不能过关): what keeps a risk point from being filed.

A risk point can be filed only when it names its power (and a step, when the power has
steps), describes a concrete manifestation, is graded, has at least one measure with an
owner, and none of its texts contains a generic phrase of the editable list (global ones and
those of the organisation and its ancestors).
"""

import enum
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import GenericPhrase

# A manifestation shorter than this (letters, digits and Chinese characters) cannot say who
# does what at which step.
MIN_MANIFESTATION_CHARS = 12

_NOT_COUNTED = re.compile(r"[\W_]+")


class FilingProblem(enum.StrEnum):
    """Stable codes of the reasons a filing is refused."""

    NO_POWER = "no_power"
    NO_STEP = "no_step"
    STEP_NOT_OF_POWER = "step_not_of_power"
    MANIFESTATION_TOO_SHORT = "manifestation_too_short"
    NOT_GRADED = "not_graded"
    NO_MEASURE = "no_measure"
    MEASURE_WITHOUT_OWNER = "measure_without_owner"
    GENERIC_PHRASE = "generic_phrase"


@dataclass(frozen=True)
class Problem:
    code: FilingProblem
    message: str
    field: str = ""  # the risk point field to blame ("measures" for a measure's text)
    phrase: str = ""  # the generic phrase found, for GENERIC_PHRASE


def counted_chars(text: str) -> int:
    """Characters that carry meaning: letters, digits and Chinese characters."""
    return len(_NOT_COUNTED.sub("", text or ""))


def phrases_for(organisation) -> list[GenericPhrase]:
    """The active generic phrases that apply to `organisation`: global ones and those of the
    organisation and its ancestors."""
    ids = organisation.ancestors_ids() or [organisation.pk]
    return list(
        GenericPhrase.objects.filter(active=True)
        .filter(Q(organisation__isnull=True) | Q(organisation_id__in=ids))
        .order_by("-phrase")
    )


def find_phrases(text: str, phrases) -> list[GenericPhrase]:
    """The phrases contained in `text` (case-insensitive), longest first, without a phrase
    that is only part of a longer one already found."""
    haystack = (text or "").casefold()
    found = []
    for phrase in sorted(phrases, key=lambda p: -len(p.phrase)):
        needle = phrase.phrase.casefold().strip()
        if needle and needle in haystack and not any(needle in f.phrase.casefold() for f in found):
            found.append(phrase)
    return found


def _phrase_problem(label: str, phrase: GenericPhrase, field: str) -> Problem:
    message = _("%(label)s含有空泛表述“%(phrase)s”，请写明谁在哪个环节以什么方式滥用权力。") % {
        "label": label,
        "phrase": phrase.phrase,
    }
    if phrase.reason:
        message = f"{message}（{phrase.reason}）"
    return Problem(FilingProblem.GENERIC_PHRASE, message, field, phrase.phrase)


def check_filing(risk_point, *, measures=None, phrases=None) -> list[Problem]:
    """Every reason `risk_point` cannot be filed yet, in Chinese; [] when it can.

    `measures` are the measures it will have (default: those linked now) and `phrases` the
    generic phrases that apply (default: read for its organisation), so a bulk write can
    check rows that are not saved yet."""
    problems = []
    power = risk_point.power if risk_point.power_id else None
    if power is None:
        problems.append(Problem(FilingProblem.NO_POWER, _("须指明所涉权力事项。"), "power"))
    else:
        step_ids = {step.pk for step in power.steps.all()}
        if risk_point.step_id and risk_point.step_id not in step_ids:
            problems.append(
                Problem(
                    FilingProblem.STEP_NOT_OF_POWER,
                    _("所选流程环节不属于权力事项“%(power)s”。") % {"power": power.name},
                    "step",
                )
            )
        elif step_ids and not risk_point.step_id:
            problems.append(
                Problem(
                    FilingProblem.NO_STEP,
                    _("权力事项“%(power)s”设有流程环节，须指明风险点所在的环节。")
                    % {"power": power.name},
                    "step",
                )
            )
    if counted_chars(risk_point.manifestation) < MIN_MANIFESTATION_CHARS:
        problems.append(
            Problem(
                FilingProblem.MANIFESTATION_TOO_SHORT,
                _("表现形式过于简短（少于 %(n)s 个字），请具体写明谁在什么环节以什么方式出问题。")
                % {"n": MIN_MANIFESTATION_CHARS},
                "manifestation",
            )
        )
    if not risk_point.level:
        problems.append(
            Problem(
                FilingProblem.NOT_GRADED,
                _("尚未评定风险等级：请按定级方案填写可能性和危害程度（或事项性质、符合条件）。"),
                "level",
            )
        )
    if measures is None:
        measures = list(risk_point.measures.all()) if risk_point.pk else []
    if not measures:
        problems.append(Problem(FilingProblem.NO_MEASURE, _("须至少有一条防控措施。"), "measures"))
    elif not any(m.owner_person_id or m.owner_department_id for m in measures):
        problems.append(
            Problem(
                FilingProblem.MEASURE_WITHOUT_OWNER,
                _("防控措施须有责任人或责任部门。"),
                "measures",
            )
        )
    if phrases is None:
        phrases = phrases_for(risk_point.organisation)
    texts = [
        (_("风险点名称"), risk_point.name, "name"),
        (_("表现形式"), risk_point.manifestation, "manifestation"),
    ] + [
        (_("防控措施“%(text)s”") % {"text": _shorten(m.text)}, m.text, "measures") for m in measures
    ]
    for label, text, field in texts:
        for phrase in find_phrases(text, phrases):
            problems.append(_phrase_problem(label, phrase, field))
    return problems


def _shorten(text: str, size: int = 20) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size] + "…"
