"""Write (or clear) check marks by patching the workbook package, not by re-saving it.

A marks plan (:func:`gendan.write.marks.plan_marks` / :func:`gendan.write.marks.plan_clear`) touches
few things: the style of the marked cells, their notes, and two sheets of the tool's own
(检查结果 and the hidden ledger).  :class:`MarksPatch` makes exactly those edits on a copy
of the package (:mod:`gendan.write.xlsx_patch`); every other part - formulas and their saved
results, sparklines, data bars, shapes, buttons, threaded comments, images, pivots,
tables, VBA, the ribbon, printer settings - is copied as it is.

What changes, and only that:

* a marked cell's ``s=`` points to a cell format derived from its own (fill replaced,
  ``applyFill="1"``); a cell that does not exist yet (a required value left blank) is
  added as ``<c r=".." s=".."/>``;
* the sheet's comments part and its legacy VML drawing gain the tool's notes (existing
  notes, threaded comments' notes and form buttons in the same VML are kept); a sheet that
  had none gets both, its ``<legacyDrawing>`` and two relationships;
* the styles part gains the fills, fonts and cell formats it lacked (never renumbered);
* 检查结果 and ``_gendan_marks`` are written as new worksheet parts (or replace the
  tool's earlier ones), with the workbook's sheet list, relationships and content types.

Clearing removes exactly that: the ledger remembers, per cell, the ``s`` it had (or that
gendan created the cell or its row), so a cell that still shows the tool's mark gets its
own format index back; a cell the user re-coloured since is left alone.  Notes, the
comments part, the VML and its relationships go when gendan's notes were all they held.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gendan.model.plan import (
    ClearMarks,
    ColumnWidth,
    Fill,
    Font,
    FreezePanes,
    Hyperlink,
    NewSheet,
    Note,
    Plan,
    SetValues,
)
from gendan.model.sanitize import looks_like_formula
from gendan.ooxml import MAIN, REL_NS, relative_target
from gendan.write.marks import (
    LEDGER_SHEET,
    LedgerEntry,
    ledger_from_rows,
)
from gendan.write.patch_notes import Notes
from gendan.write.xlsx_patch import (
    Package,
    SheetCells,
    Styles,
    Unsupported,
    attr,
    col_index,
    col_letter,
    split_ref,
    xstring,
)

__all__ = [
    "LEDGER_EXTRA",
    "MarksPatch",
    "annotate_package",
    "clear_package",
    "fills_package",
    "ledger_styles",
    "plan_package",
]

#: Columns the patch writer adds to the ledger (readers of the first four ignore them):
#: the cell's ``s`` before the mark ("" none, "+" gendan added the cell, "++" and its
#: row) and the ``s`` of the mark.
LEDGER_EXTRA = ("s_before", "s_mark")
_T = REL_NS + "/"
WS_TYPE = _T + "worksheet"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
_DEFAULT_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
    '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
Ref = tuple[int, int]


def ledger_styles(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, cell) -> (s_before, s_mark) from ledger rows the patch writer wrote."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for i, row in enumerate(rows):
        cells = ["" if v is None else str(v).strip() for v in list(row)[:6]]
        if i == 0 or len(cells) < 6 or not cells[0] or not cells[1] or not cells[5]:
            continue
        before, mark = cells[4], cells[5]
        if mark.endswith(".0"):  # a reader may give numbers back as floats
            mark = mark[:-2]
        if before.endswith(".0"):
            before = before[:-2]
        if mark.isdigit() and (before in ("", "+", "++") or before.isdigit()):
            out[(cells[0], cells[1].upper())] = (before, mark)
    return out


# ----------------------------------------------------------------------------- cells


@dataclass
class _Cell:
    exists: bool
    s: int | None  # the s attribute (None: absent)
    drop_row: bool = False


@dataclass
class _SheetPatch:
    """The edits of one marked sheet."""

    name: str
    part: str
    cells: SheetCells
    orig: dict[Ref, _Cell] = field(default_factory=dict)
    state: dict[Ref, _Cell] = field(default_factory=dict)
    _cols: dict[int, int] | None = None

    def load(self, ref: Ref) -> _Cell:
        got = self.state.get(ref)
        if got is None:
            loc = self.cells.cell(*ref)
            got = _Cell(loc is not None, loc.s if loc is not None else None)
            self.orig[ref] = _Cell(got.exists, got.s)
            self.state[ref] = got
        return got

    def inherited(self, ref: Ref) -> int:
        """The format an absent cell shows: its row's (customFormat), else its column's."""
        row = self.cells.row(ref[0])
        if row is not None and row.style is not None:
            return row.style
        if self._cols is None:
            self._cols = self.cells.cols_style()
        return self._cols.get(ref[1], 0)

    def effective(self, ref: Ref) -> int:
        c = self.load(ref)
        if c.exists:
            return c.s or 0
        return self.inherited(ref)

    def row_present(self, r: int) -> bool:
        """The row will exist in the output without gendan's cell in it."""
        if self.cells.row(r) is None:
            return False
        return not any(c.drop_row for (rr, _c), c in self.state.items() if rr == r)


# ----------------------------------------------------------------------------- tool sheets


@dataclass
class _ToolSheet:
    name: str
    hidden: bool = False
    tab_color: str | None = None
    values: dict[Ref, Any] = field(default_factory=dict)
    fonts: dict[Ref, dict[str, Any]] = field(default_factory=dict)
    fills: dict[Ref, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    freeze: str | None = None
    links: dict[Ref, str] = field(default_factory=dict)


def _cells_of(ref: str) -> list[Ref]:
    a, _, b = ref.partition(":")
    r1, c1 = split_ref(a)
    r2, c2 = split_ref(b) if b else (r1, c1)
    return [
        (r, c)
        for r in range(min(r1, r2), max(r1, r2) + 1)
        for c in range(min(c1, c2), max(c1, c2) + 1)
    ]


def _value_xml(ref: str, s: int, v: Any) -> str:
    st = f' s="{s}"' if s else ""
    if v is None or v == "":
        return f'<c r="{ref}"{st}/>' if s else ""
    if isinstance(v, bool):
        return f'<c r="{ref}"{st} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float)) and v == v and v not in (float("inf"), float("-inf")):
        return (
            f'<c r="{ref}"{st}><v>{v!r}</v></c>'
            if isinstance(v, float)
            else f'<c r="{ref}"{st}><v>{v}</v></c>'
        )
    text = str(v)
    if len(text) > 32767:
        text = text[:32767]
    return (
        f'<c r="{ref}"{st} t="inlineStr"><is><t xml:space="preserve">{xstring(text)}</t></is></c>'
    )


def _tool_sheet_xml(t: _ToolSheet, styles: Styles) -> bytes:
    """A complete worksheet part for one of the tool's sheets (inline strings, so the
    shared-strings part is never touched)."""
    fmt: dict[Ref, int] = {}
    memo: dict[tuple[Any, ...], int] = {}
    quoted = {
        ref for ref, v in t.values.items() if isinstance(v, str) and looks_like_formula(v)
    }  # text such as "=HYPERLINK(…)": quotePrefix, or F2+Enter makes it a formula
    for ref in set(t.fonts) | set(t.fills) | set(t.links) | quoted:
        f = t.fonts.get(ref, {})
        link = ref in t.links
        quote = ref in quoted
        key = (f.get("bold"), f.get("size"), f.get("color"), link, t.fills.get(ref), quote)
        got = memo.get(key)
        if got is None:
            font = (
                styles.font(
                    bold=bool(f.get("bold")),
                    size=f.get("size"),
                    color="0563C1" if link else f.get("color"),
                    underline=link,
                )
                if (f or link)
                else 0
            )
            fill = styles.solid_fill(t.fills[ref]) if ref in t.fills else 0
            got = memo[key] = styles.cell_format(font, fill, quote)
        fmt[ref] = got
    refs = sorted(set(t.values) | set(fmt))
    rows: dict[int, list[str]] = {}
    for r, c in refs:
        x = _value_xml(f"{col_letter(c)}{r}", fmt.get((r, c), 0), t.values.get((r, c)))
        if x:
            rows.setdefault(r, []).append(x)
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL_NS}">',
    ]
    if t.tab_color:
        out.append(f'<sheetPr><tabColor rgb="FF{t.tab_color.upper()}"/></sheetPr>')
    if refs:
        last_r = max(r for r, _c in refs)
        last_c = max(c for _r, c in refs)
        out.append(f'<dimension ref="A1:{col_letter(last_c)}{last_r}"/>')
    out.append('<sheetViews><sheetView workbookViewId="0">')
    if t.freeze:
        fr, fc = split_ref(t.freeze)
        pane = []
        if fc > 1:
            pane.append(f'xSplit="{fc - 1}"')
        if fr > 1:
            pane.append(f'ySplit="{fr - 1}"')
        active = "bottomRight" if fr > 1 and fc > 1 else ("bottomLeft" if fr > 1 else "topRight")
        if pane:
            out.append(
                f'<pane {" ".join(pane)} topLeftCell="{t.freeze}" activePane="{active}" state="frozen"/>'
                f'<selection pane="{active}" activeCell="{t.freeze}" sqref="{t.freeze}"/>'
            )
    out.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if t.widths:
        out.append("<cols>")
        for letters, w in sorted(t.widths.items(), key=lambda kv: col_index(kv[0])):
            k = col_index(letters)
            out.append(f'<col min="{k}" max="{k}" width="{w:g}" customWidth="1"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    for r in sorted(rows):
        out.append(f'<row r="{r}">{"".join(rows[r])}</row>')
    out.append("</sheetData>")
    if t.links:
        out.append("<hyperlinks>")
        for (r, c), target in sorted(t.links.items()):
            a1 = f"{col_letter(c)}{r}"
            shown = t.values.get((r, c))
            out.append(
                f'<hyperlink ref="{a1}" location={attr(target.lstrip("#"))}'
                + (f" display={attr(str(shown))}" if shown else "")
                + "/>"
            )
        out.append("</hyperlinks>")
    out.append(
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


# ----------------------------------------------------------------------------- the patch


class MarksPatch:
    """Apply a marks plan to a :class:`Package` (see the module docstring)."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        try:
            self.styles_part = pkg.styles_part()
            self.styles = Styles(pkg.text(self.styles_part))
            self.new_styles = False
        except Unsupported:
            if any(t.endswith("/styles") for _i, t, _x in pkg.rels(pkg.wb_part)):
                raise  # a styles part that is there but odd: not ours to replace
            # a package written without styles (minimal writers): the defaults Excel assumes
            self.styles_part = pkg.free_name(pkg.base + "/styles%d.xml").replace(
                "styles1.xml", "styles.xml"
            )
            self.styles = Styles(_DEFAULT_STYLES)
            self.new_styles = True
        self.sheets: dict[str, _SheetPatch] = {}
        #: sheet -> the rows the plan will touch: a big sheet part is then read through a
        #: window holding only these (gendan.write.sheet_window); others are read on demand
        self.rows: dict[str, set[int]] = {}
        self.marked: dict[tuple[str, str], tuple[str, str]] = {}
        self.notes = Notes(pkg)

    @property
    def dropped_notes(self) -> set[str]:
        """The tool's earlier notes this patch took away, as parts_lost words them."""
        return self.notes.dropped_notes

    # -- reading, before the plan
    def sheet(self, name: str) -> _SheetPatch | None:
        sp = self.sheets.get(name)
        if sp is None:
            entry = self.pkg.sheet(name)
            if entry is None or not entry.part or not self.pkg.has(entry.part):
                return None
            if not re.search(r"worksheet\+xml", self._content_type(entry.part)):
                return None  # a chart sheet or a dialog sheet carries no cells
            cells = (
                SheetCells(self.pkg.read(entry.part))
                if entry.part in self.pkg.changed
                else SheetCells.of(self.pkg.zin, entry.part, self.rows.get(name, ()))
            )
            sp = self.sheets[name] = _SheetPatch(name, entry.part, cells)
        return sp

    def _content_type(self, part: str) -> str:
        m = re.search(
            r'<(?:\w+:)?Override\b[^>]*PartName="/'
            + re.escape(part)
            + r'"[^>]*ContentType="([^"]*)"',
            self.pkg.ct,
            re.I,
        ) or re.search(
            r'<(?:\w+:)?Override\b[^>]*ContentType="([^"]*)"[^>]*PartName="/'
            + re.escape(part)
            + '"',
            self.pkg.ct,
            re.I,
        )
        return m.group(1) if m else "worksheet+xml"

    def expect(
        self, cells: Iterable[tuple[str, str]], old_ledger: Sequence[Sequence[Any]] = ()
    ) -> None:
        """Note the rows of ``cells`` and of the old ledger's cells (see ``rows``)."""
        for e in ledger_from_rows(old_ledger):
            cells = [*cells, (e.sheet, e.cell)]
        for sheet, cell in cells:
            try:
                self.rows.setdefault(sheet, set()).add(split_ref(cell)[0])
            except Unsupported:
                continue

    def anchors(self, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(sheet, cell) -> the top-left cell of the merged range it lies in (if not itself)."""
        out: dict[tuple[str, str], str] = {}
        merges: dict[str, list[tuple[int, int, int, int]]] = {}
        for sheet, cell in cells:
            sp = self.sheet(sheet)
            if sp is None:
                continue
            if sheet not in merges:
                merges[sheet] = sp.cells.merges()
            r, c = split_ref(cell)
            for r1, c1, r2, c2 in merges[sheet]:
                if r1 <= r <= r2 and c1 <= c <= c2 and (r, c) != (r1, c1):
                    out[(sheet, cell)] = f"{col_letter(c1)}{r1}"
                    break
        return out

    def fills(self, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        """The solid fill colour each cell shows now (``prior_fills`` of plan_marks)."""
        out: dict[tuple[str, str], str | None] = {}
        for sheet, cell in cells:
            sp = self.sheet(sheet)
            if sp is not None:
                out[(sheet, cell)] = self.styles.solid_rgb(sp.effective(split_ref(cell)))
        return out

    # -- applying
    def apply(self, plan: Plan, old_ledger: Sequence[Sequence[Any]] = ()) -> None:
        old = ledger_from_rows(old_ledger)
        exact = ledger_styles(old_ledger)
        tools: dict[str, _ToolSheet] = {}
        clears: list[str] = []
        fills: dict[str, list[Fill]] = {}
        notes: dict[str, list[Note]] = {}
        order: list[str] = []
        for a in plan:
            if isinstance(a, NewSheet):
                tools[a.name] = _ToolSheet(a.name, a.hidden, a.tab_color)
                continue
            if isinstance(a, ClearMarks):
                clears.append(a.sheet)
                order.append(a.sheet)
                continue
            sheet = getattr(a, "sheet", None)
            if sheet in tools:
                self._tool_action(tools[sheet], a)
            elif isinstance(a, Fill) and ":" not in a.ref:
                fills.setdefault(a.sheet, []).append(a)
                order.append(a.sheet)
            elif isinstance(a, Note):
                notes.setdefault(a.sheet, []).append(a)
                order.append(a.sheet)
            else:
                raise Unsupported(f"{type(a).__name__} on {sheet} is not a marks action")
        for name in dict.fromkeys(order):
            clear = name in clears
            self._mark_sheet(
                name,
                [e for e in old if e.sheet == name] if clear else [],
                exact,
                fills.get(name, []),
                notes.get(name, []),
                clear,
            )
        ledger = tools.get(LEDGER_SHEET)
        if ledger is not None:
            self._extend_ledger(ledger)
        for t in tools.values():
            self._write_tool_sheet(t)
        if self.new_styles:
            pkg = self.pkg
            pkg.add_rel(pkg.wb_part, _T + "styles", relative_target(pkg.wb_part, self.styles_part))
            pkg.wb_rels = pkg.text(pkg.rels_of(pkg.wb_part))
            pkg.add_override(self.styles_part, STYLES_CT)
        if self.styles.dirty or self.new_styles:
            self.pkg.put(self.styles_part, self.styles.to_xml())

    def _tool_action(self, t: _ToolSheet, a: Any) -> None:
        if isinstance(a, SetValues):
            r0, c0 = split_ref(a.cell)
            for i, row in enumerate(a.values):
                for j, v in enumerate(row):
                    t.values[(r0 + i, c0 + j)] = v
        elif isinstance(a, Font):
            for ref in _cells_of(a.ref):
                t.fonts[ref] = {"bold": a.bold, "size": a.size, "color": a.color}
        elif isinstance(a, Fill):
            for ref in _cells_of(a.ref):
                t.fills[ref] = a.color
        elif isinstance(a, FreezePanes):
            t.freeze = a.cell
        elif isinstance(a, ColumnWidth):
            t.widths[a.column] = a.width
        elif isinstance(a, Hyperlink):
            ref = split_ref(a.cell)
            t.values[ref] = a.text
            t.links[ref] = a.target
        else:
            raise Unsupported(f"{type(a).__name__} on the tool's sheet")

    def _extend_ledger(self, t: _ToolSheet) -> None:
        """Add the exact-restore columns to the ledger rows of the cells marked here."""
        t.values[(1, 5)], t.values[(1, 6)] = LEDGER_EXTRA
        for (r, c), v in list(t.values.items()):
            if c == 1 and r > 1:
                key = (str(v), str(t.values.get((r, 2), "")).upper())
                got = self.marked.get(key)
                if got is not None:
                    t.values[(r, 5)], t.values[(r, 6)] = got

    # -- one marked sheet
    def _mark_sheet(
        self,
        name: str,
        old: list[LedgerEntry],
        exact: Mapping[tuple[str, str], tuple[str, str]],
        fills: list[Fill],
        notes: list[Note],
        clear: bool,
    ) -> None:
        if not old and not fills and not notes and name not in self.sheets:
            entry = self.pkg.sheet(name)
            if entry is None or not self.notes.has_tool_notes(entry.part):
                return  # nothing of the tool's on it: the sheet part is not even read
        sp = self.sheet(name)
        if sp is None:
            return
        st = self.styles
        for e in old:
            try:
                ref = split_ref(e.cell)
            except Unsupported:
                continue
            self._restore(sp, ref, e, exact.get((name, e.cell)))
        for f in fills:
            ref = split_ref(f.ref)
            cell = sp.load(ref)
            if cell.exists:
                before = "" if cell.s is None else str(cell.s)
            else:
                before = "+" if sp.row_present(ref[0]) else "++"
            s = st.with_fill(sp.effective(ref), st.solid_fill(f.color))
            cell.exists, cell.s, cell.drop_row = True, s, False
            self.marked[(name, f.ref.upper())] = (before, str(s))
        self._cell_edits(sp)
        self.notes.apply(sp, notes, clear)
        if sp.cells.edits:
            self.pkg.put(sp.part, sp.cells.result())

    def _restore(
        self, sp: _SheetPatch, ref: Ref, e: LedgerEntry, exact: tuple[str, str] | None
    ) -> None:
        st = self.styles
        cell = sp.load(ref)
        now = sp.effective(ref)
        if exact is not None and cell.exists and cell.s == int(exact[1]):
            before, _mark = exact
            base = int(before) if before.isdigit() else (0 if before == "" else sp.inherited(ref))
            fill = st.find("fills", st.solid_fill_xml(e.mark))
            if fill is not None and st.xf(cell.s) == st.with_fill_xml(base, fill):
                if before.isdigit():
                    cell.s = int(before)
                elif before == "":
                    cell.s = None
                else:
                    cell.exists, cell.s, cell.drop_row = False, None, before == "++"
                return
        if st.solid_rgb(now) == e.mark:  # still the tool's colour: give the user's back
            fill = st.solid_fill(e.prior) if e.prior else 0
            cell.exists, cell.s = True, st.with_fill(now, fill)

    def _cell_edits(self, sp: _SheetPatch) -> None:
        sc = sp.cells
        new_cells: dict[int, list[tuple[int, int]]] = {}
        for ref, cell in sp.state.items():
            o = sp.orig[ref]
            r, c = ref
            if o.exists and cell.exists:
                if o.s != cell.s:
                    loc = sc.cell(r, c)
                    assert loc is not None
                    tag = sc.data[loc.start : loc.end]
                    if cell.s is None:
                        tag = re.sub(rb'\ss="\d+"', b"", tag, count=1)
                    elif o.s is None:
                        m = re.search(rb'\sr="[^"]*"', tag)
                        at = m.end() if m else len(sc.p) + 2
                        tag = tag[:at] + b' s="%d"' % cell.s + tag[at:]
                    else:
                        tag = re.sub(rb'\ss="\d+"', b' s="%d"' % cell.s, tag, count=1)
                    sc.edits.append((loc.start, loc.end, tag))
            elif o.exists and not cell.exists:
                loc = sc.cell(r, c)
                assert loc is not None
                row = sc.row(r)
                assert row is not None
                bare = loc.selfclosing and not re.search(
                    rb"\s(?!r=|s=)[\w:]+=", sc.data[loc.start : loc.end]
                )
                if not bare:  # the user filled the cell since: keep it, with the format it inherits
                    s = sp.inherited(ref)
                    tag = re.sub(
                        rb'\ss="\d+"',
                        b"" if not s else b' s="%d"' % s,
                        sc.data[loc.start : loc.end],
                        count=1,
                    )
                    sc.edits.append((loc.start, loc.end, tag))
                elif (
                    cell.drop_row
                    and sc.data[row.end : row.close].strip()
                    == sc.data[loc.start : loc.close].strip()
                ):
                    end = row.close + len(sc.p) + 6
                    sc.edits.append((row.start, end, b""))
                else:
                    sc.edits.append((loc.start, loc.close, b""))
            elif not o.exists and cell.exists:
                new_cells.setdefault(r, []).append((c, cell.s or 0))
        if not new_cells:
            return
        p = sc.p.decode()
        import bisect

        for r in sorted(new_cells):
            made = "".join(
                f'<{p}c r="{col_letter(c)}{r}" s="{s}"/>' for c, s in sorted(new_cells[r])
            )
            row = sc.row(r)
            if row is not None:
                if row.selfclosing:
                    tag = sc.data[row.start : row.end]
                    sc.edits.append(
                        (
                            row.start,
                            row.end,
                            tag[:-2].rstrip() + b">" + made.encode() + f"</{p}row>".encode(),
                        )
                    )
                    continue
                cells = sc.cells(r)
                firsts = sorted(cells)
                groups: dict[int, list[str]] = {}
                for c, s in sorted(new_cells[r]):
                    after = next((k for k in firsts if k > c), None)
                    pos = cells[after].start if after is not None else row.close
                    groups.setdefault(pos, []).append(f'<{p}c r="{col_letter(c)}{r}" s="{s}"/>')
                for pos, xs in groups.items():
                    sc.edits.append((pos, pos, "".join(xs).encode()))
                continue
            rows = sc.rows()
            order = sorted(rows)
            k = bisect.bisect_right(order, r)
            row_xml = f'<{p}row r="{r}">{made}</{p}row>'.encode()
            if k < len(order):
                pos = rows[order[k]].start
                sc.edits.append((pos, pos, row_xml))
            elif sc.sd_tag[2]:
                start, end, _ = sc.sd_tag
                sc.edits.append(
                    (
                        start,
                        end,
                        sc.data[start : end - 2].rstrip()
                        + b">"
                        + row_xml
                        + f"</{p}sheetData>".encode(),
                    )
                )
                sc.sd_tag = (start, end, False)  # later rows join this insertion
            else:
                sc.edits.append((sc.sd_close, sc.sd_close, row_xml))
        # insertions at one place keep their order (rows, then cells, ascending)
        sc.edits = _merge_same_place(sc.edits)

    # -- tool sheets
    def _write_tool_sheet(self, t: _ToolSheet) -> None:
        pkg = self.pkg
        xml = _tool_sheet_xml(t, self.styles)
        entry = pkg.sheet(t.name)
        if entry is not None and entry.part and pkg.has(entry.part):
            pkg.put(entry.part, xml)
            rels = pkg.rels_of(entry.part)
            if pkg.has(rels):
                pkg.put(rels, None)  # the tool's old sheet: its links were to itself
            tag = entry.tag
            new = re.sub(r'\s+state="[^"]*"', "", tag)
            if t.hidden:
                new = new.replace(f"<{pkg.p}sheet ", f'<{pkg.p}sheet state="hidden" ', 1)
            if new != tag:
                pkg.wb = pkg.wb.replace(tag, new, 1)
                entry.tag = new
            return
        if pkg.r is None:
            raise Unsupported("workbook part does not declare the relationships namespace")
        part = pkg.free_name(pkg.base + "/worksheets/sheet%d.xml")
        pkg.put(part, xml)
        rel_target = part[len(pkg.base) + 1 :] if pkg.base else part
        rid = pkg.add_rel(pkg.wb_part, WS_TYPE, rel_target)
        pkg.wb_rels = pkg.text(pkg.rels_of(pkg.wb_part))
        pkg.add_override(part, WS_CT)
        sheet_id = max([s.sheet_id for s in pkg.sheets] + [0]) + 1
        state = ' state="hidden"' if t.hidden else ""
        tag = f'<{pkg.p}sheet name={attr(t.name)} sheetId="{sheet_id}"{state} {pkg.r}:id="{rid}"/>'
        p = re.escape(pkg.p)
        m = re.search(rf"</{p}sheets>", pkg.wb)
        if m is None:
            raise Unsupported("no sheets element")
        pkg.wb = pkg.wb[: m.start()] + tag + pkg.wb[m.start() :]
        from gendan.write.xlsx_patch import SheetEntry

        pkg.sheets.append(
            SheetEntry(t.name, part, rid, sheet_id, "hidden" if t.hidden else None, tag)
        )


def _merge_same_place(edits: list[tuple[int, int, bytes]]) -> list[tuple[int, int, bytes]]:
    """Join zero-width insertions at one offset, in the order they were made."""
    out: list[tuple[int, int, bytes]] = []
    at: dict[int, int] = {}
    for e in edits:
        if e[0] == e[1] and e[0] in at:
            i = at[e[0]]
            out[i] = (e[0], e[1], out[i][2] + e[2])
            continue
        if e[0] == e[1]:
            at[e[0]] = len(out)
        out.append(e)
    return out


# ----------------------------------------------------------------------------- entry points


def annotate_package(
    src: Any,
    out: Any,
    report: Any,
    data: Any,
    lang: str = "zh",
    as_of: dt.date | None = None,
    compresslevel: int | None = 1,
) -> MarksPatch:
    """Write ``src`` with ``report``'s marks to ``out`` (a new file).  ``data`` is the
    workbook as read (sheet names and the old ledger).  Raises Unsupported for a package
    this patching does not handle."""
    from gendan.write.marks import finding_cells, plan_marks

    pkg = Package(src)
    try:
        patch = MarksPatch(pkg)
        cells = finding_cells(report)
        patch.expect(cells, _ledger_rows(data))
        anchors = patch.anchors(cells)
        at = [(s, anchors.get((s, c), c)) for s, c in cells]
        plan = plan_marks(report, data, lang, patch.fills(at), as_of=as_of, anchors=anchors)
        patch.apply(plan, _ledger_rows(data))
        pkg.write(out, compresslevel)
    finally:
        pkg.close()
    return patch


def clear_package(
    src: Any, out: Any, data: Any, lang: str = "zh", compresslevel: int | None = 1
) -> MarksPatch:
    """Write ``src`` without the tool's marks to ``out`` (see :func:`gendan.write.marks.plan_clear`)."""
    from gendan.write.marks import plan_clear

    pkg = Package(src)
    try:
        patch = MarksPatch(pkg)
        patch.expect((), _ledger_rows(data))
        patch.apply(plan_clear(data, lang), _ledger_rows(data))
        pkg.write(out, compresslevel)
    finally:
        pkg.close()
    return patch


def plan_package(
    src: Any, out: Any, plan: Plan, data: Any, compresslevel: int | None = 1
) -> MarksPatch:
    """Write ``src`` with a plan already made (the ribbon's check and clear through the
    headless file host) to ``out``.  Raises Unsupported for an action that is not a mark
    (a document sheet's formulas, merges...) or a package this patching does not handle."""
    pkg = Package(src)
    try:
        patch = MarksPatch(pkg)
        patch.expect(
            [
                (a.sheet, a.ref if isinstance(a, Fill) else a.cell)
                for a in plan
                if isinstance(a, (Fill, Note))
            ],
            _ledger_rows(data),
        )
        patch.apply(plan, _ledger_rows(data))
        pkg.write(out, compresslevel)
    finally:
        pkg.close()
    return patch


def fills_package(src: Any, cells: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
    """The solid fill each cell of ``src`` shows (``prior_fills`` of plan_marks), read from
    the package: the sheet parts of the cells and the styles part, nothing else."""
    pkg = Package(src)
    try:
        return MarksPatch(pkg).fills(cells)
    finally:
        pkg.close()


def _ledger_rows(data: Any) -> list[Sequence[Any]]:
    grid = data.get(LEDGER_SHEET) if data is not None else None
    return [list(r) for r in grid.rows] if grid is not None else []
