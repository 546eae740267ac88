"""Document sheets for many orders from one openpyxl-written template per document shape.

Why: ``gendan docs --all`` on 1,000 orders makes about 5,000 sheets.  Applying each plan
with openpyxl and serialising it costs 30–55 ms a sheet (style bookkeeping, merges, the
XML writer, and the re-parse in gendan.write.inject), 209 s in all.  Yet the plans of
one document type differ between orders only in a few cell values (the contract number
the INDEX/MATCH formulas key on, the provenance block, the packing list's container
rows); everything else — styles, merges, widths, heights, print settings — is identical.

So plans are grouped by *shape*: the plan with the sheet name dropped and every written
value replaced by its type (text, number, date, formula, blank…).  Plans of one shape
give the same sheet XML except inside the written cells.  openpyxl writes one sheet per
shape (the template); after inject.convert_sheet has remapped its styles, each order's
sheet is the template with the cells whose value differs from the template's re-written
in exactly the form openpyxl + convert_sheet produce (``escape``d, text as inline
strings, never a formula).  A value whose serialisation is not modelled here (booleans,
error-code text, control characters, non-finite numbers…) stays part of the shape, so
such a sheet gets a template of its own and is written by openpyxl as before.

tests/documents/test_documents_fast.py proves the result is cell for cell the per-order path's.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, assert_never
from xml.sax.saxutils import escape

from gendan.documents.build import DocumentSheet
from gendan.model.grid import column_index, column_letter
from gendan.model.plan import (
    Align,
    Border,
    Chart,
    ClearMarks,
    ColumnWidth,
    DataValidationList,
    DefinedName,
    Fill,
    Font,
    FreezePanes,
    HideColumns,
    Hyperlink,
    Merge,
    NewSheet,
    Note,
    NumberFormat,
    PageSetup,
    Plan,
    RowHeight,
    SetFormula,
    SetValues,
)
from gendan.ooxml import Unsupported
from gendan.write.inject import _ScratchSheet

_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*?(/?)>')
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_MAX_TEXT = 32767


def _error_codes() -> frozenset[str]:
    from openpyxl.cell.cell import ERROR_CODES

    return frozenset(ERROR_CODES)


_ERRORS = _error_codes()


def _tag(v: Any) -> Any:
    """The part of a written value that decides the cell's XML outside its content (type
    attribute, date number format).  Values not modelled by :func:`_content` are their own
    tag, so they never get substituted."""
    if v is None or v == "":
        return ("lit", type(v).__name__)  # an empty element; identical for every such value
    t = type(v)
    if t is str:
        if (
            len(v) > _MAX_TEXT
            or "\r" in v
            or v in _ERRORS
            or _ILLEGAL.search(v)
            or v.startswith("=")
        ):
            return ("lit", v)
        return "s"
    if t is int or (t is float and math.isfinite(v)):
        return "n"
    if t is dt.date or t is dt.datetime:
        if t is dt.datetime and v.tzinfo is not None:
            return ("lit", t.__name__, v)
        return ("d", t.__name__)
    return ("lit", t.__name__, repr(v))


def _formula_tag(f: str) -> Any:
    f = f if f.startswith("=") else "=" + f
    if len(f) < 2 or len(f) > _MAX_TEXT or "\r" in f or _ILLEGAL.search(f):
        return ("lit", f)
    return "f"


def _number(v: float | int) -> str:
    return "%.16g" % v  # noqa: UP031 - exactly what openpyxl.compat.safe_string writes


def _content(kind: Any, v: Any) -> str:
    """A cell's XML between ``<c …>`` and ``</c>`` as openpyxl writes it and
    xml.etree re-serialises it (inject.convert_sheet)."""
    if kind == "f":
        f = v if v.startswith("=") else "=" + v
        return f"<f>{escape(f[1:])}</f><v />"
    if kind == "s":
        stripped = v.strip()
        space = ' xml:space="preserve"' if stripped and stripped != v else ""
        return f"<is><t{space}>{escape(v)}</t></is>"
    if kind == "n":
        return f"<v>{_number(v)}</v>"
    from openpyxl.utils.datetime import to_excel

    serial: float = to_excel(v)  # type: ignore[no-untyped-call]  # unannotated in types-openpyxl
    return f"<v>{_number(serial)}</v>"


@dataclass
class _Shaped:
    """One built sheet: its shape key and its final cell writes (addr → (tag, value))."""

    sheet: DocumentSheet
    key: tuple[Any, ...]
    cells: dict[str, tuple[Any, Any]]


def _lite(sheet: DocumentSheet, memo: dict[tuple[str, type, Any], Any]) -> _Shaped:
    """The shape of a lite build (Builder.build(lite=True)): its ``shape`` plus the kind of
    every written value; the cells as :func:`_shape` would find them in the full plan.
    ``memo``: tags of texts and formulas seen before (most repeat across orders)."""
    assert sheet.writes is not None and sheet.shape is not None
    cells: dict[str, tuple[Any, Any]] = {}
    tags: list[tuple[str, Any]] = []
    for addr, (kind, v) in sheet.writes.items():
        mk = (kind, type(v), v)
        t = memo.get(mk)
        if t is None:
            t = memo[mk] = _formula_tag(v) if kind == "f" else _tag(v)
        cells[addr] = (t, v)
        tags.append((addr, t))
    return _Shaped(sheet, ("lite", sheet.shape, tuple(tags)), cells)


def _shape(sheet: DocumentSheet) -> _Shaped:
    """The plan's shape (see module docstring) and the value each cell ends with."""
    key: list[Any] = []
    cells: dict[str, tuple[Any, Any]] = {}
    name = sheet.sheet
    for a in sheet.plan.actions:
        match a:
            case SetValues():
                if a.sheet != name:
                    raise Unsupported("a plan writes to another sheet")
                m = re.fullmatch(r"([A-Z]+)([0-9]+)", a.cell)
                if not m:
                    raise Unsupported(f"cell {a.cell}")
                c0, r0 = column_index(m.group(1)), int(m.group(2))
                tags = []
                for i, row in enumerate(a.values):
                    rt = []
                    for j, v in enumerate(row):
                        t = _tag(v)
                        rt.append(t)
                        cells[f"{column_letter(c0 + j)}{r0 + i}"] = (t, v)
                    tags.append(tuple(rt))
                key.append(("V", a.cell, tuple(tags)))
            case SetFormula():
                if a.sheet != name:
                    raise Unsupported("a plan writes to another sheet")
                t = _formula_tag(a.formula)
                cells[a.cell] = (t, a.formula)
                key.append(("F", a.cell, t))
            case NewSheet():
                if a.name != name:
                    raise Unsupported("a plan adds another sheet")
                key.append(("N", a.replace, a.tab_color, a.hidden))
            case (
                Align()
                | Border()
                | ColumnWidth()
                | Fill()
                | Font()
                | HideColumns()
                | Merge()
                | NumberFormat()
                | PageSetup()
                | RowHeight()
            ):
                # the same effect whatever the sheet is called: part of the shared template
                if a.sheet != name:
                    raise Unsupported("a plan styles another sheet")
                key.append((type(a).__name__, *(v for k, v in a.__dict__.items() if k != "sheet")))
            case (
                Note()
                | Hyperlink()
                | DefinedName()
                | FreezePanes()
                | DataValidationList()
                | Chart()
                | ClearMarks()
            ):
                # name the sheet or live outside the cells: the per-order openpyxl path writes them
                raise Unsupported(f"action {type(a).__name__}")
            case _:
                assert_never(a)
    return _Shaped(sheet, ("plan", *key), cells)


class Templates:
    """Groups built sheets by shape; ``templates`` go through openpyxl, ``expand`` makes
    every order's sheet from them (the ``expand`` hook of inject.graft)."""

    def __init__(
        self,
        built: Sequence[DocumentSheet],
        rebuild: Callable[[DocumentSheet], DocumentSheet] | None = None,
    ) -> None:
        """``built``: full or lite sheets; ``rebuild`` makes the full sheet of a lite one
        (only the first sheet of each shape is rebuilt: it becomes the template)."""
        memo: dict[tuple[str, type, Any], Any] = {}
        self.shaped = [_lite(b, memo) if b.writes is not None else _shape(b) for b in built]
        self.first: dict[tuple[Any, ...], int] = {}
        for k, s in enumerate(self.shaped):
            self.first.setdefault(s.key, k)
        for k in self.first.values():
            lite = self.shaped[k]
            if lite.sheet.writes is None:
                continue
            if rebuild is None:
                raise Unsupported("lite sheets and nothing to rebuild them with")
            full = _shape(rebuild(lite.sheet))
            if full.cells != lite.cells or full.sheet.sheet != lite.sheet.sheet:
                raise Unsupported(f"the lite build of {lite.sheet.sheet} does not match its plan")
            self.shaped[k] = _Shaped(full.sheet, lite.key, full.cells)

    @property
    def templates(self) -> list[DocumentSheet]:
        """One full built sheet per shape, in first-seen order (the scratch workbook's sheets)."""
        return [self.shaped[k].sheet for k in self.first.values()]

    def expand(self, converted: list[_ScratchSheet]) -> list[_ScratchSheet]:
        from openpyxl.utils import quote_sheetname

        if len(converted) != len(self.first):
            raise Unsupported("scratch workbook does not hold one sheet per template")
        parsed: dict[tuple[Any, ...], tuple[_ScratchSheet, _Shaped, list[Any]]] = {}
        for (key, k), conv in zip(self.first.items(), converted, strict=True):
            tpl = self.shaped[k]
            if conv.name != tpl.sheet.sheet:
                raise Unsupported("scratch sheet order")
            parsed[key] = (conv, tpl, _split(conv.xml.decode("utf-8")))
        out: list[_ScratchSheet] = []
        for s in self.shaped:
            conv, tpl, pieces = parsed[s.key]
            if s is tpl:
                out.append(conv)
                continue
            area = conv.print_area
            if area is not None:
                head = quote_sheetname(tpl.sheet.sheet) + "!"
                if not area.startswith(head):
                    raise Unsupported("print area")
                area = quote_sheetname(s.sheet.sheet) + "!" + area[len(head) :]
            out.append(_ScratchSheet(s.sheet.sheet, _render(pieces, tpl.cells, s.cells), area))
        return out


def _split(xml: str) -> list[Any]:
    """The template XML as text pieces and ``(addr, open_tag)`` markers for every cell with
    content (self-closing cells are empty in every order of the shape and stay text)."""
    pieces: list[Any] = []
    pos = 0
    for m in _CELL.finditer(xml):
        if m.group(2):
            continue
        end = xml.find("</c>", m.end())
        if end < 0:
            raise Unsupported("unclosed cell")
        pieces.append(xml[pos : m.end()])
        pieces.append((m.group(1), xml[m.end() : end]))
        pos = end
    pieces.append(xml[pos:])
    return pieces


def _render(
    pieces: list[Any], tpl: dict[str, tuple[Any, Any]], mine: dict[str, tuple[Any, Any]]
) -> bytes:
    """The template with each content cell whose value differs from the template's
    re-written for this order (same shape, so the same tag and the same open tag)."""
    parts: list[str] = []
    for p in pieces:
        if isinstance(p, str):
            parts.append(p)
            continue
        addr, inner = p
        t_tag, t_val = tpl.get(addr, (None, None))
        m_tag, m_val = mine.get(addr, (None, None))
        if m_tag != t_tag:
            raise Unsupported(f"cell {addr} changed type")
        if type(m_val) is type(t_val) and m_val == t_val:
            parts.append(inner)
        elif isinstance(m_tag, tuple) and m_tag[0] == "d":
            parts.append(_content("d", m_val))
        elif m_tag in ("f", "s", "n"):
            parts.append(_content(m_tag, m_val))
        else:
            raise Unsupported(f"cell {addr} cannot be substituted")
    return "".join(parts).encode("utf-8")


def scratch_bytes(templates: Sequence[DocumentSheet]) -> bytes:
    """The template sheets written by openpyxl (as gendocs does for the per-order path)."""
    import io

    import openpyxl

    from gendan.write.apply_openpyxl import apply_plan

    wb = openpyxl.Workbook()
    default = wb.worksheets[0]  # a new workbook: its one (active) sheet
    plan = Plan()
    for sheet in templates:
        plan.add(*sheet.plan.actions)
    apply_plan(plan, wb)
    wb.remove(default)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
