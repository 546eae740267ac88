"""Apply a gendan Plan to a live workbook through xlwings (the open-source, BSD part).

Each action maps to one xlwings call (or one per cell for notes, which Excel only sets
cell by cell); consecutive fills of one colour on one sheet are sent as one multi-area
range, so marking a thousand cells is a few dozen calls, not a thousand.

Only the documented xlwings object model is used (``Range.value``, ``Range.color``,
``Range.add_note``, ``Sheet.freeze_panes`` …), so the same code runs on Windows and macOS.
Two things xlwings has no property for — the sheet tab colour and print scaling — go
through ``.api`` and are skipped where that platform's API differs (the plan still runs).

Text safety (plan.py): a ``str`` in ``SetValues`` is written with Excel's text prefix
``'`` so that ``=…`` never becomes a formula and ``2020-05-01`` or ``00123`` never
become a date or a number.  Formulas come only from ``SetFormula``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, assert_never

from gendan.model.plan import (
    Action,
    Align,
    Border,
    Chart,
    ClearMarks,
    ColumnWidth,
    DataValidationList,
    DefinedName,
    Fill,
    Font,
    FreezePanes,
    HideColumns,
    Hyperlink,
    Merge,
    NewSheet,
    Note,
    NumberFormat,
    PageSetup,
    Plan,
    RowHeight,
    SetFormula,
    SetValues,
    split_ref,
)
from gendan.write.marks import (
    LEDGER_SHEET,
    LedgerEntry,
    is_tool_note,
    ledger_from_rows,
    norm_color,
    restore_color,
)

__all__ = ["XlwingsApplier", "apply_plan", "excel_text", "rgb"]

#: Excel's limit for the address string of a multi-area range is 255 characters.
_MAX_ADDRESS = 250


def rgb(color: str | None) -> tuple[int, int, int] | None:
    """``'FFC7CE'`` → ``(255, 199, 206)``, the form ``Range.color`` takes."""
    c = norm_color(color)
    if c is None:
        return None
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def excel_text(value: Any) -> Any:
    """A value as it must be handed to ``Range.value`` so Excel stores it unchanged.

    Strings get the ``'`` text prefix (Excel hides it and keeps the text as typed); dates,
    numbers, booleans and blanks pass through."""
    if isinstance(value, str):
        return "'" + value if value else None
    if isinstance(value, dt.datetime | dt.date | int | float | bool) or value is None:
        return value
    return "'" + str(value)


def _chunks(cells: Sequence[str]) -> Iterable[str]:
    """Comma-joined addresses, each below Excel's 255-character limit."""
    buf: list[str] = []
    size = 0
    for c in cells:
        if buf and size + len(c) + 1 > _MAX_ADDRESS:
            yield ",".join(buf)
            buf, size = [], 0
        buf.append(c)
        size += len(c) + 1
    if buf:
        yield ",".join(buf)


class XlwingsApplier:
    """Carries out a Plan on an ``xw.Book``.  ``book`` only needs the xlwings API surface
    (``sheets``, ``names``), so a recording stand-in can take its place in tests."""

    def __init__(self, book: Any, log: Callable[[str], None] | None = None) -> None:
        self.book = book
        self.log = log or (lambda _msg: None)
        self._ledger: list[LedgerEntry] | None = None

    # ------------------------------------------------------------------ helpers

    def sheet(self, name: str) -> Any:
        return self.book.sheets[name]

    def _has_sheet(self, name: str) -> bool:
        return name in [s.name for s in self.book.sheets]

    def _read_ledger(self) -> list[LedgerEntry]:
        """The ledger as it was before this plan ran (read once: one used-range read)."""
        if self._ledger is None:
            if self._has_sheet(LEDGER_SHEET):
                rows = self.sheet(LEDGER_SHEET).used_range.value
                if rows and not isinstance(rows[0], list):
                    rows = [rows]
                self._ledger = ledger_from_rows(rows or [])
            else:
                self._ledger = []
        return self._ledger

    # ------------------------------------------------------------------ plan

    def apply(self, plan: Plan | Iterable[Action]) -> None:
        actions = list(plan)
        i = 0
        while i < len(actions):
            a = actions[i]
            if isinstance(a, Fill):
                # gather the run of fills with the same sheet and colour
                j = i
                refs: list[str] = []
                while j < len(actions):
                    b = actions[j]
                    if not (isinstance(b, Fill) and b.sheet == a.sheet and b.color == a.color):
                        break
                    refs.append(b.ref)
                    j += 1
                for address in _chunks(refs):
                    self.sheet(a.sheet).range(address).color = rgb(a.color)
                i = j
                continue
            self.apply_one(a)
            i += 1

    def apply_one(self, a: Action) -> None:
        match a:
            case NewSheet():
                self._new_sheet(a)
            case SetValues():
                values = [[excel_text(v) for v in row] for row in a.values]
                if values and values[0]:
                    self.sheet(a.sheet).range(a.cell).value = values
            case SetFormula():
                self.sheet(a.sheet).range(a.cell).formula = a.formula
            case NumberFormat():
                self.sheet(a.sheet).range(a.ref).number_format = a.format
            case Fill():
                self.sheet(a.sheet).range(a.ref).color = rgb(a.color)
            case Font():
                font = self.sheet(a.sheet).range(a.ref).font
                if a.bold is not None:
                    font.bold = a.bold
                if a.italic is not None:
                    font.italic = a.italic
                if a.size is not None:
                    font.size = a.size
                if a.color is not None:
                    font.color = rgb(a.color)
                if a.name is not None:
                    font.name = a.name
            case Align():
                rng = self.sheet(a.sheet).range(a.ref)
                if a.horizontal is not None:
                    rng.horizontal_alignment = a.horizontal
                if a.vertical is not None:
                    rng.vertical_alignment = a.vertical
                if a.wrap is not None:
                    rng.wrap_text = a.wrap
            case Border():
                sides = [f"edge_{e}" for e in a.edges]
                if set(a.edges) == {"top", "bottom", "left", "right"}:
                    sides = "all"  # type: ignore[assignment]  # every cell boxed: edges + inside
                self.sheet(a.sheet).range(a.ref).borders.set(
                    sides, line_style="continuous", weight=a.style
                )
            case Merge():
                self.sheet(a.sheet).range(a.ref).merge()
            case ColumnWidth():
                self.sheet(a.sheet).range(f"{a.column}:{a.column}").column_width = a.width
            case RowHeight():
                self.sheet(a.sheet).range(f"{a.row}:{a.row}").row_height = a.height
            case Note():
                self._note(a)
            case Hyperlink():
                self.sheet(a.sheet).range(a.cell).add_hyperlink("#" + a.target, a.text, a.text)
            case DefinedName():
                owner = self.sheet(a.local_sheet) if a.local_sheet else self.book
                owner.names.add(a.name, "=" + a.ref.lstrip("="))
            case PageSetup():
                self._page_setup(a)
            case FreezePanes():
                self.sheet(a.sheet).freeze_panes.freeze_at(a.cell)
            case DataValidationList():
                self.sheet(a.sheet).range(a.ref).data_validation.set_list(list(a.values))
            case HideColumns():
                first, _, last = a.ref.partition(":")
                # width 0 is how Excel hides a column; xlwings has no cross-platform "hidden"
                self.sheet(a.sheet).range(f"{first}:{last or first}").column_width = 0
            case ClearMarks():
                self._clear_marks(a.sheet)
            case Chart():
                self._chart(a)
            case _:
                # a new Action type: mypy flags it here, and the parity test at run time
                assert_never(a)

    # ------------------------------------------------------------------ actions

    def _new_sheet(self, a: NewSheet) -> None:
        if self._has_sheet(a.name):
            if a.name == LEDGER_SHEET:
                self._read_ledger()  # keep the old ledger for any ClearMarks still to come
            sht = self.sheet(a.name)
            if a.replace:
                sht.clear()  # contents, formats, notes and links; formulas pointing here survive
                for chart in list(sht.charts):  # clear() leaves charts: the plan draws new ones
                    chart.delete()
        else:
            sht = self.book.sheets.add(a.name, after=self.book.sheets[-1])
        if a.hidden:
            sht.visible = False
        tab = a.tab_color
        if tab:
            self._try(lambda: setattr(sht.api.Tab, "Color", _bgr(tab)), "tab colour")

    def _chart(self, a: Chart) -> None:
        """A native chart through xlwings' documented chart API (0.37.8, the same on
        Windows and macOS): the series' value columns as one multi-area source plotted by
        columns, the categories set apart (so a numeric category column never becomes a
        series), then each series' name and colour.  The series keep their references:
        the chart stays live in Excel."""
        sht = self.sheet(a.sheet)
        data = self.sheet(a.data_sheet)
        chart = sht.charts.add(
            anchor=sht.range(a.anchor),
            width=a.width,
            height=a.height,
            chart_type=_CHART_TYPE[a.kind],
        )
        values = ",".join(split_ref(v)[1] for _n, v in a.series)
        chart.set_source_data(data.range(values), plot_by="columns")
        chart.set_x_axis_values(data.range(split_ref(a.categories)[1]))
        chart.title = a.title
        series = chart.series
        for k, (name, _v) in enumerate(a.series):
            series[k].name = name
            if k < len(a.colors):
                series[k].fill_color = rgb(a.colors[k])
        if a.kind != "col":
            # the first category on top, as in the table; the value axis stays below
            chart.category_axis.set(reverse_order=True, crosses="maximum")
        if a.number_format:
            chart.value_axis.number_format = a.number_format
        chart.legend.position = "bottom"

    def _note(self, a: Note) -> None:
        rng = self.sheet(a.sheet).range(a.cell)
        old = rng.note
        if old is not None:
            if not is_tool_note(old.text):
                self.log(f"kept the user's note in {a.sheet}!{a.cell}")
                return
            old.delete()
        rng.add_note(a.text)

    def _page_setup(self, a: PageSetup) -> None:
        sht = self.sheet(a.sheet)
        if a.print_area:
            sht.page_setup.print_area = a.print_area

        def scaling() -> None:
            ps = sht.page_setup.api
            ps.Orientation = 2 if a.orientation == "landscape" else 1
            if a.fit_width is not None:
                ps.Zoom = False
                ps.FitToPagesWide = a.fit_width
                ps.FitToPagesTall = a.fit_height or False
            ps.CenterHorizontally = a.center_horizontally

        self._try(scaling, "page scaling")

    def _clear_marks(self, sheet: str) -> None:
        if not self._has_sheet(sheet):
            return
        sht = self.sheet(sheet)
        restore: dict[str | None, list[str]] = {}
        for entry in self._read_ledger():
            if entry.sheet != sheet:
                continue
            rng = sht.range(entry.cell)
            change, color = restore_color(rng.color, entry)
            if change:
                restore.setdefault(color, []).append(entry.cell)
        for note in list(sht.notes):  # every tool note, even one whose ledger row was lost
            if is_tool_note(note.text):
                note.delete()
        for color, cells in restore.items():
            for address in _chunks(cells):
                sht.range(address).color = rgb(color)

    def _try(self, fn: Callable[[], Any], what: str) -> None:
        """Cosmetic settings with no cross-platform xlwings property: skip, don't fail."""
        try:
            fn()
        except Exception as exc:  # COM/AppleScript errors differ per platform
            self.log(f"skipped {what}: {exc}")


#: the plan's chart kinds as xlwings' chart types
_CHART_TYPE = {"bar": "bar_clustered", "col": "column_clustered", "stacked": "bar_stacked"}


def _bgr(color: str) -> int:
    r, g, b = rgb(color) or (0, 0, 0)
    return r + (g << 8) + (b << 16)


def apply_plan(
    plan: Plan | Iterable[Any], book: Any, log: Callable[[str], None] | None = None
) -> None:
    """Apply ``plan`` to the live ``book`` (an ``xw.Book``)."""
    XlwingsApplier(book, log).apply(plan)
