"""A big worksheet part seen through a window: the rows a patch needs, in constant memory.

Why: Excel users format whole columns, and Excel then writes ``<c r="A123456" s="5"/>``
for every formatted cell ever touched.  A master with 25 million such cells is a few
megabytes on disk but more than half a gigabyte of sheet XML, and the marks patch
(gendan.write.patch_marks) held that part in memory to find a few hundred cells in it - and a
second copy's worth while writing.  It needs far less: the part's head (up to
``<sheetData>``: the column formats), its tail (from ``</sheetData>``: merged ranges, the
``<legacyDrawing>`` of notes, extensions) and the rows of the cells it marks.

So a part above :data:`WINDOW_BYTES` is read once as a stream (:func:`scan`) and only
those pieces are kept, concatenated into one small buffer that
:class:`gendan.write.xlsx_patch.SheetCells` searches exactly as it searches a whole part.  The
kept rows are the rows asked for and, for each row asked for that is not there, the first
row after it: a row the patch must add goes right before that one, so every gap between
kept pieces holds only rows that stay where they are.  Edits are made at offsets in the
buffer; :class:`StreamedPart` maps them back to the part's own offsets and, when the
package is written, streams the part from the zip a second time, splicing them in.  Peak
memory is the head, the tail and the kept rows, whatever the size of the sheet.
"""

from __future__ import annotations

import bisect
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

__all__ = ["WINDOW_BYTES", "Segment", "StreamedPart", "Window", "scan"]

#: a worksheet part above this (uncompressed) is windowed, not read whole
WINDOW_BYTES = 64 * 1024 * 1024
_CHUNK = 1 << 20


class Unwindowable(Exception):
    """The part is not laid out as the scan expects (the caller reads it whole)."""


@dataclass(frozen=True)
class Segment:
    """``length`` bytes at ``orig`` in the part are at ``comp`` in the window's buffer."""

    comp: int
    orig: int
    length: int


@dataclass
class Window:
    """The buffer of kept pieces, where they come from, and which rows were asked for."""

    data: bytes
    segments: list[Segment]
    rows: set[int]  # the rows asked for: looking up any other row is not possible
    size: int  # the part's uncompressed size
    zin: zipfile.ZipFile
    part: str

    def open(self) -> IO[bytes]:
        return self.zin.open(self.part)

    def to_orig(self, start: int, end: int) -> tuple[int, int]:
        """Buffer offsets of an edit → the part's offsets.  A point at the border of two
        pieces belongs to the later one (an insertion before a kept row goes after the
        rows left out before it)."""
        comps = [s.comp for s in self.segments]
        k = bisect.bisect_right(comps, start) - 1
        seg = self.segments[k]
        if end > seg.comp + seg.length:
            raise Unwindowable("an edit spans two pieces of the window")
        return seg.orig + start - seg.comp, seg.orig + end - seg.comp


class StreamedPart:
    """The edited part, produced while it is written (see the module docstring).  Iterable
    as bytes pieces (gendan.write.xlsx_patch.Package.write streams them), ``len`` its size."""

    def __init__(self, window: Window, edits: Iterable[tuple[int, int, bytes]]) -> None:
        self.window = window
        self.edits = sorted((*window.to_orig(a, b), new) for a, b, new in edits)
        self.size = window.size + sum(len(new) - (b - a) for a, b, new in self.edits)

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[bytes]:
        with self.window.open() as fh:
            pos = 0
            for start, end, new in self.edits:
                if start < pos:
                    raise Unwindowable("overlapping edits")
                yield from _copy(fh, start - pos)
                yield new
                _skip(fh, end - start)
                pos = end
            while chunk := fh.read(_CHUNK):
                yield chunk


def _copy(fh: IO[bytes], n: int) -> Iterator[bytes]:
    while n > 0:
        chunk = fh.read(min(n, _CHUNK))
        if not chunk:
            raise Unwindowable("the part is shorter than it was")
        n -= len(chunk)
        yield chunk


def _skip(fh: IO[bytes], n: int) -> None:
    for _ in _copy(fh, n):
        pass


def scan(zin: zipfile.ZipFile, part: str, rows: Iterable[int]) -> Window:
    """Read ``part`` once and keep its head, its tail and the rows a patch of ``rows``
    needs (see the module docstring).  Unwindowable for a part laid out otherwise (rows
    not ascending, no ``sheetData``): the caller reads it whole."""
    wanted = sorted(set(rows))
    size = zin.getinfo(part).file_size
    with zin.open(part) as fh:
        buf = b""
        base = 0  # the part's offset of buf[0]
        pos = 0
        eof = False

        def more() -> bool:
            nonlocal buf, base, pos, eof
            if eof:
                return False
            chunk = fh.read(_CHUNK)
            if not chunk:
                eof = True
                return False
            buf = buf[pos:] + chunk
            base += pos
            pos = 0
            return True

        # the head: up to the end of the <sheetData> tag
        while True:
            m = re.search(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>", buf)
            if m and not m.group(2):
                break
            if (m and m.group(2)) or not more():
                raise Unwindowable("no sheetData to window")
        p = m.group(1)
        pieces: list[bytes] = [buf[: m.end()]]
        segments = [Segment(0, 0, m.end())]
        comp = m.end()
        pos = m.end()
        row_tag = re.compile(rb"\s*<" + re.escape(p) + rb"row\b([^>]*?)(/?)>")
        end_tag = re.compile(rb"\s*</" + re.escape(p) + rb"sheetData>")
        close = b"</" + p + b"row>"
        row_r = re.compile(rb'\sr="(\d+)"')
        i = 0  # the next wanted row not yet placed
        last = 0
        while True:
            rm = row_tag.match(buf, pos)
            if rm is None:
                if end_tag.match(buf, pos):
                    break
                if len(buf) - pos > 65536:
                    raise Unwindowable("an element other than a row in sheetData")
                if not more():
                    raise Unwindowable("sheetData not closed")
                continue
            a = rm.group(1)
            nm = row_r.search(a)
            r = int(nm.group(1)) if nm else last + 1
            if r <= last:
                raise Unwindowable("rows not in ascending order")
            if rm.group(2):
                end = rm.end()
            else:
                c = buf.find(close, rm.end())
                while c < 0:
                    if not more():
                        raise Unwindowable("row not closed")
                    rm = row_tag.match(buf, pos)
                    assert rm is not None
                    c = buf.find(close, rm.end())
                end = c + len(close)
            keep = False
            while i < len(wanted) and wanted[i] <= r:  # r is the first row at or after it
                keep = True
                i += 1
            if keep:
                start = pos + (len(rm.group(0)) - len(rm.group(0).lstrip()))
                pieces.append(buf[start:end])
                segments.append(Segment(comp, base + start, end - start))
                comp += end - start
            last = r
            pos = end
        # the tail: from </sheetData> to the end (merged ranges, notes' drawing, extLst)
        tm = end_tag.match(buf, pos)
        assert tm is not None
        start = tm.end() - len(b"</" + p + b"sheetData>")
        tail = [buf[start:]]
        orig = base + start
        while chunk := fh.read(_CHUNK):
            tail.append(chunk)
        t = b"".join(tail)
        pieces.append(t)
        segments.append(Segment(comp, orig, len(t)))
    return Window(b"".join(pieces), segments, set(wanted), size, zin, part)
