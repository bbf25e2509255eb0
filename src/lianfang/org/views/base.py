"""What the org pages share: who reads and who writes, the create/edit page and its
breadcrumbs, query parameters, and the workbook downloads and imports."""

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy, pgettext_lazy

from lianfang.core import documents
from lianfang.core.pages import form_page
from lianfang.core.roles import Role
from lianfang.core.spreadsheets.pages import import_page

from .. import selectors

READ = Role.ALL
WRITE = (Role.ADMIN, Role.INTEGRITY)

# The list page that each kind of object sits under (its URL is org:<kind>_list).
LIST_LABELS = {
    "organisation": pgettext_lazy("plural", "单位"),
    "department": pgettext_lazy("plural", "科室"),
    "post": pgettext_lazy("plural", "岗位"),
    "person": pgettext_lazy("plural", "人员"),
    "division": gettext_lazy("领导分管"),
    "power": gettext_lazy("职权目录"),
}


def crumbs(kind: str, *more) -> list:
    """Breadcrumbs: the list of `kind` (a key of LIST_LABELS), then `more` (label, url) pairs."""
    return [(LIST_LABELS[kind], reverse(f"org:{kind}_list")), *more]


def part_of(kind: str, obj, anchor: str) -> dict:
    """Where a page about a part of `obj` (a department's functions, a person's posts) leads:
    done, back to obj's page at `anchor`; cancelled, to its page; obj named in the
    breadcrumbs under the list of its `kind`."""
    detail = reverse(f"org:{kind}_detail", args=[obj.pk])
    return {
        "next_url": f"{detail}#{anchor}",
        "crumbs": crumbs(kind, (obj.name, detail)),
        "cancel_url": detail,
    }


def edit_page(request, form, **page):
    """A create/edit page of the org app: `core.pages.form_page` on org/form.html, which shows
    `title`, `crumbs`, `cancel_url`, and optionally `submit_label`, `intro` (a note above the
    form) and `danger` (a delete button: `url`, `label`, `confirm`)."""
    return form_page(request, form, template="org/form.html", **page)


def openable(user, *, departments=(), posts=()) -> dict[str, set[int]]:
    """Of these departments and posts, the ids the user may open: a page links only those,
    and names the rest (a link to a page that answers 404 is a dead end)."""
    department_ids = {pk for pk in departments if pk}
    post_ids = {pk for pk in posts if pk}
    return {
        "departments": set(
            selectors.departments_visible_to(user)
            .filter(pk__in=department_ids)
            .values_list("pk", flat=True)
        )
        if department_ids
        else set(),
        "posts": set(
            selectors.posts_visible_to(user).filter(pk__in=post_ids).values_list("pk", flat=True)
        )
        if post_ids
        else set(),
    }


def mark_editable(table, user, org_of=lambda row: row.organisation) -> list:
    """Evaluate a table page, marking the rows the user may edit."""
    rows = list(table.page_obj.object_list)
    for row in rows:
        row.can_edit = selectors.can_manage(user, org_of(row))
    table.page_obj.object_list = rows
    return rows


def query_int(request, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def query_object(request, name: str, queryset):
    """The object of `queryset` that the query parameter `name` names (None if none does)."""
    pk = query_int(request, name)
    return queryset.filter(pk=pk).first() if pk else None


def department_initial(request, user) -> dict:
    """The department (with its organisation) that the query names, as the initial values of
    a new post or person, when the user manages it."""
    dept = query_object(request, "department", selectors.departments_manageable_by(user))
    return {"department": dept, "organisation": dept.organisation_id} if dept else {}


def xlsx(content: bytes, filename: str) -> HttpResponse:
    return documents.file_response(content, filename, documents.XLSX_CONTENT_TYPE)


def dated_xlsx(content: bytes, title: str, slug: str, organisation=None) -> HttpResponse:
    """An exported workbook, named after `title`, the organisation (when one is known) and
    today's date; in ASCII after `slug` and the organisation's code (roster-H1-20261204)."""
    return xlsx(
        content,
        documents.download_name(
            title,
            slug,
            parts=(organisation and (organisation.short_name or organisation.name),),
            codes=(organisation and organisation.code,),
            ext="xlsx",
        ),
    )


def blank_template(request, build, filename: str, slug: str) -> HttpResponse:
    """The blank import workbook `build(organisation)`, for the organisation the query names
    (when the user manages it; else a workbook for no organisation in particular); in ASCII
    `slug`-template.xlsx."""
    manageable = selectors.organisations_manageable_by(request.user)
    name = documents.DownloadName(filename, f"{slug}-template.xlsx")
    return xlsx(build(query_object(request, "organisation", manageable)), name)


def counted_import(request, message, **options):
    """`import_page` whose success message counts what the import wrote: `message` has
    %(created)s and %(updated)s."""
    return import_page(
        request,
        success=lambda result: message % {"created": result.created, "updated": result.updated},
        **options,
    )
