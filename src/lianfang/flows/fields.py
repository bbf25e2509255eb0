"""The form fields of a definition: cleaning what a user or an OA system sends into the
JSON stored on the instance, and the typed values gateway conditions compare.

Stored values: text as str, amount as a string of Decimal yuan ("150000.00"), integer as int,
date as ISO "YYYY-MM-DD", choice as the option, person/department as the pk, supplier as text,
attachment as a list of Attachment pks (saved by the service), boolean as bool.
"""

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

MAX_TEXT = 200
MAX_TEXTAREA = 5000
MAX_AMOUNT = Decimal("1000000000000")  # 1 万亿元
CENT = Decimal("0.01")


class FieldErrors(ValueError):
    """Errors by field name (Chinese messages)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


def parse_amount(value) -> Decimal:
    """Yuan as Decimal from 150000, "150,000元", "15万", "1.5万元", "¥150000", full-width
    "１５００００". ValueError (Chinese) when it is not an amount."""
    if isinstance(value, bool):
        raise ValueError(_("请填写金额（如 150000、15万、150,000元）"))
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        text = re.sub(r"[\s,¥￥]", "", text).replace("人民币", "")
        if text.endswith("元"):
            text = text[:-1]
        factor = Decimal(1)
        if text.endswith("万"):
            factor, text = Decimal(10000), text[:-1]
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise ValueError(
                _("“%(v)s”不是有效的金额（如 150000、15万、150,000元）") % {"v": value}
            )
        try:
            number = Decimal(text) * factor
        except InvalidOperation:
            raise ValueError(_("“%(v)s”不是有效的金额") % {"v": value}) from None
    if not number.is_finite():
        raise ValueError(_("“%(v)s”不是有效的金额") % {"v": value})
    if number < 0:
        raise ValueError(_("金额不能为负数"))
    if number >= MAX_AMOUNT:
        raise ValueError(_("金额过大"))
    if number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(_("金额最多保留两位小数（分）"))
    return number.quantize(CENT)


def _integer(value) -> int:
    if isinstance(value, bool):
        raise ValueError(_("请填写整数"))
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    if not re.fullmatch(r"-?\d{1,12}", text):
        raise ValueError(_("“%(v)s”不是整数") % {"v": value})
    return int(text)


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"[年月/.]", "-", text).rstrip("日")
    try:
        return dt.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-"))).isoformat()
    except ValueError:
        raise ValueError(_("“%(v)s”不是有效的日期（如 2026-03-01）") % {"v": value}) from None


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on", "是"):
        return True
    if text in ("false", "0", "no", "off", "否", ""):
        return False
    raise ValueError(_("请选择是或否"))


def _invisible(ch) -> bool:
    """Control characters (but line breaks and tabs) and lone surrogates, which no database
    text holds."""
    category = unicodedata.category(ch)
    return (category == "Cc" and ch not in "\n\r\t") or category == "Cs"


def _empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return not value
    return isinstance(value, str) and not value.strip()


def clean(fields: list[dict], data: dict, *, organisation=None, partial: bool = False) -> dict:
    """The stored values of `data` for `fields` (attachments excepted: the service saves them),
    or FieldErrors listing every bad field. With `partial`, absent fields are left alone."""
    from lianfang.org.models import Department, Person

    data = data or {}
    cleaned, errors = {}, {}
    for field in fields:
        name, label, kind = field["name"], field["label"], field["type"]
        if kind == "attachment":
            continue
        if partial and name not in data:
            continue
        value = data.get(name)
        if _empty(value):
            if field.get("required") and kind != "boolean":
                errors[name] = _("请填写%(label)s") % {"label": label}
            elif kind == "boolean":
                cleaned[name] = False
            else:
                cleaned[name] = None
            continue
        try:
            if kind in ("text", "supplier", "textarea"):
                if not isinstance(value, (str, int, Decimal)):
                    raise ValueError(_("须为文字"))
                text = str(value).strip()
                limit = MAX_TEXTAREA if kind == "textarea" else MAX_TEXT
                if len(text) > limit:
                    raise ValueError(_("不能超过 %(n)s 个字") % {"n": limit})
                if any(_invisible(ch) for ch in text):
                    raise ValueError(_("含有不可见的控制字符"))
                cleaned[name] = text
            elif kind == "amount":
                cleaned[name] = str(parse_amount(value))
            elif kind == "integer":
                cleaned[name] = _integer(value)
            elif kind == "date":
                cleaned[name] = _date(value)
            elif kind == "boolean":
                cleaned[name] = _boolean(value)
            elif kind == "choice":
                text = str(value).strip()
                if text not in field.get("options", []):
                    raise ValueError(
                        _("“%(v)s”不在可选范围内（%(options)s）")
                        % {"v": text[:50], "options": "、".join(field.get("options", []))}
                    )
                cleaned[name] = text
            elif kind in ("person", "department"):
                model = Person if kind == "person" else Department
                key = "staff_no" if kind == "person" else "code"
                qs = model.objects.filter(active=True)
                if organisation is not None:
                    qs = qs.filter(organisation=organisation)
                # a staff number / department code first (they are often digits), then a pk
                text = str(getattr(value, "pk", value)).strip()
                if any(_invisible(ch) for ch in text):
                    raise ValueError(_("含有不可见的控制字符"))
                found = None
                if not isinstance(value, int) and not hasattr(value, "pk"):
                    found = qs.filter(**{key: text[:40]}).values_list("pk", flat=True).first()
                if found is None and text.isascii() and text.isdigit() and len(text) < 19:
                    found = qs.filter(pk=int(text)).values_list("pk", flat=True).first()
                if found is None:
                    message = _("找不到人员“%(v)s”") if kind == "person" else _("找不到科室“%(v)s”")
                    raise ValueError(message % {"v": text[:40]})
                cleaned[name] = found
            else:
                raise ValueError(_("字段类型无法识别"))
        except ValueError as exc:
            errors[name] = _("%(label)s：%(why)s") % {"label": label, "why": exc}
    unknown = set(data) - {f["name"] for f in fields}
    for name in sorted(unknown)[:10]:
        errors[str(name)[:60]] = _("表单中没有字段“%(name)s”") % {"name": str(name)[:60]}
    if errors:
        raise FieldErrors(errors)
    return cleaned


def typed(fields: list[dict], stored: dict) -> dict:
    """The values conditions compare: amounts as Decimal, the rest as stored."""
    values = {}
    for field in fields:
        value = (stored or {}).get(field["name"])
        if field["type"] == "amount" and value not in (None, ""):
            value = Decimal(str(value))
        values[field["name"]] = value
    return values
