"""The vagueness check (查不准的不能过关): what keeps a risk point from being filed.

A risk point can be filed only when it names its power (and a step, when the power has
steps), describes a concrete manifestation, is graded, has at least one measure with an
owner, and none of its texts contains a generic phrase of the editable list (global ones and
those of the organisation and its ancestors).

Measures have a list of their own: generic verbs (加强、进一步、严格……). A measure that uses
one must also say when it is done (每月, 三个工作日内, 当场 …) and how it is checked (抽查,
核对, 公示, 签字, 系统 …): "加强廉洁教育，进一步规范处方行为" says neither and is refused,
"处方点评小组每月抽查 5% 门诊处方并在院周会通报" passes. Who is done by the measure's
owner, a field of its own that filing requires.

This module is the one place of the rule. The filing and the register import (through the
risk point services, `check_filing`) and the standard-library loader (`text_problems`
against `default_phrases()`) all call it, so they cannot disagree on what is vague.
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

# The built-in generic phrases: boilerplate that describes no concrete abuse (such filings
# were sent back in practice). Migration 0003 seeds them as the global GenericPhrase rows an
# officer can then disable or extend; the standard libraries are checked against them as
# they stand here, so a shipped pack is valid whatever an organisation adds later.
DEFAULT_PHRASES: tuple[str, ...] = (
    "政治学习不够扎实",
    "业务程序有待进一步规范",
    "有待进一步",
    "不够到位",
    "落实不到位",
    "有待加强",
    "有待提高",
    "有待完善",
    "还需加强",
    "仍需加强",
    "不够扎实",
    "学习不够",
    "意识不强",
    "意识淡薄",
    "责任心不强",
    "存在薄弱环节",
    "思想认识不足",
)

# The built-in generic verbs of measures (the "measure" list, seeded like the one above).
DEFAULT_MEASURE_PHRASES: tuple[str, ...] = (
    "加强",
    "进一步",
    "强化",
    "严格",
    "切实",
    "认真",
    "加大",
    "提高",
    "完善",
    "健全",
    "规范",
)

# When a measure is done: a frequency, a time limit, a moment. "定期" alone says nothing.
_WHEN = re.compile(
    r"每[天日周月季年]|每半年|每个?季度|每学期|每批|每次|每笔|每份|每例|每项|[当即][日天场月年周]|当即"
    r"|[0-9０-９]+\s*个?(工作)?(日|天|周|月|年|小时)|[一二两三四五六七八九十百]+个?(工作)?(日|天|周|月|年|小时)"
    r"|之前|提前|事前|事后|前置|到期|时限|期限|首次|之日起|年度|季度|月度|按月|按季|按年|逐[笔件项例月]"
)
# How it is checked: a control someone can verify afterwards.
_HOW = re.compile(
    r"抽查|核查|核对|核实|检查|审核|审批|审查|比对|公示|公开|公布|通报|签字|签收|签名|登记|台账|记录"
    r"|系统|监控|预警|考核|点评|复核|验收|报告|报备|备案|留痕|录像|录音|双人|两人|集体|会审|回避|清单"
)

# Everything but letters, digits and Chinese characters: what str.isalnum() refuses, and "_".
_NOT_COUNTED = re.compile(r"[\W_]+")


class FilingProblem(enum.StrEnum):
    """Stable codes of the reasons a filing is refused, in the order they are listed."""

    NO_POWER = "no_power"
    NO_STEP = "no_step"
    STEP_NOT_OF_POWER = "step_not_of_power"
    MANIFESTATION_TOO_SHORT = "manifestation_too_short"
    NOT_GRADED = "not_graded"
    NO_MEASURE = "no_measure"
    MEASURE_WITHOUT_OWNER = "measure_without_owner"
    GENERIC_PHRASE = "generic_phrase"
    VAGUE_MEASURE = "vague_measure"


_ORDER = {code: i for i, code in enumerate(FilingProblem)}


@dataclass(frozen=True)
class Problem:
    code: FilingProblem
    message: str
    field: str = ""  # the risk point field to blame ("measures" for a measure's text)
    phrase: str = ""  # the generic phrase found, for GENERIC_PHRASE


def counted_chars(text: str) -> int:
    """Characters that carry meaning: letters, digits and Chinese characters. Spaces,
    punctuation (Chinese or ASCII), symbols and underscores do not count."""
    return len(_NOT_COUNTED.sub("", text or ""))


def default_phrases() -> list[GenericPhrase]:
    """The built-in phrases (of both kinds) as unsaved GenericPhrase rows, for checks that
    read no database (the standard-library loader)."""
    kinds = ((GenericPhrase.Kind.POINT, DEFAULT_PHRASES),) + (
        (GenericPhrase.Kind.MEASURE, DEFAULT_MEASURE_PHRASES),
    )
    return [
        GenericPhrase(phrase=phrase, kind=kind, active=True)
        for kind, phrases in kinds
        for phrase in phrases
    ]


def _of_kind(phrases, kind) -> list[GenericPhrase]:
    return [p for p in phrases if (p.kind or GenericPhrase.Kind.POINT) == kind]


def phrases_for(organisation) -> list[GenericPhrase]:
    """The active generic phrases (of both kinds) that apply to `organisation`: global ones
    and those of the organisation and its ancestors."""
    ids = organisation.ancestors_ids() or [organisation.pk]
    return list(
        GenericPhrase.objects.filter(active=True)
        .filter(Q(organisation__isnull=True) | Q(organisation_id__in=ids))
        .order_by("-phrase")
    )


def find_phrases(text: str, phrases) -> list[GenericPhrase]:
    """The phrases contained in `text` (case-insensitive), in the order they appear, without
    a phrase that is only part of a longer one found. The result does not depend on the
    order of `phrases`, so a list read from the database and the built-in one agree."""
    haystack = (text or "").casefold()
    found = {}
    for phrase in sorted(phrases, key=lambda p: -len(p.phrase.strip())):
        needle = phrase.phrase.casefold().strip()
        if needle and needle in haystack and not any(needle in f for f in found):
            found[needle] = phrase
    return [found[needle] for needle in sorted(found, key=haystack.index)]


def text_problems(text: str, phrases, *, label: str, field: str, min_chars: int = 0):
    """Why `text` (called `label` in the messages) is vague: shorter than `min_chars` counted
    characters, and each generic phrase of `phrases` it contains. [] when it is specific."""
    problems = []
    if min_chars and counted_chars(text) < min_chars:
        problems.append(
            Problem(
                FilingProblem.MANIFESTATION_TOO_SHORT,
                _("%(label)s过于简短（少于 %(n)s 个字），请具体写明谁在什么环节以什么方式出问题。")
                % {"label": label, "n": min_chars},
                field,
            )
        )
    for phrase in find_phrases(text, phrases):
        message = _("%(label)s含有空泛表述“%(phrase)s”，请写明谁在哪个环节以什么方式滥用权力。") % {
            "label": label,
            "phrase": phrase.phrase,
        }
        if phrase.reason:
            message = f"{message}（{phrase.reason}）"
        problems.append(Problem(FilingProblem.GENERIC_PHRASE, message, field, phrase.phrase))
    return problems


def measure_problems(text: str, phrases, *, label: str, field: str = "text") -> list[Problem]:
    """Why a measure's `text` is vague: it uses a generic verb of `phrases` (the measure
    list) without saying when it is done and how it is checked. [] when it is specific."""
    found = find_phrases(text, _of_kind(phrases, GenericPhrase.Kind.MEASURE))
    if not found:
        return []
    missing = []
    if not _WHEN.search(text or ""):
        missing.append(_("何时做（频次或时限，如“每月”“三个工作日内”）"))
    if not _HOW.search(text or ""):
        missing.append(_("怎样检查（如抽查、核对、公示、签字、系统记录）"))
    if not missing:
        return []
    verbs = "、".join(f"“{p.phrase}”" for p in found)
    message = _("%(label)s用了%(verbs)s等笼统说法，却没有写明%(missing)s。") % {
        "label": label,
        "verbs": verbs,
        "missing": _("，也没有写明").join(missing),
    }
    return [Problem(FilingProblem.VAGUE_MEASURE, message, field, found[0].phrase)]


def check_filing(risk_point, *, measures=None, phrases=None) -> list[Problem]:
    """Every reason `risk_point` cannot be filed yet, in Chinese, in the order of
    FilingProblem; [] when it can.

    `measures` are the measures it will have (default: those linked now) and `phrases` the
    generic phrases that apply (default: read for its organisation), so a bulk write can
    check rows that are not saved yet. The power's steps are read with `steps.all()`, so a
    prefetch is used."""
    if measures is None:
        measures = list(risk_point.measures.all()) if risk_point.pk else []
    if phrases is None:
        phrases = phrases_for(risk_point.organisation)
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
    if not risk_point.level:
        problems.append(
            Problem(
                FilingProblem.NOT_GRADED,
                _("尚未评定风险等级：请按定级方案填写可能性和危害程度（或事项性质、符合条件）。"),
                "level",
            )
        )
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
    measure_phrases = _of_kind(phrases, GenericPhrase.Kind.MEASURE)
    phrases = _of_kind(phrases, GenericPhrase.Kind.POINT)
    problems += text_problems(risk_point.name, phrases, label=_("风险点名称"), field="name")
    problems += text_problems(
        risk_point.manifestation,
        phrases,
        label=_("表现形式"),
        field="manifestation",
        min_chars=MIN_MANIFESTATION_CHARS,
    )
    for measure in measures:
        label = _("防控措施“%(text)s”") % {"text": _shorten(measure.text)}
        problems += text_problems(measure.text, phrases, label=label, field="measures")
        problems += measure_problems(measure.text, measure_phrases, label=label, field="measures")
    return _in_order(problems)


def _in_order(problems: list[Problem]) -> list[Problem]:
    # Stable: the phrases of one kind of problem keep the order their texts were read in.
    return sorted(problems, key=lambda p: _ORDER[p.code])


def _shorten(text: str, size: int = 20) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size] + "…"
