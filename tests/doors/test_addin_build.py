"""The built add-in: the committed gendan.xlam equals a fresh build of its text sources, is
a valid package whose ribbon obeys Microsoft's documented customUI rules ([MS-CUSTOMUI2]),
and whose VBA reads back (olevba) exactly as written in addin/vba/.

Whether Excel opens it cannot be verified on Linux (docs/addin.md says so)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from gendan import addin_install
from gendan.addin import build
from macros_py import ribbon

NS = {"ui": build.CUSTOM_UI_NS}
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: xsd:NCName, the base of ST_UniqueID (xsd:ID) — ASCII subset is what we use.
XLAM = addin_install.xlam_path()
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


@pytest.fixture(scope="module")
def fresh() -> dict[str, bytes]:
    return build.parts()


@pytest.fixture(scope="module")
def committed() -> zipfile.ZipFile:
    return zipfile.ZipFile(XLAM)


def test_committed_xlam_matches_a_fresh_build(
    fresh: dict[str, bytes], committed: zipfile.ZipFile
) -> None:
    assert committed.namelist() == list(fresh), "run: python -m gendan.addin.build"
    for name, data in fresh.items():
        assert committed.read(name) == data, (
            f"{name} drifted from its source; run: python -m gendan.addin.build"
        )


def test_build_is_reproducible(fresh: dict[str, bytes]) -> None:
    assert build.parts() == fresh


def test_valid_zip_with_addin_content_type(committed: zipfile.ZipFile) -> None:
    assert committed.testzip() is None
    types = ET.fromstring(committed.read("[Content_Types].xml"))
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    rels = ET.fromstring(committed.read("xl/_rels/workbook.xml.rels"))
    assert any(r.get("Target") == "vbaProject.bin" for r in rels)


def test_custom_ui_is_wired_in_the_package_rels(committed: zipfile.ZipFile) -> None:
    rels = ET.fromstring(committed.read("_rels/.rels"))
    ui = [r for r in rels.iter(f"{REL_NS}Relationship") if r.get("Type") == build.CUSTOM_UI_REL]
    assert len(ui) == 1  # "at most one" customUI part, and it is the target of a package rel
    target = ui[0].get("Target", "").lstrip("/")
    assert target in committed.namelist()
    # [MS-CUSTOMUI2]: this relationship type goes with the 2009/07 namespace
    root = ET.fromstring(committed.read(target))
    assert root.tag == f"{{{build.CUSTOM_UI_NS}}}customUI"
    assert len({r.get("Id") for r in rels}) == len(list(rels))


def _ui() -> ET.Element:
    return ET.fromstring(build.CUSTOM_UI.read_bytes())


def test_custom_ui_structure_and_ids() -> None:
    root = _ui()
    tabs = root.findall("ui:ribbon/ui:tabs/ui:tab", NS)
    assert [t.get("label") for t in tabs] == ["跟单 Gendan"]
    ids = [i for e in root.iter() if (i := e.get("id")) is not None]
    assert len(ids) == len(set(ids)), "ST_UniqueID: ids unique within the document"
    assert all(NCNAME.match(i) and 1 <= len(i) <= 1024 for i in ids)
    for e in root.iter():
        for attr in ("label", "screentip", "supertip", "onAction"):
            if e.get(attr) is not None:
                assert 1 <= len(e.get(attr, "")) <= 1024, (
                    e.get("id"),
                    attr,
                )  # ST_String / ST_Delegate
        if e.tag.endswith("}button"):
            assert e.get("size") in (None, "normal", "large")
    for group in root.iter(f"{{{build.CUSTOM_UI_NS}}}group"):
        assert group.findall("ui:button", NS), "every group holds buttons"


#: Attributes [MS-CUSTOMUI2] allows on the elements we use (CT_Tab, CT_Group, CT_Button);
#: a misspelt one ("onaction") would be a schema error that Excel reports or ignores.
_COMMON = {
    "id",
    "idQ",
    "idMso",
    "tag",
    "label",
    "getLabel",
    "visible",
    "getVisible",
    "keytip",
    "getKeytip",
    "insertAfterMso",
    "insertBeforeMso",
    "insertAfterQ",
    "insertBeforeQ",
}
ALLOWED = {
    "tab": _COMMON,
    "group": _COMMON
    | {
        "image",
        "imageMso",
        "getImage",
        "screentip",
        "getScreentip",
        "supertip",
        "getSupertip",
        "autoScale",
        "centerVertically",
    },
    "button": _COMMON
    | {
        "onAction",
        "enabled",
        "getEnabled",
        "description",
        "getDescription",
        "image",
        "imageMso",
        "getImage",
        "screentip",
        "getScreentip",
        "supertip",
        "getSupertip",
        "size",
        "getSize",
        "showLabel",
        "getShowLabel",
        "showImage",
        "getShowImage",
    },
}


def test_custom_ui_attributes_are_the_documented_ones() -> None:
    for e in _ui().iter():
        local = e.tag.split("}")[1]
        if local in ALLOWED:
            assert set(e.attrib) <= ALLOWED[local], (local, set(e.attrib) - ALLOWED[local])
            if e.get("keytip") is not None:
                assert 1 <= len(e.get("keytip", "")) <= 3  # ST_Keytip


def test_every_button_maps_to_a_ribbon_function() -> None:
    buttons = [b.get("id", "") for b in _ui().iter(f"{{{build.CUSTOM_UI_NS}}}button")]
    assert sorted(buttons) == sorted(ribbon.BUTTONS)
    assert {
        "check",
        "documents",
        "overdue",
        "clear_marks",
        "native_rules",
        "dashboard",
        "settings",
        "show_help",
        "todo",
        "mail_drafts",
        "mail_dunning",
        "mail_statement",
    } == set(buttons)


def _vba_subs() -> dict[str, str]:
    text = "\n".join(p.read_text(encoding="ascii") for p in build.vba_sources())
    return dict(re.findall(r"^Public Sub (\w+)\(([^)]*)\)", text, re.M))


def test_every_on_action_names_a_vba_callback() -> None:
    subs = _vba_subs()
    actions = {e.get("onAction") for e in _ui().iter() if e.get("onAction")}
    assert actions == {"GendanOnAction"}  # one generic callback: new buttons need no VBA
    for a in actions:
        assert a in subs and re.fullmatch(r"\w+ As IRibbonControl", subs[a]), a


def test_vba_hands_the_button_id_to_the_python_dispatcher() -> None:
    text = (build.VBA_DIR / "GendanRibbon.bas").read_text(encoding="ascii")
    assert "import macros_py.ribbon as r; r.run('\" & buttonId & \"')" in text
    assert "GendanRun control.ID" in text


def _olevba_modules(xlam: Path) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "oletools.olevba", "-c", str(xlam)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    modules: dict[str, str] = {}
    for block in re.split(r"^-{70,}\n", out, flags=re.M):
        m = re.match(r"VBA MACRO (\S+)\.(?:bas|cls) \n.*?\n- - [- ]*\n(.*)", block, re.S)
        if m:
            modules[m.group(1)] = m.group(2)
    return modules


def test_olevba_reads_back_exactly_the_vba_source() -> None:
    modules = _olevba_modules(XLAM)
    assert set(modules) == {"Sheet1", "ThisWorkbook"} | {p.stem for p in build.vba_sources()}
    for src in build.vba_sources():
        want = "\n".join(
            line
            for line in src.read_text(encoding="ascii").splitlines()
            if not line.startswith("Attribute VB_")
        )
        got = modules[src.stem].replace("\r\n", "\n").rstrip("\n")
        assert got == want.rstrip("\n"), src.name


def test_vba_source_must_be_ascii(tmp_path: Path) -> None:
    (tmp_path / "Bad.bas").write_text('Attribute VB_Name = "Bad"\n\' 跟单\n', encoding="utf-8")
    with pytest.raises(ValueError, match="ASCII"):
        build.build_vba_project(tmp_path)


def test_build_leaves_ms_ovbas_own_files_alone() -> None:
    import ms_ovba

    blank = Path(ms_ovba.__file__).parent / "blank_files"
    before = sorted(p.name for p in blank.iterdir())
    build.build_vba_project()
    assert sorted(p.name for p in blank.iterdir()) == before


def test_template_parts_come_from_the_xlwings_wheel(fresh: dict[str, bytes]) -> None:
    with zipfile.ZipFile(build.template_path()) as t:
        for name in build.TEMPLATE_PARTS:
            assert fresh[name] == t.read(name)


def test_the_add_in_sheet_is_readable_xml(committed: zipfile.ZipFile) -> None:
    for name in committed.namelist():
        if name.endswith((".xml", ".rels")):
            ET.parse(io.BytesIO(committed.read(name)))


# ----------------------------------------------------------------------------- install


def _recording(ran: list[tuple[str, ...]], code: int = 0) -> Callable[[Sequence[str]], int]:
    """A ``run`` for addin_install.install that records each command and answers ``code``."""

    def run(c: Sequence[str]) -> int:
        ran.append(tuple(c))
        return code

    return run


def _must_not_run(c: Sequence[str]) -> int:
    raise AssertionError(f"ran {list(c)}")


def test_install_on_linux_says_so_and_does_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    ran: list[tuple[str, ...]] = []
    code = addin_install.install(
        platform="linux", run=_recording(ran), echo=said.append, home=tmp_path
    )
    assert code == 2 and ran == [] and said == [addin_install.LINUX_MESSAGE]
    assert "gendan annotate" in said[0] and not list(tmp_path.iterdir())


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_install_steps_and_conf(platform: str, tmp_path: Path) -> None:
    ran: list[tuple[str, ...]] = []
    said: list[str] = []
    conf = addin_install.conf_path(platform, tmp_path)
    conf.parent.mkdir(parents=True)
    conf.write_text('"LICENSE_KEY","keep-me"\n"UDF MODULES","old"\n', encoding="utf-8")
    code = addin_install.install(
        platform=platform,
        run=_recording(ran),
        echo=said.append,
        home=tmp_path,
        encoding="utf-8",
    )
    assert code == 0
    assert ran[0][-2:] == ("addin", "install")
    assert ran[1][-2:] == ("--file", str(XLAM))
    entries = addin_install.read_conf(conf.read_text(encoding="utf-8"))
    key = "INTERPRETER_MAC" if platform == "darwin" else "INTERPRETER_WIN"
    assert entries == {
        "LICENSE_KEY": "keep-me",
        "UDF MODULES": "macros_py.udfs",
        key: sys.executable,
    }


def test_install_stops_at_a_failed_step(tmp_path: Path) -> None:
    said: list[str] = []
    code = addin_install.install(platform="win32", run=lambda c: 1, echo=said.append, home=tmp_path)
    assert code == 2 and said[-1].startswith("failed: install the xlwings add-in")
    assert not addin_install.conf_path("win32", tmp_path).exists()


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    code = addin_install.install(
        platform="darwin", dry_run=True, run=_must_not_run, echo=said.append, home=tmp_path
    )
    assert code == 0 and all(s.startswith(("would run", "would write")) for s in said)
    assert "Containers/com.microsoft.Excel/Data/xlwings.conf" in said[-1]
    assert not list(tmp_path.iterdir())


def test_without_xlwings_install_says_what_to_install(tmp_path: Path) -> None:
    said: list[str] = []
    code = addin_install.install(
        platform="win32", run=_must_not_run, echo=said.append, home=tmp_path, have_xlwings=False
    )
    assert code == 2 and said == [addin_install.NO_XLWINGS_MESSAGE]
    assert 'pip install "gendan[excel]"' in said[0] and "xlwings" in said[0].splitlines()[0]
    assert not list(tmp_path.iterdir())


def test_conf_is_written_in_the_windows_ansi_code_page(tmp_path: Path) -> None:
    """A Chinese Windows: the profile folder and the interpreter path hold Chinese; xlwings
    wrote the existing file in cp936 and its VBA reads it in cp936."""
    home = tmp_path / "张三"
    conf = addin_install.conf_path("win32", home)
    conf.parent.mkdir(parents=True)
    conf.write_bytes('"PYTHONPATH","C:\\Users\\张三\\项目"\n"UDF MODULES","old"\n'.encode("cp936"))
    code = addin_install.install(
        platform="win32",
        run=lambda c: 0,
        echo=lambda s: None,
        home=home,
        encoding="cp936",
        pythonpath="C:\\Users\\张三\\跟单",
    )
    assert code == 0
    raw = conf.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # not UTF-8: VBA would show mojibake
    entries = addin_install.read_conf(raw.decode("cp936"))
    assert entries["PYTHONPATH"] == "C:\\Users\\张三\\跟单"
    assert entries["UDF MODULES"] == "macros_py.udfs"


def test_conf_written_as_utf8_by_an_older_gendan_is_read_and_rewritten(tmp_path: Path) -> None:
    conf = addin_install.conf_path("win32", tmp_path)
    conf.parent.mkdir(parents=True)
    conf.write_bytes('"PYTHONPATH","D:\\跟单"\n'.encode())
    addin_install._write_conf(conf, {"UDF MODULES": "macros_py.udfs"}, "cp936")
    assert addin_install.read_conf(conf.read_bytes().decode("cp936"))["PYTHONPATH"] == "D:\\跟单"


def test_a_path_the_code_page_cannot_hold_is_one_clear_error(tmp_path: Path) -> None:
    said: list[str] = []
    code = addin_install.install(
        platform="win32",
        run=lambda c: 0,
        echo=said.append,
        home=tmp_path / "Þóra",
        encoding="cp936",
        pythonpath="C:\\Users\\Þóra\\gendan",
    )
    assert code == 2 and "cp936" in said[-1] and len(said[-1].splitlines()) == 2
    assert not addin_install.conf_path("win32", tmp_path / "Þóra").exists()


def test_conf_encoding_is_the_ansi_code_page_on_windows() -> None:
    import locale

    assert addin_install.conf_encoding("win32") == locale.getencoding()
    assert addin_install.conf_encoding("darwin") == "utf-8"


# ----------------------------------------------------------------------------- build in Excel


class _Recorder:
    """A stand-in for Excel's COM objects: records every call in order; SaveAs writes the
    package Excel would (the shipped add-in without its ribbon part, which Excel's object
    model cannot add)."""

    def __init__(self, calls: list[tuple[Any, ...]], path: str = "Excel") -> None:
        self._calls = calls
        self._path = path
        self.StartupPath = r"C:\Users\张三\AppData\Roaming\Microsoft\Excel\XLSTART"

    def __getattr__(self, name: str) -> _Recorder:
        return _Recorder(self._calls, f"{self._path}.{name}")

    def __call__(self, *args: object, **kwargs: object) -> _Recorder:
        self._calls.append((self._path.removeprefix("Excel."), args, kwargs))
        if self._path.endswith(".VBComponents.Import"):
            data = Path(str(args[0])).read_bytes()
            assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
        if self._path.endswith(".SaveAs"):
            with zipfile.ZipFile(XLAM) as src, zipfile.ZipFile(str(args[0]), "w") as dst:
                for name in src.namelist():
                    if name == build.CUSTOM_UI_PART:
                        continue
                    data = src.read(name)
                    if name == "_rels/.rels":
                        root = ET.fromstring(data)
                        for rel in list(root):
                            if rel.get("Type") == build.CUSTOM_UI_REL:
                                root.remove(rel)
                        data = ET.tostring(root)
                    dst.writestr(name, data)
        return _Recorder(self._calls, self._path + "()")


def test_build_in_excel_makes_the_com_calls_and_adds_the_ribbon(tmp_path: Path) -> None:
    from gendan.addin import excel_build

    calls: list[tuple[Any, ...]] = []
    out = excel_build.build_with_excel(_Recorder(calls), tmp_path / "gendan.xlam")
    names = [c[0] for c in calls]
    assert names == [
        "Workbooks.Add",
        *["Workbooks.Add().VBProject.VBComponents.Import"] * len(build.vba_sources()),
        "Workbooks.Add().VBProject.References.AddFromFile",
        "Workbooks.Add().SaveAs",
        "Workbooks.Add().Close",
    ]
    imported = [Path(str(c[1][0])).name for c in calls if c[0].endswith("Import")]
    assert imported == [p.name for p in build.vba_sources()]
    assert calls[-3][1] == (r"C:\Users\张三\AppData\Roaming\Microsoft\Excel\XLSTART\xlwings.xlam",)
    assert calls[-2][2] == {"FileFormat": 55}
    assert calls[-1][2] == {"SaveChanges": False}
    with zipfile.ZipFile(out) as z:
        assert z.read(build.CUSTOM_UI_PART) == build.CUSTOM_UI.read_bytes()
        rels = ET.fromstring(z.read("_rels/.rels"))
        ui = [r for r in rels if r.get("Type") == build.CUSTOM_UI_REL]
        assert [r.get("Target") for r in ui] == [build.CUSTOM_UI_PART]
        assert len({r.get("Id") for r in rels}) == len(list(rels))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gendan.xlam"]


def test_install_build_in_excel_installs_the_built_file(tmp_path: Path) -> None:
    ran: list[tuple[str, ...]] = []
    built: list[Path] = []

    def builder(p: Path) -> Path:
        built.append(p)
        return p

    code = addin_install.install(
        platform="win32",
        run=_recording(ran),
        echo=lambda s: None,
        home=tmp_path,
        encoding="utf-8",
        build_in_excel=True,
        excel_builder=builder,
    )
    assert code == 0
    assert built == [tmp_path / ".gendan" / "gendan.xlam"]
    assert ran[1][-2:] == ("--file", str(built[0]))


def test_install_build_in_excel_failure_names_the_trust_setting(tmp_path: Path) -> None:
    said: list[str] = []

    def refuse(p: Path) -> Path:
        raise RuntimeError("Programmatic access to Visual Basic Project is not trusted")

    code = addin_install.install(
        platform="win32",
        run=lambda c: 0,
        echo=said.append,
        home=tmp_path,
        encoding="utf-8",
        build_in_excel=True,
        excel_builder=refuse,
    )
    assert code == 2 and "Trust access to the VBA project object model" in said[-1]
