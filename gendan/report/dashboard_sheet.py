"""The 看板 sheet as package parts: cells, a drawing and one native chart per block.

Why native charts written as XML, and why patching: the sheet goes into the team's own
workbook, which is never loaded and saved with openpyxl (that drops what it does not
model).  Like :mod:`gendan.native.patch`, the sheet, its drawing, its chart parts, their
relationships and content types are added to the package (:class:`gendan.write.xlsx_patch.Package`)
and every other part is copied byte for byte.  A second run replaces gendan's own 看板
(recognised by :data:`MARK` in its first cells) with its drawing and charts; a sheet of the
user's called 看板 is left alone and gendan writes ``看板 gendan``.

Every chart series points at the cells of the table beside it (``c:strRef``/``c:numRef``)
and carries the values as its cache (``c:strCache``/``c:numCache``), so the charts show
without a recalculation and stay live and editable in Excel.

The same builder makes the stand-alone books the PDF and the PNG pictures are rendered
from (:func:`standalone_book`): only the dashboard, or one chart per sheet over a hidden
data sheet.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from gendan.model.grid import column_letter
from gendan.model.plan import quote_ref
from gendan.report.dashboard import COUNT, MONEY, PERCENT, Block, Dashboard, Series
from gendan.write.xlsx_patch import Package, Styles, Unsupported, xstring

__all__ = [
    "MARK",
    "SHEET",
    "Placed",
    "SheetLayout",
    "axis_format",
    "charted_series",
    "layout",
    "patch_dashboard",
    "sheet_layout",
    "standalone_book",
]

SHEET = "看板"
MARK = "跟单 gendan 看板"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
WS_TYPE = REL_NS + "/worksheet"
DRAWING_TYPE = REL_NS + "/drawing"
CHART_TYPE = REL_NS + "/chart"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"

#: chart grid: charts per row, columns and rows each chart spans
PER_ROW, CHART_COLS, CHART_ROWS = 4, 5, 18
FIRST_CHART_ROW = 4  # 1-based: title in row 1, the mark and the as-of date in row 2
COL_WIDTH = 12.0
WIDE_COL = 22.0  # the first column of each stack of tables (stages, customers)
#: the series colours (Office's palette)
COLORS = ("4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E", "636363")
#: aging colours: not due green … > 90 days dark red, unknown grey
AGING_COLORS = ("70AD47", "FFC000", "ED7D31", "C00000", "7F0000", "A5A5A5")
_FMT_CODE = {COUNT: "#,##0", MONEY: "#,##0.00", PERCENT: "0%"}
_NUMFMT_ID = {COUNT: 3, MONEY: 4, PERCENT: 9}


@dataclass(frozen=True, slots=True)
class Placed:
    """A block's table on the sheet: its title at (``row``, ``col``), 1-based; the header
    row below it, then one row per category."""

    block: Block
    row: int
    col: int

    @property
    def categories(self) -> tuple[str, ...]:
        return self.block.categories or ("（无 none）",)

    @property
    def header_row(self) -> int:
        return self.row + 1

    @property
    def first(self) -> int:
        return self.row + 2

    @property
    def last(self) -> int:
        return self.first + len(self.categories) - 1

    def series_col(self, k: int) -> int:
        return self.col + 1 + k

    def height(self) -> int:
        return 3 + len(self.categories)

    def width(self) -> int:
        return 1 + len(self.block.series)


def ref(sheet: str, col: int, r1: int, r2: int | None = None) -> str:
    """An absolute reference ``'sheet'!$B$3:$B$9`` (the sheet name always quoted)."""
    c = column_letter(col)
    return quote_ref(sheet, f"${c}${r1}" if r2 is None or r2 == r1 else f"${c}${r1}:${c}${r2}")


def layout(dash: Dashboard, first_row: int) -> list[Placed]:
    """The tables from ``first_row`` down, two side by side (the blocks in order, left,
    right, left …), each pair starting on one row so that their header rows (taller, the
    headers wrap) are the same rows: they print on one page below the charts."""
    blocks = list(dash.blocks)
    left = blocks[0::2]
    left_w = max([1 + len(b.series) for b in left] + [CHART_COLS * 2 - 1])
    out: list[Placed] = []
    r = first_row
    for k in range(0, len(blocks), 2):
        pair = [Placed(blocks[k], r, 1)]
        if k + 1 < len(blocks):
            pair.append(Placed(blocks[k + 1], r, left_w + 2))
        out += pair
        r += max(p.height() for p in pair) + 1
    return out


def chart_anchors(n: int) -> list[tuple[int, int]]:
    """(column, row), 0-based, of the top left corner of each of ``n`` charts."""
    return [
        ((k % PER_ROW) * CHART_COLS, FIRST_CHART_ROW - 1 + (k // PER_ROW) * CHART_ROWS)
        for k in range(n)
    ]


# ----------------------------------------------------------------------------- cells


class _Cells:
    """The sheet's cells, row by row, as XML text."""

    def __init__(self, styles: dict[str, int]) -> None:
        self.rows: dict[int, dict[int, str]] = {}
        self.heights: dict[int, float] = {}
        self.s = styles

    def text(self, r: int, c: int, v: str, style: str = "") -> None:
        st = f' s="{self.s[style]}"' if style else ""
        self.rows.setdefault(r, {})[c] = (
            f'<c r="{column_letter(c)}{r}" t="inlineStr"{st}><is><t xml:space="preserve">{xstring(v)}</t></is></c>'
        )

    def number(self, r: int, c: int, v: float, kind: str) -> None:
        st = f' s="{self.s[kind]}"' if kind in self.s else ""
        self.rows.setdefault(r, {})[c] = f'<c r="{column_letter(c)}{r}"{st}><v>{_num(v)}</v></c>'

    def xml(self) -> str:
        out = []
        for r in sorted(self.rows):
            cells = self.rows[r]
            ht = f' ht="{self.heights[r]}" customHeight="1"' if r in self.heights else ""
            out.append(f'<row r="{r}"{ht}>' + "".join(cells[c] for c in sorted(cells)) + "</row>")
        return "".join(out)


def _num(v: float) -> str:
    return repr(float(v)) if isinstance(v, float) and not float(v).is_integer() else str(int(v))


def _put_tables(cells: _Cells, placed: Sequence[Placed]) -> None:
    for p in placed:
        b = p.block
        cells.text(p.row, p.col, b.title, "title2")
        cells.text(p.header_row, p.col, b.category_header, "head")
        cells.heights[p.header_row] = 30.0
        for k, s in enumerate(b.series):
            cells.text(p.header_row, p.series_col(k), s.name, "head")
        for j, cat in enumerate(p.categories):
            r = p.first + j
            cells.text(r, p.col, cat)
            for k, s in enumerate(b.series):
                v = s.values[j] if j < len(s.values) else None
                if v is None or v == "":
                    continue
                if isinstance(v, str):
                    cells.text(r, p.series_col(k), v)
                else:
                    cells.number(r, p.series_col(k), v, s.kind)


def sheet_xml(
    cells: _Cells,
    *,
    ncols: int,
    drawing_rid: str | None,
    break_after: int | None,
    fit_width: bool = False,
    wide: Sequence[int] = (),
) -> str:
    widths = [COL_WIDTH] * ncols
    for c in wide:
        if 0 < c <= ncols:
            widths[c - 1] = WIDE_COL
    cols = (
        "<cols>"
        + "".join(
            f'<col min="{k}" max="{k}" width="{w}" customWidth="1"/>'
            for k, w in enumerate(widths, 1)
        )
        + "</cols>"
    )
    # fit to the page's width (any number of pages down): the charts one page, the tables the next
    fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if fit_width else ""
    setup = '<pageSetup paperSize="9" orientation="landscape"'
    if fit_width:
        setup += ' fitToWidth="1" fitToHeight="0"'
    setup += "/>"
    brk = (
        f'<rowBreaks count="1" manualBreakCount="1"><brk id="{break_after}" max="16383" man="1"/></rowBreaks>'
        if break_after
        else ""
    )
    drawing = f'<drawing r:id="{drawing_rid}"/>' if drawing_rid else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL_NS}">'
        f'{fit}<sheetViews><sheetView workbookViewId="0" zoomScale="90" zoomScaleNormal="90"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData>{cells.xml()}</sheetData>'
        '<pageMargins left="0.4" right="0.4" top="0.4" bottom="0.4" header="0.2" footer="0.2"/>'
        f"{setup}{brk}{drawing}</worksheet>"
    )


# ----------------------------------------------------------------------------- charts


def _rich(text: str, size: int, bold: bool) -> str:
    b = ' b="1"' if bold else ' b="0"'
    return (
        f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"{b}/></a:pPr>'
        f'<a:r><a:rPr lang="zh-CN" sz="{size}"{b}/><a:t>{xstring(text)}</a:t></a:r></a:p></c:rich></c:tx>'
    )


def _str_cache(values: Sequence[str]) -> str:
    pts = "".join(f'<c:pt idx="{i}"><c:v>{xstring(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strCache><c:ptCount val="{len(values)}"/>{pts}</c:strCache>'


def _num_cache(values: Sequence[object], fmt: str) -> str:
    pts = "".join(
        f'<c:pt idx="{i}"><c:v>{_num(v)}</c:v></c:pt>'
        for i, v in enumerate(values)
        if isinstance(v, (int, float))
    )
    return f'<c:numCache><c:formatCode>{escape(fmt)}</c:formatCode><c:ptCount val="{len(values)}"/>{pts}</c:numCache>'


def chart_xml(p: Placed, data_sheet: str) -> str:
    """The chart of a placed block: one series per charted column of its table."""
    b = p.block
    horizontal = b.chart in ("bar", "stacked")
    stacked = b.chart == "stacked"
    cats = p.categories
    cat_ref = ref(data_sheet, p.col, p.first, p.last)
    sers = []
    fmt = axis_format(p)
    for n, (col, s, color) in enumerate(charted_series(p)):
        sers.append(
            f'<c:ser><c:idx val="{n}"/><c:order val="{n}"/>'
            f"<c:tx><c:strRef><c:f>{escape(ref(data_sheet, col, p.header_row))}</c:f>{_str_cache([s.name])}</c:strRef></c:tx>"
            f'<c:spPr><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></c:spPr>'
            '<c:invertIfNegative val="0"/>'
            f"<c:cat><c:strRef><c:f>{escape(cat_ref)}</c:f>{_str_cache(cats)}</c:strRef></c:cat>"
            f"<c:val><c:numRef><c:f>{escape(ref(data_sheet, col, p.first, p.last))}</c:f>"
            f"{_num_cache(tuple(s.values) + (None,) * (len(cats) - len(s.values)), _FMT_CODE.get(s.kind, 'General'))}</c:numRef></c:val></c:ser>"
        )
    bar = (
        f'<c:barChart><c:barDir val="{"bar" if horizontal else "col"}"/>'
        f'<c:grouping val="{"stacked" if stacked else "clustered"}"/><c:varyColors val="0"/>'
        + "".join(sers)
        + f'<c:gapWidth val="{60 if stacked else 80}"/>'
        + ('<c:overlap val="100"/>' if stacked else "")
        + '<c:axId val="5001"/><c:axId val="5002"/></c:barChart>'
    )
    small = '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="800"/></a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
    cat_ax = (
        '<c:catAx><c:axId val="5001"/><c:scaling><c:orientation val="'
        + ("maxMin" if horizontal else "minMax")
        + f'"/></c:scaling><c:delete val="0"/><c:axPos val="{"l" if horizontal else "b"}"/>'
        '<c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/>'
        f'<c:tickLblPos val="low"/>{small}<c:crossAx val="5002"/><c:crosses val="autoZero"/><c:auto val="1"/>'
        '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
    )
    val_ax = (
        '<c:valAx><c:axId val="5002"/><c:scaling><c:orientation val="minMax"/>'
        + ('<c:max val="1"/>' if fmt == "0%" else "")
        + f'<c:min val="0"/></c:scaling><c:delete val="0"/><c:axPos val="{"b" if horizontal else "l"}"/><c:majorGridlines/>'
        f'<c:numFmt formatCode="{escape(fmt)}" sourceLinked="0"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{small}<c:crossAx val="5001"/>'
        '<c:crosses val="'
        + ("max" if horizontal else "autoZero")
        + '"/><c:crossBetween val="between"/></c:valAx>'
    )
    legend = '<c:legend><c:legendPos val="b"/><c:overlay val="0"/>' + small + "</c:legend>"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{REL_NS}"><c:roundedCorners val="0"/>'
        f'<c:chart><c:title>{_rich(b.title, 1000, True)}<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        f"<c:plotArea><c:layout/>{bar}{cat_ax}{val_ax}</c:plotArea>{legend}"
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        '<c:spPr><a:solidFill><a:srgbClr val="FFFFFF"/></a:solidFill><a:ln><a:solidFill><a:srgbClr val="D9D9D9"/>'
        "</a:solidFill></a:ln></c:spPr></c:chartSpace>"
    )


def charted_series(p: Placed) -> list[tuple[int, Series, str]]:
    """The series a block's chart shows: (their column on the sheet, the series, its
    colour).  One answer for the chart parts and the chart actions of the plan."""
    b = p.block
    palette = AGING_COLORS if b.key == "receivables" else COLORS
    out = []
    for n, (k, s) in enumerate((k, s) for k, s in enumerate(b.series) if s.charted):
        color = _aging_color(s.name, n) if b.key == "receivables" else palette[n % len(palette)]
        out.append((p.series_col(k), s, color))
    return out


def axis_format(p: Placed) -> str:
    """The value axis' number format: the series' own when they share one, whole numbers
    for money too (the cells keep the cents)."""
    kinds = {s.kind for s in p.block.charted()}
    fmt = _FMT_CODE.get(kinds.pop(), "General") if len(kinds) == 1 else "General"
    return "#,##0" if fmt == _FMT_CODE[MONEY] else fmt


def number_format(kind: str) -> str | None:
    """The cells' number format of a series kind (None: General)."""
    return _FMT_CODE.get(kind)


def _aging_color(name: str, n: int) -> str:
    if "Not due" in name:
        return AGING_COLORS[0]
    if "unknown" in name:
        return AGING_COLORS[5]
    return AGING_COLORS[min(1 + max(n - 1, 0), 4)] if n else AGING_COLORS[1]


def drawing_xml(anchors: Sequence[tuple[int, int, str]]) -> str:
    """The drawing: one graphic frame per chart, (column, row, relationship id) of its
    top left corner."""
    parts = []
    for k, (c, r, rid) in enumerate(anchors):
        parts.append(
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{c}</xdr:col><xdr:colOff>38100</xdr:colOff><xdr:row>{r}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{c + CHART_COLS}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{r + CHART_ROWS - 1}</xdr:row>"
            "<xdr:rowOff>152400</xdr:rowOff></xdr:to>"
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{k + 2}" name="gendan chart {k + 1}"/>'
            '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" xmlns:r="{REL_NS}" r:id="{rid}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">{"".join(parts)}</xdr:wsDr>'
    )


# ----------------------------------------------------------------------------- package


def _styles(pkg: Package) -> dict[str, int]:
    """Cell formats for titles, headers and numbers (appended to the styles part, or an
    identical one reused)."""
    part = pkg.styles_part()
    st = Styles(pkg.text(part))
    p = st.p
    title = st.font(bold=True, size=16)
    title2 = st.font(bold=True, size=12)
    head = st.font(bold=True)
    out = {
        "title": st.cell_format(title, 0),
        "title2": st.cell_format(title2, 0),
        # headers wrap (two lines, zh above en) in a taller row
        "head": st.index(
            "cellXfs",
            f'<{p}xf numFmtId="0" fontId="{head}" fillId="{st.solid_fill("D9E1F2")}" borderId="0" xfId="0" '
            f'applyFont="1" applyFill="1" applyAlignment="1"><{p}alignment vertical="top" wrapText="1"/></{p}xf>',
        ),
    }
    for kind, fid in _NUMFMT_ID.items():
        out[kind] = st.index(
            "cellXfs",
            f'<{p}xf numFmtId="{fid}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
        )
    if st.dirty:
        pkg.put(part, st.to_xml())
    return out


def _drop_sheet_parts(pkg: Package, part: str) -> None:
    """Remove the drawing and charts gendan put on its 看板 part (and the part's rels)."""
    for _rid, typ, target in pkg.rels(part):
        if typ == DRAWING_TYPE and pkg.has(target):
            for _r2, t2, chart in pkg.rels(target):
                if t2 == CHART_TYPE and pkg.has(chart):
                    for _r3, _t3, sub in pkg.rels(chart):  # a chart's own colours/style parts
                        if pkg.has(sub):
                            pkg.put(sub, None)
                            pkg.remove_override(sub)
                    if pkg.has(Package.rels_of(chart)):
                        pkg.put(Package.rels_of(chart), None)
                    pkg.put(chart, None)
                    pkg.remove_override(chart)
            if pkg.has(Package.rels_of(target)):
                pkg.put(Package.rels_of(target), None)
            pkg.put(target, None)
            pkg.remove_override(target)
    if pkg.has(Package.rels_of(part)):
        pkg.put(Package.rels_of(part), None)


def _free_name(pkg: Package, pattern: str) -> str:
    """The first ``pattern % k`` that is no part of the package now: the names of the
    parts of an earlier 看板, removed by this run, are taken again (a second run leaves
    the same part names)."""
    low = {n.lower() for n in pkg.names if pkg.has(n)} | {
        n.lower() for n, d in pkg.changed.items() if d is not None
    }
    k = 1
    while (pattern % k).lower() in low:
        k += 1
    return pattern % k


def _sheet_part(pkg: Package, name: str, hidden: bool = False) -> tuple[str, str]:
    """The part of gendan's sheet ``name`` (its old drawing and charts removed), or a new
    one; returns (part, the name used)."""
    for cand in (name, f"{name} gendan"):
        entry = pkg.sheet(cand)
        if entry is None:
            if any(s.name.casefold() == cand.casefold() for s in pkg.sheets):
                continue
            part = _free_name(pkg, f"{pkg.base}/worksheets/sheet%d.xml")
            rid = pkg.add_rel(pkg.wb_part, WS_TYPE, posixpath.relpath(part, pkg.base))
            end = re.search(rf"</{re.escape(pkg.p)}sheets>", pkg.wb)
            if end is None or pkg.r is None:
                raise Unsupported("workbook part without sheets or relationships namespace")
            sid = max([s.sheet_id for s in pkg.sheets] or [0]) + 1
            state = ' state="hidden"' if hidden else ""
            tag = (
                f'<{pkg.p}sheet name={quoteattr(cand)} sheetId="{sid}"{state} {pkg.r}:id="{rid}"/>'
            )
            pkg.wb = pkg.wb[: end.start()] + tag + pkg.wb[end.start() :]
            pkg.add_override(part, WS_CT)
            pkg.wb_rels = pkg.text(pkg.wb_rels_part)
            pkg.sheets = pkg._sheets()
            return part, cand
        if entry.part and pkg.has(entry.part) and MARK in pkg.text(entry.part)[:4000]:
            _drop_sheet_parts(pkg, entry.part)
            return entry.part, cand
    raise Unsupported(f"no free name for the sheet {name}")


def _add_charts(
    pkg: Package, sheet_part: str, charts: Sequence[tuple[int, int, str]]
) -> str | None:
    """Write the chart parts and the drawing; returns the drawing's relationship id."""
    if not charts:
        return None
    drawing = _free_name(pkg, "xl/drawings/drawing%d.xml")
    pkg.put(drawing, b"")  # reserve the name before the charts take theirs
    anchors = []
    for c, r, xml in charts:
        chart = _free_name(pkg, "xl/charts/chart%d.xml")
        pkg.put(chart, xml)
        pkg.add_override(chart, CHART_CT)
        rid = pkg.add_rel(drawing, CHART_TYPE, posixpath.relpath(chart, posixpath.dirname(drawing)))
        anchors.append((c, r, rid))
    pkg.put(drawing, drawing_xml(anchors))
    pkg.add_override(drawing, DRAWING_CT)
    return pkg.add_rel(
        sheet_part, DRAWING_TYPE, posixpath.relpath(drawing, posixpath.dirname(sheet_part))
    )


TITLE = "看板 Dashboard"


def subtitle(dash: Dashboard) -> str:
    """Row 2: the mark a later run recognises its own sheet by, the day, the sheets."""
    sheets = "、".join(dash.sheets)
    return (
        f"{MARK} · 截至 as of {dash.as_of.isoformat()} · 主表 sheets: {sheets} · "
        "金额按币种分列，从不跨币种相加 amounts are per currency, never added across currencies"
    )


@dataclass(frozen=True)
class SheetLayout:
    """Where everything sits on the 看板 sheet: the tables, the charts' corners (column,
    row, 0-based) with the table each draws, the first table row, the columns' count."""

    placed: list[Placed]
    charts: list[tuple[int, int, Placed]]
    table_row: int
    ncols: int
    wide: list[int]


def sheet_layout(dash: Dashboard) -> SheetLayout:
    """The one layout of the 看板 sheet (the package writer and the plan both use it)."""
    n_charts = sum(1 for b in dash.blocks if b.chart)
    rows_of_charts = (n_charts + PER_ROW - 1) // PER_ROW
    table_row = FIRST_CHART_ROW + rows_of_charts * CHART_ROWS + 1
    placed = layout(dash, table_row)
    charted = sorted((p for p in placed if p.block.chart), key=lambda p: dash.blocks.index(p.block))
    anchors = chart_anchors(len(charted))
    ncols = max([p.col + p.width() - 1 for p in placed] + [PER_ROW * CHART_COLS])
    return SheetLayout(
        placed,
        [(c, r, p) for (c, r), p in zip(anchors, charted, strict=True)],
        table_row,
        ncols,
        sorted({p.col for p in placed}),
    )


def _dashboard_cells(pkg: Package, dash: Dashboard) -> tuple[_Cells, SheetLayout]:
    cells = _Cells(_styles(pkg))
    cells.text(1, 1, TITLE, "title")
    cells.text(2, 1, subtitle(dash))
    where = sheet_layout(dash)
    _put_tables(cells, where.placed)
    return cells, where


def patch_dashboard(pkg: Package, dash: Dashboard, name: str = SHEET) -> str:
    """Add (or replace) the dashboard sheet in ``pkg``; returns the sheet's name."""
    part, used = _sheet_part(pkg, name)
    cells, where = _dashboard_cells(pkg, dash)
    charts = [(c, r, chart_xml(p, used)) for c, r, p in where.charts]
    rid = _add_charts(pkg, part, charts)
    pkg.put(
        part,
        sheet_xml(
            cells,
            ncols=where.ncols,
            drawing_rid=rid,
            break_after=where.table_row - 1,
            fit_width=True,
            wide=where.wide,
        ),
    )
    return used


# ----------------------------------------------------------------------------- stand-alone books

_BASE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL_NS}"><bookViews><workbookView/></bookViews><sheets></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}


def _base_package(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in _BASE.items():
            z.writestr(name, text)


def standalone_book(dash: Dashboard, out: Path, per_chart: bool = False) -> list[str]:
    """A new workbook at ``out`` holding only the dashboard sheet (for the PDF), or
    (``per_chart``) one sheet per chart, each with nothing but its chart, over a hidden data
    sheet (for one PNG picture per chart).  Returns the names of the printed sheets."""
    base = out.with_name(out.name + ".base.xlsx")
    _base_package(base)
    pkg = Package(base)
    try:
        if not per_chart:
            names = [patch_dashboard(pkg, dash, SHEET)]
        else:
            # the chart sheets first (the first is the active one), the data sheet hidden last
            data = "data"
            cells, where = _dashboard_cells(pkg, dash)
            names = []
            for _c, _r, p in where.charts:
                part, used = _sheet_part(pkg, p.block.key)
                rid = _add_charts(pkg, part, [(0, 0, chart_xml(p, data))])
                pkg.put(
                    part, sheet_xml(_Cells({}), ncols=CHART_COLS, drawing_rid=rid, break_after=None)
                )
                names.append(used)
            data_part, _name = _sheet_part(pkg, data, hidden=True)
            pkg.put(data_part, sheet_xml(cells, ncols=40, drawing_rid=None, break_after=None))
        pkg.write(out)
    finally:
        pkg.close()
        base.unlink(missing_ok=True)
    return names
