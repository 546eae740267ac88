"""The sample workbook: realistic, deterministic, and its manifest tells the truth.

The manifest is what the end-to-end tests compare the checker against, so it is tested
from three sides: it agrees with the workbook (contract numbers, layout), the clean rows
really are clean by the spec's rules (an oracle written here, independent of the
checker), and the checker reports exactly the planted (contract_no, code) pairs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from gendan.book.sample import (
    AS_OF,
    HEADER_ROW,
    SampleManifest,
    build_master_rows,
    build_sample,
    write_large,
)
from gendan.model.iso6346 import is_valid, split_numbers
from gendan.model.schema import load_schema
from gendan.model.terms import parse_terms

SCHEMA = load_schema()
KEYS = [c.key for c in SCHEMA.master.columns]
METHODS = {"TT_ADVANCE", "TT_BALANCE", "DP", "DA", "LC_SIGHT", "LC_USANCE", "OA"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleManifest]:
    path = tmp_path_factory.mktemp("sample") / "sample.xlsx"
    return path, build_sample(path)


def _rows(path: Path) -> list[dict[str, Any]]:
    """Master rows keyed by schema key, read back from the file (header row from the manifest)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SCHEMA.master.names[0]]
    header = [c.value for c in ws[HEADER_ROW]]
    keys = {c.zh: c.key for c in SCHEMA.master.columns}
    out = []
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if any(v not in (None, "") for v in row):
            out.append(
                {
                    keys[h]: v
                    for h, v in zip(header, row, strict=False)
                    if isinstance(h, str) and h in keys
                }
            )
    return out


def _day(v: Any) -> dt.date | None:
    return v.date() if isinstance(v, dt.datetime) else v


def _req_day(v: Any) -> dt.date:
    """A date the row must have."""
    d = _day(v)
    assert d is not None
    return d


def test_layout_has_title_rows_and_schema_headers(built: tuple[Path, SampleManifest]) -> None:
    path, _ = built
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == [
        SCHEMA.master.names[0],
        SCHEMA.customers.names[0],
        SCHEMA.products.names[0],
        SCHEMA.company.names[0],
    ]
    ws = wb[SCHEMA.master.names[0]]
    assert ws.cell(row=1, column=1).value and ws.cell(row=2, column=1).value  # titles above
    assert [c.value for c in ws[HEADER_ROW]] == [c.zh for c in SCHEMA.master.columns]
    # real dates with the schema's date format on every date column
    with_dates = 0
    for j, col in enumerate(SCHEMA.master.columns, start=1):
        if col.type == "date":
            cells = [ws.cell(row=i, column=j) for i in range(HEADER_ROW + 1, ws.max_row + 1)]
            dated = [c for c in cells if isinstance(c.value, dt.datetime)]
            with_dates += bool(dated)
            assert all(c.number_format == col.format for c in dated), col.key
    assert with_dates == sum(c.type == "date" for c in SCHEMA.master.columns)


def test_manifest_is_consistent_with_the_workbook(built: tuple[Path, SampleManifest]) -> None:
    path, m = built
    rows = _rows(path)
    nos = [r["contract_no"] for r in rows]
    assert list(m.contract_nos) == nos
    assert len(nos) == len(set(nos)) >= 100
    assert m.as_of == AS_OF
    for d in m.defects:
        assert d.contract_no in nos
        assert rows[d.row - HEADER_ROW - 1]["contract_no"] == d.contract_no
    pairs = [(d.contract_no, d.code) for d in m.defects]
    assert len(pairs) == len(set(pairs))
    # every master-sheet code the brief names is planted at least once
    codes = Counter(d.code for d in m.defects)
    assert set(codes) == {
        "required",
        "type",
        "text-date",
        "enum",
        "pattern",
        "duplicate",
        "unknown-customer",
        "unknown-product",
        "amount-mismatch",
        "weight-mismatch",
        "gross-not-above-net",
        "container-overflow",
        "container-count",
        "container-check-digit",
        "temperature-range",
        "date-order",
        "late-shipment",
        "lc-presentation",
        "lc-expiry-before-shipment",
        "dispatch-method",
        "over-received",
        "overdue",
    }
    assert len(m.clean_contracts) >= 0.75 * len(nos)  # most rows are clean


def test_all_seven_payment_methods_and_statuses(built: tuple[Path, SampleManifest]) -> None:
    path, m = built
    rows = _rows(path)
    terms = [parse_terms(r["payment_terms"]) for r in rows]
    methods = Counter(t.method for t in terms if t is not None)
    assert sum(methods.values()) == len(rows)  # every row's terms parse
    assert set(methods) == METHODS
    assert min(methods.values()) >= 5
    assert {m.methods[r["contract_no"]] for r in rows} == METHODS
    statuses = {r["status"] for r in rows}
    assert statuses == set(SCHEMA.master.column("status").enum_values())


def test_clean_rows_obey_the_spec(built: tuple[Path, SampleManifest]) -> None:
    """An oracle independent of the checker: clean rows satisfy the master-sheet rules."""
    path, m = built
    products = {
        (p, s): (kg, c20, c40, tmin, tmax)
        for p, s, kg, c20, c40, tmin, tmax, *_ in openpyxl.load_workbook(path)[
            SCHEMA.products.names[0]
        ].iter_rows(min_row=2, values_only=True)
    }
    clean = set(m.clean_contracts)
    checked = 0
    for r in _rows(path):
        if r["contract_no"] not in clean:
            continue
        checked += 1
        terms = parse_terms(r["payment_terms"])
        assert terms is not None
        kg, c20, c40, tmin, tmax = products[(r["product"], r["spec"])]
        assert r["kg_per_carton"] == kg
        assert abs(r["amount"] - r["cartons"] * r["unit_price"]) <= 0.01
        assert abs(r["net_weight_kg"] - r["cartons"] * kg) <= r["net_weight_kg"] * 0.005
        assert r["gross_weight_kg"] > r["net_weight_kg"]
        assert r["cartons"] <= r["containers"] * (c20 if r["container_type"] == "20RF" else c40)
        assert tmin <= r["temperature_c"] <= tmax
        assert (r["received_amount"] or 0) <= r["amount"] + 0.01
        c = _req_day(r["contract_date"])
        etd, bl, docs = (_day(r[k]) for k in ("etd", "bl_date", "docs_sent_date"))
        assert etd is None or etd >= c
        assert bl is None or bl >= c
        assert docs is None or (bl is not None and docs >= bl)
        if r["received_date"]:
            assert _req_day(r["received_date"]) >= c
        if r["container_nos"]:
            nos = split_numbers(r["container_nos"])
            assert len(nos) == r["containers"]
            assert all(is_valid(n) for n in nos), nos
        if terms.is_lc:
            assert r["lc_no"] and r["latest_shipment"] and r["lc_expiry"]
            assert r["lc_expiry"] >= r["latest_shipment"]
            if bl:
                assert bl <= _req_day(r["latest_shipment"])
            if docs:
                assert (
                    bl is not None
                    and docs <= bl + dt.timedelta(days=21)
                    and docs <= _req_day(r["lc_expiry"])
                )
        if terms.method in ("DP", "DA"):
            assert r["collecting_bank"]
        if docs and terms.via_bank:
            assert r["dispatch_method"] == "银行"
        if r["dispatch_method"] == "DHL":
            assert len(r["tracking_no"]) == 10 and r["tracking_no"].isdigit()
        if terms.method == "TT_BALANCE" and docs:  # originals only after the balance
            assert r["received_amount"] == pytest.approx(r["amount"])
            assert _req_day(r["received_date"]) <= docs
    assert checked >= 90


def test_the_checker_reports_exactly_the_planted_defects(
    built: tuple[Path, SampleManifest], capsys: pytest.CaptureFixture[str]
) -> None:
    cli = pytest.importorskip("gendan.cli")
    path, m = built
    rc = cli.main(["check", str(path), "--as-of", m.as_of.isoformat(), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    assert rc == 1
    got = {(f["contract_no"], f["code"]) for f in findings}
    assert got == m.expected()


def test_two_builds_are_identical(tmp_path: Path, built: tuple[Path, SampleManifest]) -> None:
    path, m = built
    again = build_sample(tmp_path / "again.xlsx")
    assert again.path is not None
    assert again.defects == m.defects
    a, b = openpyxl.load_workbook(path), openpyxl.load_workbook(again.path)
    for ws in a.worksheets:
        assert [[c.value for c in row] for row in ws.iter_rows()] == [
            [c.value for c in row] for row in b[ws.title].iter_rows()
        ]
    assert path.read_bytes() == again.path.read_bytes()  # fixed zip and property stamps


def test_another_seed_gives_another_year(
    tmp_path: Path, built: tuple[Path, SampleManifest]
) -> None:
    _, m = built
    other = build_sample(tmp_path / "other.xlsx", seed=7)
    assert other.methods != m.methods or other.defects != m.defects


def test_master_rows_fast_path_keeps_keys_unique() -> None:
    rows = build_master_rows(2600, seed=3)  # beyond the planned pool: rows are cycled
    assert len(rows) == 2600 and all(len(r) == len(KEYS) for r in rows)
    for key in ("contract_no", "bl_no", "invoice_no"):
        values = [r[KEYS.index(key)] for r in rows if r[KEYS.index(key)]]
        assert len(values) == len(set(values)), key
    assert build_master_rows(50, seed=3) == build_master_rows(50, seed=3)


def test_write_large_has_the_sample_layout(tmp_path: Path) -> None:
    path = tmp_path / "large.xlsx"
    secs = write_large(path, 300)
    assert secs > 0
    ws = openpyxl.load_workbook(path, read_only=True)[SCHEMA.master.names[0]]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[HEADER_ROW - 1]) == [c.zh for c in SCHEMA.master.columns]
    data = rows[HEADER_ROW:]
    assert len(data) == 300
    assert isinstance(data[0][KEYS.index("contract_date")], dt.datetime)


#: events that, once they happened, cannot be undone: on a settled order they are history
PAST_EVENTS = {"late-shipment", "lc-presentation", "dispatch-method"}


def test_planted_history_on_a_settled_order_is_a_warning(
    built: tuple[Path, SampleManifest], capsys: pytest.CaptureFixture[str]
) -> None:
    """The stage model (docs/schema.md): the sample plants its late shipment, its late
    presentation and its D/P documents sent by DHL on orders that have since been paid or
    closed.  They are still found, as warnings that say so; every other planted mistake
    stays an error (text-date and overdue are warnings by default)."""
    cli = pytest.importorskip("gendan.cli")
    path, m = built
    cli.main(["check", str(path), "--as-of", m.as_of.isoformat(), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    status = {r["contract_no"]: r["status"] for r in _rows(path)}
    history = 0
    for d in m.defects:
        sev = {
            f["severity"]
            for f in findings
            if (f["contract_no"], f["code"]) == (d.contract_no, d.code)
        }
        if d.code in PAST_EVENTS and status[d.contract_no] in ("已收款", "已结案"):
            assert sev == {"warning"}, d
            history += 1
        elif d.code in ("text-date", "overdue"):
            assert sev == {"warning"}, d
        else:
            assert "error" in sev, d
    assert history == 3
