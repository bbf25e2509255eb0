"""Benchmark of the audit chain's verification (issue #8, item 3).

    .venv/bin/python bench/audit.py [--scale 5] [--db URL] [--reps 5] [--rebuild] [--orm]

Builds `lianfang demo --scale N` into a database of its own unless it is there already (by
default a SQLite file var/bench/audit-scale<N>.sqlite3, or the given DATABASE_URL: a
PostgreSQL database is created when missing): about 45,000 audit events per hospital, written
by the bulk writers as in production. Then, alternating, `--reps` times each, over the whole
chain:

- verify: `audit.verify()`, the chain recomputed and checked event by event;
- bare SHA-256: the same rows read by the same SELECT in the same batches, each row's
  before, after and object texts hashed with SHA-256 and nothing else (no canonical form,
  no checks): what reading and hashing alone cost;
- with --orm, the ORM pass verify made before 2026-12-06 (model instances in batches, then
  `audit.compute_hash` of each), for reference.

Prints the median events per second of each (wall clock and CPU: on a busy machine the CPU
figure is what the pass costs), the ratio of verify to the bare pass, and verify against the
target (on SQLite). Not part of the test suite; the figures depend
on the machine (see bench/README.md).
"""

import argparse
import binascii
import functools
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.register import ensure_postgres_database, setup  # noqa: E402

TARGET = 200_000  # events per second, verify on SQLite (wall clock on an idle machine)
BATCH = 2000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=5, help="hospitals in the demo (5)")
    parser.add_argument("--db", help="DATABASE_URL (default: a SQLite file under var/bench/)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=5, help="runs of each pass (5)")
    parser.add_argument("--rebuild", action="store_true", help="drop the database's demo first")
    parser.add_argument("--orm", action="store_true", help="also time the former ORM pass")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes of the parallel verify, as `lianfang audit verify` runs it (one per core)",
    )
    return parser.parse_args(argv)


def database_url(args) -> str:
    if args.db:
        return args.db
    path = ROOT / "var" / "bench" / f"audit-scale{args.scale}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def build(args) -> None:
    from django.core.management import call_command
    from django.db import connection

    from lianfang.demo import services

    call_command("migrate", verbosity=0)
    if services.demo_exists() and not args.rebuild:
        print("使用已有的演示数据。", flush=True)
        return
    if services.demo_exists():
        sys.exit("--rebuild: 审计事件不能删除，请换一个新数据库（删除 SQLite 文件或换 --db）。")
    print(f"生成演示数据：{args.scale} 家医院（种子 {args.seed}，密度 dense）……", flush=True)
    # The dense register: the ~45,000 audit events per hospital this benchmark is read at.
    services.demo_load(
        seed=args.seed, scale=args.scale, density="dense", progress=lambda m: print(m, flush=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    count = fn()
    return count, time.perf_counter() - wall, time.process_time() - cpu


def verify_pass(workers=1):
    from lianfang.core import audit

    result = audit.verify(batch_size=BATCH, workers=workers)
    if not result.ok:
        sys.exit(f"审计链校验失败：{result.reason}")
    return result.count


def bare_pass():
    """The rows verify reads, by the same SELECT and batches, hashed and nothing more."""
    from django.db import connection

    from lianfang.core import audit

    raw = connection.vendor == "sqlite"
    select = audit._select(connection, raw=raw)
    sha256, hexlify, join = hashlib.sha256, binascii.hexlify, b"".join
    count, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"{select} WHERE id > %s ORDER BY id LIMIT %s", [last, BATCH])
            rows = cursor.fetchall()
            if not rows:
                return count
            for row in rows:
                label, repr_, before, after = row[4], row[8], row[11], row[12]
                if raw:
                    data = join((before or b"", after or b"", label, repr_))
                else:
                    data = "".join((before or "", after or "", label, repr_)).encode()
                hexlify(sha256(data).digest())
            last = rows[-1][0]
            count += len(rows)


def orm_pass():
    """How verify read before: model instances in batches, `compute_hash` of each."""
    from lianfang.core import audit
    from lianfang.core.models import AuditEvent

    count, last = 0, 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return count
        for event in batch:
            audit.compute_hash(event)
        last = batch[-1].id
        count += len(batch)


def main(argv=None):
    args = parse_args(argv)
    url = database_url(args)
    if url.startswith("postgres"):
        ensure_postgres_database(url)
    setup(url)
    build(args)

    from django.db import connection

    parallel = f"verify, {args.workers} 个进程"
    passes = [("verify", verify_pass), ("bare SHA-256", bare_pass)]
    if args.workers > 1:
        passes.append((parallel, functools.partial(verify_pass, args.workers)))
    if args.orm:
        passes.append(("ORM + compute_hash (before)", orm_pass))
    figures = {name: [] for name, _fn in passes}
    for _rep in range(args.reps):
        for name, fn in passes:
            figures[name].append(timed(fn))
    events = figures["verify"][0][0]
    print(f"\n== 审计链校验：{events:,} 条事件，{connection.vendor}，每批 {BATCH} 行 ==")
    print(f"   各 {args.reps} 次交替运行，取中位数")
    rates = {}
    for name, runs in figures.items():
        wall = statistics.median(count / w for count, w, _c in runs)
        if name == parallel:  # the work is the children's: this process's CPU says nothing
            rates[name] = (wall, None)
            print(f"  {name:30} {wall:>10,.0f} 条/秒（墙钟）  {'—':>10}（CPU 在子进程）")
            continue
        cpu = statistics.median(count / c for count, _w, c in runs)
        rates[name] = (wall, cpu)
        print(f"  {name:30} {wall:>10,.0f} 条/秒（墙钟）  {cpu:>10,.0f} 条/秒（CPU）")
    verify_wall, verify_cpu = rates["verify"]
    bare_wall, bare_cpu = rates["bare SHA-256"]
    print(
        f"  verify / bare SHA-256          {verify_wall / bare_wall:>10.0%}（墙钟）  "
        f"{verify_cpu / bare_cpu:>10.0%}（CPU）"
    )
    if connection.vendor == "sqlite":
        wall_verdict = "PASS" if verify_wall >= TARGET else "FAIL"
        cpu_verdict = "PASS" if verify_cpu >= TARGET else "FAIL"
        print(f"  verify 目标 >= {TARGET:,} 条/秒  墙钟 {wall_verdict}  CPU {cpu_verdict}")
        if parallel in rates:
            verdict = "PASS" if rates[parallel][0] >= TARGET else "FAIL"
            print(
                f"  {parallel}（lianfang audit verify 的默认）目标 >= {TARGET:,} 条/秒  "
                f"墙钟 {verdict}"
            )
    else:
        print(f"  （目标 >= {TARGET:,} 条/秒针对 SQLite；PostgreSQL 的 jsonb 须逐条解析）")
    print(f"\nPython {sys.version.split()[0]}, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
