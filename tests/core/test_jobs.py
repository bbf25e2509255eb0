"""Background jobs (core.jobs): queued with the write that asks for them, run once, progress
and outcome recorded, seen only by the person who started them."""

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lianfang.core import jobs
from lianfang.core.models import AuditEvent, Job

ran = []


@jobs.handler("test.count", "数一数")
def count_job(job, progress):
    total = job.params["n"]
    for i in range(1, total + 1):
        progress(i, total, f"第 {i} 个", force=True)
    ran.append(job.pk)
    path = jobs.result_path(job, "结果.txt")
    path.write_text("一二三", encoding="utf-8")
    return {"file": path.name, "filename": "结果.txt", "summary": "数完了"}


@jobs.handler("test.refuse", "拒绝")
def refuse_job(job, progress):
    raise jobs.JobError("方案已停用，未执行。")


@jobs.handler("test.crash", "出错")
def crash_job(job, progress):
    raise RuntimeError("internal detail that users must not see")


@pytest.fixture(autouse=True)
def _reset():
    ran.clear()


def test_a_job_exists_only_if_the_write_that_queued_it_committed(world):
    with transaction.atomic():
        jobs.enqueue("test.count", actor=world.users["integrity"], params={"n": 1})
        transaction.set_rollback(True)
    assert not Job.objects.exists()


def test_unknown_kinds_are_refused(world):
    with pytest.raises(ValueError):
        jobs.enqueue("test.nothing", actor=world.users["integrity"])


def test_a_job_runs_once_with_its_progress_result_and_audit(world):
    user = world.users["integrity"]
    job = jobs.enqueue("test.count", actor=user, organisation=world.hospital, params={"n": 3})
    assert job.status == Job.Status.QUEUED
    assert AuditEvent.objects.filter(action="job.enqueue", object_id=str(job.pk)).exists()
    assert jobs.run_pending() == 1
    assert jobs.run_pending() == 0  # nothing runs twice
    job.refresh_from_db()
    assert ran == [job.pk]
    assert (job.status, job.done, job.total, job.percent) == ("done", 3, 3, 100)
    assert job.message == "第 3 个" and job.attempts == 1
    assert job.started_at <= job.finished_at
    assert jobs.result_file(job).read_text(encoding="utf-8") == "一二三"


def test_a_claimed_job_cannot_be_claimed_again(world):
    job = jobs.enqueue("test.count", actor=world.users["integrity"], params={"n": 1})
    assert jobs.claim(job.pk) is not None
    assert jobs.claim(job.pk) is None
    assert jobs.claim() is None


def test_failures_keep_a_message_for_the_user_and_hide_internals(world):
    user = world.users["integrity"]
    refused = jobs.enqueue("test.refuse", actor=user)
    crashed = jobs.enqueue("test.crash", actor=user)
    assert jobs.run_pending() == 2
    refused.refresh_from_db()
    crashed.refresh_from_db()
    assert (refused.status, refused.error) == ("failed", "方案已停用，未执行。")
    assert crashed.status == "failed"
    assert "internal detail" not in crashed.error and "系统管理员" in crashed.error


def test_jobs_whose_runner_stopped_go_back_to_the_queue(world):
    job = jobs.enqueue("test.count", actor=world.users["integrity"], params={"n": 1})
    jobs.claim(job.pk)
    assert jobs.requeue_stale() == 0  # its heartbeat is fresh
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=jobs.STALE_AFTER + 5)
    )
    assert jobs.requeue_stale() == 1
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)


def test_the_worker_command_runs_what_is_queued(world):
    job = jobs.enqueue("test.count", actor=world.users["integrity"], params={"n": 2})
    out = StringIO()
    call_command("jobs", "work", "--once", stdout=out)
    job.refresh_from_db()
    assert job.status == "done" and f"job #{job.pk} done" in out.getvalue()
    out = StringIO()
    call_command("jobs", "list", stdout=out)
    assert f"#{job.pk} test.count done 2/2" in out.getvalue()


def test_job_pages_show_progress_and_the_file_to_their_owner_only(world, login):
    owner = world.users["integrity"]
    job = jobs.enqueue("test.count", actor=owner, organisation=world.hospital, params={"n": 2})
    client = login(owner)
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "数一数" in page and "排队中" in page and 'hx-trigger="every 2s"' in page
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404
    jobs.run_pending()
    fragment = client.get(reverse("core:job_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "数完了" in body and "hx-trigger" not in body
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode() == "一二三"
    listing = client.get(reverse("core:job_list")).content.decode()
    assert "数一数" in listing and "100%" in listing
    other = login(world.users["commission_integrity"])
    for name in ("core:job_detail", "core:job_download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert "数一数" not in other.get(reverse("core:job_list")).content.decode()


def test_the_job_list_has_an_empty_state(world, login):
    page = login(world.users["staff"]).get(reverse("core:job_list")).content.decode()
    assert 'data-testid="empty-state"' in page and "还没有后台任务" in page


def test_purge_deletes_old_files_and_keeps_the_record(world, login):
    user = world.users["integrity"]
    old = jobs.enqueue("test.count", actor=user, params={"n": 1})
    new = jobs.enqueue("test.count", actor=user, params={"n": 1})
    jobs.run_pending()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    out = StringIO()
    call_command("jobs", "purge", "--days", "7", stdout=out)
    assert "purged the files of 1 job(s)" in out.getvalue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert jobs.result_file(old) is None and jobs.result_file(new) is not None
    page = login(user).get(reverse("core:job_detail", args=[old.pk])).content.decode()
    assert "文件已过保存期限" in page


def test_the_job_page_in_english(world, client):
    user = world.users["integrity"]
    job = jobs.enqueue("test.count", actor=user, params={"n": 2})
    jobs.run_pending()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "2 of 2 processed (100%)" in page and "Done" in page
    assert "（" not in page.split('id="lf-job-status"')[1].split("</div>")[0]


def test_in_thread_mode_the_job_page_restarts_a_job_left_in_the_queue(
    world, login, settings, monkeypatch
):
    """A demo server that restarted leaves its queued jobs with nobody to run them."""
    user = world.users["integrity"]
    job = jobs.enqueue("test.count", actor=user, params={"n": 1})
    started = []
    monkeypatch.setattr(jobs, "_dispatch", started.append)
    login(user).get(reverse("core:job_detail", args=[job.pk]))
    assert started == []  # worker mode: the worker polls the queue
    settings.LIANFANG_JOBS = "thread"
    login(user).get(reverse("core:job_detail", args=[job.pk]))
    assert started == [job.pk]
    jobs.run_pending()
    login(user).get(reverse("core:job_detail", args=[job.pk]))
    assert started == [job.pk]  # a finished job is left alone


def test_work_that_cannot_count_its_steps_shows_a_moving_bar(world, login):
    user = world.users["integrity"]
    job = jobs.enqueue("test.count", actor=user, params={"n": 1})
    job = jobs.claim(job.pk)
    jobs.Progress(job)(0, None, "正在排版 PDF……", force=True)
    page = login(user).get(reverse("core:job_detail", args=[job.pk])).content.decode()
    panel = page.split('id="lf-job-status"')[1].split('<p class="small text-muted')[0]
    assert "正在排版 PDF……" in page and 'aria-valuenow="100"' in panel
    assert "progress-bar-animated" in panel and "已处理" not in page
