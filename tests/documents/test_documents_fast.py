"""The template path (gendan.documents.fastsheets) writes the same workbook as the
per-order openpyxl path, cell for cell: every document sheet of the sample workbook and of
the test master is dumped canonically (values and formulas with their types, number
formats, fonts, alignment, fills, borders, merges, widths, heights, hidden columns, print
settings, tab colour, sheet position — tests/documents/test_documents_golden.py) and compared, with
the workbook's defined names (print areas) and sheet order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_documents import NOW, book
from test_documents_golden import dump_worksheet

ROOT = Path(__file__).resolve().parents[2]


def _dump(path: Path, sheets: list[str]) -> dict[str, Any]:
    """Every document sheet's canonical dump, the sheet order and the defined names."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    names = sorted((n, str(d.attr_text)) for n, d in wb.defined_names.items())
    local = {
        s: sorted((n, str(d.attr_text)) for n, d in wb[s].defined_names.items()) for s in sheets
    }
    return {
        "order": wb.sheetnames,
        "names": names,
        "local": local,
        "sheets": {s: dump_worksheet(wb, s) for s in sheets},
    }


def _both(src: Path, tmp: Path, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from gendan.documents import generate

    slow = generate(src, tmp / "slow.xlsx", fast=False, now=NOW, **kw)
    fast = generate(src, tmp / "fast.xlsx", fast=True, now=NOW, **kw)
    assert slow.method == fast.method == "graft"
    assert slow.sheets == fast.sheets and fast.sheets
    return _dump(slow.out, slow.sheets), _dump(fast.out, fast.sheets)


def _compare(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["order"] == b["order"]
    assert a["names"] == b["names"]
    assert a["local"] == b["local"]
    for name in a["sheets"]:
        assert a["sheets"][name] == b["sheets"][name], name


@pytest.mark.slow  # every document of the sample made twice and compared cell by cell: minutes
@pytest.mark.parametrize("issue", [False, True])
def test_fast_path_equals_per_order_path_on_the_sample(issue: bool, tmp_path: Path) -> None:
    slow, fast = _both(ROOT / "xlsx" / "sample.xlsx", tmp_path, all=True, issue=issue)
    _compare(slow, fast)


@pytest.mark.parametrize("issue", [False, True])
def test_fast_path_equals_per_order_path_on_the_test_master(issue: bool, tmp_path: Path) -> None:
    """Containers, L/C, EUR, a remark that looks like a formula, dates in issued sheets."""
    src = book(tmp_path / "master.xlsx")
    slow, fast = _both(src, tmp_path, all=True, issue=issue)
    _compare(slow, fast)


def test_shapes_are_shared_and_values_substituted() -> None:
    """Orders of one document type share a template; text is escaped and stays text."""
    from gendan.documents.fastsheets import _content, _tag

    assert _tag("a") == "s" and _tag(1.5) == "n" and _tag(None) == _tag(None)
    assert _tag(dt.date(2026, 1, 2)) == ("d", "date")
    assert _tag("=HYPERLINK(1)")[0] == "lit"  # text that looks like a formula is never substituted
    assert _tag("#N/A")[0] == "lit"
    assert _content("s", "a<b&c") == "<is><t>a&lt;b&amp;c</t></is>"
    assert _content("s", " x") == '<is><t xml:space="preserve"> x</t></is>'
    assert _content("f", '=A1&"<"') == '<f>A1&amp;"&lt;"</f><v />'


def test_fast_path_gives_up_to_the_per_order_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Something the templates cannot express: the run still writes every sheet, per order."""
    from gendan.documents import fastsheets, generate
    from gendan.ooxml import Unsupported

    calls: list[int] = []

    def refuse(*_a: Any) -> list[Any]:
        calls.append(1)
        raise Unsupported("test")

    src = book(tmp_path / "master.xlsx")
    want = generate(src, tmp_path / "slow.xlsx", all=True, fast=False, now=NOW)
    monkeypatch.setattr(fastsheets.Templates, "expand", refuse)
    got = generate(src, tmp_path / "fast.xlsx", all=True, now=NOW)
    assert calls and got.method == "graft" and got.sheets == want.sheets
    _compare(_dump(want.out, want.sheets), _dump(got.out, got.sheets))
