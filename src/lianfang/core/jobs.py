"""Background jobs: work that must leave the request, on django-tasks.

A request that would outlast the server's timeout (exporting a commission's whole register,
re-grading 200,000 risk points) enqueues a job instead and sends the user to the job page,
which shows the progress and, when done, the file or the outcome.

- `handler(kind, label)` registers a function `fn(job, progress) -> dict` (the result).
  It is found by kind, so a job survives a restart of the process that queued it.
- `enqueue(...)` writes the `Job` (our record: who asked, progress, result, file) inside the
  caller's transaction and submits one django-tasks task, `run_job(job_id)`, to the
  framework's queue (settings.TASKS): with the database backend in the same transaction, so a
  job and its task exist exactly when the write that asked for them committed; with another
  backend (RQ) once it has committed.
- The framework's worker runs the task (`lianfang jobs work`: django-tasks-db's worker or
  RQ's, a systemd unit in production), or, with `LIANFANG_JOBS=thread` (the demo), a worker
  thread of the web process that queued it. The task claims its job with a conditional
  UPDATE, so a job runs once however many tasks name it.
- A handler that can be interrupted must be safe to run again: a worker that died leaves its
  job `running` with an old heartbeat, and `recover` (scheduled every few minutes, see
  core.tasks) gives it back to the queue with a new task, as it does a queued job whose task
  the queue lost.
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
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db import DatabaseBackend

from . import audit
from .models import Job
from .scoping import acting_organisation, register

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds), plus once at the end of each batch the
# handler reports as complete.
PROGRESS_INTERVAL = 0.5
# A running job whose heartbeat is older than this is taken to have lost its runner.
STALE_AFTER = 600
# A job whose runner was lost this many times is not given another (a job that outlasts
# RQ's timeout, or kills its worker, would otherwise run for ever).
MAX_ATTEMPTS = 3


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


# The framework's side ------------------------------------------------------------------------


@task()
def run_job(job_id: int) -> dict:
    """The django-tasks task of every job: claim it, run its handler, record the outcome.

    Returns whether this task ran the job (another task may have claimed it first: a job
    given back to the queue by `recover` while its first task still waited). An unexpected
    error is recorded on the job for the user, then raised again, so the framework's record
    of the task (and RQ's failed registry) keeps the traceback."""
    job = claim(job_id)
    if job is None:
        return {"job": job_id, "ran": False}
    run(job, reraise=True)
    return {"job": job_id, "ran": True, "status": str(job.status)}


def task_for_jobs() -> Task:
    """`run_job` on this site's queue (settings.LIANFANG_TASK_QUEUE)."""
    return run_job.using(queue_name=settings.LIANFANG_TASK_QUEUE)


def in_transaction(backend) -> bool:
    """Whether `backend` stores its tasks in our default database, so a task enqueued inside
    a transaction is rolled back with it (django-tasks-db); RQ's are not."""
    if not isinstance(backend, DatabaseBackend):
        return False
    from django_tasks_db.models import DBTaskResult

    return router.db_for_write(DBTaskResult) == router.db_for_write(Job)


def submit(task_obj: Task, *args, after=None) -> None:
    """Enqueue `task_obj(*args)` with the surrounding transaction: now if the backend keeps
    its queue in the database (the task is rolled back with the transaction), else once the
    transaction has committed (a worker on another machine must find what it reads).
    `after(result)` is called with the framework's TaskResult."""

    def now():
        result = task_obj.enqueue(*args)
        if after is not None:
            after(result)

    if in_transaction(task_obj.get_backend()):
        now()
        return

    def after_commit():
        try:
            now()
        except Exception:
            # the write committed: it must not turn into an error page because the queue
            # (Redis) is away. A job left without a task gets one from `recover`.
            logger.exception("could not enqueue %s%r; recovery will retry", task_obj.name, args)

    transaction.on_commit(after_commit)


def _submit_job(job: Job) -> None:
    def remember(result):
        job.task_id = str(result.id)
        Job.objects.filter(pk=job.pk).update(task_id=job.task_id)

    submit(task_for_jobs(), job.pk, after=remember)
    transaction.on_commit(partial(_dispatch, job.pk))


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
        _submit_job(job)
    return job


# The demo's worker thread --------------------------------------------------------------------

_thread_lock = threading.Lock()
_thread: threading.Thread | None = None
_wake = threading.Event()
# The thread's wait for work when nobody wakes it: it then keeps the schedule too.
THREAD_IDLE = 30.0


def _dispatch(pk: int) -> None:
    """In thread mode, make sure the web process's worker thread runs and wake it."""
    if getattr(settings, "LIANFANG_JOBS", "worker") != "thread":
        return  # the worker polls the queue
    _ensure_thread()
    _wake.set()


def start_worker_thread() -> None:
    """Start the web process's worker thread (thread mode: the development server does, as
    it starts; the first pass waits a few seconds, until the apps are ready and serving)."""
    _ensure_thread(first_wait=5.0)


def _ensure_thread(first_wait: float = 0.0) -> None:
    global _thread
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(
            target=_thread_main, args=(first_wait,), name="lianfang-tasks", daemon=True
        )
        _thread.start()


def _thread_main(first_wait: float = 0.0) -> None:
    """django-tasks-db's worker, draining the queue whenever woken, and the schedule's tick
    between (core.schedule: what is due is enqueued, then drained)."""
    from . import schedule

    worker_id = f"web-{os.getpid()}-{threading.get_ident()}"[:64]
    if first_wait:
        _wake.wait(first_wait)
    while getattr(settings, "LIANFANG_JOBS", "worker") == "thread":
        _wake.clear()
        try:
            schedule.tick()
            run_pending(worker_id=worker_id)
        except Exception:
            logger.exception("the web process's task thread failed; it goes on")
        finally:
            connections.close_all()  # this thread's own connections
        _wake.wait(THREAD_IDLE)


def nudge(job: Job) -> None:
    """In thread mode the worker thread lives in the web process: a server that restarted
    has none until a job is queued. The job's page calls this, which starts it again (and
    gives a job whose runner died back to the queue first)."""
    if getattr(settings, "LIANFANG_JOBS", "worker") != "thread" or job.finished:
        return
    if job.status == Job.Status.RUNNING:
        if requeue_stale() == 0:
            return
        job.refresh_from_db()
    if job.status == Job.Status.QUEUED:
        _dispatch(job.pk)


# Running a job -------------------------------------------------------------------------------


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


def run(job: Job, *, reraise: bool = False) -> Job:
    """Run a claimed job to the end and record how it ended (`reraise`: an unexpected error
    is raised again once recorded)."""
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
        if reraise:
            raise
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


def run_pending(
    limit: int | None = None,
    *,
    queues: list[str] | None = None,
    worker_id: str = "in-process",
    report: Callable[[str], None] | None = None,
) -> int:
    """Run the database backend's ready tasks here, one after another, until none is left
    (or `limit` jobs ran); returns how many jobs ran. Tasks other than jobs' (the schedule's)
    run too and are not counted.

    This is django-tasks-db's worker loop (`db_worker --batch`) minus its connection
    recycling, which would close a connection inside a transaction: the demo's thread and
    the tests (in their own transaction) use it; `lianfang jobs work` runs the real one."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    backend = run_job.get_backend()
    if not isinstance(backend, DatabaseBackend):
        raise RuntimeError("run_pending runs the database backend's tasks only")
    names = queues or sorted(backend.queues) or ["*"]
    worker = Worker(
        queue_names=names,
        interval=0,
        batch=True,
        backend_name=backend.alias,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    job_path = run_job.module_path
    while limit is None or ran < limit:
        ready = DBTaskResult.objects.ready().filter(backend_name=backend.alias)
        if "*" not in names:
            ready = ready.filter(queue_name__in=names)
        with exclusive_transaction(ready.db):
            found = ready.get_locked()
            if found is None:
                break
            found.claim(worker.worker_id)
        is_job = found.task_path == job_path
        if is_job and report:
            report(f"job #{found.args_kwargs['args'][0]} …")
        worker.run_task(found)
        if not is_job:
            continue
        outcome = found.return_value or {}
        if found.status == TaskResultStatus.FAILED or outcome.get("ran"):
            ran += 1
            if report:
                job = Job.objects.filter(pk=found.args_kwargs["args"][0]).first()
                report(f"job #{found.args_kwargs['args'][0]} {job.status if job else '?'}")
    return ran


# Recovery ------------------------------------------------------------------------------------


def requeue_stale(*, older_than: float = STALE_AFTER) -> int:
    """Give running jobs whose runner stopped reporting back to the queue, each with a new
    task (a worker killed mid-job leaves the framework's task `RUNNING` for ever: the
    database backend's is marked failed)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than)
    requeued = 0
    stale = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
    for job in stale.only("pk", "task_id", "heartbeat_at", "attempts", "params"):
        with transaction.atomic():
            still = Job.objects.filter(
                pk=job.pk, status=Job.Status.RUNNING, heartbeat_at=job.heartbeat_at
            )
            if job.attempts >= MAX_ATTEMPTS:
                with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
                    error = _("任务多次中断，已停止重试，请联系系统管理员。")
                if still.update(status=Job.Status.FAILED, finished_at=timezone.now(), error=error):
                    _task_abandoned(job.task_id)
                    logger.error("job %s lost its runner %s times: failed", job.pk, job.attempts)
                continue
            if not still.update(status=Job.Status.QUEUED):
                continue
            _task_abandoned(job.task_id)
            _submit_job(job)
        requeued += 1
    return requeued


def _task_abandoned(task_id: str) -> None:
    if not task_id or not in_transaction(run_job.get_backend()):
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path="lianfang.core.jobs.RunnerLost",
        traceback="The worker stopped reporting; the job was given to a new task.",
    )


def resubmit_lost(*, older_than: float = STALE_AFTER) -> int:
    """Queued jobs whose task the queue no longer holds (Redis lost it, or the process died
    between the commit and the enqueue) get a new task."""
    backend = run_job.get_backend()
    if not backend.supports_get_result:
        return 0
    cutoff = timezone.now() - dt.timedelta(seconds=older_than)
    lost = []
    for job in Job.objects.filter(status=Job.Status.QUEUED, created_at__lt=cutoff):
        try:
            waiting = job.task_id and not backend.get_result(job.task_id).is_finished
        except TaskResultDoesNotExist:
            waiting = False
        if not waiting:
            lost.append(job)
    for job in lost:
        with transaction.atomic():
            _submit_job(job)
    return len(lost)


def recover(*, older_than: float = STALE_AFTER) -> dict:
    """Both of the above (a scheduled task, core.tasks)."""
    return {
        "requeued": requeue_stale(older_than=older_than),
        "resubmitted": resubmit_lost(older_than=older_than),
    }


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
