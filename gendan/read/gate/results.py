"""What the gate returns: the refusal exception, per-sheet scans, the result and its notes,
and how a finished scan becomes a result (the cell limits applied)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gendan.read.gate.limits import Format, Limits
from gendan.read.gate.refusals import GateRefusal, refuse  # noqa: F401  (GateRefusal: re-exported)

# --------------------------------------------------------------------------- results


#: The hidden sheet of helper cells the native rules write (gendan.native.rules.HELPER_SHEET):
#: its formulas come without values by design (Excel computes them on open), so they are no
#: reason to tell the user to recalculate.
NATIVE_HELPER_SHEET = "_gendan"

#: zh / en sentences for the note codes of :attr:`GateResult.notes`.
NOTE_MESSAGES: dict[str, tuple[str, str]] = {
    "formulas-without-values": (
        "工作簿中有公式没有保存计算结果（例如由程序生成），读出来是空白；请在 Excel 中打开、重新计算并保存后再检查。",
        "Some formulas have no saved results (the file was written by a program), so they read "
        "as blank; open the workbook in Excel, recalculate and save it, then check again.",
    ),
    "error-values": (
        "工作簿中有错误值（如 #N/A、#VALUE!、#REF!），这些单元格按空白读取。",
        "The workbook holds error values (#N/A, #VALUE!, #REF!, ...); those cells read as blank.",
    ),
    "date1904": (
        "工作簿使用 1904 日期系统；日期已按此换算。",
        "The workbook uses the 1904 date system; dates are converted accordingly.",
    ),
    "macros": (
        "工作簿含有宏（VBA 项目）；本工具只读取数据，不运行宏。",
        "The workbook carries macros (a VBA project); the tool reads data only and never runs them.",
    ),
    "legacy-xls": (
        "这是旧版 .xls 工作簿；可以读取，但写回标记请先另存为 .xlsx。",
        "This is a legacy .xls workbook; it can be read, but save it as .xlsx before writing marks into it.",
    ),
    "xlsb": (
        "这是 .xlsb 二进制工作簿；可以读取，但写回标记请先另存为 .xlsx。",
        "This is a binary .xlsb workbook; it can be read, but save it as .xlsx before writing marks into it.",
    ),
    "ods": (
        "这是 OpenDocument (.ods) 表格；可以读取，但写回标记请先另存为 .xlsx。",
        "This is an OpenDocument (.ods) spreadsheet; it can be read, but save it as .xlsx before writing marks into it.",
    ),
    "biff5": (
        "这是 Excel 95 或更早格式的 .xls；读取可能不完整，建议另存为 .xlsx。",
        "This .xls is in the Excel 95 (or older) format; reading may be incomplete, save it as .xlsx.",
    ),
    "external-links": (
        "工作簿链接了其他工作簿；链接的值按上次保存时的结果读取。",
        "The workbook links to other workbooks; linked values are read as last saved.",
    ),
}


@dataclass(frozen=True)
class SheetScan:
    """What the gate learned about one worksheet part without building cells."""

    name: str
    part: str
    rows: int = 0  # last row holding a value (1-based; 0 = none)
    cols: int = 0  # last column holding a value
    formulas: int = 0
    formulas_without_value: int = 0
    first_formula_without_value: str | None = None  # A1 address
    error_cells: int = 0
    first_error_cell: str | None = None
    first_row: int = 1  # first row / column holding a value
    first_col: int = 1

    @property
    def dense_cells(self) -> int:
        """Cells of the rectangle from the first to the last value, what calamine allocates."""
        if not self.rows or not self.cols:
            return 0
        return (self.rows - self.first_row + 1) * (self.cols - self.first_col + 1)


@dataclass(frozen=True)
class GateResult:
    """The file passed the gate: its real format and facts the readers cannot see."""

    path: str
    format: Format
    size: int
    date1904: bool = False
    has_macros: bool = False
    sheets: tuple[SheetScan, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def formulas_without_values(self) -> int:
        return sum(s.formulas_without_value for s in self.sheets if s.name != NATIVE_HELPER_SHEET)

    @property
    def error_cells(self) -> int:
        return sum(s.error_cells for s in self.sheets)

    def note_messages(self) -> list[tuple[str, str, str]]:
        """``(code, zh, en)`` for each note, ready for stderr or an ``info`` finding."""
        out: list[tuple[str, str, str]] = []
        for code in self.notes:
            zh, en = NOTE_MESSAGES.get(code, (code, code))
            if code == "formulas-without-values":
                where = next(
                    (
                        f"{s.name}!{s.first_formula_without_value}"
                        for s in self.sheets
                        if s.first_formula_without_value and s.name != NATIVE_HELPER_SHEET
                    ),
                    "",
                )
                if where:
                    zh = f"{zh}（共 {self.formulas_without_values} 个，首个在 {where}）"
                    en = f"{en} ({self.formulas_without_values} cells, first at {where})"
            out.append((code, zh, en))
        return out


@dataclass
class _ZipScan:
    fmt: Format
    scans: list[SheetScan] = field(default_factory=list)
    has_macros: bool = False
    external_links: bool = False
    date1904: bool = False
    binaries: dict[str, bytes] = field(default_factory=dict)


def _finish(p: Path, fmt: Format, size: int, state: _ZipScan, lim: Limits) -> GateResult:
    """Apply the cell limits and assemble the notes."""
    total_cells = 0
    for s in state.scans:
        if s.dense_cells > lim.max_sheet_cells:
            raise refuse(
                "too-many-cells",
                p.name,
                part=s.name,
                detail=f"{s.dense_cells:,}",
                limit=f"{lim.max_sheet_cells:,}",
            )
        total_cells += s.dense_cells
        if total_cells > lim.max_cells:
            raise refuse(
                "too-many-cells",
                p.name,
                part=s.name,
                detail=f"{total_cells:,}",
                limit=f"{lim.max_cells:,}",
            )
    notes: list[str] = []
    if fmt in ("xls", "xlsb", "ods"):
        notes.append("legacy-xls" if fmt == "xls" else fmt)
    if state.has_macros:
        notes.append("macros")
    if state.date1904:
        notes.append("date1904")
    if any(s.formulas_without_value for s in state.scans if s.name != NATIVE_HELPER_SHEET):
        notes.append("formulas-without-values")
    if any(s.error_cells for s in state.scans):
        notes.append("error-values")
    if state.external_links:
        notes.append("external-links")
    return GateResult(
        path=str(p),
        format=fmt,
        size=size,
        date1904=state.date1904,
        has_macros=state.has_macros,
        sheets=tuple(state.scans),
        notes=tuple(notes),
    )
