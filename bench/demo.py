"""Benchmark of the demo (issue #9, item 4): build time, register size, printed tables.

    .venv/bin/python bench/demo.py [--scale 1] [--seed 1] [--density realistic dense]
                                   [--render-rows 200]

For each density, in a child process of its own and a fresh SQLite database in a temporary
directory: migrates, builds `lianfang demo --scale N --density D` (timed), then prints

- the risk points, filed, drafts, overdue reviews, regrades and measures per hospital (with
  the measures planned, past their due date and in place), and the points of the first
  hospital by subject (leaders', posts', departments', the unit's);
- the 廉政风险定位表 of hospital 1's department heads and of its leaders in charge
  (分管领导): rows, and the pages of the real PDF (`risks.positioning.positioning_pdf`,
  counted with pypdf) for tables of at most `--render-rows` rows (WeasyPrint lays out some
  30 rows a second; the bigger ones print rows only). A leader's table is also printed at
  each level (`?levels=1`, the 一级 rows) and its pages given per department in charge.
  Min, median and max, and the targets: a head's table on 1–3 pages, a leader's about one
  page per department and level.

Not part of the test suite; the figures depend on the machine (see bench/README.md).
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.register import setup  # noqa: E402

HEAD_PAGES = 3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="hospitals (1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--density", nargs="+", default=["realistic", "dense"], help="densities to build"
    )
    parser.add_argument(
        "--render-rows", type=int, default=200, help="print tables of at most this many rows"
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def spread(values) -> str:
    if not values:
        return "—"
    return f"{min(values)} / {statistics.median(values):g} / {max(values)}"


def pdf_pages(table) -> int:
    from pypdf import PdfReader

    from lianfang.risks import positioning

    return len(PdfReader(io.BytesIO(positioning.positioning_pdf(table))).pages)


def measure(args) -> dict:
    """Child process: build the demo into the empty database, then measure it."""
    from django.core.management import call_command

    from lianfang.accounts.models import User
    from lianfang.demo import services
    from lianfang.demo.generator import REFERENCE_DATE
    from lianfang.org.models import Department, Organisation, Person
    from lianfang.risks import positioning
    from lianfang.risks.models import Measure, RiskPoint

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    result = services.demo_load(seed=args.seed, scale=args.scale, density=args.phase)
    seconds = time.perf_counter() - started
    hospitals = list(Organisation.objects.filter(code__startswith="SL-H").order_by("code"))
    per_hospital = []
    for hospital in hospitals:
        c = result.counts[hospital.code]
        measures = Measure.objects.filter(organisation=hospital)
        planned = measures.filter(status=Measure.Status.PLANNED)
        per_hospital.append(
            {
                "points": c["risk_points"],
                "filed": c["risk_points_filed"],
                "drafts": c["risk_points_draft"],
                "overdue": c["reviews_overdue"],
                "regraded": c["regraded"],
                "measures": c["measures"],
                "planned": planned.count(),
                "past_due": planned.filter(due__lt=REFERENCE_DATE).count(),
                "in_place": measures.filter(status=Measure.Status.IN_PLACE).count(),
            }
        )
    first = hospitals[0]
    points = RiskPoint.objects.filter(organisation=first)
    subjects = Counter()
    for subject, post_leader in points.values_list("subject", "post__is_leadership"):
        subjects["leader" if post_leader else subject] += 1

    user = User.objects.get(username="integrity")
    heads = []
    for department in Department.objects.filter(organisation=first).order_by("order"):
        table = positioning.positioning_table(user=user, leader=department.head)
        rows = len(table.rows)
        pages = pdf_pages(table) if rows <= args.render_rows else None
        heads.append({"department": department.name, "rows": rows, "pages": pages})
    leaders = []
    people = positioning.positioning_index(user=user).filter(
        organisation=first, is_division_leader=True
    )
    for person in Person.objects.filter(pk__in=people.values("pk")).order_by("staff_no"):
        entry = {"name": person.name, "title": person.title}
        for levels in ("", "1"):
            table = positioning.table_for(user=user, person=person, levels_param=levels)
            rows = len(table.rows)
            entry["departments"] = len(table.departments)
            entry[f"rows{levels}"] = rows
            entry[f"pages{levels}"] = pdf_pages(table) if rows <= args.render_rows else None
        leaders.append(entry)
    return {
        "pdf_max_rows": positioning.PDF_MAX_ROWS,
        "density": args.phase,
        "seconds": seconds,
        "hospitals": per_hospital,
        "subjects": dict(subjects),
        "heads": heads,
        "leaders": leaders,
    }


def report(data: dict, scale: int) -> None:
    density = data["density"]
    hospitals = data["hospitals"]
    points = [h["points"] for h in hospitals]
    print(f"\n== 密度 {density}：{scale} 家医院 ==")
    print(f"  生成用时 {data['seconds']:.1f} 秒（demo_load，含 ANALYZE）")
    for key, label in (
        ("points", "风险点"),
        ("filed", "已备案"),
        ("drafts", "草稿"),
        ("overdue", "复核逾期"),
        ("regraded", "调整等级"),
        ("measures", "防控措施"),
        ("planned", "措施计划中"),
        ("past_due", "其中已过期"),
        ("in_place", "措施已落实"),
    ):
        print(f"  每家医院{label}（最少 / 中位 / 最多）：{spread([h[key] for h in hospitals])}")
    mean = statistics.mean(points)
    print(f"  平均每家 {mean:,.0f} 个风险点：20 家医院约 {mean * 20:,.0f} 个")
    print(f"  第一家医院按主体：{data['subjects']}")

    heads = data["heads"]
    rendered = [h["pages"] for h in heads if h["pages"] is not None]
    refused = sum(h["rows"] > data["pdf_max_rows"] for h in heads)
    ok = len(rendered) == len(heads) and max(rendered) <= HEAD_PAGES
    print(
        f"  部门负责人定位表 {len(heads)} 张：行数 {spread([h['rows'] for h in heads])}；"
        f"PDF 页数 {spread(rendered)}（排版 {len(rendered)} 张，其余行数过多未排版；"
        f"{refused} 张超过 PDF 上限 {data['pdf_max_rows']} 行，页面拒绝打印）"
        f"  目标 ≤ {HEAD_PAGES} 页  {'PASS' if ok else 'FAIL'}"
    )
    worst = sorted(heads, key=lambda h: -h["rows"])[:5]
    worst = [f"{h['department']} {h['rows']} 行 {h['pages']} 页" for h in worst]
    print("    行数最多：" + "；".join(worst))
    # A leader's table: about a page per department in charge and level, so the 一级 table
    # within a page per department and the whole one within three.
    for leader in data["leaders"]:
        per, ok = [], True
        for levels, label, most in (("", "全部", 3), ("1", "一级", 1)):
            pages = leader[f"pages{levels}"]
            each = f"{pages / leader['departments']:.1f}" if pages else "—"
            ok &= pages is not None and pages <= most * leader["departments"]
            rows = leader[f"rows{levels}"]
            per.append(f"{label} {rows} 行 {pages or '—'} 页（每科室 {each} 页）")
        print(
            f"  分管领导 {leader['name']}（{leader['title']}，{leader['departments']} 个科室）："
            + "；".join(per)
            + f"  {'PASS' if ok else 'FAIL'}"
        )


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.phase:
        setup(args.db)
        print(json.dumps(measure(args), ensure_ascii=False))
        return
    print(
        f"演示数据基准 · {time.strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} 核 · "
        f"种子 {args.seed} · {args.scale} 家医院 · SQLite"
    )
    for density in args.density:
        with tempfile.TemporaryDirectory() as tmp:
            command = [sys.executable, __file__, "--phase", density, "--db"]
            command += [f"sqlite:///{tmp}/demo.sqlite3", "--scale", str(args.scale)]
            command += ["--seed", str(args.seed), "--render-rows", str(args.render_rows)]
            env = {**os.environ, "LIANFANG_VAR": tmp}
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
            if done.returncode != 0:
                print(done.stdout + done.stderr)
                raise SystemExit(f"密度 {density} 失败")
            report(json.loads(done.stdout.strip().splitlines()[-1]), args.scale)


if __name__ == "__main__":
    main()
