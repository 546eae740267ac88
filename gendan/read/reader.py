"""Read a workbook file into plain values (WorkbookData) with python-calamine.

calamine is the fastest reader that keeps native types (measured: 1.8 s for 100k × 30 with
``to_python``, against 9.7 s for openpyxl read-only), and it reads .xlsx, .xlsm, .xls,
.xlsb and .ods alike.  The file is opened read-only and never written.  The input gate
(:mod:`gendan.read.gate`) looks at the bytes first, so that a renamed CSV, an encrypted file or
a zip bomb gets a clear sentence instead of a parser's exception.  A big worksheet is
parsed in pieces on worker threads as soon as the gate has proven them
(:mod:`gendan.read.split_read`), and the master can be typed piece by piece meanwhile
(:class:`gendan.read.tables.EarlyTyping`).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gendan.model.errors import UnreadableWorkbook
from gendan.model.grid import SheetGrid, WorkbookData
from gendan.read.split_read import SplitReader

if TYPE_CHECKING:
    from gendan.read.tables import EarlyTyping


def quiet_rust_panics() -> None:
    """A panic inside calamine must become one sentence, not 30 lines of Rust backtrace.

    Rust's panic handler reads ``RUST_BACKTRACE`` from the environment (and caches it at
    the first panic), so there is no scoped way to set it: it is set once per process, and
    only when the user has not set it (someone debugging calamine with
    ``RUST_BACKTRACE=1`` keeps the backtrace).  Before, every read wrote ``0`` over it."""
    global _RUST_QUIETED
    if not _RUST_QUIETED:
        os.environ.setdefault("RUST_BACKTRACE", "0")
        _RUST_QUIETED = True


_RUST_QUIETED = False


def read_workbook(
    path: str | Path,
    sheets: set[str] | None = None,
    *,
    split: SplitReader | None = None,
    early: EarlyTyping | None = None,
) -> WorkbookData:
    """Read every sheet (or only ``sheets``, by exact name) of the file at ``path``.

    Sheets not asked for are listed with no rows, so that callers still see the names.
    Big worksheets are parsed in pieces on every core while the gate is still scanning
    (``split``: how; tests pass small pieces to exercise it on small files), and
    ``early`` types the master's pieces while later ones are still parsing."""
    quiet_rust_panics()
    split = split if split is not None else SplitReader(sheets)
    try:
        return _read(Path(path), sheets, split, early)
    finally:
        split.close()


def _read(
    p: Path, sheets: set[str] | None, split: SplitReader, early: EarlyTyping | None
) -> WorkbookData:
    from gendan.read import gate

    info = gate.open_checked(p, tap=split)
    split.gate_done()
    notes: tuple[str, ...] = tuple(f"{zh}\n{en}" for _code, zh, en in info.note_messages())
    import python_calamine as pc

    grids: list[SheetGrid] = []
    unfreeze()
    with collector_paused(freeze_rows=lambda: sum(len(g.rows) for g in grids)):
        # the workbook (its strings and styles: 0.3 s for a big string table) opens on a
        # thread while the pieces of the big sheet become rows here
        with ThreadPoolExecutor(max_workers=1) as opener:
            opening = opener.submit(pc.CalamineWorkbook.from_path, str(p))
            on_rows = None
            if early is not None:

                def on_rows(name: str, rows: list[list[Any]], n: int) -> None:
                    early.add(name, rows, n, info.date1904)

            ready = {name: split.rows(name, on_rows) for name in split.split_sheets()}
            try:
                wb = opening.result()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # calamine's errors, and PanicException
                raise UnreadableWorkbook(
                    f"{p.name} cannot be read as a workbook ({type(exc).__name__}: {_first_line(exc)}).",
                    f"无法作为工作簿读取 {p.name}（{type(exc).__name__}：{_first_line(exc)}）。",
                ) from None
        try:
            meta = {m.name: m for m in wb.sheets_metadata}
            for name in wb.sheet_names:
                hidden = (
                    str(getattr(meta.get(name), "visible", ""))
                    .lower()
                    .endswith(("hidden", "veryhidden"))
                )
                if sheets is not None and name not in sheets:
                    grids.append(SheetGrid(name=name, rows=(), hidden=hidden))
                    continue
                merges: tuple[tuple[int, int, int, int], ...] = ()
                try:
                    rows = ready.get(name)
                    if rows is None:
                        sheet = wb.get_sheet_by_name(name)
                        rows = sheet.to_python(skip_empty_area=False)
                        merges = _merges(sheet)
                    else:
                        merges = split.merges(name)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # incl. calamine's PanicException
                    # a chart sheet or a damaged sheet part: keep the name, say why
                    notes += (
                        f"工作表「{name}」无法读取：{_first_line(exc)}\n"
                        f"Sheet '{name}' could not be read: {_first_line(exc)}",
                    )
                    rows = []
                grids.append(SheetGrid(name=name, rows=rows, hidden=hidden, merges=merges))
        finally:
            try:
                wb.close()
            except Exception:
                pass
    return WorkbookData(sheets=tuple(grids), path=str(p), date1904=info.date1904, notes=notes)


def _merges(sheet: Any) -> tuple[tuple[int, int, int, int], ...]:
    """The sheet's merged ranges from calamine (0-based, from A1 as ``to_python`` with
    ``skip_empty_area=False`` gives the rows), or none where the format has none to give."""
    try:
        got = sheet.merged_cell_ranges
    except Exception:  # a format or calamine version without merges
        return ()
    return tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in got or ())


#: Below this many rows read, nothing is frozen (a small read costs the collector nothing).
FREEZE_ROWS = 20_000


class _GcState:
    frozen = False  # did a big read (or its tables) gc.freeze() objects?


@contextmanager
def collector_paused(freeze_rows: Callable[[], int] | None = None) -> Iterator[None]:
    """Keep Python's cyclic garbage collector out of a stretch of work that makes many big
    containers and no reference cycles: reading the grid, typing its columns, the rules.

    A 100,000-order master makes 100,000 row lists and then a few hundred lists and tuples
    of 100,000 items each (columns).  Every 700 allocations the collector walks all young
    containers item by item, and now and then the whole heap: ~1.5 s of a 9 s run, measured
    with ``gc.callbacks`` (docs/performance.md).  Cell values, rows and columns hold no
    cycles, so nothing is lost: they are freed by reference counting as soon as they are
    dropped, paused or not.

    Merely pausing moves the cost to the first collection after it, which walks everything
    the stretch made; so when ``freeze_rows()`` says the stretch handled at least
    :data:`FREEZE_ROWS` rows, what exists then goes to the permanent generation
    (``gc.freeze``), which later collections skip.  The next read unfreezes first, so a
    long-running process (the add-in's server, a folder worker) keeps at most one
    workbook frozen.  When the caller has switched the collector off, it is left alone."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if freeze_rows is not None and freeze_rows() >= FREEZE_ROWS:
            gc.freeze()
            _GcState.frozen = True
        gc.enable()


def unfreeze() -> None:
    """Give what an earlier big read froze back to normal collection (see collector_paused)."""
    if _GcState.frozen:
        gc.unfreeze()
        _GcState.frozen = False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
