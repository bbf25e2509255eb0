"""Pages of the disclosure portal.

Public (no login, cacheable, no session): the list of open sites (`/gk/`), a site's home
(`/gk/<code>/`), its columns and their items, a leader's photo; and the root URL for an
anonymous visitor when exactly one site is open (`anonymous_root`, on `dashboard:home`).
Staff: the organisation's administrators set the site and its columns (系统维护 › 公开门户);
the integrity office reads what should be public and is not (监督 › 公开完整性)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from lianfang.core.access import public, role_required
from lianfang.core.attachments import attachment_content
from lianfang.core.roles import Role

from . import columns as registry
from . import selectors, services
from .caching import finish, public_site_page, rendered, site_state
from .forms import ColumnForm, SiteForm
from .kinds import MAX_ID, column_url
from .models import PortalColumn, PortalSite

HOME_ITEMS = 6


def _prepare(request, site, current=None):
    """What the public pages' frame (portal/base.html) reads: the site, its columns, the
    current column. Kept on the request so that a kind's own view renders the frame too."""
    request.portal_site = site
    request.portal_columns = selectors.site_columns(site)
    request.portal_column = current
    for column in request.portal_columns:
        column.url = column_url(site.organisation, column)
    return request.portal_columns


def _column(request, site, code) -> PortalColumn:
    columns = _prepare(request, site)
    column = next((c for c in columns if c.code == code), None)
    if column is None:
        raise Http404
    request.portal_column = column
    return column


def _site_home(request, site):
    columns = _prepare(request, site)
    organisation = site.organisation
    blocks = []
    for column in columns:
        kind = registry.kind_of(column.kind)
        items = []
        if kind is not None and kind.latest is not None:
            items = kind.latest(organisation=organisation, column=column, limit=HOME_ITEMS)
        blocks.append({"column": column, "kind": kind, "items": items})
    response = render(
        request,
        "portal/home.html",
        {"site": site, "organisation": organisation, "blocks": blocks},
    )
    response.portal_last_modified = None
    return response


@public
def index(request):
    """The open sites, for a visitor who knows none's address."""
    sites = selectors.open_sites()
    response = render(request, "portal/index.html", {"sites": sites})
    return finish(request, response, max_age=300)


@public_site_page
def home(request, site):
    return _site_home(request, site)


@public_site_page
def column(request, site, column):
    column = _column(request, site, column)
    kind = registry.kind_of(column.kind)
    if kind is None or kind.view is None:
        return render(
            request,
            "portal/building.html",
            {"organisation": site.organisation, "column": column},
        )
    return kind.view(request, organisation=site.organisation, column=column)


@public_site_page
def item(request, site, column, item):
    if item > MAX_ID:  # beyond any key: the database would refuse the number
        raise Http404
    column = _column(request, site, column)
    kind = registry.kind_of(column.kind)
    if kind is None or kind.item_view is None:
        raise Http404
    return kind.item_view(request, organisation=site.organisation, column=column, item_id=item)


@public_site_page
def leader_photo(request, site, pk):
    """A leader's photo, when the organisation shows leaders' photos (portal.leader_fields)."""
    photo = selectors.public_leader_photo(site.organisation, pk) if pk <= MAX_ID else None
    if photo is None:
        raise Http404
    try:
        content = attachment_content(photo)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=photo.mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response.portal_last_modified = photo.uploaded_at
    return response


def anonymous_root(view):
    """The root URL: for an anonymous visitor, the public site when exactly one organisation
    has it open; otherwise (and for everyone signed in) `view`, the staff home page. The
    wrapped view keeps its declared access (`functools.wraps` copies it)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated and request.method in ("GET", "HEAD"):
            site, max_age, known = site_state(None)
            if known is not None:

                def render():
                    row = site or selectors.root_site()
                    return _site_home(request, row) if row else view(request, *args, **kwargs)

                return rendered(request, known, render, max_age=max_age)
        return view(request, *args, **kwargs)

    return wrapped


# Staff pages ---------------------------------------------------------------------------------


@role_required(Role.ADMIN)
def manage_sites(request):
    organisations = list(selectors.managed_organisations(request.user))
    sites = {
        s.organisation_id: s for s in PortalSite.objects.filter(organisation__in=organisations)
    }
    counts = selectors.column_counts(organisations)
    rows = [
        {"organisation": org, "site": sites.get(org.pk), "columns": counts.get(org.pk, 0)}
        for org in organisations
    ]
    return render(request, "portal/manage_sites.html", {"rows": rows})


@role_required(Role.ADMIN)
def manage_site(request, org_pk):
    organisation = get_object_or_404(selectors.managed_organisations(request.user), pk=org_pk)
    site = PortalSite.objects.filter(organisation=organisation).first() or PortalSite(
        organisation=organisation
    )
    columns = list(PortalColumn.objects.filter(organisation=organisation).order_by("order", "code"))
    action = request.POST.get("action", "site") if request.method == "POST" else ""
    site_form = SiteForm(request.POST if action == "site" else None, instance=site, prefix="site")
    new_form = ColumnForm(request.POST if action == "add" else None, prefix="new")
    column_forms = [
        ColumnForm(
            request.POST if action == f"column-{c.pk}" else None, instance=c, prefix=f"c{c.pk}"
        )
        for c in columns
    ]
    here = request.path
    try:
        if action == "site" and site_form.is_valid():
            services.site_update(
                actor=request.user, organisation=organisation, data=site_form.cleaned_data
            )
            messages.success(request, _("已保存公开门户设置。"))
            return redirect(here)
        if action == "defaults":
            created = services.columns_ensure_defaults(
                actor=request.user, organisation=organisation
            )
            messages.success(request, _("已补充 %(n)s 个默认栏目。") % {"n": len(created)})
            return redirect(here)
        if action == "add" and new_form.is_valid():
            services.column_create(
                actor=request.user, organisation=organisation, data=new_form.cleaned_data
            )
            messages.success(request, _("已新增栏目。"))
            return redirect(here)
        for form in column_forms:
            if action == f"column-{form.instance.pk}" and form.is_valid():
                services.column_update(
                    actor=request.user, column=form.instance, data=form.cleaned_data
                )
                messages.success(
                    request, _("已保存栏目“%(name)s”。") % {"name": form.instance.name}
                )
                return redirect(here)
    except ValidationError as error:
        target = {"site": site_form, "add": new_form}.get(action)
        if target is None:
            target = next(f for f in column_forms if action == f"column-{f.instance.pk}")
        target.apply_service_errors(error)
    known = {code for code, _label in registry.kind_choices()}
    registered = {k.code for k in registry.kinds()}
    return render(
        request,
        "portal/manage_site.html",
        {
            "organisation": organisation,
            "site": site if site.pk else None,
            "site_form": site_form,
            "new_form": new_form,
            "column_rows": [
                (f, f.instance.kind in registered, f.instance.kind in known) for f in column_forms
            ],
        },
    )


@role_required(Role.INTEGRITY)
def completeness_index(request):
    organisations = list(selectors.integrity_organisations(request.user))
    if len(organisations) == 1:
        return redirect("portal:completeness", org_pk=organisations[0].pk)
    return render(request, "portal/completeness_index.html", {"organisations": organisations})


@role_required(Role.INTEGRITY)
def completeness(request, org_pk):
    organisation = get_object_or_404(selectors.integrity_organisations(request.user), pk=org_pk)
    found = selectors.completeness(organisation)
    departments = sorted({i.department for _gap, items in found for i in items if i.department})
    department = request.GET.get("department", "")
    if department not in departments:
        department = ""
    sections = [
        (gap, [i for i in items if not department or i.department == department])
        for gap, items in found
    ]
    return render(
        request,
        "portal/completeness.html",
        {
            "organisation": organisation,
            "sections": sections,
            "departments": departments,
            "department": department,
            "total": sum(len(items) for _gap, items in sections),
        },
    )
