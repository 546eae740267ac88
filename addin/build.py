"""Build ``addin/gendan.xlam`` from its text sources: ``python -m gendan.addin.build``.

Sources (all in this folder, all text):

* ``customUI14.xml`` — the ribbon tab ([MS-CUSTOMUI2], namespace
  ``http://schemas.microsoft.com/office/2009/07/customui``);
* ``vba/*.bas`` — the ribbon callback (``GendanRibbon.bas``) and the GD_ formulas' wrappers
  (``GendanFormulas.bas``, written by xlwings' own generator: gendan.addin.formulas), put
  into ``xl/vbaProject.bin`` by ms-ovba (the same as ``python -m ms_ovba DIR``, run
  in-process with a fixed random seed so that the obfuscated project-protection fields, and
  so the file, come out the same every time).  The project has the streams and records an
  Excel-written one has (``PROJECTwm``, ``VersionCompatible32``, ``PROJECTCOMPATVERSION``;
  tests/test_vba_project.py compares them record by record with xlwings' Excel-written
  files) and references the xlwings project (``xlwings.xlam``, found beside gendan.xlam in
  Excel's start-up folder), where the wrappers' ``XLPy.CallUDF`` lives;
* the theme and styles parts of xlwings' own BSD add-in template
  (``xlwings/quickstart_addin_ribbon.xlam`` in the xlwings wheel; xlwings is BSD-3-Clause,
  copyright Zoomer Analytics LLC).

The package is written with :mod:`zipfile` directly: openpyxl refuses .xlam files and, on
saving, drops the ribbon relationship, so it must never touch the add-in.

This builds on Linux.  Whether a given Excel opens the result cannot be verified here;
docs/addin.md says so and how to check.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
CUSTOM_UI = HERE / "customUI14.xml"
VBA_DIR = HERE / "vba"
OUTPUT = HERE / "gendan.xlam"

#: Part names inside the package.
CUSTOM_UI_PART = "customUI/customUI14.xml"
VBA_PART = "xl/vbaProject.bin"
#: [MS-CUSTOMUI2]: the 2009/07 customUI part is the target of this relationship type.
CUSTOM_UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
ADDIN_CONTENT_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
#: Parts copied unchanged from the xlwings template.
TEMPLATE_PARTS = ("xl/theme/theme1.xml", "xl/styles.xml")
#: The reference to the xlwings project: its name and a path.  VBA binds a project
#: reference to the open workbook of that file name (xlwings.xlam, loaded from Excel's
#: start-up folder by ``xlwings addin install``), which is how xlwings' own quickstart.xlsm
#: works on every machine although its reference records its author's folder; otherwise it
#: tries the absolute path, then the relative one (the file name alone: xlwings.xlam beside
#: gendan.xlam, where ``xlwings addin install --file`` puts gendan.xlam).  Building through
#: Excel (``gendan addin install --build-in-excel``) records the user's real path instead.
XLWINGS_REFERENCE = ("xlwings", r"C:\Users\Public\XLSTART\xlwings.xlam")
#: Seed for ms-ovba's random project-protection bytes (CMG/DPB/GC): reproducible builds.
VBA_SEED = 6346
#: Every zip entry gets this time, so a rebuild only differs where a source did.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def template_path() -> Path:
    """xlwings' BSD ribbon add-in template, as shipped in the installed wheel."""
    import xlwings

    return Path(xlwings.__file__).resolve().parent / "quickstart_addin_ribbon.xlam"


# ----------------------------------------------------------------------------- VBA


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _copytoken_help(difference: int) -> dict[str, int]:
    """[MS-OVBA] 2.4.1.3.19.1 CopyToken Help, as the spec has it.  ms-ovba-compression
    1.0.1 computes MaximumLength as ``0xFFFF << bit_count + 3`` instead of
    ``(0xFFFF >> bit_count) + 3``: a match longer than a copy token can hold then
    overflows into the offset bits, and the stream decompresses short (a dir stream with
    a project reference lost its last 32 bytes)."""
    bit_count = max((difference - 1).bit_length(), 4)
    length_mask = 0xFFFF >> bit_count
    return {
        "lengthMask": length_mask,
        "offsetMask": ~length_mask & 0xFFFF,
        "bitCount": bit_count,
        "maxLength": length_mask + 3,
    }


@contextlib.contextmanager
def _spec_compression() -> Iterator[None]:
    from ms_ovba_compression.ms_ovba import MsOvba

    old = MsOvba.__dict__["copytoken_help"]
    MsOvba.copytoken_help = staticmethod(_copytoken_help)  # type: ignore[method-assign]
    try:
        yield
    finally:
        MsOvba.copytoken_help = old  # type: ignore[method-assign]


def compress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1 compression, as build_vba_project does it (for the tests)."""
    from ms_ovba_compression.ms_ovba import MsOvba

    with _spec_compression():
        return bytes(MsOvba().compress(data))


def vba_sources(vba_dir: Path = VBA_DIR) -> list[Path]:
    return sorted(vba_dir.glob("*.bas"))


def build_vba_project(vba_dir: Path = VBA_DIR) -> bytes:
    """vbaProject.bin from the ``.bas`` files in ``vba_dir``.

    These are the steps of ``python -m ms_ovba DIR`` (ms-ovba 0.0.1), run in a scratch
    folder: the CLI writes its scratch files beside its inputs, including the blank
    Sheet1/ThisWorkbook modules inside its own package, where they are appended to on every
    run and the document modules grow.  Copies of those blank modules avoid that, and a fixed
    seed makes the random project-protection bytes (CMG/DPB/GC) reproducible."""
    import uuid

    import ms_ovba
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_project import ReferenceProject
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.Models.Fields.libid_reference import LibidReference
    from ms_ovba.Models.Fields.project_reference import ProjectReference
    from ms_ovba.vbaProject import VbaProject
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    sources = vba_sources(vba_dir)
    for src in sources:
        if not src.read_bytes().isascii():
            raise ValueError(
                f"{src.name}: VBA source must be ASCII (the project uses the Windows code page)"
            )
    blank = Path(ms_ovba.__file__).resolve().parent / "blank_files"
    with tempfile.TemporaryDirectory(prefix="gendan-vba-") as tmp:
        work = Path(tmp)
        project = VbaProject()
        project.project_id = "{9E394C0B-697E-4AEE-9FA6-446F51FB30DC}"
        project.include_projectwm()  # every Excel-written project has PROJECTwm
        project.include_compat()  # PROJECTCOMPATVERSION, as Excel 2010 and later write
        project.attributes["VersionCompatible32"] = "393222000"
        for name, guid in (
            ("Sheet1", "0002082000000000C000000000000046"),
            ("ThisWorkbook", "0002081900000000C000000000000046"),
        ):
            shutil.copyfile(blank / f"{name}.cls", work / f"{name}.cls")
            doc = DocModule(name)
            doc.add_file(str(work / f"{name}.cls"))
            doc.add_guid(uuid.UUID(guid))
            doc.normalize_file()
            project.add_module(doc)
        for src in sources:
            shutil.copyfile(src, work / src.name)
            code = StdModule(src.stem)
            code.add_file(str(work / src.name))
            code.normalize_file()
            project.add_module(code)
        stdole = LibidReference(
            uuid.UUID("0002043000000000C000000000000046"),
            "2.0",
            "0",
            "C:\\Windows\\System32\\stdole2.tlb",
            "OLE Automation",
        )
        office = LibidReference(
            uuid.UUID("2DF8D04C5BFA101BBDE500AA0044DE52"),
            "2.0",
            "0",
            r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL",
            "Microsoft Office 16.0 Object Library",
        )
        project.add_reference(Reference(ReferenceRegistered(stdole), "stdole"))
        project.add_reference(Reference(ReferenceRegistered(office), "Office"))
        name, path = XLWINGS_REFERENCE
        project.add_reference(Reference(ReferenceProject(ProjectReference(path)), name))
        with _cwd(work), _seeded(VBA_SEED), _spec_compression():
            ProjectOleFile.write_file(project)
        return (work / "vbaProject.bin").read_bytes()


# ----------------------------------------------------------------------------- parts


def _content_types() -> str:
    overrides = [
        ("/xl/workbook.xml", ADDIN_CONTENT_TYPE),
        (
            "/xl/worksheets/sheet1.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
        ),
        ("/xl/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
        (
            "/xl/styles.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
        ),
        ("/xl/vbaProject.bin", "application/vnd.ms-office.vbaProject"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        (
            "/docProps/app.xml",
            "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        ),
    ]
    body = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    return (
        _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + body + "</Types>"
    )


def _root_rels() -> str:
    return (
        _XML + f'<Relationships xmlns="{_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
        'metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_DOC_REL}/extended-properties" Target="docProps/app.xml"/>'
        f'<Relationship Id="rId4" Type="{CUSTOM_UI_REL}" Target="{CUSTOM_UI_PART}"/>'
        "</Relationships>"
    )


def _workbook() -> str:
    return (
        _XML + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{_DOC_REL}">'
        '<workbookPr codeName="ThisWorkbook"/>'
        '<bookViews><workbookView visibility="hidden"/></bookViews>'
        '<sheets><sheet name="gendan" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


def _workbook_rels() -> str:
    return (
        _XML + f'<Relationships xmlns="{_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC_REL}/theme" Target="theme/theme1.xml"/>'
        f'<Relationship Id="rId3" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
        '<Relationship Id="rId4" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin"/>'
        "</Relationships>"
    )


_ABOUT = (
    "跟单 Gendan add-in",
    "The ribbon tab 跟单 Gendan calls Python through the xlwings add-in (xlwings addin install).",
    "The GD_ formulas work in every open workbook once gendan.xlam and xlwings.xlam are loaded.",
    "Built from addin/customUI14.xml and addin/vba/*.bas by python -m gendan.addin.build.",
)


def _sheet() -> str:
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{escape(text)}</t></is></c></row>'
        for i, text in enumerate(_ABOUT, start=1)
    )
    return (
        _XML + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetPr codeName="Sheet1"/><sheetData>' + rows + "</sheetData></worksheet>"
    )


def _core() -> str:
    return (
        _XML
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:title>跟单 Gendan</dc:title><dc:creator>gendan</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created>'
        "</cp:coreProperties>"
    )


def _app() -> str:
    return (
        _XML
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Microsoft Excel</Application></Properties>"
    )


def parts(
    template: Path | None = None, vba_dir: Path = VBA_DIR, custom_ui: Path = CUSTOM_UI
) -> dict[str, bytes]:
    """Every part of the add-in package, by name, in the order they are zipped."""
    with zipfile.ZipFile(template or template_path()) as tz:
        copied = {name: tz.read(name) for name in TEMPLATE_PARTS}
    return {
        "[Content_Types].xml": _content_types().encode(),
        "_rels/.rels": _root_rels().encode(),
        "docProps/app.xml": _app().encode(),
        "docProps/core.xml": _core().encode(),
        "xl/workbook.xml": _workbook().encode(),
        "xl/_rels/workbook.xml.rels": _workbook_rels().encode(),
        "xl/worksheets/sheet1.xml": _sheet().encode(),
        **copied,
        VBA_PART: build_vba_project(vba_dir),
        CUSTOM_UI_PART: custom_ui.read_bytes(),
    }


def write_xlam(out: Path = OUTPUT, template: Path | None = None) -> Path:
    """Build the package and write it atomically to ``out``."""
    content = parts(template)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~gendan-", suffix=".xlam", dir=out.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in content.items():
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gendan.addin.build", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--out", type=Path, default=OUTPUT, help=f"where to write (default {OUTPUT})"
    )
    args = parser.parse_args(argv)
    from gendan.addin import formulas

    print(f"wrote {formulas.write_source()}")
    path = write_xlam(args.out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
