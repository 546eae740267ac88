"""The blank template follows the schema: headers, dropdowns, formats and bounds.

The last tests load a changed schema (a renamed header, an extra enum value, an extra
column, a long dropdown) and check that the template follows, and scan template.py for
header or enum literals, so a hard-coded column cannot creep in.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

import gendan.book.template as template_module
from gendan.book.template import HEADER_ROW, write_template
from gendan.model.schema import Schema, SheetSpec, load_schema

SCHEMA = load_schema()
DEFAULT_YAML = Path(__file__).resolve().parents[2] / "schemas" / "master.yaml"


@pytest.fixture(scope="module")
def book_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    assert write_template(path, SCHEMA) == path
    return path


@pytest.fixture(scope="module")
def book(book_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(book_path)


def _validations(ws: Any, letter: str, row: int) -> list[Any]:
    """The data validations covering cell ``letter``+``row``."""
    out = []
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            if CellRange(f"{letter}{row}").issubset(CellRange(rng.coord)):
                out.append(dv)
    return out


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    """Resolve a list validation's formula: an inline list or a range on another sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = formula.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[ref.replace("$", "")] for c in row if c.value is not None]


def _letter(sheet: SheetSpec, key: str) -> str:
    return openpyxl.utils.get_column_letter([c.key for c in sheet.columns].index(key) + 1)


def test_headers_are_the_schemas(book: openpyxl.Workbook) -> None:
    ws = book[SCHEMA.master.names[0]]
    assert [c.value for c in ws[HEADER_ROW]] == [c.zh for c in SCHEMA.master.columns]
    for role in ("customers", "products"):
        spec = SCHEMA.sheets[role]
        assert [c.value for c in book[spec.names[0]][1]] == [c.zh for c in spec.columns]
    company = book[SCHEMA.company.names[0]]
    for i, f in enumerate(SCHEMA.company.fields, start=1):
        assert company.cell(row=i, column=1).value == f.zh
        note = company.cell(row=i, column=1).comment
        assert note is not None and note.text == f.en
        # nothing right of a label, or the reader would take it as the value
        assert (
            company.cell(row=i, column=2).value is None
            and company.cell(row=i, column=3).value is None
        )
    # the en header is in each header's note
    for j, col in enumerate(SCHEMA.master.columns, start=1):
        note = ws.cell(row=HEADER_ROW, column=j).comment
        assert note is not None and note.text.startswith(col.en)


def test_every_enum_column_has_its_dropdown(book: openpyxl.Workbook) -> None:
    for role in ("master", "customers", "products"):
        spec = SCHEMA.sheets[role]
        ws = book[spec.names[0]]
        first = HEADER_ROW + 1 if role == "master" else 2
        for col in spec.columns:
            if not col.enum_values():
                continue
            lists = [
                dv for dv in _validations(ws, _letter(spec, col.key), first) if dv.type == "list"
            ]
            assert len(lists) == 1, col.key
            assert _list_values(book, lists[0].formula1) == list(col.enum_values()), col.key
            assert lists[0].showErrorMessage and lists[0].error, col.key
            # closed lists stop a wrong value; suggestion lists (ISO codes) only warn
            assert lists[0].errorStyle == (
                "stop" if col.enum and not col.enum_source else "warning"
            )
    master = SCHEMA.master
    for key in ("currency", "incoterm", "container_type", "dispatch_method", "status"):
        assert master.column(key).enum_values(), key  # the five the issue names are dropdowns


def test_validation_reaches_the_last_prepared_row(book: openpyxl.Workbook) -> None:
    ws = book[SCHEMA.master.names[0]]
    letter = _letter(SCHEMA.master, "currency")
    assert _validations(ws, letter, HEADER_ROW + 2000)
    assert not _validations(ws, letter, HEADER_ROW)  # not on the header itself


def _one_check(
    wb: openpyxl.Workbook, ws: Any, letter: str, row: int
) -> tuple[str, str, str | None]:
    """(type, formula, operator) of the single validation on a cell; a native validation's
    formula with the defined name it may have moved into resolved."""
    dvs = _validations(ws, letter, row)
    assert len(dvs) == 1, (letter, [dv.type for dv in dvs])  # a cell holds one validation
    dv = dvs[0]
    formula = dv.formula1 or ""
    for name, dn in wb.defined_names.items():
        if name in formula and name.startswith("gd_v_"):
            formula = formula.replace(name, dn.attr_text)
    return dv.type, formula, dv.operator


def test_date_columns_have_date_formats_and_validation(book: openpyxl.Workbook) -> None:
    ws = book[SCHEMA.master.names[0]]
    dates = [c for c in SCHEMA.master.columns if c.type == "date"]
    assert dates
    lo = str((dt.date(2000, 1, 1) - dt.date(1899, 12, 30)).days)
    for col in dates:
        letter = _letter(SCHEMA.master, col.key)
        for row in (HEADER_ROW + 1, HEADER_ROW + 1000):
            assert ws[f"{letter}{row}"].number_format == col.format
        kind, formula, op = _one_check(book, ws, letter, HEADER_ROW + 1)
        if kind == "date":
            assert op == "between" and formula == lo
        else:  # a column with a native rule (date order): the date check is part of it
            assert (
                kind == "custom"
                and "gd_on" in formula
                and f">={lo}" in formula
                and "ISNUMBER" in formula
            )


def test_numbers_are_bounded_and_formatted(book: openpyxl.Workbook) -> None:
    ws = book[SCHEMA.master.names[0]]
    for col in SCHEMA.master.columns:
        if col.type not in ("integer", "number") or (col.gt is None and col.min is None):
            continue
        letter = _letter(SCHEMA.master, col.key)
        kind, formula, op = _one_check(book, ws, letter, HEADER_ROW + 1)
        bound = (">" + f"{col.gt:g}") if col.gt is not None else (">=" + f"{col.min:g}")
        if kind in ("whole", "decimal"):
            assert kind == ("whole" if col.type == "integer" else "decimal")
            assert (op, float(formula)) == (
                ("greaterThan", col.gt) if col.gt is not None else ("greaterThanOrEqual", col.min)
            )
        else:  # the native rules' validation includes the number check and its bound
            assert kind == "custom" and "gd_on" in formula, col.key
            assert "ISNUMBER($" in formula and f"{letter}4{bound}" in formula, (col.key, formula)
            assert ("INT(" in formula) == (col.type == "integer"), col.key
        if col.format:
            assert ws[f"{letter}{HEADER_ROW + 5}"].number_format == col.format


def test_text_columns_keep_leading_zeros_and_long_digits(book: openpyxl.Workbook) -> None:
    ws = book[SCHEMA.products.names[0]]
    assert ws[f"{_letter(SCHEMA.products, 'hs_code')}2"].number_format == "@"
    master = book[SCHEMA.master.names[0]]
    assert master[f"{_letter(SCHEMA.master, 'tracking_no')}{HEADER_ROW + 1}"].number_format == "@"


def test_layout_freezes_under_the_header_and_reads_clean(
    book: openpyxl.Workbook, book_path: Path
) -> None:
    ws = book[SCHEMA.master.names[0]]
    assert ws.freeze_panes == f"B{HEADER_ROW + 1}"
    assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    check = pytest.importorskip("gendan.rules.engine")
    # the checker finds the header under the title rows and nothing to complain about
    assert check.check_workbook(book_path, SCHEMA, dt.date(2026, 11, 27)).findings == []


def _changed_schema(tmp_path: Path) -> Schema:
    text = DEFAULT_YAML.read_text(encoding="utf-8")
    text = text.replace(
        "{key: cartons, zh: 箱数, en: Cartons,", "{key: cartons, zh: 件数（箱）, en: Packages,"
    )
    text = text.replace("- {value: 40RH,", "- {value: 45RH}\n          - {value: 40RH,")
    text = text.replace(
        "  customers:\n    names:",
        "      - {key: pallet_nos, zh: 托盘号, en: Pallet Nos., type: text, width: 20}\n"
        "      - {key: grade, zh: 等级, en: Grade, type: enum, enum: ["
        + ", ".join(f"GRADE-{i:02d}-EXTRA-FANCY-QUALITY" for i in range(12))
        + "]}\n"
        "  customers:\n    names:",
        1,
    )
    assert "件数（箱）" in text and "45RH" in text and "pallet_nos" in text
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    return load_schema(path)


def test_template_follows_a_changed_schema(tmp_path: Path) -> None:
    schema = _changed_schema(tmp_path)
    path = tmp_path / "mine.xlsx"
    write_template(path, schema)
    wb = openpyxl.load_workbook(path)
    ws = wb[schema.master.names[0]]
    headers = [c.value for c in ws[HEADER_ROW]]
    assert headers == [c.zh for c in schema.master.columns]
    assert "件数（箱）" in headers and "箱数" not in headers and headers[-2:] == ["托盘号", "等级"]
    ctype = [
        dv
        for dv in _validations(ws, _letter(schema.master, "container_type"), HEADER_ROW + 1)
        if dv.type == "list"
    ]
    assert _list_values(wb, ctype[0].formula1) == ["20RF", "45RH", "40RH", "20GP", "40GP", "40HQ"]
    # a list longer than Excel's 255-character inline limit goes to a hidden sheet
    grade = [
        dv
        for dv in _validations(ws, _letter(schema.master, "grade"), HEADER_ROW + 1)
        if dv.type == "list"
    ]
    assert not grade[0].formula1.startswith('"')
    assert _list_values(wb, grade[0].formula1) == list(schema.master.column("grade").enum_values())
    assert wb[grade[0].formula1.split("!")[0].strip("'")].sheet_state == "hidden"
    assert ws.column_dimensions[_letter(schema.master, "pallet_nos")].width == 20


def test_template_source_has_no_header_or_enum_literals() -> None:
    source = Path(template_module.__file__).read_text(encoding="utf-8")
    literals = {
        n.value
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    names: set[str] = set()
    for spec in SCHEMA.sheets.values():
        for col in spec.columns:
            names |= {col.zh, col.en, *col.enum_values()}
        for f in spec.fields:
            names |= {f.zh, f.en}
    assert not literals & names, literals & names
