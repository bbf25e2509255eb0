"""Pages of organisations, departments, posts, people and leader divisions.

Everyone with a role reads within `visible_to`; administrators and the integrity office edit
within their subtree (objects fetched through `*_manageable_by`, so anything else is a 404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lianfang.core import documents
from lianfang.core.access import role_required
from lianfang.core.roles import Role
from lianfang.core.spreadsheets.pages import import_page
from lianfang.core.tables import paginate

from . import forms, person_services, roster, selectors, services

READ = Role.ALL
WRITE = (Role.ADMIN, Role.INTEGRITY)


def _rows(table, user, org_of=lambda row: row.organisation):
    """Evaluate a table page, marking rows the user may edit."""
    rows = list(table.page_obj.object_list)
    for row in rows:
        row.can_edit = selectors.can_manage(user, org_of(row))
    table.page_obj.object_list = rows
    return rows


def _form_page(request, form, *, title, crumbs, cancel_url, submit=None, intro="", danger=None):
    return render(
        request,
        "org/form.html",
        {
            "form": form,
            "title": title,
            "crumbs": crumbs,
            "cancel_url": cancel_url,
            "submit_label": submit or _("保存"),
            "intro": intro,
            "danger": danger,
        },
    )


def _save(request, form, call, success):
    """Run a service with the form's data; on a ValidationError put it back on the form."""
    if not form.is_valid():
        return None
    try:
        obj = call(form.cleaned_data)
    except ValidationError as error:
        form.apply_service_errors(error)
        return None
    messages.success(request, success)
    return obj


def _int_param(request, name):
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


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
    initial = {}
    parent_id = _int_param(request, "parent")
    if parent_id:
        initial["parent"] = selectors.organisations_manageable_by(user).filter(pk=parent_id).first()
    form = forms.OrganisationForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        org = _save(
            request,
            form,
            lambda data: services.organisation_create(actor=user, data=data),
            _("已新增单位。"),
        )
        if org is not None:
            return redirect("org:organisation_detail", pk=org.pk)
    return _form_page(
        request,
        form,
        title=_("新增单位"),
        crumbs=[(pgettext("plural", "单位"), reverse("org:organisation_list"))],
        cancel_url=reverse("org:organisation_list"),
    )


@role_required(*WRITE)
def organisation_edit(request, pk):
    user = request.user
    org = get_object_or_404(selectors.organisations_manageable_by(user), pk=pk)
    form = forms.OrganisationForm(request.POST or None, user=user, instance=org)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.organisation_update(actor=user, organisation=org, data=data),
            _("已保存单位信息。"),
        )
        if saved is not None:
            return redirect("org:organisation_detail", pk=org.pk)
    detail = reverse("org:organisation_detail", args=[org.pk])
    return _form_page(
        request,
        form,
        title=_("编辑单位：%(name)s") % {"name": org.name},
        crumbs=[(pgettext("plural", "单位"), reverse("org:organisation_list")), (org.name, detail)],
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
    _rows(table, user)
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
        },
    )


@role_required(*WRITE)
def department_create(request):
    user = request.user
    initial = {}
    org_id = _int_param(request, "organisation")
    if org_id:
        initial["organisation"] = (
            selectors.organisations_manageable_by(user).filter(pk=org_id).first()
        )
    form = forms.DepartmentForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        dept = _save(
            request,
            form,
            lambda data: services.department_create(
                actor=user, organisation=data["organisation"], data=data
            ),
            _("已新增科室。"),
        )
        if dept is not None:
            return redirect("org:department_detail", pk=dept.pk)
    return _form_page(
        request,
        form,
        title=_("新增科室"),
        crumbs=[(pgettext("plural", "科室"), reverse("org:department_list"))],
        cancel_url=reverse("org:department_list"),
    )


@role_required(*WRITE)
def department_edit(request, pk):
    user = request.user
    dept = get_object_or_404(selectors.departments_manageable_by(user), pk=pk)
    form = forms.DepartmentForm(request.POST or None, user=user, instance=dept)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.department_update(actor=user, department=dept, data=data),
            _("已保存科室信息。"),
        )
        if saved is not None:
            return redirect("org:department_detail", pk=dept.pk)
    detail = reverse("org:department_detail", args=[dept.pk])
    return _form_page(
        request,
        form,
        title=_("编辑科室：%(name)s") % {"name": dept.name},
        crumbs=[(pgettext("plural", "科室"), reverse("org:department_list")), (dept.name, detail)],
        cancel_url=detail,
    )


@role_required(*WRITE)
def function_create(request, pk):
    user = request.user
    dept = get_object_or_404(selectors.departments_manageable_by(user), pk=pk)
    form = forms.FunctionForm(request.POST or None)
    detail = reverse("org:department_detail", args=[dept.pk])
    if request.method == "POST":
        fn = _save(
            request,
            form,
            lambda data: services.department_function_add(actor=user, department=dept, data=data),
            _("已新增职能。"),
        )
        if fn is not None:
            return redirect(detail + "#functions")
    return _form_page(
        request,
        form,
        title=_("新增职能：%(name)s") % {"name": dept.name},
        crumbs=[(pgettext("plural", "科室"), reverse("org:department_list")), (dept.name, detail)],
        cancel_url=detail,
    )


@role_required(*WRITE)
def function_edit(request, pk):
    user = request.user
    fn = get_object_or_404(
        selectors.functions_manageable_by(user).select_related("department"), pk=pk
    )
    dept = fn.department
    form = forms.FunctionForm(request.POST or None, instance=fn)
    detail = reverse("org:department_detail", args=[dept.pk])
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.department_function_update(actor=user, function=fn, data=data),
            _("已保存职能。"),
        )
        if saved is not None:
            return redirect(detail + "#functions")
    return _form_page(
        request,
        form,
        title=_("编辑职能"),
        crumbs=[(pgettext("plural", "科室"), reverse("org:department_list")), (dept.name, detail)],
        cancel_url=detail,
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
    _rows(table, user)
    return render(
        request,
        "org/post_list.html",
        {"table": table, "filters": filters, "can_create": selectors.can_manage_any(user)},
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
        },
    )


@role_required(*WRITE)
def post_create(request):
    user = request.user
    initial = {}
    dept_id = _int_param(request, "department")
    if dept_id:
        dept = selectors.departments_manageable_by(user).filter(pk=dept_id).first()
        if dept is not None:
            initial = {"department": dept, "organisation": dept.organisation_id}
    form = forms.PostForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST":
        post = _save(
            request,
            form,
            lambda data: services.post_create(
                actor=user, organisation=data["organisation"], data=data
            ),
            _("已新增岗位。"),
        )
        if post is not None:
            return redirect("org:post_detail", pk=post.pk)
    return _form_page(
        request,
        form,
        title=_("新增岗位"),
        crumbs=[(pgettext("plural", "岗位"), reverse("org:post_list"))],
        cancel_url=reverse("org:post_list"),
    )


@role_required(*WRITE)
def post_edit(request, pk):
    user = request.user
    post = get_object_or_404(selectors.posts_manageable_by(user), pk=pk)
    form = forms.PostForm(request.POST or None, user=user, instance=post)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.post_update(actor=user, post=post, data=data),
            _("已保存岗位信息。"),
        )
        if saved is not None:
            return redirect("org:post_detail", pk=post.pk)
    detail = reverse("org:post_detail", args=[post.pk])
    return _form_page(
        request,
        form,
        title=_("编辑岗位：%(name)s") % {"name": post.name},
        crumbs=[(pgettext("plural", "岗位"), reverse("org:post_list")), (post.name, detail)],
        cancel_url=detail,
    )


# People ---------------------------------------------------------------------------------------


PERSON_SORTS = {
    "staff_no": ("organisation__path", "staff_no"),
    "name": "name",
    "department": ("department__order", "department__code"),
    "title": "title",
}


@role_required(*READ)
def person_list(request):
    user = request.user
    filters = forms.PersonFilterForm(request.GET, user=user)
    table = paginate(
        request,
        selectors.person_list(user=user, filters=filters.values),
        sorts=PERSON_SORTS,
        default="staff_no",
    )
    rows = _rows(table, user)
    selectors.attach_current_posts(rows)
    manageable = selectors.can_manage_any(user)
    return render(
        request,
        "org/person_list.html",
        {
            "table": table,
            "filters": filters,
            "can_create": manageable,
            "multi_org": "organisation" in filters.fields,
            "export_query": request.GET.urlencode(),
        },
    )


@role_required(*READ)
def person_detail(request, pk):
    user = request.user
    person = get_object_or_404(
        selectors.people_visible_to(user).select_related("organisation", "department"), pk=pk
    )
    history = list(selectors.person_history(person))
    today = timezone.localdate()
    for row in history:
        post = row.post
        row.due = (
            selectors.rotation_due_date(row.start, post.rotation_years)
            if row.end is None and post.rotation_years and (post.is_key or post.is_sensitive)
            else None
        )
        row.overdue = row.due is not None and row.due < today
    can_edit = selectors.can_manage(user, person.organisation)
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "history": history,
            "current": [row for row in history if row.end is None],
            "divisions": selectors.person_divisions(user=user, person=person),
            "can_edit": can_edit,
            "today": today,
        },
    )


@role_required(*READ)
def person_photo(request, pk):
    person = get_object_or_404(selectors.people_visible_to(request.user), pk=pk)
    if not person.photo:
        raise Http404
    try:
        handle = person.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@role_required(*WRITE)
def person_create(request):
    user = request.user
    initial = {}
    dept_id = _int_param(request, "department")
    if dept_id:
        dept = selectors.departments_manageable_by(user).filter(pk=dept_id).first()
        if dept is not None:
            initial = {"department": dept, "organisation": dept.organisation_id}
    form = forms.PersonForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST":
        person = _save(
            request,
            form,
            lambda data: person_services.person_create(
                actor=user, organisation=data["organisation"], data=data
            ),
            _("已新增人员，可继续为其安排岗位。"),
        )
        if person is not None:
            return redirect("org:person_detail", pk=person.pk)
    return _form_page(
        request,
        form,
        title=_("新增人员"),
        crumbs=[(pgettext("plural", "人员"), reverse("org:person_list"))],
        cancel_url=reverse("org:person_list"),
    )


@role_required(*WRITE)
def person_edit(request, pk):
    user = request.user
    person = get_object_or_404(selectors.people_manageable_by(user), pk=pk)
    form = forms.PersonForm(request.POST or None, request.FILES or None, user=user, instance=person)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: person_services.person_update(actor=user, person=person, data=data),
            _("已保存人员信息。"),
        )
        if saved is not None:
            return redirect("org:person_detail", pk=person.pk)
    detail = reverse("org:person_detail", args=[person.pk])
    return _form_page(
        request,
        form,
        title=_("编辑人员：%(name)s") % {"name": person.name},
        crumbs=[(pgettext("plural", "人员"), reverse("org:person_list")), (person.name, detail)],
        cancel_url=detail,
    )


@role_required(*WRITE)
def person_assign(request, pk):
    user = request.user
    person = get_object_or_404(selectors.people_manageable_by(user), pk=pk)
    initial = {"start": timezone.localdate()}
    post_id = _int_param(request, "post")
    if post_id:
        initial["post"] = post_id
    form = forms.AssignForm(request.POST or None, person=person, initial=initial)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: person_services.post_assign(
                actor=user,
                person=person,
                post=data["post"],
                start=data["start"],
                note=data["note"],
            ),
            _("已调整岗位。"),
        )
        if saved is not None:
            return redirect(reverse("org:person_detail", args=[person.pk]) + "#history")
    detail = reverse("org:person_detail", args=[person.pk])
    return _form_page(
        request,
        form,
        title=_("调整岗位：%(name)s") % {"name": person.name},
        crumbs=[(pgettext("plural", "人员"), reverse("org:person_list")), (person.name, detail)],
        cancel_url=detail,
        submit=_("确定"),
        intro=_("现任岗位将于新岗位开始日期的前一天结束。"),
    )


@role_required(*WRITE)
def assignment_edit(request, pk):
    user = request.user
    row = get_object_or_404(
        selectors.assignments_manageable_by(user).select_related("person", "post"), pk=pk
    )
    form = forms.AssignmentForm(
        request.POST or None, initial={"start": row.start, "end": row.end, "note": row.note}
    )
    detail = reverse("org:person_detail", args=[row.person_id])
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: person_services.assignment_update(actor=user, assignment=row, data=data),
            _("已更正岗位经历。"),
        )
        if saved is not None:
            return redirect(detail + "#history")
    return _form_page(
        request,
        form,
        title=_("更正岗位经历：%(name)s · %(post)s")
        % {"name": row.person.name, "post": row.post.name},
        crumbs=[
            (pgettext("plural", "人员"), reverse("org:person_list")),
            (row.person.name, detail),
        ],
        cancel_url=detail,
    )


# Roster (Excel) -------------------------------------------------------------------------------


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    return documents.file_response(content, filename, documents.XLSX_CONTENT_TYPE)


@role_required(*READ)
def roster_export(request):
    user = request.user
    filters = forms.PersonFilterForm(request.GET, user=user)
    people = selectors.person_list(user=user, filters=filters.values)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _xlsx(roster.export_people(people), f"人员名册-{stamp}.xlsx")


@role_required(*WRITE)
def roster_template(request):
    org = None
    org_id = _int_param(request, "organisation")
    if org_id:
        org = selectors.organisations_manageable_by(request.user).filter(pk=org_id).first()
    return _xlsx(roster.blank_template(org), "人员名册模板.xlsx")


@role_required(*WRITE)
def roster_import(request):
    return import_page(
        request,
        form_class=forms.RosterImportForm,
        importer=roster.roster_import,
        template="org/roster_import.html",
        success=lambda result: (
            _("导入完成：新增 %(created)s 人，更新 %(updated)s 人。")
            % {"created": result.created, "updated": result.updated}
        ),
    )


# Leader divisions -----------------------------------------------------------------------------


@role_required(*READ)
def division_list(request):
    user = request.user
    filters = forms.LeaderFilterForm(request.GET, user=user)
    table = paginate(
        request,
        selectors.leader_list(user=user, filters=filters.values),
        sorts={"staff_no": ("organisation__path", "staff_no"), "name": "name"},
        default="staff_no",
    )
    rows = _rows(table, user)
    selectors.attach_current_posts(rows)
    visible = set(
        selectors.people_visible_to(user)
        .filter(pk__in=[r.pk for r in rows])
        .values_list("pk", flat=True)
    )
    for row in rows:
        row.linkable = row.pk in visible
        row.since = min((d.since for d in row.current_divisions), default=None)
    return render(
        request,
        "org/division_list.html",
        {
            "table": table,
            "filters": filters,
            "can_create": selectors.can_manage_any(user),
            "multi_org": "organisation" in filters.fields,
        },
    )


@role_required(*WRITE)
def division_create(request):
    user = request.user
    leader = None
    leader_id = _int_param(request, "leader")
    if leader_id:
        leader = get_object_or_404(selectors.people_manageable_by(user), pk=leader_id)
    form = forms.DivisionForm(
        request.POST or None,
        user=user,
        leader=leader,
        initial={"since": timezone.localdate()},
    )
    if request.method == "POST":
        division = _save(
            request,
            form,
            lambda data: services.division_create(
                actor=user, leader=leader or data["leader"], data=data
            ),
            _("已新增分管。"),
        )
        if division is not None:
            return redirect(_division_back(user, division.leader))
    back = _division_back(user, leader) if leader else reverse("org:division_list")
    crumbs = [(_("领导分管"), reverse("org:division_list"))]
    if leader:
        crumbs.append((leader.name, back))
    return _form_page(
        request,
        form,
        title=_("新增分管") if leader is None else _("新增分管：%(name)s") % {"name": leader.name},
        crumbs=crumbs,
        cancel_url=back,
    )


def _division_back(user, leader):
    if selectors.people_visible_to(user).filter(pk=leader.pk).exists():
        return reverse("org:person_detail", args=[leader.pk]) + "#divisions"
    return reverse("org:division_list")


@role_required(*WRITE)
def division_edit(request, pk):
    user = request.user
    division = get_object_or_404(
        selectors.divisions_manageable_by(user).select_related("leader", "department"), pk=pk
    )
    form = forms.DivisionForm(request.POST or None, user=user, instance=division)
    back = _division_back(user, division.leader)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.division_update(actor=user, division=division, data=data),
            _("已保存分管信息。"),
        )
        if saved is not None:
            return redirect(back)
    return _form_page(
        request,
        form,
        title=_("编辑分管：%(leader)s → %(dept)s")
        % {"leader": division.leader.name, "dept": division.department.name},
        crumbs=[
            (_("领导分管"), reverse("org:division_list")),
            (division.leader.name, back),
        ],
        cancel_url=back,
        intro=_("不再分管时请填写分管结束日期，记录会保留；录入错误的记录可删除。"),
        danger={
            "url": reverse("org:division_delete", args=[division.pk]),
            "label": _("删除此记录"),
            "confirm": _("确定删除这条分管记录吗？（不再分管请填写结束日期）"),
        },
    )


@role_required(*WRITE)
@require_POST
def division_delete(request, pk):
    user = request.user
    division = get_object_or_404(
        selectors.divisions_manageable_by(user).select_related("leader"), pk=pk
    )
    back = _division_back(user, division.leader)
    services.division_delete(actor=user, division=division)
    messages.success(request, _("已删除分管记录。"))
    return redirect(back)


# Rotation -------------------------------------------------------------------------------------


ROTATION_SORTS = {
    "start": "start",
    "name": "person__name",
    "staff_no": "person__staff_no",
    "department": ("person__department__order", "person__department__code"),
    "post": "post__name",
}


@role_required(*READ)
def rotation_list(request):
    user = request.user
    filters = forms.RotationFilterForm(request.GET, user=user)
    values = filters.values
    overdue = selectors.rotation_overdue(user)
    if values.get("organisation"):
        overdue = overdue.filter(person__organisation=values["organisation"])
    if values.get("department"):
        overdue = overdue.filter(person__department=values["department"])
    q = (values.get("q") or "").strip()
    if q:
        overdue = overdue.filter(Q(person__name__icontains=q) | Q(person__staff_no__icontains=q))
    table = paginate(request, overdue, sorts=ROTATION_SORTS, default="start")
    rows = _rows(table, user, org_of=lambda row: row.person.organisation)
    today = timezone.localdate()
    for row in rows:
        row.due = selectors.rotation_due_date(row.start, row.post.rotation_years)
        row.overdue_days = (today - row.due).days
    return render(
        request,
        "org/rotation_list.html",
        {
            "table": table,
            "filters": filters,
            "today": today,
            "multi_org": "organisation" in filters.fields,
        },
    )
