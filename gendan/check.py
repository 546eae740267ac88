"""Run every check over a workbook: read → locate sheets → type columns → rules → Report."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from gendan.checks.base import Context, run_checks
from gendan.findings import Report
from gendan.grid import WorkbookData
from gendan.schema import Schema, load_schema
from gendan.tables import Tables, load_tables


def check_tables(tables: Tables, schema: Schema, as_of: dt.date | None = None) -> Report:
    """All findings for already-typed tables (the ribbon and the UDFs come in here)."""
    ctx = Context(tables=tables, schema=schema, as_of=as_of or dt.date.today())
    report = Report(path=tables.data.path)
    report.extend(run_checks(ctx))
    report.extend(_document_findings(tables, schema))
    report.sort()
    m = tables.master
    report.stats.update(
        sheet=m.sheet,
        header_row=m.header_row,
        rows=m.n,
        extra_columns=sorted(m.extra),
        missing_columns=m.missing,
        notes=list(tables.notes),
        as_of=ctx.as_of.isoformat(),
    )
    return report


def _document_findings(tables: Tables, schema: Schema) -> list:
    """doc-mismatch / doc-missing from the issued document sheets (gendan.documents)."""
    try:
        from gendan.documents import check_documents
    except ImportError:
        return []
    return [f for f in check_documents(tables.data, tables, schema) if schema.enabled(f.code)]


def check_data(data: WorkbookData, schema: Schema | None = None, as_of: dt.date | None = None) -> Report:
    """All findings for a workbook already read into plain values."""
    schema = schema or load_schema()
    return check_tables(load_tables(data, schema), schema, as_of)


def load_book(path: str | Path, schema: Schema | None = None) -> tuple[Tables, Schema]:
    """Read and type the workbook at ``path`` (raises InputError subclasses)."""
    from gendan.reader import read_workbook

    schema = schema or load_schema()
    return load_tables(read_workbook(path), schema), schema


def check_workbook(path: str | Path, schema: Schema | None = None, as_of: dt.date | None = None) -> Report:
    """Read the workbook at ``path`` and run every check."""
    t0 = time.perf_counter()
    tables, schema = load_book(path, schema)
    report = check_tables(tables, schema, as_of)
    report.path = str(path)
    report.stats["seconds"] = round(time.perf_counter() - t0, 3)
    return report
