"""Build gendan.xlam through Excel itself (Windows): the sure path.

The gendan.xlam shipped in the package is written on Linux (gendan.addin.build, ms-ovba):
its VBA project has the streams and records of an Excel-written one, but only Excel can
say that it compiles and runs.  ``gendan addin install --build-in-excel`` therefore lets
the Excel that will run the add-in write it:

1. a new workbook (``Workbooks.Add``);
2. ``VBProject.VBComponents.Import`` of each ``vba/*.bas`` (copies with CRLF line ends,
   which the VBA editor's import expects);
3. ``VBProject.References.AddFromFile`` of xlwings.xlam (in Excel's start-up folder, where
   ``xlwings addin install`` put it), for the formulas' ``XLPy.CallUDF``;
4. ``SaveAs`` as an add-in (``xlOpenXMLAddIn``, 55), ``Close``;
5. the ribbon part added to the saved package (Excel has no object model for customUI):
   ``customUI/customUI14.xml`` and its package relationship, as gendan.addin.build writes.

Step 2 needs *Trust access to the VBA project object model* (docs/addin.md).  ``excel`` is
an ``Excel.Application`` COM object (``xlwings.App(visible=False).api``), or, in the tests,
a stand-in that records the calls.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePath, PureWindowsPath
from typing import Any
from xml.etree import ElementTree as ET

from gendan.addin.build import CUSTOM_UI_PART, CUSTOM_UI_REL, vba_sources
from gendan.model.resources import ADDIN, data_file

#: XlFileFormat.xlOpenXMLAddIn
XL_OPENXML_ADDIN = 55
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def build_with_excel(excel: Any, out: Path, xlwings_xlam: PurePath | None = None) -> Path:
    """Write gendan.xlam to ``out`` through ``excel``; returns ``out``."""
    xlwings_xlam = xlwings_xlam or PureWindowsPath(str(excel.StartupPath)) / "xlwings.xlam"
    out.parent.mkdir(parents=True, exist_ok=True)
    saved = out.with_name(f".~{out.stem}-excel.xlam")
    with _crlf_copies(vba_sources()) as sources:
        wb = excel.Workbooks.Add()
        try:
            project = wb.VBProject
            for src in sources:
                project.VBComponents.Import(str(src))
            project.References.AddFromFile(str(xlwings_xlam))
            wb.SaveAs(str(saved), FileFormat=XL_OPENXML_ADDIN)
        finally:
            wb.Close(SaveChanges=False)
    try:
        add_ribbon(saved, data_file(ADDIN, "customUI14.xml").read_bytes())
        os.replace(saved, out)
    finally:
        saved.unlink(missing_ok=True)
    return out


@contextlib.contextmanager
def _crlf_copies(sources: list[Path]) -> Iterator[list[Path]]:
    with tempfile.TemporaryDirectory(prefix="gendan-vba-") as tmp:
        copies = []
        for src in sources:
            dst = Path(tmp) / src.name
            text = src.read_text(encoding="ascii").replace("\r\n", "\n")
            dst.write_bytes(text.replace("\n", "\r\n").encode("ascii"))
            copies.append(dst)
        yield copies


def add_ribbon(xlam: Path, custom_ui: bytes) -> None:
    """Add (or replace) the customUI part and its package relationship in ``xlam``."""
    with zipfile.ZipFile(xlam) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    ET.register_namespace("", _REL_NS)
    rels = ET.fromstring(parts["_rels/.rels"])
    for rel in list(rels):
        if rel.get("Type") == CUSTOM_UI_REL:
            rels.remove(rel)
    ids = {rel.get("Id") for rel in rels}
    new_id = next(f"rIdGendanUI{n}" for n in range(1, 1000) if f"rIdGendanUI{n}" not in ids)
    ET.SubElement(
        rels, f"{{{_REL_NS}}}Relationship", Id=new_id, Type=CUSTOM_UI_REL, Target=CUSTOM_UI_PART
    )
    parts["_rels/.rels"] = ET.tostring(rels, xml_declaration=True, encoding="UTF-8")
    ET.register_namespace("", _CT_NS)
    types = ET.fromstring(parts["[Content_Types].xml"])
    has_xml = any(
        t.tag == f"{{{_CT_NS}}}Default" and (t.get("Extension") or "").lower() == "xml"
        for t in types
    )
    if not has_xml:
        ET.SubElement(
            types,
            f"{{{_CT_NS}}}Override",
            PartName="/" + CUSTOM_UI_PART,
            ContentType="application/xml",
        )
        parts["[Content_Types].xml"] = ET.tostring(types, xml_declaration=True, encoding="UTF-8")
    parts[CUSTOM_UI_PART] = custom_ui
    tmp = xlam.with_name(xlam.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    os.replace(tmp, xlam)


def build_in_running_excel(out: Path) -> Path:
    """``build_with_excel`` in a hidden Excel started through xlwings (Windows only)."""
    import xlwings as xw

    with xw.App(visible=False, add_book=False) as app:
        app.display_alerts = False
        return build_with_excel(app.api, out)
