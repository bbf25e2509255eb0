"""Benchmark: a hospital's commitments generated at once (issue 14, Performance: "Generating
1,500 commitments for a hospital takes < 60 s as a job, with progress").

    .venv/bin/python bench/commitments.py [--sqlite URL] [--rebuild] [--year 2027]

Builds `lianfang demo` (one hospital of 1,500 staff with its register) once in
var/bench/commitments.sqlite3 (or the database of `--sqlite`), then, as the hospital's
integrity office, queues the `commitments.generate` job for a year no commitment exists for
yet (next year by default; the service takes this year or the next, so a rerun needs the other
one, or `--rebuild`) and runs it through `core.jobs` in this process, as the worker would. It
prints the wall-clock time, the commitments made, the points copied, and the job's progress
as the job page would have read it. The write is the bulk writer
(`commitments.services.commitments_generate`): the same content builder as the single
service, 250 people per transaction, one `record_many` per chunk.

Not part of the test suite; figures depend on the machine (see bench/README.md).
"""

import argparse
import os
import platform
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", help="SQLite DATABASE_URL (default var/bench/…)")
    parser.add_argument("--rebuild", action="store_true", help="build the demo again")
    parser.add_argument("--year", type=int, help="the year to generate (default: next year)")
    return parser.parse_args(argv)


def setup(args) -> None:
    path = ROOT / "var" / "bench" / "commitments.sqlite3"
    if args.rebuild and path.exists() and not args.sqlite:
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.sqlite or f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    os.environ["LIANFANG_JOBS"] = "worker"  # this process runs the job (no worker thread)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def generate_timed(hospital, office, year: int) -> dict:
    """Queue and run the `commitments.generate` job for `hospital` and `year` as `office` in
    this process (as the worker would), watching its progress as the job page reads it (from
    another connection, once a second). Also used by bench/campaigns.py."""
    from django.db import transaction

    from lianfang.commitments.jobs import generate_enqueue
    from lianfang.commitments.models import Commitment
    from lianfang.core import jobs
    from lianfang.core.models import Job
    from lianfang.org.models import Person

    before = Commitment.objects.filter(organisation=hospital, year=year).count()
    staff = Person.objects.active().filter(organisation=hospital).count()
    with transaction.atomic():
        job = generate_enqueue(actor=office, organisation=hospital, year=year)
    samples = []
    stop = threading.Event()

    def watch():  # what the job page reads while the job runs (its own connection)
        from django.db import connection

        while not stop.wait(1.0):
            row = Job.objects.filter(pk=job.pk).values("done", "total").first()
            samples.append((round(time.monotonic() - started, 1), row["done"], row["total"]))
        connection.close()

    watcher = threading.Thread(target=watch, daemon=True)
    started = time.monotonic()
    watcher.start()
    jobs.run_pending()
    elapsed = time.monotonic() - started
    stop.set()
    watcher.join()
    job.refresh_from_db()
    made = Commitment.objects.filter(organisation=hospital, year=year)
    points = sum(len(c["points"]) for c in made.values_list("content", flat=True))
    made_count = made.count() - before
    return {
        "staff": staff,
        "year": year,
        "status": job.status,
        "summary": job.result.get("summary", job.error),
        "made": made_count,
        "points": points,
        "samples": samples,
        "seconds": elapsed,
        "ok": job.status == Job.Status.DONE and made_count == staff,
    }


def report_lines(hospital, run: dict) -> list[str]:
    verdict = "OK" if run["ok"] and run["seconds"] < TARGET_SECONDS else "FAIL"
    samples = run["samples"]
    return [
        f"hospital {hospital.name}: {run['staff']:,} active staff, year {run['year']}",
        f"job {run['status']}: {run['summary']}",
        f"commitments made: {run['made']:,} (points copied: {run['points']:,})",
        f"progress seen by the job page (s, done, total): {samples[:3]} … {samples[-2:]}",
        f"time: {run['seconds']:.1f} s (target < {TARGET_SECONDS} s): {verdict}",
    ]


def main(argv=None) -> None:
    args = parse_args(argv)
    setup(args)
    from django.core.management import call_command
    from django.utils import timezone

    from lianfang.accounts.models import User
    from lianfang.demo.services import demo_exists, demo_load
    from lianfang.org.models import Organisation

    call_command("migrate", verbosity=0)
    if not demo_exists():
        started = time.monotonic()
        demo_load(scale=1, progress=lambda m: print("  " + m, flush=True))
        print(f"demo built in {time.monotonic() - started:.0f} s", flush=True)
    hospital = Organisation.objects.get(code="SL-H01")
    office = User.objects.get(username="integrity")
    year = args.year or timezone.localdate().year + 1
    run = generate_timed(hospital, office, year)
    print(
        f"\n廉政承诺批量生成 · {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · "
        f"{os.cpu_count()} cores · SQLite"
    )
    for line in report_lines(hospital, run):
        print(line)


if __name__ == "__main__":
    main()
