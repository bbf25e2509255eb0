"""Pages of the risk register (风险点台账): the register with its charts, the pages per
department and per person, "my risk points" and the overdue reviews. A risk point's own pages
and its measures' are in point_views.py.

Everyone with a role reads within `visible_to`; who may write what is permissions.py's rule
(the pages offer only the actions it allows and answer 403 to the rest), and every write goes
through services.py.
"""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from lianfang.core.access import role_required
from lianfang.core.errors import RowsInvalid
from lianfang.core.roles import Role
from lianfang.core.tables import paginate
from lianfang.org import selectors as org_selectors

from . import grading, permissions, selectors, services
from .models import LEVEL_COLOURS, LEVEL_SHORT, Level, RiskPoint, level_label
from .register_forms import OverdueFilterForm, RegisterFilterForm

READ = Role.ALL
UNGRADED_COLOUR = "#adb5bd"
# The level badges' words (高/中/低), for tables that draw many badges without an include.
BADGE_LABELS = {
    **{str(level): label for level, label in LEVEL_SHORT.items()},
    "none": _lazy("未定级"),
}


def _level_name(level) -> str:
    """一级（高）, 二级（中）, 三级（低）."""
    return str(level_label(level))


REGISTER_SORTS = {
    "no": ("organisation_id", "id"),
    "department": ("organisation__path", "department__order", "department__code"),
    "post": ("post__code",),
    "power": ("power__code",),
    "step": ("power__code", "step__order"),
    "category": "category",
    "name": "name",
    "likelihood": "likelihood",
    "harm": "harm",
    "risk_value": "risk_value",
    "level": "level",
    "status": "status",
    "review_due": "review_due",
}

POINT_SORTS = {
    "level": ("level", "post__code"),
    "name": "name",
    "post": ("post__code",),
    "power": ("power__code",),
    "review_due": "review_due",
}


# The register --------------------------------------------------------------------------------


@role_required(*READ)
def register(request):
    user = request.user
    filters = RegisterFilterForm(request.GET, user=user)
    values = filters.values
    today = timezone.localdate()
    # One GROUP BY gives the summary and the paginator's row count.
    counts = selectors.level_counts(
        selectors.risk_points_filtered(user=user, filters=values, today=today), today
    )
    table = paginate(
        request,
        selectors.risk_point_page_keys(user=user, filters=values, today=today),
        sorts=REGISTER_SORTS,
        default="no",
        count=counts.total,
        load=lambda ids: selectors.marked_in_review(selectors.risk_point_rows(ids)),
    )
    return render(
        request,
        "risks/register_list.html",
        {
            "table": table,
            "filters": filters,
            "counts": counts,
            "today": today,
            "badge": BADGE_LABELS,
            "can_create": permissions.may_register_somewhere(user),
            "can_import": permissions.may_import(user),
        },
    )


@role_required(*READ)
def register_charts(request):
    user = request.user
    filters = RegisterFilterForm(request.GET, user=user)
    values = filters.values
    today = timezone.localdate()
    # the department counts add up to the level counts and carry the overdue ones
    by_department = selectors.risk_point_counts_by_department(
        user=user, filters=values, today=today
    )
    counts = selectors.LevelCounts(
        by_level=by_department["by_level"], overdue=by_department["overdue"]
    )
    organisation = filters.organisation
    scheme = grading.active_scheme(organisation) if organisation is not None else None
    size = scheme.matrix_size if scheme and scheme.method == scheme.Method.MATRIX else 3
    heatmap = selectors.risk_point_heatmap(user=user, filters=values, size=size)
    matrix = scheme is not None and scheme.method == scheme.Method.MATRIX
    levels = [(level, _level_name(level), LEVEL_COLOURS[level]) for level in Level.values]
    if counts.by_level.get(None):
        levels.append((None, _("未定级"), UNGRADED_COLOUR))
    links = _chart_links(filters, heatmap, levels, by_department)
    chart_data = {
        "links": links,
        "heatmap": {
            "size": heatmap.size,
            "cells": heatmap.cells(),
            "max": heatmap.max,
            # the scheme's level of each cell, when one scheme grades the whole view
            "grid": scheme.grid if matrix and scheme.matrix_size == heatmap.size else None,
            "levels": {str(level): str(LEVEL_SHORT[level]) for level in Level.values},
            "likelihood": str(RiskPoint._meta.get_field("likelihood").verbose_name),
            "harm": str(RiskPoint._meta.get_field("harm").verbose_name),
        },
        "levels": [
            {
                "name": name,
                "value": counts.by_level.get(level, 0),
                "colour": colour,
                "level": str(level),
            }
            for level, name, colour in levels
        ],
        "departments": {
            "labels": by_department["labels"],
            "series": [
                {
                    "name": name,
                    "colour": colour,
                    "level": str(level),
                    "data": by_department["series"][level],
                }
                for level, name, colour in levels
                if level in by_department["series"]
            ],
        },
    }
    return render(
        request,
        "risks/register_charts.html",
        {
            "filters": filters,
            "counts": counts,
            "heatmap": heatmap,
            "omitted": by_department["omitted"],
            "chart_data": chart_data,
            # the heat map's cells as a table of links, for the keyboard and screen readers
            "heatmap_rows": [
                (likelihood, harm, heatmap.counts.get((likelihood, harm), 0), url)
                for likelihood in range(heatmap.size, 0, -1)
                for harm in range(1, heatmap.size + 1)
                for url in [links["heatmap"][f"{likelihood}-{harm}"]]
            ],
        },
    )


def _chart_links(filters, heatmap, levels, by_department) -> dict:
    """Where each cell, slice and bar of the charts leads: the register with the page's
    filters and the cell's (likelihood and harm; a level; a department and a level)."""
    base = reverse("risks:register")

    def link(**params) -> str:
        query = QueryDict(filters.query_without_page, mutable=True)
        for name, value in params.items():
            query[name] = "" if value is None else str(value)
        return f"{base}?{query.urlencode()}"

    def level_value(level):
        return selectors.UNGRADED if level is None else level

    departments = []
    for (org_id, department_id), label in zip(
        by_department["keys"], by_department["labels"], strict=True
    ):
        # a unit-level bar has no department to filter by; the organisation is named when
        # the user sees several (its departments are offered only then)
        where = {"organisation": org_id} if filters.multi_org else {}
        departments.append(
            {
                "label": label,
                "all": link(**where, department=department_id, level=None)
                if department_id
                else None,
                "levels": {
                    str(level): link(**where, department=department_id, level=level_value(level))
                    for level, _name, _colour in levels
                }
                if department_id
                else None,
            }
        )
    cells = {
        f"{likelihood}-{harm}": link(likelihood=likelihood, harm=harm)
        for likelihood in range(1, heatmap.size + 1)
        for harm in range(1, heatmap.size + 1)
    }
    return {
        "heatmap": cells,
        "levels": {str(level): link(level=level_value(level)) for level, _n, _c in levels},
        "departments": departments,
    }


# Department, person, mine -------------------------------------------------------------------


def _points_with_measures(points):
    return points.select_related("department", "post", "power", "step").prefetch_related(
        selectors.measures_prefetch()
    )


@role_required(*READ)
def department_risks(request, pk):
    user = request.user
    department = get_object_or_404(
        org_selectors.departments_visible_to(user).select_related("organisation", "head"), pk=pk
    )
    today = timezone.localdate()
    points = selectors.risk_points_filtered(
        user=user, filters={"department": department}, today=today
    )
    counts = selectors.level_counts(points, today)
    table = paginate(
        request,
        _points_with_measures(points),
        sorts=POINT_SORTS,
        default="level",
        count=counts.total,
    )
    overdue = list(
        points.filter(review_due__lt=today)
        .select_related("post", "power")
        .order_by("review_due", "pk")[:50]
    )
    owned_measures = list(
        selectors.measures_visible_to(user)
        .filter(owner_department=department)
        .prefetch_related("risk_points")
        .order_by("due", "pk")
    )
    return render(
        request,
        "risks/department_risks.html",
        {
            "department": department,
            "counts": counts,
            "table": table,
            "overdue": overdue,
            "owned_measures": owned_measures,
            "today": today,
        },
    )


def _person_page(user, person):
    """The current posts of `person` and the visible risk points of those posts, with measures."""
    assignments = list(org_selectors.person_current_posts(person))
    post_ids = [a.post_id for a in assignments]
    points = list(
        _points_with_measures(
            selectors.risk_points_visible_to(user).in_use().filter(post_id__in=post_ids)
        ).order_by("post_id", "level", "pk")
    )
    by_post = {pid: [] for pid in post_ids}
    for point in points:
        by_post[point.post_id].append(point)
    posts = [{"assignment": a, "points": by_post[a.post_id]} for a in assignments]
    return posts, points


@role_required(*READ)
def person_risks(request, pk):
    user = request.user
    person = get_object_or_404(
        org_selectors.people_visible_to(user).select_related("organisation", "department"), pk=pk
    )
    posts, points = _person_page(user, person)
    return render(
        request,
        "risks/person_risks.html",
        {
            "person": person,
            "posts": posts,
            "point_count": len(points),
            "today": timezone.localdate(),
        },
    )


@role_required(*READ)
def my_risks(request):
    user = request.user
    person = org_selectors.person_of(user)
    posts, points = _person_page(user, person) if person is not None else ([], [])
    powers = {}
    for point in points:
        powers.setdefault(point.power_id, point.power)
    measures = {}
    for point in points:
        for measure in point.measures.all():
            measures.setdefault(measure.pk, measure)
    # 新增: the form with the post chosen (each post the user may register for, one at a time)
    held = [entry["assignment"].post_id for entry in posts]
    add_posts = set(permissions.point_posts(user).filter(pk__in=held).values_list("pk", flat=True))
    create = reverse("risks:point_create")
    add_url = None
    if len(add_posts) == 1:
        add_url = f"{create}?post={next(iter(add_posts))}"
    elif add_posts or (person is not None and permissions.may_register_somewhere(user)):
        add_url = create
    return render(
        request,
        "risks/my_risks.html",
        {
            "add_url": add_url,
            "add_posts": add_posts,
            "create_url": create,
            "person": person,
            "posts": posts,
            "point_count": len(points),
            "powers": sorted(powers.values(), key=lambda p: p.code),
            "measures": sorted(measures.values(), key=lambda m: m.pk),
            "today": timezone.localdate(),
            # their own drafts and changes on the way through the review chain
            "filings": list(selectors.my_filings(user)[:100]),
        },
    )


# Overdue reviews ----------------------------------------------------------------------------


OVERDUE_SORTS = {
    "review_due": "review_due",
    "level": "level",
    "name": "name",
    "department": ("organisation__path", "department__order", "department__code"),
}


def _overdue_filters(request):
    filters = OverdueFilterForm(request.GET, user=request.user)
    return filters, filters.values


@role_required(*READ)
def overdue(request):
    """Filed risk points past their review date, with batch review (复核) of those the user
    may review: the integrity office, and department heads for their departments."""
    user = request.user
    filters, values = _overdue_filters(request)
    table = paginate(
        request,
        selectors.reviews_overdue(user, filters=values).select_related("step"),
        sorts=OVERDUE_SORTS,
        default="review_due",
    )
    rows = list(table.page_obj.object_list)
    today = timezone.localdate()
    for row in rows:
        row.days_overdue = (today - row.review_due).days
        row.can_review = permissions.may(user, permissions.REVIEW, row)
    table.page_obj.object_list = rows
    return render(
        request,
        "risks/register_overdue.html",
        {
            "table": table,
            "today": today,
            "filters": filters,
            "can_batch": any(row.can_review for row in rows),
            "multi_org": filters.multi_org,
            "tab": "reviews",
        },
    )


# Reviews in a batch: at most a page's worth at once.
BATCH_MAX = 200


@require_POST
@role_required(*READ)
def overdue_review(request):
    """Review (复核) the risk points ticked on the overdue page, with one note, all or none."""
    user = request.user
    ids = {int(v) for v in request.POST.getlist("points") if v.isdigit() and len(v) < 12}
    back = reverse("risks:overdue") + _query(request.POST.get("next_query", ""))
    if len(ids) > BATCH_MAX:
        messages.error(request, _("一次最多复核 %(n)s 个风险点。") % {"n": BATCH_MAX})
        return redirect(back)
    points = list(
        selectors.risk_points_visible_to(user)
        .filter(pk__in=ids)
        .select_related("organisation", "department")
    )
    if not ids:
        messages.error(request, _("请先勾选要复核的风险点。"))
        return redirect(back)
    if len(points) != len(ids):
        raise Http404  # a point outside the user's scope, as on its own page
    if any(not permissions.may(user, permissions.REVIEW, p) for p in points):
        raise PermissionDenied(_("所选风险点中有您无权复核的，未作任何复核。"))
    note = (request.POST.get("note") or "").strip()[:2000]
    today = timezone.localdate()
    by_organisation = defaultdict(list)
    for point in points:
        by_organisation[point.organisation].append(point)
    try:
        with transaction.atomic():
            for organisation, group in by_organisation.items():
                services.risk_points_review(
                    actor=user,
                    organisation=organisation,
                    reviews=[services.PointReview(p, today, note, key=p.pk) for p in group],
                )
    except RowsInvalid as exc:
        messages.error(request, "；".join(issue.message for issue in exc.issues))
        return redirect(back)
    messages.success(request, _("已复核 %(n)s 个风险点，下次复核日期已更新。") % {"n": len(points)})
    return redirect(back)


def _query(text: str) -> str:
    """`?…` of the list the batch came from (only its own parameters), to return to it."""
    allowed = {"organisation", "department", "q", "sort", "page", "per_page"}
    kept = QueryDict(mutable=True)
    for key, values in QueryDict(text).lists():
        if key in allowed:
            kept.setlist(key, values[:1])
    return f"?{kept.urlencode()}" if kept else ""


MEASURE_OVERDUE_SORTS = {
    "due": "due",
    "department": (
        "organisation__path",
        "owner_department__order",
        "owner_person__department__order",
    ),
    "owner": ("owner_department__name", "owner_person__name"),
}


@role_required(*READ)
def overdue_measures(request):
    """Measures still planned after their due date, per department or for the whole office,
    with the action to record progress where the user may."""
    user = request.user
    filters, values = _overdue_filters(request)
    table = paginate(
        request,
        selectors.measures_overdue(user, filters=values),
        sorts=MEASURE_OVERDUE_SORTS,
        default="due",
    )
    rows = list(table.page_obj.object_list)
    today = timezone.localdate()
    for row in rows:
        row.days_overdue = (today - row.due).days
        row.can_record = permissions.may_record_progress(user, row)
    table.page_obj.object_list = rows
    return render(
        request,
        "risks/measures_overdue.html",
        {
            "table": table,
            "today": today,
            "filters": filters,
            "multi_org": filters.multi_org,
            "tab": "measures",
        },
    )
