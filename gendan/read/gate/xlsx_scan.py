"""The worksheet XML scanner: the extent of the value cells of a sheet part fed in chunks
(regex claims over large blocks, a careful token walk where the fast path cannot prove the
answer), formulas without cached values and error cells."""

from __future__ import annotations

import functools
import operator
import re

from gendan.read.gate.results import SheetScan

# --------------------------------------------------------------------------- cell scanners


class _CellScanner:
    def feed(self, chunk: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self) -> list[SheetScan]:  # pragma: no cover - interface
        raise NotImplementedError


_P = rb"(?:[\w.-]+:)?"  # an optional namespace prefix (the OpenXML SDK writes x:c, x:v ...)
_ATTR_R_CELL = re.compile(rb"""\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d{1,7})["']""")
_ATTR_R_ROW = re.compile(rb"""\sr\s*=\s*["'](\d{1,7})["']""")
_ATTR_T = re.compile(rb"""\st\s*=\s*["'](\w+)["']""")
#: a cell start tag with an r attribute, directly followed by a value, inline string or formula
_VALUE_CELL = re.compile(
    rb"<"
    + _P
    + rb"""c(?=\s)[^>]*?\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d{1,7})["'][^>]*?(?<!/)>\s*<"""
    + _P
    + rb"(?:v|is|f)[\s/>]"
)
#: the same when r is the first attribute (Excel, LibreOffice, openpyxl, xlsxwriter): ~2x faster
_VALUE_CELL_R_FIRST = re.compile(
    rb"<"
    + _P
    + rb"""c r=["']([A-Z]{1,3})(\d{1,7})["'][^>]*(?<!/)>\s*<"""
    + _P
    + rb"(?:v|is|f)[\s/>]"
)
#: any cell tag that is not <c r="...": r later, r quoted oddly, no attributes, self-closing bare
_ODD_CELL_TAG = re.compile(rb"<" + _P + rb"""c(?:\s(?!r=["'][A-Z])|/?>)""")


def _error_probe(data: bytes, start: int, end: int) -> bool:
    """Cheap pre-check for error cells: whether an attribute value ``e`` may occur.

    Every match of :data:`_ERR_CELL` contains ``"e`` or ``'e`` (the value's opening quote
    and the ``e``), so a block holding neither has no error cell.  One literal search over
    the block (a second only when it holds an apostrophe, found at memchr speed): this
    runs on every block of every worksheet."""
    if _DQ_E.search(data, start, end) is not None:
        return True
    return data.find(b"'", start, end) >= 0 and _SQ_E.search(data, start, end) is not None


#: literal searches: the regex engine's prefix scan beats ``bytes.find`` for 2-byte needles
_DQ_E = re.compile(rb'"e')
_SQ_E = re.compile(rb"'e")
_F_PLAIN = re.compile(rb"<f[\s/>]")


def _range_re(lo: int, hi: int) -> bytes:
    """A regex (no groups, no anchors) for the decimal integers ``lo..hi``, no leading zeros.

    Used to build the per-block claim check of :class:`_XlsxScanner`: a cell reference
    whose row is outside the claim must not match, and neither must ``A05`` (calamine
    reads it as row 5: leading zeros send the block to the exact path)."""

    def same(a: str, b: str) -> str:  # a <= b, equal lengths
        n = len(a)
        if a == b:
            return a
        if a == "0" * n and b == "9" * n:
            return r"\d" if n == 1 else rf"\d{{{n}}}"
        if n == 1:
            return f"[{a}-{b}]"
        if a[0] == b[0]:
            return f"{a[0]}(?:{same(a[1:], b[1:])})"
        if a[1:] == "0" * (n - 1) and b[1:] == "9" * (n - 1):
            return f"[{a[0]}-{b[0]}]" + rf"\d{{{n - 1}}}"
        parts = [f"{a[0]}(?:{same(a[1:], '9' * (n - 1))})"]
        x, y = int(a[0]) + 1, int(b[0]) - 1
        if x <= y:
            parts.append((f"[{x}-{y}]" if x < y else str(x)) + rf"\d{{{n - 1}}}")
        parts.append(f"{b[0]}(?:{same('0' * (n - 1), b[1:])})")
        return "|".join(parts)

    out: list[str] = []
    while lo <= hi:
        top = min(hi, 10 ** len(str(lo)) - 1)
        out.append(same(str(lo), str(top)))
        lo = top + 1
    return ("(?:" + "|".join(out) + ")").encode()


def _col_range_re(lo: int, hi: int) -> bytes:
    """A regex for the column letters of columns ``lo..hi`` (1-based, upper case only)."""
    out: list[str] = []
    for width, first, last in ((1, 1, 26), (2, 27, 702), (3, 703, 18278)):
        a, b = max(lo, first), min(hi, last)
        if a > b:
            continue
        # one alternative per leading letter(s): at most 26 (AA-ZZ) or 676 (AAA-ZZZ)
        if width == 1:
            out.append(f"[{_a1(1, a)[0]}-{_a1(1, b)[0]}]")
            continue
        lead_a, lead_b = (a - first) // 26, (b - first) // 26
        for lead in range(lead_a, lead_b + 1):
            base = first + lead * 26
            lo_c, hi_c = max(a, base), min(b, base + 25)
            prefix = _a1(1, base)[:-1][: width - 1]
            out.append(f"{prefix}[{chr(65 + lo_c - base)}-{chr(65 + hi_c - base)}]")
    return ("(?:" + "|".join(out) + ")").encode()


#: a cell start tag without an r attribute (position implied by order): needs the slow path
_NO_R_CELL = re.compile(rb"<" + _P + rb"""c(?:>|/>|(?![^>]*\sr\s*=)\s[^>]*>)""")
_F_START = re.compile(rb"<(" + _P + rb")f[\s/>]")
_ERR_CELL = re.compile(rb"<" + _P + rb"""c(?=\s)[^>]*?\st\s*=\s*["']e["'][^>]*?(?<!/)>""")
_V_NONEMPTY = re.compile(rb"<" + _P + rb"v(?:\s[^>]*)?>[^<]")
_V_ANY = re.compile(rb"<" + _P + rb"v[\s/>]")
_IS = re.compile(rb"<" + _P + rb"is[\s/>]")
_TOKEN = re.compile(
    rb"<((?:[\w.-]+:)?)(?:row(?=[\s/>])([^>]*)>|c(\s[^>]*?)?(?:/>|>(.*?)</\1c>))",
    re.S,
)
_CARRY_TRIM = 1 << 20
#: blocks smaller than this take the exact path (cheap anyway)
_CLAIM_MIN_BLOCK = 1 << 15
#: how many trailing non-value cells (formatting only) the claim looks past for the last
#: value cell before it gives up and scans the block exactly
_CLAIM_BACKTRACK = 64
#: the end of a prefixed cell or formula tag's name (<x:c ...>, <x:f>), which the claim
#: check and the plain formula probe do not see;
#: a literal-prefix search, fast because ":" is rare in sheet XML
_PREFIX_PROBE = re.compile(rb":[cf][\s/>]")
#: a value, inline string or formula element: none in a block means no value cell in it
_CONTENT_TAG = re.compile(rb"<" + _P + rb"(?:v|is|f)[\s/>]")


@functools.lru_cache(maxsize=256)
def _claim_pattern(lo_c: int, hi_c: int, lo_r: int, hi_r: int) -> re.Pattern[bytes]:
    r"""Matches any cell tag that is NOT ``<c r="REF"`` with REF in the claimed rectangle.

    The literal ``<c`` prefix keeps the search in C between cell tags; ``<col``,
    ``<color`` ... fail on the final ``[\s/>]``.  (Lookahead first: measured 5-20 % faster
    than testing ``[\s/>]`` first, as most hits are cells.)"""
    good = _col_range_re(lo_c, hi_c) + _range_re(lo_r, hi_r)
    return re.compile(rb'<c(?! r="' + good + rb'")[\s/>]')


_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _a1(row: int, col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _trim(buf: bytes) -> bytes:
    """Bound a carry that found no cut point: only one element's text can be that long, and
    text cannot hold markup, so its middle is dropped (its start tag is kept)."""
    if len(buf) > _CARRY_TRIM:
        return buf[: 1 << 16] + buf[-(1 << 16) :]
    return buf


_CLOSE_NAME = re.compile(rb"</[\w.-]+")


def _last_close(buf: bytes) -> int:
    """Start of the last ``</c>`` or ``</row>`` (any prefix): a safe place to cut a block.

    ``</`` cannot occur in XML text, so these are unambiguous (``>`` alone can)."""
    best = max(buf.rfind(b"</c>"), buf.rfind(b"</row>"))
    for tok in (b":c>", b":row>"):
        # only the tail after ``best`` matters: an unbounded rfind of an absent token
        # would scan the whole block backwards, on every block
        i = buf.rfind(tok, best + 1)
        if i > best:
            lt = buf.rfind(b"</", max(0, i - 64), i)
            if lt >= 0 and _CLOSE_NAME.fullmatch(buf, lt, i):
                best = i
    return best


class _XlsxScanner(_CellScanner):
    """Streaming scan of one worksheet XML: value extent, formulas without a cached value,
    error cells.

    Large blocks take the claim path (:meth:`_claimed_block`): two cells claim the block's
    extent and one C-speed search proves it, no per-cell Python objects.  Blocks the claim
    does not cover exactly take the exact path: ``findall`` of every reference + sets,
    touching Python only per formula and per error cell; cells without ``r`` attributes
    (position implied by order, allowed by the standard) switch the part to a per-cell
    slow path.  All three give the same facts (tests/read/test_gate.py compares them).
    A cell's "cached value" is a non-empty ``<v>`` or an inline string; ``<v></v>`` (what
    openpyxl writes for formulas) is none, except for ``t="str"`` (a formula giving "").
    """

    def __init__(self, sheet: str, part: str) -> None:
        self.sheet = sheet
        self.part = part
        self.buf = b""
        self.slow = False
        self.trimmed = False
        # slow-path position state
        self.row = 0
        self.col = 0
        self.max_row = 0
        self.max_col = 0
        self.min_row = 1 << 30
        self.min_col = 1 << 30
        self.formulas = 0
        self.f_no_v = 0
        self.first_f_no_v: str | None = None
        self.errors = 0
        self.first_error: str | None = None

    # -- shared helpers
    def _extent(self, row: int, col: int) -> None:
        if row > self.max_row:
            self.max_row = row
        if col > self.max_col:
            self.max_col = col
        if row < self.min_row:
            self.min_row = row
        if col < self.min_col:
            self.min_col = col

    def _formula(self, has_value: bool, where: str | None) -> None:
        self.formulas += 1
        if not has_value:
            self.f_no_v += 1
            if self.first_f_no_v is None:
                self.first_f_no_v = where

    def _error(self, where: str | None) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = where

    def proven_cells(self) -> int:
        """Cells of the rectangle that holds every cell scanned so far (gendan.read.split_read
        parses proven bytes only while this stays within the limits)."""
        if not self.max_row or not self.max_col:
            return 0
        return (self.max_row - min(self.min_row, self.max_row) + 1) * (
            self.max_col - min(self.min_col, self.max_col) + 1
        )

    # -- streaming
    def feed(self, chunk: bytes) -> None:
        """Take the next inflated piece; blocks end at a ``</c>`` or ``</row>``.

        The piece is scanned in place (start/end positions, no slicing): copying each
        megabyte once more costs as much as a search over it.  Only the element carried
        over from the previous piece is joined with the head of this one."""
        if self.slow:
            self.buf = self._slow_block(self.buf + chunk)
            return
        data, pos = chunk, 0
        if self.buf:
            carry, self.buf = self.buf, b""
            i = chunk.find(b"</row>")
            if i >= 0:
                pos = i + 6
                self._block(carry + chunk[:pos], 0, len(carry) + pos)
            else:
                data = carry + chunk
            if self.slow:  # the head block switched the part to the slow path
                self.buf = self._slow_block(self.buf + data[pos:])
                return
        cut = _last_close(data)
        if cut < pos:
            self.buf = _trim(data[pos:])
            # a trimmed carry no longer tells how many bytes are unscanned
            self.trimmed = self.trimmed or len(data) - pos > len(self.buf)
            return
        cut = data.index(b">", cut) + 1
        self._block(data, pos, cut)
        if self.slow:
            self.buf = self._slow_block(self.buf + data[cut:])
            return
        self.buf = data[cut:]

    def _block(self, data: bytes, start: int, end: int) -> None:
        """Scan ``data[start:end]``, which ends at a closing tag: claimed or exact."""
        if end - start >= _CLAIM_MIN_BLOCK and self._claimed_block(data, start, end):
            return
        self._exact_block(data[start:end])

    def _exact_block(self, work: bytes) -> None:
        """Every cell reference of the block, one by one (C-speed ``findall``).

        Switches the part to the per-cell slow path (``self.slow``; the caller feeds it the
        rest) when a cell has no ``r``."""
        if _ODD_CELL_TAG.search(work) is None:
            # every cell tag is <c r="..." ...>: the simple pattern sees all of them
            self._fast_block(work, _VALUE_CELL_R_FIRST)
            return
        if _NO_R_CELL.search(work):
            self.slow = True
            self.buf = self._slow_block(work)
            return
        self._fast_block(work, _VALUE_CELL)

    def _claimed_block(self, data: bytes, start: int, end: int) -> bool:
        """Claim the block's value extent from two cells, prove it with one search.

        Why: ``findall`` of every reference makes millions of Python objects (about 4 s
        of the gate's 5 s on a 100,000-row master).  Instead take the first and the last
        value cell of the block (found from either end, so cheap) and the columns already
        proven for the sheet: that rectangle's corners are *attained* by value cells.  Then
        one search looks for any cell tag - value or not, any attribute order - that is not
        ``<c r="REF"`` with REF inside the rectangle, and a second, fast one (``:`` is rare)
        for prefixed tags (``<x:c``, ``<x:f``).  Finding none proves every cell of the block
        lies inside the rectangle, so the sheet's extent is exactly the union of the
        rectangles: no bound is approximated, each is a real value cell.  Finding one (a
        stray cell, a cell without ``r``, ``$A$1``, lower case, a leading zero, a prefix)
        returns False and the block takes the exact path.  Rows need no ``r`` and no order
        here: only the cells' own references count, as in calamine.
        """
        if self._formatting_only(data, start, end):
            return True
        first = _VALUE_CELL_R_FIRST.search(data, start, end)
        if first is None:
            return False
        last = None
        stop = end
        for _ in range(_CLAIM_BACKTRACK):
            j = data.rfind(b'<c r="', first.start(), stop)
            if j < 0:
                break
            m = _VALUE_CELL_R_FIRST.match(data, j, end)
            if m is not None:
                last = m
                break
            stop = j
        if last is None:
            return False
        c1, c2 = _col_index(first.group(1)), _col_index(last.group(1))
        r1, r2 = int(first.group(2)), int(last.group(2))
        if min(r1, r2, c1, c2) < 1:
            return False
        lo_r, hi_r = min(r1, r2), max(r1, r2)
        lo_c, hi_c = min(c1, c2), max(c1, c2)
        if self.max_col:  # columns proven by earlier blocks are attained too
            lo_c, hi_c = min(lo_c, self.min_col), max(hi_c, self.max_col)
        if _claim_pattern(lo_c, hi_c, lo_r, hi_r).search(data, start, end) is not None:
            return False
        if _PREFIX_PROBE.search(data, start, end) is not None:
            return False  # a prefixed cell or formula (or text that looks like one)
        self._extent(lo_r, lo_c)
        self._extent(hi_r, hi_c)
        self._formulas_and_errors(data, start, end, prefixed=False)
        return True

    @staticmethod
    def _formatting_only(data: bytes, start: int, end: int) -> bool:
        """True when the block provably holds no value, formula or error cell: no ``</c>``
        (every cell tag self-closing, ``<c r="A1" s="5"/>``), no ``<v>``/``<is>``/``<f>``,
        every cell tag ``<c r="REF"`` and no prefixed tag.  Such blocks (whole columns
        formatted in Excel: millions of cells) leave the extent as it is; proving it is four
        searches, three of them literal-led, instead of the per-cell patterns (measured:
        22 of a 27 s check on 5 million formatting-only cells)."""
        return (
            data.find(b"</c>", start, end) < 0
            and _PREFIX_PROBE.search(data, start, end) is None
            and _CONTENT_TAG.search(data, start, end) is None
            and _ODD_CELL_TAG.search(data, start, end) is None
        )

    def _fast_block(self, work: bytes, pattern: re.Pattern[bytes] = _VALUE_CELL) -> None:
        refs = pattern.findall(work)
        if refs:
            for letters in set(map(_first, refs)):
                c = _col_index(letters)
                if c > self.max_col:
                    self.max_col = c
                if c < self.min_col:
                    self.min_col = c
            row_numbers = [int(r) for r in set(map(_second, refs))]
            self.max_row = max(self.max_row, max(row_numbers))
            self.min_row = min(self.min_row, min(row_numbers))
        self._formulas_and_errors(work, 0, len(work))

    def _formulas_and_errors(
        self, data: bytes, start: int, end: int, *, prefixed: bool = True
    ) -> None:
        """Formulas (with or without a cached value) and error cells of ``data[start:end]``:
        Python work only where a ``<f`` or an attribute value ``e`` occurs.

        ``prefixed=False`` when the caller proved there is no ``:f`` (the claim path)."""
        has_f = _F_PLAIN.search(data, start, end) is not None or (
            prefixed and _F_START.search(data, start, end) is not None
        )
        for m in _F_START.finditer(data, start, end) if has_f else ():
            i = m.start()
            prefix = m.group(1)
            close = data.find(b"</" + prefix + b"c>", i, end)
            seg = data[i : close if close >= 0 else end]
            cstart = max(
                data.rfind(b"<" + prefix + b"c ", start, i),
                data.rfind(b"<" + prefix + b"c>", start, i),
            )
            tag = data[cstart : data.find(b">", cstart, end) + 1] if cstart >= 0 else b""
            if cstart >= 0 and (
                tag.endswith(b"/>") or data.find(b"</" + prefix + b"c>", cstart, i) >= 0
            ):
                continue  # not inside a cell: a sparkline's or an x14 rule's <xm:f> after the cells
            if cstart < 0 and prefix:
                continue
            tm = _ATTR_T.search(tag)
            rm = _ATTR_R_CELL.search(tag)
            has_value = bool(
                _V_NONEMPTY.search(seg)
                or _IS.search(seg)
                or (tm is not None and tm.group(1) == b"str" and _V_ANY.search(seg))
            )
            self._formula(
                has_value, f"{rm.group(1).decode().upper()}{int(rm.group(2))}" if rm else None
            )
        for m in _ERR_CELL.finditer(data, start, end) if _error_probe(data, start, end) else ():
            rm = _ATTR_R_CELL.search(m.group(0))
            self._error(f"{rm.group(1).decode().upper()}{int(rm.group(2))}" if rm else None)

    def _slow_block(self, buf: bytes) -> bytes:
        """Per-cell tokens (rows and cells), for parts whose cells lack ``r``; returns the carry."""
        end = 0
        for m in _TOKEN.finditer(buf):
            end = m.end()
            if m.group(2) is not None:  # <row ...>
                rm = _ATTR_R_ROW.search(m.group(2))
                self.row = int(rm.group(1)) if rm else self.row + 1
                self.col = 0
                continue
            attrs = m.group(3) or b""
            rm = _ATTR_R_CELL.search(attrs)
            if rm:
                self.col = _col_index(rm.group(1))
                self.row = int(rm.group(2))
            else:
                self.col += 1
            body = m.group(4)
            if not body:
                continue
            tm = _ATTR_T.search(attrs)
            t = tm.group(1) if tm else b""
            has_v = bool(
                _V_NONEMPTY.search(body)
                or _IS.search(body)
                or (t == b"str" and _V_ANY.search(body))
            )
            if _F_START.search(body):
                self._formula(has_v, _a1(self.row, self.col))
            if has_v:
                self._extent(self.row, self.col)
                if t == b"e":
                    self._error(_a1(self.row, self.col))
        # carry the unfinished tail: from the last row/cell start after the last match
        tail_from = len(buf)
        lt = buf.rfind(b"<", end)
        if lt >= 0:
            tail_from = lt
            for m in re.finditer(rb"<" + _P + rb"(?:row|c)[\s/>]", buf[end:]):
                tail_from = end + m.start()
        return _trim(buf[tail_from:])

    def finish(self) -> list[SheetScan]:
        if self.buf:
            if self.slow:
                self._slow_block(self.buf + b"</c></row>")
            else:
                self._fast_block(self.buf)
            self.buf = b""
        return [
            SheetScan(
                name=self.sheet,
                part=self.part,
                rows=self.max_row,
                cols=self.max_col,
                formulas=self.formulas,
                formulas_without_value=self.f_no_v,
                first_formula_without_value=self.first_f_no_v,
                error_cells=self.errors,
                first_error_cell=self.first_error,
                first_row=min(self.min_row, self.max_row) or 1,
                first_col=min(self.min_col, self.max_col) or 1,
            )
        ]
