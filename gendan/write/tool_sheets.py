"""Recognise and take out the sheets gendan itself grafted, so that a button pressed again
(今日待办 every morning, 逾期催款) replaces its own sheet instead of being refused.

Why a marker: a sheet's name proves nothing — a user may keep a sheet of their own called
今日待办, and replacing it would destroy their work.  So every sheet the ribbon's graft adds
carries a hidden sheet-local defined name, ``_gendan_tool``, whose value is the name the
tool asked for (``"今日待办"``).  Only a sheet with that marker, for that name, and named
that name (or the unique variant ``今日待办~2`` the graft chose when a user's sheet held
the name) is the tool's and may be replaced.  Excel and LibreOffice keep hidden names on
save; a name (not a cell or an extension element) is also out of the user's way: hidden
names do not show in the Name Manager.

Taking a sheet out of a package, as text edits on the parts (never an XML round trip, see
gendan.write.inject): its ``<sheet>`` entry, the workbook's relationship to it, its
content-type override, its sheet-local defined names, its calcChain entries (Excel repairs a
chain that points at a sheet that is gone), its relationships part and every part only it
used (a drawing, its notes and their VML...; a part another part still points at stays).
The caller puts the new sheet at the same position, so the other sheets' indexes — and so
every other ``localSheetId``, ``activeTab`` and ``firstSheet`` — stay as they were.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from gendan.ooxml import Unsupported, join_target, rel_attrs, rels_part_of, unescape

MARKER = "_gendan_tool"
_VARIANT = re.compile(r"^(.*)~(\d+)$")


def marker_xml(prefix: str, local_sheet_id: int, asked: str) -> str:
    """The hidden defined name that marks sheet ``local_sheet_id`` as the tool's sheet
    ``asked`` (a string constant: nothing refers to it, nothing computes it)."""
    value = '"' + asked.replace('"', '""') + '"'
    return (
        f'<{prefix}definedName name="{MARKER}" localSheetId="{local_sheet_id}" hidden="1">'
        f"{escape(value)}</{prefix}definedName>"
    )


def _names(wb: str, prefix: str) -> list[re.Match[str]]:
    p = re.escape(prefix)
    return list(re.finditer(rf"<{p}definedName\b([^>]*?)(?:/>|>(.*?)</{p}definedName>)", wb, re.S))


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'(?:^|\s){name}="([^"]*)"', attrs)
    return unescape(m.group(1)) if m else None


def marked_sheets(wb: str, prefix: str) -> dict[int, str]:
    """Sheet index → the tool sheet name its marker records, for every marked sheet."""
    out: dict[int, str] = {}
    for m in _names(wb, prefix):
        if _attr(m.group(1), "name") != MARKER:
            continue
        local = _attr(m.group(1), "localSheetId")
        value = unescape(m.group(2) or "").strip()
        if local is None or not local.isdigit() or len(value) < 2 or value[0] != '"':
            continue
        out[int(local)] = value[1:-1].replace('""', '"')
    return out


def is_variant(name: str, asked: str) -> bool:
    """``name`` is ``asked`` itself or a unique variant of it (``asked~2``, possibly with
    ``asked`` shortened to fit 31 characters), compared as Excel does (case-folded)."""
    if name.casefold() == asked.casefold():
        return True
    m = _VARIANT.match(name)
    return m is not None and m.group(1) != "" and asked.casefold().startswith(m.group(1).casefold())


def by_asked(marked: dict[int, str]) -> dict[str, list[int]]:
    """The marked sheets' indexes by the (case-folded) name each was made for."""
    out: dict[str, list[int]] = {}
    for i, asked in sorted(marked.items()):
        out.setdefault(asked.casefold(), []).append(i)
    return out


def own_sheet(
    asked: str, names: list[str], index: dict[str, list[int]], used: set[int]
) -> int | None:
    """The index of the tool's earlier sheet for ``asked`` (``index``: :func:`by_asked`):
    marked for ``asked`` and named it (preferred) or a variant of it; None when there is
    none (a user's sheet of that name is never one)."""
    hits = [
        i
        for i in index.get(asked.casefold(), ())
        if i not in used and i < len(names) and is_variant(names[i], asked)
    ]
    hits.sort(key=lambda i: (names[i].casefold() != asked.casefold(), i))
    return hits[0] if hits else None


def own_sheet_names(wb: str, prefix: str, names: list[str]) -> set[str]:
    """The (case-folded) names of the sheets that are the tool's own: a graft in tool
    mode may replace them."""
    return {
        names[i].casefold()
        for i, asked in marked_sheets(wb, prefix).items()
        if i < len(names) and is_variant(names[i], asked)
    }


@dataclass
class Removal:
    """The edited workbook lists and what else changed when sheets were taken out."""

    wb: str
    rels: str
    ct: str
    dropped: set[str] = field(default_factory=set)  # parts deleted
    rewritten: dict[str, bytes] = field(default_factory=dict)  # parts edited (calcChain)


def _drop_rels(rels: str, rids: set[str]) -> str:
    """``rels`` without the relationships ``rids`` (one pass: thousands of document
    sheets may go at once)."""
    pattern = r"<(?:\w+:)?Relationship\b[^>]*?(?:/>|>\s*</(?:\w+:)?Relationship>)"
    found: set[str] = set()

    def drop(m: re.Match[str]) -> str:
        rid = _attr(m.group(0), "Id") or ""
        if rid in rids:
            found.add(rid)
            return ""
        return m.group(0)

    out = re.sub(pattern, drop, rels)
    if found != rids:
        raise Unsupported(f"relationships {sorted(rids - found)} not found")
    return out


def _drop_overrides(ct: str, parts: set[str]) -> str:
    """``ct`` without the content-type overrides of ``parts`` (one pass)."""
    folded = {p.casefold() for p in parts}

    def drop(m: re.Match[str]) -> str:
        name = (_attr(m.group(0), "PartName") or "").lstrip("/")
        return "" if name.casefold() in folded else m.group(0)

    return re.sub(r"<(?:\w+:)?Override\b[^>]*?/>", drop, ct)


def _internal_targets(z: zipfile.ZipFile, part: str) -> list[str]:
    rp = rels_part_of(part)
    if rp not in z.namelist():
        return []
    text = z.read(rp).decode("utf-8")
    base = posixpath.dirname(part)
    return [
        join_target(base, a.get("Target", "").split("#", 1)[0])
        for a in rel_attrs(text)
        if a.get("TargetMode") != "External" and a.get("Target")
    ]


def _only_used_by(z: zipfile.ZipFile, roots: Iterable[str], edited: dict[str, str]) -> set[str]:
    """``roots``, their relationships parts, and every part reachable from them that no
    part outside this set points at (a shared part, or one the package relationships
    name, stays).  ``edited``: relationships parts as they will be written (the
    workbook's, without its links to the sheets taken out)."""
    names = set(z.namelist())
    reach: set[str] = set()
    todo = [r for r in roots if r in names]
    while todo:
        part = todo.pop()
        if part in reach:
            continue
        reach.add(part)
        todo += [t for t in _internal_targets(z, part) if t in names and t not in reach]
    # who points at what, outside the set
    referenced: set[str] = set()
    for n in names:
        if not n.endswith(".rels"):
            continue
        src = posixpath.join(posixpath.dirname(posixpath.dirname(n)), posixpath.basename(n)[:-5])
        if src in reach:
            continue
        if n == "_rels/.rels":
            src = ""
        base = posixpath.dirname(src)
        text = edited[n] if n in edited else z.read(n).decode("utf-8")
        for a in rel_attrs(text):
            if a.get("TargetMode") != "External" and a.get("Target"):
                referenced.add(join_target(base, a["Target"].split("#", 1)[0]))
    kept = {p for p in reach if p in referenced}
    # a kept part keeps what it points at
    todo = list(kept)
    while todo:
        part = todo.pop()
        for t in _internal_targets(z, part):
            if t in reach and t not in kept:
                kept.add(t)
                todo.append(t)
    out = reach - kept
    out |= {rels_part_of(p) for p in out if rels_part_of(p) in names}
    return out


def _calc_chain(xml: str, sheet_ids: set[str]) -> str:
    """``xml`` (a calcChain part) without the entries of the sheets ``sheet_ids``.  An
    entry without ``i`` belongs to the sheet of the entry before it (ECMA-376 18.6.1), so
    it goes with a dropped run and stays with a kept one: no entry changes its sheet."""
    out: list[str] = []
    pos = 0
    current: str | None = None
    for m in re.finditer(r"<(?:\w+:)?c\b([^>]*?)/>", xml):
        i = _attr(m.group(1), "i")
        if i is not None:
            current = i
        out.append(xml[pos : m.start()])
        pos = m.end()
        if current not in sheet_ids:
            out.append(m.group(0))
    out.append(xml[pos:])
    return "".join(out)


def remove_sheets(
    z: zipfile.ZipFile,
    wb: str,
    rels: str,
    ct: str,
    prefix: str,
    wb_part: str,
    victims: dict[int, tuple[str, str, str]],
) -> Removal:
    """Take the sheets ``victims`` (index → (their ``<sheet>`` tag, relationship id,
    sheetId)) out of the workbook texts; their ``<sheet>`` tags stay in ``wb`` for the
    caller to replace in position.  Returns the edited texts and the parts to delete or
    rewrite."""
    out = Removal(wb, rels, ct)
    if not victims:
        return out
    base = posixpath.dirname(wb_part)
    wb_rels = {a.get("Id", ""): a for a in rel_attrs(rels)}
    parts: list[str] = []
    for _tag, rid, _sid in victims.values():
        rel = wb_rels.get(rid)
        if rel is None or rel.get("TargetMode") == "External":
            raise Unsupported(f"sheet relationship {rid} not found")
        parts.append(join_target(base, rel.get("Target", "")))
    out.rels = _drop_rels(out.rels, {rid for _t, rid, _s in victims.values()})
    # sheet-local names of the victims (their print areas, their markers)
    for m in reversed(_names(out.wb, prefix)):
        local = _attr(m.group(1), "localSheetId")
        if local is not None and local.isdigit() and int(local) in victims:
            out.wb = out.wb[: m.start()] + out.wb[m.end() :]
    out.wb = re.sub(
        rf"<{re.escape(prefix)}definedNames>\s*</{re.escape(prefix)}definedNames>", "", out.wb
    )
    out.dropped = _only_used_by(z, parts, {rels_part_of(wb_part): out.rels})
    out.ct = _drop_overrides(out.ct, out.dropped)
    # calcChain: the entries of the sheets gone
    ids = {sid for _t, _r, sid in victims.values()}
    for rid, a in wb_rels.items():
        if not a.get("Type", "").endswith("/calcChain"):
            continue
        part = join_target(base, a.get("Target", ""))
        if part not in z.namelist():
            continue
        old = z.read(part).decode("utf-8")
        new = _calc_chain(old, ids)
        if new == old:
            continue
        if not re.search(r"<(?:\w+:)?c\b", new):  # an empty chain is invalid: drop the part
            out.dropped.add(part)
            out.rels = _drop_rels(out.rels, {rid})
            out.ct = _drop_overrides(out.ct, {part})
        else:
            out.rewritten[part] = new.encode("utf-8")
    return out
