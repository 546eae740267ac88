"""doc-mismatch and doc-missing: issued document sheets compared with the master, field by
field, from plain cell values (any reader, no openpyxl).

An issued sheet's provenance block lists each checked field with its cell.  The check
rebuilds the same document from the *current* master row in Python (the very code that
issued it, :mod:`gendan.documents.build`) and compares the value in the sheet's cell with
the value the master gives now.  So a corrected master value, a cell edited by hand after
issuing, and a container added to the order all show up, each as one finding with both
addresses (the document cell, and the master cell as ``ref_sheet``/``ref_cell``).

doc-missing: for orders whose status says documents went out (``doc_missing.statuses``
in documents.yaml, default 已寄单), the number each expected document carries
(invoice no. …) must be filled in; and the expected document sheets must exist — by
default (``doc_missing.sheets: order``) only for orders that have some gendan document
sheet, i.e. an incomplete set.  Many teams keep documents outside the workbook, or started
using gendan after older orders were sent; flagging every sent order there would bury the
real findings.  ``workbook`` (any document sheet in the workbook) and ``always`` are the
stricter settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gendan.documents.build import ISSUED, MARKER, Order, build_document
from gendan.documents.layout import Layout, load_layout
from gendan.model.codes import DEFAULT_SEVERITY
from gendan.model.findings import Finding
from gendan.model.grid import SheetGrid, WorkbookData, column_index
from gendan.model.normalize import clean_text, norm
from gendan.model.schema import Schema
from gendan.read.tables import Tables

NUMBER_TOLERANCE = 0.005


@dataclass(frozen=True)
class Block:
    """The provenance block of one document sheet, as read back."""

    sheet: str
    doc_key: str
    contract_no: str
    status: str
    head: dict[str, Any]
    fields: list[tuple[str, str, str, Any]]  # key, source, cell, value used


def _cell(grid: SheetGrid, row: int, col: int) -> Any:
    i, j = row - grid.origin_row, col - grid.origin_col
    if 0 <= i < len(grid.rows):
        r = grid.rows[i]
        if 0 <= j < len(r):
            v = r[j]
            return None if v == "" else v
    return None


def _addr_value(grid: SheetGrid, addr: str) -> Any:
    letters = "".join(ch for ch in addr if ch.isalpha())
    digits = "".join(ch for ch in addr if ch.isdigit())
    if not letters or not digits:
        return None
    return _cell(grid, int(digits), column_index(letters))


def read_block(grid: SheetGrid, column: str = "P") -> Block | None:
    """The provenance block of ``grid``, or None when it is not a gendan document."""
    pc = column_index(column)
    if _cell(grid, 1, pc) != MARKER:
        return None
    head: dict[str, Any] = {MARKER: _cell(grid, 1, pc + 1)}
    r = 2
    last = grid.origin_row + len(grid.rows)
    while r <= last:
        label = _cell(grid, r, pc)
        if label == "field":
            break
        if isinstance(label, str):
            head[label] = _cell(grid, r, pc + 1)
        r += 1
    fields: list[tuple[str, str, str, Any]] = []
    r += 1
    while r <= last:
        key = _cell(grid, r, pc)
        if key in (None, ""):
            break
        fields.append(
            (
                str(key),
                str(_cell(grid, r, pc + 1) or ""),
                str(_cell(grid, r, pc + 2) or ""),
                _cell(grid, r, pc + 3),
            )
        )
        r += 1
    return Block(
        sheet=grid.name,
        doc_key=str(head.get(MARKER) or ""),
        contract_no=clean_text(head.get("contract_no")),
        status=str(head.get("status") or ""),
        head=head,
        fields=fields,
    )


def _as_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return None


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.replace(",", "").strip())
        except ValueError:
            return None
    return None


def same(shown: Any, expected: Any) -> bool:
    """Whether a document cell still says what the master says (numbers within half a
    cent, dates by day, text after trimming and width/space normalisation)."""
    if shown in (None, "") and expected in (None, ""):
        return True
    if shown in (None, "") or expected in (None, ""):
        return False
    da, db = _as_date(shown), _as_date(expected)
    if da or db:
        if da and db:
            return da == db
        # a date shown as its Excel serial (a reader without the cell's format)
        num = _as_number(shown if db else expected)
        d = db or da
        assert d is not None
        return num is not None and abs(num - (d - dt.date(1899, 12, 30)).days) < 1e-9
    na, nb = _as_number(shown), _as_number(expected)
    if (
        isinstance(expected, int | float)
        and not isinstance(expected, bool)
        or isinstance(shown, int | float)
    ):
        if na is not None and nb is not None:
            return abs(na - nb) <= NUMBER_TOLERANCE
    return clean_text(shown) == clean_text(expected)


def show(v: Any) -> str:
    """A value as a finding prints it."""
    if v is None:
        return ""
    d = _as_date(v)
    if d:
        return d.isoformat()
    if isinstance(v, float):
        return f"{v:,.2f}" if not v.is_integer() else f"{int(v):,}"
    return str(v)


def check_documents(
    data: WorkbookData, tables: Tables, schema: Schema, layout: Layout | None = None
) -> list[Finding]:
    """doc-mismatch for every issued document sheet, doc-missing for sent orders."""
    layout = layout or load_layout()
    findings: list[Finding] = []
    present: dict[str, set[str]] = {}
    master = tables.master
    msheet = master.sheet
    index: dict[str, int] | None = None
    for grid in data.sheets:
        if grid.name == msheet:
            continue
        block = read_block(grid, layout.provenance_column)
        if block is None:
            continue
        present.setdefault(norm(block.contract_no), set()).add(block.doc_key)
        if block.status != ISSUED:
            continue
        if index is None:  # built once, only for workbooks that have issued documents
            index = {}
            for k, v in enumerate(master.column("contract_no")):
                if v not in (None, ""):
                    index.setdefault(norm(v), k)
        findings += _compare(
            grid, block, tables, schema, layout, index.get(norm(block.contract_no))
        )
    findings += _missing(tables, schema, layout, present)
    return findings


def _severity(schema: Schema, code: str) -> Any:
    return schema.severity(code, DEFAULT_SEVERITY[code])


def _compare(
    grid: SheetGrid, block: Block, tables: Tables, schema: Schema, layout: Layout, i: int | None
) -> list[Finding]:
    """The findings of one issued sheet; ``i`` is its order's master row index (None when
    the contract number is no longer in the master)."""
    master = tables.master
    try:
        doc = layout.document(block.doc_key)
    except KeyError:
        return []
    sev = _severity(schema, "doc-mismatch")
    if i is None:
        cell = block.fields[0][2] if block.fields else "A1"
        return [
            Finding(
                "doc-mismatch",
                sev,
                grid.name,
                cell,
                _row(cell),
                "contract_no",
                block.contract_no,
                value=block.contract_no,
                expected="",
                reason=None,
                params=(
                    ("label_zh", "合同号"),
                    ("label_en", "Contract No."),
                    ("document", grid.name),
                ),
            )
        ]
    fresh = build_document(layout, doc, Order(tables, i), ISSUED)
    now = {f.key: f for f in fresh.fields}
    out: list[Finding] = []
    seen: set[str] = set()
    for key, _source, cell, _used in block.fields:
        seen.add(key)
        rec = now.get(key)
        shown = _addr_value(grid, cell)
        expected = rec.value if rec else None
        if same(shown, expected):
            continue
        mkey = rec.master_key if rec else None
        ref_cell = (
            master.cell(mkey, i) if mkey and master.has(mkey) else master.cell("contract_no", i)
        )
        lz, le = (rec.label_zh, rec.label_en) if rec else (key, key)
        out.append(
            Finding(
                "doc-mismatch",
                sev,
                grid.name,
                cell,
                _row(cell),
                key,
                block.contract_no,
                value=show(shown),
                expected=show(expected),
                params=(("label_zh", lz), ("label_en", le), ("document", grid.name)),
                ref_sheet=master.sheet,
                ref_cell=ref_cell,
            )
        )
    for key, rec in now.items():
        if key in seen or rec.value in (None, ""):
            continue
        mkey = rec.master_key
        ref_cell = (
            master.cell(mkey, i) if mkey and master.has(mkey) else master.cell("contract_no", i)
        )
        out.append(
            Finding(
                "doc-mismatch",
                sev,
                grid.name,
                rec.cell,
                _row(rec.cell),
                key,
                block.contract_no,
                value="",
                expected=show(rec.value),
                reason=None,
                params=(
                    ("label_zh", rec.label_zh),
                    ("label_en", rec.label_en),
                    ("document", grid.name),
                ),
                ref_sheet=master.sheet,
                ref_cell=ref_cell,
            )
        )
    return out


def _row(cell: str) -> int:
    digits = "".join(ch for ch in cell if ch.isdigit())
    return int(digits) if digits else 0


def _missing(
    tables: Tables, schema: Schema, layout: Layout, present: dict[str, set[str]]
) -> list[Finding]:
    master = tables.master
    if not layout.missing_statuses or not master.has("status"):
        return []
    statuses = {norm(s) for s in layout.missing_statuses}
    sheets_used = bool(present)
    sev = _severity(schema, "doc-missing")
    docs = [
        layout.document(k)
        for k in layout.missing_documents
        if k in {d.key for d in layout.documents}
    ]
    out: list[Finding] = []
    for i in range(master.n):
        st = master.get("status", i)
        if st is None or norm(st) not in statuses:
            continue
        contract = clean_text(master.get("contract_no", i))
        if not contract:
            continue
        order = Order(tables, i)
        method = order.method
        have = present.get(norm(contract), set())
        numbers: set[str] = set()
        for doc in docs:
            if not doc.applies(method):
                continue
            report_sheets = {"always": True, "workbook": sheets_used, "order": bool(have)}[
                layout.missing_sheets
            ]
            if report_sheets and doc.key not in have:
                out.append(
                    Finding(
                        "doc-missing",
                        sev,
                        master.sheet,
                        master.cell("contract_no", i),
                        master.rows[i],
                        doc.key,
                        contract,
                        value="",
                        expected=doc.title_zh,
                        params=(
                            ("label_zh", f"单据「{doc.title_zh}」"),
                            ("label_en", f"the {doc.title_en} sheet"),
                            ("document", doc.title_zh),
                        ),
                    )
                )
            num = doc.number
            if num and num not in numbers and master.has(num) and order.m(num) in (None, ""):
                numbers.add(num)
                spec = master.spec.column(num)
                out.append(
                    Finding(
                        "doc-missing",
                        sev,
                        master.sheet,
                        master.cell(num, i),
                        master.rows[i],
                        num,
                        contract,
                        value="",
                        expected=spec.en,
                        params=(
                            ("label_zh", spec.zh),
                            ("label_en", spec.en),
                            ("document", doc.title_zh),
                        ),
                    )
                )
    return out


def document_sheets(data: WorkbookData, layout: Layout | None = None) -> Sequence[Block]:
    """Every gendan document sheet of a workbook (drafts and issued), for listings."""
    layout = layout or load_layout()
    return [b for g in data.sheets if (b := read_block(g, layout.provenance_column)) is not None]
