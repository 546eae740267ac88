"""Edit an .xlsx/.xlsm package part by part, as text, copying every other part unchanged.

Why: an openpyxl load-and-save rewrites every part it models and drops the rest (formula
results, sparklines, data bars, shapes, buttons, threaded comments, WPS images, printer
settings...).  Writing check marks needs only a few edits, so :mod:`gendan.write.patch_marks`
makes exactly those, with the helpers here:

* :class:`Package` - the parts of a zip package, the workbook's sheet list and
  relationships, and a writer that copies untouched parts and writes changed ones;
* :class:`Styles` - the styles part's fonts, fills and cell formats (``cellXfs``) as text
  items; a mark's format is derived from the cell's own (number format, font, border,
  alignment and protection kept, only the fill changed) and appended, or an identical one
  reused;
* :class:`SheetCells` - where each cell's tag sits in a worksheet part, found with one
  pass over the row tags, so that a cell's ``s=`` can be changed (or a missing cell added)
  without parsing or re-serialising the sheet;
* :func:`xstring` - text for a cell or note as Excel writes it: control characters as
  ``_x000B_``, an existing ``_xHHHH_`` protected as ``_x005F_xHHHH_``.

The user's parts are edited by replacing or inserting text at known places, never parsed
and written back (an XML round trip renames the namespace prefixes ``mc:Ignorable`` names,
which Excel then "repairs").  Anything unexpected raises :class:`Unsupported`.  The zip
and relationship helpers are gendan.write.inject's (the ``docs`` grafting).
"""

from __future__ import annotations

import bisect
import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from gendan.model.grid import column_index as col_index
from gendan.model.grid import column_letter as col_letter
from gendan.ooxml import (
    REL_NS,
    STRICT_MAIN,
    Unsupported,
    copy_entry,
    join_target,
    rel_targets,
    rels_part_of,
    unescape,
    workbook_part,
)
from gendan.write.sheet_window import StreamedPart, Window

__all__ = [
    "Package",
    "SheetCells",
    "SheetEntry",
    "Styles",
    "Unsupported",
    "attr",
    "col_index",
    "col_letter",
    "split_ref",
    "xstring",
]

CT_PART = "[Content_Types].xml"

# ----------------------------------------------------------------------------- text


_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xstring(text: str) -> str:
    """``text`` as element content of a cell, string or note, escaped as Excel does.

    XML 1.0 cannot hold most control characters; Excel writes U+000B as ``_x000B_`` and
    protects a literal ``_x000B_`` typed by a user as ``_x005F_x000B_``."""
    t = _ESCAPED.sub(r"_x005F_\1", text) if "_x" in text else text
    if _ILLEGAL.search(t):
        t = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", t)
    return escape(t)


def attr(text: str) -> str:
    """``text`` as a double-quoted attribute value (control characters escaped as above)."""
    return (
        '"'
        + xstring(text)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
        + '"'
    )


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def split_ref(ref: str) -> tuple[int, int]:
    """'B12' -> (12, 2)."""
    m = _REF.match(ref.strip())
    if not m:
        raise Unsupported(f"cell reference {ref!r}")
    return int(m.group(2)), col_index(m.group(1))


def _attrs(tag: str) -> dict[str, str]:
    return {
        k.split(":")[-1] if not k.startswith("xmlns") else k: unescape(v)
        for k, v in re.findall(r'([\w:]+)\s*=\s*"([^"]*)"', tag)
    }


# ----------------------------------------------------------------------------- package


@dataclass
class SheetEntry:
    """One ``<sheet>`` of the workbook part: its name, part and where its tag sits."""

    name: str
    part: str
    rid: str
    sheet_id: int
    state: str | None
    tag: str


@dataclass
class Package:
    """A zip package opened for editing.  ``changed`` maps part names to new bytes (None:
    the part is removed); every other part is copied as it is."""

    path: Path
    zin: zipfile.ZipFile = field(init=False)
    names: list[str] = field(init=False)
    changed: dict[str, bytes | list[bytes] | StreamedPart | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            self.zin = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Unsupported(f"not a zip package: {exc}") from None
        self.names = self.zin.namelist()
        self.wb_part = workbook_part(self.zin)
        self.base = posixpath.dirname(self.wb_part)
        self.wb_rels_part = self.rels_of(self.wb_part)
        self.wb = self.text(self.wb_part)
        if STRICT_MAIN in self.wb[:2000]:
            raise Unsupported("Strict Open XML workbook")
        m = re.search(r"<((?:\w+:)?)workbook\b", self.wb)
        if not m:
            raise Unsupported("no workbook element")
        self.p = m.group(1)
        rp = re.search(r'xmlns:(\w+)="' + re.escape(REL_NS) + '"', self.wb)
        self.r = rp.group(1) if rp else None
        self.wb_rels = self.text(self.wb_rels_part)
        self.ct = self.text(CT_PART)
        self.sheets = self._sheets()

    # -- reading
    def has(self, name: str) -> bool:
        if name in self.changed:
            return self.changed[name] is not None
        return name in self._nameset

    @property
    def _nameset(self) -> set[str]:
        s = getattr(self, "_ns", None)
        if s is None:
            s = self._ns = set(self.names)
        return s

    def read(self, name: str) -> bytes:
        if name in self.changed:
            data = self.changed[name]
            if data is None:
                raise Unsupported(f"part {name} removed")
            return data if isinstance(data, bytes) else b"".join(data)
        try:
            return self.zin.read(name)
        except KeyError:
            raise Unsupported(f"part {name} missing") from None

    def text(self, name: str) -> str:
        data = self.read(name)
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Unsupported(f"part {name} is not UTF-8") from None

    @staticmethod
    def rels_of(part: str) -> str:
        return rels_part_of(part)

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, resolved target) of ``part``'s relationships (external ones as given)."""
        rp = self.rels_of(part)
        if not self.has(rp):
            return []
        out = []
        for m in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)/?>", self.text(rp)):
            a = _attrs(m.group(1))
            target = a.get("Target", "")
            if a.get("TargetMode", "").lower() != "external":
                target = join_target(posixpath.dirname(part), target)
            out.append((a.get("Id", ""), a.get("Type", ""), target))
        return out

    def _sheets(self) -> list[SheetEntry]:
        targets = {i: join_target(self.base, t) for i, _t, t in rel_targets(self.wb_rels)}
        out = []
        for m in re.finditer(rf"<{re.escape(self.p)}sheet\b[^>]*>", self.wb):
            a = _attrs(m.group(0))
            rid = a.get("id", "")
            out.append(
                SheetEntry(
                    a.get("name", ""),
                    targets.get(rid, ""),
                    rid,
                    int(a.get("sheetId", "0") or 0),
                    a.get("state"),
                    m.group(0),
                )
            )
        return out

    def sheet(self, name: str) -> SheetEntry | None:
        return next((s for s in self.sheets if s.name == name), None)

    def styles_part(self) -> str:
        for _i, typ, target in rel_targets(self.wb_rels):
            if typ.endswith("/styles"):
                return join_target(self.base, target)
        raise Unsupported("no styles part")

    # -- editing
    def put(self, name: str, data: bytes | list[bytes] | StreamedPart | str | None) -> None:
        self.changed[name] = data.encode("utf-8") if isinstance(data, str) else data

    def free_name(self, pattern: str) -> str:
        """The first ``pattern % k`` (k = 1, 2, ...) that is no part of the package."""
        k = 1
        low = {n.lower() for n in self.names} | {
            n.lower() for n, d in self.changed.items() if d is not None
        }
        while (pattern % k).lower() in low:
            k += 1
        return pattern % k

    def add_override(self, part: str, content_type: str) -> None:
        if re.search(r'PartName="/' + re.escape(part) + '"', self.ct, re.I):
            return
        end = self.ct.rfind("</")
        self.ct = (
            self.ct[:end]
            + f'<Override PartName="/{part}" ContentType="{content_type}"/>'
            + self.ct[end:]
        )

    def remove_override(self, part: str) -> None:
        self.ct = re.sub(
            r'<(?:\w+:)?Override\b[^>]*PartName="/' + re.escape(part) + r'"[^>]*/>',
            "",
            self.ct,
            flags=re.I,
        )

    def add_default(self, ext: str, content_type: str) -> None:
        if re.search(r'<(?:\w+:)?Default\b[^>]*Extension="' + re.escape(ext) + '"', self.ct, re.I):
            return
        end = self.ct.rfind("</")
        self.ct = (
            self.ct[:end]
            + f'<Default Extension="{ext}" ContentType="{content_type}"/>'
            + self.ct[end:]
        )

    def add_rel(self, part: str, rtype: str, target: str) -> str:
        """Add a relationship from ``part`` (target relative to it); returns its Id."""
        rp = self.rels_of(part)
        xml = (
            self.text(rp)
            if self.has(rp)
            else (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
            )
        )
        ids = set(re.findall(r'\bId="([^"]*)"', xml))
        k = 1
        while f"rIdG{k}" in ids:
            k += 1
        rid = f"rIdG{k}"
        rel = f'<Relationship Id="{rid}" Type="{rtype}" Target="{escape(target)}"/>'
        end = xml.rfind("</")
        if xml.rstrip().endswith("/>") and "</" not in xml[xml.find("<Relationships") :]:
            xml = re.sub(
                r"<((?:\w+:)?)Relationships\b([^>]*)/>",
                rf"<\1Relationships\2>{rel}</\1Relationships>",
                xml,
            )
        else:
            xml = xml[:end] + rel + xml[end:]
        self.put(rp, xml)
        return rid

    def remove_rel(self, part: str, rid: str) -> None:
        rp = self.rels_of(part)
        if not self.has(rp):
            return
        xml = re.sub(
            r'<(?:\w+:)?Relationship\b[^>]*\bId="' + re.escape(rid) + r'"[^>]*/>', "", self.text(rp)
        )
        if not re.search(r"<(?:\w+:)?Relationship\b", xml):
            self.put(rp, None)  # no relationships left: the part goes (gendan had made it)
        else:
            self.put(rp, xml)

    def write(self, out: str | Path, compresslevel: int | None = None) -> None:
        """Write the package to ``out``: parts in their original order, changed ones
        replaced, removed ones left out, new ones at the end.  ``compresslevel`` is for the
        parts written anew (1 is 4x faster than zlib's default on a big sheet)."""
        if self.wb != self.text(self.wb_part):
            self.put(self.wb_part, self.wb)
        if self.ct != self.text(CT_PART):
            self.put(CT_PART, self.ct)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout:
            for info in self.zin.infolist():
                name = info.filename
                if name in self.changed:
                    data = self.changed[name]
                    if data is not None:
                        zi = zipfile.ZipInfo(name, date_time=info.date_time)
                        zi.compress_type = zipfile.ZIP_DEFLATED
                        zi.external_attr = info.external_attr
                        _write(zout, zi, data, compresslevel)
                else:
                    copy_entry(self.zin, zout, info)
            for name, data in self.changed.items():
                if data is not None and name not in self._nameset:
                    zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    _write(zout, zi, data, compresslevel)

    def close(self) -> None:
        self.zin.close()


def _write(
    zout: zipfile.ZipFile,
    zi: zipfile.ZipInfo,
    data: bytes | list[bytes] | StreamedPart,
    level: int | None,
) -> None:
    for slot in ("compress_level", "_compresslevel"):  # named so from Python 3.13 / before
        if slot in zipfile.ZipInfo.__slots__:
            setattr(zi, slot, level)
            break
    if isinstance(data, bytes):
        zout.writestr(zi, data)
        return
    size = len(data) if isinstance(data, StreamedPart) else sum(map(len, data))
    with zout.open(zi, "w", force_zip64=size > 0x7FFFFFFF) as fh:
        for piece in data:
            fh.write(piece)


# ----------------------------------------------------------------------------- styles


def _items(inner: str, p: str, tag: str) -> list[str]:
    t = re.escape(p + tag)
    return re.findall(rf"<{t}\b[^>]*?/>|<{t}\b[^>]*?[^/]>.*?</{t}>|<{t}>.*?</{t}>", inner, re.S)


class Styles:
    """The styles part's fonts, fills and cell formats as lists of XML text items.

    Items are only ever appended (existing indexes stay valid); an item identical to an
    existing one is reused, so annotating twice does not grow the part."""

    BLOCKS = (("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf"))

    def __init__(self, xml: str) -> None:
        self.xml = xml
        m = re.search(r"<((?:\w+:)?)styleSheet\b", xml)
        if not m:
            raise Unsupported("no styleSheet element")
        self.p = m.group(1)
        self.items: dict[str, list[str]] = {}
        self.found: dict[str, dict[str, int]] = {}
        self.added: dict[str, int] = {}
        for plural, single in self.BLOCKS:
            blk = self._block(plural)
            if blk is None:
                raise Unsupported(f"no {plural} block")
            items = _items(blk[3], self.p, single)
            if not items and plural != "fonts":
                raise Unsupported(f"empty {plural} block")
            self.items[plural] = items
            self.found[plural] = {}
            for i, it in enumerate(items):
                self.found[plural].setdefault(it, i)
            self.added[plural] = 0

    def _block(self, plural: str, xml: str | None = None) -> tuple[int, int, str, str] | None:
        """(start, end, attributes, inner text) of the ``plural`` element."""
        xml = self.xml if xml is None else xml
        t = self.p + plural
        m = re.search(rf"<{re.escape(t)}\b([^>]*?)(/?)>", xml)
        if m is None:
            return None
        if m.group(2):
            return m.start(), m.end(), m.group(1), ""
        close = xml.find(f"</{t}>", m.end())
        if close < 0:
            return None
        return m.start(), close + len(t) + 3, m.group(1), xml[m.end() : close]

    def find(self, plural: str, item: str) -> int | None:
        return self.found[plural].get(item)

    def index(self, plural: str, item: str) -> int:
        """The index of ``item`` in ``plural`` (appended when new)."""
        got = self.found[plural].get(item)
        if got is not None:
            return got
        self.items[plural].append(item)
        self.added[plural] += 1
        n = len(self.items[plural]) - 1
        self.found[plural][item] = n
        return n

    def xf(self, s: int) -> str:
        xfs = self.items["cellXfs"]
        return xfs[s] if 0 <= s < len(xfs) else xfs[0]

    def fill_of(self, s: int) -> str:
        m = re.search(r'\bfillId="(\d+)"', self.xf(s).split(">", 1)[0])
        k = int(m.group(1)) if m else 0
        fills = self.items["fills"]
        return fills[k] if k < len(fills) else fills[0]

    def solid_rgb(self, s: int) -> str | None:
        """``RRGGBB`` of the cell format's solid fill, None for no fill or a colour given
        otherwise (theme, indexed)."""
        fill = self.fill_of(s)
        if not re.search(r'patternType="solid"', fill):
            return None
        m = re.search(r'<(?:\w+:)?fgColor\b[^>]*\brgb="([0-9A-Fa-f]{6,8})"', fill)
        return m.group(1)[-6:].upper() if m else None

    def solid_fill_xml(self, rgb: str) -> str:
        p = self.p
        argb = "FF" + rgb.upper()
        return (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{argb}"/>'
            f'<{p}bgColor rgb="{argb}"/></{p}patternFill></{p}fill>'
        )

    def solid_fill(self, rgb: str) -> int:
        return self.index("fills", self.solid_fill_xml(rgb))

    def with_fill_xml(self, s: int, fill: int) -> str:
        """The cell format ``s`` with fill ``fill`` (every other attribute and child kept)."""
        xf = self.xf(s)
        head, sep, rest = xf.partition(">")
        closing = head.endswith("/")
        if closing:
            head = head[:-1].rstrip()
        if re.search(r'\bfillId="\d+"', head):
            head = re.sub(r'\bfillId="\d+"', f'fillId="{fill}"', head)
        else:
            head += f' fillId="{fill}"'
        if fill == 0:
            head = re.sub(r'\s+applyFill="[^"]*"', "", head)
        elif re.search(r'\bapplyFill="[^"]*"', head):
            head = re.sub(r'\bapplyFill="[^"]*"', 'applyFill="1"', head)
        else:
            head += ' applyFill="1"'
        return head + ("/" if closing else "") + sep + rest

    def with_fill(self, s: int, fill: int) -> int:
        return self.index("cellXfs", self.with_fill_xml(s, fill))

    def base_font(self) -> dict[str, str]:
        """name/family/charset/scheme/size of font 0, for the tool sheets' fonts."""
        got: dict[str, str] | None = getattr(self, "_base_font", None)
        if got is not None:
            return got
        self._base_font: dict[str, str] = self._font0()
        return self._base_font

    def _font0(self) -> dict[str, str]:
        fonts = self.items["fonts"]
        out = {"name": "Calibri", "sz": "11"}
        if fonts:
            for key in ("name", "sz", "family", "charset", "scheme"):
                m = re.search(rf'<(?:\w+:)?{key}\b[^>]*\bval="([^"]*)"', fonts[0])
                if m:
                    out[key] = m.group(1)
        return out

    def font(
        self,
        bold: bool = False,
        size: float | None = None,
        color: str | None = None,
        underline: bool = False,
    ) -> int:
        p, b = self.p, self.base_font()
        sz = f"{size:g}" if size is not None else b["sz"]
        parts = [
            f"<{p}b/>" if bold else "",
            f"<{p}u/>" if underline else "",
            f'<{p}sz val="{sz}"/>',
            f'<{p}color rgb="FF{color}"/>' if color else "",
            f'<{p}name val="{escape(b["name"])}"/>',
        ]
        if "family" in b:
            parts.append(f'<{p}family val="{b["family"]}"/>')
        if "charset" in b:
            parts.append(f'<{p}charset val="{b["charset"]}"/>')
        return self.index("fonts", f"<{p}font>{''.join(parts)}</{p}font>")

    def cell_format(self, font: int, fill: int, quote: bool = False) -> int:
        """A cell format (cellXfs index) with this font and fill; ``quote`` adds
        quotePrefix, which keeps text that starts with = text when the user edits the cell
        (as gendan.model.sanitize.openpyxl_set_text does on the openpyxl path)."""
        attrs = f'numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
        if font:
            attrs += ' applyFont="1"'
        if fill:
            attrs += ' applyFill="1"'
        if quote:
            attrs += ' quotePrefix="1"'
        return self.index("cellXfs", f"<{self.p}xf {attrs}/>")

    @property
    def dirty(self) -> bool:
        return any(self.added.values())

    def to_xml(self) -> str:
        out = self.xml
        for plural, _single in self.BLOCKS:
            if not self.added[plural]:
                continue
            blk = self._block(plural, out)
            assert blk is not None
            attrs = blk[2]
            attrs = (
                re.sub(r'\bcount="\d+"', f'count="{len(self.items[plural])}"', attrs)
                if re.search(r'\bcount="\d+"', attrs)
                else f'{attrs} count="{len(self.items[plural])}"'
            )
            t = self.p + plural
            out = out[: blk[0]] + f"<{t}{attrs}>{''.join(self.items[plural])}</{t}>" + out[blk[1] :]
        return out


# ----------------------------------------------------------------------------- cells


@dataclass
class CellLoc:
    """Where a cell's tag is in the sheet part (byte offsets) and its style attribute."""

    start: int
    end: int  # after the tag's '>'
    s: int | None
    selfclosing: bool
    close: int  # after the cell element ('</c>' or the self-closing tag)


@dataclass
class RowLoc:
    start: int
    end: int  # after the row tag
    close: int  # start of '</row>' (== end for a self-closing row)
    selfclosing: bool
    style: int | None  # s of a row with customFormat="1"


_ATTR_S = re.compile(rb'\ss="(\d+)"')
_ATTR_R = re.compile(rb'\sr="\$?([A-Za-z]{1,3})\$?(\d+)"')
_ATTR_ROW_R = re.compile(rb'\sr="(\d+)"')


class SheetCells:
    """Cell positions of one worksheet part, found from its bytes.

    One regex pass over the row tags (C speed; a 100,000-row master in a few hundred
    milliseconds) indexes the rows; cells are then looked up only in the rows asked for.
    ``edits`` collects (start, end, bytes) replacements; :meth:`result` applies them."""

    def __init__(self, data: bytes, window: Window | None = None) -> None:
        self.data = data
        #: a big part seen through a window (gendan.write.sheet_window): ``data`` holds only its
        #: head, tail and the rows asked for; :meth:`result` streams the part with the edits
        self.window = window
        m = re.search(rb"<((?:\w+:)?)worksheet\b", data[:4096])
        if not m:
            raise Unsupported("no worksheet element")
        self.p = m.group(1)
        p = re.escape(self.p)
        sd = re.search(rb"<" + p + rb"sheetData\b[^>]*?(/?)>", data)
        if not sd:
            raise Unsupported("no sheetData")
        self.sd_tag = (sd.start(), sd.end(), bool(sd.group(1)))
        if sd.group(1):
            self.sd_close = sd.end()
        else:
            close = data.find(b"</" + self.p + b"sheetData>", sd.end())
            if close < 0:
                raise Unsupported("sheetData not closed")
            self.sd_close = close
        self._rows: dict[int, RowLoc] | None = None
        self._row: dict[int, RowLoc | None] = {}
        self._known: list[int] = []  # rows found directly, ascending
        self._cells: dict[int, dict[int, CellLoc]] = {}
        self._row_pat = re.compile(rb"<" + re.escape(self.p) + rb"row\b([^>]*?)(/?)>")
        self._cell_pat = re.compile(rb"<" + re.escape(self.p) + rb"c\b([^>]*?)(/?)>")
        self._row_order: list[int] = []
        self.edits: list[tuple[int, int, bytes]] = []

    def rows(self) -> dict[int, RowLoc]:
        if self._rows is not None:
            return self._rows
        rows: dict[int, RowLoc] = {}
        order: list[int] = []
        p = re.escape(self.p)
        close_tag = b"</" + self.p + b"row>"
        last = 0
        pat = re.compile(rb"<" + p + rb"row\b([^>]*?)(/?)>")
        pos = self.sd_tag[1]
        data = self.data
        while True:
            m = pat.search(data, pos, self.sd_close)
            if m is None:
                break
            rm = _ATTR_ROW_R.search(m.group(1))
            r = int(rm.group(1)) if rm else last + 1
            if m.group(2):
                close = m.end()
                pos = m.end()
            else:
                close = data.find(close_tag, m.end(), self.sd_close)
                if close < 0:
                    raise Unsupported("row not closed")
                pos = close + len(close_tag)
            style = None
            if re.search(rb'customFormat="(1|true)"', m.group(1)):
                sm = _ATTR_S.search(m.group(1))
                style = int(sm.group(1)) if sm else None
            rows[r] = RowLoc(m.start(), m.end(), close, bool(m.group(2)), style)
            order.append(r)
            last = r
        self._rows, self._row_order = rows, order
        return rows

    @classmethod
    def of(cls, zin: zipfile.ZipFile, part: str, rows: Iterable[int] = ()) -> SheetCells:
        """The cells of ``part``: read whole, or, above WINDOW_BYTES, through a window
        holding ``rows`` (more are read on demand, before the first edit)."""
        from gendan.write import sheet_window

        if zin.getinfo(part).file_size > sheet_window.WINDOW_BYTES:
            try:
                w = sheet_window.scan(zin, part, rows)
                return cls(w.data, w)
            except sheet_window.Unwindowable:
                pass
        return cls(zin.read(part))

    def _prepare(self, r: int) -> None:
        """Make row ``r`` (and those asked for before) available in a windowed part: one
        more pass over the part; only before any edit (edits hold buffer offsets)."""
        from gendan.write import sheet_window

        assert self.window is not None
        if self.edits:
            raise Unsupported(f"row {r} was asked for after the edits began")
        try:
            w = sheet_window.scan(self.window.zin, self.window.part, self.window.rows | {r})
        except sheet_window.Unwindowable as exc:
            raise Unsupported(str(exc)) from None
        self.__init__(w.data, w)  # type: ignore[misc]  # the same part, another window

    def row(self, r: int) -> RowLoc | None:
        """Row ``r``: found directly by its ``<row r="N"`` tag (one C-speed search; every
        writer seen puts ``r`` first), else from the index of all rows."""
        if self.window is not None and r not in self.window.rows:
            self._prepare(r)
        if self._rows is not None:
            return self._rows.get(r)
        if r in self._row:
            return self._row[r]
        # rows come in ascending order: search only between the nearest rows found so far
        k = bisect.bisect_left(self._known, r)
        lo = self._row[self._known[k - 1]].close if k > 0 else self.sd_tag[1]  # type: ignore[union-attr]
        hi = self._row[self._known[k]].start if k < len(self._known) else self.sd_close  # type: ignore[union-attr]
        i = self.data.find(b"<" + self.p + b'row r="%d"' % r, lo, hi)
        if i < 0:
            return self.rows().get(r)
        m = self._row_pat.match(self.data, i)
        if m is None:
            return self.rows().get(r)
        self._row[r] = loc = self._row_loc(m)
        self._known.insert(k, r)
        return loc

    def _row_loc(self, m: re.Match[bytes]) -> RowLoc:
        if m.group(2):
            close = m.end()
        else:
            close = self.data.find(b"</" + self.p + b"row>", m.end(), self.sd_close)
            if close < 0:
                raise Unsupported("row not closed")
        style = None
        if re.search(rb'customFormat="(1|true)"', m.group(1)):
            sm = _ATTR_S.search(m.group(1))
            style = int(sm.group(1)) if sm else None
        return RowLoc(m.start(), m.end(), close, bool(m.group(2)), style)

    def cell(self, r: int, c: int) -> CellLoc | None:
        """Cell (r, c): found directly by its ``<c r="REF"`` tag in its row, else from the
        row's cells one by one (cells without ``r``, or a cell that is not there)."""
        got = self._cells.get(r)
        if got is not None:
            return got.get(c)
        row = self.row(r)
        if row is None or row.selfclosing:
            return None
        i = self.data.find(
            b"<" + self.p + b'c r="%s%d"' % (col_letter(c).encode(), r), row.end, row.close
        )
        m = self._cell_pat.match(self.data, i) if i >= 0 else None
        if m is None:
            return self.cells(r).get(c)
        return self._cell_loc(m, 0, row.close)

    def _cell_loc(self, m: re.Match[bytes], base: int, limit: int) -> CellLoc:
        sm = _ATTR_S.search(m.group(1))
        start, end = base + m.start(), base + m.end()
        if m.group(2):
            close = end
        else:
            ce = self.data.find(b"</" + self.p + b"c>", end, limit)
            close = ce + len(self.p) + 4 if ce >= 0 else end
        return CellLoc(start, end, int(sm.group(1)) if sm else None, bool(m.group(2)), close)

    def cells(self, row: int) -> dict[int, CellLoc]:
        """The cells of ``row`` by column (empty when the row is absent)."""
        got = self._cells.get(row)
        if got is not None:
            return got
        got = self._cells[row] = self._find_cells(row)
        return got

    def _find_cells(self, row: int) -> dict[int, CellLoc]:
        loc = self.row(row)
        if loc is None or loc.selfclosing:
            return {}
        out: dict[int, CellLoc] = {}
        p = re.escape(self.p)
        col = 0
        data = self.data
        for m in self._cell_pat.finditer(data, loc.end, loc.close):
            rm = _ATTR_R.search(m.group(1))
            col = col_index(rm.group(1).decode()) if rm else col + 1
            out[col] = self._cell_loc(m, 0, loc.close)
        del p
        return out

    def cols_style(self) -> dict[int, int]:
        """Column -> style of ``<col style=...>`` ranges (what an empty cell shows)."""
        head = self.data[: self.sd_tag[0]]
        out: dict[int, int] = {}
        for m in re.finditer(rb"<(?:\w+:)?col\b([^>]*)/?>", head):
            a = m.group(1)
            lo, hi, st = (re.search(rb'\b%s="(\d+)"' % k, a) for k in (b"min", b"max", b"style"))
            if lo and hi and st and int(hi.group(1)) - int(lo.group(1)) < 16385:
                for c in range(int(lo.group(1)), int(hi.group(1)) + 1):
                    out[c] = int(st.group(1))
        return out

    def merges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges as (r1, c1, r2, c2)."""
        tail = self.data[self.sd_close :]
        out = []
        for m in re.finditer(
            rb'<(?:\w+:)?mergeCell\b[^>]*\bref="\$?([A-Za-z]+)\$?(\d+):\$?([A-Za-z]+)\$?(\d+)"',
            tail,
        ):
            c1, r1, c2, r2 = m.groups()
            out.append((int(r1), col_index(c1.decode()), int(r2), col_index(c2.decode())))
        return out

    def result(self) -> list[bytes] | StreamedPart:
        """The part's bytes with the edits made, as slices (views: no copy of the part), or,
        for a windowed part, produced while the package is written."""
        if self.window is not None:
            from gendan.write.sheet_window import StreamedPart, Unwindowable

            try:
                return StreamedPart(self.window, self.edits)
            except Unwindowable as exc:
                raise Unsupported(str(exc)) from None
        out: list[Any] = []
        view = memoryview(self.data)
        pos = 0
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1])):
            if start < pos:
                raise Unsupported("overlapping edits")
            out.append(view[pos:start])
            out.append(new)
            pos = end
        out.append(view[pos:])
        return out
