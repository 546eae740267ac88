"""Due dates, outstanding and days overdue for every payment method of the spec's table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, TypedDict

import pytest
from factory import clean_order, make_data, write_xlsx

from gendan.cli import main
from gendan.model.schema import DunningLevel, load_schema
from gendan.read.tables import load_tables
from gendan.rules.receivables import (
    add_banking_days,
    aging_bucket,
    due_date,
    dunning_level,
    receivables,
)

D = dt.date
AS_OF = D(2026, 11, 27)


class _Shipped(TypedDict):
    contract_date: dt.date
    bl_date: dt.date
    docs_sent_date: dt.date


class _Dates(_Shipped):
    etd: dt.date


BASE = _Dates(
    contract_date=D(2026, 3, 2),
    etd=D(2026, 3, 20),
    bl_date=D(2026, 3, 21),
    docs_sent_date=D(2026, 3, 25),
)

# (terms, expected due date) with the default settings: grace 7, transit 14, L/C 5 banking days + 7
METHOD_CASES = [
    ("T/T in advance", D(2026, 3, 20)),  # etd
    ("100% T/T before shipment", D(2026, 3, 20)),
    ("T/T 30% deposit, 70% against B/L copy", D(2026, 3, 28)),  # balance: bl_date + 7
    ("D/P at sight", D(2026, 4, 8)),  # docs_sent + 14
    ("D/P 即期", D(2026, 4, 8)),
    ("D/A 60 days", D(2026, 6, 7)),  # docs_sent + 14 + 60
    ("L/C at sight", D(2026, 4, 8)),  # 2026-03-25 (Wed) + 5 banking days = 2026-04-01 (Wed), + 7
    ("即期信用证", D(2026, 4, 8)),
    ("L/C 90 days after B/L date", D(2026, 6, 19)),  # bl_date + 90
    ("O/A 30 days", D(2026, 4, 20)),  # bl_date + 30
]


@pytest.mark.parametrize("terms,due", METHOD_CASES)
def test_due_date_per_method(terms: str, due: dt.date | None) -> None:
    assert due_date(terms, **BASE) == due


def test_deposit_due_date() -> None:
    assert due_date("T/T 30% deposit, 70% against B/L copy", part="deposit", **BASE) == D(
        2026, 3, 9
    )


def test_oa_falls_back_to_invoice_date() -> None:
    assert due_date("O/A 30 days", contract_date=D(2026, 3, 2), invoice_date=D(2026, 5, 1)) == D(
        2026, 5, 31
    )


def test_banking_days_skip_weekends() -> None:
    assert add_banking_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday → Monday
    assert add_banking_days(D(2026, 11, 27), 5) == D(2026, 12, 4)


@pytest.mark.parametrize(
    "days,bucket",
    [
        (None, "unknown"),
        (-3, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, ">90"),
    ],
)
def test_aging_buckets(days: int | None, bucket: str) -> None:
    assert aging_bucket(days) == bucket


def test_dunning_levels() -> None:
    levels = load_schema().settings.dunning_levels
    assert [dunning_level(d, levels) for d in (-10, -7, 0, 1, 14, 15, 31, 61, 400)] == [
        None,
        "upcoming",
        "upcoming",
        "reminder",
        "reminder",
        "firm",
        "final",
        "escalate",
        "escalate",
    ]
    assert dunning_level(5, (DunningLevel("call", 3),)) == "call"


def _orders() -> list[dict[str, Any]]:
    common = dict(collecting_bank=None, dispatch_method="DHL", tracking_no="1234567890")
    return [
        clean_order(1, payment_terms="T/T in advance", **common),
        clean_order(
            2,
            payment_terms="T/T 30% deposit, 70% against B/L copy",
            received_amount=7755.0,
            received_date=D(2026, 3, 5),
            **common,
        ),
        clean_order(3),  # D/P at sight, unpaid
        clean_order(4, payment_terms="D/A 60 days", received_amount=10000.0),
        clean_order(
            5,
            payment_terms="L/C at sight",
            lc_no="LC5",
            latest_shipment=D(2026, 3, 31),
            lc_expiry=D(2026, 4, 30),
            collecting_bank=None,
        ),
        clean_order(
            6,
            payment_terms="L/C 90 days after B/L date",
            lc_no="LC6",
            latest_shipment=D(2026, 3, 31),
            lc_expiry=D(2026, 4, 30),
            collecting_bank=None,
        ),
        clean_order(7, payment_terms="O/A 30 days", **common),
        clean_order(8, received_amount=25850.0, received_date=D(2026, 4, 2)),  # paid: not listed
        clean_order(
            9,
            payment_terms="T/T 30% deposit, 70% against B/L copy",
            bl_no=None,
            bl_date=None,
            vessel_voyage=None,
            docs_sent_date=None,
            dispatch_method=None,
            status="生产中",
            collecting_bank=None,
        ),  # deposit unpaid, not shipped
        clean_order(10, due_date=D(2026, 12, 15)),  # typed due date overrides
    ]


EXPECTED = {  # contract → (due, outstanding, days overdue, bucket, level)
    "GD26-001": ("2026-03-20", 25850.0, 252, ">90", "escalate"),
    "GD26-002": ("2026-03-28", 18095.0, 244, ">90", "escalate"),
    "GD26-003": ("2026-04-08", 25850.0, 233, ">90", "escalate"),
    "GD26-004": ("2026-06-07", 15850.0, 173, ">90", "escalate"),
    "GD26-005": ("2026-04-08", 25850.0, 233, ">90", "escalate"),
    "GD26-006": ("2026-06-19", 25850.0, 161, ">90", "escalate"),
    "GD26-007": ("2026-04-20", 25850.0, 221, ">90", "escalate"),
    "GD26-009": (
        "2026-03-09",
        7755.0,
        263,
        ">90",
        "escalate",
    ),  # the deposit, not the contract value
    "GD26-010": ("2026-12-15", 25850.0, -18, "current", None),
}


def test_receivables_list_every_open_order_exactly() -> None:
    schema = load_schema()
    tables = load_tables(make_data(_orders()), schema)
    got = {
        r.contract_no: (
            r.due_date and r.due_date.isoformat(),
            r.outstanding,
            r.days_overdue,
            r.bucket,
            r.level,
        )
        for r in receivables(tables, schema, AS_OF)
    }
    assert got == EXPECTED


def test_overdue_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_xlsx(make_data(_orders()), tmp_path / "book.xlsx")
    assert main(["overdue", str(book), "--as-of", "2026-11-27", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for key in (
        "contract_no",
        "customer",
        "currency",
        "amount",
        "received",
        "outstanding",
        "due_date",
        "days_overdue",
        "bucket",
        "level",
    ):
        assert all(key in r for r in rows)
    got = {
        r["contract_no"]: (
            r["due_date"],
            r["outstanding"],
            r["days_overdue"],
            r["bucket"],
            r["level"],
        )
        for r in rows
        if r["status"] in ("open", "advance")
    }
    assert got == EXPECTED
    # a deposit due before shipment: chased, but apart from the receivables of shipped goods
    deposit = next(r for r in rows if r["contract_no"] == "GD26-009" and r["status"] == "advance")
    assert deposit["instalment"] == "deposit" and deposit["amount"] == 7755.0
    # its balance waits for a shipment that has not happened: listed apart, not a debt
    (later,) = [r for r in rows if r["status"] == "not-yet-due"]
    assert (later["contract_no"], later["instalment"], later["outstanding"], later["due_date"]) == (
        "GD26-009",
        "balance",
        18095.0,
        None,
    )


def test_overdue_table_sums_per_customer_and_currency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = [
        clean_order(1),
        clean_order(2, customer="VINAFRUIT", currency="EUR", container_nos="MSKU9070323"),
        clean_order(3, container_nos="TGHU1234567", received_amount=5850.0),
    ]
    book = write_xlsx(make_data(orders), tmp_path / "b.xlsx")
    assert main(["overdue", str(book), "--as-of", "2026-11-27", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Subtotal PT SEGAR USD: 45,850.00" in out
    assert "Subtotal VINAFRUIT EUR: 25,850.00" in out
    assert "Total USD: 45,850.00" in out


def test_per_customer_grace_days(tmp_path: Path) -> None:
    text = load_schema().source and open(load_schema().source, encoding="utf-8").read()
    text = text.replace("  customers: {}\n", "  customers: {PT SEGAR: {grace_days: 10}}\n")
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    schema = load_schema(p)
    o = clean_order(
        1,
        payment_terms="T/T 30% deposit, 70% against B/L copy",
        received_amount=7755.0,
        collecting_bank=None,
    )
    tables = load_tables(make_data([o]), schema)
    (r,) = receivables(tables, schema, AS_OF)
    assert r.due_date == D(2026, 3, 31)  # bl_date + 10


# --------------------------------------------------------------------------- what a manager signs

from gendan.model.schema import Schema  # noqa: E402
from gendan.rules.receivables import (  # noqa: E402
    ReceivablesBook,
    receivables_book,
)


def _book(
    orders: list[dict[str, Any]], as_of: dt.date = AS_OF, schema: Schema | None = None
) -> ReceivablesBook:
    schema = schema or load_schema()
    return receivables_book(load_tables(make_data(orders), schema), schema, as_of)


def _unshipped(n: int, **kw: Any) -> dict[str, Any]:
    blank = dict(
        bl_no=None,
        bl_date=None,
        vessel_voyage=None,
        docs_sent_date=None,
        container_nos=None,
        invoice_no=None,
        dispatch_method=None,
        etd=None,
        received_amount=None,
        status="已签约",
    )
    return clean_order(n, **{**blank, **kw})


def test_short_by_bank_charges_is_a_line_of_its_own_not_a_debt() -> None:
    book = _book(
        [
            clean_order(1, received_amount=25820.0, received_date=D(2026, 4, 6)),  # 30 short
            clean_order(2, received_amount=25750.0, received_date=D(2026, 4, 6)),
        ]
    )  # 100 short
    assert [(r.contract_no, r.outstanding, r.level) for r in book.bank_charges] == [
        ("GD26-001", 30.0, None)
    ]
    assert [(r.contract_no, r.outstanding, r.status) for r in book.open] == [
        ("GD26-002", 100.0, "open")
    ]


def test_bank_charge_limits_hold_both_and_per_currency_and_customer(tmp_path: Path) -> None:
    # 0.5 % of a small order is less than 50: 40 short on 5,000 is a debt
    small = clean_order(
        1,
        cartons=200,
        amount=4700.0,
        net_weight_kg=3600.0,
        gross_weight_kg=3900.0,
        received_amount=4660.0,
    )
    assert [r.contract_no for r in _book([small]).open] == ["GD26-001"]
    # JPY has its own line: 5,000 yen short on 2,585,000 is charges
    jpy = clean_order(
        1, currency="JPY", unit_price=2350.0, amount=2585000.0, received_amount=2580000.0
    )
    assert [r.outstanding for r in _book([jpy]).bank_charges] == [5000.0]
    # a customer whose bank keeps more
    text = (
        open(load_schema().source, encoding="utf-8")
        .read()
        .replace(
            "  customers: {}\n",
            "  customers: {PT SEGAR: {bank_charges: {USD: {max: 150, max_pct: 1}}}}\n",
        )
    )
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    book = _book([clean_order(1, received_amount=25750.0)], schema=load_schema(p))
    assert [r.outstanding for r in book.bank_charges] == [100.0] and book.open == []


def test_a_deposit_short_by_fees_and_its_unpaid_balance() -> None:
    o = clean_order(
        1,
        payment_terms="T/T 30% deposit, 70% against B/L copy",
        collecting_bank=None,
        received_amount=7730.0,
    )  # the deposit 7,755 less 25 of fees
    book = _book([o])
    assert [(r.instalment, r.outstanding) for r in book.bank_charges] == [("deposit", 25.0)]
    assert [(r.instalment, r.amount, r.outstanding, r.due_date) for r in book.open] == [
        ("balance", 18095.0, 18095.0, D(2026, 3, 28))
    ]


def test_closed_orders_owe_nothing_and_unshipped_contracts_are_not_receivables() -> None:
    book = _book(
        [
            clean_order(1, status="已结案"),  # closed, nothing received
            _unshipped(2),  # D/P contract, not shipped
            _unshipped(3, payment_terms="T/T in advance", etd=D(2026, 4, 1)),
        ]
    )  # advance due at ETD
    assert book.open == []
    assert [(r.contract_no, r.due_date, r.level) for r in book.advances] == [
        ("GD26-003", D(2026, 4, 1), "escalate")
    ]
    assert [(r.contract_no, r.outstanding, r.due_date, r.status) for r in book.not_yet_due] == [
        ("GD26-002", 25850.0, None, "not-yet-due")
    ]
    assert all(r.contract_no != "GD26-001" for r in book.all())


def test_a_paid_status_does_not_hide_money_that_is_missing() -> None:
    book = _book([clean_order(1, status="已收款", received_amount=20000.0)])
    assert [(r.outstanding, r.status) for r in book.open] == [(5850.0, "open")]


def test_eta_moves_a_dp_or_da_due_date_to_arrival() -> None:
    kw = _Shipped(
        contract_date=D(2026, 3, 2), bl_date=D(2026, 3, 21), docs_sent_date=D(2026, 3, 25)
    )
    assert due_date("D/P at sight", **kw) == D(2026, 4, 8)
    assert due_date("D/P at sight", eta=D(2026, 4, 2), **kw) == D(
        2026, 4, 8
    )  # arrives before presentation
    assert due_date("D/P at sight", eta=D(2026, 4, 20), **kw) == D(2026, 4, 20)
    assert due_date("D/A 60 days", eta=D(2026, 4, 20), **kw) == D(2026, 6, 19)
    assert due_date("O/A 30 days", eta=D(2026, 4, 20), **kw) == D(2026, 4, 20)  # O/A: from the B/L
    (r,) = _book([clean_order(1, eta=D(2026, 4, 20))]).open
    assert (r.due_date, r.due_basis) == (D(2026, 4, 20), "eta")


def test_overdue_totals_only_shipped_open_genuinely_short_balances(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = [
        clean_order(1),  # open: 25,850
        clean_order(2, received_amount=25820.0, container_nos="MSKU9070323"),  # bank charges
        clean_order(3, status="已结案", container_nos="TGHU1234567"),  # closed
        _unshipped(4),  # not shipped
        clean_order(5, received_amount=20000.0, container_nos="MSKU9070323"),
    ]  # open: 5,850
    book = write_xlsx(make_data(orders), tmp_path / "b.xlsx")
    assert main(["overdue", str(book), "--as-of", "2026-11-27", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Total USD: 31,700.00, of which overdue 31,700.00" in out
    assert "Bank charges" in out and "received 25,820.00 of 25,850.00, charges 30.00" in out
    assert "Contracts not shipped" in out and "Sum USD: 25,850.00" in out
    assert "GD26-003" not in out
    assert main(["overdue", str(book), "--as-of", "2026-11-27", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["contract_no"], r["status"]) for r in rows} == {
        ("GD26-001", "open"),
        ("GD26-002", "bank-charges"),
        ("GD26-004", "not-yet-due"),
        ("GD26-005", "open"),
    }
    assert sum(r["outstanding"] for r in rows if r["status"] == "open") == 31700.0


def test_a_late_deposit_is_chased_but_not_in_the_receivables_totals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = [
        clean_order(1),
        _unshipped(2, payment_terms="T/T 30% deposit, 70% against B/L copy", status="生产中"),
    ]
    book = write_xlsx(make_data(orders), tmp_path / "b.xlsx")
    assert main(["overdue", str(book), "--as-of", "2026-11-27", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Total USD: 25,850.00" in out  # the shipped order only
    assert "Deposits and advances due before shipment" in out
    assert "GD26-002       PT SEGAR       deposit  USD 7,755.00  2026-03-09  263  escalate" in out
    assert "GD26-002       PT SEGAR       balance  USD 18,095.00" in out  # not yet due, apart
