"""公开发布: the integrity office publishes its organisations' public records to their columns
and withdraws them (with a reason); anyone, signed in or not, reads a column's records on
/public/<organisation>/<module>/<column>/, which shows the published snapshots alone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import publications
from .access import public, role_required
from .models import Column, Publication
from .roles import Role
from .selectors import organisation_model
from .tables import paginate


def _organisations(user):
    """The organisations of the user's integrity subtrees."""
    paths = [g.organisation.path for g in user.active_grants if g.role == Role.INTEGRITY]
    match = Q(pk__in=[])
    for path in paths:
        match |= Q(path__startswith=path)
    return organisation_model().objects.filter(match)


def _column(module: str, code: str) -> Column:
    column = Column.objects.filter(module__code=module, code=code, public=True).first()
    if column is None or publications.publisher_of(module, code) is None:
        raise Http404
    return column


@role_required(Role.INTEGRITY)
def publication_index(request):
    table = paginate(request, _organisations(request.user), sorts={"path": "path"}, default="path")
    organisations = list(table.rows)
    columns = [
        (p, Column.objects.filter(module__code=p.module, code=p.column).first())
        for p in publications.publishers()
    ]
    columns = [(p, c) for p, c in columns if c is not None and c.public]
    counts = publications.counts_in_force(organisations)
    rows = [
        {
            "organisation": org,
            "columns": [(p, c, counts.get((org.pk, c.pk), 0)) for p, c in columns],
        }
        for org in organisations
    ]
    return render(
        request,
        "core/publication_index.html",
        {"table": table, "rows": rows, "columns": columns},
    )


@role_required(Role.INTEGRITY)
def publication_column(request, org_pk, module, column):
    organisation = get_object_or_404(_organisations(request.user), pk=org_pk)
    column_row = _column(module, column)
    publisher = publications.publisher_of(module, column)
    if request.method == "POST":
        published = publisher.publish(actor=request.user, organisation=organisation)
        messages.success(
            request,
            _("已发布 %(n)s 条到“%(column)s”栏目。") % {"n": len(published), "column": column_row},
        )
        return redirect(request.path)
    in_force = list(publications.in_force(organisation, column_row))
    withdrawn = list(
        Publication.objects.filter(
            organisation=organisation, column=column_row, withdrawn_at__isnull=False
        ).order_by("-withdrawn_at", "-id")[:20]
    )
    return render(
        request,
        "core/publication_column.html",
        {
            "organisation": organisation,
            "column": column_row,
            "module": module,
            "publisher": publisher,
            "in_force": in_force,
            "withdrawn": withdrawn,
            # the public page answers only while the organisation's public site is open
            "shown_to_public": publications.shown_to_public(organisation),
        },
    )


@require_POST
@role_required(Role.INTEGRITY)
def publication_withdraw(request, pk):
    publication = get_object_or_404(
        Publication.objects.select_related("column__module", "organisation").filter(
            organisation__in=_organisations(request.user)
        ),
        pk=pk,
    )
    try:
        publications.withdraw(
            actor=request.user, publication=publication, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已撤回“%(title)s”。") % {"title": publication.title})
    return redirect(
        "core:publication_column",
        org_pk=publication.organisation_id,
        module=publication.column.module.code,
        column=publication.column.code,
    )


@public
def public_column(request, org_pk, module, column):
    """A column's records as published: the snapshots of the declared public fields; none
    while the organisation does not show its publications (its public site is closed)."""
    organisation = get_object_or_404(organisation_model(), pk=org_pk)
    if not publications.shown_to_public(organisation):
        raise Http404
    column_row = Column.objects.filter(
        module__code=module, code=column, public=True, visible=True
    ).first()
    if column_row is None:
        raise Http404
    records = list(publications.in_force(organisation, column_row))
    labels = publications.labels_of(records)
    rows = [[record.fields.get(key, "") for key, _label in labels] for record in records]
    return render(
        request,
        "core/public_column.html",
        {
            "organisation": organisation,
            "column": column_row,
            "labels": [label for _key, label in labels],
            "rows": rows,
            "published_at": max((r.published_at for r in records), default=None),
        },
    )
