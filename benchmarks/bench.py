"""Speed of gendan against the floor: the bare read of the same file.

    python benchmarks/bench.py [--sizes 10000 100000 300000] [--runs 3] [--data DIR]

For each size it builds (once, cached in --data) a master workbook of that many orders
(gendan.sample.write_large), then times, each as a separate process, alternating the
commands run by run so that a busy machine hurts them alike:

    bare-calamine   python-calamine to_python() of every sheet          (the floor)
    bare-fastexcel  fastexcel → Arrow of every sheet                    (if installed)
    check           gendan check BOOK --format json > /dev/null
    overdue         gendan overdue BOOK --format json > /dev/null
and, once, ``gendan docs --all`` on a 1,000-order workbook.

It prints the median wall time and peak memory (max RSS of the process) of each, and the
ratios check / bare-calamine and check / bare-fastexcel.  Figures are measured, never
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


def run(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one process; output discarded."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.strip()[-500:]}")
    return wall, usage.ru_maxrss // 1024


def have(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def build(n: int, folder: Path) -> Path:
    path = folder / f"master-{n}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"from gendan.sample import write_large; write_large({str(path)!r}, {n})"],
                       check=True, stdout=subprocess.DEVNULL)
        print(f"  built {path.name} in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 2**20:.1f} MiB)")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "gendan-bench"))
    ap.add_argument("--docs-orders", type=int, default=1000)
    args = ap.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    gendan = [sys.executable, "-m", "gendan.cli"]
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    cmds = {"bare-calamine": lambda p: [sys.executable, "-c", BARE_CALAMINE, str(p)]}
    if have("fastexcel"):
        cmds["bare-fastexcel"] = lambda p: [sys.executable, "-c", BARE_FASTEXCEL, str(p)]
    cmds["check"] = lambda p: gendan + ["check", str(p), "--format", "json", "--as-of", "2026-11-27"]
    cmds["overdue"] = lambda p: gendan + ["overdue", str(p), "--format", "json", "--as-of", "2026-11-27"]
    results: dict[int, dict[str, tuple[float, int]]] = {}
    for n in args.sizes:
        path = build(n, data)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        mems: dict[str, list[int]] = {k: [] for k in cmds}
        for _ in range(args.runs):
            for name, make in cmds.items():  # alternated: one of each per round
                w, m = run(make(path))
                times[name].append(w)
                mems[name].append(m)
        results[n] = {k: (statistics.median(times[k]), max(mems[k])) for k in cmds}
        row = results[n]
        line = "  ".join(f"{k} {row[k][0]:.2f} s / {row[k][1]} MB" for k in cmds)
        ratio = row["check"][0] / row["bare-calamine"][0]
        extra = f", check/fastexcel {row['check'][0] / row['bare-fastexcel'][0]:.2f}" if "bare-fastexcel" in row else ""
        print(f"{n:>8,} orders: {line}  | check/calamine {ratio:.2f}{extra}")
    sizes = sorted(results)
    for a, b in zip(sizes, sizes[1:], strict=False):
        grow = results[b]["check"][0] / results[a]["check"][0]
        print(f"growth {a:,} → {b:,} orders ({b / a:.1f}×): check {grow:.2f}×")
    # documents for 1,000 orders
    docs_src = build(args.docs_orders, data)
    out = data / "docs-out.xlsx"
    w, m = run(gendan + ["docs", str(docs_src), "--all", "--out", str(out)])
    print(f"docs --all for {args.docs_orders:,} orders: {w:.2f} s / {m} MB")


if __name__ == "__main__":
    main()
