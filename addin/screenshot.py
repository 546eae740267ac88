"""Render the picture of a checked sample workbook for the README: ``python -m gendan.addin.screenshot``.

Builds the sample workbook, annotates it (the same marks the 检查 Check button writes),
then renders two pictures with LibreOffice (→ PDF → PNG with pdftoppm): the first orders of
工作序列表 with their marks (columns without a finding hidden so the picture stays
readable) as ``addin-check-marks.png``, and the top of the 检查结果 sheet as
``addin-check-results.png``.

Needs soffice (or libreoffice) and pdftoppm (poppler-utils) on PATH.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from gendan.model.grid import column_index, column_letter
from gendan.write.annotate import annotate_file
from gendan.write.marks import LEDGER_SHEET, RESULTS_SHEET

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "docs" / "img"
MASTER = "工作序列表"
ROWS = 28  # title rows, header row 3, then 25 orders
RESULT_ROWS = 22


def _view(annotated: Path, keep: str, dest: Path, rows: int, keep_cols: set[int] | None) -> Path:
    """A copy holding only sheet ``keep``, printed on one landscape page."""
    import openpyxl

    wb = openpyxl.load_workbook(annotated)
    for name in list(wb.sheetnames):
        if name != keep:
            del wb[name]
    ws = wb[keep]
    last_col = ws.max_column
    if keep_cols is not None:
        for c in range(1, last_col + 1):
            if c not in keep_cols:
                ws.column_dimensions[column_letter(c)].hidden = True
        last_col = max(keep_cols)
    ws.print_area = f"A1:{column_letter(last_col)}{rows}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    setup = ws.sheet_properties.pageSetUpPr
    assert setup is not None  # openpyxl gives every sheet one
    setup.fitToPage = True
    ws.print_options.gridLines = True
    wb.save(dest)
    return dest


def _marked_columns(annotated: Path, rows: int) -> set[int]:
    import openpyxl

    ledger = openpyxl.load_workbook(annotated, read_only=True)[LEDGER_SHEET]
    cols = {1, 3}  # contract no., customer
    for r in list(ledger.iter_rows(values_only=True))[1:]:
        sheet, cell = r[0], str(r[1])
        row = int("".join(ch for ch in cell if ch.isdigit()))
        if sheet == MASTER and row <= rows:
            cols.add(column_index("".join(ch for ch in cell if ch.isalpha())))
    return cols


def _png(xlsx: Path, work: Path, out: Path) -> Path:
    from gendan.office.recalc import convert

    pdf = convert(xlsx, work, "pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "110",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(out.with_suffix("")),
        ],
        check=True,
    )
    return out


def render(out_dir: Path = DEFAULT_DIR) -> list[Path]:
    from gendan.book.sample import AS_OF, build_sample

    with tempfile.TemporaryDirectory(prefix="gendan-shot-") as tmp:
        work = Path(tmp)
        sample = work / "sample.xlsx"
        build_sample(sample)
        annotated = work / "checked.xlsx"
        annotate_file(sample, annotated, as_of=AS_OF, lang="zh")
        marks = _view(
            annotated, MASTER, work / "master.xlsx", ROWS, _marked_columns(annotated, ROWS)
        )
        results = _view(annotated, RESULTS_SHEET, work / "results.xlsx", RESULT_ROWS, None)
        return [
            _png(marks, work, out_dir / "addin-check-marks.png"),
            _png(results, work, out_dir / "addin-check-results.png"),
        ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m gendan.addin.screenshot", description=__doc__.splitlines()[0]
    )
    p.add_argument("--out-dir", type=Path, default=DEFAULT_DIR)
    args = p.parse_args(argv)
    if shutil.which("pdftoppm") is None:
        print("pdftoppm (poppler-utils) is not on PATH")
        return 2
    for path in render(args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
