"""The 看板 as a plan (gendan.report.dashboard_plan): what the ribbon draws in Excel.

Each chart is read back from what an applier did (openpyxl: the saved file reopened;
xlwings: the recording stand-in's calls) and its references are followed to the cells the
same plan wrote; the numbers found there must be the Dashboard's, block by block.  The
plan's references are also held against the chart parts ``gendan report`` writes, so the
ribbon's sheet and the command line's are one layout.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from factory import make_data
from test_dashboard import AS_OF, _orders

from gendan.model.grid import column_index, column_letter
from gendan.model.plan import Chart, split_ref
from gendan.model.schema import load_schema
from gendan.read.tables import load_tables
from gendan.report.dashboard import build_dashboard
from gendan.report.dashboard_plan import dashboard_plan, dashboard_sheet_name
from gendan.report.dashboard_sheet import MARK, SHEET, Placed, standalone_book

sys.path.insert(0, str(Path(__file__).parents[1] / "write"))
from test_xlwings_applier import Book

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _text(e: Any) -> str:
    assert e is not None and e.text is not None
    return str(e.text)


@pytest.fixture(scope="module")
def dash() -> Any:
    schema = load_schema()
    return build_dashboard(load_tables(make_data(_orders()), schema), schema, AS_OF)


def _cells(address: str) -> list[str]:
    first, _, last = address.replace("$", "").partition(":")
    last = last or first
    m1 = re.fullmatch(r"([A-Z]+)(\d+)", first)
    m2 = re.fullmatch(r"([A-Z]+)(\d+)", last)
    assert m1 and m2, address
    c1, c2 = column_index(m1.group(1)), column_index(m2.group(1))
    return [
        f"{column_letter(c)}{r}"
        for r in range(int(m1.group(2)), int(m2.group(2)) + 1)
        for c in range(c1, c2 + 1)
    ]


def _expected(dash: Any) -> dict[str, tuple[list[str], dict[str, list[Any]]]]:
    """Per chart title: the categories and, per charted series, its values (the Dashboard)."""
    out = {}
    for b in dash.blocks:
        if not b.chart:
            continue
        cats = list(Placed(b, 1, 1).categories)
        out[b.title] = (
            cats,
            {
                s.name: [v if v not in ("",) else None for v in s.values]
                + [None] * (len(cats) - len(s.values))
                for s in b.charted()
            },
        )
    return out


def _follow(
    charts: list[tuple[str, str, list[tuple[str, str]]]], cell: Any
) -> dict[str, tuple[list[str], dict[str, list[Any]]]]:
    """(title, categories ref, [(name, values ref)]) → what the cells behind them hold."""
    out = {}
    for title, cats, series in charts:
        out[title] = (
            [cell(a) for a in _cells(split_ref(cats)[1])],
            {name: [cell(a) for a in _cells(split_ref(ref)[1])] for name, ref in series},
        )
    return out


def test_the_plan_has_the_package_writers_references(dash: Any, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    book = tmp_path / "d.xlsx"
    standalone_book(dash, book)
    with zipfile.ZipFile(book) as z:
        package = {}
        for name in z.namelist():
            if name.startswith("xl/charts/chart"):
                root = ET.fromstring(z.read(name))
                title = "".join(t.text or "" for t in root.iter() if t.tag == f"{A}t")
                sers = list(root.iter(f"{C}ser"))
                package[title] = (
                    _text(sers[0].find(f"{C}cat/{C}strRef/{C}f")),
                    tuple(_text(s.find(f"{C}val/{C}numRef/{C}f")) for s in sers),
                )
    plan = {
        a.title: (a.categories, tuple(r for _n, r in a.series))
        for a in dashboard_plan(dash).of_type(Chart)
    }
    assert len(plan) == 7
    assert plan == package


def test_openpyxl_applier_draws_charts_over_the_right_cells(dash: Any, tmp_path: Path) -> None:
    import openpyxl

    from gendan.write.apply_openpyxl import apply_plan

    wb = openpyxl.Workbook()
    wb.create_sheet("工作序列表")
    apply_plan(dashboard_plan(dash), wb)
    wb.save(tmp_path / "p.xlsx")
    ws: Any = openpyxl.load_workbook(tmp_path / "p.xlsx")[SHEET]
    assert MARK in ws["A2"].value
    charts = []
    for ch in ws._charts:
        title = "".join(r.t for p in ch.title.tx.rich.p for r in (p.r or []))
        cat = ch.series[0].cat
        cats = (cat.numRef or cat.strRef).f
        charts.append((title, cats, [(s.tx.v, s.val.numRef.f) for s in ch.series]))
    assert len(charts) == 7
    assert _follow(charts, lambda a: ws[a].value) == _expected(dash)


def _stand_in_cells(book: Any, sheet: str) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for s, where, what, v in book.calls:
        if s != sheet or what != "value":
            continue
        m = re.fullmatch(r"([A-Z]+)(\d+)", where)
        assert m
        c0, r0 = column_index(m.group(1)), int(m.group(2))
        for i, row in enumerate(v):
            for j, x in enumerate(row):
                cells[f"{column_letter(c0 + j)}{r0 + i}"] = x[1:] if isinstance(x, str) else x
    return cells


def stand_in_charts(book: Any, sheet: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Each chart the applier made on the stand-in: (title, categories, [(name, values)])."""
    from test_plan_parity import stand_in_charts as effects

    return [(e[3], e[4], list(e[5])) for e in effects([c for c in book.calls if c[0] == sheet])]


def test_xlwings_applier_makes_the_charts_over_the_right_cells(dash: Any) -> None:
    from macros_py.xlwings_applier import apply_plan

    book = Book("工作序列表")
    apply_plan(dashboard_plan(dash), book)
    adds = [c for c in book.calls if c[2] == "charts.add"]
    assert len(adds) == 7 and {c[0] for c in adds} == {SHEET}
    cells = _stand_in_cells(book, SHEET)
    assert _follow(stand_in_charts(book, SHEET), cells.get) == _expected(dash)


def test_a_users_own_kanban_is_kept() -> None:
    assert dashboard_sheet_name({"工作序列表": ""}) == SHEET
    assert dashboard_sheet_name({SHEET: f"看板 Dashboard {MARK} · 截至"}) == SHEET
    assert dashboard_sheet_name({"看板": "my own charts"}) == f"{SHEET} gendan"
    assert dashboard_sheet_name({"看板": "mine", "看板 gendan": MARK}) == f"{SHEET} gendan"
