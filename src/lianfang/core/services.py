"""Writes to the platform's own settings: modules switched on or off, and columns (栏目)."""

from django.apps import apps as installed_apps
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext as _

from . import audit
from .models import Column, Module
from .navigation import ModuleSpec, always_on_codes
from .roles import Role
from .scoping import acting_organisation

COLUMN_FIELDS = ("title", "title_en", "visible", "public", "order")


def _administrators_organisation(actor):
    """Modules and columns are the whole platform's: their changes are recorded at the
    organisation of the administrator who made them, so the integrity office over that
    administrator sees them; a change by an account tied to no organisation is a platform
    event."""
    return acting_organisation(actor, roles=(Role.ADMIN,))


@transaction.atomic
def module_set_enabled(*, actor, module: Module, enabled: bool) -> Module:
    """Switch a module on or off; its menu entries and pages follow at the next request.

    Raises ValidationError (in Chinese) for a module that cannot be switched off.
    Setting the state it already has writes nothing.
    """
    module = Module.objects.select_for_update().get(pk=module.pk)
    if not enabled and module.code in always_on_codes():
        raise ValidationError(
            _("“%(name)s”模块是平台运行所必需的，不能停用。") % {"name": module.name},
            code="always_on",
        )
    if module.enabled == enabled:
        return module
    before = audit.snapshot(module)
    module.enabled = enabled
    module.save(update_fields=["enabled"])
    audit.record(
        actor=actor,
        action="module.enable" if enabled else "module.disable",
        obj=module,
        before=before,
        after=audit.snapshot(module),
        organisation=_administrators_organisation(actor),
    )
    return module


@transaction.atomic
def column_update(*, actor, column: Column, data: dict) -> Column:
    """Change a column's title, English title, visibility, publicity or order.

    `data` holds any of COLUMN_FIELDS (other keys are refused). The title must not be blank.
    Records one audit event with the changed values; an unchanged column writes nothing.
    """
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
        organisation=_administrators_organisation(actor),
    )
    return column


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
