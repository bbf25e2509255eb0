"""Benchmark of the risk register at scale (issue #3, item 9).

    .venv/bin/python bench/register.py [--scale 20] [--density dense] [--db URL] [--reps 30]
                                       [--rebuild] [--baseline REV [--export-reps N]]

Builds `lianfang demo --scale N --density dense` (about 10,000 risk points per hospital:
200,000 at scale 20; `--density realistic` is the demo's own few hundred) into a database of
its own unless it is there already: by default a SQLite file
var/bench/register-scale<N>.sqlite3 (register-scale<N>-realistic.sqlite3 for the realistic
density), or the given DATABASE_URL (a PostgreSQL database is created when missing). Then
prints, next to the targets:

- median and p95 server time of the register list (risks:register), unfiltered and filtered
  (一级 + one department), for the integrity officer of hospital 1 and of the commission,
  measured in-process with the Django test Client after a warm-up;
- the number of queries of a page of 20 and of 200 rows;
- time and peak memory of exporting the whole register to Excel (register_io.export_register),
  run in a child process so its peak RSS is the export's alone (the child's own VmHWM: its
  ru_maxrss would start from this process's size at the fork), with its CPU time beside the
  wall-clock time (on a busy machine the wall clock mostly measures the wait for a core);
  with --baseline REV, the export of the code at git revision REV (its src/ checked out into a
  temporary folder) runs beside it on the same data, the two alternating --export-reps times,
  and the two files are compared member by member (all but docProps/core.xml, which holds the
  time of writing);
- time to import a 10,000-row register (10,000 rows of hospital 1 exported, then imported
  with register_io.register_import: as exported, and with every row's 表现形式 changed; both
  inside a transaction that is rolled back, so the database stays as built).

Not part of the test suite; the figures depend on the machine (see bench/README.md).
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 150
TARGET_EXPORT_MB = 300
TARGET_EXPORT_S = 60
TARGET_IMPORT_S = 20
IMPORT_ROWS = 10_000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=20, help="hospitals in the demo (20)")
    parser.add_argument("--db", help="DATABASE_URL (default: a SQLite file under var/bench/)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--density",
        choices=["dense", "realistic"],
        default="dense",
        help="the demo register's density (dense: ~10,000 risk points per hospital)",
    )
    parser.add_argument("--reps", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--rebuild", action="store_true", help="drop the demo and build again")
    parser.add_argument("--build-only", action="store_true", help="build, print nothing else")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-regrade", action="store_true")
    parser.add_argument(
        "--baseline", metavar="REV", help="also export with the code of this git revision"
    )
    parser.add_argument(
        "--export-reps", type=int, default=1, help="exports of each code, alternating (1)"
    )
    parser.add_argument("--phase", choices=["export"], help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)  # the child's source tree
    parser.add_argument("--out", help=argparse.SUPPRESS)  # where the child keeps its file
    return parser.parse_args(argv)


def database_url(args) -> str:
    if args.db:
        return args.db
    suffix = "" if args.density == "dense" else f"-{args.density}"
    path = ROOT / "var" / "bench" / f"register-scale{args.scale}{suffix}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when it does not exist."""
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(url: str, src: str | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    sys.path.insert(0, src or str(ROOT / "src"))
    import django

    django.setup()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def own_memory_mb(field: str) -> float:
    """This process's VmHWM (peak) or VmRSS (now) in MB: unlike ru_maxrss, which a child
    inherits from its parent's size at the fork, they start at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return rss_mb()


# Building -----------------------------------------------------------------------------------


def build(args) -> None:
    from django.core.management import call_command

    from lianfang.demo import services
    from lianfang.org.models import Organisation

    call_command("migrate", verbosity=0)
    if services.demo_exists() and args.rebuild:
        print("删除原有演示数据……", flush=True)
        services.demo_reset()
    if services.demo_exists():
        hospitals = Organisation.objects.filter(code__startswith="SL-H").count()
        density = services.demo_density()
        if (hospitals, density) != (args.scale, args.density):
            sys.exit(
                f"数据库中的演示数据有 {hospitals} 家医院（密度 {density}），"
                f"不是 {args.scale} 家（密度 {args.density}）：加 --rebuild 重建。"
            )
        print(f"使用已有的演示数据（{hospitals} 家医院，密度 {density}）。", flush=True)
        return
    print(
        f"生成演示数据：{args.scale} 家医院（种子 {args.seed}，密度 {args.density}）……",
        flush=True,
    )
    result = services.demo_load(
        seed=args.seed,
        scale=args.scale,
        density=args.density,
        progress=lambda m: print(m, flush=True),
    )
    totals = result.totals
    print(
        f"已生成：{totals['people']} 名人员，{totals['risk_points']} 个风险点"
        f"（每家医院平均 {totals['risk_points'] / args.scale:,.0f} 个），"
        f"{totals['measures']} 条措施，用时 {result.seconds:.0f} 秒。",
        flush=True,
    )


# Measuring ------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def percentile(values, p) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def users():
    from lianfang.accounts.models import User

    return {
        "医院纪检监察（integrity）": User.objects.get(username="integrity"),
        "卫健委纪检监察（wjw）": User.objects.get(username="wjw"),
    }


def hospital_one():
    from lianfang.org.models import Department, Organisation

    hospital = Organisation.objects.get(code="SL-H01")
    department = Department.objects.get(organisation=hospital, code="XNK")
    return hospital, department


def time_pages(args, results) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lianfang.risks.models import RiskPoint

    hospital, department = hospital_one()
    url = reverse("risks:register")
    print(f"\n== 台账列表 {url}（每页 20 行，预热 3 次后计时 {args.reps} 次）==")
    where = f"{hospital.short_name}{department.name}"
    print(f"风险点总数 {RiskPoint.objects.count():,}；筛选：一级 + {where}")
    worst = 0.0
    query_counts = {}
    for label, user in users().items():
        client = Client()
        client.force_login(user)
        filtered = {"level": 1, "department": department.pk}
        if label.startswith("卫健委"):
            filtered = {"organisation": hospital.pk, **filtered}
        for name, params in (("不筛选", {}), ("筛选", filtered)):
            target = f"{url}?{urlencode(params)}" if params else url
            for _ in range(3):
                assert client.get(target).status_code == 200
            times = []
            for _ in range(args.reps):
                started = time.perf_counter()
                response = client.get(target)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            median, p95 = statistics.median(times), percentile(times, 95)
            worst = max(worst, p95)
            print(
                f"  {label:<16} {name:<4} 中位数 {median:7.1f} ms  p95 {p95:7.1f} ms  "
                f"目标 p95 < {TARGET_P95_MS} ms  {verdict(p95 < TARGET_P95_MS)}"
            )
            counts = []
            for per_page in (20, 200):
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(f"{url}?{urlencode({**params, 'per_page': per_page})}")
                assert response.status_code == 200
                counts.append(len(ctx.captured_queries))
            query_counts[(label, name)] = counts
    print("\n== 每页查询数（20 行 / 200 行）==")
    same = True
    for (label, name), (twenty, two_hundred) in query_counts.items():
        same &= twenty == two_hundred
        print(
            f"  {label:<16} {name:<4} {twenty:3d} / {two_hundred:3d}  "
            f"目标 相同  {verdict(twenty == two_hundred)}"
        )
    results["list_p95_ms"] = worst
    results["queries_same"] = same


def export_child(args) -> None:
    """Child process: export the commission's whole register (keep the file at --out, if
    given); print JSON."""
    import shutil

    from lianfang.risks import register_io, selectors

    wjw = users()["卫健委纪检监察（wjw）"]
    baseline = own_memory_mb("VmRSS")
    points = selectors.risk_points_filtered(user=wjw, filters={"status": selectors.STATUS_ALL})
    rows = points.count()
    cpu = time.process_time()
    started = time.perf_counter()
    out = register_io.export_register(points)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    size = out.seek(0, os.SEEK_END)
    if args.out:
        out.seek(0)
        with open(args.out, "wb") as kept:
            shutil.copyfileobj(out, kept)
    out.close()
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "cpu": cpu,
                "bytes": size,
                "baseline_mb": baseline,
                "own_peak_mb": own_memory_mb("VmHWM"),
            }
        )
    )


def run_export(args, *, src: str | None = None, out: str | None = None) -> dict:
    """One export in a child; its JSON, with its own peak RSS (wait4: that child's alone)."""
    command = [sys.executable, __file__, "--phase", "export", "--scale", str(args.scale)]
    command += ["--db", os.environ["DATABASE_URL"]]
    command += ["--src", src] if src else []
    command += ["--out", out] if out else []
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)  # noqa: S603
        stdout = process.stdout.read()
        process.stdout.close()
        _pid, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            print(stdout.decode() + errors.read().decode())
            raise SystemExit("导出失败")
    data = json.loads(stdout.decode().strip().splitlines()[-1])
    # wait4's ru_maxrss is that child's alone, but starts from this process's size at the
    # fork: the child's own VmHWM is the export's peak
    data["peak_mb"] = data["own_peak_mb"]
    data["child_cpu"] = usage.ru_utime + usage.ru_stime  # with Python's and Django's start
    return data


def checkout(rev: str, into: Path) -> str:
    """The src/ tree of git revision `rev`, written under `into`; its path."""
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", rev, "src"],  # noqa: S607
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603, S607
    return str(into / "src")


def same_members(first: Path, second: Path) -> list[str]:
    """The members of two .xlsx files that differ (or are only in one), but for
    docProps/core.xml (the time of writing); read in blocks, never whole."""
    differ = []
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        names_a = [i.filename for i in a.infolist()]
        names_b = [i.filename for i in b.infolist()]
        if names_a != names_b:
            differ.append(f"成员列表：{names_a} / {names_b}")
        for name in (n for n in names_a if n in names_b and n != "docProps/core.xml"):
            with a.open(name) as x, b.open(name) as y:
                while True:
                    block_x, block_y = x.read(1 << 20), y.read(1 << 20)
                    if block_x != block_y:
                        differ.append(name)
                        break
                    if not block_x:
                        break
    return differ


def time_export(args, results) -> None:
    print("\n== 导出整个台账为 Excel（卫健委纪检监察，全部状态）==")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        codes = [("本版", None)]
        if args.baseline:
            label = subprocess.run(  # noqa: S603
                ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],  # noqa: S607
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            codes.insert(0, (f"基线 {label}", checkout(args.baseline, tmp)))
        runs: dict[str, list[dict]] = {name: [] for name, _src in codes}
        for rep in range(args.export_reps):
            for name, src in codes:
                out = str(tmp / f"{len(runs[name])}-{name.split()[0]}.xlsx")
                data = run_export(args, src=src, out=out if rep == 0 else None)
                runs[name].append(data)
                print(
                    f"  {name:<12} {data['rows']:,} 行，用时 {data['seconds']:6.1f} 秒"
                    f"（CPU {data['cpu']:6.1f} 秒），文件 {data['bytes'] / 2**20:.1f} MB，"
                    f"子进程峰值 RSS（VmHWM）{data['peak_mb']:.0f} MB（启动 Django 后 "
                    f"{data['baseline_mb']:.0f} MB）  负载 {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        ours = runs["本版"]
        median = statistics.median(r["seconds"] for r in ours)
        peak = max(r["peak_mb"] for r in ours)
        print(
            f"  本版：用时中位数 {median:.1f} 秒  目标 < {TARGET_EXPORT_S} 秒  "
            f"{verdict(median < TARGET_EXPORT_S)}；峰值 RSS 最高 {peak:.0f} MB  "
            f"目标 < {TARGET_EXPORT_MB} MB  {verdict(peak < TARGET_EXPORT_MB)}"
        )
        if args.baseline:
            (base_name, _src), _ours = codes
            base = runs[base_name]
            ratio = statistics.median(r["cpu"] for r in ours) / statistics.median(
                r["cpu"] for r in base
            )
            print(f"  本版 / 基线 CPU 时间（中位数）：{ratio:.2f}")
            differ = same_members(tmp / f"0-{base_name.split()[0]}.xlsx", tmp / "0-本版.xlsx")
            print(
                "  两份文件逐个成员比较（docProps/core.xml 记写出时间，除外）："
                + ("完全相同" if not differ else f"不同：{', '.join(differ)}")
            )
    results["export_s"] = median
    results["export_peak_mb"] = peak


def time_import(args, results) -> None:
    from django.db import transaction
    from openpyxl import load_workbook

    from lianfang.accounts.models import User
    from lianfang.risks import register_io, selectors

    hospital, _department = hospital_one()
    user = User.objects.get(username="integrity")
    points = selectors.risk_points_filtered(user=user, filters={"organisation": hospital})
    ids = list(points.order_by("pk").values_list("pk", flat=True)[:IMPORT_ROWS])
    print(f"\n== 导入 {len(ids):,} 行登记表（{hospital.name}）==")
    started = time.perf_counter()
    exported = register_io.export_register(points.filter(pk__in=ids))
    print(f"  导出 {len(ids):,} 行用时 {time.perf_counter() - started:.1f} 秒")
    with tempfile.TemporaryDirectory() as tmp:
        original = Path(tmp) / "register.xlsx"
        original.write_bytes(exported.read())
        exported.close()
        # The same rows with every 表现形式 changed: 10,000 updates.
        edited = Path(tmp) / "edited.xlsx"
        wb = load_workbook(original)
        ws = wb.active
        # the header under the title, unit and date; the table's rows down to the signatures
        header = [c.value for c in ws[register_io.HEADER_ROW]]
        column = header.index(register_io.HEADERS["manifestation"]) + 1
        first = register_io.HEADER_ROW + 1
        for row in range(first, first + len(ids)):
            cell = ws.cell(row=row, column=column)
            cell.value = f"{cell.value}（复核补充：经办记录已抽查）"
        wb.save(edited)
        wb.close()
        worst = 0.0
        for name, path in (("原样导入（无变化）", original), ("每行表现形式均修改", edited)):
            with transaction.atomic():
                started = time.perf_counter()
                with path.open("rb") as file:
                    result = register_io.register_import(
                        actor=user, organisation=hospital, file=file
                    )
                seconds = time.perf_counter() - started
                transaction.set_rollback(True)
            if not result.ok:
                print(f"  {name}: 有 {len(result.errors)} 处错误，例如 {result.errors[:3]}")
            worst = max(worst, seconds)
            print(
                f"  {name:<12} 新增 {result.created} 更新 {result.updated} 未变 {result.unchanged}"
                f"  用时 {seconds:5.1f} 秒  目标 < {TARGET_IMPORT_S} 秒  "
                f"{verdict(seconds < TARGET_IMPORT_S and result.ok)}"
            )
    results["import_s"] = worst


def time_regrade(args, results) -> None:
    """The commission switches to a 5×5 matrix: more points than a request may re-grade, so
    the change queues a job (core.jobs); the job runs here, in the same process. Rolled back."""
    from django.db import transaction

    from lianfang.accounts.models import User
    from lianfang.core import jobs
    from lianfang.org.models import Organisation
    from lianfang.risks import services

    commission = Organisation.objects.get(parent__isnull=True)
    user = User.objects.get(username="wjw")
    print(f"\n== 重新定级（{commission.name} 改用 5×5 矩阵，后台任务）==")
    with transaction.atomic():
        started = time.perf_counter()
        regrade = services.scheme_switch_to_matrix(actor=user, organisation=commission, size=5)
        queued = time.perf_counter() - started
        started = time.perf_counter()
        jobs.run_pending()
        seconds = time.perf_counter() - started
        job = regrade.job
        if job is not None:
            job.refresh_from_db()
        transaction.set_rollback(True)
    if job is None:
        print(f"  在请求内完成：{regrade.points:,} 个风险点，用时 {queued:.1f} 秒")
        return
    print(f"  提交方案并排队：{queued * 1000:.0f} ms（请求内），待重新定级 {regrade.pending:,} 个")
    print(f"  任务：{job.result.get('summary') or job.error}  用时 {seconds:.1f} 秒")
    results["regrade_s"] = seconds


def database_version(connection) -> str:
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def main(argv=None) -> None:
    args = parse_args(argv)
    url = database_url(args)
    if url.startswith("postgres") and args.phase is None:
        ensure_postgres_database(url)
    setup(url, args.src)
    if args.phase == "export":
        export_child(args)
        return
    from django.conf import settings
    from django.db import connection

    build(args)
    if connection.vendor == "postgresql":
        # What autovacuum does a while after a bulk load: statistics, and the visibility map
        # that lets counts use index-only scans. Measured as a server in use would be.
        print("VACUUM ANALYZE ……", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        # The demo analyses after loading; a database built by an older demo, or migrated
        # since (a new index), would otherwise be measured without statistics.
        print("ANALYZE ……", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if args.build_only:
        return
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(
        f"\n风险点台账基准 · {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · "
        f"{os.cpu_count()} 核 · Python {platform.python_version()} · "
        f"{connection.vendor} {database_version(connection)} · "
        f"DEBUG={settings.DEBUG}"
    )
    results = {}
    time_pages(args, results)
    if not args.skip_export:
        time_export(args, results)
    if not args.skip_import:
        time_import(args, results)
    if not args.skip_regrade:
        time_regrade(args, results)


if __name__ == "__main__":
    main()
