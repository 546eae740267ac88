"""The blank master workbook ``gendan new`` writes: Excel itself guards the typing.

Why: most mistakes in a 工作序列表 are made while typing, on machines where Python and the
add-in may not be installed.  Excel's own data validation (dropdowns, date and number
checks) and number formats travel inside the file, so the template stops a typed
"US$$", "45RF", "1,200 箱" or a date typed as text before the checker ever runs.

Everything comes from the schema: headers (zh in the header row, en in each header's
note, since a second header row would be matched as the header too), column widths,
number formats, dropdowns (every column with enum values, plus the customer list from
the 客户 sheet) and numeric bounds.  Nothing about particular columns is written here, so
a renamed header or an added enum value in the YAML shows up in the next template.

``template_validations`` returns the validations as plain data for tests and for other
appliers; ``write_template`` applies them with openpyxl.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from gendan.book.schemadoc import rule_text
from gendan.book.validations import REF_ROWS, ValidationSpec, template_validations
from gendan.model.schema import ColumnSpec, Schema, SheetSpec, load_schema

__all__ = [
    "HEADER_ROW",
    "ValidationSpec",
    "stable_zip",
    "template_validations",
    "write_company",
    "write_template",
]

HEADER_ROW = 3  # title and legend above, as in the sample: the reader finds the header by matching
DATA_ROWS = 2000  # rows formatted and validated ahead of the typing
LIST_SHEET = "_lists"  # hidden sheet for dropdowns too long for an inline list
NOTE_AUTHOR = "gendan-template"  # not the checker's tag: `annotate` must not clear these
_INLINE_LIMIT = 255  # Excel's limit for an inline list formula
_FIXED_STAMP = datetime(2026, 1, 1, 0, 0, 0)

_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(italic=True, size=9, color="666666")
_HEAD_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")  # required
_COND_FILL = PatternFill("solid", fgColor="FFF2CC")  # required under a condition
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _list_formula(values: Sequence[str]) -> str | None:
    text = ",".join(values)
    if any("," in v or '"' in v for v in values) or len(text) + 2 > _INLINE_LIMIT:
        return None
    return f'"{text}"'


def _apply_validations(
    wb: Workbook,
    ws: Any,
    sheet: SheetSpec,
    specs: list[ValidationSpec],
    first: int,
    last: int,
    native: AbstractSet[str] = frozenset(),
) -> None:
    """Excel validations for ``specs``; a column in ``native`` gets the native rules'
    validation instead (gendan.native.rules), which includes the same type check."""
    letters = {c.key: get_column_letter(j) for j, c in enumerate(sheet.columns, start=1)}
    for spec in specs:
        if spec.key in native and spec.kind != "list":
            continue
        col = letters[spec.key]
        if spec.kind == "list":
            formula = spec.source or _list_formula(spec.values)
            if formula is None:  # too long or has commas: put the list on the hidden sheet
                lists = (
                    wb[LIST_SHEET] if LIST_SHEET in wb.sheetnames else wb.create_sheet(LIST_SHEET)
                )
                lists.sheet_state = "hidden"
                k = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
                lists.cell(row=1, column=k, value=f"{sheet.names[0]}.{spec.key}")
                for i, v in enumerate(spec.values, start=2):
                    lists.cell(row=i, column=k, value=v)
                kl = get_column_letter(k)
                formula = f"{quote_sheetname(LIST_SHEET)}!${kl}$2:${kl}${len(spec.values) + 1}"
            dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        else:
            dv = DataValidation(
                type=spec.kind,
                operator=spec.operator,
                formula1=spec.formula1,
                formula2=spec.formula2,
                allow_blank=True,
            )
        dv.errorStyle = "stop" if spec.strict else "warning"
        dv.showErrorMessage = True
        dv.errorTitle = spec.error_title[:32]  # Excel's limit
        dv.error = spec.error[:255]
        dv.add(f"{col}{first}:{col}{last}")
        ws.add_data_validation(dv)


def _cell_format(col: ColumnSpec) -> str | None:
    """The schema's format; text-like columns get Excel's text format so a DHL waybill or
    an HS code 0808100000 keeps its digits instead of turning into a number."""
    if col.format:
        return col.format
    if col.type in ("text", "terms", "enum"):
        return "@"
    return None


def _table_sheet(
    wb: Workbook,
    ws: Any,
    schema: Schema,
    sheet: SheetSpec,
    header_row: int,
    n_rows: int,
    native: AbstractSet[str] = frozenset(),
) -> None:
    """Header, notes, widths, formats, validations, freeze panes and filter for one table."""
    first, last = header_row + 1, header_row + n_rows
    for j, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(row=header_row, column=j, value=col.zh)
        cell.font, cell.alignment = _HEAD_FONT, _HEAD_ALIGN
        cell.fill = (
            _REQUIRED_FILL if col.required else (_COND_FILL if col.required_when else _HEAD_FILL)
        )
        rules = rule_text(col, dict(schema.sheets))
        note = Comment(f"{col.en}\n{rules}" if rules else col.en, NOTE_AUTHOR)
        note.width, note.height = 240, 90
        cell.comment = note
        if col.width:
            ws.column_dimensions[letter].width = col.width
        fmt = _cell_format(col)
        if fmt:
            for i in range(first, last + 1):
                ws.cell(row=i, column=j).number_format = fmt
    _apply_validations(wb, ws, sheet, template_validations(schema, sheet), first, last, native)
    ws.freeze_panes = ws.cell(row=first, column=2).coordinate
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(sheet.columns))}{last}"
    ws.row_dimensions[header_row].height = 30


def write_company(ws: Any, spec: SheetSpec, values: dict[str, str]) -> None:
    """The key/value sheet: zh label in column A (its note gives the en label), value in B.

    The en label is a note and not a third column: the reader takes the next non-blank
    cell right of a label as its value, so a visible en label next to a blank value would
    be read as the value."""
    for i, f in enumerate(spec.fields, start=1):
        label = ws.cell(row=i, column=1, value=f.zh)
        label.font = _HEAD_FONT
        label.comment = Comment(f.en, NOTE_AUTHOR, width=160, height=30)
        cell = ws.cell(row=i, column=2, value=values.get(f.key))
        cell.number_format = "@"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 60


def stable_zip(path: Path) -> None:
    """Rewrite an .xlsx with fixed zip timestamps and core-property dates.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; fixing them
    makes two builds byte-identical, so files kept in git only change when content does."""
    data = path.read_bytes()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>2026-01-01T00:00:00Z\g<2>",
                    body,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, body)
    path.write_bytes(out.getvalue())


def write_template(path: str | Path, schema: Schema | None = None, rows: int = DATA_ROWS) -> Path:
    """Write the blank master workbook for ``schema`` (the default schema when None), with
    the native rules (conditional formats, validations, the 说明 legend) patched in by the
    same code as ``gendan rules`` (gendan.native.patch)."""
    from gendan.native.patch import patch_rules, typed_checks
    from gendan.native.rules import build_rules, template_layout

    schema = schema or load_schema()
    path = Path(path)
    rules = build_rules(schema, template_layout(schema, HEADER_ROW, rows, REF_ROWS))
    typed, lists = typed_checks(schema)
    native: dict[str, set[str]] = {}
    for v in rules.validations(typed, lists):
        native.setdefault(v.role, set()).add(v.key)
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook: its one (active) sheet
    master = schema.master
    ws.title = master.names[0]
    alt = f"  {master.names[1]}" if len(master.names) > 1 else ""
    ws.cell(row=1, column=1, value=f"{master.names[0]}{alt}").font = _TITLE_FONT
    source = Path(schema.source).name if schema.source else "master.yaml"
    ws.cell(
        row=2,
        column=1,
        value=(
            f"橙色表头为必填，黄色为条件必填；鼠标停在表头上可看英文列名和规则；下拉选项与格式来自 {source}。"
            "  Orange headers are required, yellow ones under a condition; hover a header for its "
            f"English name and rules. Dropdowns and formats come from {source}."
        ),
    ).font = _NOTE_FONT
    _table_sheet(wb, ws, schema, master, HEADER_ROW, rows, native.get("master", set()))
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"

    for role in ("customers", "products"):
        spec = schema.sheets[role]
        _table_sheet(
            wb, wb.create_sheet(spec.names[0]), schema, spec, 1, REF_ROWS, native.get(role, set())
        )

    write_company(wb.create_sheet(schema.company.names[0]), schema.company, {})

    if LIST_SHEET in wb.sheetnames:  # keep the hidden helper sheet last
        wb.move_sheet(LIST_SHEET, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LIST_SHEET))
    wb.active = 0
    wb.properties.creator = "gendan"
    wb.properties.created = _FIXED_STAMP
    path.parent.mkdir(parents=True, exist_ok=True)
    bare = path.with_name(f".{path.stem}.bare{path.suffix}")
    try:
        wb.save(bare)
        patch_rules(bare, path, rules, typed, lists)
    finally:
        bare.unlink(missing_ok=True)
    stable_zip(path)
    return path


if __name__ == "__main__":
    import sys

    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[2] / "xlsx" / "template.xlsx"
    )
    write_template(target)
    print(f"wrote {target}")
