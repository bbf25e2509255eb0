"""Benchmark of the spreadsheet engines, side by side in one run (the choice behind
`lianfang.core.spreadsheets`).

    .venv/bin/python bench/spreadsheets.py [--read-rows 10000,200000] [--write-rows 227000]

Every figure comes from a child process of its own, whose peak RSS is read with `os.wait4`
(the rusage of that child alone), so one engine's memory never counts against another's.
The rows are synthetic and register-sized: 28 columns as in the 风险点登记表 (序号 … 措施状态),
Chinese text of the register's lengths, multi-line measures, numbers and a date, and now and
then a text that looks like a formula ("=HYPERLINK(…)", "+86 …", "-", "@…").

- reading: python-calamine against openpyxl (read-only, values only), each reading every
  cell of the same workbook (shared strings, as Excel and WPS save it), then the kit's own
  reader (`spreadsheets.read_sheet`: header lookup, blank rows, SheetRow per row);
- writing: XlsxWriter (constant_memory) against openpyxl (write-only), writing the same rows
  with the register export's styles (header fill, widths, frozen header, wrapped multi-line
  columns, date format, formula-looking text kept as text), then the kit's writer
  (`spreadsheets.SheetWriter`), which is what every export calls: with its cells written by
  XlsxWriter's per-cell calls (`xml_cells=False`, as until 2026-12-07) and by `sheetdata`.

The write figures are the writer alone over rows already in memory (no database): the real
register export adds the reading of the risk points (bench/register.py measures that at
scale 20). Not part of the test suite; see bench/README.md.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "var" / "bench"
TARGET_EXPORT_S = 60
TARGET_EXPORT_MB = 300

HEADERS = [
    *("序号", "单位/科室", "岗位", "权力事项", "流程环节", "风险类别", "风险点（名称）"),
    *("风险描述/表现形式", "可能性 L", "危害程度 C", "风险值 D", "风险等级", "防控措施"),
    *("责任人（部门负责人）", "责任领导", "监督/监测指标", "状态", "编号", "所属单位", "对象"),
    *("权力编码", "来源", "事项性质", "符合条件", "最近复核", "措施责任人", "措施时限", "措施状态"),
]
WIDTHS = [6, 16, 14, 22, 16, 14, 24, 40, 8, 8, 8, 10, 44, 12, 12, 30, 8, 8, 20, 6, 12, 8]
WIDTHS += [14, 18, 11, 18, 11, 9]
EXTRA_FROM = 17  # 编号 onwards: the round-trip columns, drawn in a lighter header
MULTILINE = {7, 12, 15, 25, 26, 27}
DATE_COLUMN = 24
HANZI = (
    "廉政风险防控岗位职责权力运行监督管理采购招标验收付款审批合同药品耗材设备财务预算"
    "人事招聘考核晋升医保结算收费票据信息系统数据审计巡察整改纪律教育约谈问责科室领导"
)
FORMULA_LIKE = ('=HYPERLINK("http://x","点击")', "+86 138 0000 0000", "-", "@张三", "=1+1")


def text(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(HANZI) for _ in range(rng.randint(low, high)))


def synthetic_rows(count: int, seed: int = 7):
    """`count` register-like rows (lists of 28 values), the same for every engine."""
    rng = random.Random(seed)
    units = [text(rng, 3, 6) + "科" for _ in range(40)]
    posts = [text(rng, 2, 5) + "岗" for _ in range(200)]
    powers = [text(rng, 6, 14) for _ in range(120)]
    people = [text(rng, 2, 3) for _ in range(300)]
    for number in range(1, count + 1):
        likelihood, harm = rng.randint(1, 5), rng.randint(1, 5)
        measures = [text(rng, 20, 60) for _ in range(rng.randint(1, 4))]
        row = [
            number,
            rng.choice(units),
            rng.choice(posts),
            rng.choice(powers),
            text(rng, 2, 6),
            "廉洁风险",
            text(rng, 8, 18),
            text(rng, 40, 120),
            likelihood,
            harm,
            likelihood * harm,
            "二级（中）",
            "\n".join(f"{i}. {m}" for i, m in enumerate(measures, start=1)),
            rng.choice(people),
            "、".join(rng.sample(people, 2)),
            "\n".join(f"{text(rng, 4, 8)}：{rng.choice(people)}" for _ in range(2)),
            "已登记",
            number + 1000,
            "示例市人民医院",
            "岗位",
            f"QL-{number % 997:04d}",
            "本单位",
            "行政审批",
            "涉及资金",
            dt.date(2026, 1, 1) + dt.timedelta(days=number % 300),
            "\n".join(rng.choice(people) for _ in measures),
            "\n".join("2026-12-31" for _ in measures),
            "\n".join("进行中" for _ in measures),
        ]
        if number % 1000 == 0:
            row[6] = FORMULA_LIKE[(number // 1000) % len(FORMULA_LIKE)]
        yield row


def rows_to_write(count: int, pool: list):
    """`count` rows for the writers: the `pool` of synthetic rows, made before the clock
    starts, repeated with their own 序号 and 编号, so that the time measured is the
    writer's, not the making of random text (about a third of it otherwise)."""
    for number in range(1, count + 1):
        row = list(pool[(number - 1) % len(pool)])
        row[0], row[17] = number, number + 1000
        yield row


# Children: one engine, one task; print JSON ------------------------------------------------


def read_openpyxl(path: Path) -> dict:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = cells = 0
    for values in wb.worksheets[0].iter_rows(values_only=True):
        rows += 1
        cells += sum(1 for v in values if v is not None)
    wb.close()
    return {"rows": rows, "cells": cells}


def read_calamine(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as wb:
        rows = cells = 0
        for values in wb.get_sheet_by_index(0).iter_rows():
            rows += 1
            cells += sum(1 for v in values if v != "")
    return {"rows": rows, "cells": cells}


def read_kit(path: Path) -> dict:
    from lianfang.core import spreadsheets

    columns = [spreadsheets.Column(f"c{i}", h, 10) for i, h in enumerate(HEADERS)]
    with path.open("rb") as file:
        rows = spreadsheets.read_sheet(
            file,
            error=RuntimeError,
            columns=columns,
            required=("c1",),
            max_rows=10**7,
            texts=spreadsheets.SheetTexts(unreadable="?", empty="?", missing="?", nothing="?"),
        )
    return {"rows": len(rows) + 1, "cells": sum(len(r.values) for r in rows)}


def write_openpyxl(path: Path, rows) -> dict:
    """As the register export wrote until 2026-12: plain values where it can, WriteOnlyCell
    with a style for the wrapped columns, the date and text that looks like a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("风险点登记表")
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for i, title in enumerate(HEADERS):
        extra = i >= EXTRA_FROM
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True, color="333333" if extra else "FFFFFF")
        cell.fill = PatternFill("solid", fgColor="E8D5D5" if extra else "A61B1B")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for values in rows:
        cells = []
        for i, value in enumerate(values):
            formula_like = isinstance(value, str) and value[:1] in "=+-@" and value != ""
            if i not in MULTILINE and i != DATE_COLUMN and not formula_like:
                cells.append(value)
                continue
            cell = WriteOnlyCell(ws, value=value)
            if formula_like:
                cell.data_type = "s"
            if i in MULTILINE:
                cell.alignment = wrap
            elif i == DATE_COLUMN:
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    wb.save(path)
    return {"rows": values[0]}  # the last 序号


def write_xlsxwriter(path: Path, rows) -> dict:
    """The same sheet with XlsxWriter in constant_memory mode: each row goes to a temporary
    file as it is written; strings are always written as strings."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    ws = wb.add_worksheet("风险点登记表")
    head = dict(bold=True, align="center", valign="vcenter", text_wrap=True, pattern=1)
    header = wb.add_format({**head, "font_color": "#FFFFFF", "bg_color": "#A61B1B"})
    header_extra = wb.add_format({**head, "font_color": "#333333", "bg_color": "#E8D5D5"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    quoted = wb.add_format({"quote_prefix": True})
    for i, width in enumerate(WIDTHS):
        ws.set_column(i, i, width)
    ws.freeze_panes(1, 0)
    for i, title in enumerate(HEADERS):
        ws.write_string(0, i, title, header_extra if i >= EXTRA_FROM else header)
    for r, values in enumerate(rows, start=1):
        for i, value in enumerate(values):
            if isinstance(value, str):
                if value:
                    fmt = wrap if i in MULTILINE else quoted if value[0] in "=+-@" else None
                    ws.write_string(r, i, value, fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(r, i, value, date)
            else:
                ws.write_number(r, i, value)
    wb.close()
    return {"rows": values[0]}  # the last 序号


def write_kit(path: Path, rows, *, xml_cells: bool = True) -> dict:
    """The kit's SheetWriter: its own cell XML (`sheetdata`), or with `xml_cells=False`
    XlsxWriter's per-cell calls (as before 2026-12-07; the same file)."""
    from lianfang.core import spreadsheets

    columns = [
        spreadsheets.Column(
            f"c{i}",
            title,
            WIDTHS[i],
            extra=i >= EXTRA_FROM,
            wrap=i in MULTILINE,
        )
        for i, title in enumerate(HEADERS)
    ]
    with path.open("wb") as out, spreadsheets.SheetWriter(out, xml_cells=xml_cells) as book:
        sheet = book.sheet("风险点登记表", columns)
        for values in rows:
            sheet.row(values)
    return {"rows": values[0]}  # the last 序号


def make_fixture(path: Path, count: int) -> dict:
    """Shared strings, as Excel and WPS save a workbook (XlsxWriter's in-memory mode; the
    fixture is made once, its memory is not measured)."""
    import xlsxwriter

    partial = path.with_suffix(".partial")
    wb = xlsxwriter.Workbook(str(partial), {"strings_to_formulas": False})
    ws = wb.add_worksheet("风险点登记表")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, HEADERS)
    for r, values in enumerate(synthetic_rows(count), start=1):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, value, date)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write_number(r, c, value)
    wb.close()
    partial.rename(path)
    return {"rows": count}


def django_baseline(path: Path) -> dict:
    django_setup()
    from lianfang.core import spreadsheets  # noqa: F401

    return {"rows": 0, "cells": 0}


def django_setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    import django

    django.setup()


CHILDREN = {
    "read:openpyxl": read_openpyxl,
    "read:calamine": read_calamine,
    "read:kit": read_kit,
    "read:django": django_baseline,
    "write:openpyxl": write_openpyxl,
    "write:xlsxwriter": write_xlsxwriter,
    "write:kit": write_kit,
    "write:kit-xlsxwriter-cells": lambda path, rows: write_kit(path, rows, xml_cells=False),
    "fixture": make_fixture,
}


def child(task: str, path: Path, count: int) -> None:
    if task.startswith("write:kit") or task == "read:kit":
        django_setup()  # before the clock: the kit's figures are its own
    if task.startswith("write:"):
        rows = rows_to_write(count, list(synthetic_rows(2000)))
        cpu = time.process_time()
        started = time.perf_counter()
        result = CHILDREN[task](path, rows)
    else:
        cpu = time.process_time()
        started = time.perf_counter()
        result = CHILDREN[task](path) if task.startswith("read:") else CHILDREN[task](path, count)
    result["cpu"] = time.process_time() - cpu
    result["seconds"] = time.perf_counter() - started
    result["own_peak_mb"] = own_peak_mb()
    print(json.dumps(result))


def own_peak_mb() -> float:
    """This process's own peak RSS (VmHWM), which, unlike ru_maxrss, starts at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_child(task: str, path: Path, count: int = 0) -> dict:
    """Run one task in a child; its JSON plus its own peak RSS in MB (Linux: ru_maxrss in KB)."""
    command = [sys.executable, __file__, "--child", task, "--path", str(path)]
    command += ["--count", str(count)]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)  # noqa: S603
        stdout = process.stdout.read()
        process.stdout.close()
        # wait4 reaps the child and returns the rusage of that child alone
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            print(stdout.decode() + errors.read().decode())
            raise SystemExit(f"{task} 失败")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    # CPU time counts only while the child ran: on a shared machine it varies far less than
    # the wall-clock time, which includes waiting for a core
    result["child_cpu"] = usage.ru_utime + usage.ru_stime  # with Python's start
    if result["peak_mb"] > result["own_peak_mb"] + 5:  # the parent grew: figures would lie
        print(f"  （注意：{task} 的峰值 RSS 含父进程的 {result['peak_mb']:.0f} MB）")
    return result


# Parent ------------------------------------------------------------------------------------


def fixture(count: int) -> Path:
    """A workbook of `count` rows with shared strings (as Excel saves it), made once, by a
    child: the parent stays small, since a child's peak RSS starts from its parent's."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / f"sheets-{count}.xlsx"
    if not path.exists():
        print(f"  生成 {count:,} 行的测试工作簿 {path.name} ……", flush=True)
        run_child("fixture", path, count)
    return path


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--read-rows", default="10000,200000", help="rows read (10000,200000)")
    parser.add_argument("--write-rows", type=int, default=227_000, help="rows written (227000)")
    parser.add_argument("--skip-read", action="store_true")
    parser.add_argument("--skip-write", action="store_true")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.path, args.count)
        return

    from importlib.metadata import version

    print(
        f"表格引擎基准 · {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · "
        f"{os.cpu_count()} 核 · 负载 {os.getloadavg()[0]:.1f} · Python "
        f"{platform.python_version()} · openpyxl {version('openpyxl')} · python-calamine "
        f"{version('python-calamine')} · XlsxWriter {version('XlsxWriter')}"
    )
    baseline = run_child("read:openpyxl", fixture(1), 0)["peak_mb"]
    django = run_child("read:django", fixture(1))["peak_mb"]
    print(
        f"  子进程基线峰值 RSS：Python 启动并读 1 行 {baseline:.0f} MB，"
        f"启动 Django（套件的行）{django:.0f} MB"
    )

    if not args.skip_read:
        for count in (int(n) for n in args.read_rows.split(",")):
            path = fixture(count)
            size = path.stat().st_size / 2**20
            print(f"\n== 读取 {count:,} 行 × {len(HEADERS)} 列（{path.name}，{size:.1f} MB）==")
            for task, label in (
                ("read:openpyxl", "openpyxl（只读模式）"),
                ("read:calamine", "python-calamine"),
                ("read:kit", "套件 read_sheet（calamine）"),
            ):
                r = run_child(task, path)
                print(
                    f"  {label:<26} 用时 {r['seconds']:7.1f} 秒（CPU {r['cpu']:6.1f} 秒）"
                    f"  峰值 RSS {r['peak_mb']:6.0f} MB  "
                    f"（{r['rows']:,} 行，{r['cells']:,} 个非空单元格）",
                    flush=True,
                )

    if not args.skip_write:
        count = args.write_rows
        print(f"\n== 写出 {count:,} 行 × {len(HEADERS)} 列（仅写出，无数据库）==")
        with_kit = (
            ("write:openpyxl", "openpyxl（只写模式）"),
            ("write:xlsxwriter", "XlsxWriter（constant_memory）"),
            ("write:kit-xlsxwriter-cells", "套件 SheetWriter（XlsxWriter 写单元格）"),
            ("write:kit", "套件 SheetWriter（sheetdata 写单元格）"),
        )
        for task, label in with_kit:
            path = FIXTURES / f"written-{task.split(':')[1]}.xlsx"
            r = run_child(task, path, count)
            size = path.stat().st_size / 2**20
            path.unlink()
            ok = r["cpu"] < TARGET_EXPORT_S and r["peak_mb"] < TARGET_EXPORT_MB
            print(
                f"  {label:<30} 用时 {r['seconds']:7.1f} 秒（CPU {r['cpu']:6.1f} 秒）  "
                f"峰值 RSS {r['peak_mb']:6.0f} MB  "
                f"文件 {size:5.1f} MB  目标 CPU < {TARGET_EXPORT_S} 秒且 < {TARGET_EXPORT_MB} MB  "
                f"{verdict(ok)}",
                flush=True,
            )


if __name__ == "__main__":
    main()
