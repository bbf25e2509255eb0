"""Writes to the platform's own settings: modules switched on or off, and columns (栏目); and
`set_fields`, the audited write of a few fields that services of every app share.

Who owns which: the platform-wide switch and the columns are shared by every organisation
and belong to the platform administrator (`roles.PLATFORM_ADMIN`); an organisation's module
settings belong to its administrators and to those of the organisations above it.
"""

from django.apps import apps as installed_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext as _

from . import audit
from .models import Column, Module, ModuleSetting
from .navigation import ModuleSpec, always_on_codes
from .roles import Role, is_platform_admin
from .scoping import acting_organisation
from .selectors import administers

COLUMN_FIELDS = ("title", "title_en", "visible", "public", "order")


def set_fields(*, actor, obj, action: str, **values):
    """Set `values` on `obj` (a row the caller has checked, and locked where it must), save
    only those fields and append the audit event `action` with their values before and
    after. Call in the write's transaction."""
    names = list(values)
    before = audit.snapshot(obj, names)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=names)
    audit.record(
        actor=actor, action=action, obj=obj, before=before, after=audit.snapshot(obj, names)
    )
    return obj


@transaction.atomic
def audit_verify_record(*, actor, result: audit.VerifyResult) -> None:
    """Record that `actor` checked the audit chain and what it found (`audit.verify`), in the
    organisation they read the log for: the audit log's own events are audited too, so the
    integrity office sees the audit reviewer's checks and the reviewer the office's."""
    audit.record(
        actor=actor,
        action="audit.verify",
        object_type="core.auditevent",
        object_repr="审计链",
        after={"ok": result.ok, "count": result.count, "broken_seq": result.broken_seq},
        organisation=acting_organisation(actor, roles=Role.AUDIT_READERS),
    )


def _require_platform_admin(actor) -> None:
    if not is_platform_admin(actor):
        raise PermissionDenied(_("只有平台管理员可以修改全平台设置。"))


def _refuse_always_on(module: Module) -> None:
    if module.code in always_on_codes():
        raise ValidationError(
            _("“%(name)s”模块是平台运行所必需的，不能停用。") % {"name": module.name},
            code="always_on",
        )


@transaction.atomic
def module_set_enabled(*, actor, module: Module, enabled: bool) -> Module:
    """Switch a module on or off for the whole platform; its menu entries and pages follow at
    the next request. Off, it is off for every organisation, whatever their settings.

    The platform administrator's (PermissionDenied for anyone else). Raises ValidationError
    (in Chinese) for a module that cannot be switched off. Setting the state it already has
    writes nothing. The audit event carries no organisation.
    """
    _require_platform_admin(actor)
    module = Module.objects.select_for_update().get(pk=module.pk)
    if not enabled:
        _refuse_always_on(module)
    if module.enabled == enabled:
        return module
    action = "module.enable" if enabled else "module.disable"
    return set_fields(actor=actor, obj=module, action=action, enabled=enabled)


@transaction.atomic
def column_update(*, actor, column: Column, data: dict) -> Column:
    """Change a column's title, English title, visibility, publicity or order.

    `data` holds any of COLUMN_FIELDS (other keys are refused). The title must not be blank.
    Columns are shared by every organisation: the platform administrator's (PermissionDenied
    for anyone else). Records one audit event with the changed values, of no organisation; an
    unchanged column writes nothing.
    """
    _require_platform_admin(actor)
    unknown = set(data) - set(COLUMN_FIELDS)
    if unknown:
        raise ValueError(f"column_update got unknown fields: {sorted(unknown)}")
    column = Column.objects.select_for_update().get(pk=column.pk)
    before = audit.snapshot(column)
    for name, value in data.items():
        setattr(column, name, value.strip() if isinstance(value, str) else value)
    if not column.title:
        raise ValidationError({"title": _("标题不能为空。")}, code="required")
    column.full_clean(exclude=["module"])
    after = audit.snapshot(column)
    if after == before:
        return column
    column.save(update_fields=list(data))
    audit.record(
        actor=actor,
        action="column.update",
        obj=column,
        before=before,
        after=after,
    )
    return column


@transaction.atomic
def module_settings_set(*, actor, organisation, choices: dict) -> int:
    """Set `organisation`'s own switch of each module of `choices` ({Module: True, False or
    None}): on or off for it and the organisations below it that have no setting of their own,
    or None to remove its setting and follow its parent again.

    For the administrators of the organisation, or of one above it whose grant makes the units
    below writable (`selectors.administers`; PermissionDenied for anyone else, the platform
    administrator included: an organisation's settings are its own). An always-on module is
    refused (ValidationError). One audit event per change, carrying the organisation; returns
    the number of changes (0: nothing written).
    """
    if not administers(actor, organisation):
        raise PermissionDenied(
            _(
                "只能设置您有权修改的单位的模块：上级单位的授权未勾选“下级单位可写”时，下级单位只读。"
            )
        )
    for module in choices:
        _refuse_always_on(module)
    existing = {
        s.module_id: s
        for s in ModuleSetting.objects.select_for_update().filter(
            organisation=organisation, module__in=list(choices)
        )
    }
    changed = 0
    for module, enabled in choices.items():
        setting = existing.get(module.pk)
        if setting is not None and setting.enabled == enabled:
            continue
        if setting is None and enabled is None:
            continue
        changed += 1
        if enabled is None:
            audit.record(
                actor=actor,
                action="module_setting.inherit",
                obj=setting,
                before=audit.snapshot(setting),
                organisation=organisation,
            )
            setting.delete()
            continue
        before = None
        if setting is None:
            setting = ModuleSetting(organisation=organisation, module=module)
        else:
            before = audit.snapshot(setting)
        setting.enabled = enabled
        setting.save()
        audit.record(
            actor=actor,
            action="module_setting.enable" if enabled else "module_setting.disable",
            obj=setting,
            before=before,
            after=audit.snapshot(setting),
            organisation=organisation,
        )
    return changed


def modules_sync(*, specs: tuple[ModuleSpec, ...], using=DEFAULT_DB_ALIAS, apps=None) -> None:
    """Give every declared module its row, and each of its columns one, where they are missing;
    keep an existing row's name, icon and order as declared.

    Idempotent, and run after every migrate. It never changes a module's switch or a column
    (administrators own those) and never removes a row. Installation data, like a migration's:
    no audit event. `apps` is the migration state's registry when a signal passes one.
    """
    apps = apps or installed_apps
    try:
        module_model = apps.get_model("core", "Module")
        column_model = apps.get_model("core", "Column")
    except LookupError:  # migrated back to before the modules existed
        return
    with transaction.atomic(using=using):
        rows = {
            m.code: m
            for m in module_model.objects.using(using).filter(code__in=[s.code for s in specs])
        }
        for spec in specs:
            declared = {
                "name": spec.name,
                "name_en": spec.name_en,
                "icon": spec.icon,
                "order": spec.order,
            }
            module = rows.get(spec.code)
            if module is None:
                module = module_model.objects.using(using).create(code=spec.code, **declared)
            elif any(getattr(module, k) != v for k, v in declared.items()):
                for key, value in declared.items():
                    setattr(module, key, value)
                module.save(using=using, update_fields=list(declared))
            for column in spec.columns:
                column_model.objects.using(using).get_or_create(
                    module=module,
                    code=column.code,
                    defaults={
                        "title": column.title,
                        "title_en": column.title_en,
                        "order": column.order,
                        "public": column.public,
                    },
                )
