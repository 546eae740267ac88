"""Each rule with a failing and a passing case, on a master laid out as in the field
(header in row 3, columns shuffled, a blank row inside the data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from factory import clean_order, make_data

from gendan.model.findings import Report
from gendan.model.schema import load_schema
from gendan.rules.engine import check_data

D = dt.date
AS_OF = D(2026, 3, 30)  # before the clean order's due date: no overdue noise


def codes_for(*orders: dict[str, Any], **kw: Any) -> Report:
    report = check_data(
        make_data(list(orders), **kw), as_of=kw.pop("as_of", AS_OF) if "as_of" in kw else AS_OF
    )
    return report


def run(*orders: dict[str, Any], as_of: dt.date = AS_OF, **kw: Any) -> Report:
    return check_data(make_data(list(orders), **kw), as_of=as_of)


def test_clean_rows_have_no_findings() -> None:
    report = run(
        clean_order(1),
        clean_order(2, container_nos="MSKU9070323"),
        clean_order(3, container_nos="TGHU1234567"),
    )
    assert report.flatten(["row", "code"]) == []


def test_rows_keep_their_worksheet_addresses() -> None:
    # header in row 3, first order row 4, blank row 5, second order row 6
    report = run(clean_order(1), clean_order(2, amount=1.0, container_nos="MSKU9070323"))
    assert report.flatten(["row", "code", "contract_no"]) == [[6, "amount-mismatch", "GD26-002"]]
    f = report.findings[0]
    assert f.sheet == "工作序列表" and f.cell.endswith("6") and f.key == "amount"
    assert f.value == "1.00" and f.expected == "25,850.00"
    assert "25,850.00" in f.message_en and "金额" in f.message_zh


CASES = [
    # (code, overrides that break it)
    ("required", {"port_of_loading": None}),
    ("required", {"collecting_bank": None}),  # D/P needs a collecting bank
    (
        "required",
        {
            "payment_terms": "L/C at sight",
            "dispatch_method": "银行",
            "collecting_bank": None,
            "latest_shipment": D(2026, 3, 31),
            "lc_expiry": D(2026, 4, 15),
        },
    ),  # no L/C no.
    ("required", {"vessel_voyage": None}),  # B/L exists
    (
        "required",
        {
            "payment_terms": "T/T in advance",
            "dispatch_method": "DHL",
            "tracking_no": None,
            "collecting_bank": None,
            "received_amount": 25850.0,
            "received_date": D(2026, 3, 10),
        },
    ),
    ("type", {"cartons": "1,200 箱"}),
    ("type", {"payment_terms": "cash when convenient"}),
    ("type", {"bl_date": "2026-02-30"}),
    ("text-date", {"etd": "2026/3/20"}),
    ("enum", {"currency": "US$$"}),
    ("enum", {"container_type": "45RF"}),
    ("enum", {"incoterm": "C&F"}),
    (
        "pattern",
        {
            "payment_terms": "T/T in advance",
            "dispatch_method": "DHL",
            "tracking_no": "123456789",
            "collecting_bank": None,
            "received_amount": 25850.0,
            "received_date": D(2026, 3, 10),
        },
    ),
    ("unknown-customer", {"customer": "NOBODY LTD"}),
    ("unknown-product", {"spec": "72#"}),
    ("amount-mismatch", {"amount": 25580.0}),
    ("weight-mismatch", {"net_weight_kg": 18000.0}),
    ("weight-mismatch", {"kg_per_carton": 17.0, "net_weight_kg": 18700.0}),
    ("gross-not-above-net", {"gross_weight_kg": 19800.0}),
    (
        "container-overflow",
        {"cartons": 1300, "net_weight_kg": 23400.0, "gross_weight_kg": 25000.0, "amount": 30550.0},
    ),
    ("container-count", {"containers": 2, "cartons": 1100}),
    ("container-check-digit", {"container_nos": "CSQU3054384"}),
    ("temperature-range", {"temperature_c": 5.0}),
    ("date-order", {"etd": D(2026, 3, 1)}),
    ("date-order", {"docs_sent_date": D(2026, 3, 20)}),
    (
        "late-shipment",
        {
            "payment_terms": "L/C at sight",
            "lc_no": "LC001",
            "latest_shipment": D(2026, 3, 15),
            "lc_expiry": D(2026, 4, 30),
            "collecting_bank": None,
        },
    ),
    (
        "lc-presentation",
        {
            "payment_terms": "L/C at sight",
            "lc_no": "LC001",
            "latest_shipment": D(2026, 3, 31),
            "lc_expiry": D(2026, 5, 30),
            "docs_sent_date": D(2026, 4, 20),
            "collecting_bank": None,
        },
    ),
    (
        "lc-expiry-before-shipment",
        {
            "payment_terms": "L/C at sight",
            "lc_no": "LC001",
            "latest_shipment": D(2026, 3, 31),
            "lc_expiry": D(2026, 3, 28),
            "collecting_bank": None,
        },
    ),
    ("dispatch-method", {"dispatch_method": "DHL", "tracking_no": "1234567890"}),
    (
        "dispatch-method",
        {
            "payment_terms": "T/T 30% deposit, 70% against B/L copy",
            "collecting_bank": None,
            "dispatch_method": "DHL",
            "tracking_no": "1234567890",
            "received_amount": 7755.0,
            "bl_date": D(2026, 3, 25),
        },
    ),
    ("over-received", {"received_amount": 26000.0, "received_date": D(2026, 3, 28)}),
    ("duplicate", None),  # built below
]


@pytest.mark.parametrize(
    "code,overrides", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)]
)
def test_each_rule_fails_on_its_defect_only(code: str, overrides: dict[str, Any] | None) -> None:
    if code == "duplicate":
        report = run(
            clean_order(1), clean_order(2, invoice_no="INV26-001", container_nos="MSKU9070323")
        )
    else:
        report = run(
            clean_order(1), clean_order(2, **{"container_nos": "MSKU9070323", **(overrides or {})})
        )
    found = report.flatten(["row", "code"])
    assert found == [[6, code]], found


def test_duplicate_ignores_blanks() -> None:
    report = run(
        clean_order(
            1, bl_no=None, vessel_voyage=None, bl_date=None, docs_sent_date=None, status="已订舱"
        ),
        clean_order(
            2,
            bl_no=None,
            vessel_voyage=None,
            bl_date=None,
            docs_sent_date=None,
            status="已订舱",
            container_nos="MSKU9070323",
        ),
    )
    assert "duplicate" not in report.codes()


def test_a_bad_value_gives_one_finding_not_a_cascade() -> None:
    # cartons does not parse: amount, weight and capacity rules are skipped for the row
    report = run(clean_order(1, cartons="一千一百"))
    assert report.flatten(["row", "code", "key"]) == [[4, "type", "cartons"]]


def test_overdue_on_the_as_of_date() -> None:
    # D/P: docs sent 2026-03-25 + 14 days transit = due 2026-04-08
    assert "overdue" not in run(clean_order(1), as_of=D(2026, 4, 8)).codes()
    report = run(clean_order(1), as_of=D(2026, 4, 9))
    assert report.flatten(["row", "code", "expected"]) == [[4, "overdue", None]]
    assert "2026-04-08" in report.findings[0].message_en
    assert report.findings[0].severity == "warning"


def test_paid_order_is_not_overdue() -> None:
    report = run(
        clean_order(1, received_amount=25850.0, received_date=D(2026, 4, 1), status="已收款"),
        as_of=D(2026, 11, 1),
    )
    assert report.flatten() == []


def test_lc_presentation_after_expiry_within_21_days() -> None:
    o = clean_order(
        1,
        payment_terms="L/C at sight",
        lc_no="LC9",
        latest_shipment=D(2026, 3, 31),
        lc_expiry=D(2026, 4, 1),
        docs_sent_date=D(2026, 4, 3),
        collecting_bank=None,
    )
    report = run(o)
    assert [(f.code, f.reason) for f in report] == [("lc-presentation", "after-expiry")]


def test_tt_balance_originals_after_full_payment_are_fine() -> None:
    o = clean_order(
        1,
        payment_terms="T/T 30% deposit, 70% against B/L copy",
        collecting_bank=None,
        dispatch_method="DHL",
        tracking_no="1234567890",
        received_amount=25850.0,
        received_date=D(2026, 3, 24),
        status="已收款",
    )
    assert run(o).flatten() == []


def test_text_date_is_a_warning_and_its_value_is_used() -> None:
    report = run(clean_order(1, bl_date="2026年3月21日"))
    assert report.flatten(["code", "severity", "expected"]) == [
        ["text-date", "warning", "2026-03-21"]
    ]
    assert not report.has_errors


# --------------------------------------------------------------------------- the order's life


def _unshipped(n: int = 1, **kw: Any) -> dict[str, Any]:
    """A contract not yet shipped: nothing of the B/L, the documents or the money."""
    blank = dict(
        bl_no=None,
        bl_date=None,
        vessel_voyage=None,
        docs_sent_date=None,
        container_nos=None,
        phyto_cert_no=None,
        co_no=None,
        invoice_no=None,
        dispatch_method=None,
        collecting_bank=None,
        etd=None,
        received_amount=None,
        status="已签约",
    )
    return clean_order(n, **{**blank, **kw})


def test_a_signed_contract_needs_nothing_of_later_stages() -> None:
    report = run(
        _unshipped(1),
        _unshipped(2, payment_terms="L/C at sight"),
        _unshipped(3, payment_terms="D/A 60 days", status="生产中"),
    )
    assert report.flatten(["row", "code"]) == []


def test_requirements_apply_from_their_stage() -> None:
    # D/P: the collecting bank once the documents are sent, not before
    assert run(_unshipped(1, status="已订舱", vessel_voyage="WAN HAI 302 V.N123")).flatten() == []
    report = run(clean_order(1, collecting_bank=None))
    (f,) = report.findings
    assert (f.code, f.key) == ("required", "collecting_bank")
    assert "已寄单" in f.message_zh and "Documents sent" in f.message_en
    # L/C data from booking on: a vessel is named, the L/C must be in hand
    report = run(
        _unshipped(
            1, payment_terms="L/C at sight", vessel_voyage="WAN HAI 302 V.N123", status="已订舱"
        )
    )
    assert sorted(f.key for f in report) == ["latest_shipment", "lc_expiry", "lc_no"]


def test_the_rows_evidence_wins_over_a_stale_status() -> None:
    # status still says signed, but the documents went out on 2026-03-25
    report = run(clean_order(1, status="已签约", collecting_bank=None))
    assert report.flatten(["code", "key"]) == [["required", "collecting_bank"]]
    # status says documents sent, but the B/L data is missing: the status is believed
    report = run(_unshipped(1, status="已寄单"))
    assert sorted(f.key for f in report if f.code == "required") == [
        "bl_date",
        "bl_no",
        "collecting_bank",
        "vessel_voyage",
    ]


def test_real_book_status_words_are_stages() -> None:
    words = {
        "已出运": "shipped",
        "待收尾款": "shipped",
        "已交单": "docs_sent",
        "已结案": "closed",
        "已收款": "paid",
        "生产中": "production",
        "已订舱": "booked",
    }
    from gendan.model.schema import STAGE_KEYS
    from gendan.read.tables import load_tables
    from gendan.rules.stages import status_stages

    schema = load_schema()
    rows = [_unshipped(i + 1, status=w, contract_no=f"X{i}") for i, w in enumerate(words)]
    tables = load_tables(make_data(rows), schema)
    assert [None if s is None else STAGE_KEYS[s] for s in status_stages(tables.master)] == list(
        words.values()
    )
    assert "enum" not in check_data(make_data(rows), as_of=AS_OF).codes()


def test_a_closed_or_prepaid_contract_that_never_shipped_is_not_asked_for_shipping_data() -> None:
    report = run(
        _unshipped(1, status="已结案"),
        _unshipped(
            2,
            status="已收款",
            payment_terms="T/T in advance",
            received_amount=25850.0,
            received_date=D(2026, 3, 5),
        ),
    )
    assert report.flatten() == []


TT = dict(
    payment_terms="T/T 30% deposit, 70% against B/L copy",
    collecting_bank=None,
    dispatch_method="DHL",
    tracking_no="1234567890",
    cartons=1558,
    net_weight_kg=28044.0,
    gross_weight_kg=30224.0,
    amount=36613.0,
    unit_price=23.5,
    containers=2,
    container_nos="CSQU3054383 / MSKU9070323",
    container_type="40RH",
)


def test_originals_before_a_balance_since_paid_are_a_warning_with_the_facts() -> None:
    """The issue's case: paid in full long ago, originals couriered 3 days before the balance."""
    o = clean_order(1, **TT, received_amount=36613.0, received_date=D(2026, 3, 28), status="已结案")
    report = run(o, as_of=D(2026, 11, 27))
    (f,) = report.findings
    assert (f.code, f.severity, f.reason) == ("dispatch-method", "warning", "paid-after-dispatch")
    assert "2026-03-28" in f.message_en and "2026-03-25" in f.message_en
    assert "36,613.00 of 36,613.00" in f.message_en and "before the balance arrived" in f.message_en
    assert not report.has_errors


def test_originals_before_a_balance_still_open_are_an_error_that_agrees_with_its_figures() -> None:
    o = clean_order(1, **TT, received_amount=10983.9, received_date=D(2026, 3, 5), status="已寄单")
    report = run(o, as_of=D(2026, 3, 27))  # the balance falls due on 2026-03-28
    (f,) = report.findings
    assert (f.code, f.severity, f.reason) == ("dispatch-method", "error", "balance-unpaid")
    assert "10,983.90 of 36,613.00" in f.message_en


def test_bank_charges_do_not_keep_a_balance_open() -> None:
    # 30 short: the banks' fees; the balance arrived after the originals went: history
    o = clean_order(1, **TT, received_amount=36583.0, received_date=D(2026, 3, 28), status="已收款")
    report = run(o, as_of=D(2026, 11, 27))
    assert sorted(report.flatten(["code", "severity"])) == [
        ["bank-charges", "info"],
        ["dispatch-method", "warning"],
    ]
    assert "overdue" not in report.codes()
    note = next(f for f in report if f.code == "bank-charges")
    # the deposit (10,983.90) came in full; the balance line is 30.00 short
    assert "Balance: 25,599.10 of 25,629.10 received: the USD 30.00 short" in note.message_en


def test_closed_with_a_shortfall_is_a_warning_that_says_so() -> None:
    o = clean_order(1, **TT, received_amount=30000.0, received_date=D(2026, 3, 28), status="已结案")
    report = run(o, as_of=D(2026, 11, 27))
    assert report.flatten(["code", "severity", "reason"]) == [
        ["dispatch-method", "warning", "settled-short"]
    ]
    assert "30,000.00 of 36,613.00" in report.findings[0].message_en


LC = dict(
    payment_terms="L/C at sight",
    lc_no="LC001",
    collecting_bank=None,
    latest_shipment=D(2026, 3, 15),
    lc_expiry=D(2026, 4, 30),
)


def test_late_shipment_says_what_the_bank_and_the_merchandiser_can_do() -> None:
    (f,) = run(clean_order(1, **LC)).findings
    assert (f.code, f.severity, f.expected) == ("late-shipment", "error", None)
    assert (
        "2026-03-15" in f.message_en
        and "amend the L/C" in f.message_en
        and "waiver" in f.message_en
    )
    assert "修改信用证" in f.message_zh


def test_past_events_on_a_settled_order_are_warnings() -> None:
    paid = dict(received_amount=25850.0, received_date=D(2026, 4, 2), status="已收款")
    late = run(clean_order(1, **LC, **paid), as_of=D(2026, 11, 27))
    assert late.flatten(["code", "severity", "reason"]) == [["late-shipment", "warning", "settled"]]
    assert "history" in late.findings[0].message_en
    presented = run(
        clean_order(
            1, **{**LC, "latest_shipment": D(2026, 3, 31)}, **paid, docs_sent_date=D(2026, 4, 20)
        ),
        as_of=D(2026, 11, 27),
    )
    assert presented.flatten(["code", "severity"]) == [["lc-presentation", "warning"]]
    by_dhl = run(
        clean_order(1, dispatch_method="DHL", tracking_no="1234567890", **paid),
        as_of=D(2026, 11, 27),
    )
    assert by_dhl.flatten(["code", "severity", "reason"]) == [
        ["dispatch-method", "warning", "settled"]
    ]
    # the same events on open orders block
    assert run(clean_order(1, dispatch_method="DHL", tracking_no="1234567890")).flatten(
        ["severity"]
    ) == [["error"]]


def test_a_wrong_check_digit_proposes_no_container_number() -> None:
    (f,) = run(clean_order(1, container_nos="CSQU3054384")).findings
    assert f.code == "container-check-digit" and f.expected is None
    assert "CSQU305438" in f.message_en and "check digit 3, not 4" in f.message_en
    assert "CSQU3054383" not in f.message_en + f.message_zh


def test_a_late_deposit_names_the_deposit() -> None:
    o = _unshipped(1, payment_terms="T/T 30% deposit, 70% against B/L copy", status="生产中")
    (f,) = run(o, as_of=D(2026, 3, 20)).findings  # deposit due 2026-03-09
    assert f.code == "overdue" and f.value == "7,755.00"
    assert "Deposit USD 7,755.00 was due on 2026-03-09" in f.message_en and "定金" in f.message_zh


def test_a_genuinely_short_receipt_stays_a_debt() -> None:
    report = run(
        clean_order(1, received_amount=25500.0, received_date=D(2026, 4, 5)), as_of=D(2026, 5, 1)
    )
    assert report.flatten(["code", "value"]) == [["overdue", "350.00"]]


# --------------------------------------------------------------------------- price-outlier


def _priced(n: int, price: float, **kw: Any) -> dict[str, Any]:
    return clean_order(
        n,
        unit_price=price,
        amount=round(1100 * price, 2),
        bl_no=f"B{n}",
        invoice_no=f"I{n}",
        container_nos="CSQU3054383",
        **kw,
    )


def test_a_price_one_tenth_of_the_customers_usual_is_an_outlier() -> None:
    orders = [_priced(i, p) for i, p in enumerate((23.5, 24.0, 23.0, 25.5, 22.8), start=1)]
    report = run(*orders, _priced(6, 2.35))
    (f,) = report.findings
    assert (f.code, f.severity, f.contract_no, f.expected) == (
        "price-outlier",
        "warning",
        "GD26-006",
        None,
    )
    assert "2.35" in f.message_en and "23.50" in f.message_en and "1/10.0 of" in f.message_en


def test_few_prices_or_an_ordinary_rise_are_not_outliers() -> None:
    few = [_priced(i, p) for i, p in enumerate((23.5, 24.0, 23.0), start=1)]
    assert "price-outlier" not in run(*few, _priced(4, 2.35)).codes()
    usual = [_priced(i, p) for i, p in enumerate((23.5, 24.0, 23.0, 25.5, 22.8), start=1)]
    assert "price-outlier" not in run(*usual, _priced(6, 31.0)).codes()


def test_a_customer_without_history_is_compared_with_the_products_prices() -> None:
    orders = [_priced(i, p) for i, p in enumerate((23.5, 24.0, 23.0, 25.5, 22.8), start=1)]
    report = run(*orders, _priced(6, 235.0, customer="VINAFRUIT"))
    (f,) = report.findings
    assert (
        f.code == "price-outlier"
        and "10.0 times" in f.message_en
        and "VINAFRUIT" not in f.message_en
    )


# --------------------------------------------------------------------------- certificates


def _customers(docs: str) -> list[dict[str, Any]]:
    from factory import CUSTOMERS

    return [dict(CUSTOMERS[0], required_documents=docs), CUSTOMERS[1]]


def test_certificates_the_customer_requires_must_be_filled_in_once_documents_are_sent() -> None:
    report = run(
        clean_order(1, phyto_cert_no=None, co_no=None), customers=_customers("B/L, 植检证, Form E")
    )
    assert sorted((f.code, f.key) for f in report) == [
        ("certificate-missing", "co_no"),
        ("certificate-missing", "phyto_cert_no"),
    ]
    f = next(f for f in report if f.key == "phyto_cert_no")
    assert "PT SEGAR" in f.message_en and f.severity == "error"
    # not named, or not yet sent: nothing
    assert run(clean_order(1, co_no=None), customers=_customers("B/L, 植检证")).flatten() == []
    assert run(_unshipped(1), customers=_customers("植检证, C/O")).flatten() == []
    # a short name must stand alone: "COPY" does not name a C/O
    assert run(clean_order(1, co_no=None), customers=_customers("3 COPY INVOICE")).flatten() == []


def test_certificates_the_product_requires() -> None:
    from factory import PRODUCTS

    products = [dict(PRODUCTS[0], required_documents="Phytosanitary certificate"), PRODUCTS[1]]
    report = run(clean_order(1, phyto_cert_no=None, co_no=None), products=products)
    assert report.flatten(["code", "key"]) == [["certificate-missing", "phyto_cert_no"]]
    assert "Fuji Apple 80#" in report.findings[0].message_en


def test_the_stage_model_is_checked_when_the_schema_loads(tmp_path: Path) -> None:
    from gendan.model.errors import SchemaError

    text = open(load_schema().source, encoding="utf-8").read()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace(
            "required: {terms: [DP, DA], from: docs_sent}",
            "required: {terms: [DP, DA], from: sent}",
        ),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="unknown stage 'sent'"):
        load_schema(bad)
    bad.write_text(
        text.replace("  - {key: booked, zh: 已订舱", "  - {key: reserved, zh: 已订舱"),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="the stages are signed, production, booked"):
        load_schema(bad)
    bad.write_text(
        text.replace(
            "bank_charges:\n    default: {max: 50, max_pct: 0.5}",
            "bank_charges:\n    default: {max: -5}",
        ),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError, match="bank_charges.default.max"):
        load_schema(bad)
