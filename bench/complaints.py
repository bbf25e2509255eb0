"""Load test of the complaints' public intake (issue 13): 200 concurrent reporters for 60 s
against 127.0.0.1; no report may be lost, and each receipt must open exactly its report.

    .venv/bin/python bench/complaints.py                     # SQLite var/bench/complaints.sqlite3
    .venv/bin/python bench/complaints.py --db postgres://postgres@127.0.0.1:5432/lf_bench_tsjb
    .venv/bin/python bench/complaints.py --clients 5 --seconds 5   # a quick check

1. Migrates its database and creates one small hospital (no demo: the intake needs only an
   organisation), then starts gunicorn (`deploy/gunicorn.conf.py`, `--workers 2`, DEBUG off,
   a fresh data key, on 127.0.0.1).
2. `--clients` reporters, each filing one report after another for `--seconds`: GET the form
   (its CSRF cookie and token), POST an anonymous report whose content carries a unique
   marker, read the receipt code and the reference from the answer. A report counts as
   filed when its receipt came back; anything else (refused, reset, timed out, no receipt) is
   an error.
3. Afterwards: the number of rows in the database must equal the receipts received (0 lost,
   none extra), and each receipt, checked through the reporter's page (POST the code, follow
   to the case page), must open the report whose reference it was issued with.

The client is our own (asyncio, stdlib only), one connection per request. Argon2 hashes every
receipt at the platform's cost (most of a second of one core), so the filing rate is bounded
by the workers' CPU: the point is that nothing is lost, not the rate. Not part of the test
suite; the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal import HOST, ROOT, VENV_BIN, ensure_postgres_database, environment  # noqa: E402

CODE = "BENCH-TSJB"
_COOKIE = re.compile(rb"^set-cookie:\s*([^=]+)=([^;]*)", re.I | re.M)
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_RECEIPT = re.compile(rb'data-testid="receipt-code">([^<]+)<')
_REFERENCE = re.compile(rb"(TS\d{4}-\d{6})")


async def request(port, method, path, *, body=b"", cookies=None, timeout=120.0):
    """(status, head, body) of one request on its own connection."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    headers = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: close"]
    if cookies:
        headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if method == "POST":
        headers += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
        ]
    try:
        writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
    head, _, content = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.") else 0
    return status, head, content


def cookies_of(head: bytes) -> dict:
    return {k.decode(): v.decode() for k, v in _COOKIE.findall(head)}


TIMEOUT = 120.0  # seconds per request (--timeout)


async def file_one(port, marker: str):
    """File one report; (receipt, reference) or raise."""
    form = f"/complaints/report/{CODE}/"
    status, head, body = await request(port, "GET", form, timeout=TIMEOUT)
    if status != 200:
        raise RuntimeError(f"form HTTP {status}")
    cookies = cookies_of(head)
    token = _TOKEN.search(body).group(1).decode()
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "category": "kickback",
            "anonymous": "1",
            "content": f"基准测试举报 {marker}",
            "happened_where": "门诊",
        }
    ).encode()
    status, _head, body = await request(
        port, "POST", form, body=data, cookies=cookies, timeout=TIMEOUT
    )
    receipt, reference = _RECEIPT.search(body), _REFERENCE.search(body)
    if status != 200 or receipt is None or reference is None:
        raise RuntimeError(f"no receipt (HTTP {status})")
    return receipt.group(1).decode().strip(), reference.group(1).decode()


async def run_reporters(port, clients, seconds):
    filed: list[tuple[str, str]] = []
    errors: Counter = Counter()
    deadline = time.monotonic() + seconds
    latencies: list[float] = []

    async def reporter(n):
        i = 0
        while time.monotonic() < deadline:
            i += 1
            started = time.monotonic()
            try:
                filed.append(await file_one(port, f"C{n}-{i}-{secrets.token_hex(4)}"))
                latencies.append(time.monotonic() - started)
            except TimeoutError:
                errors["timeout"] += 1
            except (ConnectionError, OSError, RuntimeError, AttributeError) as exc:
                errors[f"{type(exc).__name__}: {exc}"[:80]] += 1

    started = time.monotonic()
    await asyncio.gather(*(reporter(n) for n in range(clients)))
    return filed, errors, latencies, time.monotonic() - started


async def opens(port, receipt: str, reference: str) -> bool:
    status, head, body = await request(port, "GET", "/complaints/receipt/")
    cookies = cookies_of(head)
    token = _TOKEN.search(body).group(1).decode()
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "code": receipt}).encode()
    status, head, _body = await request(
        port, "POST", "/complaints/receipt/", body=data, cookies=cookies
    )
    if status != 302:
        return False
    cookies.update(cookies_of(head))
    status, _head, body = await request(port, "GET", "/complaints/receipt/case/", cookies=cookies)
    return status == 200 and _REFERENCE.findall(body) == [reference.encode()]


async def check_all(port, filed, concurrency=8):
    semaphore = asyncio.Semaphore(concurrency)
    results = []

    async def one(receipt, reference):
        async with semaphore:
            try:
                results.append(await opens(port, receipt, reference))
            except (ConnectionError, OSError, TimeoutError, AttributeError):
                results.append(False)

    await asyncio.gather(*(one(r, ref) for r, ref in filed))
    return results


SETUP = f"""
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
if not (settings.STATIC_ROOT / "staticfiles.json").exists():
    call_command("collectstatic", interactive=False, verbosity=0)
from lianfang.org.models import Organisation
if not Organisation.objects.filter(code="{CODE}").exists():
    org = Organisation.objects.create(name="基准测试医院", code="{CODE}", kind="hospital")
    org.path = f"/{{org.pk}}/"
    org.save(update_fields=["path"])
from lianfang.complaints.models import Complaint
print("ROWS", Complaint.objects.filter(organisation__code="{CODE}").count())
"""


def rows(env) -> int:
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, text=True
    ).stdout
    return int(out.rsplit("ROWS", 1)[1])


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
            "--timeout",
            "300",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
            "--backlog",
            "2048",
            "lianfang.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if asyncio.run(request(port, "GET", "/complaints/receipt/", timeout=5))[0] == 200:
                return server
        except (ConnectionError, OSError, TimeoutError):
            pass
        if server.poll() is not None:
            sys.exit("gunicorn 未能启动")
        time.sleep(0.5)
    server.send_signal(signal.SIGTERM)
    sys.exit("gunicorn 60 秒内未就绪")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_db = f"sqlite:///{ROOT / 'var' / 'bench' / 'complaints.sqlite3'}"
    parser.add_argument("--db", default=default_db)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per request")
    args = parser.parse_args()
    globals()["TIMEOUT"] = args.timeout
    if args.db.startswith("postgres"):
        ensure_postgres_database(args.db)

    var = ROOT / "var" / "bench" / "complaints-var"
    var.mkdir(parents=True, exist_ok=True)
    env = environment(args.db, var)
    before = rows(env)
    server = start_server(env, args.port, args.workers)
    try:
        print(
            f"== 受理：{args.clients} 个举报人并发，{args.seconds:g} 秒"
            f"（{args.workers} 个工作进程）=="
        )
        filed, errors, latencies, elapsed = asyncio.run(
            run_reporters(args.port, args.clients, args.seconds)
        )
        latencies.sort()
        median = latencies[len(latencies) // 2] if latencies else 0
        p95 = latencies[int(len(latencies) * 0.95)] if latencies else 0
        print(
            f"  取得回执 {len(filed)} 件（{len(filed) / elapsed:.2f} 件/秒，"
            f"用时 {elapsed:.0f} 秒），"
            f"每件（取表单 + 提交）中位 {median:.1f} 秒，95% {p95:.1f} 秒；"
            f"错误 {sum(errors.values())} {dict(errors) if errors else ''}"
        )
        after = rows(env)
        lost = len(filed) - (after - before)
        print(
            f"  数据库新增 {after - before} 行，取得回执 {len(filed)} 件："
            f"丢失 {lost}  目标 0  {'PASS' if lost == 0 else 'FAIL'}"
        )
        started = time.monotonic()
        results = asyncio.run(check_all(args.port, filed))
        wrong = results.count(False)
        print(
            f"  凭回执查询 {len(results)} 件（{time.monotonic() - started:.0f} 秒）："
            f"打开的正是本件 {results.count(True)}，不符 {wrong}  "
            f"目标 0  {'PASS' if wrong == 0 else 'FAIL'}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
