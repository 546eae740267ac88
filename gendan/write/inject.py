"""Add document sheets to a copy of a workbook package without rewriting the rest of it.

Why: the drafts' formulas point at the master sheet, so the documents must live in (a copy
of) the user's workbook.  Loading and re-saving that workbook with openpyxl costs minutes
and gigabytes on a 100,000-row master (measured: 168 s to load, 130 s to save, 2.5 GB),
and an openpyxl round trip drops what openpyxl does not model (VBA's ribbon part, shapes,
slicers…).  The documents themselves are small.  So they are written by openpyxl into a
scratch workbook of their own, and their parts are then grafted onto a byte-for-byte copy
of the user's package:

* each scratch worksheet part is added as a new part (style indexes remapped, shared
  strings turned into inline strings, no tab selected);
* the scratch fonts, fills, borders, number formats and cell formats are appended to the
  package's styles part;
* ``<sheet>`` entries, their relationships, content-type overrides and the print areas
  (sheet-local defined names) are inserted; ``fullCalcOnLoad`` is set so Excel computes
  the new formulas on open (LibreOffice computes cells without cached values anyway).

The user's own parts are edited as text, by insertion only, never parsed and re-serialised
(an XML round trip renames namespace prefixes that ``mc:Ignorable`` refers to, which Excel
then "repairs").  Anything unexpected raises :class:`Unsupported` and the caller falls back
to the openpyxl path.
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from gendan.ooxml import (  # noqa: F401  (MAIN, STRICT_*, Unsupported: re-exported for callers)
    MAIN,
    PKG_REL,
    REL_NS,
    STRICT_MAIN,
    STRICT_REL_NS,
    Unsupported,
    copy_entry,
    join_target,
    read_text,
    rel_attrs,
    rel_targets,
    rels_part_of,
    unescape,
    workbook_part,
)

WS_TYPE = REL_NS + "/worksheet"
WS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_M = "{" + MAIN + "}"
#: the children of <workbook>, in the order ECMA-376 Part 1 (CT_Workbook, 18.2.27) requires
WORKBOOK_SEQUENCE = (
    "fileVersion",
    "fileSharing",
    "workbookPr",
    "workbookProtection",
    "bookViews",
    "sheets",
    "functionGroups",
    "externalReferences",
    "definedNames",
    "calcPr",
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
)
SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f\ufffe\uffff]")


# ----------------------------------------------------------------------------- sheet names


def valid_sheet_name(name: str, fallback: str = "Sheet") -> str:
    """``name`` as Excel accepts it: none of ``[]:*?/\\`` or control characters (replaced
    by ``_``; XML cannot hold the latter at all), no leading or trailing apostrophe, at most
    31 characters, not empty and not ``History`` (reserved by Excel's change tracking)."""
    out = _SHEET_NAME_BAD.sub("_", name).strip("'")[:SHEET_NAME_MAX].strip("'")
    if not out.strip():
        out = fallback[:SHEET_NAME_MAX]
    if out.casefold() == "history":
        out = out + "_"
    return out


def unique_sheet_name(name: str, taken: set[str]) -> str:
    """``name`` (made valid), or with ``~2``, ``~3``… in place of its last characters,
    whichever is not in ``taken`` (case-folded, as Excel compares); the result is added to
    ``taken``.  Two contract numbers alike in their first 28 characters, one repeated, or
    two that differ only in case, so still give distinct sheets."""
    base = valid_sheet_name(name)
    out, n = base, 1
    while out.casefold() in taken:
        n += 1
        tail = f"~{n}"
        out = valid_sheet_name(base[: SHEET_NAME_MAX - len(tail)].rstrip("'") + tail)
    taken.add(out.casefold())
    return out


def is_strict(path: str | Path) -> bool:
    """True for a Strict Open XML workbook (ISO/IEC 29500 Strict namespaces)."""
    try:
        with zipfile.ZipFile(path) as z:
            head = z.read(workbook_part(z))[:4096].decode("utf-8", "replace")
    except (Unsupported, zipfile.BadZipFile, KeyError, OSError):
        return False
    return STRICT_MAIN in head


def insert_in_sequence(xml: str, prefix: str, tag: str, element: str) -> str:
    """``xml`` (a workbook part) with ``element`` (a ``<tag>``) placed where the ECMA-376
    sequence of ``<workbook>``'s children wants it: after the last present element that
    comes before ``tag``.  Top-level only: a child's own children never match (they are
    other tags), and ``extLst`` comes last."""
    before = WORKBOOK_SEQUENCE[: WORKBOOK_SEQUENCE.index(tag)]
    best = None
    for t in before:
        for m in re.finditer(rf"<{re.escape(prefix)}{t}\b[^>]*?(/?)>", xml):
            if m.group(1):
                end = m.end()
            else:
                close = xml.find(f"</{prefix}{t}>", m.end())
                if close < 0:
                    raise Unsupported(f"unclosed {t} element")
                end = close + len(f"</{prefix}{t}>")
            if best is None or end > best:
                best = end
    if best is None:
        root = re.search(rf"<{re.escape(prefix)}workbook\b[^>]*>", xml)
        if not root:
            raise Unsupported("no workbook element")
        best = root.end()
    return xml[:best] + element + xml[best:]


@dataclass(frozen=True)
class _ScratchSheet:
    name: str
    xml: bytes
    print_area: str | None


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of a package, read from its workbook part (cheap: no cells)."""
    with zipfile.ZipFile(path) as z:
        wb = read_text(z, workbook_part(z))
    return [unescape(n) for n in re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', wb)]


# ----------------------------------------------------------------------------- scratch


def _scratch(scratch: bytes) -> tuple[list[_ScratchSheet], ET.Element, list[str]]:
    """The scratch workbook's sheets (in order), its styles and its shared strings."""
    z = zipfile.ZipFile(io.BytesIO(scratch))
    wbp = workbook_part(z)
    wb = ET.fromstring(z.read(wbp))
    base = posixpath.dirname(wbp)
    rels = {i: t for i, _typ, t in rel_targets(read_text(z, rels_part_of(wbp)))}
    areas: dict[int, str] = {}
    for dn in wb.iter(_M + "definedName"):
        if dn.get("name") == "_xlnm.Print_Area" and dn.get("localSheetId") is not None:
            areas[int(dn.get("localSheetId") or 0)] = dn.text or ""
    sheets: list[_ScratchSheet] = []
    for k, s in enumerate(wb.iter(_M + "sheet")):
        rid = s.get("{" + REL_NS + "}id") or ""
        part = join_target(base, rels[rid])
        rels_part = rels_part_of(part)
        xml = z.read(part)
        if rels_part in z.namelist():
            xml = _inline_links(xml, read_text(z, rels_part))
        sheets.append(_ScratchSheet(s.get("name") or "", xml, areas.get(k)))
    styles = ET.fromstring(z.read(posixpath.join(base, "styles.xml")))
    strings: list[str] = []
    sst_name = posixpath.join(base, "sharedStrings.xml")
    if sst_name in z.namelist():
        for si in ET.fromstring(z.read(sst_name)).iter(_M + "si"):
            strings.append("".join(t.text or "" for t in si.iter(_M + "t")))
    return sheets, styles, strings


def _inline_links(xml: bytes, rels: str) -> bytes:
    """A scratch sheet whose only relationships are links into the workbook (openpyxl
    writes ``#'Sheet'!A1`` as an external relationship: the to-do and receivables sheets
    link every row to its master cell) with each link written in place as the
    ``location`` attribute ECMA-376 has for it, so the sheet needs no relationships part.
    Any other relationship is Unsupported."""
    targets = {}
    for a in rel_attrs(rels):
        target = unescape(a.get("Target", ""))
        if not a.get("Type", "").endswith("/hyperlink") or not target.startswith("#"):
            raise Unsupported("a document sheet has its own relationships")
        targets[a.get("Id", "")] = target[1:]
    ET.register_namespace("", MAIN)
    ET.register_namespace("r", REL_NS)
    root = ET.fromstring(xml)
    rid = "{" + REL_NS + "}id"
    for link in root.iter(_M + "hyperlink"):
        got = link.attrib.pop(rid, None)
        if got is not None:
            if got not in targets:
                raise Unsupported("a link to a missing relationship")
            link.set("location", targets[got])
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


def _ser(el: ET.Element) -> str:
    """An element of the main namespace as text without prefixes (it inherits the target
    part's default namespace)."""
    tag = el.tag.split("}", 1)[-1]
    attrs = "".join(f" {k.split('}', 1)[-1]}={quoteattr(v)}" for k, v in el.attrib.items())
    kids = "".join(_ser(c) for c in el)
    text = escape(el.text) if el.text else ""
    if not kids and not text:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{text}{kids}</{tag}>"


# ----------------------------------------------------------------------------- styles


def _block(xml: str, tag: str) -> re.Match[str] | None:
    """The element ``tag``: group 1 its attributes, group 2 its content (None when it is
    written self-closing, as openpyxl writes an empty ``<numFmts count="0" />``; missing
    that once put a second numFmts element in the styles, which readers reject)."""
    return re.search(rf"<{tag}\b((?:[^>/]|/(?!>))*)(?:/>|>(.*?)</{tag}>)", xml, re.S)


def _count(inner: str, tag: str) -> int:
    return len(re.findall(rf"<{tag}[\s>/]", inner))


def _set_count(open_attrs: str, n: int) -> str:
    if re.search(r'\bcount="\d+"', open_attrs):
        return re.sub(r'\bcount="\d+"', f'count="{n}"', open_attrs)
    return f'{open_attrs} count="{n}"'


def _items(inner: str, tag: str) -> list[str]:
    """The ``<tag>`` elements of a block's content, as written."""
    return [m.group(0) for m in re.finditer(rf"<{tag}\b(?:[^>]*?/>|.*?</{tag}>)", inner, re.S)]


def merge_styles(
    target: str, scratch: ET.Element, reuse: bool = False
) -> tuple[str, dict[int, int]]:
    """``target`` styles XML with the scratch styles appended; returns it and the map of
    scratch cell-format index → target index.  With ``reuse``, a font, fill, border or
    cell format identical (as text) to one already there is used, not appended again: a
    button pressed every morning would otherwise add its formats each time (and Excel
    allows only so many fonts and formats in a workbook)."""
    if re.search(r"<\w+:styleSheet\b", target):
        raise Unsupported("prefixed styles part")
    out = target
    # number formats: reuse a target id with the same code, else allocate above the rest
    nf_map: dict[int, int] = {}
    existing: dict[str, int] = {}
    blk = _block(out, "numFmts")
    if blk:
        for m in re.finditer(r"<numFmt\b([^>]*)/?>", blk.group(2) or ""):
            attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            existing[unescape(attrs.get("formatCode", ""))] = int(attrs.get("numFmtId", "0"))
    next_id = max([163, *existing.values()]) + 1
    new_fmts: list[str] = []
    sfmts = scratch.find(_M + "numFmts")
    for nf in sfmts if sfmts is not None else ():
        code, sid = nf.get("formatCode") or "", int(nf.get("numFmtId") or 0)
        if code in existing:
            nf_map[sid] = existing[code]
        else:
            nf_map[sid] = existing[code] = next_id
            new_fmts.append(f'<numFmt numFmtId="{next_id}" formatCode={quoteattr(code)}/>')
            next_id += 1
    if new_fmts:
        if blk:
            inner = (blk.group(2) or "") + "".join(new_fmts)
            n = _count(inner, "numFmt")
            out = (
                out[: blk.start()]
                + f"<numFmts{_set_count(blk.group(1), n)}>{inner}</numFmts>"
                + out[blk.end() :]
            )
        else:
            root = re.search(r"<styleSheet\b[^>]*>", out)
            if not root:
                raise Unsupported("no styleSheet element")
            out = (
                out[: root.end()]
                + f'<numFmts count="{len(new_fmts)}">{"".join(new_fmts)}</numFmts>'
                + out[root.end() :]
            )
    maps: dict[str, dict[int, int]] = {}
    for plural, single in (("fonts", "font"), ("fills", "fill"), ("borders", "border")):
        blk = _block(out, plural)
        if not blk:
            raise Unsupported(f"no {plural} block")
        have = _count(blk.group(2) or "", single)
        known = {t: i for i, t in enumerate(_items(blk.group(2) or "", single))} if reuse else {}
        maps[single] = {}
        added: list[str] = []
        sblock = scratch.find(_M + plural)
        for k, e in enumerate(sblock if sblock is not None else ()):
            text = _ser(e)
            if not reuse or text not in known:
                known[text] = have + len(added)
                added.append(text)
            maps[single][k] = known[text]
        inner = (blk.group(2) or "") + "".join(added)
        out = (
            out[: blk.start()]
            + f"<{plural}{_set_count(blk.group(1), _count(inner, single))}>{inner}</{plural}>"
            + out[blk.end() :]
        )
    blk = _block(out, "cellXfs")
    if not blk:
        raise Unsupported("no cellXfs block")
    xf_base = _count(blk.group(2) or "", "xf")
    known_xfs = {t: i for i, t in enumerate(_items(blk.group(2) or "", "xf"))} if reuse else {}
    sxfs = scratch.find(_M + "cellXfs")
    new_xfs: list[str] = []
    xf_map: dict[int, int] = {}
    for k, xf in enumerate(sxfs if sxfs is not None else ()):
        x = ET.Element(xf.tag, dict(xf.attrib))
        x.extend(list(xf))
        for single in ("font", "fill", "border"):
            x.set(f"{single}Id", str(maps[single][int(xf.get(f"{single}Id") or 0)]))
        nid = int(xf.get("numFmtId") or 0)
        x.set("numFmtId", str(nf_map.get(nid, nid)))
        x.set("xfId", "0")
        text = _ser(x)
        if not reuse or text not in known_xfs:
            known_xfs[text] = xf_base + len(new_xfs)
            new_xfs.append(text)
        xf_map[k] = known_xfs[text]
    inner = (blk.group(2) or "") + "".join(new_xfs)
    out = (
        out[: blk.start()]
        + f"<cellXfs{_set_count(blk.group(1), _count(inner, 'xf'))}>{inner}</cellXfs>"
        + out[blk.end() :]
    )
    return out, xf_map


# ----------------------------------------------------------------------------- sheets


def convert_sheet(xml: bytes, xf_map: dict[int, int], strings: list[str]) -> bytes:
    """A scratch worksheet part ready for the target package."""
    ET.register_namespace("", MAIN)
    ET.register_namespace("r", REL_NS)
    root = ET.fromstring(xml)
    for view in root.iter(_M + "sheetView"):
        view.attrib.pop("tabSelected", None)
    for c in root.iter(_M + "c"):
        s = c.get("s")
        c.set("s", str(xf_map.get(int(s), xf_map.get(0, 0)) if s is not None else xf_map.get(0, 0)))
        if c.get("t") == "s":
            v = c.find(_M + "v")
            text = strings[int(v.text or 0)] if v is not None else ""
            if v is not None:
                c.remove(v)
            c.set("t", "inlineStr")
            is_ = ET.SubElement(c, _M + "is")
            t = ET.SubElement(is_, _M + "t")
            t.text = text
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


#: Turns the converted scratch sheets into the sheets to add (see :func:`graft`).
Expand = Callable[[list["_ScratchSheet"]], list["_ScratchSheet"]]


@dataclass(frozen=True)
class Grafted:
    """What :func:`graft_tool` wrote: the sheets' names (as written) and every part it
    added, rewrote or deleted (for the in-place guard: all others are byte for byte)."""

    names: list[str]
    changed: set[str]


def graft_tool(src: str | Path, scratch: bytes, out: str | Path) -> Grafted:
    """:func:`graft` for a ribbon button's own sheets (今日待办, 逾期催款): each is marked
    as the tool's (gendan.write.tool_sheets), replaces in position the tool's earlier sheet
    for the same name, and takes a unique name (``今日待办~2``) where a sheet of the user's
    holds the name - which is never replaced."""
    names, changed = _graft(src, scratch, out, None, None, tool=True)
    return Grafted(names, changed)


def graft(
    src: str | Path,
    scratch: bytes,
    out: str | Path,
    expand: Expand | None = None,
    compresslevel: int | None = None,
    tool: bool = False,
) -> list[str]:
    """Write ``out``: the package ``src`` plus every sheet of the ``scratch`` workbook
    (``tool``: as :func:`graft_tool`).
    Returns the added sheet names.  Raises :class:`Unsupported` for an odd package or a
    sheet name that exists already (case-insensitively, as Excel compares).

    ``expand``, when given, receives the scratch sheets already converted for the target
    (style indexes remapped) and returns the sheets to add instead: the fast document path
    (gendan.documents.fastsheets) passes one template sheet per document shape and gets
    back one sheet per order, so openpyxl writes a handful of sheets, not thousands."""
    return _graft(src, scratch, out, expand, compresslevel, tool)[0]


def _graft(
    src: str | Path,
    scratch: bytes,
    out: str | Path,
    expand: Expand | None,
    compresslevel: int | None,
    tool: bool = False,
) -> tuple[list[str], set[str]]:
    """:func:`graft`; with ``tool``, as :func:`graft_tool`.  Returns the sheet names and
    the parts written or deleted."""
    from gendan.write import tool_sheets

    sheets, sstyles, strings = _scratch(scratch)
    zin = zipfile.ZipFile(src)
    names = set(zin.namelist())
    wbp = workbook_part(zin)
    base = posixpath.dirname(wbp)
    wb_rels_p = rels_part_of(wbp)
    wb = read_text(zin, wbp)
    rels = read_text(zin, wb_rels_p)
    ct = read_text(zin, "[Content_Types].xml")
    styles_p = next(
        (join_target(base, t) for _i, typ, t in rel_targets(rels) if typ.endswith("/styles")), None
    )
    if styles_p is None or styles_p not in names:
        raise Unsupported("no styles part")
    styles, xf_map = merge_styles(read_text(zin, styles_p), sstyles, reuse=tool)
    m = re.search(r"<((?:\w+:)?)sheets\b[^>]*>(.*?)</\1sheets>", wb, re.S)
    if not m:
        raise Unsupported("no sheets element")
    p = m.group(1)
    strict = STRICT_MAIN in wb[: m.start()]
    rel_ns = STRICT_REL_NS if strict else REL_NS
    rp = re.search(r'xmlns:(\w+)="' + re.escape(rel_ns) + '"', wb)
    if not rp:
        raise Unsupported("workbook part does not declare the relationships namespace")
    r = rp.group(1)
    ws_type = (STRICT_REL_NS + "/worksheet") if strict else WS_TYPE
    existing = [unescape(n) for n in re.findall(r'\bname="([^"]*)"', m.group(2))]
    taken = {n.casefold() for n in existing}
    sheets = [
        _ScratchSheet(s.name, convert_sheet(s.xml, xf_map, strings), s.print_area) for s in sheets
    ]
    if expand is not None:
        sheets = expand(sheets)
    if strict:  # the same elements in the Strict namespaces (declared on the root only)
        sheets = [_ScratchSheet(s.name, _to_strict(s.xml), s.print_area) for s in sheets]
    tags = list(re.finditer(rf"<{re.escape(p)}sheet\b[^>]*?/>", m.group(2)))
    if len(tags) != len(existing):
        raise Unsupported("unexpected sheet entries")
    # where each sheet goes: in place of the tool's earlier sheet (index), or at the end
    place: list[int | None] = []
    index = tool_sheets.by_asked(tool_sheets.marked_sheets(wb, p)) if tool else {}
    used: set[int] = set()
    for s in sheets:
        j = tool_sheets.own_sheet(s.name, existing, index, used) if index else None
        if j is not None:
            used.add(j)
        if j is None and s.name.casefold() in taken:
            if not tool:
                raise Unsupported(f"sheet {s.name} exists")
        place.append(j)
    asked = [s.name for s in sheets]
    sheets = [
        _ScratchSheet(existing[j], s.xml, s.print_area)
        if j is not None
        else (
            _ScratchSheet(unique_sheet_name(s.name, taken), s.xml, s.print_area)
            if tool and s.name.casefold() in taken
            else s
        )
        for s, j in zip(sheets, place, strict=True)
    ]
    victims = {
        j: (
            tags[j].group(0),
            _attr_of(tags[j].group(0), f"{r}:id"),
            _attr_of(tags[j].group(0), "sheetId"),
        )
        for j in place
        if j is not None
    }
    removal = tool_sheets.remove_sheets(zin, wb, rels, ct, p, wbp, victims)
    wb, rels, ct = removal.wb, removal.rels, removal.ct
    ids = [int(x) for x in re.findall(r'\bsheetId="(\d+)"', m.group(2))]
    next_sheet_id = max(ids or [0]) + 1
    rel_ids = {i for i, _t, _x in rel_targets(rels)}
    new_sheet_xml, new_rels, new_ct, new_names, parts = [], [], [], [], {}
    k = 1
    appended = 0
    replaced: dict[str, str] = {}  # old <sheet> tag -> new one
    for n, s in enumerate(sheets):
        while (
            f"{base}/worksheets/sheet{k}.xml" in names or f"{base}/worksheets/sheet{k}.xml" in parts
        ):
            k += 1
        part = f"{base}/worksheets/sheet{k}.xml"
        rid = f"rIdGendan{n + 1}"
        while rid in rel_ids:
            rid += "x"
        parts[part] = s.xml
        tag = f'<{p}sheet name={quoteattr(s.name)} sheetId="{next_sheet_id + n}" {r}:id="{rid}"/>'
        j = place[n]
        if j is not None:
            replaced[victims[j][0]] = tag
            local = j
        else:
            new_sheet_xml.append(tag)
            local = len(existing) + appended
            appended += 1
        new_rels.append(f'<Relationship Id="{rid}" Type="{ws_type}" Target="/{part}"/>')
        new_ct.append(f'<Override PartName="/{part}" ContentType="{WS_CT}"/>')
        if s.print_area:
            new_names.append(
                f'<{p}definedName name="_xlnm.Print_Area" localSheetId="{local}">'
                f"{escape(s.print_area)}</{p}definedName>"
            )
        if tool:
            new_names.append(tool_sheets.marker_xml(p, local, asked[n]))
    m = re.search(rf"<({re.escape(p)})sheets\b[^>]*>(.*?)</\1sheets>", wb, re.S)
    if not m:
        raise Unsupported("no sheets element")
    inner = re.sub(
        rf"<{re.escape(p)}sheet\b[^>]*?/>",
        lambda t: replaced.get(t.group(0), t.group(0)),
        m.group(2),
    )
    wb = wb[: m.start(2)] + inner + "".join(new_sheet_xml) + wb[m.end(2) :]
    if new_names:
        dn = re.search(rf"</{re.escape(p)}definedNames>", wb)
        if dn:
            wb = wb[: dn.start()] + "".join(new_names) + wb[dn.start() :]
        elif re.search(rf"<{re.escape(p)}definedNames\s*/>", wb):
            wb = re.sub(
                rf"<{re.escape(p)}definedNames\s*/>",
                f"<{p}definedNames>{''.join(new_names)}</{p}definedNames>",
                wb,
            )
        else:
            wb = insert_in_sequence(
                wb, p, "definedNames", f"<{p}definedNames>{''.join(new_names)}</{p}definedNames>"
            )
    calc = re.search(rf"<{re.escape(p)}calcPr\b([^>]*?)(/?)>", wb)
    if calc:
        attrs = calc.group(1)
        attrs = (
            re.sub(r'fullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', attrs)
            if "fullCalcOnLoad" in attrs
            else attrs + ' fullCalcOnLoad="1"'
        )
        wb = wb[: calc.start()] + f"<{p}calcPr{attrs}{calc.group(2)}>" + wb[calc.end() :]
    else:
        wb = insert_in_sequence(wb, p, "calcPr", f'<{p}calcPr fullCalcOnLoad="1"/>')
    end = rels.rfind("</Relationships>")
    end_ct = ct.rfind("</Types>")
    if end < 0 or end_ct < 0:
        raise Unsupported("unexpected relationships or content types part")
    rels = rels[:end] + "".join(new_rels) + rels[end:]
    ct = ct[:end_ct] + "".join(new_ct) + ct[end_ct:]
    changed = {
        wbp: wb.encode("utf-8"),
        wb_rels_p: rels.encode("utf-8"),
        "[Content_Types].xml": ct.encode("utf-8"),
        styles_p: styles.encode("utf-8"),
        **removal.rewritten,
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout:
        for info in zin.infolist():
            if info.filename in removal.dropped:
                continue
            if info.filename in changed:
                zout.writestr(info.filename, changed[info.filename])
            else:
                copy_entry(zin, zout, info)
        for part, data in parts.items():
            zout.writestr(part, data)
    zin.close()
    return [s.name for s in sheets], {*changed, *parts, *removal.dropped}


def _attr_of(tag: str, name: str) -> str:
    """The value of the attribute ``name`` (with its prefix) of an element's tag."""
    got = re.search(rf'\s{re.escape(name)}="([^"]*)"', tag)
    if got is None:
        raise Unsupported(f"a sheet entry without {name}")
    return unescape(got.group(1))


def _to_strict(xml: bytes) -> bytes:
    """A converted (transitional) sheet part in the Strict namespaces: only the namespace
    declarations change; element and attribute names are the same in both."""
    head, sep, rest = xml.partition(b">")  # the XML declaration
    if head.startswith(b"<?xml"):
        body_head, sep2, body = rest.partition(b">")
        body_head = body_head.replace(MAIN.encode(), STRICT_MAIN.encode()).replace(
            REL_NS.encode(), STRICT_REL_NS.encode()
        )
        return head + sep + body_head + sep2 + body
    return (
        head.replace(MAIN.encode(), STRICT_MAIN.encode()).replace(
            REL_NS.encode(), STRICT_REL_NS.encode()
        )
        + sep
        + rest
    )


def writer(
    src: str | Path,
    scratch: bytes,
    expand: Expand | None = None,
    compresslevel: int | None = None,
    tool: bool = False,
) -> Callable[[Path], list[str]]:
    """For :func:`gendan.write.safe_write.atomic_write`: graft into the temporary target
    (``tool``: as :func:`graft_tool`, marking the sheets and replacing the tool's own)."""
    return lambda tmp: graft(src, scratch, tmp, expand, compresslevel, tool)


def own_sheet_names(path: str | Path) -> set[str]:
    """The case-folded names of the sheets of ``path`` that a tool graft made (and may
    replace); see gendan.write.tool_sheets."""
    from gendan.write import tool_sheets

    with zipfile.ZipFile(path) as z:
        wb = read_text(z, workbook_part(z))
    m = re.search(r"<((?:\w+:)?)sheets\b", wb)
    return tool_sheets.own_sheet_names(wb, m.group(1) if m else "", sheet_names(path))
