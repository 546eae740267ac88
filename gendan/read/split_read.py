"""Read one big worksheet on every core: cut its XML into row-aligned pieces and let
calamine parse the pieces side by side, while the input gate is still scanning.

Why: on a 100,000-order master calamine's parse takes ~3.3 s on one core (it releases the
GIL, the second core idles), and the input gate (:mod:`gendan.read.gate`) has already spent
~1.2 s inflating and scanning the very same XML before it.  The gate now hands each stretch
it has *proven* (every cell inside a rectangle within the limits) to :class:`SplitReader`,
which cuts it after a row end into a piece: a small stored .xlsx package with the original
styles and shared strings and a worksheet made of the original root tag, the original
``<sheetData>`` tag, the piece's rows and the closing tags.  Pieces parse on worker threads
as soon as they are proven, so the gate's work hides behind the parse and the parse is
spread over the cores (measured in docs/performance.md).

The grid must be the one the whole-sheet read gives, cell for cell.  Anything that could
make it differ sends the sheet back to the ordinary read, never to a guess: cells without an
``r`` attribute (their position follows from order), markup that can hide a row end
(comments, CDATA, processing instructions), a piece that does not parse, pieces whose rows
overlap or come out of order.  tests/read/test_split_read.py compares both reads.

Safety is the gate's: a piece is only ever made of bytes the gate has scanned, and only
while the rectangle proven so far stays within ``max_sheet_cells`` - calamine allocates a
piece's rectangle, never more than the whole sheet's.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gendan.model import parallel

if TYPE_CHECKING:
    from gendan.read.gate import Limits, SheetScan

#: bytes of sheet XML per piece: ~12,500 rows of a 43-column master.  Smaller pieces start
#: the parse earlier behind the gate; each piece re-reads the shared strings, so a large
#: string table makes pieces larger (see :meth:`SplitReader.start`).
PIECE_BYTES = 24 << 20
#: sheets below this are read whole: splitting them saves less than it costs
MIN_SPLIT_BYTES = 2 * PIECE_BYTES

_ROOT = re.compile(rb"<([\w.-]+:)?worksheet(?=[\s/>])[^>]*>")
_SHEET_DATA = re.compile(rb"<([\w.-]+:)?sheetData(?=[\s/>])[^>]*?(/?)>")
#: the head of a worksheet (properties, views, column widths) before <sheetData>
_MAX_HEAD = 1 << 20

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _workbook_xml(date1904: bool) -> bytes:
    pr = b'<workbookPr date1904="1"/>' if date1904 else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        + pr
        + b'<sheets><sheet name="piece" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _workbook_rels(styles: bool, strings: bool) -> bytes:
    rels = [f'<Relationship Id="rId1" Type="{_REL}worksheet" Target="worksheets/sheet1.xml"/>']
    if styles:
        rels.append(f'<Relationship Id="rId2" Type="{_REL}styles" Target="styles.xml"/>')
    if strings:
        rels.append(
            f'<Relationship Id="rId3" Type="{_REL}sharedStrings" Target="sharedStrings.xml"/>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(rels)
        + "</Relationships>"
    ).encode()


@dataclass
class _Sheet:
    """One worksheet part being cut into pieces as the gate proves its bytes."""

    name: str
    pending: list[bytes] = field(default_factory=list)
    base: int = 0  # offset in the part's XML of pending[0]'s first byte
    head: bytes | None = None  # root start tag + <sheetData> start tag
    close_row: bytes = b"</row>"
    end_tag: bytes = b"</sheetData>"
    tail: bytes = b""
    last_byte: bytes = b""
    pieces: list[Future[Any]] = field(default_factory=list)
    failed: bool = False
    complete: bool = False
    #: the <mergeCells> after </sheetData>, as gendan.model.grid.SheetGrid.merges
    merges: tuple[tuple[int, int, int, int], ...] = ()


class SplitReader:
    """The gate's tap (:class:`gendan.read.gate.SheetTap`): collects the styles and shared strings,
    cuts proven sheet XML into pieces, parses them on worker threads; :meth:`rows` assembles
    a sheet's grid or says None (read that sheet whole)."""

    def __init__(
        self,
        sheets: set[str] | None = None,
        *,
        piece_bytes: int = PIECE_BYTES,
        min_split_bytes: int = MIN_SPLIT_BYTES,
        workers: int | None = None,
    ) -> None:
        self.wanted = sheets
        self.piece_bytes = piece_bytes
        self.min_split_bytes = min_split_bytes
        self.workers = (
            workers if workers is not None else (parallel.cores() if parallel.allowed() else 1)
        )
        self.max_cells = 0
        self.aux: dict[str, str] = {}  # part -> "workbook" | "styles" | "strings"
        self.aux_data: dict[str, bytes] = {}
        self.sheets: dict[str, _Sheet] = {}  # part -> state
        self.by_name: dict[str, _Sheet] = {}  # sheet name -> state
        self._pool: ThreadPoolExecutor | None = None
        # while the gate scans, it keeps one core: pieces parse on the others (a piece can
        # only start once the gate has proven it, so the gate sets the pace)
        self._slots = threading.Semaphore(max(1, self.workers - 1))
        self._entries: list[tuple[str, bytes]] | None = None

    # -- the gate's side
    def start(
        self,
        sheet_parts: Mapping[str, str],
        related: Mapping[str, str],
        sizes: Mapping[str, int],
        lim: Limits,
    ) -> set[str]:
        """Choose the sheets to split and name the parts whose bytes are needed; returns
        every part the gate should report (aux parts whole, sheets chunk by chunk)."""
        if self.workers < 2:
            return set()
        self.max_cells = lim.max_sheet_cells
        for kind in ("workbook", "styles", "strings"):
            part = related.get(kind)
            if part and part in sizes:
                self.aux[part] = kind
        strings = sum(sizes[p] for p, k in self.aux.items() if k == "strings")
        # each piece parses the whole string table again (~0.23 s for the 36 MB table of a
        # 100,000-order master saved by LibreOffice): pieces of twice the table's size
        # measured fastest there (1x: +0.2 s, 4x: +0.7 s, docs/performance.md)
        self.piece_bytes = max(self.piece_bytes, 2 * strings)
        for part, name in sheet_parts.items():
            if self.wanted is not None and name not in self.wanted:
                continue
            if sizes.get(part, 0) >= max(self.min_split_bytes, 2 * self.piece_bytes):
                state = _Sheet(name=name)
                self.sheets[part] = state
                self.by_name[name] = state
        if not self.sheets:
            return set()
        return set(self.aux) | set(self.sheets)

    def part(self, part: str, data: bytes) -> None:
        """A whole workbook, styles or shared-strings part (the gate inflates them before
        any sheet)."""
        self.aux_data[part] = data

    def sheet_chunk(self, part: str, chunk: bytes, proven: int, cells: int, slow: bool) -> None:
        """The next inflated bytes of a followed sheet; the gate has scanned the part up to
        offset ``proven`` and every cell so far lies in a rectangle of ``cells`` cells."""
        try:
            self._chunk(self.sheets[part], chunk, proven, cells, slow)
        except Exception:  # a fault here must not look like a damaged file to the gate
            self._fail(self.sheets[part])

    def _chunk(self, s: _Sheet, chunk: bytes, proven: int, cells: int, slow: bool) -> None:
        if s.failed:
            return
        if slow or cells > self.max_cells:
            self._fail(s)
            return
        if s.head is None:
            self._find_head(s, chunk)
            if s.head is None or s.failed:
                return
        else:
            if not self._plain(s, chunk):
                return
            s.pending.append(chunk)
        limit = proven - s.base
        if limit < self.piece_bytes:
            return
        buf = b"".join(s.pending)
        start = 0
        while limit - start >= self.piece_bytes:
            # the first row end after a piece's worth of proven bytes
            cut = buf.find(s.close_row, start + self.piece_bytes - len(s.close_row), limit)
            if cut < 0:
                break
            end = cut + len(s.close_row)
            self._submit(s, memoryview(buf)[start:end])
            start = end
        s.pending = [buf[start:]]
        s.base += start

    def sheet_end(self, part: str, scan: SheetScan) -> None:
        """The gate has scanned the whole part: the rest (up to </sheetData>) is a piece."""
        try:
            self._end(self.sheets[part], scan)
        except Exception:  # as in sheet_chunk: read the sheet whole
            self._fail(self.sheets[part])

    def _end(self, s: _Sheet, scan: SheetScan) -> None:
        if s.failed:
            return
        if s.head is None or scan.dense_cells > self.max_cells:
            self._fail(s)
            return
        buf = b"".join(s.pending)
        s.pending = []
        end = buf.find(s.end_tag)
        if end < 0:
            self._fail(s)
            return
        self._submit(s, memoryview(buf)[:end])
        s.merges = _merge_refs(buf, end)
        s.complete = True

    # -- the reader's side
    def split_sheets(self) -> list[str]:
        """Names of the sheets being read in pieces."""
        return [name for name, s in self.by_name.items() if s.complete and not s.failed]

    def rows(
        self, name: str, on_rows: Callable[[str, list[list[Any]], int], None] | None = None
    ) -> list[list[Any]] | None:
        """The sheet's grid as ``CalamineSheet.to_python(skip_empty_area=False)`` gives it,
        or None when the sheet was not split or a piece failed (read it whole then).

        ``on_rows(name, rows, n)`` is told after each piece that ``rows[:n]`` are there
        (rows narrower than the sheet are padded with "" only at the end)."""
        s = self.by_name.get(name)
        if s is None or s.failed or not s.complete:
            return None
        out: list[list[Any]] = []
        width = 0
        for f in s.pieces:  # each piece turns into Python while later ones still parse
            try:
                sh = f.result()
                if sh is None:
                    return None
                if sh.start is None:  # a piece without values
                    continue
                (r0, c0), (_r1, c1) = sh.start, sh.end
                if r0 < len(out):  # rows overlap an earlier piece or come before it
                    return None
                part = sh.to_python(skip_empty_area=True)
            except Exception:  # cancelled, or a bug: the whole read will say what is wrong
                return None
            out.extend([] for _ in range(r0 - len(out)))
            width = max(width, c1 + 1)
            if c0:
                left = [""] * c0
                part = [left + row for row in part]
            out.extend(part)
            if on_rows is not None:
                on_rows(name, out, len(out))
        # blank rows between pieces, and pieces narrower than the widest, filled out
        for i, row in enumerate(out):
            if len(row) < width:
                out[i] = row + [""] * (width - len(row))
        return out

    def merges(self, name: str) -> tuple[tuple[int, int, int, int], ...]:
        """The merged ranges of a sheet read in pieces (found after its </sheetData>)."""
        s = self.by_name.get(name)
        return s.merges if s is not None else ()

    def close(self) -> None:
        """Stop the workers (a refused file: drop what is queued, let running parses end)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    # -- helpers
    def _find_head(self, s: _Sheet, chunk: bytes) -> None:
        s.pending.append(chunk)
        buf = b"".join(s.pending)
        m = _SHEET_DATA.search(buf, 0, _MAX_HEAD + len(chunk))
        if m is None:
            s.pending = [buf]
            if len(buf) > _MAX_HEAD:
                self._fail(s)
            return
        root = _ROOT.search(buf, 0, m.start())
        if m.group(2) or root is None:  # <sheetData/>: nothing to split
            self._fail(s)
            return
        sd, rp = m.group(1) or b"", root.group(1) or b""
        s.head = root.group(0) + m.group(0)
        s.close_row = b"</" + sd + b"row>"
        s.end_tag = b"</" + sd + b"sheetData>"
        s.tail = s.end_tag + b"</" + rp + b"worksheet>"
        rest = buf[m.end() :]
        s.pending = []
        s.base = s.base + m.end()
        if self._plain(s, rest):
            s.pending = [rest]

    def _plain(self, s: _Sheet, data: bytes) -> bool:
        """No comment, CDATA, DOCTYPE or processing instruction (which could hide a row end
        from a byte search); otherwise the sheet is read whole."""
        if b"<!" in data or b"<?" in data or (s.last_byte == b"<" and data[:1] in (b"!", b"?")):
            self._fail(s)
            return False
        if data:
            s.last_byte = data[-1:]
        return True

    def _fail(self, s: _Sheet) -> None:
        s.failed = True
        s.pending = []
        for f in s.pieces:
            f.cancel()

    def _submit(self, s: _Sheet, body: memoryview) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.workers, thread_name_prefix="gendan-read"
            )
        if self._entries is None:
            self._entries = self._package_entries()
        assert s.head is not None
        s.pieces.append(
            self._pool.submit(_parse_piece, self._slots, self._entries, (s.head, body, s.tail))
        )

    def gate_done(self) -> None:
        """The gate has finished: its core goes to the pieces still waiting."""
        if self.workers > 1:
            self._slots.release()

    def _package_entries(self) -> list[tuple[str, bytes]]:
        """Every part of a piece's package but its worksheet (the same for all pieces)."""
        from gendan.read.gate.zipgate import _DATE1904

        got = {self.aux[p]: d for p, d in self.aux_data.items()}
        styles, strings = got.get("styles"), got.get("strings")
        date1904 = _DATE1904.search(got.get("workbook", b"")) is not None
        entries = [
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _workbook_xml(date1904)),
            ("xl/_rels/workbook.xml.rels", _workbook_rels(styles is not None, strings is not None)),
        ]
        if styles is not None:
            entries.append(("xl/styles.xml", styles))
        if strings is not None:
            entries.append(("xl/sharedStrings.xml", strings))
        return entries


_MERGE_REF = re.compile(
    rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']\$?([A-Z]{1,3})\$?(\d{1,7}):\$?([A-Z]{1,3})\$?(\d{1,7})[\"']"
)


def _col0(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _merge_refs(buf: bytes, start: int) -> tuple[tuple[int, int, int, int], ...]:
    """The ranges of the ``<mergeCell ref="B3:B6"/>`` elements of ``buf[start:]`` (the
    worksheet after its cell data), 0-based: (first row, first col, last row, last col)."""
    return tuple(
        (int(m[2]) - 1, _col0(m[1]), int(m[4]) - 1, _col0(m[3]))
        for m in _MERGE_REF.finditer(buf, start)
    )


def _parse_piece(
    slots: threading.Semaphore,
    entries: list[tuple[str, bytes]],
    sheet: tuple[bytes, memoryview, bytes],
) -> Any:
    """Worker thread: package one piece and let calamine parse it (GIL released inside).

    Returns the CalamineSheet, or None when anything goes wrong: the caller then reads the
    sheet whole, where a real problem gets its proper sentence."""
    import python_calamine as pc

    try:
        with (
            slots,
            tempfile.TemporaryDirectory(prefix="gendan-piece-", ignore_cleanup_errors=True) as tmp,
        ):
            path = os.path.join(tmp, "piece.xlsx")
            with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
                for name, data in entries:
                    z.writestr(name, data)
                z.writestr("xl/worksheets/sheet1.xml", b"".join(sheet))
            return pc.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    except BaseException as exc:  # incl. calamine's PanicException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None
