"""Run every check over a workbook: read → locate sheets → type columns → rules → Report."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path

from gendan.model import parallel
from gendan.model.findings import Finding, Report
from gendan.model.grid import WorkbookData
from gendan.model.schema import Schema, load_schema
from gendan.read.tables import EarlyTyping, Tables, load_tables
from gendan.rules.checks.base import CheckSpec, Context, run_check, selected_checks

#: from this many orders on, a forked child runs part of the rules (gendan.model.parallel)
FORK_ROWS = 20_000


def check_tables(tables: Tables, schema: Schema, as_of: dt.date | None = None) -> Report:
    """All findings for already-typed tables (the ribbon and the UDFs come in here); a
    book with several master sheets is checked sheet by sheet (Tables.each)."""
    as_of = as_of or dt.date.today()
    report = Report(path=tables.data.path)
    runs = [
        _all_findings(Context(tables=t, schema=schema, as_of=as_of), fork_rows=FORK_ROWS)
        for t in tables.each()
    ]
    report.extend(runs[0] if len(runs) == 1 else _merge_runs(runs))
    report.sort()
    m = tables.master
    report.stats.update(
        sheet=m.sheet,
        sheets=tables.sheets,
        header_row=m.header_row,
        rows=sum(t.n for t in tables.masters) if tables.masters else m.n,
        extra_columns=sorted(m.extra),
        missing_columns=m.missing,
        notes=list(tables.notes),
        as_of=as_of.isoformat(),
    )
    return report


def _merge_runs(runs: list[list[Finding]]) -> list[Finding]:
    """The findings of the runs over each master sheet as one list.

    What concerns the shared sheets (客户, 产品, the document sheets) is found by every
    run: kept once.  An issued document whose contract number a run's master lacks is
    reported by that run as "no longer in the master"; it is kept only when no master
    holds the contract (every run reported it)."""
    orphan: dict[Finding, int] = {}
    out: dict[Finding, None] = {}
    for found in runs:
        for f in found:
            if f.code == "doc-mismatch" and f.key == "contract_no" and f.ref_sheet is None:
                orphan[f] = orphan.get(f, 0) + 1
            else:
                out.setdefault(f)
    out.update((f, None) for f, n in orphan.items() if n == len(runs))
    return list(out)


def _all_findings(ctx: Context, fork_rows: int) -> list[Finding]:
    """Every registered check's findings (the documents check last), in registry order.

    On a big master a forked child runs about half of the rules (by CheckSpec.cost) while
    this process runs the rest and the ``local`` ones (the documents check); the lists are
    joined in registry order, so the result is the one a single process gives.  A child
    that fails costs only time: its rules then run here."""
    specs = selected_checks(ctx)
    theirs: list[CheckSpec] = []
    if ctx.master.n >= fork_rows:
        own_cost, their_cost = sum(s.cost for s in specs if s.local), 0
        for spec in sorted((s for s in specs if not s.local), key=lambda s: -s.cost):
            if their_cost < own_cost:
                theirs.append(spec)
                their_cost += spec.cost
            else:
                own_cost += spec.cost
    wait = parallel.fork_call(lambda: [run_check(ctx, s) for s in theirs]) if theirs else None
    if wait is None:
        theirs = []
    found = {s.name: run_check(ctx, s) for s in specs if s not in theirs}
    if wait is not None:
        got = wait()
        for spec, fs in zip(theirs, got or [run_check(ctx, s) for s in theirs], strict=True):
            found[spec.name] = fs
    return [f for s in specs for f in found[s.name]]


def check_data(
    data: WorkbookData,
    schema: Schema | None = None,
    as_of: dt.date | None = None,
    sheets: Sequence[str] | None = None,
) -> Report:
    """All findings for a workbook already read into plain values."""
    schema = schema or load_schema()
    return check_tables(load_tables(data, schema, sheets=sheets), schema, as_of)


def load_book(
    path: str | Path, schema: Schema | None = None, sheets: Sequence[str] | None = None
) -> tuple[Tables, Schema]:
    """Read and type the workbook at ``path`` (raises InputError subclasses); ``sheets``:
    only these master sheets (default: every one)."""
    from gendan.read.reader import read_workbook

    schema = schema or load_schema()
    early = EarlyTyping(schema)
    return load_tables(read_workbook(path, early=early), schema, early, sheets), schema


def check_workbook(
    path: str | Path,
    schema: Schema | None = None,
    as_of: dt.date | None = None,
    sheets: Sequence[str] | None = None,
) -> Report:
    """Read the workbook at ``path`` and run every check (``sheets``: only these master
    sheets)."""
    t0 = time.perf_counter()
    tables, schema = load_book(path, schema, sheets)
    report = check_tables(tables, schema, as_of)
    report.path = str(path)
    report.stats["seconds"] = round(time.perf_counter() - t0, 3)
    return report
