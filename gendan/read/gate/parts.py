"""Reading zip parts under the limits: declared sizes, a bounded inflater that refuses a part
growing past its declared size, small parts parsed with defusedxml-like care, and the XML
prolog verdict (DOCTYPE/ENTITY, foreign encodings)."""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from gendan.read.gate.limits import Limits, MiB
from gendan.read.gate.refusals import refuse

#: inflate step: large enough that per-step Python work (the scanner's block bookkeeping,
#: one claim search) is negligible, small enough to stay in cache and to stop a bomb early
_INFLATE_CHUNK = 1 << 21


def _check_entry_size(name: str, part: str, usize: int, csize: int, lim: Limits) -> None:
    if usize > lim.max_entry_bytes:
        raise refuse(
            "entry-too-large",
            name,
            part=part,
            detail=f"{usize / MiB:.0f}",
            limit=f"{lim.max_entry_bytes / MiB:.0f}",
        )
    if usize > lim.ratio_grace_bytes:
        ratio = usize / max(csize, 1)
        if ratio > lim.max_ratio:
            raise refuse(
                "ratio", name, part=part, detail=f"{ratio:.0f}", limit=f"{lim.max_ratio:.0f}"
            )


def _inflate(
    fh: BinaryIO, info: zipfile.ZipInfo, name: str, lim: Limits, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """Yield the part's bytes, refusing as soon as output passes the declared size or a limit.

    Reads the raw compressed bytes itself (zipfile silently truncates output at the declared
    size, so it cannot tell us that the declaration lied; other readers may not truncate).
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise refuse("corrupt-zip", name)
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    declared = info.file_size
    produced = 0
    crc = 0
    d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while remaining > 0:
        raw = fh.read(min(chunk, remaining))
        if not raw:
            raise refuse("corrupt-zip", name)
        remaining -= len(raw)
        if d is None:
            pieces = [raw]
        else:
            pieces = []
            data = raw
            while data:
                try:
                    # bound each step: never more than one chunk past what we may accept
                    out = d.decompress(data, chunk)
                except zlib.error:
                    raise refuse("corrupt-part", name, part=info.filename) from None
                pieces.append(out)
                data = d.unconsumed_tail
                if produced + sum(map(len, pieces)) > declared:
                    raise refuse("size-mismatch", name, part=info.filename)
                if d.eof:
                    break
        for out in pieces:
            if not out:
                continue
            produced += len(out)
            if produced > declared:
                raise refuse("size-mismatch", name, part=info.filename)
            _check_entry_size(name, info.filename, produced, info.compress_size, lim)
            crc = zlib.crc32(out, crc)
            yield out
        if d is not None and d.eof:
            break
    if d is not None and not d.eof:
        raise refuse("corrupt-part", name, part=info.filename)
    if produced != declared or crc != info.CRC:
        raise refuse("corrupt-part", name, part=info.filename)


def _read_small(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim: Limits, cap: int
) -> bytes:
    """Read a part that must be small (content types, rels, workbook.xml), bounded by ``cap``."""
    if info.file_size > cap:
        raise refuse(
            "entry-too-large",
            name,
            part=info.filename,
            detail=f"{info.file_size / MiB:.1f}",
            limit=f"{cap / MiB:.1f}",
        )
    try:
        with zf.open(info) as f:
            data = f.read(cap + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        raise refuse("corrupt-part", name, part=info.filename) from None
    if len(data) > cap:
        raise refuse("size-mismatch", name, part=info.filename)
    return data


def _parse_small_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim: Limits) -> Any:
    """Parse a small XML part with defusedxml (entities forbidden), after the prolog check."""
    from defusedxml import ElementTree as DET
    from defusedxml.common import DefusedXmlException

    data = _read_small(zf, info, name, lim, cap=lim.max_workbook_xml_bytes)
    _prolog_verdict(data, name, info.filename, lim, final=True)
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise refuse("doctype", name, part=info.filename) from None
    except Exception:  # any parse failure of untrusted XML is "damaged"
        raise refuse("corrupt-part", name, part=info.filename) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --------------------------------------------------------------------------- XML prolog


_ENC_DECL = re.compile(r"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ROOT_START = re.compile(r"<[A-Za-z_]")
_DANGER = re.compile(r"<!\s*(?:doctype|entity)", re.IGNORECASE)


def _prolog_verdict(data: bytes, name: str, part: str, lim: Limits, *, final: bool) -> bool:
    """True once the prolog (everything before the root element) is seen and is clean.

    Raises on DOCTYPE/ENTITY, an encoding other than UTF-8, or a prolog longer than
    ``max_prolog_bytes`` (padding a prolog is how a scanner gets outrun).  The prefix is
    decoded in the part's own encoding so UTF-16/UTF-7 cannot hide the declaration.
    """
    if not data:
        return final
    head = data[: lim.max_prolog_bytes]
    label = ""
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(b"<\x00"):
        enc = label = "utf-16-le"
    elif head.startswith(codecs.BOM_UTF16_BE) or head.startswith(b"\x00<"):
        enc = label = "utf-16-be"
    else:
        enc = "utf-8"
        m = _ENC_DECL.match(head[:512].decode("latin-1"))
        if m:
            declared = m.group(1)
            try:
                info = codecs.lookup(declared)
            except LookupError:
                raise refuse("xml-encoding", name, part=part, detail=declared) from None
            if not info.name.startswith("utf-16"):  # a UTF-16 declaration on 8-bit bytes is moot
                enc = info.name
                if enc not in ("utf-8", "ascii"):
                    label = declared
    # drop a partial multi-byte char at the cut
    text = head.decode(enc, errors="replace").lstrip("\ufeff")
    m_root = _ROOT_START.search(text)
    upto = text[: m_root.start()] if m_root else text
    if _DANGER.search(upto):
        raise refuse("doctype", name, part=part)
    if label:
        # Excel always writes UTF-8; calamine decodes nothing else (measured: UTF-16 parts
        # read as empty sheets, GBK/Latin-1 raise XmlError), so say so instead of misreading
        raise refuse("xml-encoding", name, part=part, detail=label.upper())
    if m_root:
        return True
    if len(data) >= lim.max_prolog_bytes:
        raise refuse("xml-prolog", name, part=part)
    if final and text.strip():
        # the whole part is prolog-only: harmless, nothing to parse, but not XML we expect
        return True
    return False
