"""Annotate and clear a workbook file: run the check, plan the marks
(:mod:`gendan.write.marks`) and carry the plan out by patching the package
(:mod:`gendan.write.patch_marks`), or through openpyxl where the patch cannot
(:func:`gendan.write.apply_openpyxl.openpyxl_fallback`) — in place only through
:func:`gendan.write.safe_write.write_in_place`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gendan.model.findings import Report
from gendan.model.grid import WorkbookData
from gendan.model.plan import (
    ClearMarks,
    NewSheet,
    Note,
    Plan,
)

if TYPE_CHECKING:  # pragma: no cover
    from gendan.model.schema import Schema
    from gendan.write.patch_marks import MarksPatch


from gendan.write.marks import LEDGER_SHEET, finding_cells, is_tool_note, plan_clear, plan_marks
from gendan.write.marks_openpyxl import (
    _anchor_cell,
    _merged_anchors_openpyxl,
    clear_marks_openpyxl,
    fills_openpyxl,
)


def apply_marks_openpyxl(
    plan: Plan,
    wb: Any,
    apply_rest: Callable[[Plan, Any], Any] | None = None,
) -> None:
    """Apply a marks plan to an openpyxl workbook.

    ClearMarks and Note are carried out here, because their meaning (the ledger, never
    over a user's note) belongs to this module; every other action goes, in order, to
    ``gendan.write.apply_openpyxl.apply_plan`` (or ``apply_rest``)."""
    from openpyxl.comments import Comment

    if apply_rest is None:
        from gendan.write.apply_openpyxl import apply_plan as default_apply

        apply_rest = default_apply
    rest: Callable[[Plan, Any], Any] = apply_rest
    pending = Plan()

    def flush() -> None:
        if pending.actions:
            rest(Plan(list(pending.actions)), wb)
            pending.actions.clear()

    for action in plan:
        if isinstance(action, ClearMarks):
            flush()
            clear_marks_openpyxl(wb, action.sheet)
        elif isinstance(action, Note):
            flush()
            if action.sheet not in wb.sheetnames:
                continue
            cell = _anchor_cell(wb[action.sheet], action.cell)
            old = cell.comment
            if old is not None and not is_tool_note(old.text, old.author):
                continue  # the user's note stays; the finding is on 检查结果
            comment = Comment(action.text, action.author)
            comment.width, comment.height = 320, 140
            cell.comment = comment
        else:
            pending.add(action)
    flush()


def save_atomic(
    wb: Any, out: str | Path, inputs: Sequence[str | Path] = (), allow_input: bool = False
) -> Path:
    """Save through gendan.write.safe_write: a temporary file in the target folder, then a
    rename over ``out`` — a crash or a full disk never leaves half a workbook behind, a file
    open in Excel is refused with a clear sentence, and ``out`` may be one of ``inputs``
    only when ``allow_input`` (``--in-place``)."""
    from gendan.write.safe_write import atomic_write

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(out, lambda tmp: wb.save(tmp), inputs=inputs, allow_input=allow_input)


def annotate_file(
    src: str | Path,
    out: str | Path | None,
    schema: Schema | str | Path | None = None,
    as_of: dt.date | None = None,
    lang: str = "zh",
    in_place: bool = False,
) -> Report:
    """Check ``src`` and write a copy to ``out`` with the marks and the 检查结果 sheet.

    Reads and checks as ``gendan check`` does, then patches the package
    (:mod:`gendan.write.patch_marks`): only the marked cells' formats, their notes, the styles
    part and the tool's two sheets change; every other part is copied as it is.  ``src``
    is written only with ``in_place`` (then ``out`` may be None): through the guarded
    in-place write, which proves nothing was lost and keeps a timestamped backup.
    Otherwise ``out`` naming ``src`` is refused (OutputError)."""
    if out is None and not in_place:
        raise ValueError("annotate_file needs out, or in_place=True")
    from gendan.model.schema import Schema, load_schema
    from gendan.rules.engine import check_tables, load_book

    loaded = (
        schema
        if isinstance(schema, Schema)
        else (load_schema(schema) if schema is not None else None)
    )
    tables, used = load_book(src, loaded)
    report = check_tables(tables, used, as_of)
    report.path = str(src)
    data = _slim(tables.data)
    del tables  # the values are not needed for writing: free them before the package is read

    def patch(tmp: Path) -> MarksPatch:
        from gendan.write.patch_marks import annotate_package

        return annotate_package(src, tmp, report, data, lang, as_of)

    def fallback(wb: Any) -> None:
        plan = plan_marks(
            report,
            data,
            lang,
            fills_openpyxl(wb, finding_cells(report)),
            as_of=as_of,
            anchors=_merged_anchors_openpyxl(wb, finding_cells(report)),
        )
        apply_marks_openpyxl(plan, wb)

    _write_marks(src, out, in_place, patch, fallback)
    return report


def _slim(data: WorkbookData) -> WorkbookData:
    """What writing marks needs of the workbook as read: the sheet names and the ledger."""
    from gendan.model.grid import SheetGrid

    return WorkbookData(
        sheets=[
            s if s.name == LEDGER_SHEET else SheetGrid(s.name, (), hidden=s.hidden)
            for s in data.sheets
        ],
        path=data.path,
        date1904=data.date1904,
    )


def clear_file(
    src: str | Path, out: str | Path | None, lang: str = "zh", in_place: bool = False
) -> Path:
    """Remove the tool's marks (fills, notes) from ``src``, writing ``out`` (or ``src``
    itself with ``in_place``, guarded and backed up as :func:`annotate_file`).  A cell
    still showing the tool's mark gets its own format back; everything else is the user's
    and stays.  Returns the path written."""
    if out is None and not in_place:
        raise ValueError("clear_file needs out, or in_place=True")
    from gendan.read.reader import read_workbook

    data = read_workbook(src)

    def patch(tmp: Path) -> MarksPatch:
        from gendan.write.patch_marks import clear_package

        return clear_package(src, tmp, data, lang)

    def fallback(wb: Any) -> None:
        apply_marks_openpyxl(plan_clear(data, lang), wb)

    _write_marks(src, out, in_place, patch, fallback)
    return Path(src if in_place or out is None else out)


def write_plan(
    src: str | Path, out: str | Path, plan: Plan, data: WorkbookData | None, backup: bool = True
) -> None:
    """Carry out a plan made elsewhere (a ribbon button run by the headless file host) on
    the file ``src``, writing ``out`` (``src`` itself: in place, guarded and, with
    ``backup``, backed up).  Tried in this order, each keeping every part it does not name
    byte for byte: the marks patch (check, clear: cell formats, notes, the tool's sheets);
    for a plan that only adds sheets (receivables, to-do, documents), grafting them onto a
    copy of the package as ``gendan docs`` does; else openpyxl, only where it provably
    loses nothing (:func:`gendan.write.apply_openpyxl.openpyxl_fallback`).  ``data``: the
    workbook as read (the old ledger)."""

    def patch(tmp: Path) -> MarksPatch | PatchDone:
        from gendan.ooxml import Unsupported
        from gendan.write.inject import sheet_names
        from gendan.write.patch_marks import plan_package

        if _only_new_sheets(plan):  # the graft tells the tool's sheets from the user's
            try:
                return _graft_plan(src, tmp, plan)
            except Unsupported:  # the patch replaces by name: only where none exists yet
                if _new_names(plan) & {n.casefold() for n in sheet_names(src)}:
                    raise
        return plan_package(src, tmp, plan, data)

    def fallback(wb: Any) -> None:
        apply_marks_openpyxl(plan, wb)

    in_place = _same(out, src)
    _write_marks(src, None if in_place else out, in_place, patch, fallback, backup=backup)


@dataclass
class PatchDone:
    """What a package writer other than the marks patch rewrote (for the in-place guard)."""

    changed: set[str]
    dropped_notes: frozenset[str] = frozenset()


def _new_names(plan: Plan) -> set[str]:
    return {a.name.casefold() for a in plan if isinstance(a, NewSheet)}


def _only_new_sheets(plan: Plan) -> bool:
    """Every action of ``plan`` is on a sheet the plan itself creates."""
    new = {a.name for a in plan if isinstance(a, NewSheet)}
    return bool(new) and all(
        getattr(a, "sheet", None) in new for a in plan if not isinstance(a, NewSheet)
    )


def _graft_plan(src: str | Path, tmp: Path, plan: Plan) -> PatchDone:
    """Write ``src`` plus the new sheets of ``plan`` to ``tmp`` by grafting
    (gendan.write.inject.graft_tool); ``plan`` acts only on sheets it creates (the caller,
    :func:`write_plan`, has checked :func:`_only_new_sheets`); the tool's own earlier sheet
    of a name is replaced, a user's is never touched."""
    import io

    import openpyxl

    from gendan.write import inject
    from gendan.write.apply_openpyxl import apply_plan

    wb = openpyxl.Workbook()
    default = wb.worksheets[0]  # a new workbook: its one (active) sheet
    apply_plan(plan, wb)
    wb.remove(default)
    buf = io.BytesIO()
    wb.save(buf)
    return PatchDone(inject.graft_tool(src, buf.getvalue(), tmp).changed)


def _write_marks(
    src: str | Path,
    out: str | Path | None,
    in_place: bool,
    patch: Callable[[Path], MarksPatch | PatchDone],
    fallback: Callable[[Any], None],
    backup: bool = True,
) -> None:
    """Write with ``patch``; in place, the guard is told the parts it rewrote (every other
    part must stay byte for byte) and the tool's own earlier notes it took away (the
    change's, not losses).  A package it cannot handle goes to the openpyxl ``fallback``,
    which must first prove that nothing would be lost."""
    from gendan.ooxml import Unsupported
    from gendan.write.safe_write import atomic_write, write_in_place

    target = Path(src) if in_place and out is None else Path(out)  # type: ignore[arg-type]
    same = in_place and (out is None or _same(out, src))
    try:
        named: set[str] = set()
        changed: set[str] = set()

        def write(tmp: Path) -> None:
            done = patch(tmp)
            named.update(done.dropped_notes)
            changed.update(done.changed if isinstance(done, PatchDone) else done.pkg.changed)

        if same:
            write_in_place(src, write, named=lambda: named, changes=lambda: changed, backup=backup)
        else:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                from gendan.model.errors import OutputError

                raise OutputError(
                    f"Cannot create the folder for {target.name}: {exc.strerror or exc}.",
                    f"无法为 {target.name} 创建文件夹：{exc.strerror or exc}。",
                ) from None
            atomic_write(target, write, inputs=[src], allow_input=in_place)
        return
    except Unsupported as exc:
        why = str(exc)
    from gendan.write.apply_openpyxl import openpyxl_fallback

    openpyxl_fallback(src, target, same, why, fallback)


def _same(a: str | Path, b: str | Path) -> bool:
    from gendan.write.safe_write import same_file

    return Path(a).exists() and same_file(a, b)
