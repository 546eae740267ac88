"""The fields a bank, a buyer and customs look for, per document, against the master row;
the same goods, marks, quantities, weights, B/L and L/C numbers on every document of an
order; the bill of exchange; the calc language's text functions; and the refusal to
render PDFs without a Chinese font.

The book here fills the optional document columns (consignee, notify, booking, B/L type,
seals, per-container cartons, CBM, ETA, issuing bank, L/C date and goods description, the
collecting bank's address and SWIFT, package type, the company's own clauses)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from factory import clean_order, make_data, write_xlsx
from test_documents import COMPANY, NOW

from gendan.documents import expr
from gendan.documents.build import DRAFT, ISSUED, DocumentSheet, Order, build_document
from gendan.documents.layout import Layout, load_layout
from gendan.model.plan import SetFormula
from gendan.model.schema import load_schema
from gendan.read.tables import Tables, load_tables

D = dt.date
ISSUER = "BANGKOK BANK PUBLIC COMPANY LIMITED, BANGKOK"
LC_WORDS = "FRESH FUJI APPLES, SIZE 80#, 2,200 CARTONS OF 18 KG NET, CHINA ORIGIN"
CUSTOMERS = [
    {
        "customer": "PT SEGAR",
        "full_name": "PT Segar Buah Indonesia",
        "address": "Jl. Raya 1, Jakarta",
        "country": "ID",
        "language": "en",
        "collecting_bank": "Bank Mandiri, Jakarta",
        "collecting_bank_address": "Plaza Mandiri, Jl. Jend. Gatot Subroto Kav. 36-38, Jakarta 12190",
        "collecting_bank_swift": "BMRIIDJA",
        "notify_party": "PT Segar Buah Indonesia, Jl. Raya 1, Jakarta",
    },
    {
        "customer": "SIAM FRESH",
        "full_name": "Siam Fresh Produce Co., Ltd.",
        "address": "99 Rama III Road, Bangkok",
        "country": "TH",
        "language": "en",
    },
]
PRODUCTS = [
    {
        "product": "Fuji Apple",
        "spec": "80#",
        "kg_per_carton": 18.0,
        "cartons_per_20RF": 540,
        "cartons_per_40RH": 1200,
        "temp_min_c": -1.0,
        "temp_max_c": 1.0,
        "hs_code": "0808100000",
        "package_type": "CARTONS",
        "gross_kg_per_package": 19.2,
    },
    {
        "product": "Garlic",
        "spec": "5.0CM",
        "kg_per_carton": 20.0,
        "cartons_per_20RF": 1300,
        "cartons_per_40RH": 2800,
        "temp_min_c": -3.0,
        "temp_max_c": 0.0,
        "hs_code": "0703200000",
        "package_type": "MESH BAGS",
        "gross_kg_per_package": 20.1,
    },
]


def rows() -> list[dict[str, Any]]:
    """A D/P order (garlic in mesh bags, CFR), an L/C order (two containers loaded unevenly,
    CIF, usance), a T/T order sold CIF with its documents couriered, and a D/A order that
    lacks every optional value."""
    return [
        clean_order(
            1,
            product="Garlic",
            spec="5.0CM",
            kg_per_carton=20.0,
            cartons=1400,
            net_weight_kg=28000.0,
            gross_weight_kg=28140.0,
            unit_price=12.0,
            amount=16800.0,
            consignee="TO ORDER",
            notify_party="PT Segar Buah Indonesia, Jl. Raya 1, Jakarta",
            booking_no="QD2612345",
            bl_type="ORIGINAL",
            seal_nos="SEAL001",
            measurement_cbm=58.5,
            eta=D(2026, 3, 30),
        ),
        clean_order(
            2,
            customer="SIAM FRESH",
            payment_terms="L/C 90 days after B/L date",
            incoterm="CIF",
            lc_no="LC0002",
            latest_shipment=D(2026, 3, 31),
            lc_expiry=D(2026, 4, 21),
            issuing_bank=ISSUER,
            lc_date=D(2026, 3, 6),
            lc_goods_description=LC_WORDS,
            containers=2,
            cartons=2200,
            net_weight_kg=39600.0,
            gross_weight_kg=42240.0,
            amount=51700.0,
            container_nos="CSQU3054383 / MSKU1234565",
            seal_nos="TH001, TH002",
            container_cartons="1200 / 1000",
            consignee="TO THE ORDER OF BANGKOK BANK",
            notify_party="Siam Fresh Produce Co., Ltd., Bangkok",
            booking_no="QD2654321",
            bl_type="ORIGINAL",
            measurement_cbm=114.4,
            eta=D(2026, 3, 28),
            collecting_bank=None,
            port_of_discharge="Laem Chabang",
        ),
        clean_order(
            3,
            payment_terms="T/T 30% deposit, 70% against B/L copy",
            incoterm="CIF",
            collecting_bank=None,
            dispatch_method="DHL",
            tracking_no="1234567890",
            bl_type="TELEX RELEASE",
            consignee="PT Segar Buah Indonesia, Jl. Raya 1, Jakarta",
            seal_nos="SEAL003",
            measurement_cbm=57.2,
            eta=D(2026, 3, 30),
            booking_no="QD2600003",
        ),
        clean_order(4, payment_terms="D/A 60 days", incoterm="FOB"),
    ]


def company(**extra: str) -> dict[str, str]:
    return {**COMPANY, **extra}


def tables(**company_extra: str) -> Tables:
    data = make_data(
        rows(), customers=CUSTOMERS, products=PRODUCTS, company=company(**company_extra)
    )
    return load_tables(data, load_schema())


@pytest.fixture(scope="module")
def t() -> Tables:
    return tables()


@pytest.fixture(scope="module")
def layout() -> Layout:
    return load_layout()


def order(t: Tables, n: int) -> Order:
    i = t.master.find("contract_no", f"GD26-{n:03d}")
    assert i is not None
    return Order(t, i)


def doc(t: Tables, layout: Layout, key: str, n: int, status: str = ISSUED) -> DocumentSheet:
    return build_document(layout, layout.document(key), order(t, n), status, NOW)


def fields(sheet: DocumentSheet) -> dict[str, Any]:
    return {f.key: f.value for f in sheet.fields}


def shown(sheet: DocumentSheet) -> set[Any]:
    return {v for v in sheet.values.values() if v not in (None, "")}


# ----------------------------------------------------------------------------- calc


@pytest.mark.parametrize(
    ("terms", "days"),
    [
        ("D/A 60 days", 60.0),
        ("承兑交单60天", 60.0),
        ("L/C 90 days after B/L date", 90.0),
        ("D/P at sight", None),
        ("100% L/C at sight", None),
        ("远期信用证 120天", 120.0),
        ("D/P 30 DAYS AFTER SIGHT", 30.0),
        (None, None),
    ],
)
def test_days_reads_the_tenor(terms: Any, days: Any) -> None:
    assert expr.tenor_days(terms) == days
    got = expr.evaluate("DAYS(m.t)", lambda s, k: terms)
    assert got == ("" if days is None else days)


def test_text_functions_evaluate_as_excel_would() -> None:
    vals = {
        "t": "CSQU3054383 / MSKU1234565,TGHU1\nX",
        "n": 60.0,
        "d": D(2026, 3, 6),
        "b": None,
        "c": "1200 / 1000",
    }
    look = lambda s, k: "〔缺〕" if s == "layout" else vals[k]  # noqa: E731
    assert (
        expr.evaluate('"AT " & m.n & " DAYS"', look) == "AT 60 DAYS"
    )  # general format, as & shows it
    assert (
        expr.evaluate('"ON " & m.d', look) == "ON 46087"
    )  # a date joins as its serial, like Excel
    assert expr.evaluate('"ON " & DATETEXT(m.d)', look) == "ON 2026-03-06"
    assert [expr.evaluate(f"ITEM(m.t, {k})", look) for k in (1, 2, 3, 4, 5)] == [
        "CSQU3054383",
        "MSKU1234565",
        "TGHU1",
        "X",
        "",
    ]
    assert expr.evaluate("VALUE(ITEM(m.c, 2))", look) == 1000.0
    assert expr.evaluate("VALUE(m.b)", look) == ""  # blank stays blank (COALESCE can pass it on)
    assert expr.evaluate("NEED(m.b)", look) == "〔缺〕" and expr.evaluate("NEED(m.n)", look) == 60.0
    f = expr.to_formula(r'"A\nB" & NEED(m.b)', lambda s, k: '"M"' if s == "layout" else "X")
    assert f == '(("A"&CHAR(10)&"B")&IF(X="","M",X))'  # no line break inside a formula literal


# ----------------------------------------------------------------------------- per document


def test_shipping_instruction_carries_the_booking(t: Tables, layout: Layout) -> None:
    v = doc(t, layout, "shipping_instruction", 2).values
    o = order(t, 2)
    assert (v["C21"], v["C22"]) == (o.m("consignee"), o.m("notify_party"))
    assert (v["C19"], v["G19"]) == ("QD2654321", "ORIGINAL")
    assert (v["C15"], v["H15"]) == ("TH001, TH002", 114.4)
    assert v["C18"] == "CIF Laem Chabang" and v["G18"] == "FREIGHT PREPAID 运费预付"
    assert v["H28"] == "3 / 3"
    telex = doc(t, layout, "shipping_instruction", 3).values
    assert telex["H28"] == "0 / 3" and telex["G19"] == "TELEX RELEASE"
    # notify falls back to the 客户 sheet, and FOB names the port of loading, freight collect
    fob = doc(t, layout, "shipping_instruction", 4).values
    assert fob["C18"] == "FOB Qingdao" and fob["G18"] == "FREIGHT COLLECT 运费到付"
    assert fob["C22"] == CUSTOMERS[0]["notify_party"]


def test_what_is_missing_shows_as_missing(t: Tables, layout: Layout) -> None:
    missing = layout.missing_text
    si = doc(t, layout, "shipping_instruction", 4)
    assert [si.values[a] for a in ("C21", "C19", "G19", "C15", "H15")] == [missing] * 5
    draft = doc(t, layout, "shipping_instruction", 4, DRAFT)
    consignee = next(a for a in draft.plan.of_type(SetFormula) if a.cell == "C21").formula
    assert consignee.endswith(
        f'="",{expr.quote(missing)},INDEX(' + consignee.split(",INDEX(", 1)[1]
    )
    sc = doc(t, layout, "sales_contract", 4).values
    assert sc["C20"] == missing  # latest shipment unknown: not the ETD
    assert doc(t, layout, "sales_contract", 2).values["C20"] == D(2026, 3, 31)
    ci = doc(t, layout, "collection_instruction", 4).values
    assert (ci["C13"], ci["H13"]) == (CUSTOMERS[0]["collecting_bank_address"], "BMRIIDJA")


def test_packing_list_from_the_real_containers(t: Tables, layout: Layout) -> None:
    v = doc(t, layout, "packing_list", 2).values
    assert (v["B16"], v["C16"], v["D16"]) == ("CSQU3054383", "TH001", 1200.0)
    assert (v["B17"], v["C17"], v["D17"]) == (
        "MSKU1234565",
        "TH002",
        1000.0,
    )  # as loaded, not 1100 each
    assert (v["G16"], v["G17"]) == (21600.0, 18000.0) and (v["H16"], v["H17"]) == (23040.0, 19200.0)
    assert v["D16"] + v["D17"] == v["D18"] == 2200
    assert v["C13"] == f"{LC_WORDS}, HS CODE 0808100000, PACKED IN CARTONS"
    assert v["C20"] == 114.4
    garlic = doc(t, layout, "packing_list", 1).values
    assert garlic["C13"].endswith("PACKED IN MESH BAGS") and garlic["D15"] == "件数 MESH BAGS"
    assert garlic["C18"].startswith("1400 MESH BAGS ONLY") and garlic["C16"] == "SEAL001"


def test_shipping_advice_eta_waybill_and_insurance(t: Tables, layout: Layout) -> None:
    cif = doc(t, layout, "shipping_advice", 3).values
    assert (cif["C21"], cif["G21"], cif["C23"]) == (D(2026, 3, 30), 57.2, "SEAL003")
    assert cif["C25"] == "已由 DHL 寄出 SENT BY DHL, WAYBILL NO. 1234567890"
    assert (
        "Please arrange insurance" not in cif["A27"]
        and "Insurance has been covered by us" in cif["A27"]
    )
    cfr = doc(t, layout, "shipping_advice", 1).values
    assert "Please arrange insurance" in cfr["A27"]
    assert cfr["C25"] == "经银行寄送 THROUGH THE BANKS"


def test_lc_invoice_names_the_credit(t: Tables, layout: Layout) -> None:
    sheet = doc(t, layout, "commercial_invoice", 2)
    v = sheet.values
    assert (v["G7"], v["C13"], v["G13"]) == ("LC0002", ISSUER, D(2026, 3, 6))
    assert v["B15"] == f"{LC_WORDS}\nHS CODE 0808100000"
    assert v["G14"] == "金额 Amount USD\nCIF Laem Chabang"
    assert {"issuing_bank", "lc_date", "goods_description"} <= set(fields(sheet))
    dp = doc(t, layout, "commercial_invoice", 1).values
    assert (dp["A13"], dp["C13"]) == (None, None)  # no credit, no credit lines
    assert dp["B15"].startswith("Garlic 5.0CM\n")


def test_contract_clauses(t: Tables, layout: Layout) -> None:
    v = doc(t, layout, "sales_contract", 2).values
    assert v["C21"] == "PARTIAL SHIPMENTS NOT ALLOWED; TRANSHIPMENT ALLOWED"
    assert "5% MORE OR LESS" in v["C24"] and "CIETAC" in v["C31"] and "CHINA CUSTOMS" in v["C30"]
    assert v["C23"] == "IN CARTONS OF 18 KG NET / 19.2 KG GROSS EACH, 2200 CARTONS IN TOTAL"
    assert "TO BE COVERED BY THE SELLER FOR 110%" in v["C26"]
    assert (
        "Insurance Policy" in v["C28"]
        and "FREIGHT PREPAID" in v["C28"]
        and v["C28"].startswith("Bill of Exchange")
    )
    own = tables(partial_shipment="ALLOWED", arbitration_clause="ARBITRATION IN HONG KONG (HKIAC)")
    w = build_document(layout, layout.document("sales_contract"), order(own, 2), ISSUED, NOW).values
    assert (
        w["C21"].startswith("PARTIAL SHIPMENTS ALLOWED;")
        and w["C31"] == "ARBITRATION IN HONG KONG (HKIAC)"
    )
    fob = doc(t, layout, "sales_contract", 4).values
    assert (
        fob["C18"] == "FOB Qingdao (INCOTERMS 2020)" and fob["C26"] == "TO BE COVERED BY THE BUYER"
    )
    assert "FREIGHT COLLECT" in fob["C28"] and "Insurance Policy" not in fob["C28"]


@pytest.mark.parametrize(
    ("n", "tenor", "drawee", "drawn"),
    [
        (
            1,
            "AT ***** SIGHT",
            "PT Segar Buah Indonesia",
            "DRAWN UNDER CONTRACT NO. GD26-001, INVOICE NO. INV26-001, FOR COLLECTION, DOCUMENTS AGAINST PAYMENT (D/P)",
        ),
        (
            4,
            "AT 60 DAYS AFTER SIGHT",
            "PT Segar Buah Indonesia",
            "DRAWN UNDER CONTRACT NO. GD26-004, INVOICE NO. INV26-004, FOR COLLECTION, DOCUMENTS AGAINST ACCEPTANCE (D/A)",
        ),
        (
            2,
            "AT 90 DAYS AFTER B/L DATE",
            ISSUER,
            f"DRAWN UNDER {ISSUER} L/C NO. LC0002 DATED 2026-03-06",
        ),
    ],
)
def test_bill_of_exchange(
    t: Tables, layout: Layout, n: int, tenor: str, drawee: str, drawn: str
) -> None:
    sheet = doc(t, layout, "bill_of_exchange", n)
    f = fields(sheet)
    o = order(t, n)
    amount = round(o.m("cartons") * o.m("unit_price"), 2)
    assert (f["tenor"], f["drawee"], f["drawn_under"], f["amount"]) == (
        tenor,
        drawee,
        drawn,
        amount,
    )
    from gendan.model.words import amount_in_words_en

    assert f["amount_words_en"] == amount_in_words_en(amount, "USD")
    v = sheet.values
    assert (v["C27"], v["D26"], v["C32"]) == (
        tenor,
        amount,
        drawn,
    )  # the second of exchange, the same
    assert "FIRST of Exchange (SECOND" in v["A9"] and "SECOND of Exchange (FIRST" in v["A28"]
    assert not layout.document("bill_of_exchange").applies(order(t, 3).method)  # T/T: no draft


# ----------------------------------------------------------------------------- across documents


@pytest.mark.parametrize("n", [1, 2, 3])
def test_every_document_of_an_order_says_the_same(t: Tables, layout: Layout, n: int) -> None:
    """What a bank compares between the documents it is given: one goods description,
    marks, quantity, weights, B/L number, L/C number and amount wherever they appear."""
    o = order(t, n)
    sheets = [
        build_document(layout, d, o, ISSUED, NOW) for d in layout.documents if d.applies(o.method)
    ]
    assert len(sheets) == {1: 7, 2: 6, 3: 5}[n]
    by_doc = {s.doc.key: s for s in sheets}
    marks = f"{o.m('customer')} / {o.contract_no} / {o.m('port_of_discharge')}"
    goods = o.m("lc_goods_description") or f"{o.m('product')} {o.m('spec')}"
    carriers = {
        "cartons": (
            "sales_contract",
            "shipping_instruction",
            "shipping_advice",
            "packing_list",
            "commercial_invoice",
        ),
        "net_weight_kg": (
            "shipping_instruction",
            "shipping_advice",
            "packing_list",
            "commercial_invoice",
        ),
        "gross_weight_kg": (
            "shipping_instruction",
            "shipping_advice",
            "packing_list",
            "commercial_invoice",
        ),
        "bl_no": (
            "shipping_instruction",
            "shipping_advice",
            "packing_list",
            "commercial_invoice",
            "collection_instruction",
        ),
        "amount": (
            "sales_contract",
            "shipping_advice",
            "commercial_invoice",
            "collection_instruction",
            "bill_of_exchange",
        ),
        "amount_words_en": (
            "sales_contract",
            "commercial_invoice",
            "collection_instruction",
            "bill_of_exchange",
        ),
        "container_nos": ("shipping_instruction", "shipping_advice", "commercial_invoice"),
    }
    if o.m("lc_no"):
        carriers["lc_no"] = (
            "shipping_instruction",
            "shipping_advice",
            "packing_list",
            "commercial_invoice",
        )
    for key, docs in carriers.items():
        seen = {}
        for k in docs:
            if k in by_doc:
                f = fields(by_doc[k])
                assert key in f, (k, key)
                seen[k] = f[key]
        assert len(set(map(str, seen.values()))) == 1, (key, seen)
        if key in (
            "cartons",
            "net_weight_kg",
            "gross_weight_kg",
            "bl_no",
            "lc_no",
            "container_nos",
        ):
            assert next(iter(seen.values())) == o.m(key)
    for k in (
        "sales_contract",
        "shipping_instruction",
        "shipping_advice",
        "packing_list",
        "commercial_invoice",
    ):
        assert marks in shown(by_doc[k]), k
    for k in ("shipping_advice", "packing_list", "commercial_invoice"):
        assert str(fields(by_doc[k])["goods_description"]).startswith(goods), k
    pl = by_doc["packing_list"].values
    rows_ = [r for r in range(16, 16 + (o.m("containers") or 1))]
    assert sum(pl[f"D{r}"] for r in rows_) == o.m("cartons")
    assert round(sum(pl[f"G{r}"] for r in rows_), 2) == o.m("net_weight_kg")
    assert round(sum(pl[f"H{r}"] for r in rows_), 2) == o.m("gross_weight_kg")
    if o.m("measurement_cbm") is not None:
        cbm = {
            k: by_doc[k].values[a]
            for k, a in (
                ("shipping_instruction", "H15"),
                ("shipping_advice", "G21"),
                ("packing_list", f"C{18 + len(rows_)}"),
            )
        }
        assert set(cbm.values()) == {o.m("measurement_cbm")}, cbm


def test_issued_bill_of_exchange_is_checked(tmp_path: Path) -> None:
    import openpyxl

    from gendan.documents import generate
    from gendan.documents.audit import check_documents
    from gendan.read.reader import read_workbook

    src = write_xlsx(
        make_data(rows(), customers=CUSTOMERS, products=PRODUCTS, company=company()),
        tmp_path / "m.xlsx",
    )
    out = generate(src, tmp_path / "i.xlsx", orders=["GD26-002"], issue=True, now=NOW).out

    def check(path: Path) -> list[tuple[str, str]]:
        data = read_workbook(path)
        schema = load_schema()
        return sorted(
            (f.sheet, f.key)
            for f in check_documents(data, load_tables(data, schema), schema)
            if f.code == "doc-mismatch"
        )

    assert check(out) == []
    t = load_tables(read_workbook(out), load_schema())
    i = t.master.find("contract_no", "GD26-002")
    assert i is not None
    wb = openpyxl.load_workbook(out)
    ws = wb[t.master.sheet]
    ws[t.master.cell("issuing_bank", i)] = "KASIKORNBANK PCL"
    ws[t.master.cell("seal_nos", i)] = "TH001 / TH009"
    wb.save(tmp_path / "c.xlsx")
    assert check(tmp_path / "c.xlsx") == sorted(
        [
            ("发票-GD26-002", "issuing_bank"),
            ("汇票-GD26-002", "drawee"),
            ("汇票-GD26-002", "drawn_under"),
            ("箱单-GD26-002", "seal_no[2]"),
            ("指令-GD26-002", "seal_nos"),
            ("通知-GD26-002", "seal_nos"),
        ]
    )


# ----------------------------------------------------------------------------- PDF fonts


def _script(path: Path, out: str) -> str:
    path.write_text(f"#!/bin/sh\nprintf '{out}'\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_cjk_font_is_found_or_named(tmp_path: Path) -> None:
    from gendan.office.render_pdf import cjk_font_available

    if os.name != "posix" or not Path("/bin/sh").exists():  # pragma: no cover
        pytest.skip("needs /bin/sh")
    empty = tmp_path / "fonts-none"
    empty.mkdir()
    assert cjk_font_available(
        _script(tmp_path / "fc1", "Noto Sans CJK SC\\n"), font_dirs=[str(empty)]
    )
    assert not cjk_font_available(_script(tmp_path / "fc2", ""), font_dirs=[str(empty)])
    # no fc-list at all: the font folders decide
    assert not cjk_font_available("", font_dirs=[str(empty)])
    (empty / "opentype").mkdir()
    (empty / "opentype" / "NotoSansCJK-Regular.ttc").write_bytes(b"")
    assert cjk_font_available("", font_dirs=[str(empty)])


def test_pdf_without_a_chinese_font_stops_with_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gendan.office.recalc
    import gendan.office.render_pdf
    from gendan.cli import main

    monkeypatch.setattr(gendan.office.recalc, "find_soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(gendan.office.render_pdf, "cjk_font_available", lambda *a, **k: False)
    src = write_xlsx(
        make_data(rows(), customers=CUSTOMERS, products=PRODUCTS, company=company()),
        tmp_path / "m.xlsx",
    )
    code = main(
        [
            "docs",
            str(src),
            "--order",
            "GD26-001",
            "--out",
            str(tmp_path / "o.xlsx"),
            "--pdf",
            str(tmp_path / "pdf"),
        ]
    )
    assert code == 2
    assert not (tmp_path / "pdf").exists() or not any((tmp_path / "pdf").iterdir())


def test_cjk_message(capsys: pytest.CaptureFixture[str]) -> None:
    from gendan.office.render_pdf import CJKFontMissing

    exc = CJKFontMissing()
    assert "fonts-noto-cjk" in exc.message_en and "fonts-noto-cjk" in exc.message_zh
    assert "空框" in exc.message_zh and "empty box" in exc.message_en
