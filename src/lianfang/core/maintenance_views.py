"""系统维护: the modules and columns of the platform, and each organisation's modules.

The platform-wide switch and the columns are shared by every organisation: the platform
administrator's (`roles.PLATFORM_ADMIN`). An organisation's administrators switch modules for
the organisations of their subtrees (单位模块); anything else answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import role_required
from .forms import ColumnForm, OrganisationModulesForm
from .models import Column, Module
from .navigation import always_on_codes
from .pages import form_page
from .roles import PLATFORM_ADMIN, Role
from .tables import paginate


@role_required(PLATFORM_ADMIN)
def module_list(request):
    modules = list(
        Module.objects.annotate(
            column_count=Count("columns", distinct=True),
            setting_count=Count("settings", distinct=True),
        ).order_by("order", "code")
    )
    always_on = always_on_codes()
    for module in modules:
        module.always_on = module.code in always_on
        if module.always_on:
            module.enabled = True  # whatever an old switch says: always-on modules are on
    columns = Column.objects.select_related("module")
    return render(
        request, "core/maintenance_modules.html", {"modules": modules, "columns": columns}
    )


@require_POST
@role_required(PLATFORM_ADMIN)
def module_toggle(request, pk):
    module = get_object_or_404(Module, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    try:
        module = services.module_set_enabled(actor=request.user, module=module, enabled=enabled)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if module.enabled:
            messages.success(request, _("已启用“%(name)s”模块。") % {"name": module.name})
        else:
            messages.success(request, _("已停用“%(name)s”模块。") % {"name": module.name})
    return redirect("core:module_list")


@role_required(PLATFORM_ADMIN)
def column_edit(request, pk):
    column = get_object_or_404(Column.objects.select_related("module"), pk=pk)
    return form_page(
        request,
        ColumnForm(request.POST or None, instance=column),
        save=lambda data: services.column_update(
            actor=request.user,
            column=column,
            data={name: data[name] for name in services.COLUMN_FIELDS},
        ),
        success=lambda saved: _("栏目“%(title)s”已保存。") % {"title": saved.title},
        next_url=reverse("core:module_list"),
        template="core/maintenance_column_form.html",
        column=column,
    )


@role_required(Role.ADMIN)
def organisation_modules(request):
    """The organisations of the administrator's subtrees, each module's state in each."""
    table = paginate(
        request,
        selectors.organisations_administered_by(request.user),
        sorts={"path": "path"},
        default="path",
    )
    organisations = list(table.rows)
    modules = selectors.switchable_modules()
    states = selectors.module_states(organisations, modules)
    top = min((org.depth for org in organisations), default=0)
    rows = [
        {
            "organisation": org,
            "indent": org.depth - top,
            "states": [(module, states[org.pk, module.pk]) for module in modules],
        }
        for org in organisations
    ]
    return render(
        request,
        "core/maintenance_organisation_modules.html",
        {"table": table, "rows": rows, "modules": modules},
    )


@role_required(Role.ADMIN)
def organisation_module_edit(request, org_pk):
    organisation = get_object_or_404(
        selectors.organisations_administered_by(request.user), pk=org_pk
    )
    modules = selectors.switchable_modules()
    states = selectors.module_states([organisation], modules)
    states = {module.pk: states[organisation.pk, module.pk] for module in modules}
    form = OrganisationModulesForm(request.POST or None, modules=modules, states=states)
    if request.method == "POST" and form.is_valid():
        changed = services.module_settings_set(
            actor=request.user, organisation=organisation, choices=form.choices()
        )
        if changed:
            messages.success(
                request, _("已保存“%(name)s”的模块设置。") % {"name": organisation.name}
            )
        else:
            messages.info(request, _("模块设置没有变化。"))
        return redirect("core:organisation_modules")
    rows = [(form[module.code], module, states[module.pk]) for module in modules]
    return render(
        request,
        "core/maintenance_organisation_module_form.html",
        {"form": form, "organisation": organisation, "rows": rows},
    )
