"""Check marks: plan the fills, notes and 检查结果 sheet that show a Report inside the workbook.

Marks are the tool's own.  Re-running replaces them, and clearing removes them, without
touching a format the user set.  The tool recognises its own marks by two things:

* **a ledger** — a hidden sheet ``_gendan_marks`` with one row per marked cell:
  ``sheet, cell, mark, prior`` (the colour the tool set and the user's fill it replaced,
  ``RRGGBB`` or blank for "no fill").  Clearing restores ``prior`` only where the cell
  still shows ``mark``: a cell the user re-coloured since is left alone;
* **notes** authored ``gendan`` whose text starts with :data:`NOTE_PREFIX`.  Excel sets a
  note's author to the user's name, so live Excel relies on the prefix; openpyxl on both.

The ``ClearMarks(sheet)`` action means exactly this to every applier:

1. for each ledger row of ``sheet``: if the cell's fill is still ``mark``, set it back to
   ``prior`` (no fill when blank);
2. delete the notes on ``sheet`` that are the tool's (:func:`is_tool_note`).

A ``Note`` never replaces a note the user wrote: the applier skips it (the finding is
still listed, with its link, on the 检查结果 sheet).

Plan order matters and :func:`plan_marks` keeps it: every ``ClearMarks`` first (they read
the old ledger), then the new ledger sheet, then fills and notes, then 检查结果.

This module plans.  :func:`gendan.write.annotate.annotate_file` and ``clear_file`` carry a plan out on the
file by patching its package (:mod:`gendan.write.patch_marks`: only the marked cells' formats,
their notes, the styles part and the tool's two sheets change; every other part, formula
results included, is copied) - in place only through the guarded, backed-up
:func:`gendan.write.safe_write.write_in_place`.  The patch writer adds two columns to the ledger
(``s_before``, ``s_mark``: the cell's format index before the mark and the mark's), so
that clearing gives a cell its exact format back.  openpyxl (imported lazily: the engine
stays free of it at import time) applies plans for the ribbon's file host, and writes a
file only as a fallback that first proves nothing would be lost
(:func:`gendan.write.apply_openpyxl.openpyxl_fallback`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gendan.model.findings import Finding, Report
from gendan.model.grid import WorkbookData
from gendan.model.plan import (
    MARK_TAG,
    ClearMarks,
    ColumnWidth,
    Fill,
    Font,
    FreezePanes,
    Hyperlink,
    NewSheet,
    Note,
    Plan,
    SetValues,
    quote_ref,
)

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "LEDGER_SHEET",
    "LEDGER_HEADER",
    "NOTE_PREFIX",
    "RESULTS_SHEET",
    "SEVERITY_FILL",
    "LedgerEntry",
    "is_tool_note",
    "read_ledger",
    "plan_clear",
    "plan_marks",
    "restore_color",
]

#: The sheet that lists the findings, with links to their cells.
RESULTS_SHEET = "检查结果"
#: The hidden sheet that remembers which cells the tool coloured and what was there before.
LEDGER_SHEET = "_gendan_marks"
LEDGER_HEADER = ("sheet", "cell", "mark", "prior")
#: Every note the tool writes starts with this, so it can find its notes in live Excel.
NOTE_PREFIX = "[gendan]"
#: Light fills Excel users know from "Good, Bad and Neutral": red error, yellow warning.
SEVERITY_FILL: dict[str, str] = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_SEVERITY_LABEL = {
    "error": ("错误", "Error"),
    "warning": ("警告", "Warning"),
    "info": ("提示", "Info"),
}
_RESULT_COLUMNS: tuple[tuple[str, str, float], ...] = (
    # zh, en, width
    ("严重程度", "Severity", 9),
    ("代码", "Code", 20),
    ("位置", "Cell", 18),
    ("行", "Row", 6),
    ("合同号", "Contract No.", 14),
    ("列", "Column", 16),
    ("值", "Value", 18),
    ("应为", "Expected", 18),
    ("说明", "Message", 70),
)
_TOOL_SHEETS = frozenset({RESULTS_SHEET, LEDGER_SHEET})


@dataclass(frozen=True)
class LedgerEntry:
    """One cell the tool coloured: where, the colour it set, and the fill it replaced."""

    sheet: str
    cell: str
    mark: str
    prior: str | None


# ----------------------------------------------------------------------------- colours


def norm_color(color: object) -> str | None:
    """``RRGGBB`` upper-case from what backends give: ``'ffc7ce'``, ``'FFFFC7CE'`` (ARGB),
    ``(255, 199, 206)``, ``'#FFC7CE'``; ``None`` for no fill."""
    if color is None or color == "":
        return None
    if isinstance(color, (tuple, list)) and len(color) >= 3:
        r, g, b = (int(c) for c in color[:3])
        return f"{r:02X}{g:02X}{b:02X}"
    s = str(color).strip().lstrip("#").upper()
    if len(s) == 8:  # ARGB
        s = s[2:]
    if len(s) != 6 or any(ch not in "0123456789ABCDEF" for ch in s):
        return None
    return s


def restore_color(current: object, entry: LedgerEntry) -> tuple[bool, str | None]:
    """What ClearMarks does to one ledger cell: ``(change, colour)``.

    The fill goes back to ``prior`` only if the cell still shows the tool's colour; a cell
    the user re-coloured since is the user's and stays as it is."""
    if norm_color(current) == norm_color(entry.mark):
        return True, norm_color(entry.prior)
    return False, None


def is_tool_note(text: str | None, author: str | None = None) -> bool:
    """A note the tool wrote (and may delete): authored ``gendan`` or prefixed."""
    if author == MARK_TAG:
        return True
    return bool(text) and str(text).lstrip().startswith(NOTE_PREFIX)


# ----------------------------------------------------------------------------- ledger


def read_ledger(data: WorkbookData | None) -> list[LedgerEntry]:
    """The ledger the workbook holds now (empty when it has none)."""
    grid = data.get(LEDGER_SHEET) if data is not None else None
    if grid is None:
        return []
    return ledger_from_rows(grid.rows)


def ledger_from_rows(rows: Iterable[Sequence[Any]]) -> list[LedgerEntry]:
    """Parse ledger rows (header first); rows that do not make sense are skipped."""
    out: list[LedgerEntry] = []
    for i, row in enumerate(rows):
        cells = [("" if v is None else str(v)).strip() for v in list(row)[:4]]
        cells += [""] * (4 - len(cells))
        if i == 0 and tuple(c.lower() for c in cells) == LEDGER_HEADER:
            continue
        sheet, cell, mark, prior = cells
        if not sheet or not cell or norm_color(mark) is None:
            continue
        out.append(LedgerEntry(sheet, cell.upper(), norm_color(mark) or "", norm_color(prior)))
    return out


# ----------------------------------------------------------------------------- planning


def _sheet_names(tables_or_data: Any) -> list[str]:
    if isinstance(tables_or_data, WorkbookData):
        return tables_or_data.sheet_names
    names = getattr(tables_or_data, "sheet_names", None)
    if names is not None:
        return list(names() if callable(names) else names)
    return [str(n) for n in tables_or_data]


def _clear_actions(sheet_names: Sequence[str], ledger: Sequence[LedgerEntry]) -> list[ClearMarks]:
    sheets: list[str] = []
    for name in list(sheet_names) + [e.sheet for e in ledger]:
        if name not in _TOOL_SHEETS and name not in sheets:
            sheets.append(name)
    return [ClearMarks(s) for s in sheets]


def _note_text(findings: Sequence[Finding], lang: str) -> str:
    lines = [NOTE_PREFIX]
    for f in findings:
        label = _SEVERITY_LABEL.get(f.severity, (f.severity, f.severity))
        if lang == "both":
            lines.append(f"{label[0]} {f.code}: {f.message('zh')}")
            lines.append(f"    {f.message('en')}")
        else:
            lines.append(f"{label[0 if lang == 'zh' else 1]} {f.code}: {f.message(lang)}")
    return "\n".join(lines)


def plan_marks(
    report: Report,
    tables_or_data: WorkbookData | Sequence[str] | Any,
    lang: str = "zh",
    prior_fills: Mapping[tuple[str, str], object] | None = None,
    as_of: dt.date | None = None,
    anchors: Mapping[tuple[str, str], str] | None = None,
) -> Plan:
    """The plan that shows ``report`` in the workbook, replacing the tool's earlier marks.

    ``tables_or_data`` gives the sheet names (and, as WorkbookData, the current ledger).
    ``prior_fills`` maps ``(sheet, cell)`` to that cell's fill now, as the reader saw it;
    it lets clearing give the user's colour back.  ``lang``: ``zh``, ``en`` or ``both``.
    ``anchors`` maps a cell inside a merged range to the range's top-left cell, which
    carries the range's format and note (Excel shows nothing set on the other cells).
    """
    data = tables_or_data if isinstance(tables_or_data, WorkbookData) else None
    old = {(e.sheet, e.cell): e for e in read_ledger(data)}
    names = _sheet_names(tables_or_data)
    plan = Plan()
    plan.add(*_clear_actions(names, list(old.values())))

    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        if f.cell and f.sheet in names and f.sheet not in _TOOL_SHEETS:
            cell = f.cell.upper()
            if anchors:
                cell = anchors.get((f.sheet, cell), cell).upper()
            by_cell.setdefault((f.sheet, cell), []).append(f)

    ledger_rows: list[list[str]] = [list(LEDGER_HEADER)]
    marks: list[Fill | Note] = []
    for (sheet, cell), found in by_cell.items():
        found = sorted(found, key=lambda f: _SEVERITY_RANK.get(f.severity, 9))
        color = SEVERITY_FILL.get(found[0].severity, SEVERITY_FILL["info"])
        prior = _prior(sheet, cell, old.get((sheet, cell)), prior_fills)
        ledger_rows.append([sheet, cell, color, prior or ""])
        marks.append(Fill(sheet, cell, color))
        marks.append(Note(sheet, cell, _note_text(found, lang), author=MARK_TAG))

    plan.add(NewSheet(LEDGER_SHEET, replace=True, hidden=True))
    plan.add(SetValues(LEDGER_SHEET, "A1", ledger_rows))
    plan.add(*marks)
    _plan_results(plan, report, names, lang, as_of)
    return plan


def _prior(
    sheet: str,
    cell: str,
    old: LedgerEntry | None,
    prior_fills: Mapping[tuple[str, str], object] | None,
) -> str | None:
    """The user's fill under a new mark.  A cell still showing the old mark has the old
    ledger's prior under it (ClearMarks restores it just before the new fill)."""
    if prior_fills is not None and (sheet, cell) in prior_fills:
        now = norm_color(prior_fills[(sheet, cell)])
        if old is not None and now == old.mark:
            return old.prior
        return now
    return old.prior if old is not None else None


def _plan_results(
    plan: Plan, report: Report, names: Sequence[str], lang: str, as_of: dt.date | None
) -> None:
    zh = lang != "en"
    header = [c[0] if zh else c[1] for c in _RESULT_COLUMNS]
    if lang == "both":
        header[-1] = "说明 Message"
        header.append("Message")
    rows: list[list[Any]] = [header]
    links: list[Hyperlink] = []
    counts = report.count_by_severity()
    for i, f in enumerate(report.findings):
        r = i + 3  # title row, header row, then findings
        label = _SEVERITY_LABEL.get(f.severity, (f.severity, f.severity))[0 if zh else 1]
        where = f"{f.sheet}!{f.cell}" if f.cell else f.sheet
        msg = f.message("zh" if zh else "en")
        row: list[Any] = [
            label,
            f.code,
            where,
            f.row or None,
            f.contract_no or "",
            _column_label(f, zh),
            f.value or "",
            f.expected or "",
            msg,
        ]
        if lang == "both":
            row.append(f.message("en"))
        rows.append(row)
        if f.cell and f.sheet in names:
            links.append(Hyperlink(RESULTS_SHEET, f"C{r}", quote_ref(f.sheet, f.cell), where))
    title = (
        f"检查结果：{counts['error']} 个错误，{counts['warning']} 个警告"
        if zh
        else f"Check results: {counts['error']} errors, {counts['warning']} warnings"
    )
    if as_of is not None:
        title += f"（截至 {as_of.isoformat()}）" if zh else f" (as of {as_of.isoformat()})"
    if not report.findings:
        title += "。没有发现问题。" if zh else ". No problems found."
    plan.add(
        NewSheet(RESULTS_SHEET, replace=True, tab_color="C00000" if report.has_errors else "00B050")
    )
    plan.add(SetValues(RESULTS_SHEET, "A1", [[title]]))
    plan.add(SetValues(RESULTS_SHEET, "A2", rows))
    plan.add(Font(RESULTS_SHEET, "A1", bold=True, size=13))
    last_col = chr(ord("A") + len(header) - 1)
    plan.add(Font(RESULTS_SHEET, f"A2:{last_col}2", bold=True))
    plan.add(Fill(RESULTS_SHEET, f"A2:{last_col}2", "D9E1F2"))
    plan.add(FreezePanes(RESULTS_SHEET, "A3"))
    for j, (_zh, _en, width) in enumerate(_RESULT_COLUMNS):
        plan.add(ColumnWidth(RESULTS_SHEET, chr(ord("A") + j), width))
    if lang == "both":
        plan.add(ColumnWidth(RESULTS_SHEET, last_col, 70))
    for i, f in enumerate(report.findings):
        color = SEVERITY_FILL.get(f.severity)
        if color:
            plan.add(Fill(RESULTS_SHEET, f"A{i + 3}", color))
    plan.add(*links)


def _column_label(f: Finding, zh: bool) -> str:
    params = dict(f.params)
    return str(params.get("label_zh" if zh else "label_en") or f.key or "")


def plan_clear(tables_or_data: WorkbookData | Sequence[str] | Any, lang: str = "zh") -> Plan:
    """Remove every mark the tool made: ClearMarks on each sheet, an empty ledger, and a
    检查结果 sheet that says the marks were cleared (stale results would mislead)."""
    data = tables_or_data if isinstance(tables_or_data, WorkbookData) else None
    plan = Plan()
    plan.add(*_clear_actions(_sheet_names(tables_or_data), read_ledger(data)))
    plan.add(NewSheet(LEDGER_SHEET, replace=True, hidden=True))
    plan.add(SetValues(LEDGER_SHEET, "A1", [list(LEDGER_HEADER)]))
    names = _sheet_names(tables_or_data)
    if RESULTS_SHEET in names:
        text = "标记已清除，请重新检查。" if lang != "en" else "Marks cleared; run the check again."
        plan.add(NewSheet(RESULTS_SHEET, replace=True))
        plan.add(SetValues(RESULTS_SHEET, "A1", [[text]]))
    return plan


def mark_sheets(plan: Plan) -> set[str]:
    """Sheets whose fills in ``plan`` are check marks (those the plan clears first)."""
    return {a.sheet for a in plan.of_type(ClearMarks)}


def finding_cells(report: Report) -> list[tuple[str, str]]:
    """The distinct ``(sheet, cell)`` places a report would mark."""
    seen: dict[tuple[str, str], None] = {}
    for f in report.findings:
        if f.cell:
            seen[(f.sheet, f.cell.upper())] = None
    return list(seen)
