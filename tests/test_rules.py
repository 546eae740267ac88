"""Each rule with a failing and a passing case, on a master laid out as in the field
(header in row 3, columns shuffled, a blank row inside the data)."""

from __future__ import annotations

import datetime as dt

import pytest
from factory import clean_order, make_data

from gendan.check import check_data

D = dt.date
AS_OF = D(2026, 3, 30)  # before the clean order's due date: no overdue noise


def codes_for(*orders, **kw):
    report = check_data(make_data(list(orders), **kw), as_of=kw.pop("as_of", AS_OF) if "as_of" in kw else AS_OF)
    return report


def run(*orders, as_of=AS_OF, **kw):
    return check_data(make_data(list(orders), **kw), as_of=as_of)


def test_clean_rows_have_no_findings():
    report = run(clean_order(1), clean_order(2, container_nos="MSKU9070323"), clean_order(3, container_nos="TGHU1234567"))
    assert report.flatten(["row", "code"]) == []


def test_rows_keep_their_worksheet_addresses():
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
    ("required", {"payment_terms": "L/C at sight", "dispatch_method": "银行", "collecting_bank": None,
                  "latest_shipment": D(2026, 3, 31), "lc_expiry": D(2026, 4, 15)}),  # no L/C no.
    ("required", {"vessel_voyage": None}),  # B/L exists
    ("required", {"payment_terms": "T/T in advance", "dispatch_method": "DHL", "tracking_no": None,
                  "collecting_bank": None, "received_amount": 25850.0, "received_date": D(2026, 3, 10)}),
    ("type", {"cartons": "1,200 箱"}),
    ("type", {"payment_terms": "cash when convenient"}),
    ("type", {"bl_date": "2026-02-30"}),
    ("text-date", {"etd": "2026/3/20"}),
    ("enum", {"currency": "US$$"}),
    ("enum", {"container_type": "45RF"}),
    ("enum", {"incoterm": "C&F"}),
    ("pattern", {"payment_terms": "T/T in advance", "dispatch_method": "DHL", "tracking_no": "123456789",
                 "collecting_bank": None, "received_amount": 25850.0, "received_date": D(2026, 3, 10)}),
    ("unknown-customer", {"customer": "NOBODY LTD"}),
    ("unknown-product", {"spec": "72#"}),
    ("amount-mismatch", {"amount": 25580.0}),
    ("weight-mismatch", {"net_weight_kg": 18000.0}),
    ("weight-mismatch", {"kg_per_carton": 17.0, "net_weight_kg": 18700.0}),
    ("gross-not-above-net", {"gross_weight_kg": 19800.0}),
    ("container-overflow", {"cartons": 1300, "net_weight_kg": 23400.0, "gross_weight_kg": 25000.0, "amount": 30550.0}),
    ("container-count", {"containers": 2, "cartons": 1100}),
    ("container-check-digit", {"container_nos": "CSQU3054384"}),
    ("temperature-range", {"temperature_c": 5.0}),
    ("date-order", {"etd": D(2026, 3, 1)}),
    ("date-order", {"docs_sent_date": D(2026, 3, 20)}),
    ("late-shipment", {"payment_terms": "L/C at sight", "lc_no": "LC001", "latest_shipment": D(2026, 3, 15),
                       "lc_expiry": D(2026, 4, 30), "collecting_bank": None}),
    ("lc-presentation", {"payment_terms": "L/C at sight", "lc_no": "LC001", "latest_shipment": D(2026, 3, 31),
                         "lc_expiry": D(2026, 5, 30), "docs_sent_date": D(2026, 4, 20), "collecting_bank": None}),
    ("lc-expiry-before-shipment", {"payment_terms": "L/C at sight", "lc_no": "LC001", "latest_shipment": D(2026, 3, 31),
                                   "lc_expiry": D(2026, 3, 28), "collecting_bank": None}),
    ("dispatch-method", {"dispatch_method": "DHL", "tracking_no": "1234567890"}),
    ("dispatch-method", {"payment_terms": "T/T 30% deposit, 70% against B/L copy", "collecting_bank": None,
                         "dispatch_method": "DHL", "tracking_no": "1234567890", "received_amount": 7755.0,
                         "bl_date": D(2026, 3, 25)}),
    ("over-received", {"received_amount": 26000.0, "received_date": D(2026, 3, 28)}),
    ("duplicate", None),  # built below
]


@pytest.mark.parametrize("code,overrides", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_each_rule_fails_on_its_defect_only(code, overrides):
    if code == "duplicate":
        report = run(clean_order(1), clean_order(2, invoice_no="INV26-001", container_nos="MSKU9070323"))
    else:
        report = run(clean_order(1), clean_order(2, **{"container_nos": "MSKU9070323", **overrides}))
    found = report.flatten(["row", "code"])
    assert found == [[6, code]], found


def test_duplicate_ignores_blanks():
    report = run(clean_order(1, bl_no=None, vessel_voyage=None, bl_date=None, docs_sent_date=None, status="已订舱"),
                 clean_order(2, bl_no=None, vessel_voyage=None, bl_date=None, docs_sent_date=None, status="已订舱",
                             container_nos="MSKU9070323"))
    assert "duplicate" not in report.codes()


def test_a_bad_value_gives_one_finding_not_a_cascade():
    # cartons does not parse: amount, weight and capacity rules are skipped for the row
    report = run(clean_order(1, cartons="一千一百"))
    assert report.flatten(["row", "code", "key"]) == [[4, "type", "cartons"]]


def test_overdue_on_the_as_of_date():
    # D/P: docs sent 2026-03-25 + 14 days transit = due 2026-04-08
    assert "overdue" not in run(clean_order(1), as_of=D(2026, 4, 8)).codes()
    report = run(clean_order(1), as_of=D(2026, 4, 9))
    assert report.flatten(["row", "code", "expected"]) == [[4, "overdue", None]]
    assert "2026-04-08" in report.findings[0].message_en
    assert report.findings[0].severity == "warning"


def test_paid_order_is_not_overdue():
    report = run(clean_order(1, received_amount=25850.0, received_date=D(2026, 4, 1), status="已收款"), as_of=D(2026, 11, 1))
    assert report.flatten() == []


def test_lc_presentation_after_expiry_within_21_days():
    o = clean_order(1, payment_terms="L/C at sight", lc_no="LC9", latest_shipment=D(2026, 3, 31),
                    lc_expiry=D(2026, 4, 1), docs_sent_date=D(2026, 4, 3), collecting_bank=None)
    report = run(o)
    assert [(f.code, f.reason) for f in report] == [("lc-presentation", "after-expiry")]


def test_tt_balance_originals_after_full_payment_are_fine():
    o = clean_order(1, payment_terms="T/T 30% deposit, 70% against B/L copy", collecting_bank=None,
                    dispatch_method="DHL", tracking_no="1234567890", received_amount=25850.0,
                    received_date=D(2026, 3, 24), status="已收款")
    assert run(o).flatten() == []


def test_text_date_is_a_warning_and_its_value_is_used():
    report = run(clean_order(1, bl_date="2026年3月21日"))
    assert report.flatten(["code", "severity", "expected"]) == [["text-date", "warning", "2026-03-21"]]
    assert not report.has_errors
