"""The .xlsb (BIFF12) record scanner: value extents of binary worksheet parts."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from gendan.read.gate.refusals import refuse
from gendan.read.gate.results import SheetScan, _ZipScan

# --------------------------------------------------------------------------- xlsb


def _xlsb_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """BIFF12 records: variable-length type (1-2 bytes) and size (1-4 bytes)."""
    i, n = 0, len(data)
    while i < n:
        rtype = data[i]
        i += 1
        if rtype & 0x80:
            if i >= n:
                return
            rtype = (rtype & 0x7F) | ((data[i] & 0x7F) << 7)
            i += 1
        size = 0
        for shift in (0, 7, 14, 21):
            if i >= n:
                return
            b = data[i]
            i += 1
            size |= (b & 0x7F) << shift
            if not b & 0x80:
                break
        yield rtype, data[i : i + size]
        i += size


_XLSB_CELLS = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}  # BrtCellRk .. BrtFmlaError (not BrtCellBlank 1)
_XLSB_FORMULAS = {8, 9, 10, 11}


def _xlsb_scan(state: _ZipScan, sheet_parts: dict[str, str], name: str) -> list[SheetScan]:
    """Sheets of an .xlsb in workbook order: BrtBundleSh gives (relationship id, name).

    Every sheet's relationship id must resolve to a part in the package: calamine looks it
    up without a check and panics otherwise (measured: xlsb/mod.rs:312, "no entry found for
    key", which escapes ``except Exception`` as a pyo3 PanicException).
    """
    wb = state.binaries.get("xl/workbook.bin", b"")
    part_of = {rid: part for part, rid in sheet_parts.items()}
    bundles: list[tuple[str, str]] = []  # (part, sheet name)
    for rtype, body in _xlsb_records(wb):
        if rtype == 0x99 and len(body) >= 4:  # BrtWbProp: bit 0 = f1904
            state.date1904 = bool(struct.unpack_from("<I", body)[0] & 1)
        elif rtype == 0x9C:  # BrtBundleSh: hsState, iTabID, strRelID, strName
            try:
                rid_len = struct.unpack_from("<I", body, 8)[0]
                rid = body[12 : 12 + 2 * rid_len].decode("utf-16-le")
                off = 12 + 2 * rid_len
                nlen = struct.unpack_from("<I", body, off)[0]
                sheet = body[off + 4 : off + 4 + 2 * nlen].decode("utf-16-le")
            except (struct.error, UnicodeDecodeError):
                raise refuse("corrupt-part", name, part="xl/workbook.bin") from None
            if rid not in part_of:
                raise refuse("missing-part", name, part=f"{sheet} ({rid})")
            bundles.append((part_of[rid], sheet))
    out: list[SheetScan] = []
    for part, label in bundles:
        data = state.binaries.get(part, b"")
        row = max_row = max_col = formulas = errors = 0
        for rtype, body in _xlsb_records(data):
            if rtype == 0 and len(body) >= 4:  # BrtRowHdr
                row = struct.unpack_from("<I", body)[0] + 1
            elif rtype in _XLSB_CELLS and len(body) >= 4:
                col = struct.unpack_from("<I", body)[0] + 1
                max_row = max(max_row, row)
                max_col = max(max_col, col)
                if rtype in _XLSB_FORMULAS:
                    formulas += 1
                if rtype in (3, 11):
                    errors += 1
        out.append(SheetScan(label, part, max_row, max_col, formulas=formulas, error_cells=errors))
    return out
