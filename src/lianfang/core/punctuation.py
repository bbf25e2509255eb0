"""Punctuation between translated words and data, in the active language.

Chinese pages write 单位：示例医院, 张三（心内科）, 甲、乙; English ones "Unit: …", "Zhang San
(Cardiology)", "A, B". Templates use `{% punct "：" %}`; Python uses the helpers here.
"""

from django.utils.translation import pgettext_lazy

PUNCTUATION = {
    "：": pgettext_lazy("punctuation", "："),
    "（": pgettext_lazy("punctuation", "（"),
    "）": pgettext_lazy("punctuation", "）"),
    "、": pgettext_lazy("punctuation", "、"),
    "，": pgettext_lazy("punctuation", "，"),
}


def mark(character: str) -> str:
    """The mark `character` (a key of PUNCTUATION) in the active language."""
    return str(PUNCTUATION[character])


def listed(items) -> str:
    """甲、乙、丙 / "A, B, C"."""
    return mark("、").join(str(item) for item in items)


def labelled(label, value) -> str:
    """单位：示例医院 / "Unit: …"."""
    return f"{label}{mark('：')}{value}"


def bracketed(text, note) -> str:
    """张三（心内科） / "Zhang San (Cardiology)"."""
    return f"{text}{mark('（')}{note}{mark('）')}"
