"""Turn sheet grids into typed tables: find each sheet, its header row and its columns,
then parse every column by its schema type.

Rules never parse: they read ``Table.values[key]`` (typed: ``str``, ``float``, ``int``,
``date``, :class:`~gendan.model.terms.PaymentTerms`, or ``None`` for blank *or* unparseable) and
know a value did not parse from ``Table.bad[key]``.  Parse problems are kept as
:class:`CellIssue` records and become ``type``/``text-date``/``enum`` findings in
:mod:`gendan.rules.checks.cells` — one finding per bad cell, never a cascade.

Data stays in columns (one list per key) and addresses are computed from the row number
list and the column map, so no object is made per cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, compress, repeat
from operator import is_
from typing import Any

from gendan.model.errors import HeaderNotFound, SheetNotFound
from gendan.model.grid import SheetGrid, WorkbookData, column_letter
from gendan.model.normalize import clean_text, norm
from gendan.model.schema import ColumnSpec, Schema, SheetSpec, enum_key
from gendan.model.terms import parse_terms
from gendan.model.values import (
    Parsed,
    excel_error,
    parse_date,
    parse_integer,
    parse_number,
    parse_text,
)

HEADER_SCAN_ROWS = 30
_TOTAL_WORDS = frozenset(
    norm(w)
    for w in ("合计", "总计", "小计", "合计:", "Total", "Totals", "Grand Total", "Sum", "TOTAL:")
)


@dataclass(frozen=True, slots=True)
class CellIssue:
    """A value that did not parse (or parsed from text): ``code`` is the finding code."""

    code: str  # type | text-date | enum
    key: str
    index: int
    reason: str | None = None
    expected: str | None = None


@dataclass
class Table:
    """One sheet's data as typed columns."""

    sheet: str
    spec: SheetSpec
    header_row: int
    col: dict[str, int]
    rows: list[int]
    raw: dict[str, Sequence[Any]]
    values: dict[str, list[Any]]
    bad: dict[str, set[int]] = field(default_factory=dict)
    issues: list[CellIssue] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.rows)

    def letter(self, key: str) -> str:
        return column_letter(self.col[key])

    def has(self, key: str) -> bool:
        return key in self.col

    def cell(self, key: str, i: int) -> str:
        """A1 address of column ``key`` in data row ``i`` (the header cell when the column
        is missing, so a finding still points somewhere useful)."""
        c = self.col.get(key)
        if c is None:
            return f"A{self.rows[i]}" if i >= 0 else f"A{self.header_row}"
        return f"{column_letter(c)}{self.rows[i] if i >= 0 else self.header_row}"

    def get(self, key: str, i: int) -> Any:
        col = self.values.get(key)
        return None if col is None else col[i]

    def column(self, key: str) -> list[Any]:
        """The typed column, or a column of ``None`` when the sheet lacks it."""
        col = self.values.get(key)
        return col if col is not None else [None] * self.n

    def is_bad(self, key: str, i: int) -> bool:
        b = self.bad.get(key)
        return b is not None and i in b

    def find(self, key: str, value: Any) -> int | None:
        """Index of the first row whose ``key`` equals ``value`` (texts compared normalised)."""
        col = self.values.get(key)
        if col is None:
            return None
        if isinstance(value, str):
            wanted = norm(value)
            for i, v in enumerate(col):
                if v is not None and norm(v) == wanted:
                    return i
            return None
        for i, v in enumerate(col):
            if v == value:
                return i
        return None


@dataclass
class Tables:
    """The master and its reference sheets as read from one workbook.

    A book may keep several master sheets (one per year, 2025年 / 2026年, or one per
    salesperson): ``masters`` holds every one read, in workbook order, and ``master`` is
    the one the checks look at; :meth:`each` gives one Tables per master sheet, the
    reference sheets shared."""

    master: Table
    customers: Table | None
    products: Table | None
    company: dict[str, str]
    company_cells: dict[str, tuple[str, str]]
    data: WorkbookData
    notes: list[str] = field(default_factory=list)
    masters: tuple[Table, ...] = ()
    #: what gendan.read.lookup worked out for this master (its 产品 / 客户 row per order), kept
    #: here so it is computed once and dies with the tables; each() starts a fresh one
    lookups: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def each(self) -> list[Tables]:
        """One Tables per master sheet read (just this one when there is one)."""
        if len(self.masters) <= 1:
            return [self]
        return [replace(self, master=m) for m in self.masters]

    @property
    def sheets(self) -> list[str]:
        """The names of the master sheets read."""
        return [m.sheet for m in self.masters] if self.masters else [self.master.sheet]


# ----------------------------------------------------------------------------- sheets


def _header_index(spec: SheetSpec) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in spec.columns:
        for h in c.headers():
            out.setdefault(norm(h), c.key)
    return out


def _score_row(row: Sequence[Any], index: dict[str, str]) -> int:
    keys = set()
    for v in row:
        if isinstance(v, str) and v:
            k = index.get(norm(v))
            if k:
                keys.add(k)
    return len(keys)


def find_header(grid: SheetGrid, spec: SheetSpec) -> tuple[int, int]:
    """(index into grid.rows, number of matched columns) of the best header row."""
    index = _header_index(spec)
    best, best_score = -1, 0
    for i, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        s = _score_row(row, index)
        if s > best_score:
            best, best_score = i, s
    return best, best_score


def _min_header_score(spec: SheetSpec) -> int:
    return min(3, len(spec.columns))


#: a sheet found by its headers alone is a master when this many of its headers match and
#: one of them is the contract number (or twice as many without it)
_MASTER_SCORE = 5


def _looks_like_master(grid: SheetGrid, spec: SheetSpec) -> bool:
    hi, score = find_header(grid, spec)
    if score < _MASTER_SCORE:
        return False
    if score >= 2 * _MASTER_SCORE:
        return True
    index = _header_index(spec)
    key = spec.columns[0].key
    return any(isinstance(v, str) and index.get(norm(v)) == key for v in grid.rows[hi])


def master_sheets(
    data: WorkbookData,
    spec: SheetSpec,
    names: Sequence[str] | None = None,
    skip: Sequence[SheetSpec] = (),
) -> tuple[list[SheetGrid], list[str]]:
    """Every master sheet of ``data`` (``names``: just these, as the user typed them) and
    the notes to show: the sheets named as the schema says and those whose header row is
    a master's (a 2025年 and a 2026年 sheet), in workbook order.  A hidden sheet is read
    only when asked for by name or when no visible one is found.  Raises SheetNotFound."""
    if names:
        by_name = {norm(g.name): g for g in data.sheets}
        missing = [n for n in names if norm(n) not in by_name]
        if missing:
            have = ", ".join(data.sheet_names) or "—"
            raise SheetNotFound(
                f"The workbook has no sheet {', '.join(missing)}; its sheets are: {have}.",
                f"本工作簿没有工作表 {'、'.join(missing)}；工作表有：{have}。",
            )
        wanted = {norm(n) for n in names}
        return [g for g in data.sheets if norm(g.name) in wanted], []
    others = {norm(n) for sp in skip for n in sp.names}
    found = [
        g
        for g in data.sheets
        if g.rows
        and norm(g.name) not in others
        and (named_as(g, spec) or _looks_like_master(g, spec))
    ]
    shown = [g for g in found if not g.hidden]
    notes = (
        [
            f"隐藏的工作表「{g.name}」看起来也是主表，未检查（如需检查请用 --sheet）。\n"
            f"The hidden sheet '{g.name}' looks like a master sheet too; it was not checked (use --sheet to check it)."
            for g in found
            if g.hidden
        ]
        if shown
        else []
    )
    if shown or found:
        return shown or found, notes
    # no sheet passes for sure: the one whose header row matches best, as long as it
    # matches five headers (a master whose contract column has a name of its own)
    scored = [
        (find_header(g, spec)[1], g) for g in data.sheets if g.rows and norm(g.name) not in others
    ]
    scored = [(sc, g) for sc, g in scored if sc >= _MASTER_SCORE]
    if scored:
        return [max(scored, key=lambda t: t[0])[1]], []
    names_ = ", ".join(data.sheet_names) or "—"
    raise SheetNotFound(
        f"No master sheet found: expected a sheet named {' / '.join(spec.names)} "
        f"(or one with headers such as {spec.columns[0].zh}/{spec.columns[0].en}); the workbook has: {names_}.",
        f"找不到主表：应有名为 {' / '.join(spec.names)} 的工作表"
        f"（或含有 {spec.columns[0].zh} 等表头的工作表）；本工作簿的工作表有：{names_}。",
    )


def reference_sheet(
    data: WorkbookData, spec: SheetSpec, taken: Sequence[SheetGrid]
) -> SheetGrid | None:
    """The 客户 / 产品 sheet: by its name as the schema gives it, else - whatever it is
    called (客户资料, Customer List, 产品清单) - the sheet not otherwise taken whose header
    row holds the key column and the most of the others (at least three headers)."""
    for g in data.sheets:
        if named_as(g, spec) and not any(g is t for t in taken):
            return g
    index = _header_index(spec)
    key = spec.columns[0].key
    best: tuple[int, SheetGrid] | None = None
    for g in data.sheets:
        if not g.rows or any(g is t for t in taken):
            continue
        hi, score = find_header(g, spec)
        if score < _min_header_score(spec) or (best is not None and score <= best[0]):
            continue
        if any(isinstance(v, str) and index.get(norm(v)) == key for v in g.rows[hi]):
            best = (score, g)
    return best[1] if best else None


def company_sheet(
    data: WorkbookData, spec: SheetSpec, taken: Sequence[SheetGrid]
) -> SheetGrid | None:
    """The 公司 sheet: by name, else the untaken sheet whose cells label the most company
    fields (at least three: 公司名称, 开户银行, SWIFT …)."""
    for g in data.sheets:
        if named_as(g, spec):
            return g
    labels = {norm(h): f.key for f in spec.fields for h in f.headers()}
    best: tuple[int, SheetGrid] | None = None
    for g in data.sheets:
        if not g.rows or any(g is t for t in taken):
            continue
        keys = {
            labels.get(norm(v.rstrip(":：")))
            for row in g.rows[:HEADER_SCAN_ROWS]
            for v in row
            if isinstance(v, str)
        } - {None}
        if len(keys) >= 3 and (best is None or len(keys) > best[0]):
            best = (len(keys), g)
    return best[1] if best else None


def locate_sheet(data: WorkbookData, spec: SheetSpec, required: bool) -> SheetGrid | None:
    """The sheet named as the schema says; failing that, for the master, the sheet whose
    header row matches best (a master renamed '2026订单' is still found)."""
    wanted = {norm(n) for n in spec.names}
    for g in data.sheets:
        if norm(g.name) in wanted:
            return g
    if spec.role != "master":
        return None
    scored = [(find_header(g, spec)[1], g) for g in data.sheets if g.rows]
    scored = [(s, g) for s, g in scored if s >= 5]
    if scored:
        return max(scored, key=lambda t: t[0])[1]
    if required:
        names = ", ".join(data.sheet_names) or "—"
        raise SheetNotFound(
            f"No master sheet found: expected a sheet named {' / '.join(spec.names)} "
            f"(or one with headers such as {spec.columns[0].zh}/{spec.columns[0].en}); the workbook has: {names}.",
            f"找不到主表：应有名为 {' / '.join(spec.names)} 的工作表"
            f"（或含有 {spec.columns[0].zh} 等表头的工作表）；本工作簿的工作表有：{names}。",
        )
    return None


def named_as(grid: SheetGrid, spec: SheetSpec) -> bool:
    return norm(grid.name) in {norm(n) for n in spec.names}


@dataclass(frozen=True)
class _Layout:
    """Where a sheet's table is: header row, first data row, the grid position of each key."""

    hi: int  # header row, index into grid.rows
    start: int  # first data row, index into grid.rows
    col_pos: dict[str, int]
    extra: dict[str, int]


def _layout(grid: SheetGrid, spec: SheetSpec) -> _Layout:
    """Find the header row of ``grid``: a sheet found by its name needs only its key
    column's header (a 客户 sheet with just 客户 and 国家 is still a customer list); a sheet
    found by its headers needs three."""
    hi, score = find_header(grid, spec)
    enough = score >= _min_header_score(spec)
    if not enough and hi >= 0 and named_as(grid, spec):
        index = _header_index(spec)
        enough = any(
            isinstance(v, str) and index.get(norm(v)) == spec.columns[0].key for v in grid.rows[hi]
        )
    if hi < 0 or not enough:
        seen = [
            str(v)
            for row in grid.rows[:HEADER_SCAN_ROWS]
            for v in row
            if isinstance(v, str) and v.strip()
        ][:12]
        found = ", ".join(seen) if seen else "—"
        expected = ", ".join(c.zh for c in spec.columns[:6])
        raise HeaderNotFound(
            f"Sheet '{grid.name}' has no header row with the expected headers ({expected}, …); "
            f"text found in its first rows: {found}.",
            f"工作表「{grid.name}」中找不到表头行（应有 {expected} 等）；前几行中的文字：{found}。",
        )
    index = _header_index(spec)
    col_pos: dict[str, int] = {}  # key → position in the grid row
    extra: dict[str, int] = {}
    for j, v in enumerate(grid.rows[hi]):
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        k = index.get(norm(v)) if isinstance(v, str) else None
        if k and k not in col_pos:
            col_pos[k] = j
        else:
            extra[clean_text(v)] = grid.origin_col + j
    start = hi + 1
    # a second header line (e.g. English under Chinese) is skipped, not read as data
    if start < len(grid.rows) and _score_row(grid.rows[start], index) >= max(3, score // 2):
        start += 1
    return _Layout(hi, start, col_pos, extra)


@dataclass
class _Typed:
    """Typed columns of a stretch of data rows (``idx``: their indices into grid.rows)."""

    idx: list[int]
    raw: dict[str, Sequence[Any]]
    values: dict[str, list[Any]]
    bad: dict[str, set[int]]
    issues: list[CellIssue]


def _type_rows(
    rows: Sequence[Sequence[Any]],
    lo: int,
    hi: int,
    lay: _Layout,
    spec: SheetSpec,
    date1904: bool,
    fill: Any = None,
) -> _Typed:
    """Pick the data rows among ``rows[lo:hi]`` and type their columns."""
    idx = _data_rows(rows, lo, lay.col_pos.get(spec.columns[0].key), hi)
    raw = _columns(rows, idx, lay.col_pos, fill)
    part = Table(sheet="", spec=spec, header_row=0, col={}, rows=idx, raw=raw, values={})
    for c in spec.columns:
        if c.key in raw:
            _type_column(part, c, date1904)
    return _Typed(idx, raw, part.values, part.bad, part.issues)


def _join(parts: list[_Typed], spec: SheetSpec) -> _Typed:
    """Consecutive stretches as one: issue and bad indices shifted, issues in the order a
    single stretch gives them (column by column, then by row)."""
    if len(parts) == 1:
        return parts[0]
    keys = list(parts[0].raw)
    idx = [i for p in parts for i in p.idx]
    raw: dict[str, Sequence[Any]] = {
        k: tuple(chain.from_iterable(p.raw[k] for p in parts)) for k in keys
    }
    values = {k: list(chain.from_iterable(p.values[k] for p in parts)) for k in parts[0].values}
    bad: dict[str, set[int]] = {}
    issues: list[CellIssue] = []
    offset = 0
    for p in parts:
        for k, b in p.bad.items():
            bad.setdefault(k, set()).update(i + offset for i in b)
        issues += (
            [replace(iss, index=iss.index + offset) for iss in p.issues] if offset else p.issues
        )
        offset += len(p.idx)
    order = {c.key: n for n, c in enumerate(spec.columns)}
    issues.sort(key=lambda iss: order.get(iss.key, len(order)))  # stable: rows stay in order
    return _Typed(idx, raw, values, bad, issues)


class EarlyTyping:
    """Types the master sheet piece by piece while later pieces are still being parsed.

    Why: on a big master the parse of the last pieces (gendan.read.split_read) leaves this
    process's main thread waiting ~1 s; typing the pieces already there fills that wait.
    :meth:`add` is called with the rows so far; :func:`build_table` takes the result only
    when it is for the very same rows object and finds the same header and columns, and
    types whatever rows came later itself - the table is the one it would have built."""

    def __init__(self, schema: Schema) -> None:
        self.spec = schema.master
        self.sheet: str | None = None
        self.rows: Sequence[Sequence[Any]] | None = None
        self.layout: _Layout | None = None
        self.date1904 = False
        self.parts: list[_Typed] = []
        self.done = 0  # rows[:done] are typed (or before the first data row)

    def add(self, name: str, rows: Sequence[Sequence[Any]], upto: int, date1904: bool) -> None:
        """``rows[:upto]`` of sheet ``name`` are read (rows beyond may still come)."""
        try:
            self._add(name, rows, upto, date1904)
        except Exception:  # whatever it is, build_table meets it again in its own place
            self.parts = []
            self.layout = None

    def _add(self, name: str, rows: Sequence[Sequence[Any]], upto: int, date1904: bool) -> None:
        if self.rows is None:
            if not named_as(SheetGrid(name, ()), self.spec) or upto <= HEADER_SCAN_ROWS:
                return
            try:
                self.layout = _layout(SheetGrid(name, rows[:upto]), self.spec)
            except HeaderNotFound:
                return
            self.sheet, self.rows, self.date1904 = name, rows, date1904
            self.done = self.layout.start
        if rows is not self.rows or self.layout is None or upto <= self.done:
            return
        # a piece narrower than the sheet is padded with "" once all pieces are in
        # (gendan.read.split_read): pad the same way here
        self.parts.append(
            _type_rows(rows, self.done, upto, self.layout, self.spec, self.date1904, "")
        )
        self.done = upto

    def take(self, grid: SheetGrid, lay: _Layout, date1904: bool) -> _Typed | None:
        """The typed rows for ``grid`` with layout ``lay``, if this is what was typed."""
        if (
            grid.rows is not self.rows
            or lay != self.layout
            or date1904 != self.date1904
            or grid.name != self.sheet
            or not self.parts
        ):
            return None
        rest = _type_rows(grid.rows, self.done, len(grid.rows), lay, self.spec, date1904)
        return _join([*self.parts, rest] if rest.idx else self.parts, self.spec)


def build_table(
    grid: SheetGrid, spec: SheetSpec, date1904: bool = False, early: EarlyTyping | None = None
) -> Table:
    """Find the header row of ``grid`` and parse its data rows by the column types."""
    lay = _layout(grid, spec)
    filled = _fill_merges(grid, lay)
    if filled is not None:
        grid = replace(grid, rows=filled)  # early typing had the rows without: not taken
    typed = early.take(grid, lay, date1904) if early is not None else None
    if typed is None:
        typed = _type_rows(grid.rows, lay.start, len(grid.rows), lay, spec, date1904)
    return Table(
        sheet=grid.name,
        spec=spec,
        header_row=grid.origin_row + lay.hi,
        col={k: grid.origin_col + j for k, j in lay.col_pos.items()},
        rows=[grid.origin_row + i for i in typed.idx],
        raw=typed.raw,
        values=typed.values,
        bad=typed.bad,
        issues=typed.issues,
        extra=lay.extra,
        missing=[c.key for c in spec.columns if c.key not in lay.col_pos],
    )


def _fill_merges(grid: SheetGrid, lay: _Layout) -> list[Sequence[Any]] | None:
    """The rows with each merged cell's value copied down into the rows it covers, or
    None when no merge spans data rows of a read column (the common case: no copy made).

    A 客户 cell merged down over an order's rows means that customer for each of them, as
    Excel shows it; the file holds the value in the first cell only.  Only the merge's
    first column is filled and only below the header (a title merged across the top
    means nothing for the data); a covered cell that holds a value of its own keeps it."""
    cols = set(lay.col_pos.values())
    spans = [
        (r0, c0, r1)
        for r0, c0, r1, _c1 in grid.merges
        if r1 > r0 and r0 >= lay.start and c0 in cols
    ]
    if not spans:
        return None
    rows: list[Sequence[Any]] = list(grid.rows)
    copied: set[int] = set()
    for r0, c0, r1 in spans:
        if r0 >= len(rows):
            continue
        top = rows[r0]
        v = top[c0] if c0 < len(top) else None
        if v is None or v == "":
            continue
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if c0 < len(row) and row[c0] not in (None, ""):
                continue
            if r not in copied:
                row = list(row) + [""] * (c0 + 1 - len(row))
                rows[r] = row
                copied.add(r)
            row[c0] = v  # type: ignore[index]
    return rows


def _data_rows(
    src: Sequence[Sequence[Any]], start: int, contract_pos: int | None, stop: int | None = None
) -> list[int]:
    """Indices of the rows of ``src[start:stop]`` that hold an order: not blank, not a
    合计/Total line.

    ``any(row)`` is the fast test (C speed); a row whose contract number is a plain text or
    number is taken at once; only the others get the thorough look (white space only? a
    totals line?)."""
    body = src[start:stop]
    filled = list(map(any, body))
    if contract_pos is None:
        keys: list[Any] = [None] * len(body)
    else:
        keys = [r[contract_pos] if len(r) > contract_pos else None for r in body]
    out: list[int] = []
    str_, float_, int_ = str, float, int
    for off, (f, k) in enumerate(zip(filled, keys, strict=True)):
        if not f:
            continue
        if (
            k.__class__ is float_
            or k.__class__ is int_
            or (k.__class__ is str_ and k.strip() and len(k) > 8)
        ):
            out.append(start + off)  # a real contract number: the common case
            continue
        row = body[off]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if _is_total_row(row, contract_pos):
            continue
        out.append(start + off)
    return out


def _columns(
    src: Sequence[Sequence[Any]], data_idx: list[int], col_pos: dict[str, int], fill: Any = None
) -> dict[str, Sequence[Any]]:
    """One list per key, transposed at C speed (``zip(*rows)``); ragged rows are padded
    with ``fill``."""
    if not data_idx or not col_pos:
        return {k: [] for k in col_pos}
    width = max(col_pos.values()) + 1
    contiguous = data_idx[-1] - data_idx[0] + 1 == len(data_idx)
    picked = src[data_idx[0] : data_idx[-1] + 1] if contiguous else [src[i] for i in data_idx]
    if min(map(len, picked)) < width:
        picked = [list(r) + [fill] * (width - len(r)) if len(r) < width else r for r in picked]
    columns = list(zip(*picked, strict=False))
    return {k: columns[j] for k, j in col_pos.items()}


def _is_total_row(row: Sequence[Any], contract_pos: int | None) -> bool:
    if contract_pos is not None and contract_pos < len(row):
        v = row[contract_pos]
        if v not in (None, "") and norm(v) not in _TOTAL_WORDS:
            return False
    return any(isinstance(v, str) and norm(v) in _TOTAL_WORDS for v in row[:6])


_EXPECTED_DATE = "YYYY-MM-DD"


_PENDING = object()  # "not handled by the fast pass"


def _fast_pass(ctype: str, raw: Sequence[Any]) -> list[Any]:
    """The common cases at list-comprehension speed: blanks (None, '') become None; a str in
    a text column is stripped; a float in a number column and a date in a date column pass
    as they are.  Anything else is ``_PENDING`` for the slow path."""
    P, str_, float_, int_ = _PENDING, str, float, int
    if ctype == "text":
        return [
            (v.strip() or None) if v.__class__ is str_ else (None if v is None else P) for v in raw
        ]
    if ctype == "number":
        return [
            v
            if (v.__class__ is float_ or v.__class__ is int_)
            else (None if (v is None or v == "") else P)
            for v in raw
        ]
    if ctype == "date":
        date_ = dt.date
        return [v if v.__class__ is date_ else (None if (v is None or v == "") else P) for v in raw]
    if ctype == "integer":
        # calamine gives whole numbers as floats (1100.0): parse_integer makes them ints;
        # ints beyond 2**53 and near-whole floats keep the slow path's exact rules
        return [
            int(v)
            if (v.__class__ is float_ and v.is_integer())
            else (
                v
                if (v.__class__ is int_ and -_EXACT < v < _EXACT)
                else (None if (v is None or v == "") else P)
            )
            for v in raw
        ]
    return [None if (v is None or v == "") else P for v in raw]


_EXACT = 2**53  # ints below this survive parse_integer's float round trip unchanged


def _type_column(table: Table, col: ColumnSpec, date1904: bool) -> None:
    """Parse one column by its schema type: a fast pass over the common cases, then the
    cached parsers of gendan.model.values for the rest, once per distinct value."""
    key = col.key
    raw = table.raw[key]
    ctype = col.type
    if ctype in ("enum", "terms") and _type_by_distinct(table, col, date1904):
        return
    out = _fast_pass(ctype, raw)
    P = _PENDING
    # compress/map(is_) finds the pending cells at C speed, comparing pointers only; most
    # columns have none.  (Error cells reach us blank from calamine and are counted by the
    # gate; an error text typed into a number or date column fails its parse below.)
    todo = list(compress(range(len(out)), map(is_, out, repeat(P))))
    bad: set[int] = set()
    issues = table.issues
    slow = _SLOW[ctype]
    lookup = col.enum_lookup() if ctype == "enum" else None
    # parse once per distinct value: an enum or terms column of 100,000 orders holds a
    # handful of texts.  Keys carry the class so that True stays apart from 1 and 1.0.
    cache: dict[Any, Parsed] = {}
    keys = [(v.__class__, v) for v in map(raw.__getitem__, todo)]
    for ck in set(keys):
        cache[ck] = _parse_one(ctype, ck[1], date1904, lookup, slow)
    plain = ctype != "date"
    for i, ck in zip(todo, keys, strict=True):
        p = cache[ck]
        if p.ok and (plain or not p.as_text):
            out[i] = p.value  # the common case: parsed, nothing to report
            continue
        v = raw[i]
        if not p.ok:
            out[i] = None
            bad.add(i)
            code = "enum" if p.reason == "enum" else "type"
            reason = None if code == "enum" else ("excel-error" if excel_error(v) else p.reason)
            issues.append(CellIssue(code, key, i, reason=reason, expected=p.expected))
            continue
        out[i] = p.value
        if p.as_text and ctype == "date" and p.value is not None:
            issues.append(CellIssue("text-date", key, i, expected=p.value.isoformat()))
    table.values[key] = out
    if bad:
        table.bad[key] = bad


def _type_by_distinct(table: Table, col: ColumnSpec, date1904: bool) -> bool:
    """Type an enum or terms column by mapping each cell through a dict made once per
    distinct value (a 100,000-order column holds a handful), at C speed.  Done only when
    every distinct value parses cleanly and no two distinct values of different classes
    are equal (True == 1 == 1.0 would share a dict entry); otherwise False, and the
    caller's cell-by-cell path reports each bad cell as before."""
    raw = table.raw[col.key]
    distinct = set(raw)
    classes = {v.__class__ for v in distinct}
    if bool in classes or len(classes - {str, type(None)}) > 1:
        return False
    lookup = col.enum_lookup() if col.type == "enum" else None
    slow = _SLOW[col.type]
    value_of: dict[Any, Any] = {}
    for v in distinct:
        if v is None:
            value_of[v] = None
            continue
        p = _parse_one(col.type, v, date1904, lookup, slow)
        if not p.ok:
            return False
        value_of[v] = p.value
    table.values[col.key] = list(map(value_of.__getitem__, raw))
    return True


def _parse_one(
    ctype: str, v: Any, date1904: bool, lookup: dict[str, str] | None, slow: Callable[[Any], Parsed]
) -> Parsed:
    if v == "" or (isinstance(v, str) and not v.strip()):
        return Parsed(None, True)  # blank
    if ctype == "date":
        return parse_date(v, date1904)
    if ctype in ("enum", "terms"):
        t = parse_text(v)
        if not t.ok or t.value is None:
            return t
        if ctype == "enum":
            assert lookup is not None
            canon = lookup.get(enum_key(t.value))
            return Parsed(canon, True) if canon is not None else Parsed(None, False, reason="enum")
        terms = parse_terms(t.value)
        return Parsed(terms, True) if terms is not None else Parsed(None, False, reason="terms")
    return slow(v)


_SLOW: dict[str, Callable[[Any], Parsed]] = {
    "text": parse_text,
    "number": parse_number,
    "integer": parse_integer,
    "date": parse_date,
    "enum": parse_text,
    "terms": parse_text,
}


def read_company(
    grid: SheetGrid | None, spec: SheetSpec
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Key/value pairs of the 公司 sheet: a label cell (key, zh or en) and the next
    non-blank cell to its right."""
    if grid is None:
        return {}, {}
    index: dict[str, str] = {}
    for f in spec.fields:
        for h in f.headers():
            index.setdefault(norm(h), f.key)
    values: dict[str, str] = {}
    cells: dict[str, tuple[str, str]] = {}
    for i, row in enumerate(grid.rows):
        for j, v in enumerate(row):
            if not isinstance(v, str):
                continue
            k = index.get(norm(v.rstrip(":：")))
            if not k or k in values:
                continue
            for jj in range(j + 1, len(row)):
                w = row[jj]
                if w not in (None, ""):
                    values[k] = clean_text(w)
                    cells[k] = (
                        grid.name,
                        f"{column_letter(grid.origin_col + jj)}{grid.origin_row + i}",
                    )
                    break
            break
    return values, cells


def load_tables(
    data: WorkbookData,
    schema: Schema,
    early: EarlyTyping | None = None,
    sheets: Sequence[str] | None = None,
) -> Tables:
    """Locate and type the master sheets (``sheets``: only these), 客户, 产品 and 公司 of
    ``data`` (``early``: a master's rows typed while it was being read, see
    :class:`EarlyTyping`)."""
    from gendan.read.reader import collector_paused

    out: list[Tables] = []
    # columns are big lists without cycles: see collector_paused
    with collector_paused(freeze_rows=lambda: sum(m.n for m in out[0].masters) if out else 0):
        out.append(_load_tables(data, schema, early, sheets))
    return out[0]


#: what is not checked without each reference sheet (the notes say it, zh and en)
_SKIPPED = {
    "customers": (
        "客户是否存在（unknown-customer）、单据上的买方",
        "whether customers exist (unknown-customer), the buyer on documents",
    ),
    "products": (
        "产品是否存在（unknown-product）、每箱净重、温度范围、装柜量（weight-mismatch、temperature-range、container-overflow）、单据上的品名",
        "whether products exist (unknown-product), kg per carton, temperature range, container capacity "
        "(weight-mismatch, temperature-range, container-overflow), the goods on documents",
    ),
}
_ROLE_ZH = {"customers": "客户", "products": "产品"}


def _load_tables(
    data: WorkbookData,
    schema: Schema,
    early: EarlyTyping | None,
    sheets: Sequence[str] | None = None,
) -> Tables:
    refs_specs = [schema.sheets[r] for r in ("customers", "products", "company")]
    grids, notes_ = master_sheets(data, schema.master, sheets, skip=refs_specs)
    masters = tuple(build_table(g, schema.master, data.date1904, early) for g in grids)
    notes: list[str] = list(data.notes) + notes_
    if len(masters) > 1:
        names = ", ".join(m.sheet for m in masters)
        notes.append(
            f"本工作簿有 {len(masters)} 个主表，逐表检查：{names}。\n"
            f"The workbook has {len(masters)} master sheets, each checked on its own: {names}."
        )
    taken: list[SheetGrid] = list(grids)
    refs: dict[str, Table | None] = {}
    for role in ("customers", "products"):
        spec = schema.sheets[role]
        g = reference_sheet(data, spec, taken)
        refs[role] = None
        if g is not None:
            taken.append(g)
            try:
                refs[role] = build_table(g, spec, data.date1904)
            except HeaderNotFound as exc:
                notes.append(f"{exc.message_zh}\n{exc.message_en}")
        if refs[role] is None:
            zh, en = _SKIPPED[role]
            if g is None:
                notes.append(
                    f"找不到{_ROLE_ZH[role]}表（{' / '.join(spec.names)}，或含 {spec.columns[0].zh} 等表头的工作表），"
                    f"未检查：{zh}。\n"
                    f"No {role} sheet ({' / '.join(spec.names)}, or one with headers such as "
                    f"{spec.columns[0].en}): not checked: {en}."
                )
            else:
                notes.append(f"未检查：{zh}。\nNot checked: {en}.")
    company, company_cells = read_company(
        company_sheet(data, schema.company, taken), schema.company
    )
    return Tables(
        master=masters[0],
        customers=refs["customers"],
        products=refs["products"],
        company=company,
        company_cells=company_cells,
        data=data,
        notes=notes,
        masters=masters,
    )
