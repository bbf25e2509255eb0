"""Benchmark of the power flows at scale (issue #11, Performance).

    .venv/bin/python bench/flows.py [--scale 20] [--reps 30] [--approvers 50] [--seconds 30]
                                    [--sqlite URL] [--pg URL] [--only sqlite|postgres]
                                    [--rebuild] [--baseline REV]

For each database (a SQLite file var/bench/flows-scale<N>.sqlite3 and the PostgreSQL database
lf_bench_flows, created when missing), in a child process of its own:

1. builds `lianfang demo` (one hospital, realistic register, its flows demo), then
   5,000 × N instances with 6 tasks each (100,000 instances and 600,000 tasks at --scale 20).
   **These rows are written in bulk (`bulk_create`), not through the services**: each copies
   a template matter started through `flows.services.instance_start` (its serialised workflow,
   its ready task's engine id), 80% completed (six completed tasks), 20% running (five
   completed, one ready). The ready tasks wait for the `dept_head` login (the template's first
   step), the completed ones were handled in turn by the `dept_head`, `leader` and `integrity`
   logins; the applicant of all is the `staff` login. So the pages below read the worst case:
   tens of thousands of rows for one user.
2. times 待办 (`flows:todo`, as dept_head), 已办 (`flows:done`, as leader) and 我发起的
   (`flows:mine`, as staff): median and p95 server time (Django test Client in-process, 3
   warm-up requests, then --reps), and the queries of a page of 20 and of 200 rows;
3. (PostgreSQL only) approve throughput: --approvers processes (forked, one connection each)
   for --seconds; half as many bench accounts, each with its own ready tasks, and two
   processes per account going through the same tasks in the same order, so every task is
   raced for. It prints approvals per second, the refusals (`TaskUnavailable`: the other
   process was first), and proves there was no double advance: no task has two "approved"
   timeline events, and the events equal the approvals the processes counted;
   With --baseline REV, the same pages are first timed with the code of git revision REV (its
   src/ from `git archive`, in a child process of its own) on the same rows, with the schema
   of REV: the apps whose migrations REV lacks are migrated back to REV's last migration
   before, and forward again after (then ANALYZE again), so that REV's queries meet REV's
   indexes;
4. the cost of SpiffWorkflow per action: `engine.load` (deserialise) and `engine.dump`
   (serialise) of each shipped flow's workflow, beside the whole `task_act` (approve) time.

Not part of the test suite; figures depend on the machine (see bench/README.md).
"""

import argparse
import json
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 150
PER_SCALE_INSTANCES = 5_000
TASKS_PER_INSTANCE = 6
RUNNING_SHARE = 0.2
BATCH = 5_000
PAGES = (("待办", "flows:todo", "dept_head"), ("已办", "flows:done", "leader"))
PAGES += (("我发起的", "flows:mine", "staff"), ("运行监控", "flows:monitor", "integrity"))
# the list behind the monitoring page's numbers, sorted by due date (时限最近): a URL name with
# its query string
PAGES += (("监控清单·时限", "flows:monitor_tasks?sort=due", "integrity"),)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=20, help="5,000 instances per unit (20)")
    parser.add_argument("--reps", type=int, default=30, help="timed requests per page (30)")
    parser.add_argument("--approvers", type=int, default=50, help="parallel approvers (50)")
    parser.add_argument("--seconds", type=float, default=30, help="approving time (30 s)")
    parser.add_argument("--sqlite", help="SQLite DATABASE_URL (default var/bench/…)")
    parser.add_argument(
        "--pg", default="postgres://postgres@127.0.0.1:5432/lf_bench_flows", help="PostgreSQL URL"
    )
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--rebuild", action="store_true", help="drop the database first")
    parser.add_argument("--baseline", metavar="REV", help="also time the pages with REV's code")
    parser.add_argument(
        "--no-monitor", action="store_true", help="skip the monitoring page (slow with old code)"
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build (or finish building) the databases, measure nothing",
    )
    parser.add_argument("--phase", choices=["measure", "pages"], help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def sqlite_url(args) -> str:
    if args.sqlite:
        return args.sqlite
    path = ROOT / "var" / "bench" / f"flows-scale{args.scale}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def prepare_postgres(url: str, rebuild: bool) -> None:
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if rebuild:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(url: str, src: str | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    sys.path.insert(0, src or str(ROOT / "src"))
    import django

    django.setup()


def percentile(values, p) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def checkout(rev: str) -> tuple[str, str]:
    """(the short name of git revision `rev`, the path of its src/ tree under var/bench)."""
    label = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "--short", rev],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    into = ROOT / "var" / "bench" / f"baseline-{label}"
    if not (into / "src").exists():
        into.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(  # noqa: S603
            ["git", "-C", str(ROOT), "archive", rev, "src"],  # noqa: S607
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603, S607
    return label, str(into / "src")


def last_migrations(src: str) -> dict[str, str]:
    """{app label: the name of its last migration} in the tree `src` (the apps are lianfang's,
    labelled by their directory, as in this project)."""
    found = {}
    for folder in sorted(Path(src, "lianfang").glob("*/migrations")):
        names = sorted(p.stem for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))
        if names:
            found[folder.parent.name] = names[-1]
    return found


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def time_baseline(args) -> dict:
    """The pages timed with the baseline's code on its own schema (see the docstring)."""
    from django.core.management import call_command

    ours, theirs = last_migrations(str(ROOT / "src")), last_migrations(args.src)
    back = {app: name for app, name in theirs.items() if ours.get(app) != name}
    for app, name in back.items():
        call_command("migrate", app, name, verbosity=0)
    analyze()
    out = Path(args.out).with_suffix(".baseline.json")
    command = [sys.executable, __file__, "--phase", "pages", "--db", args.db, "--out", str(out)]
    command += ["--src", args.src, "--reps", str(args.reps), "--scale", str(args.scale)]
    command += ["--no-monitor"] if args.no_monitor else []
    print(f"  基线代码（{args.src}），迁移回退：{back or '无'}", flush=True)
    subprocess.run(command, check=True)  # noqa: S603 (our own script, our arguments)
    call_command("migrate", verbosity=0)
    analyze()
    return json.loads(out.read_text(encoding="utf-8"))


# Building -------------------------------------------------------------------------------------


def templates(hospital, staff):
    """One matter per flow the staff login may start, through the services: its first task
    is ready (the rows the bulk copies take their workflow from)."""
    from django.utils import timezone

    from lianfang.demo.flows import _form
    from lianfang.flows import services
    from lianfang.flows.models import FlowDefinition, Task
    from lianfang.org.models import Department, Person

    rng = random.Random(11)
    people = list(Person.objects.filter(organisation=hospital, user__isnull=True)[:50])
    departments = list(Department.objects.filter(organisation=hospital)[:10])
    found = []
    for definition in FlowDefinition.objects.filter(organisation=hospital).order_by("code"):
        if not services.may_start(staff, definition):
            continue
        version = definition.current_version
        data = _form(rng, version.spec, people, departments, timezone.now())
        instance = services.instance_start(actor=staff, version=version, data=data)
        ready = instance.tasks.filter(state=Task.State.READY, committee_key="").first()
        if ready is not None and ready.assignee_id:
            found.append((instance, ready))
    return found


def bulk_build(args, hospital, logins) -> dict:
    """The benchmark's volume, in bulk (see the module's docstring)."""
    from django.db import transaction
    from django.utils import timezone

    from lianfang.flows.models import Instance, Task

    total = PER_SCALE_INSTANCES * args.scale
    have = Instance.objects.filter(organisation=hospital, number__startswith="BENCH-").count()
    if have >= total:
        return {"instances": have, "built_s": 0.0}
    started = time.monotonic()
    staff = logins["staff"]
    pool = templates(hospital, staff)
    handlers = [logins["dept_head"], logins["leader"], logins["integrity"]]
    now = timezone.now()
    n = have
    while n < total:
        with transaction.atomic():
            rows = []
            for i in range(n, min(n + BATCH, total)):
                template, ready = pool[i % len(pool)]
                running = (i % 10) < RUNNING_SHARE * 10
                rows.append(
                    Instance(
                        organisation=hospital,
                        version=template.version,
                        applicant=staff,
                        applicant_person=template.applicant_person,
                        department=template.department,
                        title=f"{template.title}·{i}",
                        number=f"BENCH-{i:07d}",
                        data=template.data,
                        state=Instance.State.RUNNING if running else Instance.State.COMPLETED,
                        workflow=template.workflow,
                        finished_at=None if running else now,
                        # its completed tasks below, each an approved step of its own
                        steps_approved=TASKS_PER_INSTANCE - 1 if running else TASKS_PER_INSTANCE,
                    )
                )
            Instance.objects.bulk_create(rows, batch_size=1000)
            tasks = []
            for row, i in zip(rows, range(n, n + len(rows)), strict=True):
                template, ready = pool[i % len(pool)]
                for k in range(TASKS_PER_INSTANCE):
                    last = k == TASKS_PER_INSTANCE - 1
                    waiting = last and row.state == Instance.State.RUNNING
                    who = ready.assignee if waiting else handlers[k % len(handlers)]
                    tasks.append(
                        Task(
                            instance=row,
                            organisation=hospital,
                            bpmn_id=ready.bpmn_id if waiting else f"step{k}",
                            spiff_id=ready.spiff_id if waiting else None,
                            name=ready.name if waiting else f"环节{k + 1}",
                            assignee=who,
                            candidate_rule=ready.candidate_rule,
                            state=Task.State.READY if waiting else Task.State.COMPLETED,
                            decision="" if waiting else Task.Decision.APPROVE,
                            completed_at=None if waiting else now,
                            completed_by=None if waiting else who,
                            due_at=ready.due_at,
                        )
                    )
            Task.objects.bulk_create(tasks, batch_size=2000)
        n += len(rows)
        print(
            f"  批量写入 {n:,}/{total:,} 件办件（{time.monotonic() - started:.0f} 秒）", flush=True
        )
    return {"instances": n, "built_s": time.monotonic() - started}


def build(args) -> dict:
    from django.core.management import call_command

    from lianfang.accounts.models import User
    from lianfang.demo.services import demo_exists, demo_load
    from lianfang.org.models import Organisation

    call_command("migrate", verbosity=0)
    built = {}
    if not demo_exists():
        started = time.monotonic()
        demo_load(scale=1, progress=lambda m: print("  " + m, flush=True))
        built["demo_s"] = time.monotonic() - started
    hospital = Organisation.objects.get(code="SL-H01")
    logins = {u.username: u for u in User.objects.filter(username__in=[p[2] for p in PAGES])}
    logins["integrity"] = User.objects.get(username="integrity")
    built.update(bulk_build(args, hospital, logins))
    analyze()
    return built


# Measuring ------------------------------------------------------------------------------------


def time_pages(args) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from lianfang.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    out = {}
    for label, name, username in PAGES:
        if args.no_monitor and name.startswith("flows:monitor"):
            continue
        client = Client()
        client.force_login(User.objects.get(username=username))
        name, _sep, query = name.partition("?")
        try:
            url = reverse(name) + (f"?{query}&" if query else "?")
        except NoReverseMatch:  # a page the code measured (a baseline) does not have
            continue
        for _ in range(3):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(args.reps):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        counts = []
        for per_page in (20, 200):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"{url}per_page={per_page}").status_code == 200
            counts.append(len(ctx.captured_queries))
        out[label] = {
            "median": statistics.median(times),
            "p95": percentile(times, 95),
            "queries": counts,
            "user": username,
        }
        print(
            f"  {label:<6}（{username}）中位数 {out[label]['median']:7.1f} ms  "
            f"p95 {out[label]['p95']:7.1f} ms  查询 {counts[0]}/{counts[1]}  负载 {load()}",
            flush=True,
        )
    return out


def serialisation_cost() -> dict:
    """Median time of engine.load and engine.dump per shipped flow's template workflow, and of
    a whole approval (task_act) on one of them, rolled back."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from lianfang.flows import engine, services
    from lianfang.flows.models import Instance, Task

    loads, dumps = [], []
    seen = set()
    for instance in (
        Instance.objects.filter(state=Instance.State.RUNNING)
        .exclude(number__startswith="BENCH-")
        .select_related("version")[:200]
    ):
        if instance.version_id in seen:
            continue
        seen.add(instance.version_id)
        names = services._names(instance)
        for _ in range(20):
            started = time.perf_counter()
            workflow = engine.load(instance.workflow, names)
            loads.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            engine.dump(workflow)
            dumps.append((time.perf_counter() - started) * 1000)
    acts = []
    skipped = 0
    for task in (
        Task.objects.filter(state=Task.State.READY, assignee__isnull=False, committee_key="")
        .exclude(instance__number__startswith="BENCH-")
        .select_related("assignee")[:20]
    ):
        started = time.perf_counter()
        timed = True
        try:
            with transaction.atomic():
                services.task_act(actor=task.assignee, task=task, action="approve")
                raise _Rollback
        except _Rollback:
            pass
        except ValidationError:  # a step that needs attachments first: not timed
            skipped += 1
            timed = False
        if timed:
            acts.append((time.perf_counter() - started) * 1000)
    out = {
        "flows": len(seen),
        "load_ms": statistics.median(loads) if loads else 0.0,
        "dump_ms": statistics.median(dumps) if dumps else 0.0,
        "act_ms": statistics.median(acts) if acts else 0.0,
        "acts": len(acts),
    }
    print(
        f"  SpiffWorkflow：反序列化 {out['load_ms']:.2f} ms，序列化 {out['dump_ms']:.2f} ms"
        f"（{out['flows']} 个流程的中位数）；一次同意（task_act）共 {out['act_ms']:.1f} ms"
        f"（{out['acts']} 次中位数）",
        flush=True,
    )
    return out


class _Rollback(Exception):
    pass


def throughput_pool(args, hospital) -> dict[int, list[int]]:
    """Half as many bench accounts as approvers, each with enough ready tasks (bulk copies of
    a template's first ready step, assigned to it)."""
    from django.db import transaction

    from lianfang.accounts.models import RoleGrant, User
    from lianfang.core.roles import Role
    from lianfang.flows.models import Instance, Task

    accounts = max(1, args.approvers // 2)
    per_account = int(max(args.seconds, 1) * 40)
    template = (
        Task.objects.filter(
            state=Task.State.READY,
            committee_key="",
            instance__number__startswith="BENCH-",
        )
        .select_related("instance")
        .first()
    )
    pool = {}
    with transaction.atomic():
        for a in range(accounts):
            user, _ = User.objects.get_or_create(
                username=f"bench-approver-{a:02d}", defaults={"display_name": f"审批人{a}"}
            )
            RoleGrant.objects.get_or_create(user=user, role=Role.STAFF, organisation=hospital)
            source = template.instance
            rows = Instance.objects.bulk_create(
                [
                    Instance(
                        organisation=hospital,
                        version_id=source.version_id,
                        applicant_id=source.applicant_id,
                        applicant_person_id=source.applicant_person_id,
                        department_id=source.department_id,
                        title=f"吞吐{a}-{i}",
                        number=f"TPUT-{a:02d}-{i:05d}",
                        data=source.data,
                        workflow=source.workflow,
                    )
                    for i in range(per_account)
                ]
            )
            tasks = Task.objects.bulk_create(
                [
                    Task(
                        instance=row,
                        organisation=hospital,
                        bpmn_id=template.bpmn_id,
                        spiff_id=template.spiff_id,
                        name=template.name,
                        assignee=user,
                        candidate_rule=template.candidate_rule,
                    )
                    for row in rows
                ]
            )
            pool[user.pk] = [t.pk for t in tasks]
    return pool


def _approver(job) -> tuple[int, int]:
    """One approver process: approve the account's tasks in order until the time is up."""
    user_id, task_ids, until = job
    from django.db import connections

    connections.close_all()
    from lianfang.accounts.models import User
    from lianfang.flows import services
    from lianfang.flows.errors import TaskUnavailable
    from lianfang.flows.models import Task

    user = User.objects.get(pk=user_id)
    done = refused = 0
    for pk in task_ids:
        if time.time() >= until:
            break
        task = Task.objects.filter(pk=pk).first()
        try:
            services.task_act(actor=user, task=task, action="approve")
            done += 1
        except TaskUnavailable:
            refused += 1
    connections.close_all()
    return done, refused


def time_throughput(args, hospital) -> dict:
    from django.db import connections

    from lianfang.flows.models import InstanceEvent, Task

    pool = throughput_pool(args, hospital)
    connections.close_all()
    until = time.time() + 3 + args.seconds
    jobs = [(u, ids, until) for u, ids in pool.items() for _twice in range(2)]
    context = multiprocessing.get_context("fork")
    with context.Pool(len(jobs)) as workers:
        time.sleep(max(0.0, until - args.seconds - time.time()))  # the pool's start-up
        started = time.time()
        results = workers.map(_approver, jobs)
        elapsed = time.time() - started
    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    ids = [pk for ids in pool.values() for pk in ids]
    from django.db.models import Count

    approved = InstanceEvent.objects.filter(task_id__in=ids, kind=InstanceEvent.Kind.APPROVED)
    doubles = approved.values("task_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    completed = Task.objects.filter(pk__in=ids, state=Task.State.COMPLETED).count()
    out = {
        "approvers": len(jobs),
        "seconds": elapsed,
        "approvals": done,
        "per_second": done / elapsed if elapsed else 0.0,
        "refused": refused,
        "events": approved.count(),
        "completed": completed,
        "doubles": doubles,
    }
    ok = doubles == 0 and out["events"] == done == completed
    print(
        f"  {len(jobs)} 个审批进程 {elapsed:.1f} 秒：同意 {done} 次，"
        f"{out['per_second']:.1f} 次/秒；"
        f"被拒（他人已办）{refused} 次；“同意”记录 {out['events']} 条，已办任务 {completed} 个，"
        f"重复推进 {doubles} 个  {'PASS' if ok else 'FAIL'}  负载 {load()}",
        flush=True,
    )
    return out


def measure(args) -> None:
    from django.conf import settings
    from django.db import connection

    from lianfang.flows.models import Instance, Task
    from lianfang.org.models import Organisation

    print(f"\n== {connection.vendor} ==", flush=True)
    results = {"build": build(args), "vendor": connection.vendor}
    if args.build_only:
        print(f"  办件 {Instance.objects.count():,}，任务 {Task.objects.count():,}", flush=True)
        return
    if args.src:
        results["baseline_pages"] = time_baseline(args)
        print("  本版代码：", flush=True)
    hospital = Organisation.objects.get(code="SL-H01")
    results["instances"] = Instance.objects.count()
    results["tasks"] = Task.objects.count()
    results["ready_dept_head"] = Task.objects.filter(
        state=Task.State.READY, assignee__username="dept_head"
    ).count()
    print(
        f"  办件 {results['instances']:,}，任务 {results['tasks']:,}"
        f"（dept_head 待办 {results['ready_dept_head']:,}）；DEBUG={settings.DEBUG}",
        flush=True,
    )
    results["pages"] = time_pages(args)
    results["spiff"] = serialisation_cost()
    if connection.vendor == "postgresql":
        results["throughput"] = time_throughput(args, hospital)
    results["load"] = load()
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


def report(args, results: dict, baseline: str | None = None) -> None:
    names = list(results)
    columns = []  # (heading, the database's name, which pages)
    for n in names:
        if baseline:
            columns.append((f"{n} 基线 {baseline}", n, "baseline_pages"))
        columns.append((f"{n} 本版" if baseline else n, n, "pages"))
    print(
        f"\n权力运行基准 · --scale {args.scale} · {time.strftime('%Y-%m-%d %H:%M')} · "
        f"{platform.node()} · {os.cpu_count()} 核 · 负载 {load()}"
    )
    print("\n== 列表页 p95（ms）与每页查询数（20 行 / 200 行）==")
    print("  页面      " + "".join(f"{c[0]:>26}" for c in columns))
    for label, _name, _user in PAGES:
        cells = []
        for _heading, n, which in columns:
            page = results[n].get(which, {}).get(label)
            if page is None:
                cells.append("—")
                continue
            mark = "PASS" if page["p95"] < TARGET_P95_MS else "FAIL"
            flat = "平" if page["queries"][0] == page["queries"][1] else "变"
            cells.append(
                f"{page['p95']:8.1f} {mark} {page['queries'][0]:>3}/{page['queries'][1]:<3}{flat}"
            )
        print(f"  {label:<8}" + "".join(f"{c:>26}" for c in cells))
    print("\n== SpiffWorkflow 每次操作的（反）序列化 ==")
    for n in names:
        s = results[n]["spiff"]
        print(
            f"  {n:<10} 反序列化 {s['load_ms']:.2f} ms  序列化 {s['dump_ms']:.2f} ms  "
            f"一次同意共 {s['act_ms']:.1f} ms"
        )
    for n in names:
        t = results[n].get("throughput")
        if t:
            print(
                f"\n== 并发审批（{n}）==\n  {t['approvers']} 个进程 {t['seconds']:.1f} 秒："
                f"{t['per_second']:.1f} 次/秒，重复推进 {t['doubles']}"
            )


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.phase == "measure":
        setup(args.db)
        measure(args)
        return
    if args.phase == "pages":
        setup(args.db, args.src)
        import lianfang

        print(f"  （{Path(lianfang.__file__).parent}）", flush=True)
        pages = time_pages(args)
        Path(args.out).write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
        return
    baseline = checkout(args.baseline) if args.baseline else None
    targets = {"sqlite": sqlite_url(args), "postgres": args.pg}
    if args.only:
        targets = {args.only: targets[args.only]}
    results = {}
    for name, url in targets.items():
        if name == "postgres":
            prepare_postgres(url, args.rebuild)
        elif args.rebuild:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        out = ROOT / "var" / "bench" / f"flows-{name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, __file__, "--phase", "measure", "--db", url, "--out", str(out)]
        command += ["--scale", str(args.scale), "--reps", str(args.reps)]
        command += ["--approvers", str(args.approvers), "--seconds", str(args.seconds)]
        command += ["--no-monitor"] if args.no_monitor else []
        command += ["--build-only"] if args.build_only else []
        if baseline:
            command += ["--src", baseline[1]]
        subprocess.run(command, check=True)  # noqa: S603 (our own script, our arguments)
        if args.build_only:
            continue
        results[name] = json.loads(out.read_text(encoding="utf-8"))
    if not args.build_only:
        report(args, results, baseline[0] if baseline else None)


if __name__ == "__main__":
    main()
