"""The pages of background jobs: the user's own jobs, one job's progress, its file."""

import mimetypes

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from . import documents, jobs
from .access import role_required
from .exports import record_export
from .models import Job
from .roles import Role
from .scoping import visible_to
from .tables import paginate

JOB_SORTS = {"created": "created_at", "status": "status", "kind": "kind"}


@role_required(*Role.ALL)
def job_list(request):
    table = paginate(
        request,
        visible_to(request.user, Job).select_related("organisation"),
        sorts=JOB_SORTS,
        default="-created",
    )
    for job in table.rows:
        job.label = jobs.label_of(job.kind)
    return render(request, "core/job_list.html", {"table": table})


@role_required(*Role.ALL)
def job_detail(request, pk):
    """The job's progress; while it runs, htmx fetches the status panel again every 2 s."""
    job = get_object_or_404(visible_to(request.user, Job).select_related("organisation"), pk=pk)
    jobs.nudge(job)
    context = {
        "job": job,
        "label": jobs.label_of(job.kind),
        "has_file": jobs.result_file(job) is not None,
    }
    if request.htmx:
        return render(request, "core/includes/job_status.html", context)
    return render(request, "core/job_detail.html", context)


@role_required(*Role.ALL)
def job_download(request, pk):
    job = get_object_or_404(visible_to(request.user, Job), pk=pk)
    path = jobs.result_file(job)
    if path is None:
        raise Http404
    content_type = job.result.get("content_type") or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    filename = job.result.get("filename") or path.name
    if job.result.get("ascii_filename"):
        filename = documents.DownloadName(filename, job.result["ascii_filename"])
    response = documents.file_response(path.open("rb"), filename, content_type)
    record_export(
        actor=request.user,
        action="core.job.download",
        what=filename,
        rows=job.result.get("rows", 0),
        organisation=job.organisation,
        job=job.pk,
        kind=job.kind,
    )
    return response
