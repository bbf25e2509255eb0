"""Printable documents and register exchange: the 廉政风险定位表 (page, Excel, PDF) and the
风险点登记表 (Excel and PDF export, Excel import)."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lianfang.core import documents, word
from lianfang.core import jobs as core_jobs
from lianfang.core.access import role_required
from lianfang.core.exports import record_export
from lianfang.core.roles import Role
from lianfang.core.scoping import acting_organisation
from lianfang.core.spreadsheets.pages import import_page
from lianfang.core.tables import paginate
from lianfang.org import selectors as org_selectors

from . import jobs as register_jobs
from . import positioning, register_io, selectors, word_forms
from .document_forms import PositioningFilterForm, RegisterImportForm
from .register_forms import RegisterFilterForm

# Everyone may ask; the selector decides whose table (anyone else's answers 404).
POSITIONING_ROLES = Role.ALL
WRITE = (Role.ADMIN, Role.INTEGRITY)


def _in_background(request, kind: str, params: dict, message, *, organisation=None):
    """Queue a document too large for the request and send the user to its job page."""
    job = core_jobs.enqueue(kind, actor=request.user, organisation=organisation, params=params)
    messages.info(request, message)
    return redirect("core:job_detail", pk=job.pk)


def _record(request, action: str, what: str, rows: int, **details) -> None:
    """An inline export is an audit event (core.exports)."""
    record_export(
        actor=request.user,
        action=action,
        what=what,
        rows=rows,
        query=request.GET.urlencode(),
        **details,
    )


def _record_positioning(request, table, action: str) -> None:
    """A positioning table names its person: the event belongs to the person's organisation."""
    _record(
        request,
        action,
        f"{_('廉政风险定位表')}：{table.person.name}",
        len(table.rows),
        organisation=table.person.organisation,
        person=table.person.pk,
    )


# 廉政风险定位表 ----------------------------------------------------------------------------------


@role_required(*POSITIONING_ROLES)
def positioning_index(request):
    user = request.user
    filters = PositioningFilterForm(request.GET, user=user)
    table = paginate(
        request,
        positioning.positioning_index(user=user, filters=filters.values),
        sorts={"name": ("organisation__path", "staff_no"), "organisation": "organisation__path"},
        default="name",
    )
    table.page_obj.object_list = positioning.attach_departments(table.page_obj.object_list)
    return render(
        request,
        "risks/positioning_index.html",
        {"table": table, "filters": filters, "multi_org": "organisation" in filters.fields},
    )


def _table_for(request, pk):
    user = request.user
    person = get_object_or_404(
        positioning.positioning_people_visible_to(user).select_related("organisation"), pk=pk
    )
    return positioning.table_for(
        user=user,
        person=person,
        levels_param=request.GET.get("levels", ""),
        drafts=request.GET.get("drafts") == "1",
    )


@role_required(*POSITIONING_ROLES)
def positioning_page(request, pk):
    table = _table_for(request, pk)
    return render(request, "risks/positioning_table.html", {"table": table})


def _positioning_filename(table, ext: str) -> documents.DownloadName:
    """廉政风险定位表-张三-20261204.pdf, in ASCII positioning-XNK-0102-20261204.pdf (the
    person's department, else unit, and staff number)."""
    person = table.person
    where = person.department.code if person.department_id else person.organisation.code
    return documents.download_name(
        _("廉政风险定位表"),
        "positioning",
        parts=(person.name,),
        codes=(where, person.staff_no),
        ext=ext,
    )


def _register_filename(request, filters, ext: str) -> documents.DownloadName:
    """风险点登记表-示例市人民医院-20261204.xlsx, in ASCII register-H1-20261204.xlsx: the unit
    chosen (or the only one the user sees), else the one the user acts for."""
    organisation = register_io.register_unit(request.user, filters)
    return documents.download_name(
        _("风险点登记表"),
        "register",
        parts=(organisation and (organisation.short_name or organisation.name),),
        codes=(organisation and organisation.code,),
        ext=ext,
    )


def _job_names(name: documents.DownloadName) -> dict:
    """A download name as a job's parameters carry it."""
    return {"filename": str(name), "ascii_filename": name.ascii}


@role_required(*POSITIONING_ROLES)
def positioning_xlsx(request, pk):
    table = _table_for(request, pk)
    response = documents.file_response(
        positioning.positioning_workbook(table),
        _positioning_filename(table, "xlsx"),
        documents.XLSX_CONTENT_TYPE,
    )
    _record_positioning(request, table, "risks.positioning.export")
    return response


@role_required(*POSITIONING_ROLES)
def positioning_pdf(request, pk):
    """The printed table: at once, or by a background job above LIANFANG_PDF_INLINE_ROWS
    rows (a leader's table runs to hundreds)."""
    table = _table_for(request, pk)
    if len(table.rows) > positioning.PDF_MAX_ROWS:
        messages.warning(
            request,
            _("该定位表共 %(n)s 行，超过 PDF 上限 %(max)s 行：请先按风险等级筛选，或导出 Excel。")
            % {"n": len(table.rows), "max": positioning.PDF_MAX_ROWS},
        )
        return redirect(reverse("risks:positioning", args=[pk]) + table.query)
    if len(table.rows) > settings.LIANFANG_PDF_INLINE_ROWS:
        return _in_background(
            request,
            register_jobs.POSITIONING_PDF,
            {
                "person": table.person.pk,
                "levels": table.levels_param,
                "drafts": table.drafts,
                **_job_names(_positioning_filename(table, "pdf")),
            },
            _("定位表较长，正在后台排版 PDF；完成后可在本页下载。"),
            organisation=table.person.organisation,
        )
    pdf = positioning.positioning_pdf(table, request=request)
    _record_positioning(request, table, "risks.positioning.print")
    return documents.pdf_response(pdf, _positioning_filename(table, "pdf"))


@role_required(*POSITIONING_ROLES)
def positioning_docx(request, pk):
    """The table as Word (the template in force for the person's organisation): at once, or
    by a background job above LIANFANG_DOCX_INLINE_ROWS rows."""
    table = _table_for(request, pk)
    filename = _positioning_filename(table, "docx")
    if len(table.rows) > settings.LIANFANG_DOCX_INLINE_ROWS:
        return _in_background(
            request,
            register_jobs.POSITIONING_DOCX,
            {
                "person": table.person.pk,
                "levels": table.levels_param,
                "drafts": table.drafts,
                **_job_names(filename),
            },
            _("定位表较长，正在后台生成 Word 文档；完成后可在本页下载。"),
            organisation=table.person.organisation,
        )
    content = word_forms.positioning_docx(table)
    _record_positioning(request, table, "risks.positioning.docx")
    return word.docx_response(content, filename)


# 风险点登记表 ------------------------------------------------------------------------------------


def _register_points(request):
    """The register rows the user sees with the register page's filters (its query string)."""
    user = request.user
    filters = RegisterFilterForm(request.GET, user=user)
    return selectors.risk_points_filtered(user=user, filters=filters.values), filters


@role_required(*Role.ALL)
def register_xlsx(request):
    """The register as Excel: streamed at once, or, above LIANFANG_EXPORT_INLINE_ROWS rows
    (a commission's whole register), written by a background job whose page shows the
    progress and then the file."""
    points, filters = _register_points(request)
    rows = points.count()
    filename = _register_filename(request, filters, "xlsx")
    if rows > settings.LIANFANG_EXPORT_INLINE_ROWS:
        return _in_background(
            request,
            register_jobs.EXPORT_REGISTER,
            {"query": request.GET.urlencode(), **_job_names(filename)},
            _("台账较大，已转入后台导出；完成后可在本页下载。"),
        )
    response = documents.file_response(
        register_io.export_register(
            points,
            unit=register_io.register_unit(request.user, filters),
            filtered=filters.is_filtered,
        ),
        filename,
        documents.XLSX_CONTENT_TYPE,
    )
    _record(request, "risks.register.export", _("风险点登记表"), rows)
    return response


@role_required(*Role.ALL)
def register_pdf(request):
    """The printed register: rendered at once, or, above LIANFANG_PDF_INLINE_ROWS rows
    (WeasyPrint lays out about 30 rows a second), by a background job whose page shows the
    work going on and then the file."""
    points, filters = _register_points(request)
    rows = points.count()
    filename = _register_filename(request, filters, "pdf")
    if rows > settings.LIANFANG_PDF_INLINE_ROWS:
        return _in_background(
            request,
            register_jobs.REGISTER_PDF,
            {"query": request.GET.urlencode(), **_job_names(filename)},
            _("登记表较长，正在后台排版 PDF；完成后可在本页下载。"),
        )
    pdf = register_io.register_pdf(points, filtered=filters.is_filtered, request=request)
    _record(request, "risks.register.print", _("风险点登记表"), rows)
    return documents.pdf_response(pdf, filename)


@role_required(*Role.ALL)
def register_docx(request):
    """The register as Word, from the template in force for the unit chosen (else the one the
    user acts for): at once, or above LIANFANG_DOCX_INLINE_ROWS rows by a background job."""
    points, filters = _register_points(request)
    rows = points.count()
    filename = _register_filename(request, filters, "docx")
    organisation = filters.organisation or acting_organisation(request.user)
    if rows > settings.LIANFANG_DOCX_INLINE_ROWS:
        return _in_background(
            request,
            register_jobs.REGISTER_DOCX,
            {"query": request.GET.urlencode(), **_job_names(filename)},
            _("登记表较长，正在后台生成 Word 文档；完成后可在本页下载。"),
            organisation=organisation,
        )
    content, written = word_forms.register_docx(
        points, filtered=filters.is_filtered, organisation=organisation
    )
    _record(request, "risks.register.docx", _("风险点登记表"), written)
    return word.docx_response(content, filename)


@role_required(*WRITE)
def register_template(request):
    """The blank 风险点登记表 to fill in and import: for the organisation the query names when
    the user manages it (with its departments and power catalogue), else for none in
    particular; in ASCII register-template.xlsx."""
    organisation = None
    pk = request.GET.get("organisation", "")
    if pk.isascii() and pk.isdigit() and 0 < int(pk) < 2**63:
        manageable = org_selectors.organisations_manageable_by(request.user)
        organisation = manageable.filter(pk=int(pk)).first()
    title = _("风险点登记表模板")
    return documents.file_response(
        register_io.blank_template(organisation),
        documents.DownloadName(f"{title}.xlsx", "register-template.xlsx"),
        documents.XLSX_CONTENT_TYPE,
    )


@role_required(*WRITE)
def register_import(request):
    return import_page(
        request,
        form_class=RegisterImportForm,
        importer=register_io.register_import,
        template="risks/register_import.html",
        success=lambda result: (
            _("导入完成：新增 %(created)s 个风险点，更新 %(updated)s 个，未变 %(unchanged)s 个。")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        ),
        context={"columns": register_io.COLUMNS},
    )
