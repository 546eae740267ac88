"""Property-based: random cell values of every type, through reading and every rule.

Whatever a cell holds - text that looks like a formula, 40,000 characters, NaN, 1e308,
year-1 dates, booleans in number columns, error strings - the engine must return a report
(findings are fine) and never let an exception escape; every finding must render in zh and
en and serialise to JSON and CSV, and the CSV must carry no live formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))

import make_corpus

from gendan.model.errors import InputError
from gendan.model.grid import SheetGrid, WorkbookData
from gendan.model.schema import load_schema
from gendan.rules.engine import check_data

HEADER = make_corpus.master_header()
KEYS = make_corpus.master_keys()
REFS = make_corpus.reference_sheets()
AS_OF = dt.date(2026, 11, 27)
SCHEMA = load_schema()

texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "#N/A", "#VALUE!", "#REF!", "#DIV/0!",
            "2020-05-01", "2020/5/1", "2020.5.1", "2020年5月1日", "1899-12-31", "0000-00-00",
            "USD 12,345.60", "１２３", "1e309", "-0", "NaN", "inf", "  ", "\u3000", "T/T 30% deposit, 70% against B/L copy",
            "L/C 90 days after B/L date", "D/A 60 days", "D/P at sight", "O/A 30 days", "L/C at sight",
            "20RF", "40RH", "DHL", "银行", "FRESHMART", "苹果", "80#", "已收款", "MSCU1234565",
            "MSCU1234565, MSCU1234566", "SC-2026-001",
        ]
    ),
    st.sampled_from(["长" * 32767, "=" + "x" * 32766]),  # Excel's longest cell text
)  # fmt: skip

cells = st.one_of(
    st.none(),
    st.just(""),
    texts,
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, -0.0, 2958466.0, -1.0, 60.0, 0.5]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(),
    st.timedeltas(min_value=dt.timedelta(days=-3), max_value=dt.timedelta(days=3)),
)


def _data(rows: list[list[Any]], date1904: bool = False, title: bool = True) -> WorkbookData:
    grid = ([["2026 工作序列表"]] if title else []) + [HEADER] + rows
    sheets = [SheetGrid("工作序列表", grid)] + [SheetGrid(n, r) for n, r in REFS.items()]
    return WorkbookData(sheets=tuple(sheets), path="random.xlsx", date1904=date1904)


def _exercise(rows: list[list[Any]], date1904: bool) -> None:
    try:
        report = check_data(_data(rows, date1904), SCHEMA, as_of=AS_OF)
    except InputError:
        return  # a clear refusal (e.g. no header) is an allowed outcome, not a crash
    from gendan.report.output import findings_csv, findings_json

    for f in report.findings:
        assert f.severity in ("error", "warning", "info")
        assert f.message_zh and f.message_en
        json.dumps(f.to_dict(), ensure_ascii=False, default=str)
    json.loads(findings_json(report.to_dicts()))
    for row in csv.reader(io.StringIO(findings_csv(report.to_dicts()), newline="")):
        for field in row:
            s = field.lstrip(" \u00a0\u3000")
            if s and s[0] in "=+-@\t\r\n":
                float(s)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(st.lists(cells, min_size=len(KEYS), max_size=len(KEYS)), min_size=1, max_size=4),
    st.booleans(),
)
def test_random_rows_never_crash(rows: list[list[Any]], date1904: bool) -> None:
    _exercise(rows, date1904)


@pytest.mark.slow  # 150 full checks of a workbook: ~20 s
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.integers(min_value=0, max_value=len(KEYS) - 1), cells, st.integers(min_value=0, max_value=2)
)
def test_one_odd_value_in_a_clean_workbook(col: int, value: Any, row: int) -> None:
    """A clean workbook with one random value: the shape most real damage takes."""
    rows = make_corpus.master_rows()
    rows[row][col] = value
    _exercise(rows, False)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(st.lists(cells, max_size=len(KEYS) + 5), min_size=0, max_size=5))
def test_ragged_rows_never_crash(rows: list[list[Any]]) -> None:
    """Rows shorter or longer than the header (readers trim trailing blanks)."""
    _exercise(rows, False)


# --------------------------------------------------------------------------- through the reader

file_cells = st.one_of(
    st.none(),
    st.text(max_size=30).filter(
        lambda s: "\x00" not in s and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)
    ),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.sampled_from(["=1+1", "#N/A", "2020年5月1日", "-5"]),
)


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(
        st.lists(file_cells, min_size=len(KEYS), max_size=len(KEYS)), min_size=1, max_size=3
    )
)
def test_random_workbooks_through_reader_and_rules(
    tmp_path: Path, writer: str, rows: list[list[Any]]
) -> None:
    from gendan.model.sanitize import openpyxl_set_text
    from gendan.rules.engine import check_workbook

    path = tmp_path / f"random-{writer}.xlsx"
    if writer == "xlsxwriter":
        import xlsxwriter

        wb = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_numbers": False}
        )
        ws = wb.add_worksheet("工作序列表")
        ws.write_row(0, 0, HEADER)
        datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), datefmt)
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                elif v is not None:
                    ws.write(r, c, v)
        for name, data in REFS.items():
            s = wb.add_worksheet(name)
            for r, row in enumerate(data):
                for c, v in enumerate(row):
                    if v is not None:
                        s.write(r, c, v)
        wb.close()
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = active_sheet(wb)
        ws.title = "工作序列表"
        ws.append(HEADER)
        for r, row in enumerate(rows, start=2):
            for c, v in enumerate(row, start=1):
                openpyxl_set_text(ws.cell(row=r, column=c), v)
        for name, data in REFS.items():
            s = wb.create_sheet(name)
            for row in data:
                s.append(row)
        wb.save(path)
    before = path.read_bytes()
    try:
        report = check_workbook(path, SCHEMA, as_of=AS_OF)
    except InputError:
        report = None
    if report is not None:
        for f in report.findings:
            assert f.message_zh and f.message_en
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- messages tell the truth

import re  # noqa: E402

from factory import active_sheet, clean_order, make_data  # noqa: E402

from gendan.model.values import money  # noqa: E402
from gendan.rules.receivables import add_banking_days  # noqa: E402

D = dt.date
TERMS = [
    "T/T in advance",
    "T/T 30% deposit, 70% against B/L copy",
    "T/T 50% deposit, 50% against B/L copy",
    "T/T 30% deposit, 70% against B/L copy",
    "D/P at sight",
    "D/A 60 days",
    "L/C at sight",
    "L/C 90 days after B/L date",
    "O/A 30 days",
]
STATUSES = [
    None,
    "已签约",
    "生产中",
    "已订舱",
    "已装船",
    "已出运",
    "待收尾款",
    "已寄单",
    "已收款",
    "已结案",
]
#: codes whose ``expected`` is the value to type into the cell (the fix is known)
FIXES = {"amount-mismatch", "weight-mismatch", "text-date"}
#: codes whose ``expected`` describes the allowed form (a list, a pattern, a bound), not a value
FORMS = {"enum", "pattern", "range", "type"}
_MONEY = re.compile(r"(?<![\d.,])-?\d{1,3}(?:,\d{3})*\.\d{2}(?![\d])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@st.composite
def orders(draw: st.DrawFn, n: int) -> dict[str, Any]:
    terms = draw(st.sampled_from(TERMS))
    c = D(2026, 1, 5) + dt.timedelta(days=draw(st.integers(0, 120)))
    cartons = draw(st.integers(100, 1100))
    price = draw(st.integers(500, 6000)) / 100
    amount = round(cartons * price, 2)
    if draw(st.booleans()) and draw(st.booleans()):
        amount = round(amount + draw(st.sampled_from([-900, 0.5, 100])), 2)

    def often() -> bool:  # three times in four: most orders in a book have come far
        return draw(st.integers(0, 3)) > 0

    def later(d: D | None, lo: int, hi: int) -> D | None:
        return (
            d + dt.timedelta(days=draw(st.integers(lo, hi))) if d is not None and often() else None
        )

    etd = c + dt.timedelta(days=draw(st.integers(-3, 40))) if often() else None
    bl = later(etd, 0, 2)
    sent = later(bl, 1, 30)
    pct = 30 if "30%" in terms else 50
    dep = round(amount * pct / 100, 2)
    received = draw(
        st.sampled_from(
            [
                None,
                amount,
                amount,
                round(amount - draw(st.integers(1, 200)), 2),
                dep,
                round(amount * 0.5, 2),
                round(amount + 300, 2),
            ]
        )
    )
    courier = draw(st.sampled_from(["银行", "DHL"]))
    row = clean_order(
        n,
        contract_date=c,
        cartons=cartons,
        unit_price=price,
        amount=amount,
        payment_terms=terms,
        net_weight_kg=round(cartons * 18.0, 2),
        gross_weight_kg=round(cartons * 19.4, 2),
        etd=etd,
        eta=later(etd, 5, 40),
        bl_date=bl,
        bl_no=f"BL{n}" if bl else None,
        vessel_voyage="V1" if etd else None,
        docs_sent_date=sent,
        dispatch_method=courier if sent else None,
        tracking_no="1234567890" if courier == "DHL" else None,
        received_amount=received,
        received_date=later(c, 1, 120) if received else None,
        status=draw(st.sampled_from(STATUSES)),
        container_nos=draw(st.sampled_from(["CSQU3054383", "CSQU3054384", "MSKU9070323", None])),
        collecting_bank=draw(st.sampled_from([None, "Bank Mandiri"])),
        lc_no="LC1" if "L/C" in terms else None,
        latest_shipment=later(c, 10, 50) if "L/C" in terms else None,
        lc_expiry=later(c, 5, 80) if "L/C" in terms else None,
    )
    return row


def _figures(o: dict[str, Any]) -> set[str]:
    """Every amount a message about this row may quote: its own, and what its terms make of
    them (deposit, balance, what is missing, the bank-charge limit of each)."""
    nums = {v for v in o.values() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    a, r = o["amount"], o["received_amount"] or 0.0
    pct = 30 if "30%" in o["payment_terms"] else 50 if "50%" in o["payment_terms"] else 0
    dep = round(a * pct / 100, 2)
    parts = [a, dep, round(a - dep, 2), r, round(r - dep, 2), o["cartons"] * o["unit_price"]]
    nums |= {abs(round(x - y, 2)) for x in parts for y in parts} | set(parts)
    nums |= {round(x * 0.01 * p, 2) for x in (a,) for p in (30, 50, 70)}
    limits = {round(min(50.0, x * 0.005), 2) for x in parts}
    nums |= limits | {round(x + y, 2) for x in limits for y in limits}
    return {money(x) for x in nums}


def _dates(o: dict[str, Any]) -> set[str]:
    """Every date a message about this row may quote: its own, and the deadlines and due
    dates of the spec's table computed from them."""
    own = [v for v in o.values() if isinstance(v, D)]
    out = set(own)
    for d in own:
        out |= {d + dt.timedelta(days=k) for k in (7, 14, 21, 30, 74, 90)}
        out.add(add_banking_days(d, 5) + dt.timedelta(days=7))
        out |= {d + dt.timedelta(days=60)}
    return {d.isoformat() for d in out}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.tuples(orders(1), orders(2), orders(3)),
    st.dates(min_value=D(2026, 2, 1), max_value=D(2027, 2, 1)),
)
def test_messages_quote_only_the_rows_own_figures(
    rows: tuple[dict[str, Any], ...], as_of: dt.date
) -> None:
    report = check_data(make_data(list(rows)), SCHEMA, as_of=as_of)
    by_no = {o["contract_no"]: o for o in rows}
    for f in report.findings:
        o = by_no.get(f.contract_no)
        if o is None:
            continue
        params = dict(f.params)
        for text in (f.message_zh, f.message_en):
            quoted = set(_MONEY.findall(text)) - {params.get("median")}
            assert quoted <= _figures(o), (f.code, f.reason, text)
            assert set(_DATE.findall(text)) <= _dates(o), (f.code, f.reason, text)
        if f.expected is not None:
            assert f.code in FIXES | FORMS, (f.code, f.expected)
        if f.code == "amount-mismatch":
            assert f.expected == money(round(o["cartons"] * o["unit_price"], 2))
        if "received" in params and "amount" in params:  # a message about money received
            got, due = (float(params[k].replace(",", "")) for k in ("received", "amount"))
            missing = due - got > min(50.0, due * 0.005) + 1e-6  # beyond the default bank charges
            if f.reason in ("balance-unpaid", "settled-short"):
                assert missing, f.message_en  # it says the balance is missing: the figures agree
            if f.reason == "paid-after-dispatch":
                assert not missing, f.message_en  # (more than the amount: over-received says so)
            if f.code == "bank-charges":  # the short amount is within the limit the message quotes
                short, limit = (float(params[k].replace(",", "")) for k in ("short", "limit"))
                assert 0 < short <= limit and round(due - got, 2) == short, f.message_en
            assert (
                f.severity != "error" or f.reason == "balance-unpaid" or f.code == "over-received"
            )
        if f.code in ("dispatch-method", "late-shipment", "lc-presentation") and o["status"] in (
            "已收款",
            "已结案",
        ):
            assert f.severity != "error", (f.code, f.reason, f.message_en)
