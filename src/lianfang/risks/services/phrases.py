"""Generic phrases (空泛表述) of the vagueness check.

An organisation's phrases apply to it and the organisations below it; the global ones apply
to every organisation and are the platform administrator's alone (PermissionDenied for
anyone else, whatever the page offered).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from lianfang.core import audit
from lianfang.core.services import set_fields
from lianfang.org.models import Organisation

from .. import permissions
from ..models import (
    GenericPhrase,
)
from .errors import RiskError, _label, error


def _require_keeper(actor, organisation_id) -> None:
    """A global phrase (no organisation) is changed by the platform administrator only."""
    if organisation_id is None and not permissions.may_edit_global_phrases(actor):
        raise PermissionDenied(_("只有平台管理员可以修改全局空泛表述。"))


# Generic phrases ----------------------------------------------------------------------------


@transaction.atomic
def phrase_create(
    *,
    actor,
    organisation: Organisation | None,
    phrase: str,
    reason: str = "",
    kind: str = GenericPhrase.Kind.POINT,
):
    """Add a generic phrase (global when `organisation` is None) to the list of risk points or
    of measures (`kind`)."""
    _require_keeper(actor, getattr(organisation, "pk", None))
    text = " ".join((phrase or "").split())
    if not text:
        raise error(RiskError.REQUIRED, "phrase", label=_label(GenericPhrase, "phrase"))
    if len(text) > 60:
        text = text[:60]
    if kind not in GenericPhrase.Kind.values:
        raise error(
            RiskError.INVALID_CHOICE, "kind", label=_label(GenericPhrase, "kind"), value=kind
        )
    exists = GenericPhrase.objects.filter(
        organisation=organisation, kind=kind, phrase=text
    ).exists()
    if exists:
        raise error(RiskError.PHRASE_DUPLICATE, "phrase", phrase=text)
    item = GenericPhrase.objects.create(
        organisation=organisation, kind=kind, phrase=text, reason=(reason or "").strip()[:200]
    )
    audit.record(
        actor=actor,
        action="generic_phrase.create",
        obj=item,
        after=audit.snapshot(item),
        organisation=organisation,
    )
    return item


@transaction.atomic
def phrase_set_active(*, actor, phrase: GenericPhrase, active: bool) -> GenericPhrase:
    phrase = GenericPhrase.objects.select_for_update().get(pk=phrase.pk)
    _require_keeper(actor, phrase.organisation_id)
    if phrase.active == active:
        return phrase
    action = "generic_phrase.enable" if active else "generic_phrase.disable"
    return set_fields(actor=actor, obj=phrase, action=action, active=active)


@transaction.atomic
def phrase_delete(*, actor, phrase: GenericPhrase):
    _require_keeper(actor, phrase.organisation_id)
    before = audit.snapshot(phrase)
    audit.record(
        actor=actor,
        action="generic_phrase.delete",
        obj=phrase,
        before=before,
        organisation=phrase.organisation,
    )
    phrase.delete()
