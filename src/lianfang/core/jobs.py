"""Background jobs: work that must leave the request.

A request that would outlast the server's timeout (exporting a commission's whole register,
re-grading 200,000 risk points) enqueues a job instead and sends the user to the job page,
which shows the progress and, when done, the file or the outcome.

- `handler(kind, label)` registers a function `fn(job, progress) -> dict` (the result).
  It is found by kind, so a job survives a restart of the process that queued it.
- `enqueue(...)` writes the job inside the caller's transaction: a job exists exactly when
  the write that asked for it committed.
- Jobs run in the worker (`lianfang jobs work`, a systemd unit in production), or, with
  `LIANFANG_JOBS=thread` (the default for the demo), in a thread of the web process that
  queued them. Claiming is a conditional UPDATE, so two runners never take the same job.
- A handler that can be interrupted must be safe to run again: a worker that died leaves its
  job `running` with an old heartbeat, and `requeue_stale` gives it back to the queue.
- A handler reads many rows with `core.chunks.chunks` (never `QuerySet.iterator()`) and
  reports progress between chunks, when no read is open on its connection: on SQLite a
  progress write made while a read is still open has to upgrade that read's snapshot, which
  fails ("database is locked") as soon as anyone else has written since (see
  docs/architecture.md, "SQLite and concurrent use"). A handler that writes in batches commits
  each batch before it reports.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import audit
from .models import Job
from .scoping import acting_organisation, register

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds), plus once at the end of each batch the
# handler reports as complete.
PROGRESS_INTERVAL = 0.5
# A running job whose heartbeat is older than this is taken to have lost its runner.
STALE_AFTER = 600


class JobError(Exception):
    """A failure to show the user as it is (a clear message in their language)."""


@dataclass(frozen=True)
class Handler:
    kind: str
    label: str
    fn: Callable


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, label):
    """Register `fn(job, progress) -> dict | None` as the runner of jobs of `kind`."""

    def decorator(fn):
        HANDLERS[kind] = Handler(kind, label, fn)
        return fn

    return decorator


def label_of(kind: str) -> str:
    found = HANDLERS.get(kind)
    return str(found.label) if found else kind


@register(Job)
def jobs_visible_to(user) -> QuerySet[Job]:
    """A job is seen by the person who started it: its file is an export of their view."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Job.objects.none()
    return Job.objects.filter(actor=user)


def enqueue(kind: str, *, actor, organisation=None, params: dict | None = None) -> Job:
    """Queue a job of `kind` (registered with `handler`) for `actor`; it starts once the
    surrounding transaction commits.

    `organisation` is the one the job is about (a person's positioning table: theirs); a job
    about none (an export of the actor's view of the register) belongs to the organisation
    the actor acts for, so the integrity office over it sees it on the audit page."""
    if kind not in HANDLERS:
        raise ValueError(f"no job handler for {kind!r}")
    organisation = organisation or acting_organisation(actor)
    # the language of the page that asked: the job's messages and files speak it too
    params = {**(params or {}), "language": translation.get_language()}
    with transaction.atomic():
        job = Job.objects.create(kind=kind, actor=actor, organisation=organisation, params=params)
        audit.record(
            actor=actor,
            action="job.enqueue",
            obj=job,
            after={"kind": kind, "params": job.params},
            organisation=organisation,
        )
        transaction.on_commit(partial(_dispatch, job.pk))
    return job


def _dispatch(pk: int) -> None:
    if getattr(settings, "LIANFANG_JOBS", "worker") != "thread":
        return  # the worker polls the queue
    thread = threading.Thread(target=_run_in_thread, args=(pk,), name=f"job-{pk}", daemon=True)
    thread.start()


def nudge(job: Job) -> None:
    """In thread mode nobody polls the queue: a job queued by a web process that has since
    restarted would wait forever. Its page calls this, which starts it again (claiming is
    atomic, so a job already taken is left alone)."""
    if getattr(settings, "LIANFANG_JOBS", "worker") != "thread" or job.finished:
        return
    if job.status == Job.Status.RUNNING:
        if requeue_stale() == 0:
            return
        job.refresh_from_db()
    if job.status == Job.Status.QUEUED:
        _dispatch(job.pk)


def _run_in_thread(pk: int) -> None:
    try:
        job = claim(pk)
        if job is not None:
            run(job)
    finally:
        connections.close_all()  # this thread's own connections


def claim(pk: int | None = None) -> Job | None:
    """Take one queued job (`pk`, or the oldest) for this runner, or None if there is none
    or another runner took it first."""
    queued = Job.objects.filter(status=Job.Status.QUEUED)
    if pk is not None:
        candidates = [pk]
    else:
        candidates = list(queued.order_by("created_at", "id").values_list("pk", flat=True)[:10])
    for candidate in candidates:
        now = timezone.now()
        taken = queued.filter(pk=candidate).update(
            status=Job.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
        )
        if taken:
            return Job.objects.select_related("actor", "organisation").get(pk=candidate)
    return None


class Progress:
    """What a handler calls to report progress: `progress(done, total=None, message=None)`.

    Writes are throttled; `force=True` writes now (end of a batch, a new phase).
    """

    def __init__(self, job: Job):
        self.job = job
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, message=None, *, force=False):
        job = self.job
        job.done = done
        if total is not None:
            job.total = total
        if message is not None:
            job.message = str(message)[:255]
        now = timezone.now()
        moment = now.timestamp()
        if not force and moment - self._last < PROGRESS_INTERVAL:
            return
        self._last = moment
        job.heartbeat_at = now
        Job.objects.filter(pk=job.pk).update(
            done=job.done, total=job.total, message=job.message, heartbeat_at=now
        )


def run(job: Job) -> Job:
    """Run a claimed job to the end and record how it ended."""
    found = HANDLERS.get(job.kind)
    progress = Progress(job)
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            if found is None:
                raise JobError(_("未知的任务类型：%(kind)s") % {"kind": job.kind})
            result = found.fn(job, progress) or {}
    except JobError as exc:
        _finish(job, Job.Status.FAILED, error=str(exc))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            error = _("任务执行出错，已记入系统日志，请联系系统管理员。")
        _finish(job, Job.Status.FAILED, error=error)
    else:
        if job.total is not None:
            job.done = job.total
        _finish(job, Job.Status.DONE, result=result)
    return job


def _finish(job: Job, status: str, *, result=None, error: str = "") -> None:
    now = timezone.now()
    job.status, job.finished_at, job.heartbeat_at = status, now, now
    job.result = result if result is not None else job.result
    job.error = error
    Job.objects.filter(pk=job.pk).update(
        status=status,
        finished_at=now,
        heartbeat_at=now,
        result=job.result,
        error=error,
        done=job.done,
        total=job.total,
        message=job.message,
    )


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs one after another until none is left (or `limit` ran)."""
    ran = 0
    while limit is None or ran < limit:
        job = claim()
        if job is None:
            break
        run(job)
        ran += 1
    return ran


def requeue_stale(*, older_than: float = STALE_AFTER) -> int:
    """Give running jobs whose runner stopped reporting back to the queue."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than)
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff).update(
        status=Job.Status.QUEUED
    )


# Files a job leaves for download -------------------------------------------------------------


def files_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs"


def result_path(job: Job, filename: str) -> Path:
    """Where `job` writes its file: a folder of its own under MEDIA_ROOT/jobs."""
    folder = files_root() / str(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / Path(filename).name


def purge_files(*, older_than_days: int) -> int:
    """Delete the files of jobs that finished more than `older_than_days` ago (the job rows
    stay, as a record); returns how many jobs lost their file."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    purged = 0
    finished = Job.objects.filter(finished_at__lt=cutoff).values_list("pk", flat=True)
    for pk in finished.iterator():
        folder = files_root() / str(pk)
        if folder.is_dir():
            shutil.rmtree(folder)
            purged += 1
    return purged


def result_file(job: Job) -> Path | None:
    """The job's file, when it finished with one that is still there."""
    name = (job.result or {}).get("file")
    if job.status != Job.Status.DONE or not name:
        return None
    path = files_root() / str(job.pk) / Path(name).name
    return path if path.is_file() else None
