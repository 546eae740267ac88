"""Workbooks as merchandisers really keep them (issue 12): year sheets, reference sheets
under their own names, merged cells, everyday spellings, text dates.  Each book is built
here; every planted mistake must be found and the clean rows must give no error."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from factory import CUSTOMERS, PRODUCTS, active_sheet, clean_order

from gendan.cli import main
from gendan.model.errors import SheetNotFound
from gendan.model.schema import load_schema
from gendan.rules.engine import check_workbook

AS_OF = dt.date(2026, 3, 30)
SCHEMA = load_schema()
MCOLS = {c.key: c for c in SCHEMA.master.columns}


def _sheet(
    ws: Any,
    keys: list[str],
    rows: list[dict[str, Any]],
    title: str | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    """Write a master table on ``ws``: an optional title row merged across, the header
    (zh) in the next row, the orders below, extra columns at the end. Returns the header
    row number."""
    r = 1
    if title:
        ws.cell(1, 1, title)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
        r = 3
    heads = [MCOLS[k].zh for k in keys] + list(extra or {})
    for j, h in enumerate(heads, start=1):
        ws.cell(r, j, h)
    for i, row in enumerate(rows, start=r + 1):
        for j, k in enumerate(keys, start=1):
            v = row.get(k)
            if v is not None and v != "":
                ws.cell(i, j, v)
        for j, v in enumerate((extra or {}).values(), start=len(keys) + 1):
            ws.cell(i, j, v)
    return r


def _refs(
    wb: Any,
    customers: str | None = "客户",
    products: str | None = "产品",
    company: str | None = "公司",
) -> None:
    for name, spec, records in (
        (customers, SCHEMA.customers, CUSTOMERS),
        (products, SCHEMA.products, PRODUCTS),
    ):
        if name is None:
            continue
        ws = wb.create_sheet(name)
        keys = [c.key for c in spec.columns]
        ws.append([c.zh for c in spec.columns])
        for rec in records:
            ws.append([rec.get(k) for k in keys])
    if company:
        ws = wb.create_sheet(company)
        fields = {f.key: f for f in SCHEMA.company.fields}
        for k, v in (
            ("seller_name", "ACME Fresh Fruit Co., Ltd."),
            ("address", "Yantai"),
            ("bank_name", "Bank of China"),
            ("swift", "BKCHCNBJ500"),
        ):
            ws.append([fields[k].zh, v])


KEYS = [c.key for c in SCHEMA.master.columns]
#: a column order of the merchandiser's own (reversed), a subset with the essentials
OWN_ORDER = list(reversed(KEYS))


def _codes(report: Any, sheet: str | None = None) -> list[tuple[str, int, str]]:
    return [
        (f.sheet, f.row, f.code)
        for f in report.findings
        if f.severity == "error" and (sheet is None or f.sheet == sheet)
    ]


# ------------------------------------------------------------------ several master sheets


def _two_years(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "2025年"
    _sheet(
        ws,
        OWN_ORDER,
        [
            clean_order(1, contract_no="GD25-001", amount=1.0),
            clean_order(2, contract_no="GD25-002"),
        ],
        title="2025 出口订单",
    )
    ws = wb.create_sheet("2026年")
    _sheet(
        ws,
        KEYS,
        [
            clean_order(1),
            clean_order(
                2,
                cartons=1000,
                net_weight_kg=18000.0,
                amount=23500.0,
                gross_weight_kg=19400.0,
                customer="NOBODY",
            ),
        ],
    )
    _refs(wb)
    path = tmp_path / "years.xlsx"
    wb.save(path)
    return path


def test_every_year_sheet_is_checked_and_named(tmp_path: Path) -> None:
    path = _two_years(tmp_path)
    report = check_workbook(path, SCHEMA, AS_OF)
    assert report.stats["sheets"] == ["2025年", "2026年"]
    assert report.stats["rows"] == 4
    assert _codes(report) == [("2025年", 4, "amount-mismatch"), ("2026年", 3, "unknown-customer")]
    assert any("2025年, 2026年" in n for n in report.stats["notes"])


def test_sheet_option_chooses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _two_years(tmp_path)
    report = check_workbook(path, SCHEMA, AS_OF, sheets=["2026年"])
    assert report.stats["sheets"] == ["2026年"] and _codes(report) == [
        ("2026年", 3, "unknown-customer")
    ]
    assert (
        main(["check", str(path), "--as-of", "2026-03-30", "--sheet", "2025年", "--format", "json"])
        == 1
    )
    rows = json.loads(capsys.readouterr().out)
    assert {r["sheet"] for r in rows} == {"2025年"}
    assert main(["check", str(path), "--as-of", "2026-03-30", "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "工作表：2025年、2026年" in out
    with pytest.raises(SheetNotFound):
        check_workbook(path, SCHEMA, AS_OF, sheets=["2024年"])
    assert main(["check", str(path), "--sheet", "2024年"]) == 2
    err = capsys.readouterr().err
    assert "2024年" in err and "2025年, 2026年" in err


def test_overdue_covers_every_master_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _two_years(tmp_path)
    assert main(["overdue", str(path), "--as-of", "2026-06-30", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["sheet"] for r in rows} == {"2025年", "2026年"}
    assert (
        main(
            ["overdue", str(path), "--as-of", "2026-06-30", "--format", "json", "--sheet", "2026年"]
        )
        == 0
    )
    assert {r["sheet"] for r in json.loads(capsys.readouterr().out)} == {"2026年"}


def test_a_hidden_copy_is_named_not_checked(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    _sheet(ws, KEYS, [clean_order(1)])
    old = wb.create_sheet("备份")
    _sheet(old, KEYS, [clean_order(1, amount=2.0)])
    old.sheet_state = "hidden"
    _refs(wb)
    wb.save(tmp_path / "h.xlsx")
    report = check_workbook(tmp_path / "h.xlsx", SCHEMA, AS_OF)
    assert report.stats["sheets"] == ["工作序列表"] and _codes(report) == []
    assert any("备份" in n and "--sheet" in n for n in report.stats["notes"])
    assert _codes(check_workbook(tmp_path / "h.xlsx", SCHEMA, AS_OF, sheets=["备份"])) == [
        ("备份", 2, "amount-mismatch")
    ]


# ------------------------------------------------------------------ reference sheets


def test_reference_sheets_are_found_by_their_headers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "订单"
    _sheet(
        ws,
        OWN_ORDER,
        [
            clean_order(1),
            clean_order(2, customer="NOBODY"),
            clean_order(3, product="Gala Apple"),
            clean_order(4, kg_per_carton=19.0, net_weight_kg=20900.0),
        ],
        title="ACME 2026",
        extra={"业务备注": "ok", "内部编号": 7},
    )
    _refs(wb, customers="客户资料", products="产品清单", company="我司信息")
    wb.save(tmp_path / "own.xlsx")
    report = check_workbook(tmp_path / "own.xlsx", SCHEMA, AS_OF)
    assert report.stats["notes"] == []
    assert _codes(report) == [
        ("订单", 5, "unknown-customer"),
        ("订单", 6, "unknown-product"),
        ("订单", 7, "weight-mismatch"),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_missing_reference_sheet_says_which_checks_were_skipped(
    tmp_path: Path, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    _sheet(ws, KEYS, [clean_order(1, customer="NOBODY")])
    _refs(wb, products=None)
    wb.save(tmp_path / "np.xlsx")
    assert main(["check", str(tmp_path / "np.xlsx"), "--as-of", "2026-03-30", "--lang", lang]) == 1
    err = capsys.readouterr().err
    assert "找不到产品表" in err and "unknown-product" in err and "weight-mismatch" in err
    assert "No products sheet" in err and "not checked" in err


# ------------------------------------------------------------------ merged cells


def test_a_merged_cell_holds_for_every_row_it_covers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    rows = [clean_order(1), clean_order(2), clean_order(3, amount=5.0), clean_order(4)]
    for r in rows[1:]:
        r["customer"] = None  # merged down from the first order
        r["port_of_loading"] = None
    h = _sheet(ws, KEYS, rows, title="ACME 2026 工作序列表")
    ccol = KEYS.index("customer") + 1
    pcol = KEYS.index("port_of_loading") + 1
    ws.merge_cells(start_row=h + 1, start_column=ccol, end_row=h + 4, end_column=ccol)
    ws.merge_cells(start_row=h + 1, start_column=pcol, end_row=h + 4, end_column=pcol)
    _refs(wb)
    wb.save(tmp_path / "merged.xlsx")
    report = check_workbook(tmp_path / "merged.xlsx", SCHEMA, AS_OF)
    assert _codes(report) == [("工作序列表", 6, "amount-mismatch")]
    # a blank that no merge covers is still a blank
    ws.unmerge_cells(start_row=h + 1, start_column=ccol, end_row=h + 4, end_column=ccol)
    wb.save(tmp_path / "unmerged.xlsx")
    report = check_workbook(tmp_path / "unmerged.xlsx", SCHEMA, AS_OF)
    assert [(r, c) for _s, r, c in _codes(report)] == [
        (5, "required"),
        (6, "required"),
        (6, "amount-mismatch"),
        (7, "required"),
    ]


def test_merges_of_a_sheet_read_in_pieces() -> None:
    from gendan.read.split_read import _merge_refs

    tail = (
        b'</sheetData><mergeCells count="2"><mergeCell ref="A1:H1"/>'
        b'<x:mergeCell ref="$C$4:$C$12"/><mergeCell ref="AB100:AC200"/></mergeCells></worksheet>'
    )
    assert _merge_refs(b"<row/>" + tail, 6) == ((0, 0, 0, 7), (3, 2, 11, 2), (99, 27, 199, 28))


# ------------------------------------------------------------------ everyday spellings


#: a T/T 30/70 order paid in full before its originals went by courier
PAID_TT = dict(
    payment_terms="TT 30/70",
    collecting_bank=None,
    received_amount=25850.0,
    received_date=dt.date(2026, 3, 22),
    status="已收款",
)


def test_everyday_spellings_are_read(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    rows = [
        clean_order(1, container_type="40RF"),
        clean_order(
            2,
            container_type="1X40'RH",
            dispatch_method="顺丰",
            tracking_no="SF1234567890",
            **PAID_TT,
        ),
        clean_order(
            3,
            container_type="40尺冷柜",
            dispatch_method="DHL快递",
            tracking_no="1234567890",
            **{**PAID_TT, "payment_terms": "T/T 30% deposit 70% against B/L copy"},
        ),
        clean_order(4, contract_date="2/22/2026"),
        clean_order(5, contract_date="3/5/2026"),
        clean_order(6, container_type="45RF"),
        clean_order(
            7, dispatch_method="顺丰", tracking_no=None, **{**PAID_TT, "payment_terms": "T/T 30/70"}
        ),
    ]
    _sheet(ws, KEYS, rows)
    _refs(wb)
    wb.save(tmp_path / "words.xlsx")
    report = check_workbook(tmp_path / "words.xlsx", SCHEMA, AS_OF)
    assert [
        (r, c, f.key)
        for f in report.findings
        if f.severity == "error"
        for _s, r, c in [(f.sheet, f.row, f.code)]
    ] == [
        (6, "type", "contract_date"),
        (7, "enum", "container_type"),
        (8, "required", "tracking_no"),
    ]
    ambiguous = next(f for f in report.findings if f.code == "type")
    assert ambiguous.expected == "2026-03-05 / 2026-05-03"
    assert "2026-03-05 / 2026-05-03" in ambiguous.message_zh and "two dates" in ambiguous.message_en
    text_date = [f for f in report.findings if f.code == "text-date"]
    assert [(f.row, f.expected) for f in text_date] == [(5, "2026-02-22")]


def test_container_and_courier_aliases() -> None:
    ct = SCHEMA.master.column("container_type")
    for text, want in (
        ("40RF", "40RH"),
        ("40'RF", "40RH"),
        ("1X40'RH", "40RH"),
        ("40尺冷柜", "40RH"),
        ("40英尺高柜", "40HQ"),
        ("40HC", "40HQ"),
        ("20GP", "20GP"),
        ("40GP", "40GP"),
        ("20' REEFER", "20RF"),
        ("2×20RF", "20RF"),
        ("40’RH", "40RH"),
    ):
        assert ct.enum_match(text) == want, text
    assert ct.enum_match("45RF") is None and ct.enum_match("40") is None
    dm = SCHEMA.master.column("dispatch_method")
    for text, want in (
        ("SF Express", "SF"),
        ("顺丰", "SF"),
        ("SF", "SF"),
        ("DHL快递", "DHL"),
        ("联邦 FedEx", "FedEx"),
        ("UPS", "UPS"),
        ("TNT", "TNT"),
        ("EMS", "EMS"),
    ):
        assert dm.enum_match(text) == want, text
    couriers = {e.value for e in dm.enum if e.courier}
    assert {"SF", "DHL", "FedEx", "UPS", "TNT", "EMS"} <= couriers


# ------------------------------------------------------------------ documents refuse


@pytest.mark.skipif(sys.platform == "win32", reason="paths")
def test_docs_refuse_an_order_without_buyer_or_product(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    _sheet(
        ws,
        KEYS,
        [clean_order(1), clean_order(2, customer="NOBODY"), clean_order(3, product="Gala Apple")],
    )
    _refs(wb)
    src = tmp_path / "docs.xlsx"
    wb.save(src)
    out = tmp_path / "out.xlsx"
    assert main(["docs", str(src), "--order", "GD26-002", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "GD26-002 (NOBODY)" in err and "买方" in err and "buyer" in err
    assert not out.exists()
    assert main(["docs", str(src), "--all", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "GD26-002" in err and "GD26-003 (Gala Apple)" in err and "GD26-001" not in err
    made = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert any("GD26-001" in n for n in made) and not any(
        "GD26-002" in n or "GD26-003" in n for n in made
    )


def test_docs_on_a_book_without_customers_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    _sheet(ws, KEYS, [clean_order(1)])
    _refs(wb, customers=None)
    wb.save(tmp_path / "nc.xlsx")
    assert (
        main(
            [
                "docs",
                str(tmp_path / "nc.xlsx"),
                "--order",
                "GD26-001",
                "--out",
                str(tmp_path / "o.xlsx"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "找不到客户表" in err and "no customers sheet" in err


def test_docs_find_an_order_in_any_year_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _two_years(tmp_path)
    out = tmp_path / "y-docs.xlsx"
    assert main(["docs", str(path), "--order", "GD25-002", "GD26-001", "--out", str(out)]) == 0
    made = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert any("GD25-002" in n for n in made) and any("GD26-001" in n for n in made)
    assert main(["docs", str(path), "--order", "GD24-009", "--out", str(tmp_path / "z.xlsx")]) == 2
    assert "GD24-009" in capsys.readouterr().err


# ------------------------------------------------------------------ .xls formula note


def _xls_with_formulas(path: Path, formulas: list[bytes]) -> Path:
    """A BIFF8 .xls whose only sheet ends with the given FORMULA (and STRING) records."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))
    import make_corpus

    wbs = make_corpus.biff8([("工作序列表", [(0, 0, "合同号"), (1, 0, "GD26-001")])])
    eof = make_corpus._rec(0x000A)
    assert wbs.endswith(eof)  # the last sheet's EOF ends the stream: records go before it
    body = b"".join(formulas)
    path.write_bytes(make_corpus.cfb({"Workbook": wbs[: -len(eof)] + body + eof}))
    return path


def _formula(row: int, col: int, result: bytes) -> bytes:
    import struct

    from make_corpus import _rec

    rgce = b"\x1e\x01\x00"  # ptgInt 1
    return _rec(
        0x0006,
        struct.pack("<HHH", row, col, 15) + result + struct.pack("<HIH", 0, 0, len(rgce)) + rgce,
    )


def test_xls_formula_note_counts_only_formulas_without_a_value(tmp_path: Path) -> None:
    """BIFF8 keeps each formula's result in its record: a workbook saved by Excel, whose
    formulas all have results, gets no "formulas without saved results" note."""
    import struct

    from gendan.read.gate import open_checked

    number = struct.pack("<d", 25850.0)
    text = b"\x00" + b"\x00" * 5 + b"\xff\xff"  # a text result: a STRING record follows
    sys.path.insert(0, str(Path(__file__).parent.parent / "corpus"))
    from make_corpus import _rec

    string = _rec(0x0207, struct.pack("<HB", 2, 0) + b"OK")
    saved = _xls_with_formulas(
        tmp_path / "saved.xls", [_formula(1, 1, number), _formula(1, 2, text), string]
    )
    info = open_checked(saved)
    assert info.sheets[0].formulas == 2 and info.formulas_without_values == 0
    assert "formulas-without-values" not in info.notes
    lost = _xls_with_formulas(tmp_path / "lost.xls", [_formula(1, 1, number), _formula(1, 2, text)])
    info = open_checked(lost)
    assert info.formulas_without_values == 1 and info.sheets[0].first_formula_without_value == "C2"
    assert "formulas-without-values" in info.notes


def test_a_master_without_a_known_contract_header_is_still_found(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "Sheet1"
    keys = ["customer", "product", "spec", "cartons", "unit_price", "amount", "currency"]
    _sheet(ws, keys, [clean_order(1), clean_order(2, amount=3.0)])
    ws.cell(1, 8, "订单编号")  # the contract number under a header of the book's own
    _refs(wb)
    wb.save(tmp_path / "own-key.xlsx")
    report = check_workbook(tmp_path / "own-key.xlsx", SCHEMA, AS_OF)
    assert report.stats["sheets"] == ["Sheet1"]
    assert ("Sheet1", 3, "amount-mismatch") in _codes(report)


def test_merges_survive_the_read_in_pieces(tmp_path: Path) -> None:
    from gendan.read.reader import read_workbook
    from gendan.read.split_read import SplitReader

    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    ws.title = "工作序列表"
    rows = [clean_order(n) for n in range(1, 301)]
    h = _sheet(ws, KEYS, rows, title="ACME 2026")
    ccol = KEYS.index("customer") + 1
    for top in range(h + 1, h + 300, 3):
        for r in (top + 1, top + 2):
            ws.cell(r, ccol).value = None
        ws.merge_cells(start_row=top, start_column=ccol, end_row=top + 2, end_column=ccol)
    _refs(wb)
    wb.save(tmp_path / "big-merged.xlsx")
    split = SplitReader(piece_bytes=4096, min_split_bytes=0, workers=2)
    pieces = read_workbook(tmp_path / "big-merged.xlsx", split=split)
    whole = read_workbook(tmp_path / "big-merged.xlsx", split=SplitReader(workers=1))
    assert split.split_sheets() == ["工作序列表"]
    assert sorted(pieces.sheets[0].merges) == sorted(whole.sheets[0].merges)
    assert len(whole.sheets[0].merges) == 101  # the title and 100 customer merges
    from gendan.rules.engine import check_data

    assert _codes(check_data(pieces, SCHEMA, AS_OF)) == []
