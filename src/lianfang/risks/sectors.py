"""Which sector an organisation works in, by its kind (医院, 机关单位, 国有企业 …): what its
default grading scheme grades by kind of matter (grading.MATTER_KINDS_BY_SECTOR) and which
standard libraries suit it (PACK_KINDS)."""

from lianfang.org.models import Organisation

HOSPITAL = "hospital"
GOVERNMENT = "government"
ENTERPRISE = "enterprise"

Kind = Organisation.Kind
SECTOR_OF_KIND = {
    Kind.HOSPITAL: HOSPITAL,
    Kind.AUTHORITY: GOVERNMENT,
    Kind.BUREAU: GOVERNMENT,
    Kind.BRANCH: GOVERNMENT,
    Kind.ENTERPRISE: ENTERPRISE,
    Kind.OTHER: None,  # any sector
}

# The kinds of organisation each standard library (by its `sector` key) is written for: a
# hospital's pack for hospitals, a bureau's line of work for bureaus and their branches, the
# general office of a bureau for bureaus and authorities. An organisation of kind 其他 may
# use every pack, and a pack not named here suits every organisation (an organisation that
# no pack suits, an enterprise today, is offered them all: library_views).
PACK_KINDS = {
    "hospital": {Kind.HOSPITAL},
    "office": {Kind.AUTHORITY, Kind.BUREAU},
    "market_regulation": {Kind.BUREAU, Kind.BRANCH},
    "land_resources": {Kind.BUREAU, Kind.BRANCH},
    "transport": {Kind.BUREAU, Kind.BRANCH},
}


def sector_of(organisation) -> str | None:
    """The organisation's sector, None when its kind says none (其他)."""
    if organisation is None:
        return None
    return SECTOR_OF_KIND.get(organisation.kind)


def pack_kinds(pack_sector: str) -> list[str]:
    """The kinds of organisation a pack suits, in the kinds' order."""
    wanted = PACK_KINDS.get(pack_sector)
    return [kind for kind in Kind.values if wanted is None or kind in wanted or kind == Kind.OTHER]


def pack_suits(pack_sector: str, kinds) -> bool:
    """Whether a pack suits an organisation of one of `kinds`."""
    return bool(set(pack_kinds(pack_sector)) & set(kinds))
