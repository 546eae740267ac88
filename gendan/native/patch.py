"""Write the native rules (gendan.native.rules) into a workbook by patching its package.

Why patch and not openpyxl: ``gendan rules BOOK`` runs on the team's real workbook, and an
openpyxl load + save drops what openpyxl does not model (formula cached values, sparklines
and other extLst content, shapes, buttons, threaded comments…).  The rules need only four
places, all edited as text, by insertion and by removal of gendan's own elements:

* each table sheet's part: ``<conditionalFormatting>`` (after the sheet's own, where
  ECMA-376 puts them: after ``mergeCells``/``phoneticPr``, before ``dataValidations``) and
  ``<dataValidation>`` elements (inside ``<dataValidations>``, created before
  ``hyperlinks``/``printOptions``/``pageMargins``… when the sheet has none);
* ``styles.xml``: one ``<dxf>`` per colour, reused when an identical one is there;
* ``workbook.xml``: the ``gd_…`` defined names, and the legend sheet's ``<sheet>``;
* the legend sheet part (说明), its relationship and content type.

gendan's own rules are recognised by the ``gd_on`` switch in their formulas and its names by
the ``gd_`` prefix; they are removed before the new ones go in, so a second run replaces the
first.  Everything else - the user's own conditional formats (priorities untouched; ours
come after them), validations, names and every other part - is copied byte for byte.  A
column where the user has a validation of their own keeps it: a cell can hold only one, so
gendan's is left out there (and reported).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from gendan.model.errors import OutputError
from gendan.model.grid import column_index, column_letter
from gendan.native.rules import HELPER_SHEET, ON, RuleSet, Typed, Validation
from gendan.native.terms import PREFIX
from gendan.ooxml import join_target, rel_attrs, rels_part_of, unescape
from gendan.read.gate import require_file

if TYPE_CHECKING:
    from gendan.book.validations import ValidationSpec
    from gendan.model.schema import Schema
    from gendan.native.rules import Cells

__all__ = [
    "LEGEND_SHEET",
    "RulesResult",
    "patch_rules",
    "read_extents",
    "rules_for_book",
    "strip_rules",
    "write_rules",
]

LEGEND_SHEET = "说明"
_LEGEND_MARK = "跟单 gendan"
_HELPER_MARK = "跟单 gendan: helper cells of the native rules (gendan rules); do not edit"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WS_TYPE = REL_NS + "/worksheet"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_AFTER_CF = (
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
#: text colour and fill of each severity (Excel's "light red fill with dark red text" …)
# codes of the engine that no formula here covers, with why (the legend lists them)
NEEDS_GENDAN: dict[str, tuple[str, str]] = {
    "type": (
        "值无法解析（数据验证在输入时阻止）",
        "a value that does not parse (validation stops it while typing)",
    ),
    "text-date": ("以文字输入的日期", "a date typed as text"),
    "pattern": ("格式（正则表达式）", "a form given as a regular expression"),
    "container-overflow": ("装载量（按柜型查产品表）", "capacity per container type"),
    "dispatch-method": ("寄单方式与付款方式", "dispatch method against the payment terms"),
    "doc-mismatch": ("已出单据与主表不符", "issued documents against the master"),
    "doc-missing": ("缺少单据", "missing documents"),
}

_DXF = {"FFC7CE": "9C0006", "FFEB9C": "9C5700", "DDEBF7": "1F4E78", "D9E1F2": "000000"}


class _Odd(Exception):
    """A package shape this patcher does not handle."""


@dataclass
class RulesResult:
    """What a run wrote, for the command line and the tests."""

    path: Path
    rules: int = 0
    validations: int = 0
    names: int = 0
    kept_user_validations: list[str] = field(
        default_factory=list
    )  # "sheet!col" where ours stood aside
    legend: str = LEGEND_SHEET
    #: the master sheet that got the rules, and the other master sheets of the book, which
    #: did not (the rules' names and helper columns serve one master sheet; --sheet chooses)
    master: str = ""
    other_masters: list[str] = field(default_factory=list)

    def summary(self, lang: str) -> str:
        others = "、".join(self.other_masters)
        if lang == "zh":
            s = (
                f"已写入 {self.path}：{self.rules} 条条件格式、{self.validations} 条数据验证，"
                f"说明见「{self.legend}」表。"
            )
            if self.other_masters:
                s += (
                    f"\n规则只写在主表「{self.master}」上；{others} 没有规则"
                    f"（用 --sheet 选择要写规则的主表）。"
                )
            if self.kept_user_validations:
                s += (
                    f"\n以下列已有您自己的数据验证，未覆盖：{', '.join(self.kept_user_validations)}"
                )
            return s
        s = (
            f"Wrote {self.path}: {self.rules} conditional formats, {self.validations} validations; "
            f"see the {self.legend} sheet."
        )
        if self.kept_user_validations:
            s += (
                f"\nThese columns keep your own validation: {', '.join(self.kept_user_validations)}"
            )
        if self.other_masters:
            s += (
                f"\nThe rules are on the master sheet {self.master} only; {', '.join(self.other_masters)} "
                "got none (choose the master sheet with --sheet)."
            )
        return s


# ----------------------------------------------------------------------------- package helpers


def _text(z: zipfile.ZipFile, name: str) -> str:
    try:
        return z.read(name).decode("utf-8")
    except KeyError:
        raise _Odd(f"part {name} missing") from None


@dataclass
class _Package:
    zin: zipfile.ZipFile
    wb_part: str
    wb: str
    rels_part: str
    rels: str
    ct: str
    styles_part: str
    sheets: dict[str, str]  # sheet name → part
    sheet_rids: dict[str, str]
    prefix: str


def _open(z: zipfile.ZipFile) -> _Package:
    wb_part = next(
        (
            join_target("", r["Target"])
            for r in rel_attrs(_text(z, "_rels/.rels"))
            if r.get("Type", "").endswith("/officeDocument")
        ),
        None,
    )
    if wb_part is None:
        raise _Odd("no officeDocument relationship")
    wb = _text(z, wb_part)
    base = posixpath.dirname(wb_part)
    rels_part = rels_part_of(wb_part)
    rels = _text(z, rels_part)
    targets = {r.get("Id", ""): join_target(base, r.get("Target", "")) for r in rel_attrs(rels)}
    styles = next(
        (
            join_target(base, r["Target"])
            for r in rel_attrs(rels)
            if r.get("Type", "").endswith("/styles")
        ),
        None,
    )
    if styles is None:
        raise _Odd("no styles part")
    pm = re.search(r"<(\w+:)?workbook\b", wb)
    prefix = pm.group(1) or "" if pm else ""
    sheets, rids = {}, {}
    for m in re.finditer(rf"<{re.escape(prefix)}sheet\b([^>]*)/?>", wb):
        attrs = m.group(1)
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\b\w+:id="([^"]*)"', attrs)
        if name and rid:
            sheets[unescape(name.group(1))] = targets.get(rid.group(1), "")
            rids[unescape(name.group(1))] = rid.group(1)
    return _Package(
        z,
        wb_part,
        wb,
        rels_part,
        rels,
        _text(z, "[Content_Types].xml"),
        styles,
        sheets,
        rids,
        prefix,
    )


def read_extents(path: str | Path) -> dict[str, tuple[int, int, int]]:
    """Excel Tables per sheet: sheet → (header row, first data row, last data row)."""
    out: dict[str, tuple[int, int, int]] = {}
    with zipfile.ZipFile(path) as z:
        try:
            pkg = _open(z)
        except _Odd:
            return out
        names = set(z.namelist())
        for sheet, part in pkg.sheets.items():
            rp = rels_part_of(part)
            if rp not in names:
                continue
            for r in rel_attrs(_text(z, rp)):
                if not r.get("Type", "").endswith("/table"):
                    continue
                tp = join_target(posixpath.dirname(part), r.get("Target", ""))
                if tp not in names:
                    continue
                t = _text(z, tp)
                ref = re.search(r'<(?:\w+:)?table\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', t)
                if not ref:
                    continue
                hdr = re.search(r'\bheaderRowCount="(\d+)"', t)
                tot = re.search(r'\btotalsRowCount="(\d+)"', t)
                top, bottom = int(ref.group(2)), int(ref.group(4))
                head = int(hdr.group(1)) if hdr else 1
                if head:
                    out[sheet] = (top, top + 1, bottom - (int(tot.group(1)) if tot else 0))
    return out


# ----------------------------------------------------------------------------- sheet surgery


def _tail_start(xml: str, p: str) -> int:
    m = re.search(rf"</{re.escape(p)}sheetData>|<{re.escape(p)}sheetData\s*/>", xml)
    if not m:
        raise _Odd("worksheet without sheetData")
    return m.end()


def _ranges(sqref: str) -> list[tuple[int, int, int, int]]:
    """(col1, row1, col2, row2) of each range of a space-separated sqref."""
    out = []
    for part in sqref.split():
        m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", part.upper())
        if not m:
            continue
        c1, r1 = column_index(m.group(1)), int(m.group(2))
        c2, r2 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        out.append((min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)))
    return out


def _sqref(element: str) -> str:
    m = re.search(r'\bsqref="([^"]*)"', element)
    return unescape(m.group(1)) if m else ""


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _patch_sheet(
    xml: str,
    cfs: list[tuple[str, str, int]],
    dvs: list[tuple[Validation, str]],
) -> tuple[str, list[str], int]:
    """``xml`` without gendan's old rules and with ``cfs`` (sqref, formula, dxfId) and
    ``dvs`` (validation, sqref).  Returns the XML, the sqrefs of the validations left out
    because the user has one there, and how many validations went in."""
    rm = re.search(r"<(\w+:)?worksheet\b", xml)
    p = (rm.group(1) or "") if rm else ""
    ep = re.escape(p)
    start = _tail_start(xml, p)
    head, tail = xml[:start], xml[start:]
    # -- conditional formats: drop gendan's rules, keep the user's
    blocks = list(
        re.finditer(
            rf"<{ep}conditionalFormatting\b[^>]*>.*?</{ep}conditionalFormatting>", tail, re.S
        )
    )
    pieces: list[str] = []
    last = 0
    for b in blocks:
        pieces.append(tail[last : b.start()])
        text = b.group(0)
        rules = list(re.finditer(rf"<{ep}cfRule\b[^>]*?(?:/>|>.*?</{ep}cfRule>)", text, re.S))
        old = [r for r in rules if ON in r.group(0)]
        if old and len(old) == len(rules):
            pass  # the whole block was gendan's
        else:
            for r in reversed(old):
                text = text[: r.start()] + text[r.end() :]
            pieces.append(text)
        last = b.end()
    pieces.append(tail[last:])
    tail = "".join(pieces)
    prios = [int(x) for x in re.findall(r'\bpriority="(\d+)"', tail)]
    base = max(prios or [0])
    new_cf = "".join(
        f'<{p}conditionalFormatting sqref="{sq}"><{p}cfRule type="expression" dxfId="{dxf}" priority="{base + k}">'
        f"<{p}formula>{escape(f)}</{p}formula></{p}cfRule></{p}conditionalFormatting>"
        for k, (sq, f, dxf) in enumerate(cfs, start=1)
    )
    ends = [m.end() for m in re.finditer(rf"</{ep}conditionalFormatting>", tail)]
    if ends:
        kept_end = ends[-1]
    else:
        kept_end = _first(tail, p, _AFTER_CF, 0)
    tail = tail[:kept_end] + new_cf + tail[kept_end:]
    after_cf = kept_end + len(new_cf)
    # -- validations: drop gendan's, keep the user's, stand aside where they are
    dvb = re.search(
        rf"<{ep}dataValidations\b([^>]*?)(?:/>|>(.*?)</{ep}dataValidations>)", tail, re.S
    )
    user: list[str] = []
    if dvb:
        items = re.findall(
            rf"<{ep}dataValidation\b[^>]*?(?:/>|>.*?</{ep}dataValidation>)",
            dvb.group(2) or "",
            re.S,
        )
        user = [i for i in items if ON not in i]
    taken = [rg for i in user for rg in _ranges(_sqref(i))]
    for m in re.finditer(r"<xm:sqref>([^<]*)</xm:sqref>", tail):  # Excel 2010's extLst validations
        if "dataValidation" in tail[max(0, m.start() - 4000) : m.start()]:
            taken += _ranges(m.group(1))
    ours: list[str] = []
    aside: list[str] = []
    for v, sq in dvs:
        if any(_overlaps(a, b) for a in _ranges(sq) for b in taken):
            aside.append(sq)
            continue
        ours.append(_dv_xml(p, v, sq))
    items_xml = "".join(user) + "".join(ours)
    block = (
        f'<{p}dataValidations count="{len(user) + len(ours)}">{items_xml}</{p}dataValidations>'
        if items_xml
        else ""
    )
    if dvb:
        tail = tail[: dvb.start()] + block + tail[dvb.end() :]
    else:
        at = _first(tail, p, _AFTER_CF[1:], after_cf)
        tail = tail[:at] + block + tail[at:]
    return head + tail, aside, len(ours)


def _first(tail: str, p: str, tags: Iterable[str], start: int) -> int:
    """Position of the first of ``tags`` at or after ``start`` (end of the worksheet when none)."""
    ep = re.escape(p)
    hits = [m.start() for t in tags for m in [re.compile(rf"<{ep}{t}\b").search(tail, start)] if m]
    if hits:
        return min(hits)
    end = tail.rfind(f"</{p}worksheet>")
    if end < 0:
        raise _Odd("no worksheet end")
    return end


def _dv_xml(p: str, v: Validation, sqref: str) -> str:
    style = "stop" if v.stop else "warning"
    return (
        f'<{p}dataValidation type="custom" errorStyle="{style}" allowBlank="1" showInputMessage="1" '
        f'showErrorMessage="1" errorTitle={quoteattr(v.title)} error={quoteattr(v.error)} '
        f'promptTitle={quoteattr(v.title)} prompt={quoteattr(v.prompt)} sqref="{sqref}">'
        f"<{p}formula1>{escape(v.formula)}</{p}formula1></{p}dataValidation>"
    )


# ----------------------------------------------------------------------------- styles, names


def _dxf_ids(styles: str, colors: Iterable[str], bold: set[str]) -> tuple[str, dict[str, int]]:
    """``styles`` with a dxf per colour (an identical existing one is reused)."""
    rm = re.search(r"<(\w+:)?styleSheet\b", styles)
    p = (rm.group(1) or "") if rm else ""
    ep = re.escape(p)
    want = {}
    for col in colors:
        font = f'<{p}font>{"<" + p + "b/>" if col in bold else ""}<{p}color rgb="FF{_DXF.get(col, "000000")}"/></{p}font>'
        want[col] = (
            f'<{p}dxf>{font}<{p}fill><{p}patternFill><{p}bgColor rgb="FF{col}"/></{p}patternFill>'
            f"</{p}fill></{p}dxf>"
        )
    m = re.search(rf"<{ep}dxfs\b([^>]*?)(?:/>|>(.*?)</{ep}dxfs>)", styles, re.S)
    inner = (m.group(2) or "") if m else ""
    items = re.findall(rf"<{ep}dxf\b[^>]*?(?:/>|>.*?</{ep}dxf>)", inner, re.S)
    ids = {}
    for col, x in want.items():
        if x in items:
            ids[col] = items.index(x)
        else:
            items.append(x)
            ids[col] = len(items) - 1
    block = f'<{p}dxfs count="{len(items)}">{"".join(items)}</{p}dxfs>'
    if m:
        styles = styles[: m.start()] + block + styles[m.end() :]
    else:
        at = min(
            [
                x.start()
                for t in ("tableStyles", "colors", "extLst")
                for x in [re.search(rf"<{ep}{t}\b", styles)]
                if x
            ]
            or [styles.rfind(f"</{p}styleSheet>")]
        )
        styles = styles[:at] + block + styles[at:]
    return styles, ids


def _set_names(wb: str, p: str, names: dict[str, str]) -> str:
    ep = re.escape(p)
    wb = re.sub(
        rf'<{ep}definedName\b[^>]*\bname="{PREFIX}[^"]*"[^>]*?(?:/>|>.*?</{ep}definedName>)',
        "",
        wb,
        flags=re.S | re.I,
    )
    new = "".join(
        f'<{p}definedName name="{n}" comment="gendan">{escape(v)}</{p}definedName>'
        for n, v in sorted(names.items())
    )
    if re.search(rf"</{ep}definedNames>", wb):
        return re.sub(rf"</{ep}definedNames>", lambda _m: new + f"</{p}definedNames>", wb, count=1)
    if re.search(rf"<{ep}definedNames\s*/>", wb):
        return re.sub(
            rf"<{ep}definedNames\s*/>",
            lambda _m: f"<{p}definedNames>{new}</{p}definedNames>",
            wb,
            count=1,
        )
    if not new:
        return wb
    after = re.search(rf"</{ep}externalReferences>", wb) or re.search(rf"</{ep}sheets>", wb)
    if after is None:
        raise _Odd("workbook without sheets")
    return wb[: after.end()] + f"<{p}definedNames>{new}</{p}definedNames>" + wb[after.end() :]


# ----------------------------------------------------------------------------- legend sheet


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def legend_xml(rs: RuleSet, ids: dict[str, int]) -> str:
    """The 说明 sheet: each rule with its colour, column, text and how it is live; the
    checks that need gendan; how to switch the rules off.  Colours are conditional formats
    (formula TRUE) with the rules' own dxfs, so the sheet needs no cell style."""
    rows: list[list[str]] = [
        [f"{_LEGEND_MARK} · 本表自查规则  Rules this workbook checks by itself"],
        [
            "这些条件格式和数据验证由 gendan 按 schemas/master.yaml 生成，在 Excel、WPS、Mac 和网页版 Excel 中无需插件即可生效；"
            "gendan rules 会替换它们，您自己的条件格式和数据验证保持不变。"
        ],
        [
            "Conditional formats and validations made by gendan from schemas/master.yaml; they work in Excel, WPS, "
            "on a Mac and in Excel on the web without the add-in. `gendan rules` replaces them and keeps your own."
        ],
        [
            f"关闭：在名称管理器中把 {ON} 改为 FALSE。  Switch off: set the name {ON} to FALSE in the Name Manager."
        ],
        [],
        ["代码 Code", "颜色 Colour", "列 Column", "规则", "Rule", "方式 How"],
    ]
    swatch: dict[str, list[str]] = {}
    for r in rs.legend():
        rows.append(
            [
                r.code,
                {"error": "错误 Error", "warning": "警告 Warning"}.get(r.severity, "提示 Info"),
                r.column,
                r.zh,
                r.en,
                r.how,
            ]
        )
        swatch.setdefault(r.color, []).append(f"B{len(rows)}")
    rows.append([])
    rows.append(["需要运行 gendan 的检查  Checks that need gendan (ribbon or command line)"])
    head2 = len(rows)
    for code, (zh, en) in NEEDS_GENDAN.items():
        rows.append([code, "", "", zh, en, "gendan check"])
    for code, what, zh, en in rs.skipped:
        rows.append([code, "", what, zh, en, "gendan check"])
    rows.append(
        [
            "overdue",
            "",
            "",
            "按客户单独设置的天数、催款级别和账龄",
            "per-customer day counts, dunning and aging",
            "gendan overdue",
        ]
    )
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{column_letter(j)}{i}", v) for j, v in enumerate(row, start=1) if v)
        body.append(f'<row r="{i}">{cells}</row>' if cells else f'<row r="{i}"/>')
    cf = []
    prio = 1
    for color, refs in swatch.items():
        cf.append(
            f'<conditionalFormatting sqref="{" ".join(refs)}"><cfRule type="expression" dxfId="{ids[color]}" '
            f'priority="{prio}"><formula>TRUE</formula></cfRule></conditionalFormatting>'
        )
        prio += 1
    head_ref = f"A6:F6 A{head2}:F{head2}"
    cf.append(
        f'<conditionalFormatting sqref="{head_ref}"><cfRule type="expression" dxfId="{ids["D9E1F2"]}" '
        f'priority="{prio}"><formula>TRUE</formula></cfRule></conditionalFormatting>'
    )
    widths = [(1, 26), (2, 12), (3, 30), (4, 44), (5, 52), (6, 16)]
    cols = "".join(f'<col min="{j}" max="{j}" width="{w}" customWidth="1"/>' for j, w in widths)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
        f'xmlns:r="{REL_NS}"><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(body)}</sheetData>'
        f'{"".join(cf)}<pageMargins left="0.5" right="0.5" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
        f'<pageSetup orientation="landscape" paperSize="9" fitToHeight="0"/></worksheet>'
    )


def _put_sheet(
    pkg: _Package, name: str, xml: str, marker: str, hidden: bool = False
) -> tuple[dict[str, bytes], str]:
    """Parts to write for gendan's sheet ``name`` (replaced when it is gendan's, recognised
    by ``marker`` in its part; another name when a sheet of the user's has that name)."""
    names = set(pkg.zin.namelist())
    for cand in (name, f"{name} gendan"):
        part = pkg.sheets.get(cand)
        if part is None:
            if any(n.casefold() == cand.casefold() for n in pkg.sheets):
                continue
            return _new_sheet(pkg, cand, xml, names, hidden), cand
        if part in names and marker in _text(pkg.zin, part):
            return {part: xml.encode("utf-8")}, cand
    raise _Odd(f"no free name for the sheet {name}")


def helper_xml(rs: RuleSet) -> str:
    """The hidden helper sheet: per master row, the values several rules share."""
    lay = rs.book.master
    cols = list(rs.helper.items())
    rows = [
        f'<row r="1">{_cell("A1", _HELPER_MARK)}'
        + "".join(_cell(f"{column_letter(k + 2)}1", n) for k, (n, _f) in enumerate(cols))
        + "</row>"
    ]
    for r in range(max(lay.first, 2), lay.last + 1):
        cells = "".join(
            f'<c r="{column_letter(k + 2)}{r}"><f t="array" ref="{column_letter(k + 2)}{r}">{escape(f)}</f></c>'
            for k, (_n, f) in enumerate(cols)
        )
        rows.append(f'<row r="{r}">{cells}</row>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
        f'xmlns:r="{REL_NS}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
    )


def _full_calc(wb: str, p: str) -> str:
    """Have Excel compute every formula on open (the helper cells come without values)."""
    ep = re.escape(p)
    calc = re.search(rf"<{ep}calcPr\b([^>]*?)(/?)>", wb)
    if calc:
        attrs = calc.group(1)
        attrs = (
            re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', attrs)
            if "fullCalcOnLoad" in attrs
            else attrs + ' fullCalcOnLoad="1"'
        )
        return wb[: calc.start()] + f"<{p}calcPr{attrs}{calc.group(2)}>" + wb[calc.end() :]
    anchor = (
        re.search(rf"</{ep}definedNames>", wb)
        or re.search(rf"</{ep}externalReferences>", wb)
        or re.search(rf"</{ep}sheets>", wb)
    )
    if anchor is None:
        raise _Odd("workbook without sheets")
    return wb[: anchor.end()] + f'<{p}calcPr fullCalcOnLoad="1"/>' + wb[anchor.end() :]


def _new_sheet(
    pkg: _Package, name: str, xml: str, names: set[str], hidden: bool = False
) -> dict[str, bytes]:
    base = posixpath.dirname(pkg.wb_part)
    k = 1
    while (
        f"{base}/worksheets/sheet{k}.xml" in names or f"/{base}/worksheets/sheet{k}.xml" in pkg.ct
    ):
        k += 1  # (a part added by this run is in the content types already)
    part = f"{base}/worksheets/sheet{k}.xml"
    ids = {r.get("Id", "") for r in rel_attrs(pkg.rels)}
    rid = "rIdGendan1"
    while rid in ids:
        rid += "x"
    p = pkg.prefix
    sheets = re.search(rf"</{re.escape(p)}sheets>", pkg.wb)
    rp = re.search(r'xmlns:(\w+)="' + re.escape(REL_NS) + '"', pkg.wb)
    if not sheets or not rp:
        raise _Odd("workbook part without sheets or relationships namespace")
    sid = max([int(x) for x in re.findall(r'\bsheetId="(\d+)"', pkg.wb)] or [0]) + 1
    state = ' state="hidden"' if hidden else ""
    pkg.wb = (
        pkg.wb[: sheets.start()]
        + f'<{p}sheet name={quoteattr(name)} sheetId="{sid}"{state} {rp.group(1)}:id="{rid}"/>'
        + pkg.wb[sheets.start() :]
    )
    end = pkg.rels.rfind("</Relationships>")
    pkg.rels = (
        pkg.rels[:end]
        + f'<Relationship Id="{rid}" Type="{WS_TYPE}" Target="/{part}"/>'
        + pkg.rels[end:]
    )
    end = pkg.ct.rfind("</Types>")
    pkg.ct = pkg.ct[:end] + f'<Override PartName="/{part}" ContentType="{WS_CT}"/>' + pkg.ct[end:]
    return {part: xml.encode("utf-8")}


# ----------------------------------------------------------------------------- the runs


def patch_rules(
    src: str | Path,
    out: str | Path,
    rs: RuleSet | None,
    typed: dict[tuple[str, str], Typed] | None = None,
    exclude: Iterable[tuple[str, str]] = (),
) -> RulesResult:
    """Write ``out``: the package ``src`` with gendan's rules replaced by ``rs`` (``None``:
    only removed).  ``typed``/``exclude``: see :meth:`RuleSet.validations`."""
    result = RulesResult(Path(out))
    with zipfile.ZipFile(src) as zin:
        try:
            changed = _patch(zin, rs, typed or {}, set(exclude), result)
        except _Odd as exc:
            raise OutputError(
                f"The rules cannot be added to {Path(src).name}: its package has an unexpected shape ({exc}).",
                f"无法向 {Path(src).name} 添加规则：文件结构不常见（{exc}）。",
            ) from None
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename in changed:
                    zout.writestr(info, changed.pop(info.filename))
                else:
                    with zin.open(info) as fin, zout.open(info, "w") as fout:
                        while chunk := fin.read(1 << 20):
                            fout.write(chunk)
            for part, data in changed.items():
                zout.writestr(part, data)
    return result


def _patch(
    zin: zipfile.ZipFile,
    rs: RuleSet | None,
    typed: dict[tuple[str, str], Typed],
    exclude: set[tuple[str, str]],
    result: RulesResult,
) -> dict[str, bytes]:
    pkg = _open(zin)
    changed: dict[str, bytes] = {}
    styles = _text(zin, pkg.styles_part)
    colors = ["FFC7CE", "FFEB9C", "DDEBF7", "D9E1F2"]
    styles, ids = _dxf_ids(styles, colors, {"D9E1F2"})
    per_sheet: dict[str, tuple[list[tuple[str, str, int]], list[tuple[Validation, str]]]] = {}
    if rs is not None:
        for rule in rs.rules:
            lay = rs.layout(rule.role)
            per_sheet.setdefault(lay.sheet, ([], []))[0].append(
                (lay.sqref(rule.key), rs.cf_formula(rule), ids[rs.color(rule.code)])
            )
        for v in rs.validations(typed, exclude):
            lay = rs.layout(v.role)
            per_sheet.setdefault(lay.sheet, ([], []))[1].append((v, lay.sqref(v.key)))
    # every sheet that may hold gendan's rules from an earlier run is cleaned, too
    for sheet, part in pkg.sheets.items():
        if part not in zin.namelist():
            continue
        xml = _text(zin, part)
        cfs, dvs = per_sheet.get(sheet, ([], []))
        if not cfs and not dvs and ON not in xml:
            continue
        new, aside, n_dv = _patch_sheet(xml, cfs, dvs)
        result.rules += len(cfs)
        result.validations += n_dv
        result.kept_user_validations += [
            f"{sheet}!{sq.split(':')[0].rstrip('0123456789')}" for sq in aside
        ]
        changed[part] = new.encode("utf-8")
    names = rs.names if rs is not None else {}
    result.names = len(names)
    pkg.wb = _set_names(pkg.wb, pkg.prefix, names)
    if rs is not None:
        parts, result.legend = _put_sheet(pkg, LEGEND_SHEET, legend_xml(rs, ids), _LEGEND_MARK)
        changed.update(parts)
        if rs.helper:
            parts, _name = _put_sheet(pkg, HELPER_SHEET, helper_xml(rs), _HELPER_MARK, hidden=True)
            changed.update(parts)
            pkg.wb = _full_calc(pkg.wb, pkg.prefix)
    changed[pkg.wb_part] = pkg.wb.encode("utf-8")
    changed[pkg.rels_part] = pkg.rels.encode("utf-8")
    changed["[Content_Types].xml"] = pkg.ct.encode("utf-8")
    changed[pkg.styles_part] = styles.encode("utf-8")
    return changed


def strip_rules(src: str | Path, out: str | Path) -> RulesResult:
    """``src`` without gendan's rules and names (the legend sheet stays)."""
    return patch_rules(src, out, None)


_OPS = {"greaterThan": ">", "greaterThanOrEqual": ">=", "lessThanOrEqual": "<="}


def typed_checks(schema: Schema) -> tuple[dict[tuple[str, str], Typed], set[tuple[str, str]]]:
    """The template's own type checks (dates, numbers with bounds) as formulas the native
    validations include, and the columns whose template validation is a dropdown list."""
    from gendan.book.validations import template_validations

    typed: dict[tuple[str, str], Typed] = {}
    lists: set[tuple[str, str]] = set()
    for role in ("master", "customers", "products"):
        spec = schema.sheets[role]
        for v in template_validations(schema, spec):
            if v.kind == "list":
                lists.add((role, v.key))
                continue

            def check(c: Cells, v: ValidationSpec = v) -> str:
                x = c[v.key]
                parts = [f"ISNUMBER({x})"]
                if v.kind == "whole":
                    parts.append(f"INT({x})={x}")
                if v.operator == "between":
                    parts += [f"{x}>={v.formula1}", f"{x}<={v.formula2}"]
                elif v.operator in _OPS:
                    parts.append(f"{x}{_OPS[v.operator]}{v.formula1}")
                return "AND(" + ",".join(parts) + ")"

            zh, en = v.error.split("\n", 1) if "\n" in v.error else (v.error, v.error)
            typed[(role, v.key)] = Typed(check, zh, en)
    return typed, lists


def rules_for_book(
    path: str | Path,
    schema: Schema | None = None,
    ahead: int = 1000,
    sheets: Sequence[str] | None = None,
) -> RuleSet:
    """The rules for the book at ``path``: its own header rows and column order, as the
    engine reads them; an Excel Table's own extent where the data is one.  ``sheets``
    chooses the master sheet (``--sheet``); the rules go on the first of those read."""
    return _rules_and_masters(path, schema, ahead, sheets)[0]


def _rules_and_masters(
    path: str | Path, schema: Schema | None, ahead: int, sheets: Sequence[str] | None
) -> tuple[RuleSet, list[str]]:
    """rules_for_book, and every master sheet read (to say which got no rules)."""
    from gendan.native.rules import build_rules, layout_from_tables
    from gendan.rules.engine import load_book

    tables, schema = load_book(path, schema, sheets)
    extents = {}
    for sheet, (head, first, last) in read_extents(path).items():
        for t in (tables.master, tables.customers, tables.products):
            if t is not None and t.sheet == sheet and t.header_row == head:
                extents[sheet] = (first, max(last, first))
    rs = build_rules(schema, layout_from_tables(tables, ahead=ahead, extents=extents))
    return rs, tables.sheets


def write_rules(
    book: str | Path,
    out: str | Path | None = None,
    *,
    in_place: bool = False,
    schema: Schema | None = None,
    ahead: int = 1000,
    sheets: Sequence[str] | None = None,
) -> RulesResult:
    """``gendan rules``: add or refresh the native rules in a copy (``out``) or in the book
    itself (``in_place``: a timestamped backup first, and a proof that nothing but
    gendan's own rules changed).  ``sheets`` (``--sheet``) chooses the master sheet that
    gets the rules; the result names the master sheets that did not."""
    from gendan.write.safe_write import atomic_write, check_not_locked, make_backup, parts_lost

    book = Path(book)
    require_file(book)
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        raise OutputError(
            f"{book.name}: rules can be written into .xlsx and .xlsm workbooks only.",
            f"{book.name}：只能向 .xlsx 和 .xlsm 工作簿写入规则。",
        )
    rs, masters = _rules_and_masters(book, schema, ahead, sheets)
    typed, _lists = typed_checks(rs.schema)
    holder: dict[str, RulesResult] = {}
    if not in_place:
        if out is None:
            raise OutputError("Give --out FILE or --in-place.", "请指定 --out 文件或 --in-place。")
        atomic_write(
            out,
            lambda tmp: holder.setdefault("r", patch_rules(book, tmp, rs, typed)),
            inputs=[book],
        )
        res = holder["r"]
        res.path = Path(out)
        return _named_masters(res, rs, masters)
    check_not_locked(book)

    def writer(tmp: Path) -> None:
        holder["r"] = patch_rules(book, tmp, rs, typed)
        bare = tmp.with_name(tmp.name + ".bare.xlsx")
        try:
            strip_rules(book, bare)
            lost = parts_lost(bare, tmp)
        finally:
            bare.unlink(missing_ok=True)
        if lost:
            raise OutputError(
                f"Writing the rules into {book.name} would lose: {'; '.join(lost[:8])}; nothing was changed.",
                f"向 {book.name} 写入规则会丢失：{'; '.join(lost[:8])}；文件未改动。",
            )
        make_backup(book)

    atomic_write(book, writer, allow_input=True)
    res = holder["r"]
    res.path = book
    return _named_masters(res, rs, masters)


def _named_masters(res: RulesResult, rs: RuleSet, masters: Sequence[str]) -> RulesResult:
    res.master = rs.book.master.sheet
    res.other_masters = [s for s in masters if s != res.master]
    return res
