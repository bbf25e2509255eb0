"""Jobs on django-tasks' database backend, end to end (enqueue → the backend's own worker →
the file → the progress page), the demo's worker thread, and the schedule of periodic tasks
with core's own (recovery, purges)."""

import datetime as dt
import signal
import time
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from lianfang.core import attachments, jobs, schedule
from lianfang.core import tasks as core_tasks
from lianfang.core.attachments import AttachmentUse, register_use
from lianfang.core.models import Attachment, Job, ScheduledRun

seen_pages = []
page_reader = {}


@jobs.handler("test.tasks_db", "分三步")
def three_steps(job, progress):
    """Reports each step, and reads its own progress page between steps, as its owner would."""
    for i in range(1, 4):
        progress(i, 3, f"第 {i} 步", force=True)
        if "client" in page_reader:
            url = reverse("core:job_detail", args=[job.pk])
            seen_pages.append(page_reader["client"].get(url, HTTP_HX_REQUEST="true").content)
    path = jobs.result_path(job, "三步.txt")
    path.write_text("走完了", encoding="utf-8")
    return {"file": path.name, "filename": "三步.txt", "summary": "三步走完"}


@jobs.handler("test.tasks_db_crash", "出错")
def crash(job, progress):
    raise RuntimeError("a detail for the log, not for the user")


@contextmanager
def signals_kept():
    """db_worker installs its own SIGINT/SIGTERM handlers: give pytest its own back."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)


@pytest.fixture(autouse=True)
def _reset():
    seen_pages.clear()
    page_reader.clear()
    yield
    page_reader.clear()


def test_a_job_runs_through_the_database_backend_and_its_own_worker(transactional_db, world):
    owner = world.users["integrity"]
    job = jobs.enqueue("test.tasks_db", actor=owner, organisation=world.hospital)
    job.refresh_from_db()
    queued = DBTaskResult.objects.get(id=job.task_id)
    assert queued.status == TaskResultStatus.READY
    assert queued.task_path == "lianfang.core.jobs.run_job"
    assert queued.args_kwargs == {"args": [job.pk], "kwargs": {}}

    client = Client()
    client.force_login(owner)
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "分三步" in page and "排队中" in page
    page_reader["client"] = client

    with signals_kept():  # django-tasks-db's worker, as `lianfang jobs work` starts it
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )

    # while it ran, the progress page showed each step as it was reached
    assert len(seen_pages) == 3
    for step, body in enumerate(seen_pages, start=1):
        assert f"第 {step} 步".encode() in body and b"hx-trigger" in body
    finished = DBTaskResult.objects.get(id=job.task_id)
    assert finished.status == TaskResultStatus.SUCCESSFUL
    assert finished.return_value == {"job": job.pk, "ran": True, "status": "done"}
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == ("done", 3, 3, 1)
    fragment = client.get(reverse("core:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "三步走完" in fragment.content.decode()
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert b"".join(download.streaming_content).decode() == "走完了"
    other = Client()
    other.force_login(world.users["commission_integrity"])
    assert other.get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_an_unexpected_error_fails_the_job_for_the_user_and_the_task_for_the_operator(world):
    job = jobs.enqueue("test.tasks_db_crash", actor=world.users["integrity"])
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "a detail" not in job.error and "系统管理员" in job.error
    record = DBTaskResult.objects.get(id=job.task_id)
    assert record.status == TaskResultStatus.FAILED
    assert record.exception_class_path == "builtins.RuntimeError"
    assert "a detail for the log" in record.traceback


def test_no_job_and_no_task_when_the_write_that_asked_rolls_back(world):
    with transaction.atomic():
        jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
        transaction.set_rollback(True)
    assert not Job.objects.exists() and not DBTaskResult.objects.exists()


def test_a_second_task_for_a_job_already_taken_does_nothing(world):
    job = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    jobs.task_for_jobs().enqueue(job.pk)  # e.g. recovery gave it a new task meanwhile
    assert jobs.run_pending() == 1
    results = list(
        DBTaskResult.objects.order_by("enqueued_at").values_list("return_value", flat=True)
    )
    assert [r["ran"] for r in results] == [True, False]


def test_the_demo_runs_jobs_in_a_thread_of_the_web_process(transactional_db, world, settings):
    """`make demo` starts no worker: the first job starts one thread in the server, which
    drains the queue whenever a job is queued; it ends when the mode is switched off."""
    settings.LIANFANG_JOBS = "thread"

    def wait_until_done(job):
        deadline = time.monotonic() + 60  # a bound for a slow machine, not a measurement
        while Job.objects.get(pk=job.pk).status != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert Job.objects.get(pk=job.pk).status == "done"

    job = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    thread = jobs._thread
    assert thread is not None and thread.is_alive()
    wait_until_done(job)
    wait_until_done(jobs.enqueue("test.tasks_db", actor=world.users["integrity"]))
    assert jobs._thread is thread  # the same thread took the second one
    settings.LIANFANG_JOBS = "worker"
    jobs._wake.set()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert not Job.objects.exclude(status="done").exists()


def test_the_worker_command_runs_the_database_worker_once(world):
    job = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    out = StringIO()
    call_command("jobs", "work", "--once", stdout=out)
    assert f"job #{job.pk} done" in out.getvalue()


# The schedule ------------------------------------------------------------------------------

ticked = []


@task()
def count_tick() -> int:
    ticked.append(1)
    return len(ticked)


@pytest.fixture
def registered():
    """A schedule of the test's own, every day at 03:10 (the registry restored after)."""
    kept = dict(schedule.SCHEDULES)
    schedule.SCHEDULES.clear()
    ticked.clear()
    schedule.register("test.count", count_tick, every=schedule.DAY, at=dt.time(3, 10))
    yield schedule.SCHEDULES["test.count"]
    schedule.SCHEDULES.clear()
    schedule.SCHEDULES.update(kept)


def local(*args):
    return timezone.make_aware(dt.datetime(*args), timezone.get_default_timezone())


def test_slots_are_counted_in_local_time_from_the_time_of_day(registered):
    assert registered.next_after(local(2026, 12, 7, 2, 0)) == local(2026, 12, 7, 3, 10)
    assert registered.next_after(local(2026, 12, 7, 3, 10)) == local(2026, 12, 8, 3, 10)
    every_five = schedule.Schedule("x", count_tick, 5 * schedule.MINUTE)
    assert every_five.next_after(local(2026, 12, 7, 9, 2, 30)) == local(2026, 12, 7, 9, 5)


def test_registering_refuses_what_the_scheduler_cannot_run(registered):
    with pytest.raises(TypeError):
        schedule.register("test.plain", lambda: None, every=schedule.DAY)
    with pytest.raises(ValueError):
        schedule.register("test.fast", count_tick, every=dt.timedelta(seconds=10))


def test_a_slot_is_enqueued_once_and_missed_slots_once_in_all(db, registered):
    first = local(2026, 12, 7, 2, 0)
    assert schedule.tick(first) == []  # first seen: its next slot is set, nothing runs
    assert ScheduledRun.objects.get().next_at == local(2026, 12, 7, 3, 10)
    assert schedule.tick(local(2026, 12, 7, 3, 9, 59)) == []
    assert schedule.tick(local(2026, 12, 7, 3, 10)) == ["test.count"]
    assert schedule.tick(local(2026, 12, 7, 3, 10, 30)) == []  # the slot has moved on
    row = ScheduledRun.objects.get()
    assert row.next_at == local(2026, 12, 8, 3, 10)
    assert DBTaskResult.objects.get(id=row.last_task_id).task_path.endswith("count_tick")
    # the scheduler was down for three days: the task runs once when it is back
    assert schedule.tick(local(2026, 12, 11, 8, 0)) == ["test.count"]
    assert ScheduledRun.objects.get().next_at == local(2026, 12, 12, 3, 10)
    assert DBTaskResult.objects.count() == 2
    jobs.run_pending()
    assert ticked == [1, 1]
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()


def test_two_schedulers_do_not_enqueue_one_slot_twice(db, registered):
    schedule.tick(local(2026, 12, 7, 2, 0))
    due = ScheduledRun.objects.get().next_at
    now = local(2026, 12, 7, 3, 10, 5)
    assert schedule._enqueue_slot(registered, due, now) is True
    assert schedule._enqueue_slot(registered, due, now) is False  # the other one lost the race
    assert DBTaskResult.objects.count() == 1


def test_the_schedule_commands(db, registered):
    schedule.tick(local(2026, 12, 7, 2, 0))
    out = StringIO()
    call_command("schedule", "list", stdout=out)
    assert "test.count: every 1 day, 0:00:00 at 03:10; next 2026-12-07 03:10" in out.getvalue()
    call_command("schedule", "run-now", "test.count", stdout=StringIO())
    assert DBTaskResult.objects.count() == 1
    ScheduledRun.objects.update(next_at=timezone.now() - schedule.MINUTE)
    out = StringIO()
    call_command("schedule", "tick", stdout=out)
    assert "enqueued test.count" in out.getvalue() and DBTaskResult.objects.count() == 2
    out = StringIO()
    call_command("schedule", "tick", stdout=out)
    assert out.getvalue() == ""


def test_core_registers_its_periodic_work():
    assert {
        "core.recover_jobs",
        "core.purge_job_files",
        "core.purge_orphan_attachments",
        "core.prune_task_results",
    } <= set(schedule.SCHEDULES)
    assert schedule.SCHEDULES["core.recover_jobs"].every == dt.timedelta(minutes=5)


# Core's periodic tasks -----------------------------------------------------------------------


def test_recovery_gives_a_dead_workers_job_a_new_task(world):
    job = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    job.refresh_from_db()
    first_task = job.task_id
    # a worker took the task and the job, then died
    DBTaskResult.objects.filter(id=first_task).update(status=TaskResultStatus.RUNNING)
    jobs.claim(job.pk)
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=jobs.STALE_AFTER + 5)
    )
    assert core_tasks.recover_jobs.call() == {"requeued": 1, "resubmitted": 0}
    job.refresh_from_db()
    assert job.status == "queued" and job.task_id != first_task
    assert DBTaskResult.objects.get(id=first_task).status == TaskResultStatus.FAILED
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)


def test_a_job_that_keeps_losing_its_worker_is_failed_not_retried_for_ever(world):
    """e.g. an export that outlasts RQ's timeout: each try is killed, the job must stop."""
    job = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    old = timezone.now() - dt.timedelta(seconds=jobs.STALE_AFTER + 5)
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        assert jobs.claim(job.pk) is not None  # a worker takes it, and dies
        Job.objects.filter(pk=job.pk).update(heartbeat_at=old)
        assert jobs.requeue_stale() == (1 if attempt < jobs.MAX_ATTEMPTS else 0)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", jobs.MAX_ATTEMPTS)
    assert "多次中断" in job.error and job.finished_at is not None
    assert jobs.run_pending() == 0  # the tasks still queued find nothing to run


def test_recovery_resubmits_a_queued_job_whose_task_is_gone(world):
    job = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    DBTaskResult.objects.all().delete()  # the queue lost it
    assert jobs.resubmit_lost() == 0  # too young to tell from a job about to be submitted
    Job.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=jobs.STALE_AFTER + 5)
    )
    assert jobs.resubmit_lost() == 1
    assert jobs.resubmit_lost() == 0  # its new task waits
    assert jobs.run_pending() == 1


def test_purging_old_job_files_is_a_scheduled_task(world, settings):
    job = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    jobs.run_pending()
    job.refresh_from_db()
    assert core_tasks.purge_job_files.call() == {"purged": 0}
    Job.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=settings.LIANFANG_JOB_FILES_DAYS + 1)
    )
    assert core_tasks.purge_job_files.call() == {"purged": 1}
    assert jobs.result_file(job) is None


def test_pruning_keeps_recent_task_records(world, settings):
    jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    jobs.run_pending()
    old, recent = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(id=old.id).update(
        finished_at=timezone.now() - dt.timedelta(days=settings.LIANFANG_TASK_RESULTS_DAYS + 1)
    )
    waiting = jobs.enqueue("test.tasks_db", actor=world.users["integrity"])
    DBTaskResult.objects.filter(id=waiting.task_id).update(
        enqueued_at=timezone.now() - dt.timedelta(days=365)
    )
    assert core_tasks.prune_task_results.call() == {"deleted": 1}
    remaining = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert remaining == {str(recent.id), waiting.task_id}


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_orphaned_attachment_files_are_purged_after_a_day(world, settings, tmp_path):
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachments.store.__dict__.pop("storage", None)
    register_use(
        AttachmentUse(
            code="test_orphans",
            label="测试",
            types=("application/pdf",),
            max_bytes=10_000,
            may_read=lambda user, target: True,
        )
    )
    actor, target = world.users["integrity"], world.hospital

    def save():
        return attachments.attachment_save(
            actor=actor, use="test_orphans", target=target, upload=SimpleUploadedFile("a.pdf", PDF)
        )

    try:
        kept = save()
        withdrawn = save()
        with transaction.atomic():  # the outer write failed after the file was saved
            save()
            transaction.set_rollback(True)
        Attachment.objects.filter(pk=withdrawn.pk).update(deleted_at=timezone.now())
        root = settings.LIANFANG_ATTACHMENTS_DIR
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.bin"))
        assert len(files) == 3 and Attachment.objects.count() == 2
        assert attachments.purge_orphans() == 0  # all younger than a day
        tomorrow = time.time() + attachments.ORPHAN_GRACE + 60
        assert attachments.purge_orphans(now=tomorrow) == 2
        assert [p.relative_to(root).as_posix() for p in root.rglob("*.bin")] == [kept.path]
        assert attachments.attachment_content(kept) == PDF
        assert core_tasks.purge_orphan_attachments.call() == {"purged": 0}
    finally:
        attachments.store.__dict__.pop("storage", None)
