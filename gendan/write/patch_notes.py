"""Notes for check marks, patched into a sheet's comments part and its legacy VML drawing.

Excel keeps a note twice: its text in the sheet's comments part, its box as a shape in the
sheet's legacy VML drawing (which may also hold form buttons and the notes of threaded
comments).  :class:`Notes` edits both as text for :mod:`gendan.write.patch_marks`: the tool's
earlier notes (author ``gendan`` or text starting ``[gendan]``) go, new ones are appended
with shape ids no other drawing of the package uses, and a note the user wrote on a cell is
never replaced.  When gendan's notes were all a part held, the part, its relationship, its
content type and the sheet's ``<legacyDrawing>`` go too, so clearing gives the sheet back
as it was.  VML prefixes are taken from the part (Excel writes v/o/x, openpyxl ns0/ns1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gendan.model.plan import MARK_TAG, Note
from gendan.ooxml import MAIN, REL_NS, relative_target
from gendan.write.marks import is_tool_note
from gendan.write.xlsx_patch import Package, Unsupported, split_ref, xstring

__all__ = ["Notes"]

_T = REL_NS + "/"
COMMENTS_TYPE, VML_TYPE = _T + "comments", _T + "vmlDrawing"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_AFTER_LEGACY = (
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


@dataclass
class _Comment:
    ref: str
    author: str
    text: str
    span: tuple[int, int]


def _xml_text(s: str) -> str:
    s = re.sub(r"<[^>]+>", "", s)
    s = (
        s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )
    return s


def _parse_comments(xml: str) -> tuple[list[str], list[_Comment]]:
    authors = [
        _xml_text(a) for a in re.findall(r"<(?:\w+:)?author>(.*?)</(?:\w+:)?author>", xml, re.S)
    ]
    authors += [""] * 0
    out = []
    for m in re.finditer(r"<(?:\w+:)?comment\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?comment>)", xml, re.S):
        ref = re.search(r'\bref="([^"]*)"', m.group(1))
        aid = re.search(r'\bauthorId="(\d+)"', m.group(1))
        k = int(aid.group(1)) if aid else -1
        texts = re.findall(r"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", m.group(2) or "", re.S)
        out.append(
            _Comment(
                ref.group(1).upper() if ref else "",
                authors[k] if 0 <= k < len(authors) else "",
                "".join(_xml_text(t) for t in texts),
                (m.start(), m.end()),
            )
        )
    return authors, out


_VML_NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}


def _vml_prefixes(text: str) -> tuple[str, dict[str, str]]:
    """The VML with every namespace a note needs declared, and the prefixes it uses for
    them (Excel writes v/o/x; openpyxl ns0/ns1/ns2)."""
    found: dict[str, str] = {}
    for key, uri in _VML_NS.items():
        m = re.search(r'xmlns:([\w.-]+)="' + re.escape(uri) + '"', text)
        if m:
            found[key] = m.group(1)
    missing = [k for k in _VML_NS if k not in found]
    if missing:
        root = re.search(r"<xml\b", text)
        if root is None:
            raise Unsupported("VML drawing without an <xml> root")
        decl = ""
        for k in missing:
            name = k if not re.search(rf"xmlns:{k}=", text) else f"gd{k}"
            found[k] = name
            decl += f' xmlns:{name}="{_VML_NS[k]}"'
        text = text[: root.end()] + decl + text[root.end() :]
    return text, found


def _shapetype(n: dict[str, str]) -> str:
    v, o = n["v"], n["o"]
    return (
        f'<{v}:shapetype id="_x0000_t202" coordsize="21600,21600" {o}:spt="202" '
        f'path="m,l,21600r21600,l21600,xe"><{v}:stroke joinstyle="miter"/>'
        f'<{v}:path gradientshapeok="t" {o}:connecttype="rect"/></{v}:shapetype>'
    )


def _note_shape(spid: int, row0: int, col0: int, n: dict[str, str]) -> str:
    v, o, x = n["v"], n["o"], n["x"]
    anchor = f"{col0 + 1}, 15, {max(row0 - 1, 0)}, 10, {col0 + 4}, 15, {row0 + 6}, 4"
    return (
        f'<{v}:shape id="_x0000_s{spid}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
        f'margin-top:1.5pt;width:240pt;height:105pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
        f'{o}:insetmode="auto"><{v}:fill color2="#ffffe1"/><{v}:shadow on="t" color="black" obscured="t"/>'
        f'<{v}:path {o}:connecttype="none"/><{v}:textbox style="mso-direction-alt:auto">'
        f'<div style="text-align:left"></div></{v}:textbox><{x}:ClientData ObjectType="Note"><{x}:MoveWithCells/>'
        f"<{x}:SizeWithCells/><{x}:Anchor>{anchor}</{x}:Anchor><{x}:AutoFill>False</{x}:AutoFill>"
        f"<{x}:Row>{row0}</{x}:Row><{x}:Column>{col0}</{x}:Column></{x}:ClientData></{v}:shape>"
    )


def _new_vml(blocks: list[int]) -> str:
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        f'<o:idmap v:ext="edit" data="{",".join(map(str, blocks))}"/></o:shapelayout>'
        f"{_shapetype({'v': 'v', 'o': 'o', 'x': 'x'})}</xml>"
    )


def _idmap(text: str) -> re.Match[str] | None:
    return re.search(r'<[\w.-]+:idmap\b[^>]*?\bdata="([^"]*)"', text)


class Notes:
    """Writes the notes of a marks plan into a package (one instance per run)."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.notes_skipped = 0
        #: the tool's earlier notes taken away, as gendan.write.safe_write.parts_lost words them
        self.dropped_notes: set[str] = set()

    def has_tool_notes(self, part: str) -> bool:
        """Whether the sheet part ``part`` has notes the tool wrote (cheap: its comments
        part only)."""
        pkg = self.pkg
        if not part or not pkg.has(pkg.rels_of(part)):
            return False
        for _i, typ, target in pkg.rels(part):
            if typ == COMMENTS_TYPE and pkg.has(target):
                authors, comments = _parse_comments(pkg.text(target))
                if any(is_tool_note(c.text, c.author) for c in comments):
                    return True
        return False

    def apply(self, sp: Any, notes: list[Note], clear: bool) -> None:
        pkg = self.pkg
        rels = pkg.rels(sp.part)
        com = next(((i, t) for i, typ, t in rels if typ == COMMENTS_TYPE and pkg.has(t)), None)
        if com is None and not notes:
            return
        authors: list[str] = []
        comments: list[_Comment] = []
        xml = ""
        if com is not None:
            xml = pkg.text(com[1])
            authors, comments = _parse_comments(xml)
        drop = [c for c in comments if clear and is_tool_note(c.text, c.author)]
        self.dropped_notes |= {f"comment on {sp.name}!{c.ref}" for c in drop}
        users = {c.ref for c in comments if c not in drop}
        for _i, typ, target in rels:  # a threaded comment is the user's, with or without its note
            if typ.lower().endswith("/threadedcomment") and pkg.has(target):
                users |= {
                    r.upper()
                    for r in re.findall(
                        r'<(?:\w+:)?threadedComment\b[^>]*?\bref="([^"]+)"', pkg.text(target)
                    )
                }
        add = []
        for n in notes:
            if n.cell.upper() in users:
                self.notes_skipped += 1
                continue
            add.append(n)
        if not drop and not add:
            return
        keep = len(comments) - len(drop)
        sx = sp.cells.data
        lm = re.search(
            rb"<(?:\w+:)?legacyDrawing\b[^>]*?\b(?:\w+:)?id=\"([^\"]*)\"[^>]*/>",
            sx[sp.cells.sd_close :],
        )
        vml_rid = lm.group(1).decode() if lm else None
        vml = next((t for i, _typ, t in rels if i == vml_rid), None) if vml_rid else None
        # comments part
        if keep == 0 and not add:
            pkg.put(com[1], None)  # type: ignore[index]
            pkg.remove_rel(sp.part, com[0])  # type: ignore[index]
            pkg.remove_override(com[1])  # type: ignore[index]
        else:
            if com is None:
                xml = (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}">'
                    f"<authors></authors><commentList></commentList></comments>"
                )
                part = pkg.free_name(pkg.base + "/comments%d.xml")
                pkg.add_rel(sp.part, COMMENTS_TYPE, relative_target(sp.part, part))
                pkg.add_override(part, COMMENTS_CT)
                com = ("", part)
            pm = re.search(r"<((?:\w+:)?)comments\b", xml)
            p = pm.group(1) if pm else ""
            for c in sorted(drop, key=lambda c: -c.span[0]):
                xml = xml[: c.span[0]] + xml[c.span[1] :]
            xml = _drop_tool_author(xml, p, authors, add)
            if add:
                if MARK_TAG not in authors:
                    if re.search(rf"<{re.escape(p)}authors\s*/>", xml):
                        xml = re.sub(
                            rf"<{re.escape(p)}authors\s*/>", f"<{p}authors></{p}authors>", xml
                        )
                    end = xml.find(f"</{p}authors>")
                    if end < 0:
                        raise Unsupported("comments part without authors")
                    xml = xml[:end] + f"<{p}author>{MARK_TAG}</{p}author>" + xml[end:]
                    authors.append(MARK_TAG)
                aid = authors.index(MARK_TAG)
                made = "".join(
                    f'<{p}comment ref="{n.cell.upper()}" authorId="{aid}"><{p}text><{p}t xml:space="preserve">'
                    f"{xstring(n.text)}</{p}t></{p}text></{p}comment>"
                    for n in add
                )
                if re.search(rf"<{re.escape(p)}commentList\s*/>", xml):
                    xml = re.sub(
                        rf"<{re.escape(p)}commentList\s*/>",
                        f"<{p}commentList></{p}commentList>",
                        xml,
                    )
                end = xml.rfind(f"</{p}commentList>")
                if end < 0:
                    raise Unsupported("comments part without commentList")
                xml = xml[:end] + made + xml[end:]
            pkg.put(com[1], xml)
        self._vml(sp, vml_rid, vml, drop, add)

    def _vml(
        self,
        sp: Any,
        vml_rid: str | None,
        vml: str | None,
        drop: list[_Comment],
        add: list[Note],
    ) -> None:
        pkg = self.pkg
        if vml is None and not add:
            return
        gone = set()
        for c in drop:
            try:
                r, col = split_ref(c.ref)
            except Unsupported:
                continue
            gone.add((r - 1, col - 1))
        if vml is not None and pkg.has(vml):
            text = pkg.text(vml)
        else:
            text = _new_vml([self._free_block()])
            vml = pkg.free_name(pkg.base + "/drawings/vmlDrawing%d.vml")
            pkg.add_default("vml", VML_CT)
            vml_rid = pkg.add_rel(sp.part, VML_TYPE, relative_target(sp.part, vml))
            self._add_legacy(sp, vml_rid)

        text, ns = _vml_prefixes(text)
        v, x = re.escape(ns["v"]), re.escape(ns["x"])
        shape_re = re.compile(rf"<{v}:shape\b[^>]*?(?:/>|>.*?</{v}:shape>)", re.S)

        def keep(m: re.Match[str]) -> str:
            shape = m.group(0)
            if not re.search(r'ObjectType="Note"', shape):
                return shape
            rr = re.search(rf"<{x}:Row>\s*(\d+)\s*</{x}:Row>", shape)
            cc = re.search(rf"<{x}:Column>\s*(\d+)\s*</{x}:Column>", shape)
            if rr and cc and (int(rr.group(1)), int(cc.group(1))) in gone:
                return ""
            return shape

        if gone:
            text = shape_re.sub(keep, text)
        if add:
            if "_x0000_t202" not in text:
                end = text.rfind("</xml>")
                text = text[:end] + _shapetype(ns) + text[end:]
            ids = self._ids(text, len(add))
            shapes = []
            for n, spid in zip(add, ids[0], strict=True):
                row, column = split_ref(n.cell)
                shapes.append(_note_shape(spid, row - 1, column - 1, ns))
            m = _idmap(text)
            if m is None:
                raise Unsupported("VML drawing without an idmap")
            text = text[: m.start(1)] + ",".join(map(str, ids[1])) + text[m.end(1) :]
            end = text.rfind("</xml>")
            if end < 0:
                raise Unsupported("VML drawing without </xml>")
            text = text[:end] + "".join(shapes) + text[end:]
        if gone and not add and not re.search(r'type="#_x0000_t202"', text):
            # gendan's notes were the only ones: their shape type goes with them
            text = re.sub(
                rf"<{v}:shapetype\b[^>]*\bid=\"_x0000_t202\".*?</{v}:shapetype>",
                "",
                text,
                flags=re.S,
            )
        if not shape_re.search(text) and not re.search(
            r"<[\w.-]+:(?:rect|oval|line|group|image|roundrect|polyline|arc|curve)\b", text
        ):
            pkg.put(vml, None)
            if vml_rid:
                pkg.remove_rel(sp.part, vml_rid)
            self._remove_legacy(sp, vml_rid)
            return
        pkg.put(vml, text)

    def _all_blocks(self) -> set[int]:
        used: set[int] = set()
        for n in self.pkg.names + [k for k, v in self.pkg.changed.items() if v is not None]:
            if n.lower().endswith(".vml") and self.pkg.has(n):
                head = self.pkg.read(n)[:4000].decode("utf-8", "replace")
                m = _idmap(head)
                if m:
                    used |= {int(x) for x in re.findall(r"\d+", m.group(1))}
        return used

    def _free_block(self) -> int:
        return max(self._all_blocks() | {0}) + 1

    def _ids(self, text: str, n: int) -> tuple[list[int], list[int]]:
        """``n`` unused shape ids for this VML and the idmap blocks that cover them."""
        m = _idmap(text)
        blocks = [int(x) for x in re.findall(r"\d+", m.group(1))] if m else []
        if not blocks:
            blocks = [self._free_block()]
        used = {int(x) for x in re.findall(r"_x0000_s(\d+)", text)}
        out: list[int] = []
        bi = 0
        taken_blocks = self._all_blocks()
        while len(out) < n:
            if bi >= len(blocks):
                nb = max(taken_blocks | set(blocks)) + 1
                blocks.append(nb)
            b = blocks[bi]
            for spid in range(b * 1024 + 1, b * 1024 + 1024):
                if spid not in used:
                    out.append(spid)
                    used.add(spid)
                    if len(out) == n:
                        break
            bi += 1
        return out, blocks

    def _add_legacy(self, sp: Any, rid: str) -> None:
        sc = sp.cells
        data = sc.data
        root = re.search(rb"<(?:\w+:)?worksheet\b[^>]*>", data[:4096])
        assert root is not None
        rp = re.search(rb'xmlns:(\w+)="' + REL_NS.encode() + b'"', root.group(0))
        p = sc.p.decode()
        el = (
            f'<{p}legacyDrawing {rp.group(1).decode()}:id="{rid}"/>'
            if rp
            else f'<{p}legacyDrawing xmlns:r="{REL_NS}" r:id="{rid}"/>'
        ).encode()
        tail = sc.sd_close
        pos = None
        for name in _AFTER_LEGACY:
            m = re.compile(rb"<" + re.escape(sc.p) + name.encode() + rb"\b").search(data, tail)
            if m and (pos is None or m.start() < pos):
                pos = m.start()
        if pos is None:
            pos = data.rfind(b"</" + sc.p + b"worksheet>")
            if pos < 0:
                raise Unsupported("worksheet not closed")
        sc.edits.append((pos, pos, el))

    def _remove_legacy(self, sp: Any, rid: str | None) -> None:
        sc = sp.cells
        m = re.compile(rb"<(?:\w+:)?legacyDrawing\b[^>]*/>").search(sc.data, sc.sd_close)
        if m:
            sc.edits.append((m.start(), m.end(), b""))
        else:  # inserted in this run
            sc.edits = [e for e in sc.edits if b"legacyDrawing" not in e[2]]

    # -- tool sheets


def _drop_tool_author(xml: str, p: str, authors: list[str], add: list[Note]) -> str:
    """Remove the ``gendan`` author when it is the last one and no note uses it any more
    (so clearing gives the comments part back as it was)."""
    if add or not authors or authors[-1] != MARK_TAG:
        return xml
    if re.search(rf'\bauthorId="{len(authors) - 1}"', xml):
        return xml
    found = list(re.finditer(rf"<{re.escape(p)}author>{MARK_TAG}</{re.escape(p)}author>", xml))
    if not found:
        return xml
    m = found[-1]
    authors.pop()
    return xml[: m.start()] + xml[m.end() :]
