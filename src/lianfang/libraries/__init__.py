"""Standard libraries (标准库): per-sector YAML packs of powers, flow steps, risk points and
measures. See README.md in this directory for the format and loader.py for the API. The
vocabulary and the vagueness rule the packs are checked against belong to the models (org,
risks), not to this package."""

from lianfang.libraries.loader import (
    LIBRARY_DIR,
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
    "LIBRARY_DIR",
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
