"""The exchange file's JSON schemas (JSON Schema 2020-12), one per member, documented in
docs/exchange.md. `validate(name, document)` returns the first violation as a sentence in
Chinese, or None."""

from __future__ import annotations

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

SCHEMA = "lianfang-exchange/1"

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
REGISTER = "register.json"
COMMITMENTS = "commitments.json"
CAMPAIGN = "campaign.json"
WORKBOOK = "上报材料.xlsx"
# the members the manifest lists with their SHA-256 (all but itself and its signature)
LISTED = (REGISTER, COMMITMENTS, CAMPAIGN, WORKBOOK)
MEMBERS = (MANIFEST, SIGNATURE, *LISTED)

_text = {"type": "string", "maxLength": 4000}
_short = {"type": "string", "maxLength": 200}
_count = {"type": "integer", "minimum": 0, "maximum": 10**9}
_date = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_hex64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_year = {"type": "integer", "minimum": 2000, "maximum": 2100}
_head = {
    "schema": {"const": SCHEMA},
    "unit": {"type": "string", "minLength": 1, "maxLength": 40},
    "year": _year,
}
_status_counts = {
    "type": "object",
    "required": ["signed", "in_progress", "missing", "stale"],
    "properties": {k: _count for k in ("signed", "in_progress", "missing", "stale")},
    "additionalProperties": False,
}

SCHEMAS = {
    MANIFEST: {
        "type": "object",
        "required": [
            "schema",
            "unit",
            "unit_name",
            "year",
            "campaign",
            "created_at",
            "members",
            "key",
        ],
        "properties": {
            **_head,
            "unit_name": _short,
            "campaign": {"type": "string", "maxLength": 120},
            "created_at": {"type": "string", "maxLength": 40},
            "members": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "sha256", "size"],
                    "properties": {"name": _short, "sha256": _hex64, "size": _count},
                    "additionalProperties": False,
                },
            },
            "key": {
                "type": "object",
                "required": ["algorithm", "public_key", "fingerprint"],
                "properties": {
                    "algorithm": {"const": "Ed25519"},
                    "public_key": _hex64,
                    "fingerprint": _hex64,
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
    REGISTER: {
        "type": "object",
        "required": ["schema", "unit", "year", "levels", "measures", "points"],
        "properties": {
            **_head,
            "levels": {
                "type": "object",
                "required": ["1", "2", "3"],
                "properties": {"1": _count, "2": _count, "3": _count, "none": _count},
                "additionalProperties": False,
            },
            "measures": {
                "type": "object",
                "required": ["planned", "in_place"],
                "properties": {"planned": _count, "in_place": _count},
                "additionalProperties": False,
            },
            "points": {
                "type": "array",
                "maxItems": 500000,
                "items": {
                    "type": "object",
                    "required": ["ref", "subject", "name", "level", "measures"],
                    "properties": {
                        "ref": _count,
                        "subject": {"enum": ["post", "department", "unit"]},
                        "department": _short,
                        "post": _short,
                        "category": _short,
                        "name": _short,
                        "manifestation": _text,
                        "level": {"enum": [1, 2, 3, None]},
                        "review_due": _date,
                        "measures": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["text", "status"],
                                "properties": {
                                    "text": _text,
                                    "owner": _short,
                                    "due": _date,
                                    "status": {"enum": ["planned", "in_place"]},
                                },
                                "additionalProperties": False,
                            },
                        },
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    },
    COMMITMENTS: {
        "type": "object",
        "required": ["schema", "unit", "year", "personal", "departmental"],
        "properties": {**_head, "personal": _status_counts, "departmental": _status_counts},
        "additionalProperties": False,
    },
    CAMPAIGN: {
        "type": "object",
        "required": ["schema", "unit", "year", "campaign"],
        "properties": {
            **_head,
            "campaign": {
                "type": ["object", "null"],
                "required": ["name", "year", "state", "summary"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 120},
                    "year": _year,
                    "state": {"enum": ["open", "closed"]},
                    "opened_at": {"type": ["string", "null"], "maxLength": 40},
                    "closed_at": {"type": ["string", "null"], "maxLength": 40},
                    "summary": {
                        "type": "object",
                        "required": ["tasks", "status", "points", "levels"],
                        "properties": {
                            "tasks": _count,
                            "status": {"type": "object", "additionalProperties": _count},
                            "returns": _count,
                            "returned_tasks": _count,
                            "points": _count,
                            "levels": {"type": "object", "additionalProperties": _count},
                            "origins": {"type": "object", "additionalProperties": _count},
                            "not_reconfirmed": _count,
                        },
                        "additionalProperties": False,
                    },
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
}

_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in SCHEMAS.items()}


def _where(path) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "$" + "".join(parts)


def _why(error) -> str:
    kind = error.validator
    if kind == "required":
        return _("缺少必填字段")
    if kind == "additionalProperties":
        return _("含有格式之外的字段")
    if kind in ("type",):
        return _("类型不符")
    if kind in ("enum", "const"):
        return _("取值不在允许范围内")
    if kind in ("pattern", "minLength", "maxLength"):
        return _("文字格式或长度不符")
    if kind in ("minimum", "maximum"):
        return _("数值超出范围")
    return _("不符合格式要求")


def validate(name: str, document) -> str | None:
    """The first violation of `name`'s schema by `document`, in Chinese, or None."""
    error = best_match(_VALIDATORS[name].iter_errors(document))
    if error is None:
        return None
    return _("%(member)s 不符合上报文件格式（%(where)s）：%(why)s。") % {
        "member": name,
        "where": _where(error.absolute_path),
        "why": _why(error),
    }
