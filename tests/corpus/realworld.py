"""Workbooks as people keep them, for the write tests: everything Excel, WPS and add-ins put
into a package around the master sheet, and that an annotate must carry through untouched.

Each builder writes one file; :func:`build_all` writes them all into a folder.  The master
always holds formulas with saved results (net weight, amount), findings (a wrong ISO 6346
check digit, a blank required customer - a cell that does not exist in the XML - and an
amount hidden under a merged range), a control character in a cell (``_x000B_``) and
notes of the user's own.  Around it, one file per kind of real-world content:

==========================  ==============================================================
``rw-features.xlsx``        sparklines, 2010 data bars, a text box, an image, a table,
                            sheet protection, ignoredErrors (xlsxwriter)
``rw-macro-ribbon.xlsm``    VBA project, customUI ribbon part, a form button (VML shared
                            with the user's notes)
``rw-threaded.xlsx``        threaded comments + persons (with their legacy notes, one on a
                            finding's cell), printer settings, a thumbnail
``rw-pivot.xlsx``           a pivot cache (definition + records) and a pivot table sheet
``rw-wps.xlsx``             WPS in-cell images (cellimages.xml, =DISPIMG with saved value)
``rw-richvalue.xlsx``       Excel 365 pictures in cells (metadata, richData, ``vm=``)
``rw-marked-before.xlsx``   already annotated by the old openpyxl path (4-column ledger,
                            检查结果 with its own relationships)
``rw-libreoffice.xlsx``     rw-features re-saved by LibreOffice (shared strings), when
                            ``soffice`` is installed
==========================  ==============================================================
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import make_corpus as mc

KEYS = mc.master_keys()
N_ORDERS = 12
CT_MAIN = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def col(key: str) -> int:
    """0-based column of a master key."""
    return KEYS.index(key)


def letter(key: str) -> str:
    return mc._col(col(key) + 1)


def _orders() -> list[dict[str, Any]]:
    out = []
    for i in range(N_ORDERS):
        o = mc._order(i)
        o["remarks"] = ""
        out.append(o)
    out[1]["container_nos"] = out[1]["container_nos"][:-1] + str(
        (int(out[1]["container_nos"][-1]) + 1) % 10
    )
    out[3]["customer"] = None  # required and blank: the cell is not in the XML
    out[4]["remarks"] = "vertical\x0btab and _x000B_ typed"  # a control character in a cell
    return out


MERGED_ROW = 6  # 0-based order whose sales manager and product are merged: the product
# (required) is hidden under the range, so its finding is on a cell that is not the anchor


def master(wb: Any, name: str = "工作序列表") -> Any:
    """The master sheet by xlsxwriter: title, header, orders with formulas and saved results."""
    ws = wb.add_worksheet(name)
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": "#,##0.00", "bold": True, "border": 1})
    ws.write_string(0, 0, mc.TITLE)
    ws.write_row(1, 0, mc.master_header())
    for i, o in enumerate(_orders()):
        r = 2 + i
        for k in KEYS:
            v = o.get(k)
            c = col(k)
            if k == "net_weight_kg":
                ws.write_formula(
                    r, c, f"={letter('cartons')}{r + 1}*{letter('kg_per_carton')}{r + 1}", None, v
                )
            elif k == "amount":
                ws.write_formula(
                    r, c, f"={letter('cartons')}{r + 1}*{letter('unit_price')}{r + 1}", money, v
                )
            elif k in ("sales_manager", "product") and i == MERGED_ROW:
                continue
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_fmt)
            elif isinstance(v, str):
                if v:
                    ws.write_string(r, c, v)
            elif v is not None:
                ws.write(r, c, v)
    r = 2 + MERGED_ROW
    ws.merge_range(
        r,
        col("sales_manager"),
        r,
        col("product"),
        _orders()[MERGED_ROW]["sales_manager"],
        wb.add_format({"align": "center"}),
    )
    ws.write_comment(f"A{3}", "首单 first order - the user's own note")
    ws.write_comment(f"{letter('container_nos')}{4}", "柜号待确认 (user's note on a finding cell)")
    ws.freeze_panes(2, 1)
    return ws


def refs(wb: Any) -> None:
    mc._xw_refs(wb)


def _xlsx(path: Path, extra: Callable[[Any, Any], None] | None = None, vba: bool = False) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = master(wb)
    if extra:
        extra(wb, ws)
    refs(wb)
    if vba:
        wb.add_vba_project(str(mc.vba_project_bin()))
    wb.close()
    return path


def _surgery(
    src: Path, dest: Path, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes]
) -> Path:
    mc._rewrite_zip(src, dest, change, extra)
    return dest


def _sub(d: bytes, old: bytes, new: bytes) -> bytes:
    assert old in d, old
    return d.replace(old, new, 1)


# ----------------------------------------------------------------------------- builders


def features(path: Path) -> Path:
    def extra(wb: Any, ws: Any) -> None:
        last = 2 + N_ORDERS
        ws.add_sparkline("AR3", {"range": f"'工作序列表'!{letter('cartons')}3:{letter('amount')}3"})
        ws.conditional_format(
            f"{letter('cartons')}3:{letter('cartons')}{last}",
            {"type": "data_bar", "data_bar_2010": True},
        )
        ws.insert_textbox("B20", "跟单备注 text box", {"width": 200, "height": 60})
        ws.insert_image("E20", "logo.png", {"image_data": io.BytesIO(mc.PNG_1x1)})
        ws.ignore_errors(
            {"number_stored_as_text": f"{letter('tracking_no')}3:{letter('tracking_no')}{last}"}
        )
        ws.protect("", {"format_cells": True, "insert_rows": True})
        ws.data_validation(
            f"{letter('container_type')}3:{letter('container_type')}100",
            {"validate": "list", "source": ["20RF", "40RH"]},
        )
        summary = wb.add_worksheet("汇总")
        summary.add_table(
            "A1:B4",
            {
                "name": "Summary",
                "columns": [{"header": "客户"}, {"header": "金额"}],
                "data": [["FRESHMART", 1.0], ["B", 2.0], ["C", 3.0]],
            },
        )

    return _xlsx(path, extra)


def macro_ribbon(path: Path) -> Path:
    tmp = path.with_suffix(".tmp.xlsm")

    def extra(wb: Any, ws: Any) -> None:
        ws.insert_button(
            "D20", {"macro": "Hello", "caption": "检查 Check", "width": 120, "height": 30}
        )

    _xlsx(tmp, extra, vba=True)

    def change(n: str, d: bytes) -> bytes:
        if n == "_rels/.rels":
            return _sub(
                d,
                b"</Relationships>",
                b'<Relationship Id="rIdUI" Type="http://schemas.microsoft.com/office/2007/relationships/ui/'
                b'extensibility" Target="customUI/customUI14.xml"/></Relationships>',
            )
        return d

    _surgery(tmp, path, change, {"customUI/customUI14.xml": mc.CUSTOM_UI.encode()})
    tmp.unlink()
    return path


THREADED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<threadedComment ref="{ref}" dT="2026-03-01T09:00:00.00" personId="{{6A1B2C3D-0000-4000-8000-000000000001}}" '
    'id="{{0F0F0F0F-0000-4000-8000-000000000001}}"><text>请核对柜号 please check</text></threadedComment>'
    "</ThreadedComments>"
)
PERSONS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments" '
    'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<person displayName="张三" id="{6A1B2C3D-0000-4000-8000-000000000001}" userId="zhang@example.com" '
    'providerId="AD"/></personList>'
)


def threaded(path: Path) -> Path:
    """Threaded comment on a finding's cell (the container number of order 2), with its
    legacy note (author ``tc={id}``, text "[Threaded comment]..." as Excel writes it)."""
    tmp = path.with_suffix(".tmp.xlsx")
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
    ws = master(wb)
    ref = f"{letter('container_nos')}4"
    ws.write_comment(
        ref,
        "[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; "
        "however, any edits to it will get removed if the file is opened in a newer version of Excel.\n"
        "Comment:\n    请核对柜号 please check",
        {"author": "tc={0F0F0F0F-0000-4000-8000-000000000001}"},
    )
    ws.set_paper(9)
    refs(wb)
    wb.close()
    extra = {
        "xl/threadedComments/threadedComment1.xml": THREADED.format(ref=ref).encode(),
        "xl/persons/person.xml": PERSONS.encode(),
        "xl/printerSettings/printerSettings1.bin": b"\x00PRINTER" * 64,
        "docProps/thumbnail.jpeg": b"\xff\xd8\xff\xe0JFIF-thumbnail\xff\xd9",
    }

    def change(n: str, d: bytes) -> bytes:
        if n == "[Content_Types].xml":
            return _sub(
                d,
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"/>'
                b'<Default Extension="jpeg" ContentType="image/jpeg"/>'
                b'<Override PartName="/xl/threadedComments/threadedComment1.xml" ContentType="application/vnd.ms-excel.threadedcomments+xml"/>'
                b'<Override PartName="/xl/persons/person.xml" ContentType="application/vnd.ms-excel.person+xml"/></Types>',
            )
        if n == "xl/worksheets/_rels/sheet1.xml.rels":
            return _sub(
                d,
                b"</Relationships>",
                b'<Relationship Id="rIdTC" Type="http://schemas.microsoft.com/office/2017/10/relationships/threadedComment" Target="../threadedComments/threadedComment1.xml"/>'
                b'<Relationship Id="rIdPS" Type="'
                + CT_MAIN.encode()
                + b'/printerSettings" Target="../printerSettings/printerSettings1.bin"/></Relationships>',
            )
        if n == "xl/worksheets/sheet1.xml":
            return _sub(d, b'<pageSetup paperSize="9"', b'<pageSetup paperSize="9" r:id="rIdPS"')
        if n == "xl/_rels/workbook.xml.rels":
            return _sub(
                d,
                b"</Relationships>",
                b'<Relationship Id="rIdPerson" Type="http://schemas.microsoft.com/office/2017/10/relationships/person" Target="persons/person.xml"/></Relationships>',
            )
        if n == "_rels/.rels":
            return _sub(
                d,
                b"</Relationships>",
                b'<Relationship Id="rIdThumb" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail" Target="docProps/thumbnail.jpeg"/></Relationships>',
            )
        return d

    _surgery(tmp, path, change, extra)
    tmp.unlink()
    return path


def pivot(path: Path) -> Path:
    tmp = path.with_suffix(".tmp.xlsx")

    def extra(wb: Any, ws: Any) -> None:
        p = wb.add_worksheet("透视")
        p.write_string(0, 0, "客户")
        p.write_string(0, 1, "求和项:金额")
        p.write_string(1, 0, "FRESHMART")
        p.write_number(1, 1, 290400)

    _xlsx(tmp, extra)
    cache_def = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{CT_MAIN}" r:id="rId1" refreshOnLoad="1" recordCount="1">'
        f'<cacheSource type="worksheet"><worksheetSource ref="A2:{letter("amount")}14" sheet="工作序列表"/></cacheSource>'
        '<cacheFields count="1"><cacheField name="客户" numFmtId="0"><sharedItems count="1"><s v="FRESHMART"/>'
        "</sharedItems></cacheField></cacheFields></pivotCacheDefinition>"
    ).encode()
    records = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<pivotCacheRecords xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"><r><x v="0"/></r>'
        b"</pivotCacheRecords>"
    )
    table = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="透视表1" '
        'cacheId="7" dataCaption="值"><location ref="A1:B2" firstHeaderRow="1" firstDataRow="1" firstDataCol="1"/>'
        '<pivotFields count="1"><pivotField axis="axisRow" showAll="0"><items count="1"><item x="0"/></items>'
        "</pivotField></pivotFields></pivotTableDefinition>"
    ).encode()
    extra_parts = {
        "xl/pivotCache/pivotCacheDefinition1.xml": cache_def,
        "xl/pivotCache/pivotCacheRecords1.xml": records,
        "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{CT_MAIN}/pivotCacheRecords" Target="pivotCacheRecords1.xml"/></Relationships>'
        ).encode(),
        "xl/pivotTables/pivotTable1.xml": table,
        "xl/pivotTables/_rels/pivotTable1.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{CT_MAIN}/pivotCacheDefinition" Target="../pivotCache/pivotCacheDefinition1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/_rels/sheet2.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{CT_MAIN}/pivotTable" Target="../pivotTables/pivotTable1.xml"/></Relationships>'
        ).encode(),
    }

    def change(n: str, d: bytes) -> bytes:
        if n == "[Content_Types].xml":
            return _sub(
                d,
                b"</Types>",
                b'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"/>'
                b'<Override PartName="/xl/pivotCache/pivotCacheRecords1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheRecords+xml"/>'
                b'<Override PartName="/xl/pivotTables/pivotTable1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.pivotTable+xml"/></Types>',
            )
        if n == "xl/_rels/workbook.xml.rels":
            return _sub(
                d,
                b"</Relationships>",
                f'<Relationship Id="rIdPC" Type="{CT_MAIN}/pivotCacheDefinition" Target="pivotCache/pivotCacheDefinition1.xml"/></Relationships>'.encode(),
            )
        if n == "xl/workbook.xml":
            return _sub(
                d,
                b"</sheets>",
                b'</sheets><pivotCaches><pivotCache cacheId="7" r:id="rIdPC"/></pivotCaches>',
            )
        return d

    _surgery(tmp, path, change, extra_parts)
    tmp.unlink()
    return path


def wps(path: Path) -> Path:
    """WPS keeps pictures in cells in xl/cellimages.xml; the cell holds =DISPIMG(...) with a
    saved value."""
    tmp = path.with_suffix(".tmp.xlsx")

    def extra(wb: Any, ws: Any) -> None:
        ws.write_formula(
            f"{mc._col(len(KEYS) + 2)}3",
            '=_xlfn.DISPIMG("ID_5A1B2C3D4E5F",1)',
            None,
            '=DISPIMG("ID_5A1B2C3D4E5F",1)',
        )

    _xlsx(tmp, extra)
    cellimages = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<etc:cellImages xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        f'xmlns:r="{CT_MAIN}" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData"><etc:cellImage><xdr:pic><xdr:nvPicPr>'
        '<xdr:cNvPr id="2" name="ID_5A1B2C3D4E5F" descr="apple"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill>'
        '<a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:xfrm>'
        '<a:off x="0" y="0"/><a:ext cx="9525" cy="9525"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        "</xdr:spPr></xdr:pic></etc:cellImage></etc:cellImages>"
    ).encode()
    extra_parts = {
        "xl/cellimages.xml": cellimages,
        "xl/_rels/cellimages.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{CT_MAIN}/image" Target="media/image1.png"/></Relationships>'
        ).encode(),
        "xl/media/image1.png": mc.PNG_1x1,
    }

    def change(n: str, d: bytes) -> bytes:
        if n == "[Content_Types].xml":
            return _sub(
                d,
                b"</Types>",
                b'<Default Extension="png" ContentType="image/png"/>'
                b'<Override PartName="/xl/cellimages.xml" ContentType="application/vnd.wps-officedocument.cellimage+xml"/></Types>',
            )
        if n == "xl/_rels/workbook.xml.rels":
            return _sub(
                d,
                b"</Relationships>",
                b'<Relationship Id="rIdWPS" Type="http://www.wps.cn/officeDocument/2020/cellImage" Target="cellimages.xml"/></Relationships>',
            )
        return d

    _surgery(tmp, path, change, extra_parts)
    tmp.unlink()
    return path


def richvalue(path: Path) -> Path:
    """Excel 365's picture in a cell: a #VALUE! cell with ``vm="1"`` pointing into the
    metadata and rich-value parts (on a side sheet)."""
    tmp = path.with_suffix(".tmp.xlsx")

    def extra(wb: Any, ws: Any) -> None:
        p = wb.add_worksheet("图片")
        p.write_string(0, 0, "apple")
        p.write_string(0, 1, "PIC")

    _xlsx(tmp, extra)
    rd = "http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"
    extra_parts = {
        "xl/metadata.xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:xlrd="http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"><metadataTypes count="1">'
            b'<metadataType name="XLRICHVALUE" minSupportedVersion="120000"/></metadataTypes><futureMetadata name="XLRICHVALUE" count="1">'
            b'<bk><extLst><ext uri="{3e2802c4-a4d2-4d8b-9148-e3be6c30e623}"><xlrd:rvb i="0"/></ext></extLst></bk></futureMetadata>'
            b'<valueMetadata count="1"><bk><rc t="1" v="0"/></bk></valueMetadata></metadata>'
        ),
        "xl/richData/rdrichvalue.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rvData xmlns="{rd}" count="1"><rv s="0"><v>0</v><v>5</v></rv></rvData>'
        ).encode(),
        "xl/richData/richValueRel.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<richValueRels xmlns="http://schemas.microsoft.com/office/spreadsheetml/2022/richvaluerel" '
            f'xmlns:r="{CT_MAIN}"><rel r:id="rId1"/></richValueRels>'
        ).encode(),
        "xl/richData/_rels/richValueRel.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{CT_MAIN}/image" Target="../media/image1.png"/></Relationships>'
        ).encode(),
        "xl/media/image1.png": mc.PNG_1x1,
    }

    def change(n: str, d: bytes) -> bytes:
        if n == "[Content_Types].xml":
            return _sub(
                d,
                b"</Types>",
                b'<Default Extension="png" ContentType="image/png"/>'
                b'<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/>'
                b'<Override PartName="/xl/richData/rdrichvalue.xml" ContentType="application/vnd.ms-excel.rdrichvalue+xml"/>'
                b'<Override PartName="/xl/richData/richValueRel.xml" ContentType="application/vnd.ms-excel.richvaluerel+xml"/></Types>',
            )
        if n == "xl/_rels/workbook.xml.rels":
            return _sub(
                d,
                b"</Relationships>",
                f'<Relationship Id="rIdMeta" Type="{CT_MAIN}/sheetMetadata" Target="metadata.xml"/>'.encode()
                + b'<Relationship Id="rIdRV" Type="http://schemas.microsoft.com/office/2017/06/relationships/rdRichValue" Target="richData/rdrichvalue.xml"/>'
                b'<Relationship Id="rIdRVR" Type="http://schemas.microsoft.com/office/2022/10/relationships/richValueRel" Target="richData/richValueRel.xml"/></Relationships>',
            )
        if n == "xl/worksheets/sheet2.xml":
            return _sub(
                d, b'<c r="B1" t="s">', b'<c r="B1" t="e" vm="1"><v>#VALUE!</v></c><c r="C1" t="s">'
            )
        return d

    _surgery(tmp, path, change, extra_parts)
    tmp.unlink()
    return path


def marked_before(path: Path) -> Path:
    """A workbook the old openpyxl annotate wrote: marks, a 4-column ledger, 检查结果 with
    its hyperlinks as relationships, tool notes."""
    from openpyxl import load_workbook

    from gendan.read.reader import read_workbook
    from gendan.rules.engine import check_data
    from gendan.write.annotate import apply_marks_openpyxl
    from gendan.write.marks import plan_marks

    tmp = path.with_suffix(".tmp.xlsx")
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False})
    master(wb)
    refs(wb)
    wb.close()
    data = read_workbook(tmp)
    report = check_data(data, as_of=dt.date(2026, 11, 27))
    book = load_workbook(tmp)
    apply_marks_openpyxl(plan_marks(report, data, "zh", {}), book)
    book.save(path)
    tmp.unlink()
    return path


def libreoffice(path: Path) -> Path | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as td:
        src = features(Path(td) / path.name)
        out = Path(td) / "out"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{td}/profile",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        shutil.move(str(out / path.name), path)
    return path


BUILDERS: dict[str, Callable[[Path], Path | None]] = {
    "rw-features.xlsx": features,
    "rw-macro-ribbon.xlsm": macro_ribbon,
    "rw-threaded.xlsx": threaded,
    "rw-pivot.xlsx": pivot,
    "rw-wps.xlsx": wps,
    "rw-richvalue.xlsx": richvalue,
    "rw-marked-before.xlsx": marked_before,
    "rw-libreoffice.xlsx": libreoffice,
}


def build_all(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name, fn in BUILDERS.items():
        p = fn(dest / name)
        if p is not None:
            out.append(p)
    return out


if __name__ == "__main__":
    for p in build_all(Path(sys.argv[1] if len(sys.argv) > 1 else "realworld")):
        print(p)
