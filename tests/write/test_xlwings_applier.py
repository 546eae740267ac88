"""macros_py.xlwings_applier maps each plan action to xlwings calls.

Excel does not run here, so the mapping is held against ``RecordingXlwingsStandIn``: a
recording stand-in for the part of xlwings' Book/Sheet/Range API the applier uses.  It
records every call as ``(sheet, address, what, value)``; it is not xlwings and proves
nothing about Excel itself — ``test_live_excel_round_trip`` does, where Excel exists.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import pytest

from gendan.model.grid import SheetGrid, WorkbookData, column_index
from gendan.model.plan import (
    Align,
    Border,
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
)
from gendan.write.marks import (
    LEDGER_HEADER,
    LEDGER_SHEET,
    NOTE_PREFIX,
    RESULTS_SHEET,
    SEVERITY_FILL,
)
from macros_py import ribbon
from macros_py.hosts import XlwingsHost
from macros_py.xlwings_adapter import fills, read_book, selected_rows
from macros_py.xlwings_applier import apply_plan, excel_text, rgb

# ----------------------------------------------------------------------------- stand-in


class RecordingXlwingsStandIn:
    """Namespace for the recording stand-in of xlwings' Book, Sheet, Range, Note API."""

    class Note:
        def __init__(self, rng: RecordingXlwingsStandIn.Range, text: str) -> None:
            self.rng, self.text = rng, text

        def delete(self) -> None:
            self.rng.log("note.delete", None)
            self.rng.sheet.notes_by_cell.pop(self.rng.address, None)

    class Font:
        rng: RecordingXlwingsStandIn.Range  # set through object.__setattr__

        def __init__(self, rng: RecordingXlwingsStandIn.Range) -> None:
            object.__setattr__(self, "rng", rng)

        def __setattr__(self, name: str, value: Any) -> None:
            self.rng.log(f"font.{name}", value)

    class Borders:
        def __init__(self, rng: RecordingXlwingsStandIn.Range) -> None:
            self.rng = rng

        def set(self, which: Any, **kw: Any) -> None:
            self.rng.log("borders.set", (which, tuple(sorted(kw.items()))))

    class DataValidation:
        def __init__(self, rng: RecordingXlwingsStandIn.Range) -> None:
            self.rng = rng

        def set_list(self, values: list[str]) -> None:
            self.rng.log("data_validation.set_list", tuple(values))

    class Range:
        _SETTABLE = (
            "value",
            "formula",
            "number_format",
            "color",
            "horizontal_alignment",
            "vertical_alignment",
            "wrap_text",
            "column_width",
            "row_height",
        )
        # set through object.__setattr__ (every other attribute set is a logged call)
        sheet: RecordingXlwingsStandIn.Sheet
        address: str

        def __init__(self, sheet: RecordingXlwingsStandIn.Sheet, address: str) -> None:
            object.__setattr__(self, "sheet", sheet)
            object.__setattr__(self, "address", address)

        def log(self, what: str, value: Any) -> None:
            self.sheet.book.calls.append((self.sheet.name, self.address, what, value))

        def __setattr__(self, name: str, value: Any) -> None:
            assert name in self._SETTABLE, (
                f"the applier set Range.{name}, which the stand-in does not model"
            )
            self.log(name, value)
            if name == "color":
                self.sheet.colors[self.address] = value

        @property
        def color(self) -> Any:
            return self.sheet.colors.get(self.address)

        @property
        def font(self) -> Any:
            return RecordingXlwingsStandIn.Font(self)

        @property
        def borders(self) -> Any:
            return RecordingXlwingsStandIn.Borders(self)

        @property
        def data_validation(self) -> Any:
            return RecordingXlwingsStandIn.DataValidation(self)

        @property
        def note(self) -> Any:
            return self.sheet.notes_by_cell.get(self.address)

        def add_note(self, text: str) -> Any:
            self.log("add_note", text)
            n = RecordingXlwingsStandIn.Note(self, text)
            self.sheet.notes_by_cell[self.address] = n
            return n

        def merge(self) -> None:
            self.log("merge", None)

        def add_hyperlink(self, address: str, text: str, tip: str) -> None:
            self.log("add_hyperlink", (address, text))

        @property
        def value(self) -> Any:
            return self.sheet.used_values

        @property
        def row(self) -> int:
            return (
                self.sheet.origin[0]
                if self.address == "<used>"
                else _rc(self.address.split(":")[0])[0]
            )

        @property
        def column(self) -> int:
            return (
                self.sheet.origin[1]
                if self.address == "<used>"
                else _rc(self.address.split(":")[0])[1]
            )

        @property
        def rows(self) -> Any:
            first, _, last = self.address.partition(":")
            n = _rc(last or first)[0] - _rc(first)[0] + 1
            return type("Rows", (), {"count": n})()

        def options(self, **_kw: Any) -> Any:
            return self

    class _Part:
        """A chart's series, axis or legend: every attribute set (or ``set``) is a call."""

        chart: RecordingXlwingsStandIn.Chart
        what: str

        def __init__(self, chart: RecordingXlwingsStandIn.Chart, what: str) -> None:
            object.__setattr__(self, "chart", chart)
            object.__setattr__(self, "what", what)

        def __setattr__(self, name: str, value: Any) -> None:
            self.chart.log(f"{self.what}.{name}", value)

        def set(self, **kw: Any) -> None:
            self.chart.log(f"{self.what}.set", tuple(sorted(kw.items())))

    class Chart:
        """One chart of ``Sheet.charts``: logged as ``(sheet, 'chart<n>', what, value)``."""

        sheet: RecordingXlwingsStandIn.Sheet
        key: str

        def __init__(self, sheet: RecordingXlwingsStandIn.Sheet, key: str) -> None:
            object.__setattr__(self, "sheet", sheet)
            object.__setattr__(self, "key", key)

        def log(self, what: str, value: Any) -> None:
            self.sheet.book.calls.append((self.sheet.name, self.key, what, value))

        def __setattr__(self, name: str, value: Any) -> None:
            assert name in ("title", "chart_type", "name"), f"Chart.{name} is not modelled"
            self.log(f"chart.{name}", value)

        def set_source_data(self, source: Any, plot_by: str | None = None) -> None:
            self.log("chart.set_source_data", (source.sheet.name, source.address, plot_by))

        def set_x_axis_values(self, source: Any) -> None:
            self.log("chart.set_x_axis_values", (source.sheet.name, source.address))

        @property
        def series(self) -> Any:
            chart = self

            class _Series:
                def __getitem__(self, k: int) -> Any:
                    return RecordingXlwingsStandIn._Part(chart, f"chart.series[{k}]")

            return _Series()

        @property
        def category_axis(self) -> Any:
            return RecordingXlwingsStandIn._Part(self, "chart.category_axis")

        @property
        def value_axis(self) -> Any:
            return RecordingXlwingsStandIn._Part(self, "chart.value_axis")

        @property
        def legend(self) -> Any:
            return RecordingXlwingsStandIn._Part(self, "chart.legend")

        def delete(self) -> None:
            self.log("chart.delete", None)
            self.sheet.chart_list.remove(self)

    class Charts:
        def __init__(self, sheet: RecordingXlwingsStandIn.Sheet) -> None:
            self.sheet = sheet

        def __iter__(self) -> Any:
            return iter(list(self.sheet.chart_list))

        def __len__(self) -> int:
            return len(self.sheet.chart_list)

        def add(
            self,
            left: float = 0,
            top: float = 0,
            width: float = 355,
            height: float = 211,
            chart_type: str | None = None,
            anchor: Any = None,
            **kw: Any,
        ) -> Any:
            assert not kw, f"charts.add({kw}) is not modelled"
            key = f"chart{len(self.sheet.book.chart_keys) + 1}"
            self.sheet.book.chart_keys.append(key)
            c = RecordingXlwingsStandIn.Chart(self.sheet, key)
            self.sheet.chart_list.append(c)
            where = anchor.address if anchor is not None else (left, top)
            c.log("charts.add", (where, width, height, chart_type))
            return c

    class Names:
        def __init__(self, owner: Any, book: Any, scope: str) -> None:
            self.book, self.scope = book, scope

        def add(self, name: str, refers_to: str) -> None:
            self.book.calls.append((self.scope, None, "names.add", (name, refers_to)))

    class FreezePanes:
        def __init__(self, sheet: Any) -> None:
            self.sheet = sheet

        def freeze_at(self, cell: str) -> None:
            self.sheet.book.calls.append((self.sheet.name, cell, "freeze_panes.freeze_at", cell))

    class PageSetup:
        sheet: Any  # set through object.__setattr__

        def __init__(self, sheet: Any) -> None:
            object.__setattr__(self, "sheet", sheet)

        def __setattr__(self, name: str, value: Any) -> None:
            self.sheet.book.calls.append((self.sheet.name, None, f"page_setup.{name}", value))

        @property
        def api(self) -> Any:
            raise AttributeError("no platform API in the stand-in")

    class Sheet:
        # set through object.__setattr__ (setting another attribute is a logged call)
        book: Any
        name: str
        colors: dict[str, Any]
        notes_by_cell: dict[str, RecordingXlwingsStandIn.Note]
        used_values: list[list[Any]]
        origin: tuple[int, int]
        chart_list: list[RecordingXlwingsStandIn.Chart]

        def __init__(
            self,
            book: Any,
            name: str,
            values: list[list[Any]] | None = None,
            origin: tuple[int, int] = (1, 1),
        ) -> None:
            object.__setattr__(self, "book", book)
            object.__setattr__(self, "name", name)
            object.__setattr__(self, "colors", {})
            object.__setattr__(self, "notes_by_cell", {})
            object.__setattr__(self, "used_values", values or [[None]])
            object.__setattr__(self, "origin", origin)
            object.__setattr__(self, "chart_list", [])

        @property
        def charts(self) -> Any:
            return RecordingXlwingsStandIn.Charts(self)

        def __setattr__(self, name: str, value: Any) -> None:
            assert name == "visible"
            self.book.calls.append((self.name, None, "visible", value))

        def range(self, address: str) -> Any:
            return RecordingXlwingsStandIn.Range(self, address)

        @property
        def used_range(self) -> Any:
            return self.range("<used>")

        def clear(self) -> None:
            self.book.calls.append((self.name, None, "clear", None))

        @property
        def notes(self) -> list[Any]:
            return list(self.notes_by_cell.values())

        @property
        def names(self) -> Any:
            return RecordingXlwingsStandIn.Names(self, self.book, self.name)

        @property
        def freeze_panes(self) -> Any:
            return RecordingXlwingsStandIn.FreezePanes(self)

        @property
        def page_setup(self) -> Any:
            return RecordingXlwingsStandIn.PageSetup(self)

        @property
        def api(self) -> Any:
            raise AttributeError("no platform API in the stand-in")

    class Sheets(list["RecordingXlwingsStandIn.Sheet"]):
        def __init__(self, book: Any) -> None:
            super().__init__()
            self.book = book

        def __getitem__(self, key: Any) -> Any:
            if isinstance(key, str):
                for s in self:
                    if s.name == key:
                        return s
                raise KeyError(key)
            return super().__getitem__(key)

        def add(self, name: str, after: Any = None) -> Any:
            self.book.calls.append((name, None, "sheets.add", after.name if after else None))
            s = RecordingXlwingsStandIn.Sheet(self.book, name)
            self.append(s)
            return s

    class App:
        # set through object.__setattr__ (setting another attribute is a logged call)
        book: Any
        screen_updating: bool

        def __init__(self, book: Any) -> None:
            object.__setattr__(self, "book", book)
            object.__setattr__(self, "screen_updating", True)

        def __setattr__(self, name: str, value: Any) -> None:
            assert name in ("screen_updating", "status_bar")
            object.__setattr__(self, name, value)
            self.book.app_calls.append((name, value))

        def alert(self, text: str, title: str = "") -> None:
            self.book.app_calls.append(("alert", text))

    class Book:
        def __init__(self, *names: str) -> None:
            self.calls: list[tuple[Any, ...]] = []
            self.chart_keys: list[str] = []
            self.app_calls: list[tuple[str, Any]] = []
            self.sheets = RecordingXlwingsStandIn.Sheets(self)
            for n in names:
                self.sheets.append(RecordingXlwingsStandIn.Sheet(self, n))
            self.names = RecordingXlwingsStandIn.Names(self, self, "book")
            self.app = RecordingXlwingsStandIn.App(self)
            self.selection: Any = None
            self.fullname = ""


def _rc(address: str) -> tuple[int, int]:
    letters = "".join(ch for ch in address if ch.isalpha())
    digits = "".join(ch for ch in address if ch.isdigit())
    return int(digits or 1), column_index(letters or "A")


Book = RecordingXlwingsStandIn.Book


# ----------------------------------------------------------------------------- mapping


def test_each_action_maps_to_its_xlwings_call() -> None:
    book = Book("S")
    plan = Plan(
        [
            SetFormula("S", "B2", "=A1*2"),
            NumberFormat("S", "C1:C9", "#,##0.00"),
            Font("S", "A1", bold=True, size=13, color="FF0000"),
            Align("S", "A1:B1", horizontal="center", vertical="top", wrap=True),
            Border("S", "A1:B2"),
            Border("S", "A3:B3", edges=("bottom",)),
            Merge("S", "A1:D1"),
            ColumnWidth("S", "C", 14),
            RowHeight("S", 3, 30),
            Hyperlink("S", "A5", "'工作序列表'!Y7", "工作序列表!Y7"),
            DefinedName("Total", "'S'!$A$1"),
            DefinedName("Local", "'S'!$B$1", local_sheet="S"),
            FreezePanes("S", "A3"),
            DataValidationList("S", "D2:D9", ("20RF", "40RH")),
            HideColumns("S", "P:T"),
            PageSetup("S", print_area="A1:H40"),
        ]
    )
    apply_plan(plan, book)
    assert book.calls == [
        ("S", "B2", "formula", "=A1*2"),
        ("S", "C1:C9", "number_format", "#,##0.00"),
        ("S", "A1", "font.bold", True),
        ("S", "A1", "font.size", 13),
        ("S", "A1", "font.color", (255, 0, 0)),
        ("S", "A1:B1", "horizontal_alignment", "center"),
        ("S", "A1:B1", "vertical_alignment", "top"),
        ("S", "A1:B1", "wrap_text", True),
        ("S", "A1:B2", "borders.set", ("all", (("line_style", "continuous"), ("weight", "thin")))),
        (
            "S",
            "A3:B3",
            "borders.set",
            (["edge_bottom"], (("line_style", "continuous"), ("weight", "thin"))),
        ),
        ("S", "A1:D1", "merge", None),
        ("S", "C:C", "column_width", 14),
        ("S", "3:3", "row_height", 30),
        ("S", "A5", "add_hyperlink", ("#'工作序列表'!Y7", "工作序列表!Y7")),
        ("book", None, "names.add", ("Total", "='S'!$A$1")),
        ("S", None, "names.add", ("Local", "='S'!$B$1")),
        ("S", "A3", "freeze_panes.freeze_at", "A3"),
        ("S", "D2:D9", "data_validation.set_list", ("20RF", "40RH")),
        ("S", "P:T", "column_width", 0),
        ("S", None, "page_setup.print_area", "A1:H40"),
    ]


def test_set_values_is_one_block_write_and_text_stays_text() -> None:
    book = Book("S")
    apply_plan(
        Plan(
            [
                SetValues(
                    "S",
                    "B3",
                    [["=HYPERLINK(1)", "2020-05-01", 12.5], ["", None, dt.date(2026, 1, 2)]],
                )
            ]
        ),
        book,
    )
    assert book.calls == [
        (
            "S",
            "B3",
            "value",
            [["'=HYPERLINK(1)", "'2020-05-01", 12.5], [None, None, dt.date(2026, 1, 2)]],
        ),
    ]


@pytest.mark.parametrize(
    ("v", "want"), [("00123", "'00123"), ("'q", "''q"), (7, 7), (True, True), (None, None)]
)
def test_excel_text(v: Any, want: Any) -> None:
    assert excel_text(v) == want


def test_consecutive_fills_of_one_colour_go_as_one_multi_area_range() -> None:
    book = Book("S")
    plan = Plan(
        [
            Fill("S", "A1", "FFC7CE"),
            Fill("S", "B2", "FFC7CE"),
            Fill("S", "C3", "FFEB9C"),
            Fill("S", "D4", "FFC7CE"),
        ]
    )
    apply_plan(plan, book)
    assert book.calls == [
        ("S", "A1,B2", "color", (255, 199, 206)),
        ("S", "C3", "color", (255, 235, 156)),
        ("S", "D4", "color", (255, 199, 206)),
    ]


def test_multi_area_ranges_stay_below_excels_address_limit() -> None:
    book = Book("S")
    apply_plan(Plan([Fill("S", f"AB{1000 + i}", "FFC7CE") for i in range(100)]), book)
    addresses = [c[1] for c in book.calls]
    assert len(addresses) > 1 and all(len(a) <= 255 for a in addresses)
    assert sum(len(a.split(",")) for a in addresses) == 100


def test_new_sheet_adds_at_the_end_or_clears_its_own_and_hides() -> None:
    book = Book("工作序列表", "检查结果")
    apply_plan(Plan([NewSheet("检查结果"), NewSheet(LEDGER_SHEET, hidden=True)]), book)
    assert book.calls == [
        ("检查结果", None, "clear", None),
        (LEDGER_SHEET, None, "sheets.add", "检查结果"),
        (LEDGER_SHEET, None, "visible", False),
    ]


def test_note_never_replaces_a_users_note_but_replaces_its_own() -> None:
    book = Book("S")
    sheet = book.sheets["S"]
    sheet.range("A1").add_note("call the buyer first")
    sheet.range("B1").add_note(f"{NOTE_PREFIX}\nold finding")
    book.calls.clear()
    apply_plan(
        Plan([Note("S", "A1", f"{NOTE_PREFIX}\nnew"), Note("S", "B1", f"{NOTE_PREFIX}\nnew")]), book
    )
    assert book.calls == [
        ("S", "B1", "note.delete", None),
        ("S", "B1", "add_note", f"{NOTE_PREFIX}\nnew"),
    ]
    assert sheet.notes_by_cell["A1"].text == "call the buyer first"


def test_clear_marks_restores_ledger_fills_and_deletes_only_tool_notes() -> None:
    ledger = [
        list(LEDGER_HEADER),
        ["S", "A1", "FFC7CE", "00B0F0"],
        ["S", "B2", "FFC7CE", ""],
        ["S", "C3", "FFEB9C", ""],
        ["T", "A1", "FFC7CE", ""],
    ]
    book = Book("S", "T")
    book.sheets.append(RecordingXlwingsStandIn.Sheet(book, LEDGER_SHEET, ledger))
    s = book.sheets["S"]
    s.colors.update(
        {"A1": (255, 199, 206), "B2": (255, 199, 206), "C3": (0, 176, 80)}
    )  # C3 re-coloured by user
    s.range("A1").add_note(f"{NOTE_PREFIX}\nx")
    s.range("D4").add_note("user note")
    book.calls.clear()
    apply_plan(Plan([ClearMarks("S")]), book)
    assert ("S", "A1", "color", (0, 176, 240)) in book.calls
    assert ("S", "B2", "color", None) in book.calls
    assert not any(c[1] == "C3" for c in book.calls)  # the user's green stays
    assert ("S", "A1", "note.delete", None) in book.calls
    assert "D4" in s.notes_by_cell
    assert not any(c[0] == "T" for c in book.calls)  # other sheets untouched


def test_rgb() -> None:
    assert rgb("FFC7CE") == (255, 199, 206) and rgb(None) is None


# ----------------------------------------------------------------------------- adapter


def _book_from(data: WorkbookData, origin: tuple[int, int] = (1, 1)) -> Any:
    book = Book()
    for g in data.sheets:
        rows = [list(r) for r in g.rows] or [[None]]
        book.sheets.append(RecordingXlwingsStandIn.Sheet(book, g.name, rows, origin))
    return book


def test_adapter_reads_each_sheet_once_with_its_origin() -> None:
    book = Book()
    book.sheets.append(
        RecordingXlwingsStandIn.Sheet(
            book, "S", [["a", None], [1.0, dt.datetime(2026, 1, 2)]], (3, 2)
        )
    )
    book.sheets.append(RecordingXlwingsStandIn.Sheet(book, "Empty"))
    data = read_book(book)
    assert data.sheets[0] == SheetGrid("S", [["a", None], [1.0, dt.datetime(2026, 1, 2)]], 3, 2)
    assert data.sheets[1].rows == []
    assert book.calls == []  # reading writes nothing


def test_adapter_selection_and_fills() -> None:
    book = Book("S")
    sheet = book.sheets["S"]
    sheet.colors["B2"] = (255, 255, 0)
    book.selection = type("Sel", (), {"address": "$A$4:$C$5,$A$9", "sheet": sheet})()
    assert selected_rows(book) == ("S", [4, 5, 9])
    assert fills(book, [("S", "B2"), ("S", "C3"), ("gone", "A1")]) == {
        ("S", "B2"): (255, 255, 0),
        ("S", "C3"): None,
    }


def test_check_button_end_to_end_on_the_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live path: adapter → engine → marks plan → xlwings applier, with the data
    starting at B2 so every mark must carry the used range's origin."""
    from factory import clean_order, make_data

    monkeypatch.setenv("GENDAN_LANG", "en")
    data = make_data([clean_order(1, amount=1.0, received_amount=1.0)])
    book = _book_from(data, origin=(2, 2))
    report = ribbon.check(XlwingsHost(book), as_of=dt.date(2026, 5, 1))
    amount = next(f for f in report.findings if f.code == "amount-mismatch")
    col = "".join(ch for ch in amount.cell if ch.isalpha())
    row = int("".join(ch for ch in amount.cell if ch.isdigit()))
    grid = data.get("工作序列表")
    assert grid is not None
    header_i = next(i for i, r in enumerate(grid.rows) if "金额" in r)
    assert row == 2 + header_i + 1 and column_index(col) == 2 + grid.rows[header_i].index("金额")
    assert ("工作序列表", amount.cell, "color", rgb(SEVERITY_FILL["error"])) in book.calls
    assert any(c[:3] == ("工作序列表", amount.cell, "add_note") for c in book.calls)
    assert (RESULTS_SHEET, None, "sheets.add", LEDGER_SHEET) in book.calls
    assert book.app_calls[0] == ("status_bar", "跟单 Gendan: reading…")
    assert ("screen_updating", False) in book.app_calls and book.app.screen_updating is True
    assert book.app_calls[-1][0] == "alert" and book.app_calls[-1][1].startswith(
        "Check done: 1 errors"
    )


@pytest.mark.excel
@pytest.mark.skipif(not sys.platform.startswith(("win", "darwin")), reason="needs Microsoft Excel")
def test_live_excel_round_trip() -> None:  # pragma: no cover - runs only where Excel is
    import xlwings as xw

    with xw.App(visible=False) as app:
        book = app.books.add()
        name = book.sheets[0].name
        apply_plan(
            Plan(
                [
                    SetValues(name, "A1", [["=1+1", "00123"]]),
                    Fill(name, "A1", "FFC7CE"),
                    Note(name, "B1", f"{NOTE_PREFIX} x"),
                ]
            ),
            book,
        )
        assert book.sheets[0]["A1:B1"].value == ["=1+1", "00123"]
        assert book.sheets[0]["A1"].color == (255, 199, 206)
        note = book.sheets[0]["B1"].note
        assert note is not None and note.text.startswith(NOTE_PREFIX)
        book.close()


def test_todo_button_end_to_end_on_the_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """The To-do handler on the live path: the data start at B2, so the links to the
    master cells must carry the used range's origin; the list is the engine's."""
    from factory import clean_order, make_data

    from gendan.model.schema import load_schema
    from gendan.read.tables import load_tables
    from gendan.report.todo import todo_items
    from macros_py.todo_sheet import TODO_SHEET

    monkeypatch.setenv("GENDAN_LANG", "en")
    order = clean_order(
        1,
        bl_date=dt.date(2026, 5, 1),
        etd=dt.date(2026, 5, 1),
        docs_sent_date=None,
        dispatch_method=None,
        status="已装船",
    )
    data = make_data([order])
    book = _book_from(data, origin=(2, 2))
    items = ribbon.todo(XlwingsHost(book), as_of=dt.date(2026, 5, 2))
    assert [(t.kind, t.days_left) for t in items] == [("shipping-advice", 0), ("docs-send", 6)]
    schema = load_schema()
    plain = todo_items(load_tables(data, schema), schema, dt.date(2026, 5, 2))
    # same rule and due date as on the data read at A1; the cell moved by the origin
    assert [(t.kind, t.due_date, t.days_left) for t in plain] == [
        (t.kind, t.due_date, t.days_left) for t in items
    ]
    assert items[0].cell != plain[0].cell
    assert (
        TODO_SHEET,
        "A3",
        "add_hyperlink",
        (f"#'工作序列表'!{items[0].cell}", "GD26-001"),
    ) in book.calls
    assert book.app_calls[-1][0] == "alert" and "2 things to do" in book.app_calls[-1][1]


def test_a_chart_is_made_over_its_cells_by_columns() -> None:
    from gendan.model.plan import Chart

    book = Book("S")
    chart = Chart(
        "S",
        "E2",
        "Shipped",
        "'S'!$A$3:$A$5",
        (("USD", "'S'!$B$3:$B$5"), ("EUR", "'S'!$D$3:$D$5")),
        kind="bar",
        width=300,
        height=200,
        number_format="#,##0",
        colors=("4472C4",),
    )
    apply_plan([chart], book)
    assert book.calls == [
        ("S", "chart1", "charts.add", ("E2", 300, 200, "bar_clustered")),
        # the value columns as one multi-area source, series from columns; the categories apart
        ("S", "chart1", "chart.set_source_data", ("S", "$B$3:$B$5,$D$3:$D$5", "columns")),
        ("S", "chart1", "chart.set_x_axis_values", ("S", "$A$3:$A$5")),
        ("S", "chart1", "chart.title", "Shipped"),
        ("S", "chart1", "chart.series[0].name", "USD"),
        ("S", "chart1", "chart.series[0].fill_color", (0x44, 0x72, 0xC4)),
        ("S", "chart1", "chart.series[1].name", "EUR"),
        (
            "S",
            "chart1",
            "chart.category_axis.set",
            (("crosses", "maximum"), ("reverse_order", True)),
        ),
        ("S", "chart1", "chart.value_axis.number_format", "#,##0"),
        ("S", "chart1", "chart.legend.position", "bottom"),
    ]


def test_a_chart_on_another_sheets_cells_and_a_replaced_sheet_loses_its_charts() -> None:
    from gendan.model.plan import Chart

    book = Book("Data")
    plan = [
        NewSheet("看板"),
        Chart("看板", "A1", "t", "'Data'!$A$2:$A$3", (("n", "'Data'!$C$2:$C$3"),)),
    ]
    apply_plan(plan, book)
    assert (
        "看板",
        "chart1",
        "chart.set_source_data",
        ("Data", "$C$2:$C$3", "columns"),
    ) in book.calls
    book.calls.clear()
    apply_plan(plan, book)  # the tool's sheet again: cleared, its old chart deleted, one new
    assert [c[2] for c in book.calls[:3]] == ["clear", "chart.delete", "charts.add"]
    assert len(book.sheets["看板"].chart_list) == 1
    with pytest.raises(ValueError):  # one sheet of data per chart
        Chart("S", "A1", "t", "'A'!$A$1:$A$2", (("n", "'B'!$B$1:$B$2"),))
