"""A worksheet as plain values: the seam between readers (calamine, openpyxl, xlwings) and the engine.

Readers differ in what they can see, but every one of them can hand over a rectangle of
cell values and where it starts.  The engine never imports xlwings or openpyxl; it reads
``SheetGrid`` objects only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SheetGrid:
    """The used values of one sheet.

    ``rows[i][j]`` is the value of the cell at worksheet row ``origin_row + i`` and column
    ``origin_col + j`` (both 1-based).  Values are what the reader gives: ``str``, ``float``,
    ``int``, ``bool``, ``datetime.date``/``datetime.datetime``, ``None`` or ``""`` for blank.
    """

    name: str
    rows: Sequence[Sequence[Any]]
    origin_row: int = 1
    origin_col: int = 1
    hidden: bool = False
    #: merged ranges as (first row, first column, last row, last column), indexes into
    #: ``rows`` (0-based, inclusive); the value of a merge is in its first cell only
    merges: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class WorkbookData:
    """All sheets of a workbook, in workbook order, plus facts the reader learned on the way."""

    sheets: Sequence[SheetGrid]
    path: str | None = None
    date1904: bool = False
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def get(self, name: str) -> SheetGrid | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None


def column_letter(index: int) -> str:
    """1 → 'A', 27 → 'AA'."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' → 1, 'AA' → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def cell_address(row: int, col: int) -> str:
    """(3, 2) → 'B3'."""
    return f"{column_letter(col)}{row}"
