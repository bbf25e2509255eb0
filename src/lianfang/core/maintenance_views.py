"""系统维护: modules switched on or off, and the columns' settings. Administrators only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .access import role_required
from .forms import ColumnForm
from .models import Column, Module
from .navigation import always_on_codes
from .roles import Role


@role_required(Role.ADMIN)
def module_list(request):
    modules = list(Module.objects.annotate(column_count=Count("columns")).order_by("order", "code"))
    always_on = always_on_codes()
    for module in modules:
        module.always_on = module.code in always_on
    columns = Column.objects.select_related("module")
    return render(
        request, "core/maintenance_modules.html", {"modules": modules, "columns": columns}
    )


@require_POST
@role_required(Role.ADMIN)
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


@role_required(Role.ADMIN)
def column_edit(request, pk):
    column = get_object_or_404(Column.objects.select_related("module"), pk=pk)
    form = ColumnForm(request.POST or None, instance=column)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.column_update(actor=request.user, column=column, data=data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("栏目“%(title)s”已保存。") % {"title": data["title"]})
            return redirect("core:module_list")
    return render(request, "core/maintenance_column_form.html", {"form": form, "column": column})
