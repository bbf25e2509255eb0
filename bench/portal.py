"""Benchmark of the disclosure portal (issue #12): throughput of its pages against a bare
Django view on the same gunicorn, then many concurrent clients.

    .venv/bin/python bench/portal.py                      # SQLite var/bench/portal.sqlite3
    .venv/bin/python bench/portal.py --db postgres://postgres@127.0.0.1:5432/lf_bench_portal
    .venv/bin/python bench/portal.py --small --db sqlite:////tmp/portal-small.sqlite3 \\
        --seconds 2 --rounds 1 --load-clients 5 --load-seconds 3   # a quick check

1. Builds `lianfang demo --scale 1` into its database once (the demo hospital's portal is
   open: `demo/portal.py`), then starts gunicorn (`deploy/gunicorn.conf.py`, `--workers 2`,
   DEBUG off, on 127.0.0.1) with `bench/portal_wsgi.py`: Lianfang plus `/bench/bare/`, a bare
   view through the same middleware.
2. Throughput, side by side: the bare view, the portal's home page and a column page (权力
   主体, the heaviest: leaders, departments, functions, powers), each for `--seconds` with
   `--concurrency` clients, in `--rounds` rounds that alternate the URLs (so a change in the
   machine's load touches all three alike). Requests per second per URL (the rounds'
   median) and each page's share of the bare view's. Target: ≥ 50 %.
3. Load: `--load-clients` clients (200) for `--load-seconds` (60) on the portal's pages
   (home, every column, a power), each client requesting one page after another. Counts
   responses by status and errors (refused, reset, timed out, not 200/304). Target: 0 errors.

The client is our own (asyncio, stdlib only): HTTP/1.1, one connection per request (gunicorn's
sync workers close each), against 127.0.0.1 only. The load runs after the throughput, from
the same process. Not part of the test suite; the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.register import ensure_postgres_database  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"


# The client -------------------------------------------------------------------------------------


async def fetch(port: int, path: str, timeout: float) -> int:
    """GET `path`; the status (0 on a connection error). Reads the whole response."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
            f"Accept-Encoding: identity\r\n\r\n".encode()
        )
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
    if not data.startswith(b"HTTP/1."):
        return 0
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(body):
            return 0  # truncated
    return status


async def run_clients(port, paths, clients, seconds, timeout=30.0):
    """`clients` clients, each requesting `paths` in turn until `seconds` have passed."""
    statuses: Counter = Counter()
    errors: Counter = Counter()
    deadline = time.monotonic() + seconds

    async def client(offset):
        i = offset
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            try:
                status = await fetch(port, path, timeout)
            except TimeoutError:
                errors["timeout"] += 1
                continue
            except (ConnectionError, OSError) as exc:
                errors[type(exc).__name__] += 1
                continue
            statuses[status] += 1
            if status not in (200, 304):
                errors[f"HTTP {status}"] += 1

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return statuses, errors, time.monotonic() - started


# The server -------------------------------------------------------------------------------------


def environment(db: str, var: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        LIANFANG_DATA_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        LIANFANG_VAR=str(var),
        PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT / 'bench'}",
        DJANGO_SETTINGS_MODULE="lianfang.settings",
    )
    return env


SMALL = """
import datetime as dt
from lianfang.accounts.models import RoleGrant, User
from lianfang.org.models import Department, Organisation, Person, Power
from lianfang.portal import services as portal
if not Organisation.objects.filter(code="BENCH").exists():
    print("建立小型门户数据……", flush=True)
    org = Organisation.objects.create(name="基准测试医院", code="BENCH", kind="hospital")
    org.path = f"/{org.pk}/"
    org.save(update_fields=["path"])
    for i in range(1, 6):
        dept = Department.objects.create(organisation=org, name=f"科室{i}", code=f"D{i}")
        Person.objects.create(organisation=org, department=dept, staff_no=f"L{i}",
                              name=f"领导{i}", is_leader=i <= 3)
        Power.objects.create(organisation=org, code=f"QL-{i}", name=f"职权事项{i}",
                             department=dept, is_public=True)
    admin = User.objects.create(username="bench-admin", display_name="bench")
    RoleGrant.objects.create(user=admin, role="admin", organisation=org)
    portal.site_update(actor=User.objects.get(pk=admin.pk), organisation=org,
                       data={"enabled": True})
"""


def build(env: dict, small: bool) -> str:
    """Migrate and load the demo (or, `small`, one small hospital) once; the site's code."""
    load = (
        SMALL
        if small
        else (
            "from lianfang.demo import services\n"
            "if not services.demo_exists():\n"
            "    print('载入演示数据（scale 1）……', flush=True)\n"
            "    services.demo_load(scale=1)\n"
        )
    )
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from lianfang.portal.models import PortalSite\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.conf import settings\n"
        "if not (settings.STATIC_ROOT / 'staticfiles.json').exists():\n"
        "    print('collectstatic……', flush=True)\n"
        "    call_command('collectstatic', interactive=False, verbosity=0)\n"
        f"{load}\n"
        "site = PortalSite.objects.filter(enabled=True).select_related('organisation').first()\n"
        "print('SITE', site.organisation.code)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout
    print(out.rsplit("SITE", 1)[0], end="")
    return out.rsplit("SITE", 1)[1].strip()


def start_server(env, port, workers):
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, our arguments
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
            "--backlog",
            "2048",
            "portal_wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if asyncio.run(fetch(port, "/bench/bare/", 5)) == 200:
                return server
        except (ConnectionError, OSError, TimeoutError):
            pass
        if server.poll() is not None:
            sys.exit("gunicorn 未能启动")
        time.sleep(0.5)
    server.send_signal(signal.SIGTERM)
    sys.exit("gunicorn 60 秒内未就绪")


# Main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=f"sqlite:///{ROOT / 'var' / 'bench' / 'portal.sqlite3'}")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0, help="per URL and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--load-clients", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--small",
        action="store_true",
        help="one small hospital instead of the demo (a quick check that the script runs)",
    )
    args = parser.parse_args()
    if args.db.startswith("postgres"):
        ensure_postgres_database(args.db)

    var = ROOT / "var" / "bench" / "portal-var"
    var.mkdir(parents=True, exist_ok=True)
    env = environment(args.db, var)
    code = build(env, args.small)
    home = f"/gk/{code}/"
    column = f"/gk/{code}/c/power-holders/"
    targets = [
        ("裸视图 /bench/bare/", "/bench/bare/"),
        ("门户首页", home),
        ("栏目页 权力主体", column),
    ]
    server = start_server(env, args.port, args.workers)
    try:
        for _label, path in targets:  # each answers, once, before timing
            status = asyncio.run(fetch(args.port, path, 30))
            if status != 200:
                sys.exit(f"{path} 返回 {status}")
        print(
            f"== 吞吐量（gunicorn {args.workers} 个工作进程，{args.concurrency} 个并发客户端，"
            f"每个地址每轮 {args.seconds:g} 秒，共 {args.rounds} 轮，交替进行）=="
        )
        rates: dict[str, list[float]] = {label: [] for label, _ in targets}
        for _round in range(args.rounds):
            for label, path in targets:
                statuses, errors, elapsed = asyncio.run(
                    run_clients(args.port, [path], args.concurrency, args.seconds)
                )
                if errors:
                    print(f"  {label}: 错误 {dict(errors)}")
                rates[label].append(statuses[200] / elapsed)
        bare = statistics.median(rates[targets[0][0]])
        for label, _path in targets:
            rate = statistics.median(rates[label])
            share = rate / bare if bare else 0
            verdict = (
                ""
                if label == targets[0][0]
                else (f"  为裸视图的 {share:.0%}  目标 ≥ 50%  {'PASS' if share >= 0.5 else 'FAIL'}")
            )
            print(f"  {label:<16} {rate:8.1f} 次/秒{verdict}")
        if not args.skip_load:
            pages = [
                home,
                column,
                f"/gk/{code}/c/catalogue/",
                f"/gk/{code}/c/risk-points/",
                f"/gk/{code}/c/results/",
                f"/gk/{code}/c/news/",
            ]
            print(f"== 并发：{args.load_clients} 个客户端，{args.load_seconds:g} 秒 ==")
            statuses, errors, elapsed = asyncio.run(
                run_clients(args.port, pages, args.load_clients, args.load_seconds)
            )
            total = sum(statuses.values())
            print(
                f"  请求 {total} 次（{total / elapsed:.1f} 次/秒），状态 {dict(statuses)}，"
                f"错误 {sum(errors.values())} {dict(errors) if errors else ''}"
                f"  目标 0 错误  {'PASS' if not errors else 'FAIL'}"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
