"""Pages of the power catalogue (职权目录): the list, a power with its flow chart, create/edit
forms, step management, and the Excel export, template and import. What the apps above org
show on these pages comes through the slots of `power_selectors`.

Everyone with a role reads within `powers_visible_to`; administrators and the integrity office
edit within their subtree (objects fetched through `*_manageable_by`, so anything else is a
404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core import extensions
from lianfang.core.access import role_required
from lianfang.core.roles import Role
from lianfang.core.spreadsheets.pages import import_page
from lianfang.core.tables import paginate

from . import power_forms, power_io, power_selectors, power_services, selectors
from .models import Power
from .views import _form_page, _int_param, _save, _xlsx

READ = Role.ALL
WRITE = (Role.ADMIN, Role.INTEGRITY)

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
    rows = list(table.page_obj.object_list)
    for row in rows:
        row.can_edit = selectors.can_manage(user, row.organisation)
        row.counts = [getattr(row, count.attr) for count in counts]
    table.page_obj.object_list = rows
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
    linked_departments = set(
        selectors.departments_visible_to(user)
        .filter(pk__in=[power.department_id] if power.department_id else [])
        .values_list("pk", flat=True)
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
    initial = {}
    org_id = _int_param(request, "organisation")
    orgs = selectors.organisations_manageable_by(user)
    if org_id:
        initial["organisation"] = orgs.filter(pk=org_id).first()
    elif orgs.count() == 1:
        initial["organisation"] = orgs.first()
    form = power_forms.PowerForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        power = _save(
            request,
            form,
            lambda data: power_services.power_create(
                actor=user, organisation=data["organisation"], data=data
            ),
            _("已新增权力事项，可继续添加流程环节。"),
        )
        if power is not None:
            return redirect("org:power_detail", pk=power.pk)
    return _form_page(
        request,
        form,
        title=_("新增权力事项"),
        crumbs=[(_("职权目录"), reverse("org:power_list"))],
        cancel_url=reverse("org:power_list"),
    )


@role_required(*WRITE)
def power_edit(request, pk):
    user = request.user
    power = get_object_or_404(
        power_selectors.powers_manageable_by(user).select_related("organisation"), pk=pk
    )
    form = power_forms.PowerForm(request.POST or None, user=user, instance=power)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: power_services.power_update(actor=user, power=power, data=data),
            _("已保存权力事项。"),
        )
        if saved is not None:
            return redirect("org:power_detail", pk=power.pk)
    detail = reverse("org:power_detail", args=[power.pk])
    return _form_page(
        request,
        form,
        title=_("编辑权力事项：%(name)s") % {"name": power.name},
        crumbs=[(_("职权目录"), reverse("org:power_list")), (power.name, detail)],
        cancel_url=detail,
        intro=_("不再行使的事项请取消“在用”，记录和风险点会保留。"),
    )


# Steps ----------------------------------------------------------------------------------------


def _flow_url(power_id):
    return reverse("org:power_detail", args=[power_id]) + "#flow"


@role_required(*WRITE)
def power_step_create(request, pk):
    user = request.user
    power = get_object_or_404(power_selectors.powers_manageable_by(user), pk=pk)
    form = power_forms.StepForm(request.POST or None, power=power)
    if request.method == "POST":
        step = _save(
            request,
            form,
            lambda data: power_services.power_step_add(actor=user, power=power, data=data),
            _("已添加流程环节。"),
        )
        if step is not None:
            return redirect(_flow_url(power.pk))
    return _form_page(
        request,
        form,
        title=_("添加流程环节：%(name)s") % {"name": power.name},
        crumbs=[
            (_("职权目录"), reverse("org:power_list")),
            (power.name, reverse("org:power_detail", args=[power.pk])),
        ],
        cancel_url=_flow_url(power.pk),
    )


@role_required(*WRITE)
def power_step_edit(request, pk):
    user = request.user
    step = get_object_or_404(
        power_selectors.steps_manageable_by(user).select_related("power", "post"), pk=pk
    )
    power = step.power
    form = power_forms.StepForm(request.POST or None, power=power, instance=step)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: power_services.power_step_update(actor=user, step=step, data=data),
            _("已保存流程环节。"),
        )
        if saved is not None:
            return redirect(_flow_url(power.pk))
    used = step.risk_points.count()
    return _form_page(
        request,
        form,
        title=_("编辑流程环节：%(name)s") % {"name": step.name},
        crumbs=[
            (_("职权目录"), reverse("org:power_list")),
            (power.name, reverse("org:power_detail", args=[power.pk])),
        ],
        cancel_url=_flow_url(power.pk),
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
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _xlsx(power_io.export_powers(powers), f"职权目录-{stamp}.xlsx")


@role_required(*WRITE)
def power_template(request):
    org = None
    org_id = _int_param(request, "organisation")
    if org_id:
        org = selectors.organisations_manageable_by(request.user).filter(pk=org_id).first()
    return _xlsx(power_io.blank_template(org), "职权目录模板.xlsx")


@role_required(*WRITE)
def power_import(request):
    return import_page(
        request,
        form_class=power_forms.PowerImportForm,
        importer=power_io.power_import,
        template="org/power_import.html",
        success=lambda result: (
            _("导入完成：新增 %(created)s 项，更新 %(updated)s 项。")
            % {"created": result.created, "updated": result.updated}
        ),
    )
