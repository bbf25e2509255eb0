"""系统维护 › 工作日历: the year's schedule (the package's, or entered by hand and confirmed),
the local overrides, and the confirmation of a year entered by hand.

The platform administrator keeps the platform's calendar; an organisation's administrators
keep their subtrees' (`workday_services.require_keeper`). Other roles get 403; an override or
a confirmation the user may not change answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import workday_selectors as selectors
from . import workday_services as services
from . import workdays
from .access import role_required
from .pages import NOT_SAVED, form_page, save_form
from .roles import PLATFORM_ADMIN, Role
from .tables import paginate
from .workday_forms import (
    WorkdayFilterForm,
    WorkdayOverrideEditForm,
    WorkdayOverrideForm,
    WorkdayYearForm,
)

KEEPERS = (PLATFORM_ADMIN, Role.ADMIN)


def calendar_url(year: int) -> str:
    return f"{reverse('core:workday_calendar')}?year={year}"


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if services.FIRST_YEAR <= year <= services.LAST_YEAR else default


@role_required(*KEEPERS)
def workday_calendar(request):
    user = request.user
    today = workdays.today()
    year = _year(request.GET.get("year"), today.year)
    platform, organisations = selectors.owners_of(user)
    form = WorkdayOverrideForm(
        request.POST or None,
        platform=platform,
        organisations=organisations,
        initial={"organisation": selectors.PLATFORM if platform else ""},
    )
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: services.workday_overrides_add(actor=user, **data),
            lambda rows: _("已录入 %(n)s 天：%(name)s。") % {"n": len(rows), "name": rows[0].name},
        )
        if saved is not NOT_SAVED:
            return redirect(calendar_url(saved[0].date.year))
    filters = WorkdayFilterForm(request.GET, organisations=organisations)
    table = paginate(
        request,
        selectors.override_list(user=user, year=year, filters=filters.values),
        sorts={
            "date": "date",
            "kind": ("kind", "date"),
            "name": ("name", "date"),
            "organisation": ("organisation__path", "date"),
        },
        default="date",
        per_page=100,  # a year's overrides fit on one page
    )
    manageable = set(
        selectors.workday_overrides_manageable_by(user)
        .filter(pk__in=[row.pk for row in table.rows])
        .values_list("pk", flat=True)
    )
    for row in table.rows:
        row.can_edit = row.pk in manageable
    states = selectors.year_states(user, today_year=today.year, selected=year)
    state = next(s for s in states if s.year == year)
    confirmations = list(
        selectors.workday_years_visible_to(user)
        .filter(year=year)
        .select_related("organisation", "confirmed_by")
        .order_by("organisation__path")
    )
    mine = set(
        selectors.workday_years_manageable_by(user).filter(year=year).values_list("pk", flat=True)
    )
    for confirmation in confirmations:
        confirmation.can_withdraw = confirmation.pk in mine
    return render(
        request,
        "core/workday_calendar.html",
        {
            "year": year,
            "today_year": today.year,
            "states": states,
            "state": state,
            "holidays": workdays.package_holidays(year),
            "package_version": workdays.package_version(),
            "package_years": workdays.package_years(),
            "form": form,
            "filters": filters,
            "filtered": any(filters.values.get(k) for k in ("organisation", "kind", "q")),
            "table": table,
            "confirmations": confirmations,
            "year_form": WorkdayYearForm(
                platform=platform,
                organisations=organisations,
                initial={"year": year, "organisation": selectors.PLATFORM if platform else ""},
            ),
            "workday_end": workdays.workday_end(),
        },
    )


@role_required(*KEEPERS)
def workday_override_edit(request, pk):
    override = get_object_or_404(
        selectors.workday_overrides_manageable_by(request.user).select_related("organisation"),
        pk=pk,
    )
    form = WorkdayOverrideEditForm(
        request.POST or None,
        initial={"date": override.date, "kind": override.kind, "name": override.name},
    )
    return form_page(
        request,
        form,
        save=lambda data: services.workday_override_update(
            actor=request.user, override=override, **data
        ),
        success=lambda saved: _("已保存 %(date)s 的调整。") % {"date": f"{saved.date:%Y-%m-%d}"},
        next_url=lambda saved: calendar_url(saved.date.year),
        template="core/workday_override_form.html",
        override=override,
        cancel_url=calendar_url(override.date.year),
    )


@role_required(*KEEPERS)
@require_POST
def workday_override_delete(request, pk):
    override = get_object_or_404(selectors.workday_overrides_manageable_by(request.user), pk=pk)
    year, date = override.date.year, override.date
    services.workday_override_delete(actor=request.user, override=override)
    messages.success(request, _("已删除 %(date)s 的调整。") % {"date": f"{date:%Y-%m-%d}"})
    return redirect(calendar_url(year))


@role_required(*KEEPERS)
@require_POST
def workday_year_confirm(request):
    platform, organisations = selectors.owners_of(request.user)
    form = WorkdayYearForm(request.POST, platform=platform, organisations=organisations)
    if not form.is_valid():
        messages.error(request, _("请选择您管理的范围和有效的年份。"))
        return redirect(calendar_url(_year(request.POST.get("year"), workdays.today().year)))
    year, organisation = form.cleaned_data["year"], form.cleaned_data["organisation"]
    try:
        services.workday_year_confirm(actor=request.user, organisation=organisation, year=year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("已确认%(owner)s %(year)s 年的节假日已录入：该年按周末和录入的调整计算工作日。")
            % {"owner": organisation.name if organisation else _("全平台"), "year": year},
        )
    return redirect(calendar_url(year))


@role_required(*KEEPERS)
@require_POST
def workday_year_withdraw(request, pk):
    confirmation = get_object_or_404(selectors.workday_years_manageable_by(request.user), pk=pk)
    year = confirmation.year
    services.workday_year_withdraw(actor=request.user, confirmation=confirmation)
    messages.success(request, _("已撤销 %(year)s 年的确认。") % {"year": year})
    return redirect(calendar_url(year))
