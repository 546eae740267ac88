"""Workbooks kept with formula amounts (issue 12): 金额 is ``=箱数*单价`` and 净重 is
``=箱数*每箱净重`` with Excel's saved results, as real books keep them.

The books are written with xlsxwriter, which stores a formula together with its saved
value as Excel does; the row data and the layout (title rows, header in row 3, shuffled
columns, a blank row after the first order) are those of ``factory.make_data``.  What
must hold: a clean book gives no error and no "formulas without saved results" note; a
wrong formula or a typed amount among formulas is still an ``amount-mismatch``; a price
typed one tenth of the real one, with the formula following it, is a ``price-outlier``;
a formula without a saved result (openpyxl writes none) gives the zh/en note and no false
``amount-mismatch``."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from factory import clean_order, make_data, write_xlsx
from xlsxwriter.utility import xl_rowcol_to_cell

from gendan.cli import main
from gendan.model.findings import Report
from gendan.model.schema import load_schema
from gendan.rules.engine import check_workbook

AS_OF = dt.date(2026, 3, 30)
SCHEMA = load_schema()
MCOLS = {c.key: c for c in SCHEMA.master.columns}
NOTE_ZH = "没有保存计算结果"
NOTE_EN = "formulas have no saved results"

#: a formula row: the amount cell holds ``formula`` (``{cartons}`` and ``{price}`` name
#: the row's cells) saved as ``value``; typed: the amount is a plain number
Amount = dict[str, Any]


def _orders(n: int, **overrides: Any) -> list[dict[str, Any]]:
    """``n`` clean orders of one customer and product at the normal price, cartons varied
    so the amounts differ (the net weight and amount follow the cartons)."""
    out = []
    for k in range(1, n + 1):
        cartons = 1000 + 10 * k
        out.append(
            clean_order(
                k,
                cartons=cartons,
                net_weight_kg=cartons * 18.0,
                gross_weight_kg=cartons * 19.4,
                amount=round(cartons * 23.5, 2),
                **overrides,
            )
        )
    return out


def write_formula_book(
    orders: list[dict[str, Any]],
    path: Path,
    amounts: dict[int, Amount] | None = None,
    net_factor: float = 1.0,
) -> dict[int, int]:
    """Write ``orders`` as ``factory.write_xlsx`` lays them out, but with xlsxwriter and
    the amount (and net weight) as formulas with saved results.  ``amounts`` overrides the
    amount cell of an order (by index): ``{"formula": "={cartons}*{price}*0.9", "value":
    …}`` or ``{"typed": 12345.0}``; ``net_factor`` other than 1 makes every net weight
    formula ``=箱数*每箱净重*factor`` (a wrong one).  Returns order index → Excel row."""
    amounts = amounts or {}
    data = make_data(orders)
    master = data.sheets[0]
    header_at = next(
        i for i, r in enumerate(master.rows) if MCOLS["amount"].zh in [str(v) for v in r]
    )
    header = [str(v) for v in master.rows[header_at]]
    col = {k: header.index(MCOLS[k].zh) for k in ("cartons", "unit_price", "amount")}
    col["kgc"] = header.index(MCOLS["kg_per_carton"].zh)
    col["net"] = header.index(MCOLS["net_weight_kg"].zh)

    wb = xlsxwriter.Workbook(str(path))
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money_fmt = wb.add_format({"num_format": "#,##0.00"})
    excel_rows: dict[int, int] = {}
    order_no = 0
    for g in data.sheets:
        ws = wb.add_worksheet(g.name)
        for r, row in enumerate(g.rows):
            is_order = g is master and r > header_at and any(v not in ("", None) for v in row)
            for c, v in enumerate(row):
                if v in ("", None):
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, str(v))
            if not is_order:
                continue
            o = orders[order_no]
            cells = {
                "cartons": xl_rowcol_to_cell(r, col["cartons"]),
                "price": xl_rowcol_to_cell(r, col["unit_price"]),
                "kgc": xl_rowcol_to_cell(r, col["kgc"]),
            }
            spec = amounts.get(order_no, {})
            if "typed" in spec:
                ws.write_number(r, col["amount"], spec["typed"], money_fmt)
            else:
                formula = spec.get("formula", "={cartons}*{price}").format(**cells)
                value = spec.get("value", round(o["cartons"] * o["unit_price"], 2))
                ws.write_formula(r, col["amount"], formula, money_fmt, value)
            net_formula = "={kgc}*{cartons}" + ("" if net_factor == 1 else f"*{net_factor}")
            net_value = o["cartons"] * o["kg_per_carton"] * net_factor
            ws.write_formula(r, col["net"], net_formula.format(**cells), None, net_value)
            excel_rows[order_no] = r + 1
            order_no += 1
    wb.close()
    assert order_no == len(orders)
    return excel_rows


def _formulas_in(path: Path) -> list[str]:
    """The master sheet's XML cells holding a formula — the book really keeps formulas."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    return xml.split("<f>")[1:]


def _found(report: Report, code: str) -> list[tuple[int, str]]:
    return [(f.row, f.key) for f in report.findings if f.code == code]


def _notes(report: Report) -> str:
    return "\n".join(str(n) for n in report.stats.get("notes", []))


# ------------------------------------------------------------------ 1. clean book


def test_clean_formula_book_gives_no_error_and_no_formula_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = _orders(6)
    path = tmp_path / "clean.xlsx"
    rows = write_formula_book(orders, path)
    assert len(_formulas_in(path)) == 2 * len(orders)  # amount and net weight per order
    report = check_workbook(path, SCHEMA, AS_OF)
    assert report.stats["rows"] == len(orders)
    assert report.errors == []
    assert not {"amount-mismatch", "weight-mismatch", "price-outlier"} & report.codes()
    assert NOTE_ZH not in _notes(report) and NOTE_EN not in _notes(report)
    # header in row 3, the first order in row 4, a blank row 5, the others below
    assert sorted(rows.values()) == [4] + list(range(6, 6 + len(orders) - 1))
    assert main(["check", str(path), "--as-of", "2026-03-30", "--lang", "zh"]) == 0
    err = capsys.readouterr().err
    assert NOTE_ZH not in err and NOTE_EN not in err


# ------------------------------------------------------------------ 2. wrong formulas


def test_wrong_amount_formula_with_its_saved_value_is_found(tmp_path: Path) -> None:
    orders = _orders(6)
    bad = orders[2]
    right = round(bad["cartons"] * bad["unit_price"], 2)
    path = tmp_path / "discount.xlsx"
    rows = write_formula_book(
        orders,
        path,
        amounts={2: {"formula": "={cartons}*{price}*0.9", "value": round(right * 0.9, 2)}},
    )
    report = check_workbook(path, SCHEMA, AS_OF)
    assert [(f.row, f.code) for f in report.errors] == [(rows[2], "amount-mismatch")]
    f = report.errors[0]
    assert f.key == "amount"
    assert float(str(f.expected).replace(",", "")) == right


def test_typed_amount_among_formula_rows_is_found(tmp_path: Path) -> None:
    orders = _orders(6)
    path = tmp_path / "typed.xlsx"
    # one row's amount typed over the formula, 100 off; another typed and right (no error)
    typed_ok = round(orders[1]["cartons"] * orders[1]["unit_price"], 2)
    rows = write_formula_book(
        orders,
        path,
        amounts={4: {"typed": orders[4]["amount"] - 100.0}, 1: {"typed": typed_ok}},
    )
    report = check_workbook(path, SCHEMA, AS_OF)
    assert [(f.row, f.code) for f in report.errors] == [(rows[4], "amount-mismatch")]


def test_wrong_net_weight_formula_is_found(tmp_path: Path) -> None:
    orders = _orders(5)
    path = tmp_path / "net.xlsx"
    # a net weight formula 5 % high on every row (its saved results follow it)
    rows = write_formula_book(orders, path, net_factor=1.05)
    report = check_workbook(path, SCHEMA, AS_OF)
    assert sorted(r for r, _ in _found(report, "weight-mismatch")) == sorted(rows.values())
    assert "amount-mismatch" not in report.codes()


# ------------------------------------------------------------------ 3. price one tenth


def test_price_one_tenth_with_following_formula_is_a_price_outlier(tmp_path: Path) -> None:
    orders = _orders(6)  # 5 others of PT SEGAR / Fuji Apple 80# at 23.50
    slip = orders[3]
    slip["unit_price"] = 2.35
    slip["amount"] = round(slip["cartons"] * 2.35, 2)
    path = tmp_path / "tenth.xlsx"
    rows = write_formula_book(orders, path)
    report = check_workbook(path, SCHEMA, AS_OF)
    # amount = cartons × price holds, so arithmetic says nothing; the book's history does
    assert "amount-mismatch" not in report.codes()
    outliers = [f for f in report.findings if f.code == "price-outlier"]
    assert [f.row for f in outliers] == [rows[3]]
    assert outliers[0].severity == "warning"
    assert "23.5" in outliers[0].message_en or "23.50" in outliers[0].message_en


def test_price_slip_with_too_little_history_is_not_judged(tmp_path: Path) -> None:
    """Three other orders are too few (settings.price_outlier.min_others is 4): silence,
    not a guess."""
    assert SCHEMA.settings.price_outlier.min_others == 4
    orders = _orders(4)
    orders[0]["unit_price"] = 2.35
    orders[0]["amount"] = round(orders[0]["cartons"] * 2.35, 2)
    path = tmp_path / "few.xlsx"
    write_formula_book(orders, path)
    report = check_workbook(path, SCHEMA, AS_OF)
    assert "price-outlier" not in report.codes()
    assert "amount-mismatch" not in report.codes()


def test_seasonal_rise_is_not_a_price_outlier(tmp_path: Path) -> None:
    orders = _orders(6)
    rise = orders[5]
    rise["unit_price"] = 28.2  # +20 %: a new season, not a slipped digit
    rise["amount"] = round(rise["cartons"] * 28.2, 2)
    path = tmp_path / "season.xlsx"
    write_formula_book(orders, path)
    report = check_workbook(path, SCHEMA, AS_OF)
    assert "price-outlier" not in report.codes()
    assert report.errors == []


# ------------------------------------------------------------------ 4. no saved result


def _book_without_saved_result(tmp_path: Path) -> tuple[Path, int, str]:
    """factory.write_xlsx (openpyxl) with order 2's amount a formula: openpyxl writes the
    formula and no cached value, as a program-generated book has."""
    orders = _orders(5)
    path = write_xlsx(make_data(orders), tmp_path / "nocache.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["工作序列表"]
    header = [c.value for c in ws[3]]
    amount_col = header.index(MCOLS["amount"].zh) + 1
    cart = openpyxl.utils.get_column_letter(header.index(MCOLS["cartons"].zh) + 1)
    price = openpyxl.utils.get_column_letter(header.index(MCOLS["unit_price"].zh) + 1)
    row = 7  # order index 2: title, blank, header, order 0, blank, order 1, order 2
    assert ws.cell(row, 1).value is not None
    ws.cell(row, amount_col).value = f"={cart}{row}*{price}{row}"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    address = f"{openpyxl.utils.get_column_letter(amount_col)}{row}"
    # one formula, and its cell has no saved value (openpyxl writes <v /> or nothing)
    cells = re.findall(r"<c [^>]*><f>.*?</c>", xml)
    assert len(cells) == 1 and f'r="{address}"' in cells[0]
    assert re.search(r"<v>[^<]+</v>", cells[0]) is None
    return path, row, address


def test_formula_without_saved_result_gives_the_note_and_no_false_mismatch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, row, address = _book_without_saved_result(tmp_path)
    report = check_workbook(path, SCHEMA, AS_OF)
    notes = _notes(report)
    assert NOTE_ZH in notes and NOTE_EN in notes
    assert f"工作序列表!{address}" in notes  # the note says where the first one is
    assert row not in [f.row for f in report.findings if f.code == "amount-mismatch"]
    assert "amount-mismatch" not in report.codes()
    assert main(["check", str(path), "--as-of", "2026-03-30", "--lang", "zh"]) in (0, 1)
    err = capsys.readouterr().err
    assert NOTE_ZH in err


def test_formula_without_saved_result_on_its_row(tmp_path: Path) -> None:
    """What the row itself shows: the amount reads as blank (金额 is not required, so
    today nothing is said on the row; the book-level note names the cell).  Whatever is
    said about the cell must name it as a formula without a result, never a wrong amount,
    and no other row may suffer."""
    path, row, _address = _book_without_saved_result(tmp_path)
    report = check_workbook(path, SCHEMA, AS_OF)
    on_row = [f for f in report.findings if f.row == row]
    for f in on_row:
        assert f.code != "amount-mismatch"
        if f.code == "type":
            assert "公式" in f.message_zh and "formula" in f.message_en
    other_rows = {f.row for f in report.errors} - {row}
    assert other_rows == set()
