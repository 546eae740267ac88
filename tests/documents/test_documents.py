"""Document sheets: layout loading, the calc language, builders (fragment tests on plan
data), the openpyxl applier, generate, issue and the doc-mismatch / doc-missing check."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any, TypeVar

import pytest
from factory import PRODUCTS, clean_order, make_data, write_xlsx

from gendan.documents import expr
from gendan.documents.audit import check_documents, read_block, same
from gendan.documents.build import DRAFT, ISSUED, MARKER, Order, build_document, sheet_name
from gendan.documents.layout import Layout, load_layout, parse_layout
from gendan.model.errors import InputError, SchemaError
from gendan.model.plan import HideColumns, Merge, PageSetup, Plan, SetFormula, SetValues
from gendan.model.schema import load_schema
from gendan.read.tables import Tables, load_tables

NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
COMPANY = {
    "seller_name": "ACME FRESH FRUIT CO., LTD.",
    "seller_name_zh": "艾克美鲜果有限公司",
    "address": "No. 1 Orchard Road, Yantai, Shandong, China",
    "tel": "+86 535 000 0000",
    "email": "export@acme.example.cn",
    "bank_name": "Bank of China, Yantai Branch",
    "bank_address": "Yantai, China",
    "account_no": "1234 5678",
    "swift": "BKCHCNBJ51A",
    "signature": "LI LEI",
    "origin": "China",
}
CUSTOMERS = [
    {
        "customer": "PT SEGAR",
        "full_name": "PT Segar Buah Indonesia",
        "address": "Jl. Raya 1, Jakarta",
        "country": "ID",
        "language": "en",
        "collecting_bank": "Bank Mandiri, Jakarta",
        "notify_party": "SAME AS CONSIGNEE",
    },
    {
        "customer": "VINAFRUIT",
        "full_name": "Vinafruit Co., Ltd.",
        "address": "45 Nguyen Trai, HCMC",
        "country": "VN",
        "language": "en",
    },
]


def orders() -> list[dict[str, Any]]:
    """A D/P order (1 container), an L/C order (2 containers, a remark that looks like a
    formula), a T/T order in EUR."""
    return [
        clean_order(1),
        clean_order(
            2,
            customer="VINAFRUIT",
            payment_terms="L/C at sight",
            lc_no="LC0002",
            latest_shipment=dt.date(2026, 4, 30),
            lc_expiry=dt.date(2026, 5, 21),
            containers=2,
            cartons=2200,
            net_weight_kg=39600.0,
            gross_weight_kg=42680.0,
            amount=51700.0,
            container_nos="CSQU3054383 / MSKU1234565",
            remarks='=HYPERLINK("http://x","y")',
            dispatch_method="银行",
            collecting_bank=None,
            port_of_discharge="Ho Chi Minh",
        ),
        clean_order(
            3,
            payment_terms="T/T in advance",
            currency="EUR",
            unit_price=21.25,
            amount=23375.0,
            collecting_bank=None,
            dispatch_method="DHL",
            tracking_no="1234567890",
            status="已装船",
        ),
    ]


def book(path: Path, rows: list[dict[str, Any]] | None = None) -> Path:
    data = make_data(rows or orders(), customers=CUSTOMERS, products=PRODUCTS, company=COMPANY)
    return write_xlsx(data, path)


@pytest.fixture(scope="module")
def tables() -> Tables:
    data = make_data(orders(), customers=CUSTOMERS, products=PRODUCTS, company=COMPANY)
    return load_tables(data, load_schema())


@pytest.fixture(scope="module")
def layout() -> Layout:
    return load_layout()


def _order(tables: Tables, no: str) -> Order:
    i = tables.master.find("contract_no", no)
    assert i is not None
    return Order(tables, i)


_A = TypeVar("_A")


def _at(plan: Plan, kind: type[_A], cell: str) -> _A:
    found = [a for a in plan.of_type(kind) if getattr(a, "cell", None) == cell]
    assert found, f"no {kind.__name__} at {cell}"
    return found[-1]


# ----------------------------------------------------------------------------- layout


def test_layout_has_the_seven_documents(layout: Layout) -> None:
    assert [d.key for d in layout.documents] == [
        "sales_contract",
        "shipping_instruction",
        "shipping_advice",
        "packing_list",
        "commercial_invoice",
        "collection_instruction",
        "bill_of_exchange",
    ]
    titles = {d.key: (d.title_zh, d.title_en) for d in layout.documents}
    assert titles["commercial_invoice"] == ("商业发票", "COMMERCIAL INVOICE")
    assert layout.document("collection_instruction").terms == ("DP", "DA")
    assert layout.document("bill_of_exchange").terms == ("DP", "DA", "LC_SIGHT", "LC_USANCE")
    assert layout.document("packing_list").repeat is not None


def test_layout_errors_name_the_place() -> None:
    base = {
        "styles": {"s": {"bold": True}},
        "documents": [{"key": "x", "cells": [{"at": "A1", "text": "t", "style": "nope"}]}],
    }
    with pytest.raises(SchemaError, match="unknown style 'nope'"):
        parse_layout(base)
    bad_calc = {"documents": [{"key": "x", "cells": [{"at": "A1", "calc": "__import__('os')"}]}]}
    with pytest.raises(SchemaError, match="not allowed"):
        parse_layout(bad_calc)
    two_sources = {"documents": [{"key": "x", "cells": [{"at": "A1", "text": "a", "master": "b"}]}]}
    with pytest.raises(SchemaError, match="exactly one"):
        parse_layout(two_sources)
    bad_addr = {"documents": [{"key": "x", "cells": [{"at": "1A", "text": "a"}]}]}
    with pytest.raises(SchemaError, match="cell address"):
        parse_layout(bad_addr)
    unknown_name = {"documents": [{"key": "x", "cells": [{"at": "A1", "words_en": "total"}]}]}
    with pytest.raises(SchemaError, match="'total'"):
        parse_layout(unknown_name)
    bad_placeholder = {
        "documents": [{"key": "x", "cells": [{"at": "A1", "template": "{m.cartons} {cartons}"}]}]
    }
    with pytest.raises(SchemaError, match="template"):
        parse_layout(bad_placeholder)
    # a border weight neither applier draws (openpyxl and Excel would disagree, or fail)
    dashed = {
        "styles": {"box": {"border": ["top"], "border_style": "dashed"}},
        "documents": [{"key": "x", "cells": [{"at": "A1", "text": "t", "style": "box"}]}],
    }
    with pytest.raises(SchemaError, match="border_style.*dashed"):
        parse_layout(dashed)


def test_adding_a_field_is_a_yaml_edit(tables: Tables, tmp_path: Path) -> None:
    text = Path(load_layout().source).read_text(encoding="utf-8")
    marker = "      - {at: A4, to: H4, text: 商业发票, style: title_zh}\n"
    assert marker in text
    extra = marker + "      - {at: A40, to: C40, master: sales_manager, style: value}\n"
    path = tmp_path / "documents.yaml"
    path.write_text(text.replace(marker, extra), encoding="utf-8")
    lay = load_layout(path)
    sheet = build_document(
        lay, lay.document("commercial_invoice"), _order(tables, "GD26-001"), ISSUED, NOW
    )
    assert sheet.values["A40"] == "王经理"
    assert any(f.key == "sales_manager" and f.cell == "A40" for f in sheet.fields)


# ----------------------------------------------------------------------------- calc


def test_calc_translates_and_evaluates_the_same_tree() -> None:
    vals = {
        ("m", "cartons"): 1100,
        ("m", "unit_price"): 23.5,
        ("m", "etd"): None,
        ("m", "bl"): dt.date(2026, 3, 1),
    }
    refs = {("m", "cartons"): "C", ("m", "unit_price"): "P", ("m", "etd"): "E", ("m", "bl"): "B"}
    assert (
        expr.to_formula("ROUND(m.cartons * m.unit_price, 2)", lambda s, k: refs[(s, k)])
        == "ROUND((C*P),2)"
    )
    assert expr.evaluate("ROUND(m.cartons * m.unit_price, 2)", lambda s, k: vals[(s, k)]) == 25850.0
    assert expr.to_formula("COALESCE(m.etd, m.bl)", lambda s, k: refs[(s, k)]) == 'IF(E="",B,E)'
    assert expr.evaluate("COALESCE(m.etd, m.bl)", lambda s, k: vals[(s, k)]) == dt.date(2026, 3, 1)
    assert (
        expr.to_formula('CONTAINS(m.etd, "D/A")', lambda s, k: refs[(s, k)])
        == 'ISNUMBER(SEARCH("D/A",E))'
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("MOD(-7, 3)", 2.0),  # Excel: the sign of the divisor
        ("INT(-2.5)", -3.0),
        ("ROUND(2.675, 2)", 2.68),
        ("ROUND(-2.5, 0)", -3.0),
        ('IF(m.x == "", "blank", "set")', "blank"),  # a blank equals ""
        ("m.x + 1", 1.0),  # and is 0 in arithmetic
        ('IF("cif" == "CIF", 1, 0)', 1),  # text compares without case
        ("1 / 0", None),  # an error blanks the cell, as IFERROR does
        ("i * 10 + n", 23),
    ],
)
def test_calc_has_excel_semantics(text: str, value: Any) -> None:
    assert expr.evaluate(text, lambda s, k: None, i=2, n=3) == value


# ----------------------------------------------------------------------------- fragments


def test_draft_fields_are_index_match_on_the_contract_number(
    tables: Tables, layout: Layout
) -> None:
    order = _order(tables, "GD26-001")
    sheet = build_document(layout, layout.document("commercial_invoice"), order, DRAFT)
    plan = sheet.plan
    m = tables.master
    key = _at(plan, SetValues, "Q2")
    assert key.values == [["GD26-001"]]
    c = m.letter("contract_no")
    assert (
        _at(plan, SetFormula, "Q3").formula
        == f"=IFERROR(MATCH($Q$2,'工作序列表'!${c}:${c},0),\"\")"
    )
    u = m.letter("unit_price")
    assert _at(plan, SetFormula, "F15").formula == (
        f'=IFERROR(IF(INDEX(\'工作序列表\'!${u}:${u},$Q$3)="","",INDEX(\'工作序列表\'!${u}:${u},$Q$3)),"")'
    )
    amount = _at(plan, SetFormula, "G15").formula
    assert f"INDEX('工作序列表'!${m.letter('cartons')}:${m.letter('cartons')},$Q$3)" in amount
    assert "ROUND(" in amount and "XLOOKUP" not in amount
    assert _at(plan, SetFormula, "C17").formula.startswith('=IFERROR(IF(ISNUMBER($G$15),"SAY "&')
    assert sheet.values["C17"] == "SAY US DOLLARS TWENTY-FIVE THOUSAND EIGHT HUNDRED FIFTY ONLY"
    assert sheet.values["C18"] == "美元贰万伍仟捌佰伍拾元整"
    assert sheet.values["C8"] == "PT Segar Buah Indonesia"
    buyer = _at(plan, SetFormula, "C8").formula
    assert "'客户'!$B:$B,$Q$4" in buyer


def test_issued_sheet_holds_values_and_provenance(tables: Tables, layout: Layout) -> None:
    sheet = build_document(
        layout, layout.document("commercial_invoice"), _order(tables, "GD26-001"), ISSUED, NOW
    )
    plan = sheet.plan
    assert not plan.of_type(SetFormula)
    assert _at(plan, SetValues, "G15").values == [[25850.0]]
    assert _at(plan, SetValues, "G6").values == [
        [dt.date(2026, 3, 21)]
    ]  # no invoice date: the B/L date
    labels = {a.cell: a.values[0][0] for a in plan.of_type(SetValues) if a.cell.startswith("P")}
    assert labels["P1"] == MARKER
    assert _at(plan, SetValues, "Q1").values == [["commercial_invoice"]]
    status_row = next(c for c, v in labels.items() if v == "status")
    assert _at(plan, SetValues, "Q" + status_row[1:]).values == [["issued"]]
    at_row = next(c for c, v in labels.items() if v == "issued_at")
    assert _at(plan, SetValues, "Q" + at_row[1:]).values == [["2026-11-27T03:00:00+00:00"]]
    keys = [f.key for f in sheet.fields]
    for k in (
        "invoice_no",
        "contract_no",
        "buyer",
        "cartons",
        "net_weight_kg",
        "unit_price",
        "amount",
        "amount_words_en",
        "amount_words_zh",
        "vessel_voyage",
        "bl_no",
        "container_nos",
        "gross_weight_kg",
    ):
        assert k in keys, k
    assert len(keys) == len(set(keys))
    assert HideColumns(sheet.sheet, "P:S") in plan.of_type(HideColumns)


def test_text_from_cells_stays_text(tables: Tables, layout: Layout) -> None:
    order = _order(tables, "GD26-002")
    issued = build_document(layout, layout.document("shipping_instruction"), order, ISSUED, NOW)
    assert _at(issued.plan, SetValues, "C33").values == [['=HYPERLINK("http://x","y")']]
    draft = build_document(layout, layout.document("shipping_instruction"), order, DRAFT)
    f = _at(draft.plan, SetFormula, "C33").formula
    assert "HYPERLINK" not in f and f.startswith("=IFERROR(IF(INDEX(")


def test_lc_number_shows_only_for_lc_orders(tables: Tables, layout: Layout) -> None:
    inv = layout.document("commercial_invoice")
    lc = build_document(layout, inv, _order(tables, "GD26-002"), ISSUED, NOW)
    assert (lc.values["E7"], lc.values["G7"]) == ("信用证号 L/C No.:", "LC0002")
    dp = build_document(layout, inv, _order(tables, "GD26-001"), ISSUED, NOW)
    assert (dp.values["E7"], dp.values["G7"]) == (None, None)


def test_packing_list_has_a_row_per_container(tables: Tables, layout: Layout) -> None:
    sheet = build_document(
        layout, layout.document("packing_list"), _order(tables, "GD26-002"), ISSUED, NOW
    )
    v = sheet.values
    assert (v["B16"], v["B17"]) == ("CSQU3054383", "MSKU1234565")
    assert (v["D16"], v["D17"]) == (1100.0, 1100.0)
    assert (v["G16"], v["H17"]) == (19800.0, 21340.0)
    assert (v["A18"], v["D18"], v["G18"], v["H18"]) == (
        "合计 TOTAL",
        2200,
        39600.0,
        42680.0,
    )  # moved down one row
    assert (v["C16"], v["C17"]) == (layout.missing_text,) * 2  # no seal numbers in the master yet
    assert Merge(sheet.sheet, "A18:C18") in sheet.plan.of_type(Merge)
    assert {"container_no[1]", "container_no[2]", "cartons_per_container[2]"} <= {
        f.key for f in sheet.fields
    }
    draft = build_document(
        layout, layout.document("packing_list"), _order(tables, "GD26-002"), DRAFT
    )
    f = _at(draft.plan, SetFormula, "B17").formula
    assert 'REPT(" ",99)),100,99)' in f and '"/"' in f


def test_collection_instruction_is_for_dp_and_da_only(tables: Tables, layout: Layout) -> None:
    doc = layout.document("collection_instruction")
    assert doc.applies(_order(tables, "GD26-001").method)
    assert not doc.applies(_order(tables, "GD26-002").method)
    sheet = build_document(layout, doc, _order(tables, "GD26-001"), ISSUED, NOW)
    v = sheet.values
    assert v["C10"] == "PT Segar Buah Indonesia"  # drawee
    assert v["C12"] == "Bank Mandiri, Jakarta"  # collecting bank
    assert v["C17"] == "D/P at sight" and v["E17"] == "付款交单 DOCUMENTS AGAINST PAYMENT"
    assert v["C15"] == "SAY US DOLLARS TWENTY-FIVE THOUSAND EIGHT HUNDRED FIFTY ONLY"


def test_page_is_one_a4_page_wide(tables: Tables, layout: Layout) -> None:
    for doc in layout.documents:
        sheet = build_document(layout, doc, _order(tables, "GD26-001"), DRAFT)
        (ps,) = sheet.plan.of_type(PageSetup)
        assert ps.paper == "A4" and ps.fit_width == 1 and ps.fit_height == 1
        assert ps.print_area == f"A1:H{sheet.last_row}"
        assert ps.margins_cm == layout.margins_cm


def test_sheet_names_are_safe() -> None:
    doc = load_layout().document("commercial_invoice")
    assert sheet_name(doc, "A/B:C*D?") == "发票-A_B_C_D_"
    assert len(sheet_name(doc, "X" * 40)) == 31


# ----------------------------------------------------------------------------- applier


def test_apply_openpyxl_keeps_text_and_page_setup(
    tables: Tables, layout: Layout, tmp_path: Path
) -> None:
    import openpyxl

    from gendan.write.apply_openpyxl import apply_plan

    sheet = build_document(
        layout, layout.document("shipping_instruction"), _order(tables, "GD26-002"), ISSUED, NOW
    )
    wb = openpyxl.Workbook()
    apply_plan(sheet.plan, wb)
    path = tmp_path / "si.xlsx"
    wb.save(path)
    ws = openpyxl.load_workbook(path)[sheet.sheet]
    assert ws["C33"].value == '=HYPERLINK("http://x","y")' and ws["C33"].data_type == "s"
    assert "C33:H34" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.column_dimensions["P"].hidden
    setup = ws.sheet_properties.pageSetUpPr
    assert ws.page_setup.fitToWidth == 1 and setup is not None and setup.fitToPage
    assert ws.page_setup.paperSize == 9
    assert ws.print_area == f"'{sheet.sheet}'!$A$1:$H${sheet.last_row}"
    assert round(ws.page_margins.left * 2.54, 2) == layout.margins_cm[0]


# ----------------------------------------------------------------------------- generate


def test_generate_adds_sheets_and_leaves_the_input_alone(tmp_path: Path) -> None:
    import openpyxl

    from gendan.documents import generate

    src = book(tmp_path / "master.xlsx")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "docs.xlsx"
    result = generate(src, out, orders=["GD26-001", "GD26-002"])
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert result.sheets == [
        "合同-GD26-001",
        "指令-GD26-001",
        "通知-GD26-001",
        "箱单-GD26-001",
        "发票-GD26-001",
        "托收-GD26-001",
        "汇票-GD26-001",
        "合同-GD26-002",
        "指令-GD26-002",
        "通知-GD26-002",
        "箱单-GD26-002",
        "发票-GD26-002",
        "汇票-GD26-002",
    ]
    assert result.skipped == [("GD26-002", "collection_instruction")]
    assert result.method == "graft"  # the package was copied, not rewritten by openpyxl
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:4] == ["工作序列表", "客户", "产品", "公司"]
    assert wb["发票-GD26-001"]["G15"].value.startswith("=IFERROR(")
    assert "GD26-001" in result.summary("zh") or "2 个订单" in result.summary("zh")
    again = generate(out, tmp_path / "docs2.xlsx", orders=["GD26-001"], issue=True, now=NOW)
    assert again.method == "graft"  # its own sheets exist: replaced in the package
    wb2 = openpyxl.load_workbook(again.out)
    assert wb2.sheetnames.count("发票-GD26-001") == 1  # replaced, not duplicated
    assert wb2["发票-GD26-001"]["G15"].value == 25850


def test_generate_refuses_unknown_orders_and_odd_files(tmp_path: Path) -> None:
    from gendan.documents import generate

    src = book(tmp_path / "master.xlsx")
    with pytest.raises(InputError, match="GD26-999"):
        generate(src, tmp_path / "o.xlsx", orders=["GD26-999"])
    with pytest.raises(InputError):
        generate(src, tmp_path / "o.xlsx")
    csv = tmp_path / "master.csv"
    csv.write_text("a,b\n")
    with pytest.raises(InputError, match=r"\.xlsx"):
        generate(csv, tmp_path / "o.xlsx", all=True)


# ----------------------------------------------------------------------------- check


def _edit(path: Path, out: Path, contract: str, **values: Any) -> Path:
    import openpyxl

    from gendan.read.reader import read_workbook

    t = load_tables(read_workbook(path), load_schema())
    i = t.master.find("contract_no", contract)
    assert i is not None
    wb = openpyxl.load_workbook(path)
    for key, v in values.items():
        wb[t.master.sheet][t.master.cell(key, i)].value = v
    wb.save(out)
    return out


def _check(path: Path) -> list[Any]:
    from gendan.read.reader import read_workbook

    data = read_workbook(path)
    schema = load_schema()
    return check_documents(data, load_tables(data, schema), schema)


def test_issued_documents_agree_until_the_master_changes(tmp_path: Path) -> None:
    from gendan.documents import generate

    src = book(tmp_path / "master.xlsx")
    out = generate(src, tmp_path / "issued.xlsx", orders=["GD26-001"], issue=True, now=NOW).out
    assert [f for f in _check(out) if f.code == "doc-mismatch"] == []
    changed = _edit(
        out, tmp_path / "changed.xlsx", "GD26-001", unit_price=25.0, vessel_voyage="EVER GIVEN 001W"
    )
    found = sorted((f.sheet, f.key) for f in _check(changed) if f.code == "doc-mismatch")
    assert found == sorted(
        [
            ("合同-GD26-001", "unit_price"),
            ("合同-GD26-001", "amount"),
            ("合同-GD26-001", "amount_words_en"),
            ("合同-GD26-001", "amount_words_zh"),
            ("发票-GD26-001", "unit_price"),
            ("发票-GD26-001", "amount"),
            ("发票-GD26-001", "amount_words_en"),
            ("发票-GD26-001", "amount_words_zh"),
            ("发票-GD26-001", "vessel_voyage"),
            ("通知-GD26-001", "amount"),
            ("通知-GD26-001", "vessel_voyage"),
            ("指令-GD26-001", "vessel_voyage"),
            ("箱单-GD26-001", "vessel_voyage"),
            ("托收-GD26-001", "amount"),
            ("托收-GD26-001", "amount_words_en"),
            ("托收-GD26-001", "amount_words_zh"),
            ("汇票-GD26-001", "amount"),
            ("汇票-GD26-001", "amount_words_en"),
            ("汇票-GD26-001", "amount_words_zh"),
        ]
    )
    f = next(f for f in _check(changed) if f.sheet == "发票-GD26-001" and f.key == "unit_price")
    assert (f.cell, f.value, f.expected, f.contract_no) == ("F15", "23.50", "25", "GD26-001")
    t = load_tables(
        make_data(orders(), customers=CUSTOMERS, products=PRODUCTS, company=COMPANY), load_schema()
    )
    i = t.master.find("contract_no", "GD26-001")
    assert i is not None and (f.ref_sheet, f.ref_cell) == (
        "工作序列表",
        t.master.cell("unit_price", i),
    )
    assert "25" in f.message_zh and "单价" in f.message_zh and "Unit Price" in f.message_en


def test_hand_edited_issued_cell_is_a_mismatch(tmp_path: Path) -> None:
    import openpyxl

    from gendan.documents import generate

    out = generate(
        book(tmp_path / "m.xlsx"),
        tmp_path / "i.xlsx",
        orders=["GD26-002"],
        issue=True,
        documents=["packing_list"],
        now=NOW,
    ).out
    wb = openpyxl.load_workbook(out)
    wb["箱单-GD26-002"]["D17"] = 1000
    wb.save(out)
    found = [(f.cell, f.key, f.value, f.expected) for f in _check(out) if f.code == "doc-mismatch"]
    assert found == [("D17", "cartons_per_container[2]", "1,000", "1,100")]


def test_drafts_are_not_compared(tmp_path: Path) -> None:
    from gendan.documents import generate

    out = generate(book(tmp_path / "m.xlsx"), tmp_path / "d.xlsx", orders=["GD26-001"]).out
    changed = _edit(out, tmp_path / "c.xlsx", "GD26-001", unit_price=30.0)
    assert [f for f in _check(changed) if f.code == "doc-mismatch"] == []


def test_doc_missing(tmp_path: Path) -> None:
    from gendan.documents import generate

    rows = orders()
    rows[0]["invoice_no"] = None  # docs sent (已寄单) without an invoice number
    src = book(tmp_path / "m.xlsx", rows)
    found = [(f.contract_no, f.key) for f in _check(src) if f.code == "doc-missing"]
    assert found == [("GD26-001", "invoice_no")]  # no document sheets kept for it: numbers only
    out = generate(
        src, tmp_path / "d.xlsx", orders=["GD26-001"], documents=["commercial_invoice"]
    ).out
    found = sorted((f.contract_no, f.key) for f in _check(out) if f.code == "doc-missing")
    assert found == [
        ("GD26-001", "collection_instruction"),
        ("GD26-001", "invoice_no"),
        ("GD26-001", "packing_list"),
    ]
    f = next(f for f in _check(out) if f.key == "packing_list")
    assert f.message_zh == "状态为已寄单，但缺少单据「装箱单」。"


def test_read_block_ignores_other_sheets() -> None:
    from gendan.model.grid import SheetGrid

    assert read_block(SheetGrid("x", [["a", "b"]])) is None


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (25850.0, 25850.004, True),
        (25850.0, 25850.01, False),
        (dt.datetime(2026, 3, 1), dt.date(2026, 3, 1), True),
        (46082.0, dt.date(2026, 3, 1), True),
        (" ABC  D ", "ABC D", True),
        ("", None, True),
        ("x", None, False),
    ],
)
def test_same(a: Any, b: Any, equal: bool) -> None:
    assert same(a, b) is equal


def test_check_path_does_not_import_openpyxl() -> None:
    code = (
        "import sys; import gendan.documents.audit, gendan.documents.build; "
        "from gendan.documents import check_documents; print('openpyxl' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_issued_document_of_a_deleted_order_is_a_mismatch(tmp_path: Path) -> None:
    from gendan.documents import generate

    out = generate(
        book(tmp_path / "m.xlsx"),
        tmp_path / "i.xlsx",
        orders=["GD26-003"],
        issue=True,
        documents=["commercial_invoice"],
        now=NOW,
    ).out
    changed = _edit(out, tmp_path / "c.xlsx", "GD26-003", contract_no="GD26-033")
    found = [
        (f.sheet, f.key, f.value, f.expected) for f in _check(changed) if f.code == "doc-mismatch"
    ]
    assert found == [("发票-GD26-003", "contract_no", "GD26-003", "")]


# ----------------------------------------------------------------------------- grafting


def test_graft_keeps_every_part_of_the_package(tmp_path: Path) -> None:
    import zipfile

    from gendan.documents import generate

    src = book(tmp_path / "m.xlsx")
    with zipfile.ZipFile(src, "a") as z:  # a part openpyxl would drop (as it drops a ribbon)
        z.writestr("customUI/customUI14.xml", "<customUI/>")
    before = {
        i.filename: zipfile.ZipFile(src).read(i.filename) for i in zipfile.ZipFile(src).infolist()
    }
    result = generate(
        src, tmp_path / "o.xlsx", orders=["GD26-001"], documents=["commercial_invoice"]
    )
    assert result.method == "graft"
    with zipfile.ZipFile(result.out) as z:
        after = {n: z.read(n) for n in z.namelist()}
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed == {
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
    }
    assert after["customUI/customUI14.xml"] == b"<customUI/>"
    added = set(after) - set(before)
    assert added == {"xl/worksheets/sheet5.xml"}
    wb_xml = after["xl/workbook.xml"].decode()
    assert '<sheet name="发票-GD26-001" sheetId="5"' in wb_xml and 'fullCalcOnLoad="1"' in wb_xml
    assert "_xlnm.Print_Area" in wb_xml


def test_graft_refuses_what_it_does_not_know() -> None:
    import xml.etree.ElementTree as ET

    from gendan.ooxml import Unsupported
    from gendan.write.inject import merge_styles

    scratch = ET.fromstring(
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    with pytest.raises(Unsupported):
        merge_styles(
            '<x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
            scratch,
        )
    with pytest.raises(Unsupported):
        merge_styles(
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"></styleSheet>',
            scratch,
        )


def test_merge_styles_appends_and_remaps() -> None:
    import xml.etree.ElementTree as ET

    from gendan.write.inject import merge_styles

    target = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill/></fill></fills>'
        '<borders count="1"><border/></borders><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellXfs>'
        "</styleSheet>"
    )
    scratch = ET.fromstring(
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
        '<fonts count="1"><font><b val="1"/></font></fonts><fills count="1"><fill><patternFill/></fill></fills>'
        '<borders count="1"><border/></borders><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0"><alignment wrapText="1"/></xf>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>'
    )
    out, xf_map = merge_styles(target, scratch)
    assert xf_map == {0: 1, 1: 2, 2: 3}
    assert (
        '<fonts count="2">' in out and '<cellXfs count="4">' in out and '<numFmts count="2">' in out
    )
    assert (
        '<xf numFmtId="164" fontId="1" fillId="1" borderId="1" xfId="0"><alignment wrapText="1"/></xf>'
        in out
    )  # reused id
    assert '<numFmt numFmtId="165" formatCode="#,##0.00"/>' in out
    assert '<xf numFmtId="165" fontId="1" fillId="1" borderId="1" xfId="0"/>' in out


def test_pdf_without_libreoffice_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gendan.office.recalc
    import gendan.office.render_pdf
    from gendan.documents import generate
    from gendan.office.recalc import LibreOfficeMissing

    monkeypatch.setattr(gendan.office.recalc, "find_soffice", lambda: None)
    monkeypatch.setattr(gendan.office.render_pdf, "find_soffice", lambda: None)
    with pytest.raises(LibreOfficeMissing) as exc:
        generate(
            book(tmp_path / "m.xlsx"),
            tmp_path / "o.xlsx",
            orders=["GD26-001"],
            pdf_dir=tmp_path / "pdf",
        )
    assert (
        "LibreOffice" in exc.value.message_en
        and "apt-get install libreoffice-calc" in exc.value.message_en
    )
    assert "未安装 LibreOffice" in exc.value.message_zh
    assert (tmp_path / "o.xlsx").exists()  # the workbook was written before the PDFs were tried
