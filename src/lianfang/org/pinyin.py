"""The initials of a person's name in pinyin (张三 → "zs"), by which the person picker finds
people: typing Chinese on a ward computer is slow, and initials are how Chinese software is
searched.

A character read several ways (曾: zēng/céng, 单: shàn/dān, 解: xiè/jiě) gives each reading's
initial, so a name is stored as its spellings separated by spaces (单雄信 → "dxx cxx sxx dxs
…"), the common reading first, at most `MAX_SPELLINGS` of them. Letters and digits in a name
keep their first character per word (李 Ming → "lm").
"""

import itertools

from pypinyin import Style, pinyin

MAX_SPELLINGS = 8
MAX_LENGTH = 120  # Person.name_initials


def _readings(piece: list[str]) -> list[str]:
    """The initials of one character's readings in pypinyin's answer."""
    return [r[0].lower() for r in piece if r and r[0].isalnum()]


def name_initials(name: str) -> str:
    """The initials of `name`, lower case: its spellings separated by spaces ("" if none)."""
    name = (name or "").strip()
    if not name:
        return ""
    parts: list[list[str]] = []
    for item in pinyin(name, style=Style.FIRST_LETTER, heteronym=True, errors="default"):
        if len(item) == 1 and len(item[0].strip()) != 1:  # other text: an initial per word
            parts += [[word[0].lower()] for word in item[0].split() if word[0].isalnum()]
            continue
        readings = list(dict.fromkeys(_readings(item)))
        if readings:
            parts.append(readings)
    spellings = ["".join(c) for c in itertools.islice(itertools.product(*parts), MAX_SPELLINGS)]
    text = ""
    for spelling in spellings:
        candidate = f"{text} {spelling}" if text else spelling
        if len(candidate) > MAX_LENGTH:
            break
        text = candidate
    return text
