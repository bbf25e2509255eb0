"""Writes to the platform's own settings: modules switched on or off, and columns (栏目)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .models import Column, Module
from .navigation import ALWAYS_ON

COLUMN_FIELDS = ("title", "title_en", "visible", "public", "order")


@transaction.atomic
def module_set_enabled(*, actor, module: Module, enabled: bool) -> Module:
    """Switch a module on or off; its menu entries and pages follow at the next request.

    Raises ValidationError (in Chinese) for a module that cannot be switched off.
    Setting the state it already has writes nothing.
    """
    module = Module.objects.select_for_update().get(pk=module.pk)
    if not enabled and module.code in ALWAYS_ON:
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
    audit.record(actor=actor, action="column.update", obj=column, before=before, after=after)
    return column
