"""The production rules run per column over the whole sheet; the row check (the GD.ROWCHECK
formula, one row at a time) runs the same rules over a one-row table.  Both must give the
same findings at the same addresses — on the sample and on randomised sheets."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from factory import make_data
from factory import random_orders as _random_orders

from gendan.model.findings import Report
from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.schema import load_schema
from gendan.read.reader import read_workbook
from gendan.read.tables import find_header, locate_sheet
from gendan.rules.engine import check_data

CROSS_ROW = {"duplicate"}  # needs the other rows: not a per-row rule

#: row, cell, code, key, value, expected of one finding
Flat = tuple[int, str, str, str, str | None, str | None]


def _flat(report: Report) -> list[Flat]:
    return sorted(
        (f.row, f.cell, f.code, f.key, f.value, f.expected)
        for f in report
        if f.code not in CROSS_ROW and f.sheet == report.stats.get("sheet")
    )


def per_row(data: WorkbookData, as_of: dt.date) -> list[Flat]:
    """Check each master row on its own: header + that row, at its own worksheet row."""
    schema = load_schema()
    master = locate_sheet(data, schema.master, required=True)
    assert master is not None  # required: a missing sheet raises
    hi, _ = find_header(master, schema.master)
    header = master.rows[hi]
    found: list[Flat] = []
    for i in range(hi + 1, len(master.rows)):
        row = master.rows[i]
        if not any(v not in (None, "") for v in row):
            continue
        one = SheetGrid(
            name=master.name,
            rows=[header, row],
            origin_row=master.origin_row + i - 1,
            origin_col=master.origin_col,
        )
        sheets = tuple(one if g is master else g for g in data.sheets)
        report = check_data(
            WorkbookData(sheets=sheets, path=data.path, date1904=data.date1904), schema, as_of
        )
        found.extend(_flat(report))
    return sorted(found)


def test_sample_columnar_equals_row_by_row() -> None:
    import tempfile
    from pathlib import Path

    from gendan.book.sample import build_sample

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "sample.xlsx"
        manifest = build_sample(path)
        data = read_workbook(path)
    whole = check_data(data, load_schema(), manifest.as_of)
    assert _flat(whole) == per_row(data, manifest.as_of)
    assert len(_flat(whole)) > 15  # the sample's planted defects are in there


def test_randomised_sheets_columnar_equals_row_by_row() -> None:
    rng = random.Random(20261127)
    for _sheet in range(6):
        data = make_data(_random_orders(rng, 25))
        as_of = dt.date(2026, rng.randint(3, 12), rng.randint(1, 28))
        whole = check_data(data, load_schema(), as_of)
        assert _flat(whole) == per_row(data, as_of)


def test_randomised_sheets_with_numpy_paths_equal_row_by_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole-sheet run with the numpy check digits forced on (they start at 50,000
    numbers) against the one-row run, which never reaches them."""
    from gendan.model import iso6346

    rng = random.Random(6)
    for _sheet in range(3):
        data = make_data(_random_orders(rng, 30))
        as_of = dt.date(2026, rng.randint(3, 12), rng.randint(1, 28))
        with monkeypatch.context() as mp:
            mp.setattr(iso6346, "NUMPY_FROM", 0)
            whole = check_data(data, load_schema(), as_of)
        assert _flat(whole) == per_row(data, as_of)
