"""A master workbook whose sheet carries millions of formatting-only cells.

    python benchmarks/formatting_book.py OUT.xlsx [--rows 1000000] [--cols 25]

Excel users format whole columns (a fill, a date format, borders down to row 1,048,576);
Excel then writes ``<c r="A123456" s="5"/>`` for every such cell that was ever touched.
Such a book is a few megabytes on disk (the XML deflates ~100:1) but hundreds of
megabytes of sheet XML: whatever holds the master part in memory, or builds an object per
cell, pays for every one of them.  The issue 11 case: 25 million of them (1,000,000 rows ×
25 columns), 6.8 MB on disk.

The book is the shipped sample (xlsx/sample.xlsx: planted mistakes, so annotate has cells
to mark) with its master sheet's rows continued, below the orders, by formatting-only
rows; the XML is written directly and streamed into the zip (openpyxl would need
gigabytes to build it).
"""

from __future__ import annotations

import argparse
import re
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def build(out: Path, rows: int = 1_000_000, cols: int = 25, src: Path | None = None) -> Path:
    """Write ``out``: ``src`` (default the sample) with its first sheet continued to row
    ``rows`` by ``cols`` formatting-only cells per row (style 1: a format the sample has)."""
    src = src or REPO / "xlsx" / "sample.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        master = "xl/worksheets/sheet1.xml"
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != master:
                zout.writestr(info, data)
                continue
            text = data
            close = text.rindex(b"</sheetData>")
            last = max(int(m) for m in re.findall(rb'<row r="(\d+)"', text))
            text = re.sub(
                rb'(<dimension ref="[A-Z]+\d+:[A-Z]+)\d+', rb"\g<1>%d" % rows, text, count=1
            )
            close = text.rindex(b"</sheetData>")
            letters = [_letters(c).encode() for c in range(1, cols + 1)]
            zi = zipfile.ZipInfo(master, info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(zi, "w", force_zip64=True) as f:
                f.write(text[:close])
                chunk: list[bytes] = []
                for r in range(last + 1, rows + 1):
                    rb_ = b"%d" % r
                    chunk.append(
                        b'<row r="'
                        + rb_
                        + b'">'
                        + b"".join(b'<c r="' + L + rb_ + b'" s="1"/>' for L in letters)
                        + b"</row>"
                    )
                    if len(chunk) >= 2000:
                        f.write(b"".join(chunk))
                        chunk = []
                f.write(b"".join(chunk))
                f.write(text[close:])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=25)
    a = ap.parse_args()
    build(a.out, a.rows, a.cols)
    print(a.out, a.out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
