"""The OpenDocument content scanner: table extents with repeated rows and columns."""

from __future__ import annotations

import re

from gendan.read.gate.results import SheetScan
from gendan.read.gate.xlsx_scan import _CellScanner

_ODS_TOKEN = re.compile(
    rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_NAME = re.compile(rb"""(?:[\w.-]+:)?name\s*=\s*["']([^"']*)["']""")
_ODS_ROWS_REP = re.compile(rb"""number-rows-repeated\s*=\s*["'](\d+)["']""")
_ODS_COLS_REP = re.compile(rb"""number-columns-repeated\s*=\s*["'](\d+)["']""")
_ODS_VALUE = re.compile(rb"value-type\s*=")
_ODS_FORMULA = re.compile(rb"(?:[\w.-]+:)?formula\s*=")


class _OdsScanner(_CellScanner):
    """Streaming scan of ODS content.xml: per-table extent of value cells, repeats included."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.buf = b""
        self.out: list[SheetScan] = []
        self.name: str | None = None
        self._reset()

    def _reset(self) -> None:
        self.row = 0
        self.row_rep = 1
        self.col = 0
        self.max_row = 0
        self.max_col = 0
        self.formulas = 0
        self.pending: tuple[int, int, bool] | None = None  # open cell: first col, repeat, has value

    def _close_table(self) -> None:
        if self.name is not None:
            self.out.append(
                SheetScan(self.name, self.part, self.max_row, self.max_col, formulas=self.formulas)
            )
        self.name = None
        self._reset()

    def _mark(self, first_col: int, rep: int) -> None:
        self.max_row = max(self.max_row, self.row + self.row_rep - 1)
        self.max_col = max(self.max_col, first_col + rep - 1)

    def feed(self, chunk: bytes) -> None:
        buf = self.buf + chunk
        end = 0
        for m in _ODS_TOKEN.finditer(buf):
            end = m.end()
            closing, kind, attrs, selfclose = m.group(1), m.group(2), m.group(3), m.group(4)
            if kind == b"table":
                if closing:
                    self._close_table()
                else:
                    self._close_table()
                    nm = _ODS_NAME.search(attrs)
                    self.name = (
                        nm.group(1).decode("utf-8", "replace")
                        if nm
                        else f"Sheet{len(self.out) + 1}"
                    )
            elif kind == b"table-row":
                if not closing:
                    self.row += self.row_rep if self.row else 1
                    rr = _ODS_ROWS_REP.search(attrs)
                    self.row_rep = min(int(rr.group(1)), 1 << 21) if rr else 1
                    self.col = 0
            else:
                if closing:
                    if self.pending is not None:
                        first, rep, has_value = self.pending
                        if has_value:
                            self._mark(first, rep)
                        self.pending = None
                    continue
                cr = _ODS_COLS_REP.search(attrs)
                rep = min(int(cr.group(1)), 1 << 15) if cr else 1
                first = self.col + 1
                self.col += rep
                if _ODS_FORMULA.search(attrs):
                    self.formulas += rep * self.row_rep
                has_value = bool(_ODS_VALUE.search(attrs))
                if selfclose:
                    if has_value:
                        self._mark(first, rep)
                else:
                    # a non-empty cell body (text:p) counts as a value
                    self.pending = (first, rep, True)
        tail_from = buf.rfind(b"<", end)
        self.buf = buf[tail_from:] if tail_from >= 0 else b""

    def finish(self) -> list[SheetScan]:
        if self.buf:
            self.feed(b"")
        self._close_table()
        return self.out
