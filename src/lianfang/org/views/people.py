"""Pages of people and their posts, the roster workbook, leader divisions (分管) and the
rotation that falls due."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core import extensions
from lianfang.core.access import role_required
from lianfang.core.attachments import attachment_content
from lianfang.core.scoping import acting_organisation
from lianfang.core.tables import paginate

from .. import forms, person_services, roster, selectors, services
from .base import (
    READ,
    WRITE,
    blank_template,
    counted_import,
    crumbs,
    dated_xlsx,
    department_initial,
    edit_page,
    mark_editable,
    openable,
    part_of,
    query_int,
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
    rows = mark_editable(table, user)
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


def _search_id(request, name: str) -> int | None:
    """A positive id from the query (one no column holds, or none: None)."""
    value = request.GET.get(name, "")
    if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
        return int(value)
    return None


@role_required(*READ)
def person_search(request):
    """The person picker's answers (JSON): the people the user sees by name, 工号 or the
    name's pinyin initials (`q`), optionally of an organisation or department or without an
    account; at most `selectors.SEARCH_LIMIT`, with `more` when there may be others."""
    limit = selectors.SEARCH_LIMIT
    people = selectors.person_search(
        user=request.user,
        term=request.GET.get("q", ""),
        organisation_id=_search_id(request, "organisation"),
        department_id=_search_id(request, "department"),
        without_account=request.GET.get("unlinked") == "1",
        limit=limit + 1,
    )
    results = [
        {
            "id": person.pk,
            "text": forms.person_label(person),
            "name": person.name,
            "staff_no": person.staff_no,
        }
        for person in people[:limit]
    ]
    return JsonResponse(
        {"results": results, "more": len(people) > limit},
        json_dumps_params={"ensure_ascii": False},
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
    divisions = list(selectors.person_divisions(user=user, person=person))
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "history": history,
            "current": [row for row in history if row.end is None],
            "divisions": divisions,
            "can_edit": can_edit,
            "today": today,
            "panels": extensions.panels(selectors.PERSON_DETAIL, request, person=person),
            # a former post in another department may be one the reader cannot open
            "linked": openable(
                user,
                departments=[person.department_id, *(d.department_id for d in divisions)],
                posts=[row.post_id for row in history],
            ),
        },
    )


@role_required(*READ)
def person_photo(request, pk):
    """The person's photo, to those who may see the person (an <img> of their pages). Served
    inline as the image it was re-encoded to; `nosniff` keeps it an image."""
    person = get_object_or_404(
        selectors.people_visible_to(request.user).select_related("photo"), pk=pk
    )
    if person.photo is None or person.photo.deleted_at is not None:
        raise Http404
    try:
        content = attachment_content(person.photo)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=person.photo.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@role_required(*WRITE)
def person_create(request):
    user = request.user
    initial = department_initial(request, user)
    return edit_page(
        request,
        forms.PersonForm(request.POST or None, request.FILES or None, user=user, initial=initial),
        save=lambda data: person_services.person_create(
            actor=user, organisation=data["organisation"], data=data
        ),
        success=_("已新增人员，可继续为其安排岗位。"),
        next_url=lambda person: reverse("org:person_detail", args=[person.pk]),
        title=_("新增人员"),
        crumbs=crumbs("person"),
        cancel_url=reverse("org:person_list"),
    )


@role_required(*WRITE)
def person_edit(request, pk):
    user = request.user
    person = get_object_or_404(selectors.people_manageable_by(user), pk=pk)
    detail = reverse("org:person_detail", args=[person.pk])
    return edit_page(
        request,
        forms.PersonForm(request.POST or None, request.FILES or None, user=user, instance=person),
        save=lambda data: person_services.person_update(actor=user, person=person, data=data),
        success=_("已保存人员信息。"),
        next_url=detail,
        title=_("编辑人员：%(name)s") % {"name": person.name},
        crumbs=crumbs("person", (person.name, detail)),
        cancel_url=detail,
    )


@role_required(*WRITE)
def person_assign(request, pk):
    user = request.user
    person = get_object_or_404(selectors.people_manageable_by(user), pk=pk)
    initial = {"start": timezone.localdate()}
    if post_id := query_int(request, "post"):
        initial["post"] = post_id
    return edit_page(
        request,
        forms.AssignForm(request.POST or None, person=person, initial=initial),
        save=lambda data: person_services.post_assign(
            actor=user, person=person, post=data["post"], start=data["start"], note=data["note"]
        ),
        success=_("已调整岗位。"),
        title=_("调整岗位：%(name)s") % {"name": person.name},
        **part_of("person", person, "history"),
        submit_label=_("确定"),
        intro=_("现任岗位将于新岗位开始日期的前一天结束。"),
    )


@role_required(*WRITE)
def assignment_edit(request, pk):
    user = request.user
    row = get_object_or_404(
        selectors.assignments_manageable_by(user).select_related("person", "post"), pk=pk
    )
    return edit_page(
        request,
        forms.AssignmentForm(
            request.POST or None, initial={"start": row.start, "end": row.end, "note": row.note}
        ),
        save=lambda data: person_services.assignment_update(actor=user, assignment=row, data=data),
        success=_("已更正岗位经历。"),
        title=_("更正岗位经历：%(name)s · %(post)s")
        % {"name": row.person.name, "post": row.post.name},
        **part_of("person", row.person, "history"),
    )


# Roster (Excel) -------------------------------------------------------------------------------


@role_required(*READ)
def roster_export(request):
    user = request.user
    filters = forms.PersonFilterForm(request.GET, user=user)
    people = selectors.person_list(user=user, filters=filters.values)
    return dated_xlsx(
        roster.roster_export(actor=user, people=people, filters=filters.values),
        "人员名册",
        "roster",
        filters.values.get("organisation") or acting_organisation(user),
    )


@role_required(*WRITE)
def roster_template(request):
    return blank_template(request, roster.blank_template, "人员名册模板.xlsx", "roster")


@role_required(*WRITE)
def roster_import(request):
    return counted_import(
        request,
        _("导入完成：新增 %(created)s 人，更新 %(updated)s 人。"),
        form_class=forms.RosterImportForm,
        importer=roster.roster_import,
        template="org/roster_import.html",
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
    rows = mark_editable(table, user)
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


def _division_back(user, leader):
    """The leader's page at their divisions, or the list when the user may not see them."""
    if selectors.people_visible_to(user).filter(pk=leader.pk).exists():
        return reverse("org:person_detail", args=[leader.pk]) + "#divisions"
    return reverse("org:division_list")


@role_required(*WRITE)
def division_create(request):
    user = request.user
    leader = None
    if leader_id := query_int(request, "leader"):
        leader = get_object_or_404(selectors.people_manageable_by(user), pk=leader_id)
    back = _division_back(user, leader) if leader else reverse("org:division_list")
    return edit_page(
        request,
        forms.DivisionForm(
            request.POST or None, user=user, leader=leader, initial={"since": timezone.localdate()}
        ),
        save=lambda data: services.division_create(
            actor=user, leader=leader or data["leader"], data=data
        ),
        success=_("已新增分管。"),
        next_url=lambda division: _division_back(user, division.leader),
        title=_("新增分管") if leader is None else _("新增分管：%(name)s") % {"name": leader.name},
        crumbs=crumbs("division", *([(leader.name, back)] if leader else [])),
        cancel_url=back,
    )


@role_required(*WRITE)
def division_edit(request, pk):
    user = request.user
    division = get_object_or_404(
        selectors.divisions_manageable_by(user).select_related("leader", "department"), pk=pk
    )
    back = _division_back(user, division.leader)
    return edit_page(
        request,
        forms.DivisionForm(request.POST or None, user=user, instance=division),
        save=lambda data: services.division_update(actor=user, division=division, data=data),
        success=_("已保存分管信息。"),
        next_url=back,
        title=_("编辑分管：%(leader)s → %(dept)s")
        % {"leader": division.leader.name, "dept": division.department.name},
        crumbs=crumbs("division", (division.leader.name, back)),
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
    rows = mark_editable(table, user, org_of=lambda row: row.person.organisation)
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
