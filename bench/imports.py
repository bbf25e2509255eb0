"""Benchmark: uploads that unpack huge, read by the import reader before and after its limits
(`lianfang.core.spreadsheets.limits`), side by side in one run.

    .venv/bin/python bench/imports.py [--reps 3] [--baseline af9f086] [--skip-legit]

Every figure comes from a child process of its own that starts Django and imports the
reader first; its extra peak memory is the rise of its own high-water mark (VmHWM) over the
read, its time the read's wall clock and CPU. The baseline is the reader of commit
`--baseline` (before the limits: a declared-size check of 400 MB, then calamine), taken
from git and loaded beside the current one, so both read the same files in the same run,
alternating.

The files are made once under var/bench/imports/:

- a shared-strings bomb: about 2 MB, whose shared-string table inflates to 390 MB: 23
  million tiny strings (under the old 400 MB check; no count announced, so the scan has to
  count them);
- one shared string of 390 MB that a cell uses, its count announced as 5;
- a million blank rows: a header, two data rows, then 1,000,000 rows whose two cells
  (the header's columns) hold empty text;
- one cell at XFD1048576 (calamine reserves a grid of 550 GB and the allocation aborts
  the process);
- a file just inside the limits, made to cost the most: a cell at CV30000 (a grid of
  30,000 rows × 100 columns) and 989,868 cells of text (judged on memory only: it is read);
- for the scan's cost on an honest file: a register-sized workbook of 20,000 rows × 28
  columns with shared strings, as Excel saves one.

Targets (issue 8): a refusal within 2 s and under 200 MB of extra peak memory. The time is
judged on the child's CPU time, printed beside the wall clock: on the shared 2-core machine
the wall clock mostly measures the wait for a core.
"""

import argparse
import importlib.util
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "var" / "bench" / "imports"
BASELINE = "af9f086"  # main before the limits
TARGET_SECONDS = 2.0
TARGET_MB = 200
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ["工号", "姓名"]
LEGIT_COLUMNS = 28
LEGIT_ROWS = 20_000
HANZI = "廉政风险防控岗位职责权力运行监督管理采购招标验收付款审批合同药品耗材设备财务预算"


# The workbooks ---------------------------------------------------------------------------


def write_xlsx(path: Path, sheet_chunks, shared_chunks=None) -> None:
    """An .xlsx whose sheet XML and shared-string table are written from iterables of
    bytes, streamed into the zip (the parent never holds a whole member)."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if shared_chunks is not None
            else ""
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
        f'{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheets><sheet name="名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
        f'{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            if shared_chunks is not None
            else ""
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for name, chunks in (
            ("xl/worksheets/sheet1.xml", sheet_chunks),
            ("xl/sharedStrings.xml", shared_chunks),
        ):
            if chunks is None:
                continue
            with z.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)


def sheet(rows_xml) -> list:
    return [
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode(),
        *rows_xml,
        b"</sheetData></worksheet>",
    ]


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def head_rows() -> list[bytes]:
    rows = [HEADER, ["0301", "孙会计"], ["0302", "周出纳"]]
    return [
        (
            f'<row r="{r}">'
            + "".join(inline(f"{'AB'[c]}{r}", v) for c, v in enumerate(row))
            + "</row>"
        ).encode()
        for r, row in enumerate(rows, start=1)
    ]


def make_bomb(path: Path, unpacked_mb: int = 390) -> None:
    """About 23 million tiny shared strings (a hundred texts over and over, which deflate
    packs about 190:1: a 2 MB file), no count announced; the sheet references the first
    four."""

    def strings():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
        yield "".join(f"<si><t>{t}</t></si>" for t in [*HEADER, "0301", "孙会计"]).encode()
        block = b"".join(b"<si><t>%d</t></si>" % n for n in range(100))
        for _ in range(unpacked_mb * 2**20 // len(block)):
            yield block
        yield b"</sst>"

    rows = [
        b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>',
    ]
    write_xlsx(path, sheet(rows), strings())


def make_long_string(path: Path, unpacked_mb: int = 390) -> None:
    """One shared string of 390 MB, the header's texts before it, its count announced as 5:
    the size, not the count, is what gives it away."""

    def strings():
        texts = "".join(f"<si><t>{t}</t></si>" for t in [*HEADER, "0301", "孙会计"])
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="5" '.encode()
        yield f'uniqueCount="5">{texts}<si><t>'.encode()
        for _ in range(unpacked_mb):
            yield b"A" * 2**20
        yield b"</t></si></sst>"

    rows = [
        b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>4</v></c></row>',
    ]
    write_xlsx(path, sheet(rows), strings())


def make_blank_rows(path: Path, rows: int = 1_000_000) -> None:
    def blank():
        for start in range(4, rows + 4, 10_000):
            stop = min(start + 10_000, rows + 4)
            yield "".join(
                f'<row r="{r}">{inline(f"A{r}", "")}{inline(f"B{r}", "")}</row>'
                for r in range(start, stop)
            ).encode()

    write_xlsx(path, sheet([*head_rows(), *blank()]))


def make_far_cell(path: Path) -> None:
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    write_xlsx(path, sheet([*head_rows(), far]))


EDGE_COLUMNS = [chr(65 + i) for i in range(26)] + [f"A{chr(65 + i)}" for i in range(7)]


def make_edge(path: Path) -> None:
    """A file just inside the limits, as a crafter would make one to cost the most: a cell
    at CV30000 that makes calamine's grid 30,000 rows × 100 columns, and 33 cells of text in
    each row (989,868 cells, under the million of the cells limit)."""

    def rows():
        yield from head_rows()
        for start in range(4, 30_000, 1000):
            yield "".join(
                f'<row r="{r}">'
                + "".join(inline(f"{c}{r}", f"文字{r}") for c in EDGE_COLUMNS)
                + "</row>"
                for r in range(start, min(start + 1000, 30_000))
            ).encode()
        yield b'<row r="30000"><c r="CV30000"><v>1</v></c></row>'

    write_xlsx(path, sheet(rows()))


def make_legit(path: Path) -> None:
    """A register-sized sheet with shared strings, as Excel saves it."""
    rng = random.Random(11)
    texts = ["".join(rng.choice(HANZI) for _ in range(rng.randint(2, 30))) for _ in range(4000)]
    index = {t: i for i, t in enumerate(texts)}
    header = [f"列{c + 1}" for c in range(LEGIT_COLUMNS)]

    def letters(n: int) -> str:
        out = ""
        while n:
            n, rest = divmod(n - 1, 26)
            out = chr(65 + rest) + out
        return out

    def rows():
        cells = "".join(inline(f"{letters(c + 1)}1", h) for c, h in enumerate(header))
        yield f'<row r="1">{cells}</row>'.encode()
        for start in range(2, LEGIT_ROWS + 2, 1000):
            out = []
            for r in range(start, min(start + 1000, LEGIT_ROWS + 2)):
                cells = "".join(
                    f'<c r="{letters(c + 1)}{r}" t="s"><v>{index[rng.choice(texts)]}</v></c>'
                    for c in range(LEGIT_COLUMNS)
                )
                out.append(f'<row r="{r}">{cells}</row>')
            yield "".join(out).encode()

    count = len(texts)
    strings = [
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{count}" '
        f'uniqueCount="{count}">'.encode(),
        "".join(f"<si><t>{t}</t></si>" for t in texts).encode(),
        b"</sst>",
    ]
    write_xlsx(path, sheet(rows()), strings)


CASES = {
    "bomb": ("共享字符串炸弹", make_bomb),
    "long": ("一个 390 MB 的共享字符串", make_long_string),
    "blank": ("一百万空行", make_blank_rows),
    "far": ("XFD1048576 单元格", make_far_cell),
    "edge": ("刚好不超上限：30,000 行 × 100 列的网格", make_edge),
    "legit": (f"正常文件 {LEGIT_ROWS:,} 行 × {LEGIT_COLUMNS} 列", make_legit),
}


def fixture(case: str) -> Path:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    path = FIXTURES / f"{case}.xlsx"
    if not path.exists():
        print(f"  生成 {path.name} ……", flush=True)
        partial = path.with_suffix(".partial")
        CASES[case][1](partial)
        partial.rename(path)
    return path


# The children ----------------------------------------------------------------------------


def own_peak_mb() -> float:
    """This process's own peak RSS (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def baseline_reader(revision: str):
    """`read_sheet` of `revision`, from git, loaded as a module of the kit's package (its
    relative imports resolve to the current columns and audit modules, unchanged)."""
    source = subprocess.run(  # noqa: S603 - git, with a revision given on the command line
        ["git", "show", f"{revision}:src/lianfang/core/spreadsheets/reading.py"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as out:
        out.write(source)
    name = "lianfang.core.spreadsheets._baseline_reading"
    spec = importlib.util.spec_from_file_location(name, out.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    os.unlink(out.name)
    return module.read_sheet


def child(reader: str, path: Path, revision: str) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    import django

    django.setup()
    from lianfang.core import spreadsheets

    read = baseline_reader(revision) if reader == "baseline" else spreadsheets.read_sheet
    with zipfile.ZipFile(path) as z, z.open("xl/worksheets/sheet1.xml") as member:
        first = member.read(4096).decode(errors="ignore")  # not the whole: memory is measured
    wide = "列1" in first
    names = [f"列{c + 1}" for c in range(LEGIT_COLUMNS)] if wide else HEADER
    columns = [spreadsheets.Column(f"c{i}", name, 10) for i, name in enumerate(names)]
    texts = spreadsheets.SheetTexts(empty="空", nothing="无数据")
    before = own_peak_mb()
    cpu, started = time.process_time(), time.perf_counter()
    try:
        rows = read(path, columns=columns, required=(), max_rows=10**7, texts=texts)
        outcome = f"读出 {len(rows):,} 行"
    except spreadsheets.SheetFileError as refusal:
        outcome = f"拒绝：{refusal}"
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
                "extra_mb": own_peak_mb() - before,
                "start_mb": before,
                "outcome": outcome,
            },
            ensure_ascii=False,
        )
    )


def run_child(reader: str, path: Path, revision: str) -> dict:
    command = [sys.executable, __file__, "--child", reader, "--path", str(path)]
    command += ["--baseline", revision]
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)  # noqa: S603
        stdout = process.stdout.read()
        process.stdout.close()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="ignore").strip().splitlines()
            said = [x for x in lines if "memory allocation" in x or "panicked" in x] or lines
            how = f"信号 {signal.Signals(-code).name}" if code < 0 else f"退出码 {code}"
            return {
                "crashed": f"进程终止（{how}）：{said[0][:48] if said else ''}",
                "seconds": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,
            }
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="runs of each reader per file (3)")
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"the old reader's commit ({BASELINE})"
    )
    parser.add_argument("--cases", default=",".join(CASES), help=",".join(CASES))
    parser.add_argument("--child", choices=["baseline", "current"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.path, args.baseline)
        return

    from importlib.metadata import version

    head = subprocess.run(  # noqa: S603
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"导入上限基准 · {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · "
        f"{os.cpu_count()} 核 · 负载 {os.getloadavg()[0]:.1f} · Python "
        f"{platform.python_version()} · python-calamine {version('python-calamine')} · "
        f"当前 {head}，基线 {args.baseline}"
    )
    print(
        f"  目标：拒绝用时 < {TARGET_SECONDS:.0f} 秒（按 CPU 时间），额外峰值内存 < {TARGET_MB} MB"
        "（子进程启动 Django 之后的增量）"
    )
    for case in args.cases.split(","):
        label = CASES[case][0]
        path = fixture(case)
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist()) / 2**20
        size = path.stat().st_size / 2**20
        print(f"\n== {label}（{path.name}，{size:.1f} MB，解压后 {unpacked:,.0f} MB）==")
        runs = {"baseline": [], "current": []}
        for _ in range(args.reps):
            for reader in runs:  # alternating
                runs[reader].append(run_child(reader, path, args.baseline))
        for reader, results in runs.items():
            name = f"基线 {args.baseline}" if reader == "baseline" else "当前（先检查上限）"
            crashed = [r for r in results if "crashed" in r]
            seconds = median(r["seconds"] for r in results)
            cpu = median(r["cpu"] for r in results)
            if crashed:
                peak = max(r["peak_mb"] for r in results)
                print(
                    f"  {name:<18} {crashed[0]['crashed']}  用时 {seconds:6.2f} 秒"
                    f"（CPU {cpu:5.2f} 秒） 子进程峰值 RSS {peak:6.0f} MB"
                )
                continue
            extra = max(r["extra_mb"] for r in results)
            refused = results[0]["outcome"].startswith("拒绝")
            # judged on CPU time: on the shared machine the wall clock mostly measures the wait
            # for a core (the work is single-threaded: on an idle one the two are the same).
            # A hostile file passes only when refused; the one just inside the limits when it
            # costs less than the memory target; the honest one is not judged.
            ok = refused and cpu < TARGET_SECONDS and extra < TARGET_MB
            if case == "edge":
                ok = extra < TARGET_MB
            verdict = "" if case == "legit" else "PASS" if ok else "FAIL"
            print(
                f"  {name:<18} 用时 {seconds:6.2f} 秒（CPU {cpu:5.2f} 秒）"
                f"  额外峰值 {extra:6.0f} MB（启动后 {results[0]['start_mb']:.0f} MB）"
                f"  {verdict}\n    {results[0]['outcome'][:90]}"
            )


if __name__ == "__main__":
    main()
