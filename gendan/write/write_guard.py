"""What a written workbook package must be: the right type for its name, and the original
plus only the named changes.

Why: the extension is a promise to Excel.  An ``.xlsx`` whose workbook part is typed
``macroEnabled`` or that carries ``xl/vbaProject.bin`` is refused by Excel outright ("the
file format or extension is not valid"), and an ``.xlsm`` whose workbook relationships
point at a ``vbaProject.bin`` that is not in the package is reported as damaged.  Both
used to happen (``annotate --out x.xlsx`` and ``docs`` on an .xlsm; openpyxl saving an
.xlsm without a VBA part).  So every package written through :mod:`gendan.write.safe_write`
passes :func:`conform_package` for the suffix of its final name:

* ``.xlsx``: the VBA project, its signatures and their relationships are removed and the
  workbook part gets the plain workbook content type (the input, an .xlsm, keeps its
  macros; the copy cannot carry them).  Excel 4.0 macro sheets cannot be dropped without
  losing a sheet, so such a package is refused.
* ``.xlsm``: a relationship to a VBA project that is not in the package is removed, and a
  plain workbook part gets the macro-enabled content type (an .xlsm may have no macros).

And an in-place rewrite passes :func:`package_changes`: every part of the original is in
the new package, unchanged (zip CRC-32 and size of the uncompressed bytes), except the
parts the change names; every relationship and content type of the original is still
there (in the named parts too, unless the change deleted their target); and no
relationship of the new package points at a part that is missing, unless the original's
already did.

Both edit the two kinds of small XML parts involved (``[Content_Types].xml`` and
``.rels``) as text, by removal or attribute change only, as gendan.write.inject does:
an XML round trip renames the prefixes that ``mc:Ignorable`` names.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gendan.model.errors import OutputError
from gendan.ooxml import copy_entry, part_target, rels_part_of, source_of, unescape
from gendan.write.temps import LIVE

__all__ = [
    "CT_MACRO_WORKBOOK",
    "CT_WORKBOOK",
    "PackageFacts",
    "conform_package",
    "package_changes",
    "package_facts",
]

CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
#: workbook content types that an .xlsx must not have (.xlsm, templates, add-ins)
_NOT_XLSX = (
    CT_MACRO_WORKBOOK,
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_VBA_CT = "application/vnd.ms-office.vbaProject"
_CT = "[Content_Types].xml"


@dataclass(frozen=True)
class Rel:
    """One relationship, as written (``target`` resolved to a part name when internal)."""

    source: str  # the .rels part
    id: str
    type: str
    target: str
    external: bool
    raw: str  # the element's text, for removal


@dataclass
class PackageFacts:
    """The parts, content types and relationships of a package (read without parsing
    sheets)."""

    parts: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)  # extension (lower) -> type
    overrides: dict[str, str] = field(default_factory=dict)  # part name -> type
    rels: dict[str, list[Rel]] = field(default_factory=dict)  # .rels part -> relationships
    ct_text: str = ""

    def content_type(self, part: str) -> str | None:
        if part in self.overrides:
            return self.overrides[part]
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        return self.defaults.get(ext)

    def workbook_part(self) -> str | None:
        for r in self.rels.get("_rels/.rels", []):
            if r.type.endswith("/officeDocument") and not r.external:
                return r.target
        return None


_ATTR = re.compile(r'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).split(":")[-1]: unescape(m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTR.finditer(text)
    }


def _read(z: zipfile.ZipFile, name: str) -> str:
    return z.read(name).decode("utf-8", errors="replace")


def package_facts(path: str | Path) -> PackageFacts:
    """Parts, content types and relationships of the package at ``path``."""
    facts = PackageFacts()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not info.filename.endswith("/"):
                facts.parts[info.filename] = info
        if _CT in facts.parts:
            facts.ct_text = _read(z, _CT)
            for m in re.finditer(r"<(?:\w+:)?Default\b([^>]*)>", facts.ct_text):
                a = _attrs(m.group(1))
                facts.defaults[a.get("Extension", "").lower()] = a.get("ContentType", "")
            for m in re.finditer(r"<(?:\w+:)?Override\b([^>]*)>", facts.ct_text):
                a = _attrs(m.group(1))
                facts.overrides[a.get("PartName", "").lstrip("/")] = a.get("ContentType", "")
        for name in facts.parts:
            if not name.endswith(".rels"):
                continue
            source = source_of(name)
            out: list[Rel] = []
            for m in re.finditer(
                r"<(?:\w+:)?Relationship\b([^>]*?)/?>(?:\s*</(?:\w+:)?Relationship>)?",
                _read(z, name),
            ):
                a = _attrs(m.group(1))
                external = a.get("TargetMode", "").lower() == "external"
                target = a.get("Target", "")
                out.append(
                    Rel(
                        name,
                        a.get("Id", ""),
                        a.get("Type", ""),
                        target if external else part_target(source, target),
                        external,
                        m.group(0),
                    )
                )
            facts.rels[name] = out
    return facts


# ----------------------------------------------------------------------------- package type


def _vba_parts(facts: PackageFacts) -> set[str]:
    """The VBA project, its signatures and their relationship parts."""
    out = {p for p in facts.parts if facts.content_type(p) == _VBA_CT}
    for rels in facts.rels.values():
        for r in rels:
            if r.type.endswith("/vbaProject") and not r.external and r.target in facts.parts:
                out.add(r.target)
    for p in list(out):
        rels_part = rels_part_of(p)
        for r in facts.rels.get(rels_part, []):
            if not r.external and r.target in facts.parts:
                out.add(r.target)  # vbaProjectSignature*.bin
        if rels_part in facts.parts:
            out.add(rels_part)
    out |= {p for p in facts.parts if re.fullmatch(r"xl/vbaProjectSignature\w*\.bin", p, re.I)}
    return out


def conform_package(path: str | Path, suffix: str, display_name: str | None = None) -> list[str]:
    """Make the package at ``path`` (a temporary file) what ``suffix`` promises.  Returns
    what was changed, one English phrase each (empty: nothing).  Not a package, or a
    suffix other than .xlsx/.xlsm: nothing is done."""
    suffix = suffix.lower()
    if suffix not in (".xlsx", ".xlsm") or not zipfile.is_zipfile(path):
        return []
    facts = package_facts(path)
    if _CT not in facts.parts:
        return []
    wbp = facts.workbook_part()
    if wbp is None:
        return []
    wb_ct = facts.content_type(wbp) or ""
    wb_rels = rels_part_of(wbp)
    drop_parts: set[str] = set()
    drop_rels: list[Rel] = []
    new_wb_ct = wb_ct
    done: list[str] = []
    name = display_name or Path(path).name
    if suffix == ".xlsx":
        macro_sheets = [p for p in facts.parts if p.lower().startswith("xl/macrosheets/")]
        if macro_sheets:
            raise OutputError(
                f"{name} cannot be written as .xlsx: the workbook has Excel 4.0 macro sheets, "
                f"which only an .xlsm can hold; give the output an .xlsm name.",
                f"{name} 不能写成 .xlsx：工作簿含有 Excel 4.0 宏表，只有 .xlsm 能保存；请把输出文件名改为 .xlsm。",
            )
        drop_parts = _vba_parts(facts)
        if drop_parts:
            done.append("removed the VBA project (an .xlsx cannot carry macros)")
        if wb_ct in _NOT_XLSX:
            new_wb_ct = CT_WORKBOOK
        drop_rels = [
            r
            for rels in facts.rels.values()
            for r in rels
            if not r.external and (r.target in drop_parts or r.type.endswith("/vbaProject"))
        ]
    else:
        if wb_ct == CT_WORKBOOK:
            new_wb_ct = CT_MACRO_WORKBOOK
        drop_rels = [
            r
            for r in facts.rels.get(wb_rels, [])
            if r.type.endswith("/vbaProject") and not r.external and r.target not in facts.parts
        ]
        if drop_rels:
            done.append("removed a relationship to a VBA project the package does not have")
    if new_wb_ct != wb_ct:
        done.append(f"workbook content type set to {new_wb_ct}")
    if not drop_parts and not drop_rels and new_wb_ct == wb_ct:
        return []
    changed: dict[str, str] = {}
    ct = facts.ct_text
    for p in drop_parts:
        ct = re.sub(r"<(?:\w+:)?Override\b[^>]*PartName=\"/" + re.escape(p) + r"\"[^>]*/>", "", ct)
    remaining_bin = [
        p
        for p in facts.parts
        if p not in drop_parts and p.lower().endswith(".bin") and p not in facts.overrides
    ]
    if drop_parts and facts.defaults.get("bin") == _VBA_CT and not remaining_bin:
        ct = re.sub(r"<(?:\w+:)?Default\b[^>]*Extension=\"bin\"[^>]*/>", "", ct, flags=re.I)
    if new_wb_ct != wb_ct:
        if wbp in facts.overrides:
            ct = re.sub(
                r"(<(?:\w+:)?Override\b[^>]*PartName=\"/"
                + re.escape(wbp)
                + r"\"[^>]*ContentType=\")[^\"]*",
                lambda m: m.group(1) + new_wb_ct,
                ct,
            )
            ct = re.sub(
                r"(<(?:\w+:)?Override\b[^>]*ContentType=\")[^\"]*(\"[^>]*PartName=\"/"
                + re.escape(wbp)
                + r"\")",
                lambda m: m.group(1) + new_wb_ct + m.group(2),
                ct,
            )
        else:
            end = ct.rfind("</")
            ct = ct[:end] + f'<Override PartName="/{wbp}" ContentType="{new_wb_ct}"/>' + ct[end:]
    if ct != facts.ct_text:
        changed[_CT] = ct
    by_source: dict[str, list[Rel]] = {}
    for r in drop_rels:
        by_source.setdefault(r.source, []).append(r)
    with zipfile.ZipFile(path) as z:
        for rels_part, rels in by_source.items():
            if rels_part in drop_parts:
                continue
            text = _read(z, rels_part)
            for r in rels:
                text = text.replace(r.raw, "", 1)
            changed[rels_part] = text
    _rewrite(Path(path), changed, drop_parts)
    return done


def _rewrite(path: Path, changed: dict[str, str], dropped: set[str]) -> None:
    """Rewrite the zip at ``path``: ``changed`` parts replaced, ``dropped`` left out, every
    other entry copied as it is (compressed bytes not re-encoded)."""
    tmp = path.with_name(path.name + ".conform")
    LIVE.add(tmp)  # the temp registry: removed on any exit
    try:
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                if info.filename in dropped:
                    continue
                if info.filename in changed:
                    zout.writestr(info, changed[info.filename].encode("utf-8"))
                else:
                    copy_entry(zin, zout, info)
        tmp.replace(path)
    finally:
        LIVE.discard(tmp)
        if tmp.exists():
            tmp.unlink()


# ----------------------------------------------------------------------------- in-place guard


def package_changes(before: str | Path, after: str | Path, changes: Iterable[str]) -> list[str]:
    """What ``after`` lost or altered of ``before`` beyond the parts ``changes`` names, one
    readable item each (empty: only the named parts differ).  See the module docstring."""
    allowed = {c.lstrip("/") for c in changes}
    b, a = package_facts(before), package_facts(after)
    out: list[str] = []
    for name, info in b.parts.items():
        got = a.parts.get(name)
        if got is None:
            if name not in allowed:
                out.append(f"part {name} is missing")
            continue
        if name in allowed:
            continue
        if (got.CRC, got.file_size) != (info.CRC, info.file_size):
            out.append(f"part {name} was changed")
    removed = {p for p in allowed if p in b.parts and p not in a.parts}
    for rels_part, rels in b.rels.items():
        if rels_part not in allowed or rels_part not in a.rels:
            continue  # unchanged (compared above) or deleted with its source
        now = {(r.id, r.type, r.target, r.external) for r in a.rels[rels_part]}
        for r in rels:
            if (r.id, r.type, r.target, r.external) in now:
                continue
            if not r.external and r.target in removed:
                continue
            out.append(
                f"relationship {r.id} ({r.type.rsplit('/', 1)[-1]}) of {source_of(rels_part) or 'the package'}"
            )
    if _CT in allowed:
        for ext, typ in b.defaults.items():
            if a.defaults.get(ext) != typ and any(
                p.lower().endswith("." + ext) and p not in a.overrides for p in a.parts
            ):
                out.append(f"content type of .{ext} parts")
        for part, typ in b.overrides.items():
            if part in a.parts and part not in allowed and a.content_type(part) != typ:
                out.append(f"content type of {part}")
    dangling_before = {
        (r.source, r.target)
        for rels in b.rels.values()
        for r in rels
        if not r.external and r.target not in b.parts
    }
    for rels in a.rels.values():
        for r in rels:
            if (
                not r.external
                and r.target
                and r.target not in a.parts
                and (r.source, r.target) not in dangling_before
            ):
                out.append(
                    f"relationship {r.id} of {source_of(r.source) or 'the package'} points at "
                    f"the missing part {r.target}"
                )
    return out
