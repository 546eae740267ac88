"""doc-value-missing, container-cartons and seal-number (gendan.rules.checks.shipment) on
hand-made orders: each test changes one thing of a complete order and expects exactly the
finding that change should cause (or none)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from factory import CUSTOMERS, clean_order, make_data

from gendan.model.findings import Finding
from gendan.model.messages import render
from gendan.model.schema import load_schema
from gendan.read.tables import load_tables
from gendan.rules.engine import check_tables

SCHEMA = load_schema()
AS_OF = dt.date(2026, 4, 10)
NEW_CODES = {"doc-value-missing", "container-cartons", "seal-number"}
#: every value the shipment's documents need for a D/P order, filled in
DOC_VALUES: dict[str, Any] = {
    "consignee": "TO ORDER",
    "notify_party": "PT Segar Buah Indonesia, Jakarta",
    "booking_no": "QD261234567",
    "bl_type": "ORIGINAL",
    "seal_nos": "WHL1234567",
    "measurement_cbm": 57.2,
    "eta": dt.date(2026, 3, 30),
}
CUSTOMERS_WITH_BANK = [
    dict(
        c,
        collecting_bank_address="Jl. Jend. Gatot Subroto Kav. 36-38, Jakarta",
        collecting_bank_swift="BMRIIDJA",
    )
    for c in CUSTOMERS
]


def shipped(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A complete D/P order, shipped and documents sent, unpaid: documents needed."""
    return clean_order(n, **{**DOC_VALUES, **overrides})


def findings(
    *orders: dict[str, Any], customers: list[dict[str, Any]] | None = None
) -> list[Finding]:
    data = make_data(
        list(orders), customers=customers if customers is not None else CUSTOMERS_WITH_BANK
    )
    report = check_tables(load_tables(data, SCHEMA), SCHEMA, AS_OF)
    return [f for f in report.findings if f.code in NEW_CODES]


def keys(fs: list[Finding]) -> set[tuple[str, str, str | None]]:
    return {(f.code, f.key, f.contract_no) for f in fs}


def test_a_complete_order_has_none_of_the_new_findings() -> None:
    assert (
        findings(shipped(1), shipped(2, seal_nos="WHL7654321", container_nos="TGHU8886670")) == []
    )


#: a second complete order: the book uses every document column (a column nobody fills is
#: not reported, see test_a_column_the_book_does_not_use_is_not_reported)
OTHER = shipped(9, container_nos="TGHU8886670", seal_nos="WHL7654321")


def test_a_missing_value_at_the_stage_that_needs_it_is_reported() -> None:
    fs = findings(shipped(1, seal_nos=None), OTHER)
    assert keys(fs) == {("doc-value-missing", "seal_nos", "GD26-001")}
    f = fs[0]
    assert f.severity == "warning" and f.sheet == "工作序列表"
    en = render(f, "en")
    assert "Packing List" in en and "Shipped" in en and "〔缺 MISSING〕" in en
    assert "装箱单" in render(f, "zh")


def test_a_value_the_customer_sheet_lacks_is_reported_on_that_sheet() -> None:
    # PT SEGAR (the order's buyer) has no SWIFT; another buyer has one
    customers = [
        dict(
            c,
            collecting_bank_address="Jakarta",
            collecting_bank_swift=None if j == 0 else "BFTVVNVX",
        )
        for j, c in enumerate(CUSTOMERS)
    ]
    fs = findings(
        shipped(1),
        shipped(2, container_nos="TGHU8886670", seal_nos="WHL7654321"),
        customers=customers,
    )
    assert [(f.code, f.sheet, f.key, f.reason) for f in fs] == [
        ("doc-value-missing", "客户", "collecting_bank_swift", "reference")
    ]
    assert "GD26-001" in render(fs[0], "en") and "Collection Instruction" in render(fs[0], "en")


def test_the_same_blank_on_a_settled_or_closed_order_is_no_finding() -> None:
    paid = shipped(
        1,
        seal_nos=None,
        measurement_cbm=None,
        eta=None,
        received_amount=25850.0,
        received_date=dt.date(2026, 4, 2),
        status="已收款",
    )
    closed = shipped(
        2,
        seal_nos=None,
        measurement_cbm=None,
        consignee=None,
        status="已结案",
        container_nos="TGHU8886670",
        contract_date=dt.date(2023, 3, 2),
    )
    assert findings(paid, closed, OTHER) == []


def test_a_column_the_book_does_not_use_is_not_reported() -> None:
    # no order of the book has seals: the book does not keep them, and the documents show
    # the marker; the check stays quiet (the books kept before the column existed)
    assert (
        findings(shipped(1, seal_nos=None), shipped(2, seal_nos=None, container_nos="TGHU8886670"))
        == []
    )


def test_before_shipment_nothing_is_needed_yet() -> None:
    booked = shipped(
        1,
        seal_nos=None,
        measurement_cbm=None,
        bl_no=None,
        bl_date=None,
        docs_sent_date=None,
        container_nos=None,
        phyto_cert_no=None,
        co_no=None,
        dispatch_method=None,
        status="已订舱",
    )
    assert findings(booked, OTHER) == []


def test_a_branch_the_order_does_not_print_is_not_needed() -> None:
    # the L/C clause of the draft (issuing bank, L/C date) is not printed for a D/P order
    lc = shipped(
        9,
        container_nos="TGHU8886670",
        seal_nos="WHL7654321",
        payment_terms="L/C at sight",
        lc_no="LC123",
        latest_shipment=dt.date(2026, 3, 31),
        lc_expiry=dt.date(2026, 4, 15),
        issuing_bank="BANK MANDIRI",
        lc_date=dt.date(2026, 3, 5),
        collecting_bank=None,
    )
    assert findings(shipped(1), lc) == []
    # … and it is for an L/C order
    fs = findings(
        shipped(1),
        dict(lc, lc_date=None),
        dict(
            lc,
            contract_no="GD26-010",
            issuing_bank=None,
            container_nos="CSQU3054383",
            seal_nos="WHL1234567",
        ),
    )
    assert keys(fs) == {
        ("doc-value-missing", "lc_date", "GD26-009"),
        ("doc-value-missing", "issuing_bank", "GD26-010"),
    }


def test_cartons_per_container_off_by_one() -> None:
    two = shipped(
        1,
        containers=2,
        container_nos="CSQU3054383 / TGHU8886670",
        seal_nos="WHL1234567 / WHL1234568",
        cartons=2200,
        net_weight_kg=39600.0,
        gross_weight_kg=42680.0,
        amount=51700.0,
    )
    assert findings(dict(two, container_cartons="1100 / 1100")) == []
    fs = findings(dict(two, container_cartons="1100 / 1099"))
    assert keys(fs) == {("container-cartons", "container_cartons", "GD26-001")}
    assert "2199" in render(fs[0], "en") and "2200" in render(fs[0], "en")


def test_cartons_per_container_in_the_forms_people_type() -> None:
    two = shipped(
        1,
        containers=2,
        container_nos="CSQU3054383\nTGHU8886670",
        seal_nos="WHL1234567\nWHL1234568",
        cartons=2200,
        net_weight_kg=39600.0,
        gross_weight_kg=42680.0,
        amount=51700.0,
    )
    for ok in ("1100/1100", "1100\n1100", "1100, 1100", "1100；1100"):
        assert findings(dict(two, container_cartons=ok)) == [], ok
    reasons = {
        text: [f.reason for f in findings(dict(two, container_cartons=text))]
        for text in ("1,100 / 1,100", "1100", "1100+1100", "1100 / 1100 / 0")
    }
    assert reasons == {
        "1,100 / 1,100": ["thousands"],
        "1100": ["count"],
        "1100+1100": ["count"],
        "1100 / 1100 / 0": ["count"],
    }
    assert [f.reason for f in findings(dict(two, container_cartons="1100 / 1100.5"))] == ["form"]


def test_one_seal_per_container() -> None:
    two = shipped(
        1,
        containers=2,
        container_nos="CSQU3054383 / TGHU8886670",
        cartons=2200,
        net_weight_kg=39600.0,
        gross_weight_kg=42680.0,
        amount=51700.0,
    )
    assert [f.reason for f in findings(dict(two, seal_nos="WHL1234567"))] == ["count"]
    assert [f.reason for f in findings(dict(two, seal_nos="WHL1234567 / whl1234567"))] == [
        "repeated"
    ]


def test_a_seal_shared_with_another_orders_container() -> None:
    fs = findings(shipped(1), shipped(2, container_nos="TGHU8886670"))  # both WHL1234567
    assert [(f.code, f.reason, f.contract_no) for f in fs] == [
        ("seal-number", "shared", "GD26-002")
    ]
    assert "GD26-001" in render(fs[0], "en")
    # two contracts loaded in the same container share its seal: no finding
    assert findings(shipped(1), shipped(2)) == []


def test_one_container_typed_as_a_number() -> None:
    assert findings(shipped(1, container_cartons=1100), OTHER) == []
    assert [f.reason for f in findings(shipped(1, container_cartons=1099), OTHER)] == [None]


def test_needed_from_must_name_a_stage() -> None:
    import pytest
    import yaml

    from gendan.documents.layout import default_layout_path, parse_layout
    from gendan.model.errors import SchemaError

    raw = yaml.safe_load(default_layout_path().read_text(encoding="utf-8"))
    assert {d["key"]: d.get("needed_from") for d in raw["documents"]}["packing_list"] == "shipped"
    raw["documents"][0]["needed_from"] = "loaded"
    with pytest.raises(SchemaError, match="needed_from"):
        parse_layout(raw)


def test_the_rows_a_document_value_is_read_from_are_the_documents_lookups() -> None:
    """The check finds the 客户/产品 row of an order as the documents do (gendan.read.lookup):
    no 产品 cell of today's documents is ``need``-marked, so only this reaches the 产品
    lookup, which once imported a function the documents no longer have."""
    from gendan.read.lookup import customer_rows, product_rows
    from gendan.rules.checks.base import Context
    from gendan.rules.checks.shipment import _Rows

    orders = [shipped(1), shipped(2, spec="100#"), shipped(3, product="Kiwi", customer="NOBODY")]
    tables = load_tables(make_data(orders, shuffle=False, blank_row=False), SCHEMA)
    rows = _Rows(Context(tables, SCHEMA, AS_OF))
    assert [rows.product(i) for i in range(3)] == product_rows(tables) == [0, 1, None]
    assert [rows.customer(i) for i in range(3)] == customer_rows(tables)
    assert rows.customer(0) is not None and rows.customer(2) is None
