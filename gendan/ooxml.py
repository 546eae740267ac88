"""The OOXML package vocabulary: namespaces, part names, relationships, zip part reads.

Every module that opens an .xlsx as a zip (the input gate, the package inventory of safe
writes, the write guard, the grafting of document sheets, the byte patches of marks, notes
and native rules) names parts and follows relationships through these helpers, so "where
does this relationship point" has one answer per meaning, not one per module.

Two meanings of "resolve a relationship target" exist on purpose and have different names:

* :func:`join_target` — ``posixpath.normpath`` of the target joined to the source's folder.
  A target that climbs above the package root keeps its leading ``..`` (and so names no
  part): the writers use it and then fail to find the part, falling back honestly.
* :func:`clamped_target` — what a zip reader does: ``..`` above the root is dropped, so a
  hostile ``../../xl/worksheets/sheet1.xml`` still names the part a reader would open.  The
  input gate and the package inventory use it, because they must see what Excel would see.

May import: nothing in gendan (the layer below everything that touches a package).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import PurePosixPath

#: SpreadsheetML (transitional) main namespace
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: officeDocument relationships namespace (the ``r:`` prefix; relationship types start here)
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: the namespace of a ``.rels`` part's ``<Relationships>``
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
#: ISO/IEC 29500 Strict: the same parts and content types, other namespace URIs
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"

_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


class Unsupported(Exception):
    """The package has a shape a byte-level writer does not handle; use the openpyxl path."""


def rels_part_of(part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels`` (the part's relationships)."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def source_of(rels_part: str) -> str:
    """``xl/_rels/workbook.xml.rels`` -> ``xl/workbook.xml``; ``_rels/.rels`` -> ``''``."""
    folder, name = posixpath.split(rels_part)
    base = posixpath.dirname(folder)
    return posixpath.join(base, name[: -len(".rels")]) if name != ".rels" else base


def join_target(base_dir: str, target: str) -> str:
    """The part a relationship target names, relative to the folder ``base_dir``
    (normpath: ``..`` above the root is kept; see the module docstring)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, target))


def part_target(source: str, target: str) -> str:
    """The part a relationship of the part ``source`` names: the ``#fragment`` dropped and an
    absolute target normalised too (the write guard compares these names before and after)."""
    target = target.split("#", 1)[0]
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return join_target(posixpath.dirname(source), target)


def relative_target(source: str, target: str) -> str:
    """The Target to write in ``source``'s relationships for the part ``target``
    (the inverse of :func:`join_target`)."""
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def clamped_target(base: PurePosixPath, target: str) -> str:
    """The part a relationship target names as a zip reader finds it: ``..`` above the
    package root is dropped (see the module docstring)."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (base / target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


def unescape(s: str) -> str:
    """An XML attribute value as text (the five predefined entities)."""
    return (
        s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def rel_attrs(rels_xml: str) -> list[dict[str, str]]:
    """The attributes of every ``<Relationship>``, by regex (attribute order varies; the
    values stay escaped, as in the part)."""
    return [dict(_ATTR.findall(m.group(1))) for m in _RELATIONSHIP.finditer(rels_xml)]


def rel_targets(rels_xml: str) -> list[tuple[str, str, str]]:
    """(Id, Type, Target) of every relationship, Target as written (not resolved)."""
    return [(a.get("Id", ""), a.get("Type", ""), a.get("Target", "")) for a in rel_attrs(rels_xml)]


def read_text(z: zipfile.ZipFile, name: str) -> str:
    """A part as UTF-8 text; a missing part is :class:`Unsupported`."""
    try:
        return z.read(name).decode("utf-8")
    except KeyError:
        raise Unsupported(f"part {name} missing") from None


def workbook_part(z: zipfile.ZipFile) -> str:
    """The workbook part's name, from the package's officeDocument relationship."""
    for _id, typ, target in rel_targets(read_text(z, "_rels/.rels")):
        if typ.endswith("/officeDocument"):
            return join_target("", target)
    raise Unsupported("no officeDocument relationship")


def copy_entry(zin: zipfile.ZipFile, zout: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Copy one zip entry; streamed, so a large sheet part is never held in memory twice."""
    with zin.open(info) as fin, zout.open(info, "w") as fout:
        while chunk := fin.read(1 << 20):
            fout.write(chunk)
