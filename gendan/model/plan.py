"""Writes are plans: builders return a list of actions; thin appliers carry them out.

Document builders (gendan.documents), the annotator (gendan.write.marks) and the template
writer produce ``list[Action]``.  Tests assert on the plan as plain data.  Two appliers
map each action to one call: ``gendan.write.apply_openpyxl`` (headless files) and
``macros_py.xlwings_applier`` (live Excel).

Text safety: ``SetValues`` values are *data*.  A ``str`` that starts with ``=`` is written
as text by every applier, never as a formula.  Formulas exist only as ``SetFormula``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args

#: Native chart kinds: horizontal bars, vertical columns, horizontal stacked bars.
ChartKind = Literal["bar", "col", "stacked"]
CHART_KINDS: tuple[str, ...] = get_args(ChartKind)

#: Border line weights every applier draws (openpyxl's Side.style, xlwings' weight).
BorderStyle = Literal["thin", "medium", "thick"]
BORDER_STYLES: tuple[str, ...] = get_args(BorderStyle)

_A = TypeVar("_A")

#: The author/tag written on every note and mark the tool makes, so it can find its own.
MARK_TAG = "gendan"


@dataclass(frozen=True)
class NewSheet:
    """Add a sheet (replacing the tool's own sheet of that name if ``replace``)."""

    name: str
    replace: bool = True
    tab_color: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class SetValues:
    """Write a block of values with its top-left corner at ``cell``; text stays text."""

    sheet: str
    cell: str
    values: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class SetFormula:
    """Write one formula (English function names, ``,`` separators, leading ``=``)."""

    sheet: str
    cell: str
    formula: str


@dataclass(frozen=True)
class NumberFormat:
    sheet: str
    ref: str
    format: str


@dataclass(frozen=True)
class Fill:
    """Solid background colour, ``RRGGBB``."""

    sheet: str
    ref: str
    color: str


@dataclass(frozen=True)
class Font:
    sheet: str
    ref: str
    bold: bool | None = None
    italic: bool | None = None
    size: float | None = None
    color: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Align:
    sheet: str
    ref: str
    horizontal: str | None = None  # left | center | right
    vertical: str | None = None  # top | center | bottom
    wrap: bool | None = None


@dataclass(frozen=True)
class Border:
    """Thin border around each cell of ``ref`` (``edges`` among top, bottom, left, right)."""

    sheet: str
    ref: str
    edges: tuple[str, ...] = ("top", "bottom", "left", "right")
    style: BorderStyle = "thin"


@dataclass(frozen=True)
class Merge:
    sheet: str
    ref: str


@dataclass(frozen=True)
class ColumnWidth:
    sheet: str
    column: str  # letters
    width: float


@dataclass(frozen=True)
class RowHeight:
    sheet: str
    row: int
    height: float


@dataclass(frozen=True)
class Note:
    """A cell note (comment) authored by the tool."""

    sheet: str
    cell: str
    text: str
    author: str = MARK_TAG


@dataclass(frozen=True)
class Hyperlink:
    """A link in ``cell`` to a place in the workbook (``'Sheet'!A1``) showing ``text``."""

    sheet: str
    cell: str
    target: str
    text: str


@dataclass(frozen=True)
class DefinedName:
    name: str
    ref: str  # e.g. 'Sheet'!$A$1:$B$2
    local_sheet: str | None = None


@dataclass(frozen=True)
class PageSetup:
    """Print settings: one A4 page wide by default."""

    sheet: str
    print_area: str | None = None
    orientation: str = "portrait"
    paper: str = "A4"
    fit_width: int | None = 1
    fit_height: int | None = 0
    margins_cm: tuple[float, float, float, float] | None = (1.5, 1.5, 1.5, 1.5)  # l, r, t, b
    center_horizontally: bool = True


@dataclass(frozen=True)
class FreezePanes:
    sheet: str
    cell: str


@dataclass(frozen=True)
class DataValidationList:
    """An Excel dropdown on ``ref`` with the allowed ``values``."""

    sheet: str
    ref: str
    values: tuple[str, ...]
    allow_blank: bool = True
    error_title: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class HideColumns:
    """Hide the columns of ``ref`` (``'P:T'``): the tool's bookkeeping next to a printed
    document (the provenance block of gendan.documents) stays readable but out of sight."""

    sheet: str
    ref: str


@dataclass(frozen=True)
class Chart:
    """A native bar chart over cells, its top left corner at ``anchor`` on ``sheet``.

    Why references and not values: the chart stays live and editable in Excel (change a
    number in the table, the bar follows).  ``categories`` and each series' values are
    absolute references with the sheet quoted (``'看板'!$A$5:$A$11``, one column each, all
    on one sheet); ``series`` is ``((name, values_ref), …)``.  Size in points (what
    xlwings takes; openpyxl converts to cm).  ``colors``: one ``RRGGBB`` per series, or
    none for the application's palette."""

    sheet: str
    anchor: str
    title: str
    categories: str
    series: tuple[tuple[str, str], ...]
    kind: ChartKind = "col"
    width: float = 340.0
    height: float = 260.0
    number_format: str | None = None
    colors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"chart kind {self.kind!r} not among {CHART_KINDS}")
        sheets = {split_ref(r)[0] for r in (self.categories, *(v for _n, v in self.series))}
        if len(sheets) != 1:
            raise ValueError(f"a chart's references lie on one sheet, not {sorted(sheets)}")

    @property
    def data_sheet(self) -> str:
        return split_ref(self.categories)[0]


def split_ref(ref: str) -> tuple[str, str]:
    """``'It''s'!$A$1:$A$5`` → (``It's``, ``$A$1:$A$5``): the sheet and the address."""
    sheet, bang, address = ref.rpartition("!")
    if not bang or not sheet:
        raise ValueError(f"a chart reference names its sheet: {ref!r}")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, address


def quote_sheet(name: str) -> str:
    """``'工作序列表'``: a sheet name as a formula or link names it — always quoted, quotes
    doubled, so any name a user gives a sheet is safe (the one definition)."""
    return "'" + name.replace("'", "''") + "'"


def quote_ref(sheet: str, address: str) -> str:
    """The inverse of :func:`split_ref`: the sheet name always quoted."""
    return quote_sheet(sheet) + "!" + address


@dataclass(frozen=True)
class ClearMarks:
    """Remove the tool's own fills and notes from ``sheet`` (never the user's)."""

    sheet: str


Action = (
    NewSheet
    | SetValues
    | SetFormula
    | NumberFormat
    | Fill
    | Font
    | Align
    | Border
    | Merge
    | ColumnWidth
    | RowHeight
    | Note
    | Hyperlink
    | DefinedName
    | PageSetup
    | FreezePanes
    | DataValidationList
    | HideColumns
    | Chart
    | ClearMarks
)


@dataclass
class Plan:
    """An ordered list of actions, with helpers that keep builders short."""

    actions: list[Action] = field(default_factory=list)

    def add(self, *actions: Action) -> None:
        self.actions.extend(actions)

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def of_type(self, kind: type[_A]) -> list[_A]:
        return [a for a in self.actions if isinstance(a, kind)]
