"""Pages of the power catalogue (职权目录): the list, a power with its flow chart, create/edit
forms, step management, and the Excel export, template and import. What the apps above org
show on these pages comes through the slots of `power_selectors`. Everyone with a role reads
within `powers_visible_to`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core import extensions
from lianfang.core.access import role_required
from lianfang.core.scoping import acting_organisation
from lianfang.core.tables import paginate

from .. import power_forms, power_io, power_selectors, power_services, selectors
from ..models import Power
from .base import (
    READ,
    WRITE,
    blank_template,
    counted_import,
    crumbs,
    dated_xlsx,
    edit_page,
    mark_editable,
    query_int,
    query_object,
)

POWER_SORTS = {
    "code": ("organisation__path", "code"),
    "name": "name",
    "category": "category",
    "department": ("department__order", "department__code"),
    "time_limit": "time_limit_days",
    "steps": "step_count",
}


@role_required(*READ)
def power_list(request):
    user = request.user
    filters = power_forms.PowerFilterForm(request.GET, user=user)
    counts = power_selectors.power_counts()
    table = paginate(
        request,
        power_selectors.power_list(user=user, filters=filters.values),
        sorts=POWER_SORTS | {count.key: count.attr for count in counts},
        default="code",
    )
    for row in mark_editable(table, user):
        row.counts = [getattr(row, count.attr) for count in counts]
    return render(
        request,
        "org/power_list.html",
        {
            "table": table,
            "counts": counts,
            "filters": filters,
            "can_create": selectors.can_manage_any(user),
            "multi_org": "organisation" in filters.fields,
            "export_query": request.GET.urlencode(),
        },
    )


@role_required(*READ)
def power_detail(request, pk):
    user = request.user
    try:
        power = power_selectors.power_detail(user=user, pk=pk)
    except Power.DoesNotExist as exc:
        raise Http404 from exc
    steps = list(power.steps.all())
    panels = extensions.panels(power_selectors.POWER_DETAIL, request, power=power, steps=steps)
    for step in steps:
        step.marks = [panel.marks[step.pk] for panel in panels if step.pk in panel.marks]
    posts = list(power.posts.all())
    # The catalogue is read more widely than departments and posts: link only what the
    # reader may open (a link to a page that answers 404 is a dead end).
    handling = [power.department_id] if power.department_id else [p.department_id for p in posts]
    linked_departments = set(
        selectors.departments_visible_to(user).filter(pk__in=handling).values_list("pk", flat=True)
    )
    linked_posts = set(
        selectors.posts_visible_to(user)
        .filter(pk__in=[post.pk for post in posts])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "org/power_detail.html",
        {
            "power": power,
            "steps": steps,
            "posts": posts,
            "linked_departments": linked_departments,
            "linked_posts": linked_posts,
            "panels": panels,
            "can_edit": selectors.can_manage(user, power.organisation),
        },
    )


@role_required(*WRITE)
def power_create(request):
    user = request.user
    orgs = selectors.organisations_manageable_by(user)
    org = query_object(request, "organisation", orgs)
    if not query_int(request, "organisation") and orgs.count() == 1:
        org = orgs.first()  # the only one the user manages
    return edit_page(
        request,
        power_forms.PowerForm(request.POST or None, user=user, initial={"organisation": org}),
        save=lambda data: power_services.power_create(
            actor=user, organisation=data["organisation"], data=data
        ),
        success=_("已新增权力事项，可继续添加流程环节。"),
        next_url=lambda power: reverse("org:power_detail", args=[power.pk]),
        title=_("新增权力事项"),
        crumbs=crumbs("power"),
        cancel_url=reverse("org:power_list"),
    )


@role_required(*WRITE)
def power_edit(request, pk):
    user = request.user
    power = get_object_or_404(
        power_selectors.powers_manageable_by(user).select_related("organisation"), pk=pk
    )
    detail = reverse("org:power_detail", args=[power.pk])
    return edit_page(
        request,
        power_forms.PowerForm(request.POST or None, user=user, instance=power),
        save=lambda data: power_services.power_update(actor=user, power=power, data=data),
        success=_("已保存权力事项。"),
        next_url=detail,
        title=_("编辑权力事项：%(name)s") % {"name": power.name},
        crumbs=crumbs("power", (power.name, detail)),
        cancel_url=detail,
        intro=_("不再行使的事项请取消“在用”，记录和风险点会保留。"),
    )


# Steps ----------------------------------------------------------------------------------------


def _flow_url(power_id):
    return reverse("org:power_detail", args=[power_id]) + "#flow"


def _flow_page(power) -> dict:
    """Where a page about one of `power`'s steps leads: back to its flow chart."""
    return {
        "next_url": _flow_url(power.pk),
        "crumbs": crumbs("power", (power.name, reverse("org:power_detail", args=[power.pk]))),
        "cancel_url": _flow_url(power.pk),
    }


@role_required(*WRITE)
def power_step_create(request, pk):
    user = request.user
    power = get_object_or_404(power_selectors.powers_manageable_by(user), pk=pk)
    return edit_page(
        request,
        power_forms.StepForm(request.POST or None, power=power),
        save=lambda data: power_services.power_step_add(actor=user, power=power, data=data),
        success=_("已添加流程环节。"),
        title=_("添加流程环节：%(name)s") % {"name": power.name},
        **_flow_page(power),
    )


@role_required(*WRITE)
def power_step_edit(request, pk):
    user = request.user
    step = get_object_or_404(
        power_selectors.steps_manageable_by(user).select_related("power", "post"), pk=pk
    )
    used = step.risk_points.count()
    return edit_page(
        request,
        power_forms.StepForm(request.POST or None, power=step.power, instance=step),
        save=lambda data: power_services.power_step_update(actor=user, step=step, data=data),
        success=_("已保存流程环节。"),
        title=_("编辑流程环节：%(name)s") % {"name": step.name},
        **_flow_page(step.power),
        intro=(_("此环节上有 %(n)s 个风险点，不能删除。") % {"n": used} if used else ""),
        danger=None
        if used
        else {
            "url": reverse("org:power_step_delete", args=[step.pk]),
            "label": _("删除此环节"),
            "confirm": _("确定删除环节“%(name)s”吗？") % {"name": step.name},
        },
    )


@role_required(*WRITE)
@require_POST
def power_step_delete(request, pk):
    user = request.user
    step = get_object_or_404(power_selectors.steps_manageable_by(user), pk=pk)
    try:
        power_services.power_step_remove(actor=user, step=step)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已删除流程环节。"))
    return redirect(_flow_url(step.power_id))


@role_required(*WRITE)
@require_POST
def power_step_move(request, pk):
    """Move a step one place up or down (`direction`), renumbering the power's steps."""
    user = request.user
    step = get_object_or_404(
        power_selectors.steps_manageable_by(user).select_related("power"), pk=pk
    )
    ids = list(step.power.steps.order_by("order", "pk").values_list("pk", flat=True))
    index = ids.index(step.pk)
    target = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
        power_services.power_step_reorder(actor=user, power=step.power, step_ids=ids)
    return redirect(_flow_url(step.power_id))


# Excel ----------------------------------------------------------------------------------------


@role_required(*READ)
def power_export(request):
    user = request.user
    filters = power_forms.PowerFilterForm(request.GET, user=user)
    powers = power_selectors.export_queryset(
        power_selectors.power_filter(user=user, filters=filters.values)
    )
    return dated_xlsx(
        power_io.export_powers(powers),
        "职权目录",
        "powers",
        filters.values.get("organisation") or acting_organisation(user),
    )


@role_required(*WRITE)
def power_template(request):
    return blank_template(request, power_io.blank_template, "职权目录模板.xlsx", "powers")


@role_required(*WRITE)
def power_import(request):
    return counted_import(
        request,
        _("导入完成：新增 %(created)s 项，更新 %(updated)s 项。"),
        form_class=power_forms.PowerImportForm,
        importer=power_io.power_import,
        template="org/power_import.html",
    )
