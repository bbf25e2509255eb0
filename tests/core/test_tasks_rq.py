"""Jobs on the RQ backend (LIANFANG_TASKS=rq), end to end against the real Redis at
127.0.0.1:6379 and a real RQ worker: `lianfang jobs work --once` in a process of its own, as
a worker on another machine would run it, with the site's environment pointing at this test's
database. Skipped, saying why, only when no Redis answers (`.ci/run` starts one)."""

import os
import subprocess
import sys
import uuid
from urllib.parse import quote

import pytest
import redis
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django_tasks import TaskResultStatus

from lianfang.core import jobs
from lianfang.core.models import Job
from lianfang.risks import jobs as risk_jobs

REDIS_URL = os.environ.get("LIANFANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis answers at {REDIS_URL} ({exc}): start redis-server to test RQ")
    return client


def database_url() -> str:
    """The URL of this test's database, for the worker's process."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = quote(params.get("USER") or "")
    password = f":{quote(params['PASSWORD'])}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}"


@pytest.fixture
def rq_backend(settings):
    """The RQ backend on a queue of this test's own (other runs may share the Redis)."""
    client = redis_or_skip()
    queue = f"lianfang-test-{uuid.uuid4().hex[:12]}"
    settings.LIANFANG_TASKS = "rq"
    settings.LIANFANG_TASK_QUEUE = queue
    settings.RQ_QUEUES = {
        name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in ("default", queue)
    }
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", queue]}
    }
    yield queue
    import django_rq

    django_rq.get_queue(queue).empty()
    for key in client.scan_iter(f"rq:*{queue}*"):
        client.delete(key)


def test_a_job_runs_on_an_rq_worker_in_another_process(
    transactional_db, world, rq_backend, settings, tmp_path
):
    import django_rq

    settings.MEDIA_ROOT = tmp_path / "media"
    owner = world.users["integrity"]
    job = jobs.enqueue(risk_jobs.EXPORT_REGISTER, actor=owner, params={"query": ""})
    job.refresh_from_db()
    # enqueued once the transaction committed: the job waits in this test's Redis queue
    assert job.task_id and job.status == Job.Status.QUEUED
    assert django_rq.get_queue(rq_backend).job_ids == [job.task_id]
    assert jobs.run_job.get_backend().get_result(job.task_id).status == TaskResultStatus.READY

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "LIANFANG_TASKS": "rq",
        "LIANFANG_REDIS_URL": REDIS_URL,
        "LIANFANG_TASK_QUEUE": rq_backend,
        "LIANFANG_JOBS": "worker",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    worker = subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "lianfang.cli", "jobs", "work", "--once", "--queue", rq_backend],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr

    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (Job.Status.DONE, "", 1)
    assert job.result["rows"] == job.total and job.done == job.total
    result = jobs.run_job.get_backend().get_result(job.task_id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"job": job.pk, "ran": True, "status": "done"}
    assert django_rq.get_queue(rq_backend).job_ids == []

    client = Client()
    client.force_login(owner)
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "已完成" in page and "已导出" in page
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an xlsx workbook


def test_with_rq_a_job_is_sent_once_the_write_that_asked_commits(
    db, world, rq_backend, django_capture_on_commit_callbacks
):
    """RQ's queue is not in the transaction: the task is sent after the commit, and a write
    rolled back sends none."""
    import django_rq

    queue = django_rq.get_queue(rq_backend)
    with django_capture_on_commit_callbacks(execute=False) as rolled_back:
        with transaction.atomic():
            jobs.enqueue(risk_jobs.EXPORT_REGISTER, actor=world.users["integrity"])
            transaction.set_rollback(True)
    assert rolled_back == [] and queue.count == 0
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue(risk_jobs.EXPORT_REGISTER, actor=world.users["integrity"])
        assert queue.count == 0  # not before the commit
    job.refresh_from_db()
    assert queue.job_ids == [job.task_id]
