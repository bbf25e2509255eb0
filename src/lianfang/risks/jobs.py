"""Background jobs of the risk register: large exports and re-grades (see core.jobs)."""

import shutil

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import documents, jobs, word

from . import positioning, register_io, selectors, word_forms
from .register_forms import RegisterFilterForm

EXPORT_REGISTER = "risks.export_register"
REGISTER_PDF = "risks.register_pdf"
POSITIONING_PDF = "risks.positioning_pdf"
REGISTER_DOCX = "risks.register_docx"
POSITIONING_DOCX = "risks.positioning_docx"
REGRADE = "risks.regrade"  # services.REGRADE_JOB


def register_points_for(user, query: QueryDict):
    """The register rows `user` sees with the register page's filters in `query`."""
    filters = RegisterFilterForm(query, user=user)
    return selectors.risk_points_filtered(user=user, filters=filters.values), filters


def _file_result(job, content: bytes, default_name: str, content_type: str, summary) -> dict:
    """Write a document a job made to the job's file and describe it for the job page."""
    filename = job.params.get("filename") or default_name
    path = jobs.result_path(job, filename)
    path.write_bytes(content)
    return {
        "file": path.name,
        "filename": filename,
        "ascii_filename": job.params.get("ascii_filename", ""),
        "content_type": content_type,
        "summary": summary,
    }


@jobs.handler(EXPORT_REGISTER, gettext_lazy("导出风险点登记表"))
def export_register(job, progress):
    """The 风险点登记表 of what the user saw when they asked (the page's filters), to Excel.
    Read-only: running it again writes the same file again."""
    points, filters = register_points_for(job.actor, QueryDict(job.params.get("query", "")))
    total = points.count()
    progress(0, total, _("正在导出风险点登记表……"), force=True)
    out = register_io.export_register(
        points,
        progress=lambda n: progress(n, total),
        unit=register_io.register_unit(job.actor, filters),
        filtered=filters.is_filtered,
    )
    filename = job.params.get("filename") or f"{_('风险点登记表')}.xlsx"
    path = jobs.result_path(job, filename)
    try:
        with path.open("wb") as target:
            shutil.copyfileobj(out, target)
    finally:
        out.close()
    return {
        "file": path.name,
        "filename": filename,
        "ascii_filename": job.params.get("ascii_filename", ""),
        "content_type": documents.XLSX_CONTENT_TYPE,
        "rows": total,
        "summary": _("已导出 %(n)s 个风险点。") % {"n": f"{total:,}"},
    }


@jobs.handler(REGISTER_PDF, gettext_lazy("打印风险点登记表（PDF）"))
def register_pdf(job, progress):
    """The printed register of what the user saw when they asked. WeasyPrint reports no
    progress of its own: the page shows the work going on until the file is there."""
    points, filters = register_points_for(job.actor, QueryDict(job.params.get("query", "")))
    progress(0, None, _("正在排版 PDF……"), force=True)
    pdf = register_io.register_pdf(points, filtered=filters.is_filtered)
    rows = min(points.count(), register_io.PDF_MAX_ROWS)
    return _file_result(
        job,
        pdf,
        f"{_('风险点登记表')}.pdf",
        documents.PDF_CONTENT_TYPE,
        _("已生成 %(n)s 行的登记表 PDF。") % {"n": f"{rows:,}"},
    )


def _positioning_table(job):
    """A leader's or department head's positioning table as the user may see it now."""
    person = (
        positioning.positioning_people_visible_to(job.actor)
        .select_related("organisation")
        .filter(pk=job.params["person"])
        .first()
    )
    if person is None:
        raise jobs.JobError(_("您已无权查看该定位表。"))
    table = positioning.table_for(
        user=job.actor,
        person=person,
        levels_param=job.params.get("levels", ""),
        drafts=bool(job.params.get("drafts")),
    )
    return person, table


@jobs.handler(POSITIONING_PDF, gettext_lazy("打印廉政风险定位表（PDF）"))
def positioning_pdf(job, progress):
    person, table = _positioning_table(job)
    progress(0, None, _("正在排版 PDF……"), force=True)
    return _file_result(
        job,
        positioning.positioning_pdf(table),
        f"{_('廉政风险定位表')}.pdf",
        documents.PDF_CONTENT_TYPE,
        _("已生成 %(name)s 的定位表 PDF（%(n)s 行）。")
        % {"name": person.name, "n": len(table.rows)},
    )


@jobs.handler(POSITIONING_DOCX, gettext_lazy("生成廉政风险定位表（Word）"))
def positioning_docx(job, progress):
    person, table = _positioning_table(job)
    progress(0, None, _("正在生成 Word 文档……"), force=True)
    return _file_result(
        job,
        word_forms.positioning_docx(table),
        f"{_('廉政风险定位表')}.docx",
        word.DOCX_CONTENT_TYPE,
        _("已生成 %(name)s 的定位表 Word 文档（%(n)s 行）。")
        % {"name": person.name, "n": len(table.rows)},
    )


@jobs.handler(REGISTER_DOCX, gettext_lazy("生成风险点登记表（Word）"))
def register_docx(job, progress):
    """The register of what the user saw when they asked, as Word."""
    points, filters = register_points_for(job.actor, QueryDict(job.params.get("query", "")))
    progress(0, None, _("正在生成 Word 文档……"), force=True)
    content, rows = word_forms.register_docx(
        points, filtered=filters.is_filtered, organisation=job.organisation
    )
    return _file_result(
        job,
        content,
        f"{_('风险点登记表')}.docx",
        word.DOCX_CONTENT_TYPE,
        _("已生成 %(n)s 行的登记表 Word 文档。") % {"n": f"{rows:,}"},
    )


@jobs.handler(REGRADE, gettext_lazy("按新定级方案重新定级"))
def regrade(job, progress):
    from . import services

    return services.scheme_regrade_job(job, progress)
