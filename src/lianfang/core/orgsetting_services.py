"""Writes of organisation settings (`core.orgsettings`, 系统维护 › 单位参数).

Who keeps a setting: the roles it declares (`Setting.owners`, the administrators by
default) on the organisation or on one above it. The service checks it itself
(PermissionDenied), whatever the page offered; a value is checked against the declared type
and bounds (ValidationError by key). One audit event per change, carrying the organisation:
`org_setting.set` (before/after: the organisation's own value) and `org_setting.inherit`
(its own value removed: it follows its parent again).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit, orgsettings
from .models import OrgSetting
from .roles import Role
from .scoping import write_reach

INHERIT = object()  # `org_settings_save`: remove the organisation's own value

DEFAULT_OWNERS = (Role.ADMIN,)


def owners_of(setting: orgsettings.Setting) -> tuple[str, ...]:
    return setting.owners or DEFAULT_OWNERS


def keeps(user, setting: orgsettings.Setting, organisation) -> bool:
    """Whether `user` may write the setting on `organisation`: one of its owner roles granted
    there, or above it with 下级单位可写 (`core.scoping.write_reach`, the one rule of where a
    grant writes; a commission reads its units' settings unless granted more)."""
    grants = getattr(user, "active_grants", None) or ()
    return write_reach(grants, set(owners_of(setting))).covers(organisation.path)


def _setting(key) -> orgsettings.Setting:
    try:
        return orgsettings.get(key)
    except LookupError:
        raise ValidationError({key: _("没有这个参数。")}) from None


def _snapshot(key, value) -> dict:
    return {"key": key, "value": value}


@transaction.atomic
def org_settings_save(*, actor, organisation, changes: dict) -> int:
    """Set `organisation`'s own value of each setting of `changes` ({key: value, or INHERIT
    to remove its own value}), all or none: every value is checked first (ValidationError
    naming each wrong key) and every setting's keeper too. Returns the number of changes
    (0: nothing written)."""
    settings = {key: _setting(key) for key in changes}
    for setting in settings.values():
        if not keeps(actor, setting, organisation):
            raise PermissionDenied(
                _("只能设置您负责的单位及其下级单位的参数：%(label)s。") % {"label": setting.label}
            )
    errors, cleaned = {}, {}
    for key, value in changes.items():
        if value is INHERIT:
            cleaned[key] = INHERIT
            continue
        try:
            cleaned[key] = settings[key].clean(value)
        except ValidationError as error:
            errors[key] = error.messages
    if errors:
        raise ValidationError(errors)
    existing = {
        row.key: row
        for row in OrgSetting.objects.select_for_update().filter(
            organisation=organisation, key__in=list(changes)
        )
    }
    changed = 0
    for key, value in cleaned.items():
        row = existing.get(key)
        if value is INHERIT:
            if row is None:
                continue
            audit.record(
                actor=actor,
                action="org_setting.inherit",
                obj=row,
                before=_snapshot(key, row.value),
                organisation=organisation,
            )
            row.delete()
            changed += 1
            continue
        if row is not None and row.value == value:
            continue
        before = None if row is None else _snapshot(key, row.value)
        if row is None:
            row = OrgSetting(organisation=organisation, key=key)
        row.value = value
        row.save()
        audit.record(
            actor=actor,
            action="org_setting.set",
            obj=row,
            before=before,
            after=_snapshot(key, value),
            organisation=organisation,
        )
        changed += 1
    return changed


def org_setting_set(*, actor, organisation, key, value) -> int:
    return org_settings_save(actor=actor, organisation=organisation, changes={key: value})


def org_setting_clear(*, actor, organisation, key) -> int:
    return org_settings_save(actor=actor, organisation=organisation, changes={key: INHERIT})
