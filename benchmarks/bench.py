"""Speed of gendan against the floor: the bare read of the same file.

    python benchmarks/bench.py [--sizes 10000 100000 300000] [--runs 3] [--data DIR]
                               [--docs-orders N] [--excel-like]

For each size it builds (once, cached in --data) a master workbook of that many orders
(gendan.book.sample.write_large: inline strings, as fast writers make them), with
``--excel-like`` also a copy re-saved by LibreOffice (shared strings, as Excel and
LibreOffice write them), then times, each as a separate process, alternating the
commands run by run so that a busy machine hurts them alike:

    bare-calamine   python-calamine to_python() of every sheet          (the floor)
    bare-fastexcel  fastexcel → Arrow of every sheet                    (if installed)
    check           gendan check BOOK --format json > /dev/null
    overdue         gendan overdue BOOK --format json > /dev/null
    annotate        gendan annotate BOOK --out COPY (marks, notes, 检查结果)
and, once, ``gendan docs --all`` on a 1,000-order workbook.

The books get findings to mark (``--defects N``: every Nth order's container number gets a
wrong ISO 6346 check digit, default 20 = 5 % of the orders), so that annotate has cells,
notes and a 检查结果 sheet to write; ``--defects 0`` times the clean book.

(The input gate is not timed apart any more: since the parallel read (gendan.read.split_read)
the parse of a big sheet runs behind the gate's scan, so "the engine without the gate"
is no longer a part of the run.)

It prints the median wall time and peak memory (max RSS of the process) of each, and the
ratios check / bare-calamine and check / bare-fastexcel.  A command that refuses the file
(exit 2: the gate's size limits refuse a 300,000-order sheet, 554 MB of XML) is shown as
refused and the others go on.  Figures are measured, never
asserted in tests: they go into README.md's performance section and docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BARE_CALAMINE = """
import sys, python_calamine as pc
wb = pc.CalamineWorkbook.from_path(sys.argv[1])
for n in wb.sheet_names:
    wb.get_sheet_by_name(n).to_python()
"""
BARE_FASTEXCEL = """
import sys, fastexcel
r = fastexcel.read_excel(sys.argv[1])
for n in r.sheet_names:
    r.load_sheet(n, header_row=None).to_arrow()
"""


class Refused(Exception):
    """The command said the input cannot be used (exit 2)."""


def run(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one process; output discarded."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err_bytes = proc.stderr.read() if proc.stderr else b""  # drained while it runs
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    err = err_bytes.decode(errors="replace")
    if code == 2:
        raise Refused(err.strip().splitlines()[-1] if err.strip() else "exit 2")
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.strip()[-500:]}")
    LAST_CPU.append(usage.ru_utime + usage.ru_stime)
    return wall, usage.ru_maxrss // 1024


#: CPU seconds (user + system, the process and the children it waited for) of each run, in
#: order: on a shared machine wall times wander with the load, CPU times much less
LAST_CPU: list[float] = []


def have(module: str) -> bool:
    return (
        subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode
        == 0
    )


def build(n: int, folder: Path) -> Path:
    path = folder / f"master-{n}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from gendan.book.sample import write_large; write_large({str(path)!r}, {n})",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"  built {path.name} in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 2**20:.1f} MiB)"
        )
    return path


def with_defects(path: Path, every: int) -> Path:
    """``path`` with every ``every``-th order's container number one check digit off
    (cached): the findings an annotate run writes."""
    if every <= 0:
        return path
    out = path.with_name(f"{path.stem}-defects{every}.xlsx")
    if out.exists():
        return out
    import re
    import zipfile

    from gendan.model.grid import column_letter
    from gendan.model.schema import load_schema

    keys = [c.key for c in load_schema().master.columns]
    letters = column_letter(keys.index("container_nos") + 1).encode()
    pat = re.compile(rb'(<c r="' + letters + rb'(\d+)"[^>]*><is><t>)([A-Z]{4}\d{6})(\d)')

    def sub(m: re.Match[bytes]) -> bytes:
        if int(m.group(2)) % every:
            return m.group(0)
        return m.group(1) + m.group(3) + str((int(m.group(4)) + 1) % 10).encode()

    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = pat.sub(sub, data)
            zout.writestr(info, data)
    return out


def excel_like(path: Path) -> Path:
    """``path`` re-saved by LibreOffice (cached): shared strings and styles as office suites
    write them, where python-calamine and gendan's pieces parse a string table too."""
    out = path.with_name(path.stem + "-excel-like.xlsx")
    if not out.exists():
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--headless",
                    "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML",
                    "--outdir",
                    tmp,
                    str(path),
                ],
                check=True,
                capture_output=True,
            )
            os.replace(Path(tmp) / path.name, out)
        print(f"  re-saved {path.name} with LibreOffice in {time.perf_counter() - t0:.1f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "gendan-bench"))
    ap.add_argument("--docs-orders", type=int, default=1000)
    ap.add_argument(
        "--excel-like",
        action="store_true",
        help="also time each master re-saved by LibreOffice (shared strings)",
    )
    ap.add_argument(
        "--defects",
        type=int,
        default=20,
        help="every Nth order gets a wrong container check digit (0: clean books)",
    )
    ap.add_argument(
        "--only", nargs="+", metavar="CMD", help="time only these commands (e.g. check annotate)"
    )
    args = ap.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    gendan = [sys.executable, "-m", "gendan.cli"]
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    cmds: dict[str, Callable[[Path], list[str]]] = {
        "bare-calamine": lambda p: [sys.executable, "-c", BARE_CALAMINE, str(p)]
    }
    if have("fastexcel"):
        cmds["bare-fastexcel"] = lambda p: [sys.executable, "-c", BARE_FASTEXCEL, str(p)]
    cmds["check"] = lambda p: (
        gendan + ["check", str(p), "--format", "json", "--as-of", "2026-11-27"]
    )
    cmds["overdue"] = lambda p: (
        gendan + ["overdue", str(p), "--format", "json", "--as-of", "2026-11-27"]
    )
    cmds["annotate"] = lambda p: (
        gendan
        + ["annotate", str(p), "--out", str(data / f"annotated-{p.name}"), "--as-of", "2026-11-27"]
    )
    if args.only:
        cmds = {k: v for k, v in cmds.items() if k in args.only}
    results: dict[str, dict[str, tuple[float, int] | None]] = {}
    books = [(f"{n:>8,}", n, with_defects(build(n, data), args.defects)) for n in args.sizes]
    if args.excel_like:
        books += [(f"{n:>8,} excel-like", n, excel_like(p)) for _label, n, p in books]
    for label, _n, path in books:
        cpus: dict[str, list[float]] = {k: [] for k in cmds}
        times: dict[str, list[float]] = {k: [] for k in cmds}
        mems: dict[str, list[int]] = {k: [] for k in cmds}
        refused: dict[str, str] = {}
        for _ in range(args.runs):
            for name, make in cmds.items():  # alternated: one of each per round
                if name in refused:
                    continue
                try:
                    w, m = run(make(path))
                except Refused as exc:
                    refused[name] = str(exc)
                    continue
                times[name].append(w)
                mems[name].append(m)
                cpus[name].append(LAST_CPU[-1])
        results[label] = {
            k: (statistics.median(times[k]), max(mems[k])) if times[k] else None for k in cmds
        }
        row = results[label]
        line = "  ".join(
            f"{k} {v[0]:.2f} s / {v[1]} MB" if v else f"{k} refused" for k, v in row.items()
        )
        print(f"{label} orders: {line}")
        check, annotate = row.get("check"), row.get("annotate")
        if check and annotate:
            c_cpu, a_cpu = statistics.median(cpus["check"]), statistics.median(cpus["annotate"])
            print(
                f"{'':>17} annotate/check {annotate[0] / check[0]:.2f} (wall), {a_cpu / c_cpu:.2f} "
                f"(CPU: {a_cpu:.2f} s / {c_cpu:.2f} s), {annotate[1] / check[1]:.2f} (memory)"
            )
        base = row.get("bare-calamine")
        fast = row.get("bare-fastexcel")
        for name in ("check",):
            got = row.get(name)
            if got is None or base is None:
                continue
            extra = f", {name}/fastexcel {got[0] / fast[0]:.2f}" if fast else ""
            print(f"{'':>17} {name}/calamine {got[0] / base[0]:.2f}{extra}")
        for name, why in refused.items():
            print(f"{'':>17} {name} refused the file: {why}")
    sizes = sorted(args.sizes)
    for a, b in zip(sizes, sizes[1:], strict=False):
        for name in ("check", "bare-calamine"):
            ra, rb = results[f"{a:>8,}"].get(name), results[f"{b:>8,}"].get(name)
            if ra and rb:
                print(f"growth {a:,} → {b:,} orders ({b / a:.1f}×): {name} {rb[0] / ra[0]:.2f}×")
    # documents for 1,000 orders (--docs-orders 0 skips them)
    if args.docs_orders <= 0:
        return
    docs_src = build(args.docs_orders, data)
    out = data / "docs-out.xlsx"
    try:
        w, m = run(gendan + ["docs", str(docs_src), "--all", "--out", str(out)])
    except Refused as exc:
        print(f"docs --all for {args.docs_orders:,} orders: refused: {exc}")
    else:
        print(f"docs --all for {args.docs_orders:,} orders: {w:.2f} s / {m} MB")


if __name__ == "__main__":
    main()
