"""Carry out a Plan on an openpyxl Workbook: each action becomes one openpyxl call (or one
per cell of its range).  Thin on purpose — the meaning lives in the builders, which tests
check as plain data; this file only knows openpyxl.

Why the care with text: openpyxl's ``cell.value = "=SUM(A1)"`` makes a formula.  Values of
a ``SetValues`` are data from the user's cells (names, remarks, marks) and must never turn
into formulas — a remark typed as ``=HYPERLINK(...)`` or ``+86 535…`` stays text
(data type ``s``).  Formulas are written only by ``SetFormula``.

Style actions *merge* into a cell's current style (a Font action with ``bold=True`` keeps
the cell's font name and size), so builders can layer a base font, a style and a tweak.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, assert_never

from gendan.model.plan import (
    Action,
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

__all__ = ["apply_plan", "iter_cells"]

_FORMULA_STARTS = ("=", "+", "-", "@")
_PAPER = {"A4": 9, "A3": 8, "LETTER": 1, "LEGAL": 5}
_CM_PER_INCH = 2.54


def iter_cells(ws: Any, ref: str) -> Iterator[Any]:
    """Every cell of ``ref`` ('B3', 'A1:H4') on ``ws``."""
    if ":" not in ref:
        yield ws[ref]
        return
    for row in ws[ref]:
        yield from row


class _Styles:
    """Derived-style cache for one apply run.

    openpyxl stores a cell's font/alignment/border/fill as an index into a workbook-wide
    list, and ``cell.font = Font(...)`` hashes the new object to find its index — about
    0.1 ms per cell, which made a 600-sheet ``gendan docs --all`` spend a minute in style
    assignments.  A style action maps (current index, action) to the same new index for
    every cell, so it is computed once per distinct pair and then written as an index."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.memo: dict[tuple[Any, ...], int] = {}

    def restyle(self, cell: Any, attr: str, collection: str, key: Any, make: Any) -> None:
        from openpyxl.styles.cell_style import StyleArray

        style = getattr(cell, "_style", None)
        if style is None:
            cell._style = style = StyleArray()
        old = getattr(style, attr)
        k = (attr, old, key)
        new = self.memo.get(k)
        if new is None:
            table = getattr(self.wb, collection)
            new = table.add(make(table[old]))
            self.memo[k] = new
        setattr(style, attr, new)


def _style_key(a: Any) -> Any:
    """An action's style parameters without its sheet and range (shared across sheets)."""
    import dataclasses

    if dataclasses.is_dataclass(a):
        return (type(a).__name__,) + tuple(
            getattr(a, f.name) for f in dataclasses.fields(a) if f.name not in ("sheet", "ref")
        )
    return a


def _argb(color: str) -> str:
    c = color.lstrip("#").upper()
    return c if len(c) == 8 else "FF" + c


def _set_value(cell: Any, value: Any) -> None:
    if isinstance(value, str):  # control characters as _xHHHH_ (openpyxl refuses them raw)
        from gendan.model.sanitize import ooxml_escape

        value = ooxml_escape(value)
    cell.value = value
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"


def _new_sheet(wb: Any, a: NewSheet) -> None:
    if a.name in wb.sheetnames:
        if not a.replace:
            return
        idx = wb.sheetnames.index(a.name)
        del wb[a.name]
        ws = wb.create_sheet(a.name, idx)
    else:
        ws = wb.create_sheet(a.name)
    if a.tab_color:
        ws.sheet_properties.tabColor = _argb(a.tab_color)
    if a.hidden:
        ws.sheet_state = "hidden"


def _font(ws: Any, a: Font, styles: _Styles) -> None:
    from openpyxl.styles import Font as XFont

    def make(f: Any) -> Any:
        return XFont(
            name=a.name if a.name is not None else f.name,
            size=a.size if a.size is not None else f.size,
            bold=a.bold if a.bold is not None else f.bold,
            italic=a.italic if a.italic is not None else f.italic,
            color=_argb(a.color) if a.color is not None else f.color,
            underline=f.underline,
            strike=f.strike,
            vertAlign=f.vertAlign,
        )

    key = _style_key(a)
    for cell in iter_cells(ws, a.ref):
        styles.restyle(cell, "fontId", "_fonts", key, make)


def _align(ws: Any, a: Align, styles: _Styles) -> None:
    from openpyxl.styles import Alignment

    def make(al: Any) -> Any:
        return Alignment(
            horizontal=a.horizontal if a.horizontal is not None else al.horizontal,
            vertical=a.vertical if a.vertical is not None else al.vertical,
            wrap_text=a.wrap if a.wrap is not None else al.wrap_text,
            shrink_to_fit=al.shrink_to_fit,
            indent=al.indent,
        )

    key = _style_key(a)
    for cell in iter_cells(ws, a.ref):
        styles.restyle(cell, "alignmentId", "_alignments", key, make)


def _border(ws: Any, a: Border, styles: _Styles) -> None:
    from openpyxl.styles import Border as XBorder
    from openpyxl.styles import Side

    side = Side(style=a.style)

    def make(b: Any) -> Any:
        return XBorder(
            left=side if "left" in a.edges else b.left,
            right=side if "right" in a.edges else b.right,
            top=side if "top" in a.edges else b.top,
            bottom=side if "bottom" in a.edges else b.bottom,
        )

    key = _style_key(a)
    for cell in iter_cells(ws, a.ref):
        styles.restyle(cell, "borderId", "_borders", key, make)


def _merge(ws: Any, ref: str) -> None:
    """``ws.merge_cells`` without its border bookkeeping: openpyxl's MergedCellRange reads
    and re-writes the edge cells' borders through its style hashing (about 1 ms a merge,
    half of a 600-sheet run).  Plans set borders on the whole range themselves, and the
    writer needs only the range's coordinates."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.cell_range import CellRange

    cr = CellRange(ref)
    ws.merged_cells.add(cr)
    cells = cr.cells
    next(cells)
    for row, col in cells:
        ws._cells[row, col] = MergedCell(ws, row, col)


def _page_setup(ws: Any, a: PageSetup) -> None:
    if a.print_area:
        ws.print_area = a.print_area
    ws.page_setup.orientation = a.orientation
    ws.page_setup.paperSize = _PAPER.get(a.paper.upper(), 9)
    if a.fit_width is not None or a.fit_height is not None:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = a.fit_width if a.fit_width is not None else 0
        ws.page_setup.fitToHeight = a.fit_height if a.fit_height is not None else 0
    if a.margins_cm:
        left, right, top, bottom = (m / _CM_PER_INCH for m in a.margins_cm)
        ws.page_margins.left, ws.page_margins.right = left, right
        ws.page_margins.top, ws.page_margins.bottom = top, bottom
        ws.page_margins.header = min(0.3, top / 2)
        ws.page_margins.footer = min(0.3, bottom / 2)
    ws.print_options.horizontalCentered = a.center_horizontally


#: points per centimetre (the plan sizes charts in points, openpyxl in cm)
_PT_PER_CM = 72 / 2.54


def _chart(ws: Any, a: Chart) -> None:
    """A native bar chart whose series point at the cells (openpyxl writes ``c:numRef``;
    Excel and LibreOffice compute the bars from the cells when the book is opened)."""
    from openpyxl.chart import BarChart, Reference, Series
    from openpyxl.chart.data_source import NumFmt

    ch = BarChart()
    ch.type = "col" if a.kind == "col" else "bar"
    if a.kind == "stacked":
        ch.grouping, ch.overlap = "stacked", 100
    ch.title = a.title
    ch.style = 10
    for k, (name, values) in enumerate(a.series):
        s = Series(Reference(range_string=values), title=name)
        if k < len(a.colors):
            s.graphicalProperties.solidFill = a.colors[k].lstrip("#").upper()
            s.graphicalProperties.line.solidFill = a.colors[k].lstrip("#").upper()
        ch.series.append(s)
    ch.set_categories(Reference(range_string=a.categories))
    if a.kind != "col":  # the first category on top, as in the table; values stay below
        ch.x_axis.scaling.orientation = "maxMin"
        ch.y_axis.crosses = "max"  # (the value axis crosses the reversed one at its end)
    if a.number_format:
        ch.y_axis.numFmt = NumFmt(formatCode=a.number_format, sourceLinked=False)
    ch.x_axis.delete = ch.y_axis.delete = False  # openpyxl ≥ 3.1 hides axes unless told
    ch.legend.position = "b"
    # cm, fractions allowed (the stubs say int; openpyxl writes the EMUs from a float)
    ch.width = a.width / _PT_PER_CM  # type: ignore[assignment]
    ch.height = a.height / _PT_PER_CM
    ws.add_chart(ch, a.anchor)


def _clear_marks(wb: Any, a: ClearMarks) -> None:
    from gendan.write.marks_openpyxl import clear_marks_openpyxl

    clear_marks_openpyxl(wb, a.sheet)


def apply_plan(plan: Plan | Iterable[Action], wb: Any) -> Any:
    """Apply every action of ``plan`` to the openpyxl workbook ``wb``, in order; returns ``wb``.

    Actions on a sheet that does not exist (and is not created by the plan) are an error:
    a builder bug, not user data, so it is not silently skipped."""
    from openpyxl.comments import Comment
    from openpyxl.utils import column_index_from_string, get_column_letter
    from openpyxl.workbook.defined_name import DefinedName as XDefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    styles = _Styles(wb)
    sheets: dict[
        str, Any
    ] = {}  # wb[name] scans every sheet; a plan names one sheet thousands of times

    def sheet(name: str) -> Any:
        ws = sheets.get(name)
        if ws is None:
            ws = sheets[name] = wb[name]
        return ws

    for a in plan:
        match a:
            case NewSheet():
                _new_sheet(wb, a)
                sheets.clear()
            case DefinedName():
                dn = XDefinedName(a.name, attr_text=a.ref)
                if a.local_sheet:
                    wb[a.local_sheet].defined_names[a.name] = dn
                else:
                    wb.defined_names[a.name] = dn
            case ClearMarks():
                _clear_marks(wb, a)
            case SetValues():
                ws = sheet(a.sheet)
                top = ws[a.cell]
                r0, c0 = top.row, top.column
                for i, row in enumerate(a.values):
                    for j, v in enumerate(row):
                        _set_value(ws.cell(row=r0 + i, column=c0 + j), v)
            case SetFormula():
                sheet(a.sheet)[a.cell].value = (
                    a.formula if a.formula.startswith("=") else "=" + a.formula
                )
            case NumberFormat():
                for cell in iter_cells(sheet(a.sheet), a.ref):
                    cell.number_format = a.format
            case Fill():
                from openpyxl.styles import PatternFill

                fill = PatternFill(
                    fill_type="solid", fgColor=_argb(a.color), bgColor=_argb(a.color)
                )
                key = _style_key(a)
                for cell in iter_cells(sheet(a.sheet), a.ref):
                    styles.restyle(cell, "fillId", "_fills", key, lambda _old, f=fill: f)
            case Font():
                _font(sheet(a.sheet), a, styles)
            case Align():
                _align(sheet(a.sheet), a, styles)
            case Border():
                _border(sheet(a.sheet), a, styles)
            case Merge():
                _merge(sheet(a.sheet), a.ref)
            case ColumnWidth():
                sheet(a.sheet).column_dimensions[a.column].width = a.width
            case RowHeight():
                sheet(a.sheet).row_dimensions[a.row].height = a.height
            case Note():
                c = Comment(a.text, a.author)
                c.width, c.height = 320, 140
                sheet(a.sheet)[a.cell].comment = c
            case Hyperlink():
                cell = sheet(a.sheet)[a.cell]
                _set_value(cell, a.text)
                cell.hyperlink = "#" + a.target.lstrip("#")
                cell.style = "Hyperlink"
            case PageSetup():
                _page_setup(sheet(a.sheet), a)
            case FreezePanes():
                sheet(a.sheet).freeze_panes = a.cell
            case DataValidationList():
                dv = DataValidation(
                    type="list", formula1='"' + ",".join(a.values) + '"', allow_blank=a.allow_blank
                )
                if a.error:
                    dv.error, dv.errorTitle, dv.showErrorMessage = a.error, a.error_title, True
                sheet(a.sheet).add_data_validation(dv)
                dv.add(a.ref)
            case HideColumns():
                ws = sheet(a.sheet)
                first, _, last = a.ref.partition(":")
                lo = column_index_from_string(first)
                hi = column_index_from_string(last or first)
                for k in range(lo, hi + 1):
                    ws.column_dimensions[get_column_letter(k)].hidden = True
            case Chart():
                _chart(sheet(a.sheet), a)
            case _:
                # a new Action type: mypy flags it here, and the parity test at run time
                assert_never(a)
    return wb


# ----------------------------------------------------------------------------- fallback


def openpyxl_fallback(src: Any, target: Any, in_place: bool, why: str, apply: Any) -> None:
    """Write marks with openpyxl, for a package gendan.write.patch_marks does not handle (``why``).

    An openpyxl round trip rewrites every part and drops what it does not model, so it is
    allowed only when it provably loses nothing: before loading, the source may hold no
    formula with a saved result (openpyxl writes formulas without them), no worksheet
    extension (sparklines, data bars), and no more cells than ``max_write_cells``; after
    writing, every part kind, relationship kind and content type of the source must still
    be there (:func:`rewrite_losses`).  Otherwise OutputError (one sentence, zh + en) and
    nothing is written."""
    from pathlib import Path

    from gendan.write.safe_write import atomic_write, write_in_place

    src, target = Path(src), Path(target)
    reasons = rewrite_risks(src, why)
    if reasons:
        raise rewrite_refusal(src, reasons)
    from gendan.model.errors import UnreadableWorkbook
    from gendan.write.marks_openpyxl import load_for_marks

    try:
        wb = load_for_marks(src)
    except UnreadableWorkbook:
        raise rewrite_refusal(
            src, [(f"its package is incomplete or unusual: {why}", f"文件包不完整或不寻常：{why}")]
        ) from None
    apply(wb)

    def write(tmp: Path) -> None:
        wb.save(str(tmp))
        lost = rewrite_losses(src, tmp)
        if lost:
            raise rewrite_refusal(src, lost)

    if in_place:
        write_in_place(src, write)
    else:
        atomic_write(target, write, inputs=[src], allow_input=False)


Reason = tuple[str, str]  # (en, zh)


#: what is being written, for the refusal sentence: (en, zh)
MARKS = ("Marks", "标记")
DOCUMENTS = ("The document sheets", "单据")


def rewrite_refusal(src: Any, reasons: Sequence[Reason | str], what: Reason = MARKS) -> Any:
    """The one sentence (zh + en) refusing an openpyxl rewrite of ``src`` that would lose
    ``reasons`` (before it: :func:`rewrite_risks`; after it: :func:`rewrite_losses`)."""
    from gendan.model.errors import OutputError

    en = [r if isinstance(r, str) else r[0] for r in reasons]
    zh = [r if isinstance(r, str) else r[1] for r in reasons]
    more = len(reasons) > 6
    return OutputError(
        f"{what[0]} cannot be written into {src.name} without losing part of it "
        f"({'; '.join(en[:6])}{'; ...' if more else ''}); nothing was written.",
        f"无法在不丢失内容的情况下把{what[1]}写入 {src.name}（{'；'.join(zh[:6])}{'；……' if more else ''}）；未写入任何文件。",
    )


_NOT_XLSX = (
    "only .xlsx and .xlsm workbooks can carry marks: save it as .xlsx in Excel first",
    "只有 .xlsx 和 .xlsm 工作簿可以写入标记：请先在 Excel 中另存为 .xlsx",
)
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s>/]")


def rewrite_risks(src: Any, why: str) -> list[Reason]:
    """What an openpyxl rewrite of ``src`` would lose, seen before loading it."""
    import zipfile

    from gendan.read.gate import load_limits, open_checked

    if "Strict" in why:
        return [
            (
                "it is a Strict Open XML workbook: save it in Excel as an ordinary .xlsx first",
                "这是 Strict Open XML 工作簿：请先在 Excel 中另存为普通 .xlsx",
            )
        ]
    if not zipfile.is_zipfile(src) or src.suffix.lower() not in (".xlsx", ".xlsm"):
        return [_NOT_XLSX]
    info = open_checked(src)
    if info.format not in ("xlsx", "xlsm"):
        return [_NOT_XLSX]
    out: list[Reason] = []
    kept = sum(s.formulas - s.formulas_without_value for s in info.sheets)
    if kept:
        out.append((f"the saved results of {kept} formulas", f"{kept} 个公式的计算结果"))
    limit = load_limits().max_write_cells
    cells = 0
    ext = False
    with zipfile.ZipFile(src) as z:
        for s in info.sheets:
            try:
                fh = z.open(s.part)
            except KeyError:
                continue
            with fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    buf = tail + chunk
                    cut = buf.rfind(b"<")  # no cell tag is split at a '<'
                    cut = cut if cut > 0 else len(buf)
                    cells += len(_CELL_TAG.findall(buf, 0, cut))
                    ext = ext or b"extLst" in buf
                    tail = buf[cut:]
                cells += len(_CELL_TAG.findall(tail))
    if ext:
        out.append(
            ("worksheet extensions such as sparklines or data bars", "迷你图、数据条等工作表扩展")
        )
    if cells > limit:
        out.append(
            (
                f"{cells:,} cells, more than the {limit:,} a rewrite may build (max_write_cells)",
                f"{cells:,} 个单元格，超过重写允许的 {limit:,} 个（max_write_cells）",
            )
        )
    return out


def rewrite_losses(before: Any, after: Any) -> list[str]:
    """What ``after`` (a rewrite of ``before``) lacks: gendan.write.safe_write.parts_lost, plus
    every content type and relationship type of ``before`` by count."""
    import re
    import zipfile
    from collections import Counter

    from gendan.write.safe_write import parts_lost

    lost = list(parts_lost(before, after))

    def kinds(path: Any) -> tuple[Counter[str], Counter[str]]:
        types: Counter[str] = Counter()
        rels: Counter[str] = Counter()
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            ct = z.read("[Content_Types].xml").decode("utf-8", "replace")
            defaults = dict(re.findall(r'Extension="([^"]*)"\s+ContentType="([^"]*)"', ct))
            overrides = {
                k.lstrip("/").lower(): v
                for k, v in re.findall(r'PartName="([^"]*)"\s+ContentType="([^"]*)"', ct)
            }
            for n in names:
                if n.endswith(".rels"):
                    for t in re.findall(r'Type="([^"]*)"', z.read(n).decode("utf-8", "replace")):
                        rels[t.rsplit("/", 1)[-1]] += 1
                    continue
                t = overrides.get(n.lower()) or defaults.get(n.rsplit(".", 1)[-1].lower(), "")
                types[t.rsplit("/", 1)[-1]] += 1
        return types, rels

    bt, br = kinds(before)
    at, ar = kinds(after)
    for k, v in sorted((bt - at).items()):
        lost.append(f"{v} part(s) of type {k}")
    for k, v in sorted((br - ar).items()):
        lost.append(f"{v} relationship(s) of type {k}")
    return lost
