"""Benchmark of the investigation campaigns at scale (issue 14, Performance).

    .venv/bin/python bench/campaigns.py [--scale 20] [--reps 30] [--sqlite URL] [--rebuild]
                                        [--baseline REV] [--skip-commitments]

Builds `lianfang demo --scale N` (N hospitals of ~1,500 staff each under the commission, the
realistic register) once into var/bench/campaigns-scale<N>.sqlite3 (or `--sqlite`) and
analyses it. Each measurement then runs in a child process on a scratch copy of that file
(the campaigns it opens and the commitments it generates are thrown away with the copy), so
a rerun measures the same rows:

1. **Opening the commission's campaign.** A campaign belongs to one organisation and gives
   tasks to its own departments and staff; the commission's year is the campaign of each of
   its hospitals. As the commission's integrity officer (`wjw`), for every hospital: create
   the campaign (`campaign_create`) and open it (`campaign_open`, the request), then run the
   jobs it queued (`core.jobs.run_pending`, as the worker would). Then the same for hospital
   1 once more with `INLINE_TASKS` at 0, so its tasks are made by the background job
   (`campaigns.open`), its progress watched from another connection every 0.2 s as the job
   page reads it. Target: the whole commission's tasks (30,000 staff at --scale 20) < 30 s.
2. **The progress page** (`campaigns:detail`) of hospital 1's campaign, its tasks given
   seeded statuses, returns and the demo's phase dates (so every cell has numbers), as the
   hospital's integrity office (`integrity`) and the commission's (`wjw`): Django test
   Client in-process, 3 warm-up requests then `--reps` timed ones, median and p95. The
   queries of one request at two sizes, as `wjw`: a campaign of 5 departments (hospital 2,
   which hospital 1's office cannot open) and the whole hospital 1. Target: p95 < 150 ms,
   the same number of queries.
3. **1,500 commitments as a job**: bench/commitments.py's measurement (`generate_timed`)
   for hospital 1, next year. Target: < 60 s, with progress.

With `--baseline REV`, the same child runs first with the code of git revision REV (its src/
from `git archive`) on its own scratch copy, and the figures are printed side by side.

Not part of the test suite; figures depend on the machine (see bench/README.md).
"""

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.flows import checkout, percentile  # noqa: E402

OPEN_TARGET_S = 30
PAGE_TARGET_MS = 150
SMALL_SCOPE = 5  # departments of the small campaign whose queries are counted


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=20, help="hospitals of 1,500 staff (20)")
    parser.add_argument("--reps", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--sqlite", help="SQLite DATABASE_URL of the built demo")
    parser.add_argument("--rebuild", action="store_true", help="build the demo again")
    parser.add_argument("--baseline", metavar="REV", help="also measure REV's code, first")
    parser.add_argument("--skip-commitments", action="store_true")
    parser.add_argument("--phase", choices=["measure"], help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def database_path(args) -> Path:
    if args.sqlite:
        return Path(args.sqlite.removeprefix("sqlite:///"))
    return ROOT / "var" / "bench" / f"campaigns-scale{args.scale}.sqlite3"


def setup(url: str, src: str | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    os.environ["LIANFANG_JOBS"] = "worker"  # this process runs the jobs (no worker thread)
    sys.path.insert(0, src or str(ROOT / "src"))
    import django

    django.setup()


def load() -> float:
    return os.getloadavg()[0]


# Building (the parent) ---------------------------------------------------------------------------


def build(args) -> dict:
    path = database_path(args)
    if args.rebuild and path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    setup(f"sqlite:///{path}")
    from django.core.management import call_command
    from django.db import connection

    from lianfang.demo.services import demo_exists, demo_load
    from lianfang.org.models import Organisation, Person

    call_command("migrate", verbosity=0)
    if not demo_exists():
        started = time.monotonic()
        demo_load(scale=args.scale, progress=lambda m: print("  " + m, flush=True))
        print(f"demo built in {time.monotonic() - started:.0f} s", flush=True)
    hospitals = Organisation.objects.filter(kind=Organisation.Kind.HOSPITAL).count()
    if hospitals != args.scale:
        sys.exit(f"{path} holds {hospitals} hospitals, not --scale {args.scale}: --rebuild")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copies take the file alone
    info = {
        "hospitals": hospitals,
        "staff": Person.objects.active().count(),
        "sqlite": connection.Database.sqlite_version,
    }
    connection.close()
    return info


def scratch(path: Path, label: str) -> Path:
    copy = path.with_name(f"{path.stem}.{label}.run.sqlite3")
    shutil.copyfile(path, copy)
    return copy


def child(args, label: str, src: str | None) -> dict:
    """One measurement (ours, or the baseline's code with `src`) on a scratch copy."""
    copy = scratch(database_path(args), label)
    out = copy.with_suffix(".json")
    command = [sys.executable, __file__, "--phase", "measure", "--db", f"sqlite:///{copy}"]
    command += ["--out", str(out), "--reps", str(args.reps), "--scale", str(args.scale)]
    command += ["--src", src] if src else []
    command += ["--skip-commitments"] if args.skip_commitments else []
    try:
        subprocess.run(command, check=True)  # noqa: S603 (our own script, our arguments)
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        for leftover in (copy, out, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)


# Measuring (the child) ---------------------------------------------------------------------------


def campaign_data(name: str, year: int, departments=None) -> dict:
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    start = today - dt.timedelta(days=30)
    phases, day = {}, start
    # the demo's shape: 查找风险 ended (not started counts as late), the filing phase runs
    for phase, days in (("mobilise", 5), ("find", 20), ("file", 20), ("measures", 20)):
        phases[phase] = (day, day + dt.timedelta(days=days - 1))
        day += dt.timedelta(days=days)
    phases["inspect"] = (day, day + dt.timedelta(days=30))
    return {
        "name": name,
        "year": year,
        "scope": "departments" if departments else "whole",
        "departments": departments or [],
        "phases": phases,
    }


def open_campaign(actor, hospital, name, year, departments=None) -> dict:
    """Create and open a campaign of `hospital` as the request would, then run the job it
    queued (if any) as the worker would; the times of both and the tasks made."""
    from django.db import transaction

    from lianfang.campaigns import services
    from lianfang.campaigns.models import CampaignTask
    from lianfang.core import jobs

    campaign = services.campaign_create(
        actor=actor, organisation=hospital, data=campaign_data(name, year, departments)
    )
    started = time.monotonic()
    with transaction.atomic():
        opened = services.campaign_open(actor=actor, campaign=campaign)
    request = time.monotonic() - started
    job = opened._job
    samples = []
    if job is not None:
        samples = watch_job(job.pk, jobs.run_pending)
    total = time.monotonic() - started
    tasks = CampaignTask.objects.filter(campaign=campaign).count()
    return {
        "campaign": campaign.pk,
        "tasks": tasks,
        "request": request,
        "total": total,
        "job": job.pk if job else None,
        "samples": samples,
    }


def watch_job(job_pk: int, run, every: float = 0.2) -> list:
    """Run `run()` while another thread reads the job's progress every `every` seconds (its
    own connection, as the job page would, though the page polls less often)."""
    from lianfang.core.models import Job

    samples, stop = [], threading.Event()
    started = time.monotonic()

    def watch():
        from django.db import connection

        while not stop.wait(every):
            row = Job.objects.filter(pk=job_pk).values("done", "total").first()
            samples.append((round(time.monotonic() - started, 1), row["done"], row["total"]))
        connection.close()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    run()
    stop.set()
    watcher.join()
    return samples


def measure_opening(results: dict, hospitals, wjw, year: int) -> None:
    from lianfang.campaigns import services
    from lianfang.campaigns.models import Campaign

    # the demo's own campaign under way in hospital 1 would refuse a second open one
    Campaign.objects.filter(state=Campaign.State.OPEN).update(state=Campaign.State.CLOSED)
    load_before = load()
    started = time.monotonic()
    rows = []
    for hospital in hospitals:
        rows.append(open_campaign(wjw, hospital, "基准排查", year))
    elapsed = time.monotonic() - started
    results["commission"] = {
        "hospitals": len(hospitals),
        "tasks": sum(r["tasks"] for r in rows),
        "seconds": elapsed,
        "slowest": max(r["total"] for r in rows),
        "median": statistics.median(r["total"] for r in rows),
        "jobs": sum(1 for r in rows if r["job"]),
        "load": [round(load_before, 1), round(load(), 1)],
    }
    # hospital 1 again, its tasks made by the background job whatever their number
    first = Campaign.objects.get(pk=rows[0]["campaign"])
    services.campaign_close(actor=wjw, campaign=first)
    inline, services.INLINE_TASKS = services.INLINE_TASKS, 0
    try:
        run = open_campaign(wjw, hospitals[0], "基准排查（后台任务）", year)
    finally:
        services.INLINE_TASKS = inline
    run["load"] = round(load(), 1)
    results["job"] = run


def shuffle_progress(campaign_pk: int) -> dict:
    """Seeded statuses and returns for the campaign's tasks (every cell of the page has a
    number): 30% filed, 25% drafting, 15% in review, 10% returned, the rest not started."""
    from lianfang.campaigns.models import CampaignTask

    rng = random.Random(14)
    ids = list(CampaignTask.objects.filter(campaign_id=campaign_pk).values_list("pk", flat=True))
    groups = {}
    for pk in ids:
        roll = rng.random()
        status = (
            "filed"
            if roll < 0.30
            else "drafting"
            if roll < 0.55
            else "in_review"
            if roll < 0.70
            else "returned"
            if roll < 0.80
            else "not_started"
        )
        groups.setdefault(status, []).append(pk)
    for status, pks in groups.items():
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            CampaignTask.objects.filter(pk__in=chunk).update(
                status=status, return_count=2 if status == "returned" else 0
            )
    return {s: len(p) for s, p in groups.items()}


def measure_page(results: dict, reps: int, hospitals, wjw, year: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lianfang.accounts.models import User
    from lianfang.campaigns.models import Campaign
    from lianfang.org.models import Department

    big = results["job"]["campaign"]
    results["statuses"] = shuffle_progress(big)
    # a small campaign: 5 departments of hospital 2 (its whole campaign closed first)
    second = Campaign.objects.filter(organisation=hospitals[1], state=Campaign.State.OPEN)
    second.update(state=Campaign.State.CLOSED)
    five = list(Department.objects.filter(organisation=hospitals[1], active=True)[:SMALL_SCOPE])
    small = open_campaign(wjw, hospitals[1], "基准排查（5 个科室）", year, departments=five)
    shuffle_progress(small["campaign"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    office = User.objects.get(username="integrity")
    pages = {}
    for label, user in (("integrity", office), ("wjw", wjw)):
        client = Client()
        client.force_login(user)
        url = reverse("campaigns:detail", args=[big])
        for _ in range(3):
            assert client.get(url).status_code == 200
        times = []
        load_before = load()
        for _ in range(reps):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        counts = []
        # the small campaign is hospital 2's: only the commission's officer opens both
        for pk in (small["campaign"], big) if label == "wjw" else (big,):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(reverse("campaigns:detail", args=[pk]))
            assert response.status_code == 200
            rows = response.content.decode().count('data-testid="progress-row"')
            counts.append((len(ctx.captured_queries), rows))
        pages[label] = {
            "median": statistics.median(times),
            "p95": percentile(times, 95),
            "counts": counts,
            "load": [round(load_before, 1), round(load(), 1)],
        }
    results["page"] = pages
    results["page_tasks"] = results["job"]["tasks"]


def measure(args) -> None:
    setup(args.db, args.src)
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from lianfang.accounts.models import User
    from lianfang.org.models import Organisation

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    hospitals = list(Organisation.objects.filter(kind=Organisation.Kind.HOSPITAL).order_by("pk"))
    wjw = User.objects.get(username="wjw")
    year = timezone.localdate().year + 1
    results = {"debug": settings.DEBUG}
    print(f"  开通 {len(hospitals)} 家医院的排查……", flush=True)
    measure_opening(results, hospitals, wjw, year)
    print("  进度页计时……", flush=True)
    measure_page(results, args.reps, hospitals, wjw, year)
    if not args.skip_commitments:
        print("  生成承诺书（后台任务）……", flush=True)
        sys.path.insert(0, str(ROOT / "bench"))
        from commitments import generate_timed

        office = User.objects.get(username="integrity")
        run = generate_timed(hospitals[0], office, year)
        run["load"] = round(load(), 1)
        results["commitments"] = run
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


# Reporting (the parent) ---------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(args, info: dict, runs: list[tuple[str, dict]]) -> None:
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(
        f"\n风险排查基准 · --scale {args.scale} · {now} · "
        f"{platform.node()} · {os.cpu_count()} 核 · sqlite {info['sqlite']} · "
        f"DEBUG={runs[0][1]['debug']} · 负载 {load():.1f}"
    )
    print(f"  医院 {info['hospitals']} 家，在岗人员 {info['staff']:,} 人")
    print("\n== 开通卫健委的年度排查（各医院的排查：创建、发布、运行其任务）==")
    for label, r in runs:
        c = r["commission"]
        print(
            f"  {label:<14} {c['hospitals']} 家医院 {c['tasks']:,} 项任务"
            f"  用时 {c['seconds']:6.1f} 秒（每家中位 {c['median']:.2f} 秒，"
            f"最慢 {c['slowest']:.2f} 秒；后台任务 {c['jobs']} 个）"
            f"  目标 < {OPEN_TARGET_S} 秒  {verdict(c['seconds'] < OPEN_TARGET_S)}"
            f"  负载 {c['load'][0]}→{c['load'][1]}"
        )
    print("\n== 一家医院的排查任务由后台任务创建（INLINE_TASKS=0）==")
    for label, r in runs:
        j = r["job"]
        print(
            f"  {label:<14} {j['tasks']:,} 项任务  请求 {j['request'] * 1000:.0f} ms（排队）"
            f"  任务完成共 {j['total']:.1f} 秒  负载 {j['load']}"
        )
        print(
            f"  {'':<14} 任务页所见进度（秒，完成，总数）：{j['samples'][:3]} … {j['samples'][-2:]}"
        )
    print(
        f"\n== 进度页 campaigns:detail（{runs[0][1]['page_tasks']:,} 项任务，预热 3 次后计时 "
        f"{args.reps} 次）与查询数（{SMALL_SCOPE} 个科室 / 全院）=="
    )
    for label, r in runs:
        for who, p in r["page"].items():
            if len(p["counts"]) == 2:
                (q_small, rows_small), (q_big, rows_big) = p["counts"]
                queries = (
                    f"  查询 {q_small}（{rows_small} 行）/ {q_big}（{rows_big} 行）"
                    f"  {verdict(q_small == q_big)}"
                )
            else:
                queries = f"  查询 — / {p['counts'][0][0]}（{p['counts'][0][1]} 行）"
            print(
                f"  {label:<14} {who:<10} 中位数 {p['median']:7.1f} ms  p95 {p['p95']:7.1f} ms"
                f"  目标 p95 < {PAGE_TARGET_MS} ms  {verdict(p['p95'] < PAGE_TARGET_MS)}"
                f"{queries}  负载 {p['load'][0]}→{p['load'][1]}"
            )
    if all("commitments" in r for _, r in runs):
        print("\n== 生成一家医院的廉政承诺书（后台任务，bench/commitments.py）==")
        for label, r in runs:
            c = r["commitments"]
            samples = c["samples"]
            print(
                f"  {label:<14} {c['made']:,} 份（{c['staff']:,} 人，"
                f"复制风险点 {c['points']:,} 个）  用时 {c['seconds']:.1f} 秒  目标 < 60 秒  "
                f"{verdict(c['ok'] and c['seconds'] < 60)}"
                f"  负载 {c['load']}"
            )
            print(f"  {'':<14} 任务页所见进度（秒，完成，总数）：{samples[:3]} … {samples[-2:]}")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.phase == "measure":
        measure(args)
        return
    info = build(args)
    runs = []
    if args.baseline:
        label, src = checkout(args.baseline)
        print(f"基线 {label} ……", flush=True)
        runs.append((f"基线 {label}", child(args, f"base-{label}", src)))
    print("本版 ……", flush=True)
    runs.append(("本版", child(args, "ours", None)))
    report(args, info, runs)


if __name__ == "__main__":
    main()
