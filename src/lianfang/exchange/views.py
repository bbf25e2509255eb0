"""Pages of reporting upward (上报): the unit's page (submit to the level above, export the
exchange file, its history), the higher level's dashboard of its units, the import of an
exchange file, and a report as it was received."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lianfang.core import documents, spreadsheets
from lianfang.core.access import role_required
from lianfang.core.exports import record_export
from lianfang.core.pages import form_page
from lianfang.core.tables import paginate

from . import keys, selectors, services
from .apps import OFFICE
from .forms import ImportForm
from .models import ExchangeKey, Report
from .schema import CAMPAIGN, COMMITMENTS, REGISTER
from .workbook import workbook

ZIP_CONTENT_TYPE = "application/zip"


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def _unit_from(request, units):
    chosen = _int(request.GET.get("organisation"))
    units = list(units)
    return next((u for u in units if u.pk == chosen), units[0] if units else None), units


@role_required(*OFFICE)
def unit_page(request):
    """上报: what the unit reports, to whom, how (submit here or export the file), and what it
    reported before."""
    unit, units = _unit_from(request, selectors.reporting_units(request.user))
    if unit is None:
        return render(request, "exchange/unit.html", {"unit": None})
    table = paginate(
        request,
        selectors.unit_history(unit),
        sorts={"at": ("at", "pk"), "year": ("year", "at"), "version": ("version", "at")},
        default="-at",
    )
    key = ExchangeKey.objects.filter(organisation=unit).first()
    return render(
        request,
        "exchange/unit.html",
        {
            "unit": unit,
            "units": units,
            "campaigns": list(selectors.campaigns_to_report(unit)),
            "year": selectors.this_year(),
            "table": table,
            "fingerprint": keys.short(key.fingerprint) if key else "",
        },
    )


def _reporting(request, pk):
    unit = selectors.reporting_units(request.user).filter(pk=pk).select_related("parent").first()
    if unit is None:
        raise Http404
    campaign = None
    chosen = _int(request.POST.get("campaign"))
    if chosen:
        campaign = selectors.campaigns_to_report(unit).filter(pk=chosen).first()
        if campaign is None:
            raise Http404
    return unit, campaign, request.POST.get("year") or selectors.this_year()


def _back(unit):
    return redirect(reverse("exchange:unit") + f"?organisation={unit.pk}")


@role_required(*OFFICE)
@require_POST
def submit(request, pk):
    """提交上级: freeze what the unit reports now, dated, for the level above."""
    unit, campaign, year = _reporting(request, pk)
    try:
        outcome = services.report_submit(
            actor=request.user, unit=unit, campaign=campaign, year=year
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return _back(unit)
    if outcome.created:
        messages.success(
            request,
            _("已提交%(receiver)s（第 %(version)s 版）。")
            % {"receiver": unit.parent.name, "version": outcome.report.version}
            + _("提交的内容已固定，此后的修改不影响本次上报。"),
        )
    else:
        messages.info(
            request,
            _("内容与第 %(version)s 版相同，未重复提交。") % {"version": outcome.report.version},
        )
    return _back(unit)


@role_required(*OFFICE)
@require_POST
def export(request, pk):
    """The signed exchange file, for a level above on another server."""
    unit, campaign, year = _reporting(request, pk)
    try:
        content, name = services.exchange_export(
            actor=request.user, unit=unit, campaign=campaign, year=year
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return _back(unit)
    return documents.file_response(content, name, ZIP_CONTENT_TYPE)


# the dashboard's rows are built in memory (one row per unit): sorted there by these keys
DASHBOARD_SORTS = {
    "unit": lambda r: (r["unit"].path,),
    "at": lambda r: (r["report"].at.timestamp() if r["report"] else 0, r["unit"].path),
    "points": lambda r: (r["report"].figures.get("points", 0) if r["report"] else -1,),
    "signed": lambda r: ((r["report"].figures.get("signed_pct") or 0) if r["report"] else -1,),
}


@role_required(*OFFICE)
def received(request):
    """下级单位上报: every unit below the user's organisations, with its latest report."""
    year = _int(request.GET.get("year"))
    year = year if 2000 <= year <= 2100 else 0
    method = request.GET.get("method", "")
    method = method if method in Report.Method.values or method == "none" else ""
    rows = selectors.dashboard(user=request.user, year=year or None)
    if method == "none":
        rows = [r for r in rows if r["report"] is None]
    elif method:
        rows = [r for r in rows if r["report"] and r["report"].method == method]
    raw = request.GET.get("sort", "unit")
    key = raw.lstrip("-") if raw.lstrip("-") in DASHBOARD_SORTS else "unit"
    descending = raw.startswith("-") and key == raw.lstrip("-")
    rows.sort(key=DASHBOARD_SORTS[key], reverse=descending)
    this = selectors.this_year()
    return render(
        request,
        "exchange/received.html",
        {
            "rows": rows,
            "year": year,
            "years": range(this + 1, this - 5, -1),
            "method": method,
            "methods": Report.Method.choices,
            "table": SimpleNamespace(sort_key=key, descending=descending),
            "may_import": selectors.importable_units(request.user).exists(),
            "reported": sum(1 for r in rows if r["report"]),
        },
    )


@role_required(*OFFICE)
@require_http_methods(["GET", "POST"])
def import_file(request):
    """导入上报文件: one unit's exchange file, checked whole, kept all or nothing."""
    units = selectors.importable_units(request.user)
    if not units.exists():
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "GET":
        chosen = _int(request.GET.get("unit"))
        if chosen:
            form.fields["unit"].initial = chosen
    outcome = {}

    def save(cleaned):
        try:
            outcome["o"] = services.report_import(
                actor=request.user, unit=cleaned["unit"], content=cleaned["file"].read()
            )
        except PermissionDenied:
            raise Http404 from None
        return outcome["o"].report

    def success(report):
        if outcome["o"].created:
            return _("已导入%(unit)s的上报（第 %(version)s 版）。") % {
                "unit": report.organisation.name,
                "version": report.version,
            }
        return _("文件内容与已导入的第 %(version)s 版相同，未重复导入。") % {
            "version": report.version
        }

    return form_page(
        request,
        form,
        save=save,
        success=success,
        next_url=lambda report: reverse("exchange:report", args=[report.pk]),
        template="exchange/import.html",
        title=_("导入上报文件"),
    )


def _report(request, pk) -> Report:
    return get_object_or_404(
        selectors.reports_visible_to(request.user).select_related(
            "organisation", "receiver", "by", "campaign"
        ),
        pk=pk,
    )


@role_required(*OFFICE)
def report_detail(request, pk):
    """A report as it was received: what, when, how, by whom, its figures and its points."""
    report = _report(request, pk)
    payload = report.payload
    points = Paginator(payload[REGISTER]["points"], 50).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/report.html",
        {
            "report": report,
            "register": payload[REGISTER],
            "commitments": payload[COMMITMENTS],
            "campaign": payload[CAMPAIGN]["campaign"],
            "page_obj": points,
            "versions": list(selectors.versions_of(report)),
            "fingerprint": keys.short(report.key_fingerprint) if report.key_fingerprint else "",
            # the unit's own office came from its 上报 page, a higher level from its dashboard
            "own": selectors.reporting_units(request.user)
            .filter(pk=report.organisation_id)
            .exists(),
        },
    )


@role_required(*OFFICE)
def report_xlsx(request, pk):
    """The report as a workbook, as the exchange file's is written."""
    report = _report(request, pk)
    content = workbook(
        report.payload, unit_name=report.organisation.name, campaign_name=report.campaign_name
    )
    record_export(
        actor=request.user,
        action="exchange.report.xlsx",
        what=_("上报材料"),
        rows=len(report.payload[REGISTER]["points"]),
        organisation=report.organisation,
        report=report.pk,
    )
    name = f"上报材料-{report.organisation.code}-{report.year}-v{report.version}.xlsx"
    return documents.file_response(content, name, spreadsheets.XLSX_CONTENT_TYPE)
