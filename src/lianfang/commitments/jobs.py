"""Background jobs of the commitments module: a hospital's commitments generated at once."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import jobs
from lianfang.org.models import Organisation

from . import services

GENERATE = "commitments.generate"


@jobs.handler(GENERATE, gettext_lazy("批量生成廉政承诺书"))
def generate(job, progress):
    """Every active person's commitment of the year for the posts they hold now. Safe to run
    again: who has one already is skipped."""
    organisation = Organisation.objects.get(pk=job.params["organisation"])
    year = int(job.params["year"])
    progress(0, None, _("正在生成承诺书……"), force=True)
    try:
        result = services.commitments_generate(
            actor=job.actor, organisation=organisation, year=year, progress=progress
        )
    except ValidationError as exc:
        raise jobs.JobError("；".join(exc.messages)) from exc
    except PermissionDenied as exc:  # the actor's grant was withdrawn since it was queued
        raise jobs.JobError(_("您已无权为该单位生成承诺书。")) from exc
    return {
        "created": result.created,
        "skipped": result.skipped,
        "summary": _("已生成 %(n)s 份承诺书，%(m)s 人已有或无岗位未生成。")
        % {"n": f"{result.created:,}", "m": f"{result.skipped:,}"},
    }


def generate_enqueue(*, actor, organisation, year: int):
    if not services.may_generate(actor, organisation):
        raise PermissionDenied
    return jobs.enqueue(
        GENERATE,
        actor=actor,
        organisation=organisation,
        params={"organisation": organisation.pk, "year": int(year)},
    )
