"""Pages of organisations, departments (with their functions) and posts."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core import extensions
from lianfang.core.access import role_required
from lianfang.core.tables import paginate

from .. import forms, selectors, services
from .base import (
    READ,
    WRITE,
    crumbs,
    department_initial,
    edit_page,
    mark_editable,
    openable,
    part_of,
    query_object,
)

# Organisations --------------------------------------------------------------------------------


@role_required(*READ)
def organisation_list(request):
    user = request.user
    filters = forms.OrganisationFilterForm(request.GET, user=user)
    nodes = selectors.organisation_tree(user=user, filters=filters.values)
    for node in nodes:
        node.can_edit = selectors.can_manage(user, node.organisation)
    return render(
        request,
        "org/organisation_list.html",
        {
            "nodes": nodes,
            "filters": filters,
            "can_create": selectors.can_manage_any(user),
        },
    )


@role_required(*READ)
def organisation_detail(request, pk):
    user = request.user
    org = get_object_or_404(selectors.organisations_visible_to(user), pk=pk)
    visible = selectors.organisations_visible_to(user)
    ancestors = list(
        visible.filter(pk__in=org.ancestors_ids()).exclude(pk=org.pk).order_by("depth")
    )
    children = [
        n for n in selectors.organisation_tree(user=user) if n.organisation.parent_id == org.pk
    ]
    departments = selectors.department_list(user=user, filters={"organisation": org}).order_by(
        "order", "code"
    )
    stats = {
        "departments": departments.count(),
        "posts": selectors.posts_visible_to(user).filter(organisation=org).count(),
        "key_posts": selectors.posts_visible_to(user).filter(organisation=org, is_key=True).count(),
        "people": selectors.people_visible_to(user).active().filter(organisation=org).count(),
        "overdue": selectors.rotation_overdue(user).filter(person__organisation=org).count(),
    }
    return render(
        request,
        "org/organisation_detail.html",
        {
            "org": org,
            "ancestors": ancestors,
            "children": children,
            "departments": departments,
            "stats": stats,
            "can_edit": selectors.can_manage(user, org),
        },
    )


@role_required(*WRITE)
def organisation_create(request):
    user = request.user
    parent = query_object(request, "parent", selectors.organisations_manageable_by(user))
    return edit_page(
        request,
        forms.OrganisationForm(request.POST or None, user=user, initial={"parent": parent}),
        save=lambda data: services.organisation_create(actor=user, data=data),
        success=_("已新增单位。"),
        next_url=lambda org: reverse("org:organisation_detail", args=[org.pk]),
        title=_("新增单位"),
        crumbs=crumbs("organisation"),
        cancel_url=reverse("org:organisation_list"),
    )


@role_required(*WRITE)
def organisation_edit(request, pk):
    user = request.user
    org = get_object_or_404(selectors.organisations_manageable_by(user), pk=pk)
    detail = reverse("org:organisation_detail", args=[org.pk])
    return edit_page(
        request,
        forms.OrganisationForm(request.POST or None, user=user, instance=org),
        save=lambda data: services.organisation_update(actor=user, organisation=org, data=data),
        success=_("已保存单位信息。"),
        next_url=detail,
        title=_("编辑单位：%(name)s") % {"name": org.name},
        crumbs=crumbs("organisation", (org.name, detail)),
        cancel_url=detail,
        intro=_("更改上级单位会把本单位及其全部下级单位一起移动。"),
    )


# Departments ----------------------------------------------------------------------------------


DEPARTMENT_SORTS = {
    "order": ("organisation__path", "order", "code"),
    "name": "name",
    "code": "code",
    "kind": "kind",
    "organisation": "organisation__path",
    "people": "people_count",
    "posts": "post_count",
}


@role_required(*READ)
def department_list(request):
    user = request.user
    filters = forms.DepartmentFilterForm(request.GET, user=user)
    table = paginate(
        request,
        selectors.department_list(user=user, filters=filters.values),
        sorts=DEPARTMENT_SORTS,
        default="order",
    )
    mark_editable(table, user)
    return render(
        request,
        "org/department_list.html",
        {
            "table": table,
            "filters": filters,
            "can_create": selectors.can_manage_any(user),
            "multi_org": filters.fields["organisation"].queryset.count() > 1,
        },
    )


@role_required(*READ)
def department_detail(request, pk):
    user = request.user
    dept = get_object_or_404(
        selectors.departments_visible_to(user).select_related("organisation", "head"), pk=pk
    )
    staff = paginate(
        request,
        selectors.department_staff(user=user, department=dept),
        sorts={"staff_no": "staff_no", "name": "name", "title": "title"},
        default="staff_no",
    )
    staff.page_obj.object_list = selectors.attach_current_posts(staff.page_obj.object_list)
    posts = selectors.post_list(user=user, filters={"department": dept}).order_by("code")
    return render(
        request,
        "org/department_detail.html",
        {
            "dept": dept,
            "table": staff,
            "posts": posts,
            "functions": dept.functions.all(),
            "divisions": selectors.department_divisions(user=user, department=dept),
            "can_edit": selectors.can_manage(user, dept.organisation),
            "head_visible": dept.head_id
            and selectors.people_visible_to(user).filter(pk=dept.head_id).exists(),
            "panels": extensions.panels(selectors.DEPARTMENT_DETAIL, request, department=dept),
        },
    )


@role_required(*WRITE)
def department_create(request):
    user = request.user
    org = query_object(request, "organisation", selectors.organisations_manageable_by(user))
    return edit_page(
        request,
        forms.DepartmentForm(request.POST or None, user=user, initial={"organisation": org}),
        save=lambda data: services.department_create(
            actor=user, organisation=data["organisation"], data=data
        ),
        success=_("已新增科室。"),
        next_url=lambda dept: reverse("org:department_detail", args=[dept.pk]),
        title=_("新增科室"),
        crumbs=crumbs("department"),
        cancel_url=reverse("org:department_list"),
    )


@role_required(*WRITE)
def department_edit(request, pk):
    user = request.user
    dept = get_object_or_404(selectors.departments_manageable_by(user), pk=pk)
    detail = reverse("org:department_detail", args=[dept.pk])
    return edit_page(
        request,
        forms.DepartmentForm(request.POST or None, user=user, instance=dept),
        save=lambda data: services.department_update(actor=user, department=dept, data=data),
        success=_("已保存科室信息。"),
        next_url=detail,
        title=_("编辑科室：%(name)s") % {"name": dept.name},
        crumbs=crumbs("department", (dept.name, detail)),
        cancel_url=detail,
    )


@role_required(*WRITE)
def function_create(request, pk):
    user = request.user
    dept = get_object_or_404(selectors.departments_manageable_by(user), pk=pk)
    return edit_page(
        request,
        forms.FunctionForm(request.POST or None),
        save=lambda data: services.department_function_add(actor=user, department=dept, data=data),
        success=_("已新增职能。"),
        title=_("新增职能：%(name)s") % {"name": dept.name},
        **part_of("department", dept, "functions"),
    )


@role_required(*WRITE)
def function_edit(request, pk):
    user = request.user
    fn = get_object_or_404(
        selectors.functions_manageable_by(user).select_related("department"), pk=pk
    )
    return edit_page(
        request,
        forms.FunctionForm(request.POST or None, instance=fn),
        save=lambda data: services.department_function_update(actor=user, function=fn, data=data),
        success=_("已保存职能。"),
        title=_("编辑职能"),
        **part_of("department", fn.department, "functions"),
        danger={
            "url": reverse("org:function_delete", args=[fn.pk]),
            "label": _("删除此职能"),
            "confirm": _("确定删除职能“%(title)s”吗？") % {"title": fn.title},
        },
    )


@role_required(*WRITE)
@require_POST
def function_delete(request, pk):
    user = request.user
    fn = get_object_or_404(selectors.functions_manageable_by(user), pk=pk)
    dept_id = fn.department_id
    services.department_function_remove(actor=user, function=fn)
    messages.success(request, _("已删除职能。"))
    return redirect(reverse("org:department_detail", args=[dept_id]) + "#functions")


# Posts ----------------------------------------------------------------------------------------


POST_SORTS = {
    "code": ("organisation__path", "code"),
    "name": "name",
    "department": ("department__order", "department__code"),
    "rotation": "rotation_years",
    "holders": "holder_count",
}


@role_required(*READ)
def post_list(request):
    user = request.user
    filters = forms.PostFilterForm(request.GET, user=user)
    table = paginate(
        request,
        selectors.post_list(user=user, filters=filters.values),
        sorts=POST_SORTS,
        default="code",
    )
    rows = mark_editable(table, user)
    return render(
        request,
        "org/post_list.html",
        {
            "table": table,
            "filters": filters,
            "can_create": selectors.can_manage_any(user),
            "linked": openable(user, departments=[post.department_id for post in rows]),
        },
    )


@role_required(*READ)
def post_detail(request, pk):
    user = request.user
    post = get_object_or_404(
        selectors.posts_visible_to(user).select_related("organisation", "department"), pk=pk
    )
    holders = list(selectors.post_holders(user=user, post=post))
    today = timezone.localdate()
    current = [h for h in holders if h.end is None]
    for holder in current:
        holder.due = (
            selectors.rotation_due_date(holder.start, post.rotation_years)
            if post.rotation_years and (post.is_key or post.is_sensitive)
            else None
        )
        holder.overdue = holder.due is not None and holder.due < today
    return render(
        request,
        "org/post_detail.html",
        {
            "post": post,
            "current": current,
            "history": [h for h in holders if h.end is not None],
            "can_edit": selectors.can_manage(user, post.organisation),
            # a post a person held before may sit in a department they cannot open
            "linked": openable(user, departments=[post.department_id]),
        },
    )


@role_required(*WRITE)
def post_create(request):
    user = request.user
    initial = department_initial(request, user)
    return edit_page(
        request,
        forms.PostForm(request.POST or None, user=user, initial=initial),
        save=lambda data: services.post_create(
            actor=user, organisation=data["organisation"], data=data
        ),
        success=_("已新增岗位。"),
        next_url=lambda post: reverse("org:post_detail", args=[post.pk]),
        title=_("新增岗位"),
        crumbs=crumbs("post"),
        cancel_url=reverse("org:post_list"),
    )


@role_required(*WRITE)
def post_edit(request, pk):
    user = request.user
    post = get_object_or_404(selectors.posts_manageable_by(user), pk=pk)
    detail = reverse("org:post_detail", args=[post.pk])
    return edit_page(
        request,
        forms.PostForm(request.POST or None, user=user, instance=post),
        save=lambda data: services.post_update(actor=user, post=post, data=data),
        success=_("已保存岗位信息。"),
        next_url=detail,
        title=_("编辑岗位：%(name)s") % {"name": post.name},
        crumbs=crumbs("post", (post.name, detail)),
        cancel_url=detail,
    )
