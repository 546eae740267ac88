"""OLE / CFB containers: a password-protected OOXML workbook or a legacy .xls, and the BIFF8
record scan of a .xls (FILEPASS, DATEMODE, SST sanity, value extents)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from gendan.read.gate.limits import Limits
from gendan.read.gate.refusals import refuse
from gendan.read.gate.results import GateResult, SheetScan, _finish, _ZipScan
from gendan.read.gate.sniff import OLE_MAGIC
from gendan.read.gate.xlsx_scan import _a1

# --------------------------------------------------------------------------- OLE / CFB


class _CfbError(Exception):
    pass


class _Cfb:
    """A minimal, bounds-checked reader of the Compound File Binary format (MS-CFB).

    Only what the gate needs: stream names at any depth and the bytes of one stream.
    Every chain walk is bounded by the number of sectors in the file, so a looping FAT
    cannot hang us.
    """

    ENDOFCHAIN = 0xFFFFFFFE
    FREESECT = 0xFFFFFFFF

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or data[:8] != OLE_MAGIC:
            raise _CfbError("header")
        self.data = data
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        mshift = struct.unpack_from("<H", data, 0x20)[0]
        if shift not in (9, 12) or mshift != 6:
            raise _CfbError("sector size")
        self.ssz: int = 1 << shift
        self.mssz: int = 1 << mshift
        n_fat = struct.unpack_from("<I", data, 0x2C)[0]
        first_dir = struct.unpack_from("<I", data, 0x30)[0]
        self.cutoff = struct.unpack_from("<I", data, 0x38)[0]
        first_minifat = struct.unpack_from("<I", data, 0x3C)[0]
        first_difat = struct.unpack_from("<I", data, 0x44)[0]
        n_difat = struct.unpack_from("<I", data, 0x48)[0]
        self.nsect = max(0, (len(data) - self.ssz) // self.ssz + 1)
        if n_fat > self.nsect:
            raise _CfbError("fat count")
        difat = [v for v in struct.unpack_from("<109I", data, 0x4C) if v < self.nsect]
        sect = first_difat
        per = self.ssz // 4 - 1
        for _ in range(min(n_difat, self.nsect)):
            if sect >= self.nsect:
                break
            vals = struct.unpack_from(f"<{per + 1}I", data, self._off(sect))
            difat.extend(v for v in vals[:per] if v < self.nsect)
            sect = vals[per]
        fat: list[int] = []
        for s in difat[:n_fat]:
            fat.extend(struct.unpack_from(f"<{self.ssz // 4}I", data, self._off(s)))
        self.fat = fat
        dir_bytes = self._chain_bytes(first_dir, self.fat, self.ssz, self._off)
        self.entries: list[tuple[str, int, int, int]] = []  # name, type, start, size
        for i in range(0, len(dir_bytes) - 127, 128):
            e = dir_bytes[i : i + 128]
            nlen = struct.unpack_from("<H", e, 64)[0]
            etype = e[66]
            if etype == 0:
                continue
            ename = e[: max(0, min(nlen, 64) - 2)].decode("utf-16-le", "replace")
            start = struct.unpack_from("<I", e, 116)[0]
            size = struct.unpack_from("<Q", e, 120)[0]
            if self.ssz == 512:
                size &= 0xFFFFFFFF
            self.entries.append((ename, etype, start, size))
        if not self.entries or self.entries[0][1] != 5:
            raise _CfbError("root")
        root = self.entries[0]
        self.ministream = self._chain_bytes(root[2], self.fat, self.ssz, self._off)[: root[3]]
        self.minifat: list[int] = []
        mf = self._chain_bytes(first_minifat, self.fat, self.ssz, self._off)
        self.minifat = list(struct.unpack_from(f"<{len(mf) // 4}I", mf))

    def _off(self, sect: int) -> int:
        off = (sect + 1) * self.ssz
        if off + self.ssz > len(self.data):
            raise _CfbError("sector out of range")
        return off

    def _chain_bytes(
        self, start: int, table: list[int], size: int, off_of: Any, limit: int | None = None
    ) -> bytes:
        out = bytearray()
        sect = start
        steps = 0
        cap = len(table) + 1
        while sect not in (self.ENDOFCHAIN, self.FREESECT) and sect < len(table):
            steps += 1
            if steps > cap:
                raise _CfbError("loop")
            o = off_of(sect)
            out += self.data[o : o + size] if off_of == self._off else self.ministream[o : o + size]
            if limit is not None and len(out) >= limit:
                break
            sect = table[sect]
        return bytes(out)

    def _mini_off(self, sect: int) -> int:
        off = sect * self.mssz
        if off + self.mssz > len(self.ministream):
            raise _CfbError("mini sector out of range")
        return off

    def names(self) -> set[str]:
        return {e[0] for e in self.entries if e[1] == 2}

    def stream(self, name: str) -> bytes:
        for ename, etype, start, size in self.entries:
            if etype == 2 and ename == name:
                if size < self.cutoff:
                    data = self._chain_bytes(start, self.minifat, self.mssz, self._mini_off, size)
                else:
                    data = self._chain_bytes(start, self.fat, self.ssz, self._off, size)
                return data[:size]
        raise KeyError(name)


# BIFF8 record types used by the scan
_BIFF_BOF, _BIFF_EOF, _BIFF_FILEPASS, _BIFF_DATEMODE, _BIFF_BOUNDSHEET = (
    0x0809,
    0x000A,
    0x002F,
    0x0022,
    0x0085,
)
_BIFF_DIMENSIONS = 0x0200
_BIFF_SST = 0x00FC
_BIFF_CONTINUE = 0x003C
_BIFF_CELLS = {0x0203, 0x0204, 0x00FD, 0x027E, 0x0006, 0x0205, 0x00D6}
_BIFF_MULRK = 0x00BD
_BIFF_FORMULA = 0x0006
_BIFF_STRING = 0x0207
#: records that may stand between a FORMULA and its STRING: SHRFMLA, ARRAY, TABLE
_BIFF_FORMULA_COMPANIONS = {0x04BC, 0x0221, 0x0236}


def _gate_ole(fh: BinaryIO, p: Path, size: int, lim: Limits) -> GateResult:
    name = p.name
    fh.seek(0)
    data = fh.read()
    try:
        cfb = _Cfb(data)
        names = cfb.names()
    except (_CfbError, struct.error, IndexError, ValueError):
        raise refuse("corrupt-ole", name) from None
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise refuse("encrypted", name)
    stream_name = "Workbook" if "Workbook" in names else ("Book" if "Book" in names else None)
    if stream_name is None:
        if "WordDocument" in names:
            raise refuse("word", name)
        if "PowerPoint Document" in names:
            raise refuse("powerpoint", name)
        raise refuse("ole-not-workbook", name)
    try:
        wbs = cfb.stream(stream_name)
    except (_CfbError, struct.error, IndexError, ValueError, KeyError):
        raise refuse("corrupt-ole", name) from None
    state = _ZipScan(fmt="xls")
    notes_biff5 = stream_name == "Book"
    state.scans.extend(_biff_scan(wbs, state, name))
    result = _finish(p, "xls", size, state, lim)
    if notes_biff5:
        result = GateResult(**{**result.__dict__, "notes": result.notes + ("biff5",)})
    return result


def _biff_records(wbs: bytes, start: int) -> Iterator[tuple[int, int, bytes]]:
    """(depth, type, body) of the BIFF records of one substream starting at ``start``,
    up to its own EOF (embedded chart substreams nest BOF/EOF pairs: depth > 1)."""
    i, n, depth = start, len(wbs), 0
    while i + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", wbs, i)
        body = wbs[i + 4 : i + 4 + rlen]
        i += 4 + rlen
        if rtype == _BIFF_BOF:
            depth += 1
        yield depth, rtype, body
        if rtype == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                return


def _sst_ok(bodies: list[bytes]) -> bool:
    """Whether the shared-string table (SST + CONTINUE records) parses within its bytes.

    calamine slices it without bounds checks (measured: a panic in utils.rs for a mutated
    length) and sizes a vector by its declared count, so both are checked here.  Character
    data that crosses into a CONTINUE record starts again with a flags byte (MS-XLS 2.5.293).
    """
    if not bodies or len(bodies[0]) < 8:
        return not bodies
    unique = struct.unpack_from("<I", bodies[0], 4)[0]
    if unique > sum(len(b) for b in bodies) // 3 + 1:
        return False
    bi, off = 0, 8

    def take(k: int) -> bytes | None:
        nonlocal bi, off
        out = b""
        while k > 0:
            if off >= len(bodies[bi]):
                bi += 1
                off = 0
                if bi >= len(bodies):
                    return None
            piece = bodies[bi][off : off + k]
            out += piece
            off += len(piece)
            k -= len(piece)
        return out

    for _ in range(unique):
        head = take(3)
        if head is None:
            return False
        cch, flags = struct.unpack("<HB", head)
        runs = ext = 0
        if flags & 0x08:
            raw = take(2)
            if raw is None:
                return False
            runs = struct.unpack("<H", raw)[0]
        if flags & 0x04:
            raw = take(4)
            if raw is None:
                return False
            ext = struct.unpack("<i", raw)[0]
            if ext < 0:
                return False
        width = 2 if flags & 0x01 else 1
        left = cch
        while left:
            if off >= len(bodies[bi]):  # characters continue in the next record
                bi += 1
                off = 0
                if bi >= len(bodies) or not bodies[bi]:
                    return False
                width = 2 if bodies[bi][0] & 0x01 else 1
                off = 1
            fit = min(left, (len(bodies[bi]) - off) // width)
            if fit == 0:
                return False
            off += fit * width
            left -= fit
        if take(4 * runs + ext) is None and (runs or ext):
            return False
    # calamine parses until the bytes run out, not by the declared count: leftover bytes
    # are read as further strings (a panic, found by fuzzing); Excel and LibreOffice leave none
    return off >= len(bodies[bi]) and all(not b for b in bodies[bi + 1 :])


def _biff_scan(wbs: bytes, state: _ZipScan, name: str) -> list[SheetScan]:
    """Check a BIFF8 Workbook stream the way calamine will walk it.

    Globals from offset 0 to their EOF: FILEPASS (password), DATEMODE (1904), SST (must
    parse), BOUNDSHEET (each offset must hold a BOF: calamine slices there without a check -
    a panic, xls.rs:606).  Then every sheet from its BOUNDSHEET offset to its EOF: DIMENSIONS
    must be ordered and within BIFF8's 65,536 x 256 (calamine reserves the rectangle with
    wrapping arithmetic: a reversed one asks for terabytes and aborts the process), and the
    cells give the value extent.
    """
    sheets: list[tuple[int, str]] = []
    sst: list[bytes] = []
    in_sst = False
    for depth, rtype, body in _biff_records(wbs, 0):
        if depth != 1:
            continue
        if rtype == _BIFF_CONTINUE and in_sst:
            sst.append(body)
            continue
        in_sst = False
        if rtype == _BIFF_FILEPASS:
            raise refuse("encrypted", name)
        if rtype == _BIFF_DATEMODE and len(body) >= 2:
            state.date1904 = struct.unpack_from("<H", body)[0] == 1
        elif rtype == _BIFF_SST:
            sst = [body]
            in_sst = True
        elif rtype == _BIFF_BOUNDSHEET and len(body) >= 8:
            pos = struct.unpack_from("<I", body)[0]
            if pos + 4 > len(wbs) or struct.unpack_from("<H", wbs, pos)[0] != _BIFF_BOF:
                raise refuse("corrupt-xls", name)
            cch, flags = body[6], body[7]
            raw = body[8 : 8 + (cch * 2 if flags & 1 else cch)]
            sheets.append((pos, raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")))
    if sst and not _sst_ok(sst):
        raise refuse("corrupt-xls", name)
    scans: list[SheetScan] = []
    for pos, label in sheets:
        rows = cols = formulas = no_value = 0
        first_no_value: str | None = None
        string_owed: str | None = None  # a text formula's cell whose STRING record is due
        for _depth, rtype, body in _biff_records(wbs, pos):
            if string_owed is not None and rtype not in _BIFF_FORMULA_COMPANIONS:
                if rtype != _BIFF_STRING:
                    no_value += 1
                    first_no_value = first_no_value or string_owed
                string_owed = None
            if rtype == _BIFF_DIMENSIONS and len(body) >= 8:
                if len(body) >= 14:
                    rw_mic, rw_mac, col_mic, col_mac = struct.unpack_from("<IIHH", body)
                else:
                    rw_mic, rw_mac, col_mic, col_mac = struct.unpack_from("<HHHH", body)
                if not (rw_mic <= rw_mac <= 65536 and col_mic <= col_mac <= 256):
                    raise refuse("corrupt-xls", name)
            elif rtype in _BIFF_CELLS and len(body) >= 4:
                r, c = struct.unpack_from("<HH", body)
                rows, cols = max(rows, r + 1), max(cols, c + 1)
                if rtype == _BIFF_FORMULA:
                    # BIFF8 keeps every formula's last result in the record (bytes 6-13);
                    # a text result says so (FFFF in bytes 12-13, type 0) and follows in
                    # a STRING record: only its absence is a formula without a value
                    formulas += 1
                    if len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 0:
                        string_owed = _a1(r + 1, c + 1)
            elif rtype == _BIFF_MULRK and len(body) >= 6:
                r, c = struct.unpack_from("<HH", body)
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                rows, cols = max(rows, r + 1), max(cols, last + 1)
        if string_owed is not None:
            no_value += 1
            first_no_value = first_no_value or string_owed
        scans.append(
            SheetScan(
                label,
                "Workbook",
                rows,
                cols,
                formulas=formulas,
                formulas_without_value=no_value,
                first_formula_without_value=first_no_value,
            )
        )
    return scans
