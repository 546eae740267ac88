"""Every Plan action, through every writer, has the same effect.

The action types are enumerated from ``gendan.model.plan.Action`` itself, and a sample of each
is required below, so a new action cannot be added without this test naming it.  Each
sample runs through

* the openpyxl applier (``gendan.write.apply_openpyxl``): the workbook read back;
* the xlwings applier (``macros_py.xlwings_applier``) on the recording stand-in of
  test_xlwings_applier: its calls read as what Excel would do with them;
* the documents' fast sheets (``gendan.documents.fastsheets``): two orders' sheets of the
  same shape grafted from one template, compared with the per-order openpyxl path; an
  action the template path does not model must make it give up (``Unsupported``), which
  sends the whole run to the per-order path.

The first two are compared as sets of effects ``(what, where, value)``.  What the
stand-in cannot show (a tab colour and page scaling go through the platform API, which
it lacks; the applier skips them and logs) is named in ``NOT_VISIBLE_TO_THE_STAND_IN``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

# helpers of sibling test folders (pytest puts only this file's own folder on sys.path)
sys.path.insert(0, str(Path(__file__).parents[1] / "documents"))
from test_documents_golden import dump_worksheet
from test_xlwings_applier import Book

from gendan.model import plan as P
from gendan.model.grid import column_index, column_letter

SAMPLES: dict[type, Any] = {
    P.NewSheet: P.NewSheet("S", tab_color="00B050"),
    P.SetValues: P.SetValues(
        "S", "B2", [["text", "=not a formula", 3.5], [dt.date(2026, 3, 1), None, 7]]
    ),
    P.SetFormula: P.SetFormula("S", "D2", "=B2*2"),
    P.NumberFormat: P.NumberFormat("S", "A1:B2", "#,##0.00"),
    P.Fill: P.Fill("S", "A1:B1", "FFC7CE"),
    P.Font: P.Font("S", "A1", bold=True, italic=True, size=13, color="FF0000", name="Arial"),
    P.Align: P.Align("S", "A1:B1", horizontal="center", vertical="top", wrap=True),
    P.Border: P.Border("S", "A1:B2"),
    P.Merge: P.Merge("S", "A1:C1"),
    P.ColumnWidth: P.ColumnWidth("S", "C", 14),
    P.RowHeight: P.RowHeight("S", 3, 30),
    P.Note: P.Note("S", "A2", "gendan: look here"),
    P.Hyperlink: P.Hyperlink("S", "A5", "'S'!B2", "go"),
    P.DefinedName: P.DefinedName("Total", "'S'!$A$1"),
    P.PageSetup: P.PageSetup("S", print_area="A1:H40"),
    P.FreezePanes: P.FreezePanes("S", "A3"),
    P.DataValidationList: P.DataValidationList("S", "D2:D9", ("20RF", "40RH")),
    P.HideColumns: P.HideColumns("S", "P:T"),
    P.Chart: P.Chart(
        "S",
        "E2",
        "Shipped 出运",
        "'S'!$A$2:$A$4",
        (("USD", "'S'!$B$2:$B$4"), ("EUR", "'S'!$D$2:$D$4")),
        kind="stacked",
        number_format="#,##0",
        colors=("4472C4", "ED7D31"),
    ),
    P.ClearMarks: P.ClearMarks("S"),
}
ACTION_TYPES = typing.get_args(P.Action)
#: effects the recording stand-in cannot show (the applier sets them through the platform API)
NOT_VISIBLE_TO_THE_STAND_IN = {"tab"}
#: actions the template path leaves to the per-order openpyxl path
FAST_GIVES_UP = {
    P.Note,
    P.Hyperlink,
    P.DefinedName,
    P.FreezePanes,
    P.DataValidationList,
    P.Chart,
    P.ClearMarks,
}


def test_every_action_type_has_a_sample() -> None:
    in_module = {
        c
        for c in vars(P).values()
        if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == P.__name__
    }
    assert set(ACTION_TYPES) == in_module - {P.Plan}, (
        "a Plan dataclass missing from the Action union"
    )
    assert set(SAMPLES) == set(ACTION_TYPES), "add a sample of the new action to SAMPLES"


def _plan(action: Any) -> list[Any]:
    return [action] if isinstance(action, P.NewSheet) else [P.NewSheet("S"), action]


def _cells(ref: str) -> list[str]:
    first, _, last = ref.partition(":")
    last = last or first

    def rc(a: str) -> tuple[int, int]:
        letters = "".join(ch for ch in a if ch.isalpha())
        return int("".join(ch for ch in a if ch.isdigit())), column_index(letters)

    (r0, c0), (r1, c1) = rc(first), rc(last)
    return [f"{column_letter(c)}{r}" for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def _columns(ref: str) -> list[str]:
    first, _, last = ref.partition(":")
    return [column_letter(k) for k in range(column_index(first), column_index(last or first) + 1)]


def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def _hex(c: Any) -> str | None:
    if isinstance(c, tuple):
        return "{:02X}{:02X}{:02X}".format(*c)
    rgb = getattr(c, "rgb", None)
    return (
        rgb[-6:].upper() if isinstance(rgb, str) and rgb not in ("00000000", "FF000000") else None
    )


# ----------------------------------------------------------------------------- openpyxl


def openpyxl_charts(ws: Any) -> set[tuple[Any, ...]]:
    """Each chart of an openpyxl sheet (built, or read back from a file) as one effect
    ``("chart", anchor, kind, title, categories, ((name, values), …), number format,
    colours)``."""
    from openpyxl.utils import get_column_letter

    out: set[tuple[Any, ...]] = set()
    for ch in ws._charts:
        anchor = ch.anchor
        if not isinstance(anchor, str):  # read back: a cell anchor, 0-based
            anchor = f"{get_column_letter(anchor._from.col + 1)}{anchor._from.row + 1}"
        kind = "stacked" if ch.grouping == "stacked" else ch.type
        title = "".join(r.t for p in ch.title.tx.rich.p for r in (p.r or []))
        series = []
        colors = []
        cats = set()
        for s in ch.series:
            name = s.tx.v if s.tx.v is not None else s.tx.strRef.f
            series.append((name, s.val.numRef.f))
            ref = s.cat.numRef or s.cat.strRef
            cats.add(ref.f)
            fill = s.graphicalProperties.solidFill if s.graphicalProperties else None
            if fill is not None:
                rgb = fill.srgbClr
                colors.append(str(getattr(rgb, "val", rgb)).upper())
        (cat,) = cats
        fmt = ch.y_axis.numFmt.formatCode if ch.y_axis.numFmt is not None else None
        out.add(("chart", anchor, kind, title, cat, tuple(series), fmt, tuple(colors)))
    return out


def _openpyxl_effects(action: Any) -> set[tuple[Any, ...]]:
    import openpyxl

    from gendan.write.apply_openpyxl import apply_plan

    wb = openpyxl.Workbook()
    apply_plan(_plan(action), wb)
    ws = wb["S"]
    out: set[tuple[Any, ...]] = {("sheet", "S")}
    if ws.sheet_state != "visible":
        out.add(("hidden", "S"))
    if _hex(ws.sheet_properties.tabColor):
        out.add(("tab", "S", _hex(ws.sheet_properties.tabColor)))
    links = {c.coordinate for row in ws.iter_rows() for c in row if c.hyperlink is not None}
    for row in ws.iter_rows():
        for c in row:
            a = c.coordinate
            if c.data_type == "f":
                out.add(("formula", a, c.value))
            elif c.value is not None:
                out.add(("value", a, _value(c.value)))
            if c.number_format != "General" and not (
                isinstance(c.value, dt.date) and c.number_format == "yyyy-mm-dd"
            ):
                # (a date written to a General cell gets a date format in Excel too)
                out.add(("number_format", a, c.number_format))
            if c.fill is not None and c.fill.fill_type == "solid":
                out.add(("fill", a, _hex(c.fill.fgColor)))
            f = c.font
            if a not in links:  # a link's font is the Hyperlink style's, in Excel too
                for what, v, default in (
                    ("bold", f.b, False),
                    ("italic", f.i, False),
                    ("size", f.sz, 11),
                    ("name", f.name, "Calibri"),
                    ("color", _hex(f.color), None),
                ):
                    if v not in (None, default):
                        out.add((f"font.{what}", a, v))
            al = c.alignment
            for what, v in (
                ("horizontal", al.horizontal),
                ("vertical", al.vertical),
                ("wrap", al.wrap_text),
            ):
                if v not in (None, False):
                    out.add((what, a, v))
            b = c.border
            for e in ("top", "bottom", "left", "right"):
                if getattr(b, e).style:
                    out.add(("border", a, e))
            if c.comment is not None:
                out.add(("note", a, c.comment.text))
            if c.hyperlink is not None:
                out.add(("link", a, (c.hyperlink.location or c.hyperlink.target or "").lstrip("#")))
    out |= {("merge", str(r)) for r in ws.merged_cells.ranges}
    for k, d in ws.column_dimensions.items():
        if d.hidden:
            out.add(("hidden_column", k))
        elif d.width and d.customWidth:
            out.add(("width", k, d.width))
    out |= {("height", k, d.height) for k, d in ws.row_dimensions.items() if d.height}
    out |= {("name", "book", n, str(d.attr_text)) for n, d in wb.defined_names.items()}
    out |= {("name", "S", n, str(d.attr_text)) for n, d in ws.defined_names.items()}
    if ws.freeze_panes:
        out.add(("freeze", ws.freeze_panes))
    for dv in ws.data_validations.dataValidation:
        out.add(("list", str(dv.sqref), tuple(dv.formula1.strip('"').split(","))))
    if ws.print_area:
        out.add(("print_area", ws.print_area.split("!")[-1].replace("$", "")))
    return out | openpyxl_charts(ws)


# ----------------------------------------------------------------------------- xlwings

#: xlwings' chart types back to the plan's kinds
_KIND = {"bar_clustered": "bar", "column_clustered": "col", "bar_stacked": "stacked"}


def stand_in_charts(calls: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """The stand-in's chart calls, read as the effect tuples of :func:`openpyxl_charts`."""
    charts: dict[str, dict[str, Any]] = {}
    for _sheet, key, what, v in calls:
        if what == "charts.add":
            charts[key] = {"anchor": v[0], "kind": _KIND[v[3]], "names": {}, "colors": {}}
        elif what.startswith("chart.") and what != "chart.delete":
            c = charts[key]
            if what == "chart.set_source_data":
                assert v[2] == "columns"
                c["values"] = [P.quote_ref(v[0], a) for a in v[1].split(",")]
            elif what == "chart.set_x_axis_values":
                c["categories"] = P.quote_ref(*v)
            elif what == "chart.title":
                c["title"] = v
            elif what == "chart.value_axis.number_format":
                c["fmt"] = v
            elif what.startswith("chart.series["):
                k = int(what.split("[")[1].split("]")[0])
                c["names" if what.endswith(".name") else "colors"][k] = v
    return {
        (
            "chart",
            c["anchor"],
            c["kind"],
            c["title"],
            c["categories"],
            tuple((c["names"][k], ref) for k, ref in enumerate(c["values"])),
            c.get("fmt"),
            tuple(_hex(c["colors"][k]) for k in sorted(c["colors"])),
        )
        for c in charts.values()
    }


def _xlwings_effects(action: Any) -> set[tuple[Any, ...]]:
    """The stand-in's calls read as their effect in Excel."""
    from macros_py.xlwings_applier import apply_plan

    book = Book("Sheet1")
    log: list[str] = []
    apply_plan(_plan(action), book, log.append)
    out: set[tuple[Any, ...]] = stand_in_charts(book.calls)
    for sheet, where, what, v in book.calls:
        if what.startswith(("chart.", "charts.")):
            continue
        if what == "sheets.add":
            out.add(("sheet", sheet))
        elif what == "visible" and v is False:
            out.add(("hidden", sheet))
        elif what == "value":
            top = _cells(where)[0]
            r0, c0 = (
                int("".join(ch for ch in top if ch.isdigit())),
                column_index("".join(ch for ch in top if ch.isalpha())),
            )
            for i, row in enumerate(v):
                for j, x in enumerate(row):
                    if x is not None:  # the ' prefix: Excel keeps the rest as text
                        out.add(
                            (
                                "value",
                                f"{column_letter(c0 + j)}{r0 + i}",
                                x[1:] if isinstance(x, str) else x,
                            )
                        )
        elif what == "formula":
            out.add(("formula", where, v))
        elif what == "number_format":
            out |= {("number_format", a, v) for a in _cells(where)}
        elif what == "color":
            out |= {("fill", a, _hex(v)) for a in _cells(where)}
        elif what.startswith("font."):
            out |= {(what, a, _hex(v) if what == "font.color" else v) for a in _cells(where)}
        elif what in ("horizontal_alignment", "vertical_alignment", "wrap_text"):
            key = {
                "horizontal_alignment": "horizontal",
                "vertical_alignment": "vertical",
                "wrap_text": "wrap",
            }[what]
            out |= {(key, a, v) for a in _cells(where)}
        elif what == "borders.set":
            sides = v[0]
            edges = ("top", "bottom", "left", "right") if sides == "all" else [s[5:] for s in sides]
            out |= {("border", a, e) for a in _cells(where) for e in edges}
        elif what == "merge":
            out.add(("merge", where))
        elif what == "column_width":  # width 0 is how Excel hides a column
            out |= {("hidden_column", k) if v == 0 else ("width", k, v) for k in _columns(where)}
        elif what == "row_height":
            out.add(("height", int(where.split(":")[0]), v))
        elif what == "add_note":
            out.add(("note", where, v))
        elif what == "add_hyperlink":
            out.add(("link", where, v[0].lstrip("#")))
            out.add(("value", where, v[1]))
        elif what == "names.add":
            out.add(("name", sheet, v[0], v[1].lstrip("=")))
        elif what == "freeze_panes.freeze_at":
            out.add(("freeze", v))
        elif what == "data_validation.set_list":
            out.add(("list", where, v))
        elif what == "page_setup.print_area":
            out.add(("print_area", v.replace("$", "")))
        else:  # pragma: no cover - a call this reading does not know
            raise AssertionError(f"unread stand-in call {what}")
    return out


@pytest.mark.parametrize("kind", ACTION_TYPES, ids=lambda t: t.__name__)
def test_openpyxl_and_xlwings_appliers_agree(kind: type) -> None:
    action = SAMPLES[kind]
    want = {e for e in _openpyxl_effects(action) if e[0] not in NOT_VISIBLE_TO_THE_STAND_IN}
    assert _xlwings_effects(action) == want
    if kind not in (P.ClearMarks, P.NewSheet):  # every other action leaves a trace on its sheet
        assert len(want) > 1


# ----------------------------------------------------------------------------- fast sheets


def _doc(name: str, action: Any, k: int) -> Any:
    from gendan.documents.build import DocumentSheet

    a = (
        dataclasses.replace(action, name=name)
        if isinstance(action, P.NewSheet)
        else (
            dataclasses.replace(action, ref=action.ref.replace("'S'", f"'{name}'"))
            if isinstance(action, P.DefinedName)
            else dataclasses.replace(action, sheet=name)
        )
    )
    head = [a] if isinstance(a, P.NewSheet) else [P.NewSheet(name), a]
    plan = P.Plan([*head, P.SetValues(name, "J1", [[f"order {k}", k]])])
    return DocumentSheet(doc=None, sheet=name, contract_no=f"C{k}", status="draft", plan=plan)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ACTION_TYPES, ids=lambda t: t.__name__)
def test_fast_sheets_equal_the_per_order_path_or_give_up(kind: type, tmp_path: Path) -> None:
    import openpyxl

    from gendan.documents.fastsheets import Templates, scratch_bytes
    from gendan.documents.gendocs import _scratch_bytes
    from gendan.ooxml import Unsupported
    from gendan.write import inject

    built = [_doc("D1", SAMPLES[kind], 1), _doc("D2", SAMPLES[kind], 2)]
    try:
        tpl = Templates(built)
    except Unsupported:
        assert kind in FAST_GIVES_UP
        return
    assert kind not in FAST_GIVES_UP
    assert len(tpl.templates) == 1  # the two orders share one template
    wb = openpyxl.Workbook()
    wb.worksheets[0].title = "Master"
    buf = io.BytesIO()
    wb.save(buf)
    src = tmp_path / "src.xlsx"
    src.write_bytes(buf.getvalue())
    inject.graft(src, scratch_bytes(tpl.templates), tmp_path / "fast.xlsx", tpl.expand)
    inject.graft(src, _scratch_bytes(built), tmp_path / "slow.xlsx")
    fast, slow = (
        openpyxl.load_workbook(tmp_path / "fast.xlsx"),
        openpyxl.load_workbook(tmp_path / "slow.xlsx"),
    )
    for name in ("D1", "D2"):
        assert dump_worksheet(fast, name) == dump_worksheet(slow, name)
