"""The production rules run per column over the whole sheet; the row check (the GD.ROWCHECK
formula, one row at a time) runs the same rules over a one-row table.  Both must give the
same findings at the same addresses — on the sample and on randomised sheets."""

from __future__ import annotations

import datetime as dt
import random

from factory import clean_order, make_data

from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.schema import load_schema
from gendan.read.reader import read_workbook
from gendan.read.tables import find_header, locate_sheet
from gendan.rules.engine import check_data

CROSS_ROW = {"duplicate"}  # needs the other rows: not a per-row rule


def _flat(report):
    return sorted((f.row, f.cell, f.code, f.key, f.value, f.expected) for f in report if f.code not in CROSS_ROW
                  and f.sheet == report.stats.get("sheet"))


def per_row(data: WorkbookData, as_of: dt.date):
    """Check each master row on its own: header + that row, at its own worksheet row."""
    schema = load_schema()
    master = locate_sheet(data, schema.master, required=True)
    hi, _ = find_header(master, schema.master)
    header = master.rows[hi]
    found = []
    for i in range(hi + 1, len(master.rows)):
        row = master.rows[i]
        if not any(v not in (None, "") for v in row):
            continue
        one = SheetGrid(name=master.name, rows=[header, row], origin_row=master.origin_row + i - 1,
                        origin_col=master.origin_col)
        sheets = tuple(one if g is master else g for g in data.sheets)
        report = check_data(WorkbookData(sheets=sheets, path=data.path, date1904=data.date1904), schema, as_of)
        found.extend(_flat(report))
    return sorted(found)


def test_sample_columnar_equals_row_by_row():
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


MUTATIONS = [
    ("amount", lambda r, rng: r["amount"] + rng.choice([1.0, -0.5, 100.0])),
    ("cartons", lambda r, rng: rng.choice(["1,100", "1100 箱", 0, -5, 1100.5])),
    ("net_weight_kg", lambda r, rng: r["net_weight_kg"] * rng.choice([0.9, 1.002, 1.1])),
    ("gross_weight_kg", lambda r, rng: r["net_weight_kg"] - rng.choice([0, 10])),
    ("container_nos", lambda r, rng: rng.choice(["CSQU3054384", "CSQU305438", "CSQU3054383, MSKU9070323", ""])),
    ("etd", lambda r, rng: rng.choice([dt.date(2026, 2, 1), "2026/3/20", "2026-02-30", None])),
    ("payment_terms", lambda r, rng: rng.choice(["L/C at sight", "T/T in advance", "D/A 60 days", "O/A 30 days", "??"])),
    ("dispatch_method", lambda r, rng: rng.choice(["DHL", "TNT", "银行", "carrier pigeon"])),
    ("currency", lambda r, rng: rng.choice(["USD", "usd", "美元", "XXX", "US$$"])),
    ("customer", lambda r, rng: rng.choice(["PT SEGAR", "VINAFRUIT", "pt segar", "NOBODY"])),
    ("temperature_c", lambda r, rng: rng.choice([0.0, 2.5, -3, "cold"])),
    ("received_amount", lambda r, rng: rng.choice([0.0, r["amount"], r["amount"] * 2, 100.0])),
    ("bl_date", lambda r, rng: rng.choice([dt.date(2026, 2, 1), dt.date(2026, 5, 30), None])),
    ("latest_shipment", lambda r, rng: rng.choice([dt.date(2026, 3, 10), dt.date(2026, 4, 30), None])),
    ("lc_expiry", lambda r, rng: rng.choice([dt.date(2026, 3, 1), dt.date(2026, 5, 30), None])),
    ("tracking_no", lambda r, rng: rng.choice(["1234567890", "12345", None])),
    ("collecting_bank", lambda r, rng: rng.choice([None, "Bank X"])),
    ("spec", lambda r, rng: rng.choice(["80#", "100#", "72#", None])),
]


def _random_orders(rng: random.Random, n: int) -> list[dict]:
    """``n`` clean orders, each with up to four random mutations from MUTATIONS."""
    orders = []
    for i in range(1, n + 1):
        o = clean_order(i, container_nos=rng.choice(["CSQU3054383", "MSKU9070323", "TGHU1234567"]))
        for key, mutate in rng.sample(MUTATIONS, rng.randint(0, 4)):
            o[key] = mutate(o, rng)
        orders.append(o)
    return orders


def test_randomised_sheets_columnar_equals_row_by_row():
    rng = random.Random(20261127)
    for _sheet in range(6):
        data = make_data(_random_orders(rng, 25))
        as_of = dt.date(2026, rng.randint(3, 12), rng.randint(1, 28))
        whole = check_data(data, load_schema(), as_of)
        assert _flat(whole) == per_row(data, as_of)


def test_randomised_sheets_with_numpy_paths_equal_row_by_row(monkeypatch):
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
