"""Whole-document golden cases, compared by structure (XlsxWriter's way): the generated
sheet is dumped to canonical JSON — values and formulas with their types, number formats,
fonts, alignment, fills, borders, merges, column widths, row heights, hidden columns,
print settings, sheet order — and compared with tests/golden/documents/<case>.json.

Regenerate after an intended layout change with
``GENDAN_REGEN_GOLDEN=1 pytest tests/documents/test_documents_golden.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_documents import NOW, book

GOLDEN = Path(__file__).parent.parent / "golden" / "documents"

CASES = {
    # case: (contract, document, issued)
    "invoice01": ("GD26-001", "commercial_invoice", False),
    "invoice02": ("GD26-001", "commercial_invoice", True),
    "invoice03": ("GD26-003", "commercial_invoice", True),  # EUR, T/T
    "packing_list01": ("GD26-002", "packing_list", False),  # two containers, L/C
    "packing_list02": ("GD26-002", "packing_list", True),
    "contract01": ("GD26-002", "sales_contract", True),
    "contract02": ("GD26-001", "sales_contract", False),
    "shipping_instruction01": ("GD26-002", "shipping_instruction", False),
    "shipping_advice01": ("GD26-001", "shipping_advice", True),
    "collection01": ("GD26-001", "collection_instruction", False),
    "collection02": ("GD26-001", "collection_instruction", True),
    "bill_of_exchange01": (
        "GD26-001",
        "bill_of_exchange",
        False,
    ),  # D/P at sight, drawn on the buyer
    "bill_of_exchange02": ("GD26-002", "bill_of_exchange", True),  # L/C: drawn on the issuing bank
}


def _json(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _color(c: Any) -> str | None:
    rgb = getattr(c, "rgb", None) if c is not None else None
    return rgb if isinstance(rgb, str) and rgb != "00000000" else None


def dump_sheet(path: Path, name: str) -> dict[str, Any]:
    """The canonical structure of one sheet of a workbook file."""
    import openpyxl

    return dump_worksheet(openpyxl.load_workbook(path), name)


def dump_worksheet(wb: Any, name: str) -> dict[str, Any]:
    """:func:`dump_sheet` of an open workbook (comparing thousands of sheets loads once)."""
    ws = wb[name]
    cells: dict[str, Any] = {}
    for row in ws.iter_rows():
        for c in row:
            entry: dict[str, Any] = {}
            if c.value is not None:
                entry["v"] = _json(c.value)
                entry["t"] = c.data_type
            if c.number_format != "General":
                entry["fmt"] = c.number_format
            f = c.font
            font = [f.name, f.sz, bool(f.b), _color(f.color)]
            if font != ["Calibri", 11.0, False, None]:
                entry["font"] = font
            a = c.alignment
            if (a.horizontal, a.vertical, a.wrap_text) != (None, None, None):
                entry["align"] = [a.horizontal, a.vertical, bool(a.wrap_text)]
            if c.fill is not None and c.fill.fill_type == "solid":
                entry["fill"] = _color(c.fill.fgColor)
            b = c.border
            edges = "".join(k[0] for k in ("top", "bottom", "left", "right") if getattr(b, k).style)
            if edges:
                entry["border"] = edges
            if entry:
                cells[c.coordinate] = entry
    ps = ws.page_setup
    return {
        "sheet": name,
        "position": wb.sheetnames.index(name),
        "cells": cells,
        "merges": sorted(str(r) for r in ws.merged_cells.ranges),
        "columns": {
            k: [d.width, bool(d.hidden)]
            for k, d in sorted(ws.column_dimensions.items())
            if d.width or d.hidden
        },
        "rows": {str(k): d.height for k, d in sorted(ws.row_dimensions.items()) if d.height},
        "print": {
            "area": ws.print_area,
            "paper": ps.paperSize,
            "orientation": ps.orientation,
            "fit": [ws.sheet_properties.pageSetUpPr.fitToPage, ps.fitToWidth, ps.fitToHeight],
            "margins": [
                round(getattr(ws.page_margins, k), 4) for k in ("left", "right", "top", "bottom")
            ],
            "centered": ws.print_options.horizontalCentered,
        },
        "tab": _color(ws.sheet_properties.tabColor),
    }


def canonical(d: dict[str, Any]) -> str:
    """Sorted JSON with one line per cell, so a layout change reads as a short diff."""
    lines = ["{"]
    keys = sorted(d)
    for n, k in enumerate(keys):
        end = "," if n < len(keys) - 1 else ""
        v = d[k]
        if k == "cells":
            lines.append(' "cells": {')
            addrs = sorted(v, key=lambda a: (int("".join(ch for ch in a if ch.isdigit())), a))
            for m, a in enumerate(addrs):
                sep = "," if m < len(addrs) - 1 else ""
                lines.append(
                    f"  {json.dumps(a)}: {json.dumps(v[a], ensure_ascii=False, sort_keys=True)}{sep}"
                )
            lines.append(" }" + end)
        else:
            lines.append(
                f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, sort_keys=True)}{end}"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return book(tmp_path_factory.mktemp("golden") / "master.xlsx")


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, master: Path, tmp_path: Path) -> None:
    from gendan.documents import generate

    contract, doc, issued = CASES[case]
    result = generate(
        master, tmp_path / f"{case}.xlsx", orders=[contract], documents=[doc], issue=issued, now=NOW
    )
    (sheet,) = result.sheets
    got = dump_sheet(result.out, sheet)
    path = GOLDEN / f"{case}.json"
    text = canonical(got)
    if os.environ.get("GENDAN_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), (
        f"no golden file {path.name}: run with GENDAN_REGEN_GOLDEN=1 and review it"
    )
    want = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(text) == want
