"""The public site's column of kind "satisfaction" (患者满意度评价): the organisation's
departments, each with its QR code and the link to its answer page. Registered with the
portal's column registry (`portal.columns`), which the portal renders; pages extend
"portal/base.html"."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lianfang.org.models import Department
from lianfang.portal import columns

from . import qr
from .questionnaires import questionnaire_current


def _departments(organisation):
    return Department.objects.filter(
        organisation=organisation,
        active=True,
        kind__in=(Department.Kind.CLINICAL, Department.Kind.MEDICAL_TECH),
    ).order_by("order", "name")


def column_view(request, *, organisation, column):
    """Every department's QR code and link (none while no questionnaire is in use)."""
    departments = list(_departments(organisation)) if questionnaire_current(organisation) else []
    entries = [
        {
            "department": d,
            "url": request.build_absolute_uri(reverse("satisfaction:answer", args=[d.pk])),
        }
        for d in departments
    ]
    for entry in entries:
        entry["svg"] = qr.svg(entry["url"])
    return render(
        request,
        "satisfaction/portal_column.html",
        {"organisation": organisation, "column": column, "entries": entries},
    )


def item_view(request, *, organisation, column, item_id):
    """One department's QR code, large (to scan from another screen)."""
    department = _departments(organisation).filter(pk=item_id).first()
    if department is None or questionnaire_current(organisation) is None:
        raise Http404
    url = request.build_absolute_uri(reverse("satisfaction:answer", args=[department.pk]))
    return render(
        request,
        "satisfaction/portal_item.html",
        {
            "organisation": organisation,
            "column": column,
            "department": department,
            "url": url,
            "svg": qr.svg(url),
        },
    )


def latest(*, organisation, column, limit):
    if questionnaire_current(organisation) is None:
        return []
    return [
        columns.PortalItem(
            title=str(_("%(name)s 满意度评价") % {"name": d.name}),
            url=reverse("satisfaction:answer", args=[d.pk]),
        )
        for d in _departments(organisation)[:limit]
    ]


columns.register(
    columns.ColumnKind(
        code="satisfaction",
        label=_("患者满意度评价"),
        view=column_view,
        item_view=item_view,
        latest=latest,
    )
)
