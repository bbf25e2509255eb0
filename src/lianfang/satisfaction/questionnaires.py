"""The shipped standard questionnaires (`libraries/questionnaires/*.yaml`) and their import
into an organisation. Importing is idempotent: a version already there is left as it is; a
new version becomes the one in use and the older stays, with the answers that answered it."""

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianfang.core import audit

from .models import Dimension, Item, Questionnaire

PACK_DIR = Path(__file__).resolve().parent.parent / "libraries" / "questionnaires"


@dataclass(frozen=True)
class Pack:
    key: str
    urn: str
    code: str
    version: int
    title: str
    intro: str
    items: tuple[dict, ...]


def packs() -> list[str]:
    return sorted(path.stem for path in PACK_DIR.glob("*.yaml"))


def load_pack(key: str) -> Pack:
    """The pack `key`, checked: a code, a positive version, items with unique keys, a known
    dimension and a text each. ValidationError with a Chinese message otherwise."""
    if key not in packs():
        raise ValidationError(_("没有名为“%(key)s”的标准问卷。") % {"key": key})
    data = yaml.safe_load((PACK_DIR / f"{key}.yaml").read_text(encoding="utf-8"))
    items = data.get("items") or []
    keys = [item.get("key") for item in items]
    if (
        not data.get("code")
        or not isinstance(data.get("version"), int)
        or data["version"] < 1
        or not items
        or len(set(keys)) != len(keys)
        or any(
            item.get("dimension") not in Dimension.values or not item.get("text") for item in items
        )
    ):
        raise ValidationError(_("标准问卷“%(key)s”格式有误。") % {"key": key})
    return Pack(
        key=key,
        urn=data.get("urn", ""),
        code=data["code"],
        version=data["version"],
        title=data.get("title") or data["code"],
        intro=data.get("intro", ""),
        items=tuple(items),
    )


@transaction.atomic
def questionnaire_import(
    *, actor, organisation, pack: str = "hospital"
) -> tuple[Questionnaire, bool]:
    """Put the pack's version into `organisation`: (the questionnaire, whether it was created).
    Repeating it changes nothing."""
    data = load_pack(pack)
    existing = Questionnaire.objects.filter(
        organisation=organisation, code=data.code, version=data.version
    ).first()
    if existing is not None:
        return existing, False
    newer = Questionnaire.objects.filter(
        organisation=organisation, code=data.code, version__gt=data.version
    ).exists()
    if not newer:
        Questionnaire.objects.filter(organisation=organisation, code=data.code, active=True).update(
            active=False
        )
    questionnaire = Questionnaire.objects.create(
        organisation=organisation,
        code=data.code,
        version=data.version,
        title=data.title,
        intro=data.intro,
        library_urn=data.urn,
        active=not newer,
    )
    Item.objects.bulk_create(
        Item(
            questionnaire=questionnaire,
            key=item["key"],
            dimension=item["dimension"],
            text=item["text"],
            order=index,
        )
        for index, item in enumerate(data.items, start=1)
    )
    audit.record(
        actor=actor,
        action="satisfaction.questionnaire.import",
        obj=questionnaire,
        after={"code": data.code, "version": data.version, "items": len(data.items)},
    )
    return questionnaire, True


def questionnaire_current(organisation) -> Questionnaire | None:
    """The questionnaire in use in `organisation` (its items prefetched)."""
    return (
        Questionnaire.objects.filter(organisation=organisation, active=True)
        .prefetch_related("items")
        .order_by("code")
        .first()
    )
