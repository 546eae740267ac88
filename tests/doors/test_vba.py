"""The VBA in gendan.xlam meets VBA's and Excel's rules, as far as Linux can tell.

* The GD_ wrappers are what xlwings' own generator (``xlwings.udfs.generate_vba_wrapper``,
  run with pywin32 stubbed) writes for ``macros_py.udfs``; no name they declare is a VBA
  reserved word ([MS-VBAL] 3.3.5.2), and the whole module parses with the VBA grammar of
  antlr4-vba (conditional compilation resolved first, both branches).
* The vbaProject.bin has every stream and every dir-stream record kind that the
  Excel-written projects shipped inside xlwings have, in their order.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import olefile
import pytest
from oletools.olevba import decompress_stream

from gendan.addin import build, formulas
from gendan.addin_install import xlam_path

# [MS-VBAL] 3.3.5.2 Reserved Identifiers and IDENTIFIER, every production.
STATEMENT_KEYWORDS = """Call Case Close Const Declare DefBool DefByte DefCur DefDate DefDbl DefInt
DefLng DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do Else ElseIf End EndIf Enum Erase
Event Exit For Friend Function Get Global GoSub GoTo If Implements Input Let Lock Loop LSet Next
On Open Option Print Private Public Put RaiseEvent ReDim Resume Return RSet Seek Select Set
Static Stop Sub Type Unlock Wend While With Write"""
REM_KEYWORD = "Rem"
MARKER_KEYWORDS = """Any As ByRef ByVal Case Each Else In New Shared Until WithEvents Write Optional
ParamArray Preserve Spc Tab Then To"""
OPERATOR_IDENTIFIERS = "AddressOf And Eqv Imp Is Like New Mod Not Or TypeOf Xor"
RESERVED_NAMES = """Abs CBool CByte CCur CDate CDbl CDec CInt CLng CLngLng CLngPtr CSng CStr CVar
CVErr Date Debug DoEvents Fix Int Len LenB Me PSet Scale Sgn String"""
SPECIAL_FORMS = "Array Circle Input InputB LBound Scale UBound"
RESERVED_TYPE_IDENTIFIERS = (
    "Boolean Byte Currency Date Double Integer Long LongLong LongPtr Single String Variant"
)
LITERAL_IDENTIFIERS = "True False Nothing Empty Null"
RESERVED_FOR_IMPLEMENTATION_USE = """Attribute LINEINPUT VB_Base VB_Control VB_Creatable
VB_Customizable VB_Description VB_Exposed VB_Ext_KEY VB_GlobalNameSpace VB_HelpID
VB_Invoke_Func VB_Invoke_Property VB_Invoke_PropertyPut VB_Invoke_PropertyPutRef
VB_MemberFlags VB_Name VB_PredeclaredId VB_ProcData VB_TemplateDerived VB_UserMemId
VB_VarDescription VB_VarHelpID VB_VarMemberFlags VB_VarProcData VB_VarUserMemId"""
FUTURE_RESERVED = "CDecl Decimal DefDec"
RESERVED = {
    w.lower()
    for group in (
        STATEMENT_KEYWORDS,
        REM_KEYWORD,
        MARKER_KEYWORDS,
        OPERATOR_IDENTIFIERS,
        RESERVED_NAMES,
        SPECIAL_FORMS,
        RESERVED_TYPE_IDENTIFIERS,
        LITERAL_IDENTIFIERS,
        RESERVED_FOR_IMPLEMENTATION_USE,
        FUTURE_RESERVED,
    )
    for w in group.split()
}

_DECL = re.compile(r"^\s*(?:Public |Private )?(?:Function|Sub) (\w+)\(([^)]*)\)", re.M)
_LABEL = re.compile(r"^(\w+):\s*$", re.M)


@pytest.fixture(scope="module")
def generated() -> str:
    return formulas.wrappers()


def declared_names(vba: str) -> list[str]:
    """Every name the module declares: procedures, their parameters, labels."""
    names: list[str] = []
    for proc, params in _DECL.findall(vba):
        names.append(proc)
        for p in filter(None, (x.strip() for x in params.split(","))):
            words = p.replace("()", "").split()
            names.append(words[-1] if "As" not in words else words[words.index("As") - 1])
    names += _LABEL.findall(vba)
    return names


def test_committed_wrappers_are_xlwings_own_output(generated: str) -> None:
    assert formulas.SOURCE.read_text(encoding="ascii") == generated, (
        "run: python -m gendan.addin.build"
    )


def test_every_udf_has_a_wrapper_with_its_parameters(generated: str) -> None:
    from macros_py import udfs

    decls = dict(_DECL.findall(generated))
    assert set(decls) == set(udfs.__all__)
    import inspect

    for name in udfs.__all__:
        params = [p.replace("Optional ", "").strip() for p in decls[name].split(",")]
        assert params == list(inspect.signature(getattr(udfs, name)).parameters), name
    assert "ActiveWorkbook, Application.Caller" in generated  # the add-in form of the call


def test_no_declared_name_is_a_vba_reserved_word(generated: str) -> None:
    names = declared_names(generated) + declared_names(
        (build.VBA_DIR / "GendanRibbon.bas").read_text(encoding="ascii")
    )
    assert len(names) > 40
    assert [n for n in names if n.lower() in RESERVED] == []


def test_the_reserved_word_check_catches_the_old_parameter_name(generated: str) -> None:
    old = generated.replace("currency_code", "currency")
    assert [n for n in declared_names(old) if n.lower() in RESERVED] == ["currency"] * 2


# ----------------------------------------------------------------------------- parse


def _resolve_conditionals(vba: str, app: str) -> str:
    """Conditional compilation for the directives xlwings writes (#Const App = "…",
    #If App = "…" Then / #Else / #End If); directive lines become blank lines."""
    consts: dict[str, str] = {}
    stack: list[bool] = []
    out: list[str] = []
    for line in vba.splitlines():
        s = line.strip()
        if m := re.match(r'#Const (\w+) = "([^"]*)"', s):
            consts[m.group(1)] = app if m.group(1) == "App" else m.group(2)
            out.append("")
        elif m := re.match(r'#If (\w+) = "([^"]*)" Then$', s):
            stack.append(consts.get(m.group(1)) == m.group(2))
            out.append("")
        elif s == "#Else":
            stack[-1] = not stack[-1]
            out.append("")
        elif s == "#End If":
            stack.pop()
            out.append("")
        else:
            assert not s.startswith("#"), f"directive not handled: {s}"
            out.append(line if all(stack) else "")
    assert not stack
    return "\r\n".join(out) + "\r\n"


def _parse_errors(text: str) -> list[str]:
    antlr4 = pytest.importorskip("antlr4")
    vba_lexer = pytest.importorskip("antlr4_vba.vbaLexer")
    vba_parser = pytest.importorskip("antlr4_vba.vbaParser")
    from antlr4.error.ErrorListener import ErrorListener

    class Collect(ErrorListener):
        def __init__(self) -> None:
            self.errors: list[str] = []

        def syntaxError(  # the name antlr4 calls
            self, recognizer: object, symbol: object, line: int, column: int, msg: str, e: object
        ) -> None:
            self.errors.append(f"{line}:{column} {msg}")

    errors = Collect()
    lexer = vba_lexer.vbaLexer(antlr4.InputStream(text))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    parser = vba_parser.vbaParser(antlr4.CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(errors)
    parser.startRule()
    return errors.errors


@pytest.mark.parametrize("app", ["Microsoft Excel", "other host"])
def test_wrappers_parse_as_vba(generated: str, app: str) -> None:
    assert _parse_errors(_resolve_conditionals(generated, app)) == []


def test_the_parser_rejects_a_reserved_parameter_name(generated: str) -> None:
    old = generated.replace("currency_code", "currency")
    assert _parse_errors(_resolve_conditionals(old, "Microsoft Excel")) != []


def test_ribbon_module_parses_as_vba() -> None:
    text = (build.VBA_DIR / "GendanRibbon.bas").read_text(encoding="ascii")
    assert _parse_errors(text.replace("\n", "\r\n")) == []


# ----------------------------------------------------------------------------- project


def _project(xlam: Path) -> olefile.OleFileIO[str]:
    with zipfile.ZipFile(xlam) as z:
        name = next(n for n in z.namelist() if n.endswith("vbaProject.bin"))
        return olefile.OleFileIO(io.BytesIO(z.read(name)))


def dir_records(ole: olefile.OleFileIO[str]) -> list[tuple[int, bytes]]:
    """[MS-OVBA] 2.3.4.2: the dir stream's records (Id, data), in order.  Every record is
    Id(2) Size(4) Data(Size) except PROJECTVERSION (0x0009), whose Size field says 4 but
    which holds 6 bytes."""
    data = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    out, i = [], 0
    while i < len(data):
        rid, size = struct.unpack_from("<HI", data, i)
        size = 6 if rid == 0x0009 else size
        out.append((rid, data[i + 6 : i + 6 + size]))
        i += 6 + size
    assert i == len(data), "the dir stream ends inside a record"
    return out


def _excel_written() -> list[Path]:
    import xlwings

    root = Path(xlwings.__file__).resolve().parent
    return [
        root / "quickstart.xlsm",
        root / "quickstart_addin_ribbon.xlam",
        root / "addin/xlwings.xlam",
    ]


def _sections(records: list[tuple[int, bytes]]) -> tuple[list[int], list[list[int]]]:
    ids = [r for r, _ in records]
    first_module = ids.index(0x0019)
    modules, current = [], []
    for rid in ids[first_module:]:
        current.append(rid)
        if rid == 0x002B:
            modules.append(current)
            current = []
    return ids[:first_module], modules


def test_streams_match_excel_written_projects() -> None:
    """Every stream every Excel-written project has (bar the module streams, named after
    the modules) is in ours, PROJECTwm included."""
    ours = {"/".join(s) for s in _project(xlam_path()).listdir()}
    for ref in _excel_written():
        ole = _project(ref)
        modules = {"VBA/" + m.decode("latin-1") for r, m in dir_records(ole) if r == 0x001A}
        theirs = {"/".join(s) for s in ole.listdir()} - modules
        assert theirs - ours == set(), ref.name
        assert {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"} <= ours


def test_dir_records_match_excel_written_projects() -> None:
    """The project-information records in Excel's order, one REFERENCE group per
    reference (name 0x16/0x3E then 0x0D registered or 0x0E project), and each module's
    records exactly as Excel writes them (0x21 procedural, 0x22 document)."""
    ours = dir_records(_project(xlam_path()))
    head, modules = _sections(ours)
    assert ours[-1][0] == 0x0010
    info = [
        0x01,
        0x4A,
        0x02,
        0x14,
        0x03,
        0x04,
        0x05,
        0x40,
        0x06,
        0x3D,
        0x07,
        0x08,
        0x09,
        0x0C,
        0x3C,
    ]
    assert head[: len(info)] == info
    for ref in _excel_written():
        theirs = dir_records(_project(ref))
        t_head, t_modules = _sections(theirs)
        want = [x for x in info if x != 0x4A]  # PROJECTCOMPATVERSION is optional (2010+)
        assert [x for x in t_head if x in info and x != 0x4A][: len(want)] == want, ref.name
        assert {tuple(m) for m in modules} <= {tuple(m) for m in t_modules}, ref.name
        assert theirs[-1][0] == 0x0010
    # references: name + registered/project, and the xlwings project reference
    refs = head[len(info) : head.index(0x0F)]
    assert refs == [0x16, 0x3E, 0x0D, 0x16, 0x3E, 0x0D, 0x16, 0x3E, 0x0E]
    quick = dir_records(_project(_excel_written()[0]))
    q_head, _ = _sections(quick)
    assert 0x0E in q_head  # Excel wrote a project reference to xlwings the same way
    (xl_ref,) = [d for r, d in ours if r == 0x0E]
    assert b"xlwings.xlam" in xl_ref
    names = [d for r, d in ours if r == 0x0016]
    assert names[-1] == b"xlwings"


def test_project_stream_has_excels_lines() -> None:
    text = _project(xlam_path()).openstream("PROJECT").read().decode("latin-1")
    assert 'VersionCompatible32="393222000"' in text
    assert "Module=GendanFormulas" in text and "Module=GendanRibbon" in text
    wm = _project(xlam_path()).openstream("PROJECTwm").read()
    assert b"GendanFormulas\x00" + "GendanFormulas".encode("utf-16-le") in wm


def test_compression_keeps_long_runs() -> None:
    """The fix to ms-ovba-compression's copy-token length: a repeat longer than a copy
    token can hold, 1,100 bytes into a chunk (at most 34 bytes there), round-trips;
    ms-ovba-compression 1.0.1 alone loses bytes on exactly this input."""
    from ms_ovba_compression.ms_ovba import MsOvba

    data = bytes(range(256)) * 4 + bytes(range(76)) + b"\x00" * 200 + b"xyz" * 50
    assert bytes(decompress_stream(bytearray(build.compress(data)))) == data
    assert bytes(decompress_stream(bytearray(MsOvba().compress(data)))) != data
