"""gendan todo: every rule at its boundary (due today, tomorrow, yesterday, just outside the
window), settled and closed orders silent, recorded e-mails never repeated, and the sample
listing every kind on a fixed as-of date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from factory import CUSTOMERS, clean_order, make_data

from gendan.book.sample import AS_OF, build_sample
from gendan.cli import main
from gendan.model.schema import load_schema
from gendan.read.tables import load_tables
from gendan.report.output import terminal_safe
from gendan.report.todo import KINDS, TODO_FIELDS, TodoItem, todo_items, todo_table
from gendan.rules.engine import load_book

D = dt.date
DUE = D(2026, 6, 15)  # every rule's due date in these tests
SCHEMA = load_schema()


def items(
    orders: list[dict[str, Any]], as_of: dt.date, days: int = 7, customers: Any = None
) -> list[TodoItem]:
    tables = load_tables(make_data(orders, customers=customers), SCHEMA)
    return todo_items(tables, SCHEMA, as_of, days)


def of(kind: str, found: list[TodoItem]) -> list[TodoItem]:
    return [t for t in found if t.kind == kind]


def unshipped(n: int = 1, **kw: Any) -> dict[str, Any]:
    """A D/P order not yet shipped (no B/L, no documents): nothing is receivable yet."""
    blank = dict.fromkeys(
        (
            "vessel_voyage",
            "bl_no",
            "bl_date",
            "docs_sent_date",
            "container_nos",
            "phyto_cert_no",
            "co_no",
            "invoice_no",
            "dispatch_method",
            "collecting_bank",
        )
    )
    return clean_order(n, **{**blank, "status": "生产中", "etd": None, **kw})


def shipped(n: int = 1, bl: dt.date = DUE, **kw: Any) -> dict[str, Any]:
    """An order on board on ``bl``, documents not sent yet."""
    return clean_order(
        n,
        **{
            "etd": bl,
            "bl_date": bl,
            "docs_sent_date": None,
            "dispatch_method": None,
            "status": "已装船",
            "eta": bl + dt.timedelta(days=40),
            **kw,
        },
    )


#: (days before the due date, expected days_left): due tomorrow, today, yesterday
BOUNDARY = [(1, 1), (0, 0), (-1, -1)]


def _as_of(due: dt.date, k: int) -> dt.date:
    return due - dt.timedelta(days=k)


@pytest.mark.parametrize("k,left", BOUNDARY)
def test_booking_etd(k: int, left: int) -> None:
    found = items([unshipped(etd=DUE)], _as_of(DUE, k))
    (t,) = of("booking", found)
    assert (t.due_date, t.days_left, t.contract_no) == (DUE, left, "GD26-001")
    assert t.sheet == "工作序列表" and t.cell.startswith(
        load_tables(make_data([unshipped()]), SCHEMA).master.letter("etd")
    )
    assert "2026-06-15" in t.action_zh and "ETD 2026-06-15" in t.action_en


def test_booking_window_edges_and_booked_orders() -> None:
    assert of("booking", items([unshipped(etd=DUE)], DUE - dt.timedelta(days=7), days=7))
    assert not of("booking", items([unshipped(etd=DUE)], DUE - dt.timedelta(days=8), days=7))
    # a vessel booked: nothing to book
    assert not of(
        "booking",
        items([unshipped(etd=DUE, vessel_voyage="WAN HAI 302 V.N1", status="已订舱")], DUE),
    )


@pytest.mark.parametrize("k,left", BOUNDARY)
def test_lc_latest_shipment_and_expiry(k: int, left: int) -> None:
    lc = dict(
        payment_terms="L/C at sight",
        lc_no="ILC123",
        vessel_voyage="WAN HAI 302 V.N1",
        status="已订舱",
        etd=DUE - dt.timedelta(days=30),
        collecting_bank=None,
    )
    found = items(
        [
            unshipped(1, latest_shipment=DUE, lc_expiry=DUE + dt.timedelta(days=30), **lc),
            unshipped(2, latest_shipment=DUE - dt.timedelta(days=30), lc_expiry=DUE, **lc),
        ],
        _as_of(DUE, k),
    )
    (ship,) = [t for t in of("lc-shipment", found) if t.contract_no == "GD26-001"]
    (exp,) = [t for t in of("lc-expiry", found) if t.contract_no == "GD26-002"]
    assert ship.days_left == left == exp.days_left
    assert "ILC123" in ship.action_en and "extend" in exp.action_en
    # no booking item: the vessel is booked
    assert not of("booking", found)


@pytest.mark.parametrize("k,left", BOUNDARY)
def test_lc_presentation_is_bl_plus_period_capped_at_expiry(k: int, left: int) -> None:
    bl = DUE - dt.timedelta(days=21)
    lc = dict(
        payment_terms="L/C 90 days after B/L date",
        lc_no="LC9",
        collecting_bank=None,
        latest_shipment=bl + dt.timedelta(days=5),
    )
    found = items([shipped(1, bl=bl, lc_expiry=DUE + dt.timedelta(days=20), **lc)], _as_of(DUE, k))
    (t,) = of("lc-presentation", found)
    assert (t.due_date, t.days_left) == (DUE, left) and "+ 21" in t.action_en
    assert not of("docs-send", found)  # under an L/C the deadline is the presentation's
    # the expiry comes before B/L + 21: the expiry is the deadline
    bl2 = DUE - dt.timedelta(days=10)
    capped = of("lc-presentation", items([shipped(1, bl=bl2, lc_expiry=DUE, **lc)], _as_of(DUE, k)))
    assert [(t.due_date, t.days_left) for t in capped] == [(DUE, left)]
    assert "expiry" in capped[0].action_en


@pytest.mark.parametrize("k,left", BOUNDARY)
def test_documents_not_sent_after_the_bl(k: int, left: int) -> None:
    bl = DUE - dt.timedelta(days=7)
    found = items([shipped(1, bl=bl, shipping_advice_date=bl)], _as_of(DUE, k))
    (t,) = of("docs-send", found)
    assert (t.due_date, t.days_left) == (DUE, left)
    # documents sent (date or status): nothing
    sent = shipped(
        1, bl=bl, shipping_advice_date=bl, docs_sent_date=bl + dt.timedelta(days=2), status="已寄单"
    )
    assert not of("docs-send", items([sent], _as_of(DUE, k)))
    assert not of("docs-send", items([shipped(1, bl=bl, status="已寄单")], _as_of(DUE, k)))


@pytest.mark.parametrize("k,left", BOUNDARY)
def test_certificates_the_customer_needs_before_etd(k: int, left: int) -> None:
    customers = [dict(CUSTOMERS[0], required_documents="植检证, Form E"), CUSTOMERS[1]]
    etd = DUE + dt.timedelta(days=2)  # certificate_lead_days: 2
    order = unshipped(etd=etd, vessel_voyage="WAN HAI 302 V.N1", status="已订舱")
    found = of("certificate", items([order], _as_of(DUE, k), customers=customers))
    assert sorted((t.cell[:2].rstrip("0123456789"), t.days_left) for t in found) == sorted(
        (load_tables(make_data([order]), SCHEMA).master.letter(key), left)
        for key in ("phyto_cert_no", "co_no")
    )
    assert all(t.due_date == DUE for t in found)
    # filled in, or not required: nothing
    done = dict(order, phyto_cert_no="370200002612", co_no="E2637001")
    assert not of("certificate", items([done], _as_of(DUE, k), customers=customers))
    assert not of("certificate", items([order], _as_of(DUE, k)))


@pytest.mark.parametrize("k,left", BOUNDARY)
def test_shipping_advice(k: int, left: int) -> None:
    bl = DUE - dt.timedelta(days=1)
    (t,) = of("shipping-advice", items([shipped(1, bl=bl)], _as_of(DUE, k)))
    assert (t.due_date, t.days_left) == (DUE, left)
    assert "WAN HAI 302" in t.action_en and "QDJKT260001" in t.action_en
    # recorded as sent: never repeated
    assert not of(
        "shipping-advice", items([shipped(1, bl=bl, shipping_advice_date=bl)], _as_of(DUE, k))
    )
    # the goods have arrived: moot
    assert not of(
        "shipping-advice",
        items([shipped(1, bl=bl, eta=_as_of(DUE, k) - dt.timedelta(days=1))], _as_of(DUE, k)),
    )


def test_shipping_advice_window_closes() -> None:
    bl = DUE - dt.timedelta(days=1)
    assert of("shipping-advice", items([shipped(1, bl=bl)], bl + dt.timedelta(days=14)))
    assert not of("shipping-advice", items([shipped(1, bl=bl)], bl + dt.timedelta(days=15)))


def _oa(due: dt.date, **kw: Any) -> dict[str, Any]:
    """O/A 30 days, shipped and documents sent: falls due on ``due``."""
    bl = due - dt.timedelta(days=30)
    return clean_order(
        1,
        payment_terms="O/A 30 days",
        bl_date=bl,
        etd=bl,
        docs_sent_date=bl + dt.timedelta(days=2),
        shipping_advice_date=bl,
        dispatch_method="DHL",
        tracking_no="1234567890",
        collecting_bank=None,
        **kw,
    )


@pytest.mark.parametrize("k,left", [(7, 7), (1, 1), (0, 0)])
def test_payment_falling_due(k: int, left: int) -> None:
    found = items([_oa(DUE)], _as_of(DUE, k))
    (t,) = found
    assert (t.kind, t.due_date, t.days_left) == ("payment-due", DUE, left)
    assert "25,850.00" in t.action_en and "bl_date + 30" in t.action_en
    assert not items([_oa(DUE)], _as_of(DUE, 8))  # outside the window


def test_deposit_falling_due_before_shipment() -> None:
    order = unshipped(
        payment_terms="T/T 30% deposit, 70% against B/L copy",
        contract_date=D(2026, 6, 8),
        collecting_bank=None,
    )
    (t,) = items([order], D(2026, 6, 14))
    assert (t.kind, t.due_date, t.days_left) == ("payment-due", D(2026, 6, 15), 1)
    assert "deposit" in t.action_en and "7,755.00" in t.action_en


def test_dunning_levels_and_the_last_reminder() -> None:
    # one day late: the reminder level begins today
    (t,) = items([_oa(DUE)], DUE + dt.timedelta(days=1))
    assert (t.kind, t.due_date, t.days_left) == ("dunning", DUE + dt.timedelta(days=1), 0)
    assert "reminder" in t.action_en
    # 15 days late, reminded at day 3: the firm level (from 15) began today, not yet sent
    (t,) = items([_oa(DUE, reminder_date=DUE + dt.timedelta(days=3))], DUE + dt.timedelta(days=15))
    assert (t.due_date, t.days_left) == (DUE + dt.timedelta(days=15), 0) and "firm" in t.action_en
    assert "last reminder 2026-06-18" in t.action_en
    # 16 days late, firm letter sent yesterday: nothing until the final level
    assert not items(
        [_oa(DUE, reminder_date=DUE + dt.timedelta(days=15))], DUE + dt.timedelta(days=16)
    )
    # 31 days late: the final level began today; the firm letter does not cover it
    (t,) = items([_oa(DUE, reminder_date=DUE + dt.timedelta(days=15))], DUE + dt.timedelta(days=31))
    assert t.days_left == 0 and "final" in t.action_en


def test_settled_and_closed_orders_produce_nothing() -> None:
    as_of = DUE + dt.timedelta(days=60)
    paid = _oa(DUE, received_amount=25850.0, status="已收款")
    paid_less_charges = _oa(DUE, received_amount=25830.0)
    closed = unshipped(etd=DUE, status="已结案")  # a cancelled contract, closed
    closed_unpaid = shipped(1, bl=DUE, status="已结案")
    for order in (paid, paid_less_charges, closed, closed_unpaid):
        assert items([order], as_of, days=365) == [], order["status"]


def test_sorted_by_urgency_and_json_fields() -> None:
    orders = [
        _oa(DUE),
        shipped(2, bl=DUE - dt.timedelta(days=20), shipping_advice_date=DUE),
        unshipped(3, etd=DUE + dt.timedelta(days=3)),
    ]
    found = items(orders, DUE, days=7)
    assert [t.days_left for t in found] == sorted(t.days_left for t in found)
    assert [t.kind for t in found] == ["docs-send", "payment-due", "booking"]
    assert tuple(found[0].to_dict()) == TODO_FIELDS
    assert all(t.kind in KINDS for t in found)


def test_table_shows_control_characters_escaped() -> None:
    evil = "ACME\x1b[2J\x07\u202eX"
    customers = [dict(CUSTOMERS[0], customer=evil), CUSTOMERS[1]]
    found = items([unshipped(etd=DUE, customer=evil)], DUE, customers=customers)
    text = todo_table(found, "en", DUE, 7)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "ACME\\x1b[2J\\x07\\u202eX" in text
    assert terminal_safe("装船\t") == "装船\\x09"


# ----------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("todo") / "sample.xlsx"
    build_sample(path)
    return path


def test_sample_lists_every_kind_with_the_right_days(
    sample: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["todo", str(sample), "--as-of", AS_OF.isoformat(), "--days", "60", "--format", "json"]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert {r["kind"] for r in rows} == set(KINDS)
    assert all(list(r) == list(TODO_FIELDS) for r in rows)
    tables, schema = load_book(sample)
    m = tables.master
    for r in rows:
        due = dt.date.fromisoformat(r["due_date"])
        assert r["days_left"] == (due - AS_OF).days
        i = m.find("contract_no", r["contract_no"])
        assert i is not None and r["cell"][-len(str(m.rows[i])) :] == str(m.rows[i])
        if r["kind"] == "lc-presentation":  # B/L + 21, capped at the expiry
            assert due == min(m.get("bl_date", i) + dt.timedelta(days=21), m.get("lc_expiry", i))
        if r["kind"] == "shipping-advice":
            assert m.get("shipping_advice_date", i) is None and due == m.get(
                "bl_date", i
            ) + dt.timedelta(days=1)
    # the default window is narrower and a subset
    assert main(["todo", str(sample), "--as-of", AS_OF.isoformat(), "--format", "json"]) == 0
    week = json.loads(capsys.readouterr().out)
    assert week and all(r in rows for r in week) and all(r["days_left"] <= 7 for r in week)


def test_cli_bad_input_exits_2(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["todo", str(sample), "--days", "soon"]) == 2
    err = capsys.readouterr().err
    assert "--days" in err and "天数" in err
    assert main(["todo", str(tmp_path / "missing.xlsx")]) == 2
    assert main(["todo", str(sample), "--out", str(sample)]) == 2
    assert "输入" in capsys.readouterr().err
    out = tmp_path / "todo.csv"
    assert (
        main(
            [
                "todo",
                str(sample),
                "--as-of",
                AS_OF.isoformat(),
                "--format",
                "csv",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_text(encoding="utf-8").startswith(",".join(TODO_FIELDS))


def test_tt_originals_wait_for_the_money() -> None:
    bl = DUE - dt.timedelta(days=7)
    tt = dict(
        payment_terms="T/T 30% deposit, 70% against B/L copy",
        collecting_bank=None,
        shipping_advice_date=bl,
    )
    # balance unpaid: no "send documents" (the payment items carry the order), whatever the window
    unpaid = items([shipped(1, bl=bl, received_amount=7755.0, **tt)], DUE, days=60)
    assert not of("docs-send", unpaid) and of("payment-due", unpaid)
    # paid in full three days after the B/L: the originals are due B/L + 7
    paid = shipped(1, bl=bl, received_amount=25850.0, received_date=bl + dt.timedelta(days=3), **tt)
    (t,) = items([paid], DUE)
    assert (t.kind, t.due_date, t.days_left) == ("docs-send", DUE, 0) and "telex" in t.action_en
    # paid later than B/L + 7: due the day after the money arrived
    late = dict(paid, received_date=DUE + dt.timedelta(days=2))
    (t,) = items([late], DUE)
    assert t.due_date == DUE + dt.timedelta(days=3)
    # documents marked sent, by date or by status, or the order closed: nothing
    assert not items([dict(paid, docs_sent_date=DUE, status="已寄单")], DUE)
    assert not items([dict(paid, status="已收款")], DUE)
    assert not items([dict(paid, status="已结案")], DUE)


def test_todo_mail_and_report_tell_what_could_not_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A formula without a saved result reads as blank (a book written by a program): check
    and overdue say so on stderr, and a to-do list, a letter or a dashboard built on the
    same blanks must say it too, or a missing payment date just silently drops off."""
    import openpyxl
    from factory import write_xlsx

    book = write_xlsx(make_data([clean_order(1), clean_order(2)]), tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["工作序列表"]
    ws.cell(row=ws.max_row, column=ws.max_column + 1, value="=1+1")  # no cached value
    wb.save(book)
    runs = [
        ["todo", str(book), "--as-of", "2026-12-01"],
        ["mail", str(book), "--kind", "statement", "--due", "--out", str(tmp_path / "m")],
        ["report", str(book), "--as-of", "2026-12-01", "--out", str(tmp_path / "r.xlsx")],
    ]
    for argv in runs:
        main([*argv, "--as-of", "2026-12-01"] if argv[0] == "mail" else argv)
        err = capsys.readouterr().err
        assert "saved results" in err, (argv[0], err)


def test_todo_and_mail_keep_to_the_sheet_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--sheet`` is accepted by todo and mail (as by check, overdue and report); it must
    choose, not be silently ignored: last year's book must not chase this year's orders."""
    from factory import write_xlsx

    from gendan.model.grid import SheetGrid, WorkbookData

    old = make_data([clean_order(1, contract_no="OLD-001")])
    new = make_data([clean_order(2, contract_no="NEW-002")])
    grids = (
        SheetGrid(name="2025年", rows=old.sheets[0].rows),
        SheetGrid(name="2026年", rows=new.sheets[0].rows),
        *new.sheets[1:],
    )
    book = write_xlsx(WorkbookData(sheets=grids, path="<memory>"), tmp_path / "years.xlsx")
    assert main(["todo", str(book), "--format", "json", "--as-of", "2026-12-01"]) == 0
    text = capsys.readouterr().out
    assert "OLD-001" in text and "NEW-002" in text  # every master sheet, not the first only
    common = ["--as-of", "2026-12-01", "--sheet", "2025年"]
    assert main(["todo", str(book), "--format", "json", *common]) == 0
    text = capsys.readouterr().out
    assert "OLD-001" in text and "NEW-002" not in text
    out = tmp_path / "m"
    assert (
        main(["mail", str(book), "--kind", "statement", "--due", "--out", str(out), *common]) == 0
    )
    mails = "".join(f.read_text(encoding="utf-8", errors="replace") for f in out.glob("*.eml"))
    assert "OLD-001" in mails and "NEW-002" not in mails
