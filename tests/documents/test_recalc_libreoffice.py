"""End to end in LibreOffice headless: documents generated for an order of the sample
workbook, recalculated, show the master's values with no error values anywhere; after the
order's unit price changes in the master, the contract and the invoice show the new amount.
The documents of a book that fills every optional document column (D/P, usance L/C, CIF
T/T, and a D/A order missing them all) compute in LibreOffice to exactly the Python
values — ITEM, VALUE, DAYS, NEED, DATETEXT and ``&`` included; and the PDFs embed a font
with Chinese glyphs.

Skipped only where soffice is not installed (CI installs it: see .ci/run)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest

from gendan.documents.gendocs import GenerateResult
from gendan.office.recalc import find_soffice

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]

if find_soffice() is None:  # pragma: no cover - depends on the machine
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!", "Err:")


def _read(path: Path) -> dict[str, list[list[Any]]]:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _at(grid: list[list[Any]], addr: str) -> Any:
    col = "".join(ch for ch in addr if ch.isalpha())
    row = int("".join(ch for ch in addr if ch.isdigit()))
    c = 0
    for ch in col:
        c = c * 26 + ord(ch) - 64
    try:
        v = grid[row - 1][c - 1]
    except IndexError:
        return None
    return None if v == "" else v


def _eq(got: Any, want: Any) -> bool:
    if want in (None, ""):
        return got in (None, "")
    if isinstance(want, dt.datetime):
        want = want.date()
    if isinstance(got, dt.datetime):
        got = got.date()
    if isinstance(want, int | float) and not isinstance(want, bool):
        return isinstance(got, int | float) and math.isclose(got, want, abs_tol=1e-6)
    same: bool = got == want
    return same


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from gendan.book.sample import build_sample
    from gendan.documents.build import Order
    from gendan.model.schema import load_schema
    from gendan.read.reader import read_workbook
    from gendan.read.tables import load_tables

    path = tmp_path_factory.mktemp("lo") / "sample.xlsx"
    build_sample(path)
    t = load_tables(read_workbook(path), load_schema())
    # a D/P or D/A order with two containers and a B/L: it has all six documents
    for i in range(t.master.n):
        o = Order(t, i)
        if o.method in ("DP", "DA") and (o.m("containers") or 0) >= 2 and o.m("bl_no"):
            return path, o.contract_no
    raise AssertionError("the sample has no D/P or D/A order with two containers")


@pytest.fixture(scope="module")
def generated(
    sample: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[GenerateResult, Path]:
    from gendan.documents import generate
    from gendan.office.recalc import recalculate

    path, contract = sample
    folder = tmp_path_factory.mktemp("docs")
    result = generate(path, folder / "docs.xlsx", orders=[contract])
    return result, recalculate(result.out, folder / "recalc")


def test_every_document_shows_the_master_values(
    sample: tuple[Path, str], generated: tuple[GenerateResult, Path]
) -> None:
    from gendan.documents.build import ISSUED, Order, build_document
    from gendan.documents.layout import load_layout
    from gendan.model.schema import load_schema
    from gendan.read.reader import read_workbook
    from gendan.read.tables import load_tables

    path, contract = sample
    result, recalculated = generated
    assert len(result.sheets) == 7  # six documents and the bill of exchange
    grids = _read(recalculated)
    for name in result.sheets:  # no error value anywhere on a document, helpers included
        for row in grids[name]:
            for v in row:
                assert not (isinstance(v, str) and v.startswith(_ERRORS)), (name, v)
    t = load_tables(read_workbook(path), load_schema())
    i = t.master.find("contract_no", contract)
    assert i is not None
    order = Order(t, i)
    layout = load_layout()
    # every cell LibreOffice computed equals the value Python gives the issued form
    for doc in layout.documents:
        expected = build_document(layout, doc, order, ISSUED)
        grid = grids[expected.sheet]
        for addr, want in expected.values.items():
            assert _eq(_at(grid, addr), want), (expected.sheet, addr, _at(grid, addr), want)
    # and those values are the master's
    m = order.m
    inv, pl, sc = grids[f"发票-{contract}"], grids[f"箱单-{contract}"], grids[f"合同-{contract}"]
    sa, ci = grids[f"通知-{contract}"], grids[f"托收-{contract}"]
    amount = round(m("cartons") * m("unit_price"), 2)
    assert (_at(inv, "C6"), _at(inv, "C7"), _at(inv, "C8")) == (
        m("invoice_no"),
        contract,
        order.c("full_name"),
    )
    assert _at(inv, "B15").startswith(f"{m('product')} {m('spec')}")
    assert (_at(inv, "D15"), _at(inv, "E15"), _at(inv, "C20")) == (
        m("cartons"),
        m("net_weight_kg"),
        m("gross_weight_kg"),
    )
    assert (_at(inv, "G15"), _at(sc, "G13"), _at(sa, "D17"), _at(ci, "D14")) == (amount,) * 4
    from gendan.model.words import amount_in_words_en, amount_in_words_zh

    words_en, words_zh = (
        amount_in_words_en(amount, m("currency")),
        amount_in_words_zh(amount, m("currency")),
    )
    assert (_at(inv, "C17"), _at(inv, "C18"), _at(sc, "C15"), _at(ci, "C16")) == (
        words_en,
        words_zh,
        words_en,
        words_zh,
    )
    assert (_at(inv, "C10"), _at(inv, "G10"), _at(sa, "C18"), _at(sa, "G18")) == (
        m("vessel_voyage"),
        m("bl_no"),
        m("vessel_voyage"),
        m("bl_no"),
    )
    nos = [x for x in m("container_nos").replace(",", " ").replace("/", " ").split() if x]
    assert [_at(pl, f"B{16 + k}") for k in range(len(nos))] == nos
    n = len(nos)
    total = 16 + n
    assert (_at(pl, f"D{total}"), _at(pl, f"G{total}"), _at(pl, f"H{total}")) == (
        m("cartons"),
        m("net_weight_kg"),
        m("gross_weight_kg"),
    )
    assert sum(_at(pl, f"D{16 + k}") for k in range(n)) == m("cartons")
    assert (_at(ci, "C12"), _at(ci, "C17")) == (
        m("collecting_bank") or order.c("collecting_bank"),
        m("payment_terms"),
    )


def test_a_new_unit_price_flows_into_contract_and_invoice(
    sample: tuple[Path, str], generated: tuple[GenerateResult, Path], tmp_path: Path
) -> None:
    import openpyxl

    from gendan.model.schema import load_schema
    from gendan.model.words import amount_in_words_en
    from gendan.office.recalc import recalculate
    from gendan.read.reader import read_workbook
    from gendan.read.tables import load_tables

    path, contract = sample
    result, _ = generated
    t = load_tables(read_workbook(result.out), load_schema())
    i = t.master.find("contract_no", contract)
    assert i is not None
    cartons = t.master.get("cartons", i)
    old = t.master.get("unit_price", i)
    new = round(old + 1.37, 2)
    wb = openpyxl.load_workbook(result.out)
    wb[t.master.sheet][t.master.cell("unit_price", i)].value = new
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    grids = _read(recalculate(changed, tmp_path / "recalc"))
    amount = round(cartons * new, 2)
    assert amount != round(cartons * old, 2)
    inv, sc = grids[f"发票-{contract}"], grids[f"合同-{contract}"]
    assert (_at(inv, "F15"), _at(sc, "F13")) == (new, new)
    assert (_at(inv, "G15"), _at(inv, "G16"), _at(sc, "G13"), _at(sc, "G14")) == (amount,) * 4
    cur = t.master.get("currency", i)
    assert _at(inv, "C17") == _at(sc, "C15") == amount_in_words_en(amount, cur)


def test_pdf_is_one_a4_page_per_document(sample: tuple[Path, str], tmp_path: Path) -> None:
    import subprocess

    from gendan.documents import generate

    path, contract = sample
    result = generate(path, tmp_path / "docs.xlsx", orders=[contract], pdf_dir=tmp_path / "pdf")
    assert sorted(p.name for p in result.pdfs) == sorted(f"{s}.pdf" for s in result.sheets)
    for pdf in result.pdfs:
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=False
        ).stdout
        if not info:  # poppler-utils not installed: the file at least is a PDF
            assert pdf.read_bytes().startswith(b"%PDF")
            continue
        assert "Pages:           1" in info, (pdf.name, info)
        assert "(A4)" in info, (pdf.name, info)
        fonts = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True, check=False
        ).stdout
        assert fonts, pdf.name  # pdffonts comes with pdfinfo (poppler-utils)
        names = [line.split()[0] for line in fonts.splitlines()[2:] if line.strip()]
        # every document has Chinese text: a font with CJK glyphs must be embedded, or the
        # characters were printed as empty boxes
        assert any(_cjk_font(n) for n in names), (pdf.name, names)


def _cjk_font(name: str) -> bool:
    """A font name (``CAAAAA+NotoSansCJKjp-Bold``) of a family with Chinese glyphs."""
    base = name.split("+", 1)[-1].casefold().replace(" ", "").replace("-", "")
    return any(
        k in base
        for k in (
            "cjk",
            "sourcehan",
            "wenquanyi",
            "wqy",
            "droidsansfallback",
            "arplu",
            "ukai",
            "uming",
            "simsun",
            "simhei",
            "yahei",
            "pingfang",
            "hiragino",
            "notosanssc",
            "notoserifsc",
            "heiti",
            "songti",
            "kaiti",
            "fangsong",
        )
    )


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateResult, Path]:
    """Every document of four orders that exercise the optional columns, recalculated."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent))
    from factory import make_data, write_xlsx
    from test_documents_fields import CUSTOMERS, PRODUCTS, company, rows

    from gendan.documents import generate
    from gendan.office.recalc import recalculate

    folder = tmp_path_factory.mktemp("rich")
    src = write_xlsx(
        make_data(rows(), customers=CUSTOMERS, products=PRODUCTS, company=company()),
        folder / "m.xlsx",
    )
    result = generate(src, folder / "docs.xlsx", all=True)
    return src, result, recalculate(result.out, folder / "recalc")


def test_optional_fields_compute_the_same_in_libreoffice(
    rich: tuple[Path, GenerateResult, Path],
) -> None:
    from gendan.documents.build import ISSUED, Order, build_document
    from gendan.documents.layout import load_layout
    from gendan.model.schema import load_schema
    from gendan.read.reader import read_workbook
    from gendan.read.tables import load_tables

    src, result, recalculated = rich
    assert len(result.sheets) == 7 + 6 + 5 + 7  # D/P, L/C, T/T, D/A
    grids = _read(recalculated)
    t = load_tables(read_workbook(src), load_schema())
    layout = load_layout()
    checked = 0
    for i in range(t.master.n):
        order = Order(t, i)
        for doc in layout.documents:
            if not doc.applies(order.method):
                continue
            expected = build_document(layout, doc, order, ISSUED)
            grid = grids[expected.sheet]
            for row in grid:
                for v in row:
                    assert not (isinstance(v, str) and v.startswith(_ERRORS)), (expected.sheet, v)
            for addr, want in expected.values.items():
                assert _eq(_at(grid, addr), want), (expected.sheet, addr, _at(grid, addr), want)
                checked += 1
    assert checked > 1500
    bx = grids["汇票-GD26-002"]
    assert (
        _at(bx, "C8") == "AT 90 DAYS AFTER B/L DATE"
        and _at(grids["汇票-GD26-004"], "C8") == "AT 60 DAYS AFTER SIGHT"
    )
    assert _at(bx, "C13").endswith("DATED 2026-03-06")
    pl = grids["箱单-GD26-002"]
    assert (_at(pl, "C16"), _at(pl, "D16"), _at(pl, "C17"), _at(pl, "D17")) == (
        "TH001",
        1200,
        "TH002",
        1000,
    )
    assert _at(grids["指令-GD26-004"], "C21") == layout.missing_text
