"""Zip containers: central-directory checks, which package this is (.xlsx/.xlsm/.xlsb/.ods
or not a workbook), then every part inflated once through the bounded inflater, worksheets
scanned for their value extent and, for the split reader, their bytes pumped to a
:class:`SheetTap` as soon as they are proven."""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from gendan.ooxml import clamped_target, rels_part_of
from gendan.read.gate.limits import Format, Limits, MiB
from gendan.read.gate.ods_scan import _OdsScanner
from gendan.read.gate.parts import (
    _INFLATE_CHUNK,
    _check_entry_size,
    _inflate,
    _local,
    _parse_small_xml,
    _prolog_verdict,
    _read_small,
)
from gendan.read.gate.refusals import refuse
from gendan.read.gate.results import GateResult, SheetScan, _finish, _ZipScan
from gendan.read.gate.xlsb import _xlsb_scan
from gendan.read.gate.xlsx_scan import _CellScanner, _XlsxScanner

# --------------------------------------------------------------------------- zip containers

_CT_FORMATS: dict[str, Format] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.addin.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": "xlsb",
}
_CT_OTHER = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml": "word",
    "application/vnd.ms-word": "word",
    "application/vnd.openxmlformats-officedocument.presentationml": "powerpoint",
    "application/vnd.ms-powerpoint": "powerpoint",
}
_XMLISH = (".xml", ".rels", ".vml")


class SheetTap(Protocol):
    """What the gate tells a parallel reader (implemented by gendan.read.split_read.SplitReader)."""

    def start(
        self,
        sheet_parts: Mapping[str, str],
        related: Mapping[str, str],
        sizes: Mapping[str, int],
        lim: Limits,
    ) -> set[str]: ...

    def part(self, part: str, data: bytes) -> None: ...

    def sheet_chunk(self, part: str, chunk: bytes, proven: int, cells: int, slow: bool) -> None: ...

    def sheet_end(self, part: str, scan: SheetScan) -> None: ...


def _gate_zip(
    fh: BinaryIO, p: Path, size: int, lim: Limits, tap: SheetTap | None = None
) -> GateResult:
    """A zip package: its directory checked, its kind found, every part inflated once."""
    name = p.name
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error):
        raise refuse("corrupt-zip", name) from None
    with zf:
        _check_directory(infos, name, lim)
        info_by = {i.filename: i for i in infos}
        fmt = _package_format(zf, info_by, name, lim)

        # inflate every part once with our own bounded inflater: actual sizes, prologs, cells
        state = _ZipScan(fmt=fmt)
        total_actual = 0
        wb_rels = None if fmt == "ods" else _workbook_rels(zf, info_by, fmt, name, lim)
        sheet_parts = _sheet_parts(zf, info_by, fmt, name, lim, wb_rels)
        follow: set[str] = set()
        if tap is not None and wb_rels is not None and fmt in ("xlsx", "xlsm"):
            follow = tap.start(
                sheet_parts,
                _related_parts(wb_rels),
                {i.filename: i.file_size for i in infos},
                lim,
            )
        # worksheets last, so that a tap has the styles and strings before the first cell
        for info in sorted(infos, key=lambda i: i.filename in sheet_parts):
            if info.is_dir():
                continue
            total_actual = _scan_part(
                fh,
                zf,
                info,
                state,
                sheet_parts.get(info.filename),
                tap if info.filename in follow else None,
                name,
                lim,
                total_actual,
            )
        if fmt == "xlsb":
            state.scans.extend(_xlsb_scan(state, sheet_parts, name))
        return _finish(p, fmt, size, state, lim)


def _check_directory(infos: list[zipfile.ZipInfo], name: str, lim: Limits) -> None:
    """The central-directory checks, before anything is inflated: entry count, duplicate
    names, encryption, compression methods, declared sizes and ratios."""
    if len(infos) > lim.max_entries:
        raise refuse("too-many-entries", name, detail=str(len(infos)), limit=str(lim.max_entries))
    seen: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in seen:
            raise refuse("duplicate-part", name, part=info.filename)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise refuse("encrypted-zip", name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refuse("unsupported-compression", name, part=info.filename)
        _check_entry_size(name, info.filename, info.file_size, info.compress_size, lim)
        total += info.file_size
        if total > lim.max_total_bytes:
            raise refuse(
                "total-too-large",
                name,
                detail=f"{total / MiB:.0f}",
                limit=f"{lim.max_total_bytes / MiB:.0f}",
            )


def _package_format(
    zf: zipfile.ZipFile, info_by: dict[str, zipfile.ZipInfo], name: str, lim: Limits
) -> Format:
    """What kind of package this is: OpenDocument by its mimetype, OOXML by its content
    types; anything else is refused."""
    if "mimetype" in info_by:
        mime = (
            _read_small(zf, info_by["mimetype"], name, lim, cap=512)
            .decode("ascii", "replace")
            .strip()
        )
        if mime.startswith("application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if mime.startswith("application/vnd.oasis.opendocument"):
            raise refuse("odf-not-spreadsheet", name)
        raise refuse("zip-not-workbook", name)
    if "[Content_Types].xml" in info_by:
        return _ooxml_format(zf, info_by, name, lim)
    if "xl/workbook.xml" in info_by:
        return "xlsx"  # no content types: corrupt-ish but calamine can still read it
    raise refuse("zip-not-workbook", name)


def _scan_part(
    fh: BinaryIO,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    state: _ZipScan,
    sheet_name: str | None,
    tap: SheetTap | None,
    name: str,
    lim: Limits,
    total: int,
) -> int:
    """Inflate one part through the bounded inflater: its XML prolog judged, a worksheet's
    cells scanned, its bytes pumped to ``tap`` (given only for the parts the tap follows),
    .xlsb binaries kept; returns the running total of inflated bytes."""
    fmt = state.fmt
    fname = info.filename
    lower = fname.lower()
    produced = 0
    scanner: _CellScanner | None = None
    if sheet_name is not None and fmt != "xlsb":
        scanner = _OdsScanner(fname) if fmt == "ods" else _XlsxScanner(sheet_name, fname)
    tapped = scanner if tap is not None and isinstance(scanner, _XlsxScanner) else None
    whole = bytearray() if tap is not None and scanner is None else None
    prolog = bytearray()
    prolog_done = not lower.endswith(_XMLISH)
    binbuf = bytearray() if (fmt == "xlsb" and (lower.endswith(".bin"))) else None
    for chunk in _inflate(fh, info, name, lim, _INFLATE_CHUNK):
        produced += len(chunk)
        if not prolog_done:
            prolog += chunk
            if _prolog_verdict(bytes(prolog), name, fname, lim, final=False):
                prolog_done = True
        if scanner is not None:
            scanner.feed(chunk)
        if tapped is not None and tap is not None:
            tap.sheet_chunk(
                fname,
                chunk,
                produced - len(tapped.buf),
                tapped.proven_cells(),
                tapped.slow or tapped.trimmed,
            )
        if whole is not None:
            whole += chunk
        if binbuf is not None:
            binbuf += chunk
    if not prolog_done:
        _prolog_verdict(bytes(prolog), name, fname, lim, final=True)
    total += produced
    if total > lim.max_total_bytes:
        raise refuse(
            "total-too-large",
            name,
            detail=f"{total / MiB:.0f}",
            limit=f"{lim.max_total_bytes / MiB:.0f}",
        )
    if scanner is not None:
        scans = scanner.finish()
        state.scans.extend(scans)
        if tapped is not None and tap is not None:
            tap.sheet_end(fname, scans[0])
    if whole is not None and tap is not None:
        tap.part(fname, bytes(whole))
    if binbuf is not None:
        state.binaries[fname] = bytes(binbuf)
    if lower == "xl/vbaproject.bin" or lower.endswith("/vbaproject.bin"):
        state.has_macros = True
    if lower.startswith("xl/externallinks/"):
        state.external_links = True
    if lower == "xl/workbook.xml":
        state.date1904 = _xlsx_date1904(zf, info, name, lim)
    return total


def _ooxml_format(
    zf: zipfile.ZipFile, info_by: dict[str, zipfile.ZipInfo], name: str, lim: Limits
) -> Format:
    root = _parse_small_xml(zf, info_by["[Content_Types].xml"], name, lim)
    found: Format | None = None
    other: str | None = None
    for el in root:
        ct = (el.get("ContentType") or "").strip().lower()
        if ct in _CT_FORMATS:
            found = _CT_FORMATS[ct]
            break
        for prefix, kind in _CT_OTHER.items():
            if ct.startswith(prefix):
                other = kind
    if found is None:
        if "xl/workbook.xml" in info_by:
            return "xlsm" if "xl/vbaProject.bin" in info_by else "xlsx"
        if "xl/workbook.bin" in info_by:
            return "xlsb"
        raise refuse(other or "zip-not-workbook", name)
    return found


#: a workbook part and its internal relationships: (id, type, resolved part name)
_WorkbookRels = tuple[str, list[tuple[str, str, str]]]


def _workbook_rels(
    zf: zipfile.ZipFile, info_by: dict[str, zipfile.ZipInfo], fmt: Format, name: str, lim: Limits
) -> _WorkbookRels:
    """The workbook part (.xlsx/.xlsm/.xlsb) and its relationships, read once for the sheet
    parts and for a tap's styles and shared strings."""
    wb_part = _office_document_part(zf, info_by, name, lim, fmt)
    if wb_part not in info_by:
        raise refuse("missing-part", name, part=wb_part)
    base = PurePosixPath(wb_part)
    rels_part = rels_part_of(wb_part)
    rels: list[tuple[str, str, str]] = []
    if rels_part in info_by:
        for rel in _parse_small_xml(zf, info_by[rels_part], name, lim):
            if (rel.get("TargetMode") or "").lower() == "external":
                continue
            rels.append(
                (
                    rel.get("Id") or "",
                    rel.get("Type") or "",
                    clamped_target(base.parent, rel.get("Target") or ""),
                )
            )
    return wb_part, rels


def _sheet_parts(
    zf: zipfile.ZipFile,
    info_by: dict[str, zipfile.ZipInfo],
    fmt: Format,
    name: str,
    lim: Limits,
    wb_rels: _WorkbookRels | None,
) -> dict[str, str]:
    """Map worksheet part name -> sheet name (ods: content.xml -> '')."""
    if fmt == "ods" or wb_rels is None:
        if "content.xml" not in info_by:
            raise refuse("missing-part", name, part="content.xml")
        return {"content.xml": ""}
    wb_part, rels = wb_rels
    targets = {rid: target for rid, _type, target in rels}
    out: dict[str, str] = {}
    if fmt == "xlsb":
        # sheet names live in the binary workbook: map part -> relationship id here and
        # match the ids with the BrtBundleSh records in _xlsb_scan
        for rid, target in targets.items():
            if target in info_by:
                out[target] = rid
        return out
    wb = _parse_small_xml(zf, info_by[wb_part], name, lim)
    for el in wb.iter():
        if _local(el.tag) == "sheet":
            sheet_rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            sheet_part = targets.get(sheet_rid or "")
            if sheet_part and sheet_part in info_by:
                out[sheet_part] = el.get("name") or PurePosixPath(sheet_part).stem
    if not out:  # no relationships: fall back to the conventional paths
        for fname in info_by:
            if fname.startswith("xl/worksheets/") and fname.endswith(".xml"):
                out[fname] = PurePosixPath(fname).stem
    return out


#: relationship types a parallel reader needs, by the name gendan.read.split_read uses
_RELATED = {"/styles": "styles", "/sharedStrings": "strings"}


def _related_parts(wb_rels: _WorkbookRels) -> dict[str, str]:
    """The workbook part and its styles and shared-strings parts: ``{"workbook": part, ...}``."""
    wb_part, rels = wb_rels
    out = {"workbook": wb_part}
    for _rid, rtype, target in rels:
        kind = next((k for suffix, k in _RELATED.items() if rtype.endswith(suffix)), None)
        if kind:
            out[kind] = target
    return out


def _office_document_part(
    zf: zipfile.ZipFile, info_by: dict[str, zipfile.ZipInfo], name: str, lim: Limits, fmt: Format
) -> str:
    default = "xl/workbook.bin" if fmt == "xlsb" else "xl/workbook.xml"
    if "_rels/.rels" not in info_by:
        return default
    rels = _parse_small_xml(zf, info_by["_rels/.rels"], name, lim)
    for rel in rels:
        if (rel.get("Type") or "").endswith("/officeDocument"):
            return clamped_target(PurePosixPath(""), rel.get("Target") or default)
    return default


_DATE1904 = re.compile(rb"<(?:[\w.-]+:)?workbookPr\b[^>]*?\bdate1904\s*=\s*[\"'](?:1|true)[\"']")


def _xlsx_date1904(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim: Limits) -> bool:
    data = _read_small(zf, info, name, lim, cap=lim.max_workbook_xml_bytes)
    return _DATE1904.search(data) is not None
