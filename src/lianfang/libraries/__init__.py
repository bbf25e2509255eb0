"""Standard libraries (标准库): per-sector YAML packs of powers, flow steps, risk points and
measures. See README.md in this directory for the format and loader.py for the API."""

from lianfang.libraries.loader import (
    CRITERIA,
    LIBRARY_DIR,
    MATTER_KINDS,
    POWER_CATEGORIES,
    RISK_CATEGORIES,
    LibraryError,
    MeasureSpec,
    Pack,
    PackInfo,
    PowerSpec,
    RiskPointSpec,
    StepSpec,
    Text,
    list_packs,
    load_pack,
    parse_pack,
    validate,
    validate_packs,
)

__all__ = [
    "CRITERIA",
    "LIBRARY_DIR",
    "MATTER_KINDS",
    "POWER_CATEGORIES",
    "RISK_CATEGORIES",
    "LibraryError",
    "MeasureSpec",
    "Pack",
    "PackInfo",
    "PowerSpec",
    "RiskPointSpec",
    "StepSpec",
    "Text",
    "list_packs",
    "load_pack",
    "parse_pack",
    "validate",
    "validate_packs",
]
