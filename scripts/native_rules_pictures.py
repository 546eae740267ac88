"""Render the pictures of docs/native-rules.md: the sample and the template with their own
checks live, as LibreOffice draws them (no add-in, no Python in the book).

    python scripts/native_rules_pictures.py [OUT_DIR]      (default docs/img)

Each picture is a render copy: gendan rules (or gendan new) writes the rules, openpyxl then
only hides columns and sheets and sets a print area so one page shows the cells that matter;
LibreOffice converts every copy to PDF in one run and pdftoppm makes the PNGs.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from gendan.book.sample import build_sample
from gendan.book.template import HEADER_ROW, write_template
from gendan.native.patch import LEGEND_SHEET, write_rules
from gendan.office.render_pdf import render_pdfs
from gendan.rules.engine import load_book

SHOWN = (
    "contract_no",
    "customer",
    "product",
    "spec",
    "kg_per_carton",
    "cartons",
    "net_weight_kg",
    "gross_weight_kg",
    "containers",
    "container_nos",
    "temperature_c",
    "currency",
    "unit_price",
    "amount",
    "payment_terms",
    "etd",
    "bl_date",
    "invoice_no",
    "docs_sent_date",
    "received_amount",
)

TEMPLATE_SHOWN = (
    "contract_no",
    "contract_date",
    "customer",
    "product",
    "spec",
    "cartons",
    "containers",
    "container_nos",
    "currency",
    "unit_price",
    "amount",
    "port_of_loading",
    "port_of_discharge",
    "payment_terms",
    "lc_no",
    "latest_shipment",
    "lc_expiry",
    "etd",
)


def _crop(png: Path) -> None:
    """Cut the white page margins off a rendered page."""
    from PIL import Image, ImageChops

    img = Image.open(png).convert("RGB")
    box = ImageChops.difference(img, Image.new("RGB", img.size, "white")).getbbox()
    if box:
        pad = 12
        img = img.crop(
            (
                max(box[0] - pad, 0),
                max(box[1] - pad, 0),
                min(box[2] + pad, img.width),
                min(box[3] + pad, img.height),
            )
        )
    img.quantize(colors=64).save(png, optimize=True)  # a few colours: a fraction of the bytes


def _focus(
    path: Path, out: Path, keys: tuple[str, ...], rows: tuple[int, int] | None, sheet: str | None
) -> Path:
    """A render copy showing only ``keys`` of the master (rows ``rows``), or only ``sheet``."""
    tables, _ = load_book(path)
    m = tables.master
    wb = openpyxl.load_workbook(path)
    target = sheet or m.sheet
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == target else "hidden"
    wb.active = wb.sheetnames.index(target)
    ws = wb[target]
    if sheet is None and rows is not None:
        keep = {m.col[k] for k in keys if k in m.col}
        for j in range(1, ws.max_column + 1):
            if j not in keep:
                ws.column_dimensions[get_column_letter(j)].hidden = True
        ws.print_area = f"A{rows[0]}:{get_column_letter(max(keep))}{rows[1]}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    wb.save(out)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "docs" / "img"
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gendan-pictures-"))
    sample = work / "sample.xlsx"
    build_sample(sample)
    ruled = work / "sample-rules.xlsx"
    write_rules(sample, ruled, ahead=20)
    template = write_template(work / "template.xlsx", rows=40)
    # the template with three orders typed, two of them with mistakes the book shows at once
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    tables, _ = load_book(template)
    col = tables.master.col
    typed = [
        {
            "contract_no": "GD27-001",
            "customer": "NEW BUYER",
            "product": "FUJI APPLE",
            "cartons": 1100,
            "unit_price": 23.5,
            "amount": 25850,
            "container_nos": "CSQU3054383",
            "containers": 1,
            "payment_terms": "L/C at sight",
            "etd": dt.date(2027, 3, 20),
        },
        {
            "contract_no": "GD27-002",
            "customer": "NEW BUYER",
            "product": "FUJI APPLE",
            "cartons": 1100,
            "unit_price": 23.5,
            "amount": 28550,
            "container_nos": "CSQU3054384 / MSKU1234565",
            "containers": 1,
            "payment_terms": "D/P at sight",
            "etd": dt.date(2027, 3, 20),
        },
        {
            "contract_no": "GD27-002",
            "contract_date": dt.date(2027, 3, 1),
            "customer": "NEW BUYER",
            "product": "FUJI APPLE",
        },
    ]
    for i, row in enumerate(typed):
        for key, value in row.items():
            ws.cell(row=HEADER_ROW + 1 + i, column=col[key], value=value)
    wb.save(work / "template-typed.xlsx")
    copies = [
        _focus(ruled, work / "native-rules-sample.xlsx", SHOWN, (3, 62), None),
        _focus(
            work / "template-typed.xlsx",
            work / "native-rules-template.xlsx",
            TEMPLATE_SHOWN,
            (3, 8),
            None,
        ),
        _focus(ruled, work / "native-rules-legend.xlsx", (), None, LEGEND_SHEET),
    ]
    for pdf in render_pdfs(copies, work / "pdf"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "150",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(dest / pdf.stem),
            ],
            check=True,
        )
        _crop(dest / f"{pdf.stem}.png")
        print(f"wrote {dest / pdf.stem}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
