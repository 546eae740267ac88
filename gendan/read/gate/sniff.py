"""Non-containers: what a file that is neither zip nor OLE really is (CSV, text, HTML,
SpreadsheetML 2003, PDF, raw BIFF) so the refusal can say so."""

from __future__ import annotations

import codecs

#: the first bytes of an OLE compound file (.xls, encrypted OOXML) and of a zip
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


# --------------------------------------------------------------------------- non-containers


def _decode_text_head(head: bytes) -> str | None:
    """Decode the first bytes as text if they plausibly are text; None for binary."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, errors="replace")
    if b"\x00" in head:
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            return head.decode(enc)
        except UnicodeDecodeError as exc:
            # the 4 KB cut may split a multi-byte character at the very end
            if exc.start >= len(head) - 4:
                return head[: exc.start].decode(enc, errors="replace")
    return None


def _sniff_non_container(head: bytes, size: int) -> str:
    """Name what a file that is neither zip nor OLE really is (the refusal reason)."""
    if head.startswith(b"%PDF"):
        return "pdf"
    # raw BIFF2-BIFF4 .xls (no OLE container): a BOF record type 0x0009/0x0209/0x0409/0x0809
    if (
        len(head) >= 4
        and head[1] in (0x00, 0x02, 0x04, 0x08)
        and head[0] == 0x09
        and head[2] in range(4, 21)
    ):
        return "raw-biff"
    text = _decode_text_head(head)
    if text is None:
        return "unknown"
    low = text.lstrip().lower()
    if low.startswith("<?xml") or low.startswith("<"):
        if (
            "urn:schemas-microsoft-com:office:spreadsheet" in low
            or '<?mso-application progid="excel.sheet"?>' in low
        ):
            return "xml2003"
        if (
            "<html" in low
            or "<!doctype html" in low
            or "<table" in low
            or "<meta" in low
            or "<head" in low
        ):
            return "html"
        return "xml"
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    if lines and any(sep in lines[0] for sep in (",", ";", "\t", "|")):
        return "csv"
    return "text"
