"""One rule for "which 产品 / 客户 row does this order mean" (gendan.read.lookup), and the check
and the documents agree on it for the same order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from factory import PRODUCTS, clean_order, make_data

from gendan.documents.build import Order
from gendan.model.schema import load_schema
from gendan.read.lookup import customer_rows, product_row, product_rows
from gendan.read.tables import load_tables
from gendan.rules.engine import check_data

KIWI = {
    "product": "Kiwi",
    "spec": "33#",
    "kg_per_carton": 10.0,
    "cartons_per_20RF": 1200,
    "cartons_per_40RH": 2400,
    "temp_min_c": 0.0,
    "temp_max_c": 2.0,
    "hs_code": "0810500000",
}


def _both(
    orders: list[dict[str, Any]], products: list[dict[str, Any]]
) -> tuple[set[int], list[int | None]]:
    """(master indices the check calls unknown-product, the documents' product row per order)."""
    schema = load_schema()
    data = make_data(orders, products=products, shuffle=False, blank_row=False)
    tables = load_tables(data, schema)
    report = check_data(data, schema, as_of=dt.date(2026, 11, 30))
    rows = tables.master.rows
    unknown = {rows.index(f.row) for f in report.findings if f.code == "unknown-product"}
    return unknown, [Order(tables, i).product_index for i in range(tables.master.n)]


def test_blank_spec_of_a_single_spec_product_is_that_product_in_check_and_documents() -> None:
    orders = [
        clean_order(
            1, product="Kiwi", spec=None, kg_per_carton=10.0, cartons=2400, net_weight_kg=24000.0
        ),
        clean_order(2, spec=None),  # Fuji Apple has two specs: the order must say which
        clean_order(3, spec="100#", kg_per_carton=20.0, net_weight_kg=22000.0),
    ]
    unknown, doc_rows = _both(orders, [*PRODUCTS, KIWI])
    assert unknown == {1}
    assert doc_rows == [2, None, 1]
    # the documents see the product's facts for the blank-spec order
    schema = load_schema()
    tables = load_tables(
        make_data(orders, products=[*PRODUCTS, KIWI], shuffle=False, blank_row=False), schema
    )
    assert Order(tables, 0).p("hs_code") == "0810500000"


def test_a_products_sheet_without_specs_matches_by_name() -> None:
    schema = load_schema()
    plain = [{k: v for k, v in p.items() if k != "spec"} for p in (PRODUCTS[0], KIWI)]
    data = make_data(
        [clean_order(1), clean_order(2, product="Kiwi", spec="33#")],
        products=plain,
        shuffle=False,
        blank_row=False,
    )
    # drop the 规格 column from 产品 entirely
    grids = list(data.sheets)
    p = next(i for i, g in enumerate(grids) if g.name == "产品")
    spec_zh = next(c.zh for c in schema.products.columns if c.key == "spec")
    j = grids[p].rows[0].index(spec_zh)
    grids[p] = type(grids[p])(name="产品", rows=[[*r[:j], *r[j + 1 :]] for r in grids[p].rows])
    data = type(data)(sheets=tuple(grids), path=data.path)
    tables = load_tables(data, schema)
    assert tables.products is not None and not tables.products.has("spec")
    assert product_rows(tables) == [0, 1]
    report = check_data(data, schema, as_of=dt.date(2026, 11, 30))
    assert [f for f in report.findings if f.code == "unknown-product"] == []


@pytest.mark.parametrize(
    ("name", "spec", "row"),
    [
        ("fuji  apple", "80#", 0),
        ("Fuji Apple", "100#", 1),
        ("Fuji Apple", None, None),
        ("Kiwi", None, 2),
        ("Kiwi", "", 2),
        ("Kiwi", "30#", None),
        (None, "80#", None),
        ("Pear", None, None),
    ],
)
def test_product_row(name: Any, spec: Any, row: int | None) -> None:
    schema = load_schema()
    tables = load_tables(make_data([clean_order()], products=[*PRODUCTS, KIWI]), schema)
    assert tables.products is not None
    assert product_row(tables.products, name, spec) == row


def test_lookups_are_computed_once_and_kept_on_the_tables() -> None:
    schema = load_schema()
    tables = load_tables(make_data([clean_order(1), clean_order(2, customer="NOBODY")]), schema)
    first = product_rows(tables)
    assert product_rows(tables) is first and tables.lookups["product_rows"] is first
    assert customer_rows(tables) == [0, None]
    assert all(t.lookups == {} for t in tables.each() if t is not tables)
