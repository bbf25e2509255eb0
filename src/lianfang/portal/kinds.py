"""The kinds of column the portal renders itself: 权力主体 (power_holders), 职权目录
(power_catalogue), 廉政风险点 (risk_points) and 权力运行公开 (results). Registered with
`portal.columns` like any app's; they read only public data (see `selectors`)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lianfang.core import publications
from lianfang.risks.models import Level, level_label

from . import columns, selectors

MAX_ID = 2**63 - 1


def int_param(request, name) -> int | None:
    """A positive id from the query string, or None (anything else is ignored)."""
    value = request.GET.get(name, "")
    if not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def item_url(organisation, column, item_id) -> str:
    return reverse("portal:item", args=[organisation.code, column.code, item_id])


def column_url(organisation, column) -> str:
    return reverse("portal:column", args=[organisation.code, column.code])


# 权力主体 --------------------------------------------------------------------------------------


def power_holders_view(request, *, organisation, column):
    leader_fields, department_fields = selectors.shown_fields(organisation)
    return render(
        request,
        "portal/kinds/power_holders.html",
        {
            "organisation": organisation,
            "column": column,
            "leaders": selectors.leaders(organisation, leader_fields),
            "departments": selectors.departments(organisation, department_fields),
            "leader_fields": leader_fields,
            "department_fields": department_fields,
        },
    )


def power_holders_latest(*, organisation, column, limit):
    leader_fields, _department_fields = selectors.shown_fields(organisation)
    url = column_url(organisation, column)
    return [
        columns.PortalItem(
            title=f"{row.person.name}　{row.post}" if "post" in leader_fields else row.person.name,
            url=url,
            summary="、".join(d[0] for d in row.divisions) if "divisions" in leader_fields else "",
        )
        for row in selectors.leaders(organisation, leader_fields)[:limit]
    ]


# 职权目录 --------------------------------------------------------------------------------------


def power_catalogue_view(request, *, organisation, column):
    department = int_param(request, "department")
    powers = list(selectors.public_powers(organisation, department=department))
    counts = selectors.risk_counts_by_power(organisation)
    return render(
        request,
        "portal/kinds/power_catalogue.html",
        {
            "organisation": organisation,
            "column": column,
            "rows": [
                (p, item_url(organisation, column, p.pk), counts.get(p.pk, 0)) for p in powers
            ],
            "departments": selectors.public_departments(organisation),
            "department": department,
        },
    )


def power_catalogue_item(request, *, organisation, column, item_id):
    power = selectors.public_power(organisation, item_id)
    if power is None:
        raise Http404
    risks = selectors.published_risks(organisation, power=power.pk)
    risk_column = next(
        (c for c in getattr(request, "portal_columns", ()) if c.kind == "risk_points"),
        None,
    )
    return render(
        request,
        "portal/kinds/power.html",
        {
            "organisation": organisation,
            "column": column,
            "power": power,
            "steps": list(power.steps.all()),
            "chart": columns.power_chart(power),
            "risks": risks,
            "risk_column_url": column_url(organisation, risk_column) if risk_column else "",
            "back": column_url(organisation, column),
        },
    )


def power_catalogue_latest(*, organisation, column, limit):
    return [
        columns.PortalItem(
            title=power.name,
            url=item_url(organisation, column, power.pk),
            summary=power.department.name if power.department_id else "",
        )
        for power in selectors.public_powers(organisation)[:limit]
    ]


# 廉政风险点 ------------------------------------------------------------------------------------


def risk_points_view(request, *, organisation, column):
    department = int_param(request, "department")
    level = int_param(request, "level")
    if level not in Level.values:
        level = None
    risks = selectors.published_risks(organisation, department=department, level=level)
    risks_column = selectors._column(*selectors.RISKS_COLUMN)
    response = render(
        request,
        "portal/kinds/risk_points.html",
        {
            "organisation": organisation,
            "column": column,
            "risks": risks,
            "departments": selectors.public_departments(organisation),
            "department": department,
            "levels": [(value, level_label(value)) for value in Level.values],
            "level": level,
        },
    )
    response.portal_last_modified = selectors.last_published(organisation, [risks_column])
    return response


def risk_points_latest(*, organisation, column, limit):
    url = column_url(organisation, column)
    return [
        columns.PortalItem(
            title=row.fields.get("name", ""),
            url=url,
            date=row.record.published_at,
            summary=row.fields.get("level", ""),
        )
        for row in selectors.published_risks(organisation)[:limit]
    ]


# 权力运行公开 ----------------------------------------------------------------------------------


def results_view(request, *, organisation, column):
    flow = request.GET.get("flow", "")[:200]
    year = int_param(request, "year")
    if year is not None and not 1900 <= year <= 2100:
        year = None
    records = selectors.published_results(organisation, flow=flow, year=year)
    every = selectors.published_results(organisation) if (flow or year) else records
    groups: dict[str, list] = {}
    for record in records:
        groups.setdefault(selectors.flow_of(record), []).append(
            (record, item_url(organisation, column, record.pk))
        )
    response = render(
        request,
        "portal/kinds/results.html",
        {
            "organisation": organisation,
            "column": column,
            "groups": list(groups.items()),
            "flows": sorted({selectors.flow_of(r) for r in every}),
            "years": sorted({r.published_at.year for r in every}, reverse=True),
            "flow": flow,
            "year": year,
        },
    )
    response.portal_last_modified = selectors.last_published(
        organisation, [selectors.results_column()]
    )
    return response


def results_item(request, *, organisation, column, item_id):
    record = selectors.published_result(organisation, item_id)
    if record is None:
        raise Http404
    try:
        labels = publications.labels_of([record])
    except ImproperlyConfigured:  # a source no app declares any more: its snapshot's keys
        labels = [(key, key) for key in record.fields]
    response = render(
        request,
        "portal/kinds/result.html",
        {
            "organisation": organisation,
            "column": column,
            "record": record,
            "rows": [(label, record.fields.get(key, "")) for key, label in labels],
            "back": column_url(organisation, column),
        },
    )
    response.portal_last_modified = record.published_at
    return response


def results_latest(*, organisation, column, limit):
    return [
        columns.PortalItem(
            title=record.title,
            url=item_url(organisation, column, record.pk),
            date=record.published_at,
            summary=selectors.flow_of(record),
        )
        for record in selectors.published_results(organisation)[:limit]
    ]


columns.register(
    columns.ColumnKind(
        code="power_holders",
        label=_("权力主体"),
        view=power_holders_view,
        latest=power_holders_latest,
    )
)
columns.register(
    columns.ColumnKind(
        code="power_catalogue",
        label=_("职权目录"),
        view=power_catalogue_view,
        item_view=power_catalogue_item,
        latest=power_catalogue_latest,
    )
)
columns.register(
    columns.ColumnKind(
        code="risk_points",
        label=_("廉政风险点"),
        view=risk_points_view,
        latest=risk_points_latest,
    )
)
columns.register(
    columns.ColumnKind(
        code="results",
        label=_("权力运行公开"),
        view=results_view,
        item_view=results_item,
        latest=results_latest,
    )
)

columns.register_gap(
    columns.Gap(
        code="powers_without_chart",
        label=_("未发布流程图的职权事项"),
        find=selectors.powers_without_chart,
        column="power_catalogue",
        order=10,
    )
)
columns.register_gap(
    columns.Gap(
        code="public_powers_without_risks",
        label=_("未公开廉政风险点的公开职权"),
        find=selectors.public_powers_without_risks,
        column="risk_points",
        order=20,
    )
)
