"""The complaints column of the public portal (portal.columns): a page that leads to the
intake form and to the receipt lookup. It lists nothing: no report is ever public."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from lianfang.portal import columns


def column_page(request, *, organisation, column):
    return render(
        request,
        "complaints/portal_column.html",
        {"organisation": organisation, "column": column},
    )


def latest(*, organisation, column, limit):
    return []


columns.register(
    columns.ColumnKind(code="complaints", label=_("投诉举报"), view=column_page, latest=latest)
)
