"""The input gate: look at a file's bytes before any parser touches it.

Why a gate: the readers we rely on (python-calamine, openpyxl) trust their input.  A 1 KB
.xlsx with one value in A1 and one in XFD1048576 makes calamine allocate 512 GB and abort
the whole process with a Rust backtrace; a zip whose parts inflate a thousandfold exhausts
memory; a CSV renamed to .xlsx yields "Cannot detect file format".  None of those may reach
the user as a crash.  So every command first calls :func:`open_checked`, which

* classifies the file by its bytes, never its extension (empty, CSV/HTML/SpreadsheetML 2003
  renamed, PDF, zip, OLE container, raw BIFF);
* inside an OLE container tells a password-protected OOXML workbook (``EncryptionInfo`` +
  ``EncryptedPackage`` streams) from a legacy .xls (``Workbook``/``Book`` stream), and a
  password-protected .xls (``FILEPASS`` record) from a readable one;
* inside a zip tells .xlsx/.xlsm/.xlsb/.ods from Word/PowerPoint/other zips;
* checks decompression-bomb limits from ``schemas/limits.yaml``: entry count, declared sizes
  and ratios from the central directory *before* inflating, then the actual sizes while
  inflating each part with a bounded zlib stream (a part that inflates past its declared size
  is refused - the declared size lied);
* refuses any XML part whose prolog has a DOCTYPE or ENTITY declaration (Excel never writes
  one; they are how XXE and billion-laughs attacks start), after decoding the prolog in the
  part's own declared encoding so UTF-16/UTF-7 cannot hide it;
* scans every worksheet for the extent of its value cells (the dense rectangle calamine will
  allocate) and refuses workbooks beyond ``max_cells``;
* notes what a reader cannot see: formulas without cached values (calamine reads them as
  blank - the workbook must be recalculated and saved in Excel), error values, the 1904 date
  system, macros.

Refusals raise :class:`GateRefusal` (a :class:`gendan.model.errors.UnreadableWorkbook`) with one
sentence in Chinese and one in English and a stable ``reason`` code; nothing else escapes.

Exception tree (from :mod:`gendan.model.errors`)::

    GendanError
     └── InputError
          └── UnreadableWorkbook
               └── GateRefusal        (reason: "empty", "encrypted", "zip-bomb", ...)
     └── SchemaError                  (limits.yaml malformed)
"""

from __future__ import annotations

import codecs
import functools
import operator
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal, Protocol

from gendan.model.errors import SchemaError, UnreadableWorkbook

__all__ = [
    "Format",
    "GateRefusal",
    "GateResult",
    "Limits",
    "NOTE_MESSAGES",
    "SheetScan",
    "load_limits",
    "open_checked",
]

Format = Literal["xlsx", "xlsm", "xls", "xlsb", "ods"]

MiB = 1024 * 1024


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True)
class Limits:
    """Resource limits for untrusted workbooks (``schemas/limits.yaml``, key ``limits:``).

    The defaults equal the shipped YAML (schemas/limits.yaml says why): they admit a
    300,000-order master of 43 columns and little beyond it (calamine needs roughly 40
    bytes per cell of a sheet's dense extent, measured, plus Python's objects).
    """

    max_file_bytes: int = 200 * MiB
    max_entries: int = 10_000
    max_entry_bytes: int = 1024 * MiB
    max_total_bytes: int = 1536 * MiB
    max_ratio: float = 200.0
    ratio_grace_bytes: int = 1 * MiB
    max_cells: int = 20_000_000
    max_sheet_cells: int = 16_000_000
    max_prolog_bytes: int = 64 * 1024
    max_workbook_xml_bytes: int = 32 * MiB
    #: every ``<c>`` element (values or formatting only) an openpyxl rewrite would build:
    #: the annotate fallback (gendan.write.apply_openpyxl) refuses beyond it (about 450 bytes each)
    max_write_cells: int = 2_000_000

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Limits:
        """Build from a YAML mapping; unknown keys and non-positive numbers are schema errors."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in known:
                raise SchemaError(
                    f"limits.yaml: unknown limit '{key}'.",
                    f"limits.yaml：未知的限制项“{key}”。",
                )
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0:
                raise SchemaError(
                    f"limits.yaml: '{key}' must be a positive number, not {raw!r}.",
                    f"limits.yaml：“{key}”必须是正数，而不是 {raw!r}。",
                )
            values[key] = float(raw) if key == "max_ratio" else int(raw)
        return cls(**values)


def _default_limits_path() -> Path | None:
    """The bundled limits.yaml (package data gendan.schemas; schemas/ in a checkout)."""
    from gendan.model.resources import SCHEMAS, data_file

    return data_file(SCHEMAS, "limits.yaml")


def load_limits(path: str | os.PathLike[str] | None = None) -> Limits:
    """Load limits from YAML as data only (gendan.model.yamldata); defaults when no file exists."""
    import yaml

    from gendan.model import yamldata

    p = Path(path) if path is not None else _default_limits_path()
    if p is None:
        return Limits()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(
            f"Cannot read the limits file {p}: {exc.strerror or exc}.",
            f"无法读取限制文件 {p}：{exc.strerror or exc}。",
        ) from None
    try:
        doc = yamldata.load(text)
    except yaml.YAMLError as exc:
        raise SchemaError(
            f"The limits file {p} is not valid YAML ({type(exc).__name__}).",
            f"限制文件 {p} 不是有效的 YAML（{type(exc).__name__}）。",
        ) from None
    if doc is None:
        return Limits()
    if not isinstance(doc, dict) or not isinstance(doc.get("limits", {}), dict):
        raise SchemaError(
            f"The limits file {p} must hold a mapping under 'limits:'.",
            f"限制文件 {p} 必须在“limits:”下给出键值对。",
        )
    return Limits.from_mapping(doc.get("limits") or {})


# --------------------------------------------------------------------------- results


class GateRefusal(UnreadableWorkbook):
    """The gate refused the file; ``reason`` is a stable code (tests and docs use it)."""

    def __init__(self, reason: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en, message_zh)
        self.reason = reason


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


# --------------------------------------------------------------------------- entry point


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def open_checked(
    path: str | os.PathLike[str], limits: Limits | None = None, tap: SheetTap | None = None
) -> GateResult:
    """Classify and bound ``path`` by its bytes; return what a reader needs or raise GateRefusal.

    Reads the file only (never writes, never changes its times beyond the OS's atime).
    ``tap`` (gendan.read.split_read) is shown each worksheet's bytes as soon as they are proven,
    so that parsing can start while the gate goes on.
    """
    lim = limits if limits is not None else load_limits()
    p = Path(path)
    name = p.name
    try:
        st = p.stat()
    except FileNotFoundError:
        raise _refuse("not-found", name) from None
    except OSError as exc:
        raise _refuse("os-error", name, detail=exc.strerror or str(exc)) from None
    if p.is_dir():
        raise _refuse("directory", name)
    size = st.st_size
    if size == 0:
        raise _refuse("empty", name)
    if size > lim.max_file_bytes:
        raise _refuse(
            "too-large", name, detail=f"{size / MiB:.0f}", limit=f"{lim.max_file_bytes / MiB:.0f}"
        )
    container = ""
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
            if head.startswith(OLE_MAGIC):
                container = "corrupt-ole"
                return _gate_ole(fh, p, size, lim)
            if head.startswith(ZIP_MAGICS):
                container = "corrupt-zip"
                return _gate_zip(fh, p, size, lim, tap)
    except OSError as exc:
        raise _refuse("os-error", name, detail=exc.strerror or str(exc)) from None
    except _DAMAGE:
        # a structure the specific checks did not anticipate (found by fuzzing: zipfile's
        # NotImplementedError for an unknown "version needed") is damage, not a crash
        raise _refuse(container or "unknown", name) from None
    raise _refuse(_sniff_non_container(head, size), name)


#: exceptions that mean "these bytes are not a well-formed container" while parsing
_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    ValueError,  # includes UnicodeDecodeError
    IndexError,
    KeyError,
    EOFError,
    OverflowError,
    struct.error,
    zlib.error,
)


# --------------------------------------------------------------------------- messages


def _refuse(reason: str, name: str, **kw: str) -> GateRefusal:
    """One sentence zh + en per reason; ``name`` is the file's base name."""
    d = kw.get("detail", "")
    lim = kw.get("limit", "")
    part = kw.get("part", "")
    save_as_en = "open it in Excel and save it as an .xlsx workbook"
    save_as_zh = "请在 Excel 中打开并另存为 .xlsx 工作簿"
    damaged_en = "open it in Excel to repair it, or use a backup copy"
    damaged_zh = "请用 Excel 打开修复，或改用备份"
    table: dict[str, tuple[str, str]] = {
        "not-found": (f"找不到文件 {name}。", f"File not found: {name}."),
        "directory": (f"{name} 是一个文件夹，不是工作簿。", f"{name} is a folder, not a workbook."),
        "os-error": (f"无法读取 {name}：{d}。", f"Cannot read {name}: {d}."),
        "empty": (
            f"{name} 是空文件（0 字节），不是工作簿。",
            f"{name} is empty (0 bytes), not a workbook.",
        ),
        "too-large": (
            f"{name} 有 {d} MB，超过了 {lim} MB 的上限（见 schemas/limits.yaml）。",
            f"{name} is {d} MB, more than the limit of {lim} MB (see schemas/limits.yaml).",
        ),
        "csv": (
            f"{name} 实际上是 CSV 文本文件，只是扩展名像工作簿；{save_as_zh}。",
            f"{name} is really a CSV text file with a workbook extension; {save_as_en}.",
        ),
        "text": (
            f"{name} 是纯文本文件，不是工作簿；{save_as_zh}。",
            f"{name} is a plain text file, not a workbook; {save_as_en}.",
        ),
        "html": (
            f"{name} 实际上是网页（HTML，常见于网站的“导出到 Excel”）；{save_as_zh}。",
            f"{name} is really a web page (HTML, as some sites' 'export to Excel' make); {save_as_en}.",
        ),
        "xml2003": (
            f"{name} 是 Excel 2003 XML 表格；{save_as_zh}。",
            f"{name} is an Excel 2003 XML spreadsheet; {save_as_en}.",
        ),
        "xml": (
            f"{name} 是 XML 文件，不是工作簿；{save_as_zh}。",
            f"{name} is an XML file, not a workbook; {save_as_en}.",
        ),
        "pdf": (f"{name} 是 PDF 文件，不是工作簿。", f"{name} is a PDF file, not a workbook."),
        "raw-biff": (
            f"{name} 是 Excel 5.0 之前的旧格式，无法读取；{save_as_zh}。",
            f"{name} is in a pre-Excel 5.0 format that cannot be read; {save_as_en}.",
        ),
        "unknown": (
            f"{name} 不是可识别的工作簿（.xlsx/.xlsm/.xls/.xlsb/.ods）。",
            f"{name} is not a recognisable workbook (.xlsx/.xlsm/.xls/.xlsb/.ods).",
        ),
        "corrupt-zip": (
            f"{name} 已损坏（压缩包被截断或结构错误）；{damaged_zh}。",
            f"{name} is damaged (its zip package is truncated or corrupt); {damaged_en}.",
        ),
        "corrupt-part": (
            f"{name} 已损坏（部件 {part} 无法解压）；{damaged_zh}。",
            f"{name} is damaged (part {part} cannot be inflated); {damaged_en}.",
        ),
        "missing-part": (
            f"{name} 已损坏（缺少工作簿部件 {part}）；{damaged_zh}。",
            f"{name} is damaged (the workbook part {part} is missing); {damaged_en}.",
        ),
        "duplicate-part": (
            f"{name} 已损坏（部件 {part} 出现了两次）；{damaged_zh}。",
            f"{name} is damaged (part {part} appears twice); {damaged_en}.",
        ),
        "zip-not-workbook": (
            f"{name} 是一个压缩包，但不是 Excel 工作簿。",
            f"{name} is a zip archive but not an Excel workbook.",
        ),
        "word": (
            f"{name} 是 Word 文档，不是 Excel 工作簿。",
            f"{name} is a Word document, not an Excel workbook.",
        ),
        "powerpoint": (
            f"{name} 是 PowerPoint 演示文稿，不是 Excel 工作簿。",
            f"{name} is a PowerPoint presentation, not an Excel workbook.",
        ),
        "odf-not-spreadsheet": (
            f"{name} 是 OpenDocument 文档，但不是表格。",
            f"{name} is an OpenDocument file but not a spreadsheet.",
        ),
        "encrypted": (
            f"{name} 设有打开密码；请在 Excel 中打开，删除密码（文件 > 信息 > 保护工作簿 > 用密码进行加密）后保存，再检查。",
            f"{name} is password-protected; open it in Excel, remove the password "
            f"(File > Info > Protect Workbook > Encrypt with Password), save it and check again.",
        ),
        "encrypted-zip": (
            f"{name} 的压缩包部件被加密，Excel 不会这样保存；{damaged_zh}。",
            f"{name} has encrypted zip entries, which Excel never writes; {damaged_en}.",
        ),
        "unsupported-compression": (
            f"{name} 的部件 {part} 使用了 Excel 不用的压缩方式；{save_as_zh}。",
            f"{name} compresses part {part} with a method Excel does not use; {save_as_en}.",
        ),
        "ole-not-workbook": (
            f"{name} 是 Office 旧格式文件，但不是 Excel 工作簿。",
            f"{name} is an old-format Office file but not an Excel workbook.",
        ),
        "corrupt-ole": (
            f"{name} 已损坏（旧版 Office 容器结构错误）；{damaged_zh}。",
            f"{name} is damaged (its legacy Office container is corrupt); {damaged_en}.",
        ),
        "corrupt-xls": (
            f"{name} 已损坏（.xls 内部的记录互相矛盾或越界）；{damaged_zh}。",
            f"{name} is damaged (records inside the .xls are inconsistent or out of bounds); {damaged_en}.",
        ),
        "too-many-entries": (
            f"{name} 含有 {d} 个部件，超过了 {lim} 的上限（见 schemas/limits.yaml）。",
            f"{name} holds {d} parts, more than the limit of {lim} (see schemas/limits.yaml).",
        ),
        "entry-too-large": (
            f"{name} 的部件 {part} 解压后有 {d} MB，超过了 {lim} MB 的上限（疑似压缩炸弹）。",
            f"{name}: part {part} inflates to {d} MB, more than the limit of {lim} MB (a suspected zip bomb).",
        ),
        "total-too-large": (
            f"{name} 解压后共有 {d} MB，超过了 {lim} MB 的上限（疑似压缩炸弹）。",
            f"{name} inflates to {d} MB in all, more than the limit of {lim} MB (a suspected zip bomb).",
        ),
        "ratio": (
            f"{name} 的部件 {part} 压缩比为 {d}:1，超过了 {lim}:1 的上限（疑似压缩炸弹）。",
            f"{name}: part {part} has a compression ratio of {d}:1, above the limit of {lim}:1 (a suspected zip bomb).",
        ),
        "size-mismatch": (
            f"{name} 的部件 {part} 解压后比声明的大小更大，文件已被篡改或损坏，未予打开。",
            f"{name}: part {part} inflates to more than its declared size, so the file is tampered "
            f"with or corrupt and was not opened.",
        ),
        "doctype": (
            f"{name} 的部件 {part} 含有 DOCTYPE/ENTITY 声明（Excel 从不写入，可被用来读取本机文件），未予打开。",
            f"{name}: part {part} contains a DOCTYPE/ENTITY declaration, which Excel never writes and which "
            f"can be used to read local files, so the file was not opened.",
        ),
        "xml-encoding": (
            f"{name} 的部件 {part} 使用了字符编码 {d}（Excel 只用 UTF-8），无法读取；"
            f"请在 Excel 或 LibreOffice 中打开并另存为 .xlsx。",
            f"{name}: part {part} is in the character encoding {d} (Excel only writes UTF-8) and "
            f"cannot be read; open it in Excel or LibreOffice and save it as .xlsx again.",
        ),
        "xml-prolog": (
            f"{name} 的部件 {part} 开头不是正常的 XML，文件已损坏或被篡改，未予打开。",
            f"{name}: part {part} does not start like normal XML, so the file is corrupt or tampered with "
            f"and was not opened.",
        ),
        "too-many-cells": (
            f"{name} 的工作表 {part} 的数据区域有 {d} 个单元格，超过了 {lim} 的上限；"
            f"请删除远离数据的零散单元格（Ctrl+End 可找到最后一个）后保存。",
            f"{name}: sheet {part} spans {d} cells, more than the limit of {lim}; delete stray cells far "
            f"from the data (Ctrl+End finds the last one) and save it again.",
        ),
    }
    zh, en = table[reason]
    return GateRefusal(reason, en, zh)


# --------------------------------------------------------------------------- non-containers


def _decode_text_head(head: bytes) -> str | None:
    """Decode the first bytes as text if they plausibly are text; None for binary."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, errors="replace")
    if b"\x00" in head:
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            return head.decode(enc)
        except UnicodeDecodeError as exc:
            # the 4 KB cut may split a multi-byte character at the very end
            if exc.start >= len(head) - 4:
                return head[: exc.start].decode(enc, errors="replace")
    return None


def _sniff_non_container(head: bytes, size: int) -> str:
    """Name what a file that is neither zip nor OLE really is (the refusal reason)."""
    if head.startswith(b"%PDF"):
        return "pdf"
    # raw BIFF2-BIFF4 .xls (no OLE container): a BOF record type 0x0009/0x0209/0x0409/0x0809
    if (
        len(head) >= 4
        and head[1] in (0x00, 0x02, 0x04, 0x08)
        and head[0] == 0x09
        and head[2] in range(4, 21)
    ):
        return "raw-biff"
    text = _decode_text_head(head)
    if text is None:
        return "unknown"
    low = text.lstrip().lower()
    if low.startswith("<?xml") or low.startswith("<"):
        if (
            "urn:schemas-microsoft-com:office:spreadsheet" in low
            or '<?mso-application progid="excel.sheet"?>' in low
        ):
            return "xml2003"
        if (
            "<html" in low
            or "<!doctype html" in low
            or "<table" in low
            or "<meta" in low
            or "<head" in low
        ):
            return "html"
        return "xml"
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    if lines and any(sep in lines[0] for sep in (",", ";", "\t", "|")):
        return "csv"
    return "text"


# --------------------------------------------------------------------------- zip containers

_CT_FORMATS: dict[str, Format] = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.addin.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-excel.sheet.binary.macroenabled.main": "xlsb",
}
_CT_OTHER = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml": "word",
    "application/vnd.ms-word": "word",
    "application/vnd.openxmlformats-officedocument.presentationml": "powerpoint",
    "application/vnd.ms-powerpoint": "powerpoint",
}
_XMLISH = (".xml", ".rels", ".vml")


class SheetTap(Protocol):
    """What the gate tells a parallel reader (implemented by gendan.read.split_read.SplitReader)."""

    def start(
        self,
        sheet_parts: Mapping[str, str],
        related: Mapping[str, str],
        sizes: Mapping[str, int],
        lim: Limits,
    ) -> set[str]: ...

    def part(self, part: str, data: bytes) -> None: ...

    def sheet_chunk(self, part: str, chunk: bytes, proven: int, cells: int, slow: bool) -> None: ...

    def sheet_end(self, part: str, scan: SheetScan) -> None: ...


def _gate_zip(
    fh: BinaryIO, p: Path, size: int, lim: Limits, tap: SheetTap | None = None
) -> GateResult:
    name = p.name
    try:
        zf = zipfile.ZipFile(fh)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error):
        raise _refuse("corrupt-zip", name) from None
    with zf:
        # 1. central-directory checks: nothing inflated yet
        if len(infos) > lim.max_entries:
            raise _refuse(
                "too-many-entries", name, detail=str(len(infos)), limit=str(lim.max_entries)
            )
        seen: set[str] = set()
        total = 0
        for info in infos:
            if info.filename in seen:
                raise _refuse("duplicate-part", name, part=info.filename)
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise _refuse("encrypted-zip", name)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _refuse("unsupported-compression", name, part=info.filename)
            _check_entry_size(name, info.filename, info.file_size, info.compress_size, lim)
            total += info.file_size
            if total > lim.max_total_bytes:
                raise _refuse(
                    "total-too-large",
                    name,
                    detail=f"{total / MiB:.0f}",
                    limit=f"{lim.max_total_bytes / MiB:.0f}",
                )
        info_by = {i.filename: i for i in infos}
        # 2. what kind of package is this?
        if "mimetype" in info_by:
            mime = (
                _read_small(zf, info_by["mimetype"], name, lim, cap=512)
                .decode("ascii", "replace")
                .strip()
            )
            if mime.startswith("application/vnd.oasis.opendocument.spreadsheet"):
                fmt: Format = "ods"
            elif mime.startswith("application/vnd.oasis.opendocument"):
                raise _refuse("odf-not-spreadsheet", name)
            else:
                raise _refuse("zip-not-workbook", name)
        elif "[Content_Types].xml" in info_by:
            fmt = _ooxml_format(zf, info_by, name, lim)
        elif "xl/workbook.xml" in info_by:
            fmt = "xlsx"  # no content types: corrupt-ish but calamine can still read it
        else:
            raise _refuse("zip-not-workbook", name)

        # 3. inflate every part once with our own bounded inflater: actual sizes, prologs, cells
        state = _ZipScan(fmt=fmt)
        total_actual = 0
        wb_rels = None if fmt == "ods" else _workbook_rels(zf, info_by, fmt, name, lim)
        sheet_parts = _sheet_parts(zf, info_by, fmt, name, lim, wb_rels)
        follow: set[str] = set()
        if tap is not None and wb_rels is not None and fmt in ("xlsx", "xlsm"):
            follow = tap.start(
                sheet_parts,
                _related_parts(wb_rels),
                {i.filename: i.file_size for i in infos},
                lim,
            )
        # worksheets last, so that a tap has the styles and strings before the first cell
        for info in sorted(infos, key=lambda i: i.filename in sheet_parts):
            if info.is_dir():
                continue
            fname = info.filename
            lower = fname.lower()
            xmlish = lower.endswith(_XMLISH)
            sheet_name = sheet_parts.get(fname)
            produced = 0
            scanner: _CellScanner | None = None
            if sheet_name is not None and fmt != "xlsb":
                scanner = _OdsScanner(fname) if fmt == "ods" else _XlsxScanner(sheet_name, fname)
            tapped = scanner if fname in follow and isinstance(scanner, _XlsxScanner) else None
            whole = bytearray() if fname in follow and scanner is None else None
            prolog = bytearray()
            prolog_done = not xmlish
            binbuf = bytearray() if (fmt == "xlsb" and (lower.endswith(".bin"))) else None
            for chunk in _inflate(fh, info, name, lim, _INFLATE_CHUNK):
                produced += len(chunk)
                if not prolog_done:
                    prolog += chunk
                    if _prolog_verdict(bytes(prolog), name, fname, lim, final=False):
                        prolog_done = True
                if scanner is not None:
                    scanner.feed(chunk)
                if tapped is not None and tap is not None:
                    tap.sheet_chunk(
                        fname,
                        chunk,
                        produced - len(tapped.buf),
                        tapped.proven_cells(),
                        tapped.slow or tapped.trimmed,
                    )
                if whole is not None:
                    whole += chunk
                if binbuf is not None:
                    binbuf += chunk
            if not prolog_done:
                _prolog_verdict(bytes(prolog), name, fname, lim, final=True)
            total_actual += produced
            if total_actual > lim.max_total_bytes:
                raise _refuse(
                    "total-too-large",
                    name,
                    detail=f"{total_actual / MiB:.0f}",
                    limit=f"{lim.max_total_bytes / MiB:.0f}",
                )
            if scanner is not None:
                scans = scanner.finish()
                state.scans.extend(scans)
                if tapped is not None and tap is not None:
                    tap.sheet_end(fname, scans[0])
            if whole is not None and tap is not None:
                tap.part(fname, bytes(whole))
            if binbuf is not None:
                state.binaries[fname] = bytes(binbuf)
            if lower == "xl/vbaproject.bin" or lower.endswith("/vbaproject.bin"):
                state.has_macros = True
            if lower.startswith("xl/externallinks/"):
                state.external_links = True
            if lower == "xl/workbook.xml":
                state.date1904 = _xlsx_date1904(zf, info, name, lim)
        if fmt == "xlsb":
            state.scans.extend(_xlsb_scan(state, sheet_parts, name))
        return _finish(p, fmt, size, state, lim)


#: inflate step: large enough that per-step Python work (the scanner's block bookkeeping,
#: one claim search) is negligible, small enough to stay in cache and to stop a bomb early
_INFLATE_CHUNK = 1 << 21


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
            raise _refuse(
                "too-many-cells",
                p.name,
                part=s.name,
                detail=f"{s.dense_cells:,}",
                limit=f"{lim.max_sheet_cells:,}",
            )
        total_cells += s.dense_cells
        if total_cells > lim.max_cells:
            raise _refuse(
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


def _check_entry_size(name: str, part: str, usize: int, csize: int, lim: Limits) -> None:
    if usize > lim.max_entry_bytes:
        raise _refuse(
            "entry-too-large",
            name,
            part=part,
            detail=f"{usize / MiB:.0f}",
            limit=f"{lim.max_entry_bytes / MiB:.0f}",
        )
    if usize > lim.ratio_grace_bytes:
        ratio = usize / max(csize, 1)
        if ratio > lim.max_ratio:
            raise _refuse(
                "ratio", name, part=part, detail=f"{ratio:.0f}", limit=f"{lim.max_ratio:.0f}"
            )


def _inflate(
    fh: BinaryIO, info: zipfile.ZipInfo, name: str, lim: Limits, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """Yield the part's bytes, refusing as soon as output passes the declared size or a limit.

    Reads the raw compressed bytes itself (zipfile silently truncates output at the declared
    size, so it cannot tell us that the declaration lied; other readers may not truncate).
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise _refuse("corrupt-zip", name)
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    declared = info.file_size
    produced = 0
    crc = 0
    d = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while remaining > 0:
        raw = fh.read(min(chunk, remaining))
        if not raw:
            raise _refuse("corrupt-zip", name)
        remaining -= len(raw)
        if d is None:
            pieces = [raw]
        else:
            pieces = []
            data = raw
            while data:
                try:
                    # bound each step: never more than one chunk past what we may accept
                    out = d.decompress(data, chunk)
                except zlib.error:
                    raise _refuse("corrupt-part", name, part=info.filename) from None
                pieces.append(out)
                data = d.unconsumed_tail
                if produced + sum(map(len, pieces)) > declared:
                    raise _refuse("size-mismatch", name, part=info.filename)
                if d.eof:
                    break
        for out in pieces:
            if not out:
                continue
            produced += len(out)
            if produced > declared:
                raise _refuse("size-mismatch", name, part=info.filename)
            _check_entry_size(name, info.filename, produced, info.compress_size, lim)
            crc = zlib.crc32(out, crc)
            yield out
        if d is not None and d.eof:
            break
    if d is not None and not d.eof:
        raise _refuse("corrupt-part", name, part=info.filename)
    if produced != declared or crc != info.CRC:
        raise _refuse("corrupt-part", name, part=info.filename)


def _read_small(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim: Limits, cap: int
) -> bytes:
    """Read a part that must be small (content types, rels, workbook.xml), bounded by ``cap``."""
    if info.file_size > cap:
        raise _refuse(
            "entry-too-large",
            name,
            part=info.filename,
            detail=f"{info.file_size / MiB:.1f}",
            limit=f"{cap / MiB:.1f}",
        )
    try:
        with zf.open(info) as f:
            data = f.read(cap + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        raise _refuse("corrupt-part", name, part=info.filename) from None
    if len(data) > cap:
        raise _refuse("size-mismatch", name, part=info.filename)
    return data


def _parse_small_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim: Limits) -> Any:
    """Parse a small XML part with defusedxml (entities forbidden), after the prolog check."""
    from defusedxml import ElementTree as DET
    from defusedxml.common import DefusedXmlException

    data = _read_small(zf, info, name, lim, cap=lim.max_workbook_xml_bytes)
    _prolog_verdict(data, name, info.filename, lim, final=True)
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _refuse("doctype", name, part=info.filename) from None
    except Exception:  # noqa: BLE001 - any parse failure of untrusted XML is "damaged"
        raise _refuse("corrupt-part", name, part=info.filename) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ooxml_format(
    zf: zipfile.ZipFile, info_by: dict[str, zipfile.ZipInfo], name: str, lim: Limits
) -> Format:
    root = _parse_small_xml(zf, info_by["[Content_Types].xml"], name, lim)
    found: Format | None = None
    other: str | None = None
    for el in root:
        ct = (el.get("ContentType") or "").strip().lower()
        if ct in _CT_FORMATS:
            found = _CT_FORMATS[ct]
            break
        for prefix, kind in _CT_OTHER.items():
            if ct.startswith(prefix):
                other = kind
    if found is None:
        if "xl/workbook.xml" in info_by:
            return "xlsm" if "xl/vbaProject.bin" in info_by else "xlsx"
        if "xl/workbook.bin" in info_by:
            return "xlsb"
        raise _refuse(other or "zip-not-workbook", name)
    return found


#: a workbook part and its internal relationships: (id, type, resolved part name)
_WorkbookRels = tuple[str, list[tuple[str, str, str]]]


def _workbook_rels(
    zf: zipfile.ZipFile, info_by: dict[str, zipfile.ZipInfo], fmt: Format, name: str, lim: Limits
) -> _WorkbookRels:
    """The workbook part (.xlsx/.xlsm/.xlsb) and its relationships, read once for the sheet
    parts and for a tap's styles and shared strings."""
    wb_part = _office_document_part(zf, info_by, name, lim, fmt)
    if wb_part not in info_by:
        raise _refuse("missing-part", name, part=wb_part)
    base = PurePosixPath(wb_part)
    rels_part = str(base.parent / "_rels" / (base.name + ".rels"))
    rels: list[tuple[str, str, str]] = []
    if rels_part in info_by:
        for rel in _parse_small_xml(zf, info_by[rels_part], name, lim):
            if (rel.get("TargetMode") or "").lower() == "external":
                continue
            rels.append((rel.get("Id") or "", rel.get("Type") or "",
                         _resolve(base.parent, rel.get("Target") or "")))
    return wb_part, rels


def _sheet_parts(
    zf: zipfile.ZipFile,
    info_by: dict[str, zipfile.ZipInfo],
    fmt: Format,
    name: str,
    lim: Limits,
    wb_rels: _WorkbookRels | None,
) -> dict[str, str]:
    """Map worksheet part name -> sheet name (ods: content.xml -> '')."""
    if fmt == "ods" or wb_rels is None:
        if "content.xml" not in info_by:
            raise _refuse("missing-part", name, part="content.xml")
        return {"content.xml": ""}
    wb_part, rels = wb_rels
    targets = {rid: target for rid, _type, target in rels}
    out: dict[str, str] = {}
    if fmt == "xlsb":
        # sheet names live in the binary workbook: map part -> relationship id here and
        # match the ids with the BrtBundleSh records in _xlsb_scan
        for rid, target in targets.items():
            if target in info_by:
                out[target] = rid
        return out
    wb = _parse_small_xml(zf, info_by[wb_part], name, lim)
    for el in wb.iter():
        if _local(el.tag) == "sheet":
            sheet_rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            sheet_part = targets.get(sheet_rid or "")
            if sheet_part and sheet_part in info_by:
                out[sheet_part] = el.get("name") or PurePosixPath(sheet_part).stem
    if not out:  # no relationships: fall back to the conventional paths
        for fname in info_by:
            if fname.startswith("xl/worksheets/") and fname.endswith(".xml"):
                out[fname] = PurePosixPath(fname).stem
    return out


#: relationship types a parallel reader needs, by the name gendan.read.split_read uses
_RELATED = {"/styles": "styles", "/sharedStrings": "strings"}


def _related_parts(wb_rels: _WorkbookRels) -> dict[str, str]:
    """The workbook part and its styles and shared-strings parts: ``{"workbook": part, ...}``."""
    wb_part, rels = wb_rels
    out = {"workbook": wb_part}
    for _rid, rtype, target in rels:
        kind = next((k for suffix, k in _RELATED.items() if rtype.endswith(suffix)), None)
        if kind:
            out[kind] = target
    return out


def _resolve(base: PurePosixPath, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (base / target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


def _office_document_part(
    zf: zipfile.ZipFile, info_by: dict[str, zipfile.ZipInfo], name: str, lim: Limits, fmt: Format
) -> str:
    default = "xl/workbook.bin" if fmt == "xlsb" else "xl/workbook.xml"
    if "_rels/.rels" not in info_by:
        return default
    rels = _parse_small_xml(zf, info_by["_rels/.rels"], name, lim)
    for rel in rels:
        if (rel.get("Type") or "").endswith("/officeDocument"):
            return _resolve(PurePosixPath(""), rel.get("Target") or default)
    return default


_DATE1904 = re.compile(rb"<(?:[\w.-]+:)?workbookPr\b[^>]*?\bdate1904\s*=\s*[\"'](?:1|true)[\"']")


def _xlsx_date1904(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim: Limits) -> bool:
    data = _read_small(zf, info, name, lim, cap=lim.max_workbook_xml_bytes)
    return _DATE1904.search(data) is not None


# --------------------------------------------------------------------------- XML prolog


_ENC_DECL = re.compile(r"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ROOT_START = re.compile(r"<[A-Za-z_]")
_DANGER = re.compile(r"<!\s*(?:doctype|entity)", re.IGNORECASE)


def _prolog_verdict(data: bytes, name: str, part: str, lim: Limits, *, final: bool) -> bool:
    """True once the prolog (everything before the root element) is seen and is clean.

    Raises on DOCTYPE/ENTITY, an encoding other than UTF-8, or a prolog longer than
    ``max_prolog_bytes`` (padding a prolog is how a scanner gets outrun).  The prefix is
    decoded in the part's own encoding so UTF-16/UTF-7 cannot hide the declaration.
    """
    if not data:
        return final
    head = data[: lim.max_prolog_bytes]
    label = ""
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(b"<\x00"):
        enc = label = "utf-16-le"
    elif head.startswith(codecs.BOM_UTF16_BE) or head.startswith(b"\x00<"):
        enc = label = "utf-16-be"
    else:
        enc = "utf-8"
        m = _ENC_DECL.match(head[:512].decode("latin-1"))
        if m:
            declared = m.group(1)
            try:
                info = codecs.lookup(declared)
            except LookupError:
                raise _refuse("xml-encoding", name, part=part, detail=declared) from None
            if not info.name.startswith("utf-16"):  # a UTF-16 declaration on 8-bit bytes is moot
                enc = info.name
                if enc not in ("utf-8", "ascii"):
                    label = declared
    # drop a partial multi-byte char at the cut
    text = head.decode(enc, errors="replace").lstrip("\ufeff")
    m_root = _ROOT_START.search(text)
    upto = text[: m_root.start()] if m_root else text
    if _DANGER.search(upto):
        raise _refuse("doctype", name, part=part)
    if label:
        # Excel always writes UTF-8; calamine decodes nothing else (measured: UTF-16 parts
        # read as empty sheets, GBK/Latin-1 raise XmlError), so say so instead of misreading
        raise _refuse("xml-encoding", name, part=part, detail=label.upper())
    if m_root:
        return True
    if len(data) >= lim.max_prolog_bytes:
        raise _refuse("xml-prolog", name, part=part)
    if final and text.strip():
        # the whole part is prolog-only: harmless, nothing to parse, but not XML we expect
        return True
    return False


# --------------------------------------------------------------------------- cell scanners


class _CellScanner:
    def feed(self, chunk: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def finish(self) -> list[SheetScan]:  # pragma: no cover - interface
        raise NotImplementedError


_P = rb"(?:[\w.-]+:)?"  # an optional namespace prefix (the OpenXML SDK writes x:c, x:v ...)
_ATTR_R_CELL = re.compile(rb"""\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d{1,7})["']""")
_ATTR_R_ROW = re.compile(rb"""\sr\s*=\s*["'](\d{1,7})["']""")
_ATTR_T = re.compile(rb"""\st\s*=\s*["'](\w+)["']""")
#: a cell start tag with an r attribute, directly followed by a value, inline string or formula
_VALUE_CELL = re.compile(
    rb"<"
    + _P
    + rb"""c(?=\s)[^>]*?\sr\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d{1,7})["'][^>]*?(?<!/)>\s*<"""
    + _P
    + rb"(?:v|is|f)[\s/>]"
)
#: the same when r is the first attribute (Excel, LibreOffice, openpyxl, xlsxwriter): ~2x faster
_VALUE_CELL_R_FIRST = re.compile(
    rb"<"
    + _P
    + rb"""c r=["']([A-Z]{1,3})(\d{1,7})["'][^>]*(?<!/)>\s*<"""
    + _P
    + rb"(?:v|is|f)[\s/>]"
)
#: any cell tag that is not <c r="...": r later, r quoted oddly, no attributes, self-closing bare
_ODD_CELL_TAG = re.compile(rb"<" + _P + rb"""c(?:\s(?!r=["'][A-Z])|/?>)""")


def _error_probe(data: bytes, start: int, end: int) -> bool:
    """Cheap pre-check for error cells: whether an attribute value ``e`` may occur.

    Every match of :data:`_ERR_CELL` contains ``"e`` or ``'e`` (the value's opening quote
    and the ``e``), so a block holding neither has no error cell.  One literal search over
    the block (a second only when it holds an apostrophe, found at memchr speed): this
    runs on every block of every worksheet."""
    if _DQ_E.search(data, start, end) is not None:
        return True
    return data.find(b"'", start, end) >= 0 and _SQ_E.search(data, start, end) is not None


#: literal searches: the regex engine's prefix scan beats ``bytes.find`` for 2-byte needles
_DQ_E = re.compile(rb'"e')
_SQ_E = re.compile(rb"'e")
_F_PLAIN = re.compile(rb"<f[\s/>]")


def _range_re(lo: int, hi: int) -> bytes:
    """A regex (no groups, no anchors) for the decimal integers ``lo..hi``, no leading zeros.

    Used to build the per-block claim check of :class:`_XlsxScanner`: a cell reference
    whose row is outside the claim must not match, and neither must ``A05`` (calamine
    reads it as row 5: leading zeros send the block to the exact path)."""

    def same(a: str, b: str) -> str:  # a <= b, equal lengths
        n = len(a)
        if a == b:
            return a
        if a == "0" * n and b == "9" * n:
            return r"\d" if n == 1 else rf"\d{{{n}}}"
        if n == 1:
            return f"[{a}-{b}]"
        if a[0] == b[0]:
            return f"{a[0]}(?:{same(a[1:], b[1:])})"
        if a[1:] == "0" * (n - 1) and b[1:] == "9" * (n - 1):
            return f"[{a[0]}-{b[0]}]" + rf"\d{{{n - 1}}}"
        parts = [f"{a[0]}(?:{same(a[1:], '9' * (n - 1))})"]
        x, y = int(a[0]) + 1, int(b[0]) - 1
        if x <= y:
            parts.append((f"[{x}-{y}]" if x < y else str(x)) + rf"\d{{{n - 1}}}")
        parts.append(f"{b[0]}(?:{same('0' * (n - 1), b[1:])})")
        return "|".join(parts)

    out: list[str] = []
    while lo <= hi:
        top = min(hi, 10 ** len(str(lo)) - 1)
        out.append(same(str(lo), str(top)))
        lo = top + 1
    return ("(?:" + "|".join(out) + ")").encode()


def _col_range_re(lo: int, hi: int) -> bytes:
    """A regex for the column letters of columns ``lo..hi`` (1-based, upper case only)."""
    out: list[str] = []
    for width, first, last in ((1, 1, 26), (2, 27, 702), (3, 703, 18278)):
        a, b = max(lo, first), min(hi, last)
        if a > b:
            continue
        # one alternative per leading letter(s): at most 26 (AA-ZZ) or 676 (AAA-ZZZ)
        if width == 1:
            out.append(f"[{_a1(1, a)[0]}-{_a1(1, b)[0]}]")
            continue
        lead_a, lead_b = (a - first) // 26, (b - first) // 26
        for lead in range(lead_a, lead_b + 1):
            base = first + lead * 26
            lo_c, hi_c = max(a, base), min(b, base + 25)
            prefix = _a1(1, base)[:-1][: width - 1]
            out.append(f"{prefix}[{chr(65 + lo_c - base)}-{chr(65 + hi_c - base)}]")
    return ("(?:" + "|".join(out) + ")").encode()


#: a cell start tag without an r attribute (position implied by order): needs the slow path
_NO_R_CELL = re.compile(rb"<" + _P + rb"""c(?:>|/>|(?![^>]*\sr\s*=)\s[^>]*>)""")
_F_START = re.compile(rb"<(" + _P + rb")f[\s/>]")
_ERR_CELL = re.compile(rb"<" + _P + rb"""c(?=\s)[^>]*?\st\s*=\s*["']e["'][^>]*?(?<!/)>""")
_V_NONEMPTY = re.compile(rb"<" + _P + rb"v(?:\s[^>]*)?>[^<]")
_V_ANY = re.compile(rb"<" + _P + rb"v[\s/>]")
_IS = re.compile(rb"<" + _P + rb"is[\s/>]")
_TOKEN = re.compile(
    rb"<((?:[\w.-]+:)?)(?:row(?=[\s/>])([^>]*)>|c(\s[^>]*?)?(?:/>|>(.*?)</\1c>))",
    re.S,
)
_CARRY_TRIM = 1 << 20
#: blocks smaller than this take the exact path (cheap anyway)
_CLAIM_MIN_BLOCK = 1 << 15
#: how many trailing non-value cells (formatting only) the claim looks past for the last
#: value cell before it gives up and scans the block exactly
_CLAIM_BACKTRACK = 64
#: the end of a prefixed cell or formula tag's name (<x:c ...>, <x:f>), which the claim
#: check and the plain formula probe do not see;
#: a literal-prefix search, fast because ":" is rare in sheet XML
_PREFIX_PROBE = re.compile(rb":[cf][\s/>]")


@functools.lru_cache(maxsize=256)
def _claim_pattern(lo_c: int, hi_c: int, lo_r: int, hi_r: int) -> re.Pattern[bytes]:
    r"""Matches any cell tag that is NOT ``<c r="REF"`` with REF in the claimed rectangle.

    The literal ``<c`` prefix keeps the search in C between cell tags; ``<col``,
    ``<color`` ... fail on the final ``[\s/>]``.  (Lookahead first: measured 5-20 % faster
    than testing ``[\s/>]`` first, as most hits are cells.)"""
    good = _col_range_re(lo_c, hi_c) + _range_re(lo_r, hi_r)
    return re.compile(rb'<c(?! r="' + good + rb'")[\s/>]')


_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch - 64)
    return n


def _a1(row: int, col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _trim(buf: bytes) -> bytes:
    """Bound a carry that found no cut point: only one element's text can be that long, and
    text cannot hold markup, so its middle is dropped (its start tag is kept)."""
    if len(buf) > _CARRY_TRIM:
        return buf[: 1 << 16] + buf[-(1 << 16) :]
    return buf


_CLOSE_NAME = re.compile(rb"</[\w.-]+")


def _last_close(buf: bytes) -> int:
    """Start of the last ``</c>`` or ``</row>`` (any prefix): a safe place to cut a block.

    ``</`` cannot occur in XML text, so these are unambiguous (``>`` alone can)."""
    best = max(buf.rfind(b"</c>"), buf.rfind(b"</row>"))
    for tok in (b":c>", b":row>"):
        # only the tail after ``best`` matters: an unbounded rfind of an absent token
        # would scan the whole block backwards, on every block
        i = buf.rfind(tok, best + 1)
        if i > best:
            lt = buf.rfind(b"</", max(0, i - 64), i)
            if lt >= 0 and _CLOSE_NAME.fullmatch(buf, lt, i):
                best = i
    return best


class _XlsxScanner(_CellScanner):
    """Streaming scan of one worksheet XML: value extent, formulas without a cached value,
    error cells.

    Large blocks take the claim path (:meth:`_claimed_block`): two cells claim the block's
    extent and one C-speed search proves it, no per-cell Python objects.  Blocks the claim
    does not cover exactly take the exact path: ``findall`` of every reference + sets,
    touching Python only per formula and per error cell; cells without ``r`` attributes
    (position implied by order, allowed by the standard) switch the part to a per-cell
    slow path.  All three give the same facts (tests/test_gate.py compares them).
    A cell's "cached value" is a non-empty ``<v>`` or an inline string; ``<v></v>`` (what
    openpyxl writes for formulas) is none, except for ``t="str"`` (a formula giving "").
    """

    def __init__(self, sheet: str, part: str) -> None:
        self.sheet = sheet
        self.part = part
        self.buf = b""
        self.slow = False
        self.trimmed = False
        # slow-path position state
        self.row = 0
        self.col = 0
        self.max_row = 0
        self.max_col = 0
        self.min_row = 1 << 30
        self.min_col = 1 << 30
        self.formulas = 0
        self.f_no_v = 0
        self.first_f_no_v: str | None = None
        self.errors = 0
        self.first_error: str | None = None

    # -- shared helpers
    def _extent(self, row: int, col: int) -> None:
        if row > self.max_row:
            self.max_row = row
        if col > self.max_col:
            self.max_col = col
        if row < self.min_row:
            self.min_row = row
        if col < self.min_col:
            self.min_col = col

    def _formula(self, has_value: bool, where: str | None) -> None:
        self.formulas += 1
        if not has_value:
            self.f_no_v += 1
            if self.first_f_no_v is None:
                self.first_f_no_v = where

    def _error(self, where: str | None) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = where

    def proven_cells(self) -> int:
        """Cells of the rectangle that holds every cell scanned so far (gendan.read.split_read
        parses proven bytes only while this stays within the limits)."""
        if not self.max_row or not self.max_col:
            return 0
        return (self.max_row - min(self.min_row, self.max_row) + 1) * (
            self.max_col - min(self.min_col, self.max_col) + 1
        )

    # -- streaming
    def feed(self, chunk: bytes) -> None:
        """Take the next inflated piece; blocks end at a ``</c>`` or ``</row>``.

        The piece is scanned in place (start/end positions, no slicing): copying each
        megabyte once more costs as much as a search over it.  Only the element carried
        over from the previous piece is joined with the head of this one."""
        if self.slow:
            self.buf = self._slow_block(self.buf + chunk)
            return
        data, pos = chunk, 0
        if self.buf:
            carry, self.buf = self.buf, b""
            i = chunk.find(b"</row>")
            if i >= 0:
                pos = i + 6
                self._block(carry + chunk[:pos], 0, len(carry) + pos)
            else:
                data = carry + chunk
            if self.slow:  # the head block switched the part to the slow path
                self.buf = self._slow_block(self.buf + data[pos:])
                return
        cut = _last_close(data)
        if cut < pos:
            self.buf = _trim(data[pos:])
            # a trimmed carry no longer tells how many bytes are unscanned
            self.trimmed = self.trimmed or len(data) - pos > len(self.buf)
            return
        cut = data.index(b">", cut) + 1
        self._block(data, pos, cut)
        if self.slow:
            self.buf = self._slow_block(self.buf + data[cut:])
            return
        self.buf = data[cut:]

    def _block(self, data: bytes, start: int, end: int) -> None:
        """Scan ``data[start:end]``, which ends at a closing tag: claimed or exact."""
        if end - start >= _CLAIM_MIN_BLOCK and self._claimed_block(data, start, end):
            return
        self._exact_block(data[start:end])

    def _exact_block(self, work: bytes) -> None:
        """Every cell reference of the block, one by one (C-speed ``findall``).

        Switches the part to the per-cell slow path (``self.slow``; the caller feeds it the
        rest) when a cell has no ``r``."""
        if _ODD_CELL_TAG.search(work) is None:
            # every cell tag is <c r="..." ...>: the simple pattern sees all of them
            self._fast_block(work, _VALUE_CELL_R_FIRST)
            return
        if _NO_R_CELL.search(work):
            self.slow = True
            self.buf = self._slow_block(work)
            return
        self._fast_block(work, _VALUE_CELL)

    def _claimed_block(self, data: bytes, start: int, end: int) -> bool:
        """Claim the block's value extent from two cells, prove it with one search.

        Why: ``findall`` of every reference makes millions of Python objects (about 4 s
        of the gate's 5 s on a 100,000-row master).  Instead take the first and the last
        value cell of the block (found from either end, so cheap) and the columns already
        proven for the sheet: that rectangle's corners are *attained* by value cells.  Then
        one search looks for any cell tag - value or not, any attribute order - that is not
        ``<c r="REF"`` with REF inside the rectangle, and a second, fast one (``:`` is rare)
        for prefixed tags (``<x:c``, ``<x:f``).  Finding none proves every cell of the block
        lies inside the rectangle, so the sheet's extent is exactly the union of the
        rectangles: no bound is approximated, each is a real value cell.  Finding one (a
        stray cell, a cell without ``r``, ``$A$1``, lower case, a leading zero, a prefix)
        returns False and the block takes the exact path.  Rows need no ``r`` and no order
        here: only the cells' own references count, as in calamine.
        """
        first = _VALUE_CELL_R_FIRST.search(data, start, end)
        if first is None:
            return False
        last = None
        stop = end
        for _ in range(_CLAIM_BACKTRACK):
            j = data.rfind(b'<c r="', first.start(), stop)
            if j < 0:
                break
            m = _VALUE_CELL_R_FIRST.match(data, j, end)
            if m is not None:
                last = m
                break
            stop = j
        if last is None:
            return False
        c1, c2 = _col_index(first.group(1)), _col_index(last.group(1))
        r1, r2 = int(first.group(2)), int(last.group(2))
        if min(r1, r2, c1, c2) < 1:
            return False
        lo_r, hi_r = min(r1, r2), max(r1, r2)
        lo_c, hi_c = min(c1, c2), max(c1, c2)
        if self.max_col:  # columns proven by earlier blocks are attained too
            lo_c, hi_c = min(lo_c, self.min_col), max(hi_c, self.max_col)
        if _claim_pattern(lo_c, hi_c, lo_r, hi_r).search(data, start, end) is not None:
            return False
        if _PREFIX_PROBE.search(data, start, end) is not None:
            return False  # a prefixed cell or formula (or text that looks like one)
        self._extent(lo_r, lo_c)
        self._extent(hi_r, hi_c)
        self._formulas_and_errors(data, start, end, prefixed=False)
        return True

    def _fast_block(self, work: bytes, pattern: re.Pattern[bytes] = _VALUE_CELL) -> None:
        refs = pattern.findall(work)
        if refs:
            for letters in set(map(_first, refs)):
                c = _col_index(letters)
                if c > self.max_col:
                    self.max_col = c
                if c < self.min_col:
                    self.min_col = c
            row_numbers = [int(r) for r in set(map(_second, refs))]
            self.max_row = max(self.max_row, max(row_numbers))
            self.min_row = min(self.min_row, min(row_numbers))
        self._formulas_and_errors(work, 0, len(work))

    def _formulas_and_errors(
        self, data: bytes, start: int, end: int, *, prefixed: bool = True
    ) -> None:
        """Formulas (with or without a cached value) and error cells of ``data[start:end]``:
        Python work only where a ``<f`` or an attribute value ``e`` occurs.

        ``prefixed=False`` when the caller proved there is no ``:f`` (the claim path)."""
        has_f = _F_PLAIN.search(data, start, end) is not None or (
            prefixed and _F_START.search(data, start, end) is not None
        )
        for m in _F_START.finditer(data, start, end) if has_f else ():
            i = m.start()
            prefix = m.group(1)
            close = data.find(b"</" + prefix + b"c>", i, end)
            seg = data[i : close if close >= 0 else end]
            cstart = max(data.rfind(b"<" + prefix + b"c ", start, i), data.rfind(b"<" + prefix + b"c>", start, i))
            tag = data[cstart : data.find(b">", cstart, end) + 1] if cstart >= 0 else b""
            if cstart >= 0 and (tag.endswith(b"/>") or data.find(b"</" + prefix + b"c>", cstart, i) >= 0):
                continue  # not inside a cell: a sparkline's or an x14 rule's <xm:f> after the cells
            if cstart < 0 and prefix:
                continue
            tm = _ATTR_T.search(tag)
            rm = _ATTR_R_CELL.search(tag)
            has_value = bool(
                _V_NONEMPTY.search(seg)
                or _IS.search(seg)
                or (tm is not None and tm.group(1) == b"str" and _V_ANY.search(seg))
            )
            self._formula(
                has_value, f"{rm.group(1).decode().upper()}{int(rm.group(2))}" if rm else None
            )
        for m in _ERR_CELL.finditer(data, start, end) if _error_probe(data, start, end) else ():
            rm = _ATTR_R_CELL.search(m.group(0))
            self._error(f"{rm.group(1).decode().upper()}{int(rm.group(2))}" if rm else None)

    def _slow_block(self, buf: bytes) -> bytes:
        """Per-cell tokens (rows and cells), for parts whose cells lack ``r``; returns the carry."""
        end = 0
        for m in _TOKEN.finditer(buf):
            end = m.end()
            if m.group(2) is not None:  # <row ...>
                rm = _ATTR_R_ROW.search(m.group(2))
                self.row = int(rm.group(1)) if rm else self.row + 1
                self.col = 0
                continue
            attrs = m.group(3) or b""
            rm = _ATTR_R_CELL.search(attrs)
            if rm:
                self.col = _col_index(rm.group(1))
                self.row = int(rm.group(2))
            else:
                self.col += 1
            body = m.group(4)
            if not body:
                continue
            tm = _ATTR_T.search(attrs)
            t = tm.group(1) if tm else b""
            has_v = bool(
                _V_NONEMPTY.search(body)
                or _IS.search(body)
                or (t == b"str" and _V_ANY.search(body))
            )
            if _F_START.search(body):
                self._formula(has_v, _a1(self.row, self.col))
            if has_v:
                self._extent(self.row, self.col)
                if t == b"e":
                    self._error(_a1(self.row, self.col))
        # carry the unfinished tail: from the last row/cell start after the last match
        tail_from = len(buf)
        lt = buf.rfind(b"<", end)
        if lt >= 0:
            tail_from = lt
            for m in re.finditer(rb"<" + _P + rb"(?:row|c)[\s/>]", buf[end:]):
                tail_from = end + m.start()
        return _trim(buf[tail_from:])

    def finish(self) -> list[SheetScan]:
        if self.buf:
            if self.slow:
                self._slow_block(self.buf + b"</c></row>")
            else:
                self._fast_block(self.buf)
            self.buf = b""
        return [
            SheetScan(
                name=self.sheet,
                part=self.part,
                rows=self.max_row,
                cols=self.max_col,
                formulas=self.formulas,
                formulas_without_value=self.f_no_v,
                first_formula_without_value=self.first_f_no_v,
                error_cells=self.errors,
                first_error_cell=self.first_error,
                first_row=min(self.min_row, self.max_row) or 1,
                first_col=min(self.min_col, self.max_col) or 1,
            )
        ]


_ODS_TOKEN = re.compile(
    rb"<(/?)(?:[\w.-]+:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^>]*?)(/?)>"
)
_ODS_NAME = re.compile(rb"""(?:[\w.-]+:)?name\s*=\s*["']([^"']*)["']""")
_ODS_ROWS_REP = re.compile(rb"""number-rows-repeated\s*=\s*["'](\d+)["']""")
_ODS_COLS_REP = re.compile(rb"""number-columns-repeated\s*=\s*["'](\d+)["']""")
_ODS_VALUE = re.compile(rb"value-type\s*=")
_ODS_FORMULA = re.compile(rb"(?:[\w.-]+:)?formula\s*=")


class _OdsScanner(_CellScanner):
    """Streaming scan of ODS content.xml: per-table extent of value cells, repeats included."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.buf = b""
        self.out: list[SheetScan] = []
        self.name: str | None = None
        self._reset()

    def _reset(self) -> None:
        self.row = 0
        self.row_rep = 1
        self.col = 0
        self.max_row = 0
        self.max_col = 0
        self.formulas = 0
        self.pending: tuple[int, int, bool] | None = None  # open cell: first col, repeat, has value

    def _close_table(self) -> None:
        if self.name is not None:
            self.out.append(
                SheetScan(
                    self.name, self.part, self.max_row, self.max_col, formulas=self.formulas
                )
            )
        self.name = None
        self._reset()

    def _mark(self, first_col: int, rep: int) -> None:
        self.max_row = max(self.max_row, self.row + self.row_rep - 1)
        self.max_col = max(self.max_col, first_col + rep - 1)

    def feed(self, chunk: bytes) -> None:
        buf = self.buf + chunk
        end = 0
        for m in _ODS_TOKEN.finditer(buf):
            end = m.end()
            closing, kind, attrs, selfclose = m.group(1), m.group(2), m.group(3), m.group(4)
            if kind == b"table":
                if closing:
                    self._close_table()
                else:
                    self._close_table()
                    nm = _ODS_NAME.search(attrs)
                    self.name = (
                        nm.group(1).decode("utf-8", "replace")
                        if nm
                        else f"Sheet{len(self.out) + 1}"
                    )
            elif kind == b"table-row":
                if not closing:
                    self.row += self.row_rep if self.row else 1
                    rr = _ODS_ROWS_REP.search(attrs)
                    self.row_rep = min(int(rr.group(1)), 1 << 21) if rr else 1
                    self.col = 0
            else:
                if closing:
                    if self.pending is not None:
                        first, rep, has_value = self.pending
                        if has_value:
                            self._mark(first, rep)
                        self.pending = None
                    continue
                cr = _ODS_COLS_REP.search(attrs)
                rep = min(int(cr.group(1)), 1 << 15) if cr else 1
                first = self.col + 1
                self.col += rep
                if _ODS_FORMULA.search(attrs):
                    self.formulas += rep * self.row_rep
                has_value = bool(_ODS_VALUE.search(attrs))
                if selfclose:
                    if has_value:
                        self._mark(first, rep)
                else:
                    # a non-empty cell body (text:p) counts as a value
                    self.pending = (first, rep, True)
        tail_from = buf.rfind(b"<", end)
        self.buf = buf[tail_from:] if tail_from >= 0 else b""

    def finish(self) -> list[SheetScan]:
        if self.buf:
            self.feed(b"")
        self._close_table()
        return self.out


# --------------------------------------------------------------------------- xlsb


def _xlsb_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """BIFF12 records: variable-length type (1-2 bytes) and size (1-4 bytes)."""
    i, n = 0, len(data)
    while i < n:
        rtype = data[i]
        i += 1
        if rtype & 0x80:
            if i >= n:
                return
            rtype = (rtype & 0x7F) | ((data[i] & 0x7F) << 7)
            i += 1
        size = 0
        for shift in (0, 7, 14, 21):
            if i >= n:
                return
            b = data[i]
            i += 1
            size |= (b & 0x7F) << shift
            if not b & 0x80:
                break
        yield rtype, data[i : i + size]
        i += size


_XLSB_CELLS = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}  # BrtCellRk .. BrtFmlaError (not BrtCellBlank 1)
_XLSB_FORMULAS = {8, 9, 10, 11}


def _xlsb_scan(state: _ZipScan, sheet_parts: dict[str, str], name: str) -> list[SheetScan]:
    """Sheets of an .xlsb in workbook order: BrtBundleSh gives (relationship id, name).

    Every sheet's relationship id must resolve to a part in the package: calamine looks it
    up without a check and panics otherwise (measured: xlsb/mod.rs:312, "no entry found for
    key", which escapes ``except Exception`` as a pyo3 PanicException).
    """
    wb = state.binaries.get("xl/workbook.bin", b"")
    part_of = {rid: part for part, rid in sheet_parts.items()}
    bundles: list[tuple[str, str]] = []  # (part, sheet name)
    for rtype, body in _xlsb_records(wb):
        if rtype == 0x99 and len(body) >= 4:  # BrtWbProp: bit 0 = f1904
            state.date1904 = bool(struct.unpack_from("<I", body)[0] & 1)
        elif rtype == 0x9C:  # BrtBundleSh: hsState, iTabID, strRelID, strName
            try:
                rid_len = struct.unpack_from("<I", body, 8)[0]
                rid = body[12 : 12 + 2 * rid_len].decode("utf-16-le")
                off = 12 + 2 * rid_len
                nlen = struct.unpack_from("<I", body, off)[0]
                sheet = body[off + 4 : off + 4 + 2 * nlen].decode("utf-16-le")
            except (struct.error, UnicodeDecodeError):
                raise _refuse("corrupt-part", name, part="xl/workbook.bin") from None
            if rid not in part_of:
                raise _refuse("missing-part", name, part=f"{sheet} ({rid})")
            bundles.append((part_of[rid], sheet))
    out: list[SheetScan] = []
    for part, label in bundles:
        data = state.binaries.get(part, b"")
        row = max_row = max_col = formulas = errors = 0
        for rtype, body in _xlsb_records(data):
            if rtype == 0 and len(body) >= 4:  # BrtRowHdr
                row = struct.unpack_from("<I", body)[0] + 1
            elif rtype in _XLSB_CELLS and len(body) >= 4:
                col = struct.unpack_from("<I", body)[0] + 1
                max_row = max(max_row, row)
                max_col = max(max_col, col)
                if rtype in _XLSB_FORMULAS:
                    formulas += 1
                if rtype in (3, 11):
                    errors += 1
        out.append(
            SheetScan(label, part, max_row, max_col, formulas=formulas, error_cells=errors)
        )
    return out


# --------------------------------------------------------------------------- OLE / CFB


class _CfbError(Exception):
    pass


class _Cfb:
    """A minimal, bounds-checked reader of the Compound File Binary format (MS-CFB).

    Only what the gate needs: stream names at any depth and the bytes of one stream.
    Every chain walk is bounded by the number of sectors in the file, so a looping FAT
    cannot hang us.
    """

    ENDOFCHAIN = 0xFFFFFFFE
    FREESECT = 0xFFFFFFFF

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or data[:8] != OLE_MAGIC:
            raise _CfbError("header")
        self.data = data
        shift = struct.unpack_from("<H", data, 0x1E)[0]
        mshift = struct.unpack_from("<H", data, 0x20)[0]
        if shift not in (9, 12) or mshift != 6:
            raise _CfbError("sector size")
        self.ssz = 1 << shift
        self.mssz = 1 << mshift
        n_fat = struct.unpack_from("<I", data, 0x2C)[0]
        first_dir = struct.unpack_from("<I", data, 0x30)[0]
        self.cutoff = struct.unpack_from("<I", data, 0x38)[0]
        first_minifat = struct.unpack_from("<I", data, 0x3C)[0]
        first_difat = struct.unpack_from("<I", data, 0x44)[0]
        n_difat = struct.unpack_from("<I", data, 0x48)[0]
        self.nsect = max(0, (len(data) - self.ssz) // self.ssz + 1)
        if n_fat > self.nsect:
            raise _CfbError("fat count")
        difat = [v for v in struct.unpack_from("<109I", data, 0x4C) if v < self.nsect]
        sect = first_difat
        per = self.ssz // 4 - 1
        for _ in range(min(n_difat, self.nsect)):
            if sect >= self.nsect:
                break
            vals = struct.unpack_from(f"<{per + 1}I", data, self._off(sect))
            difat.extend(v for v in vals[:per] if v < self.nsect)
            sect = vals[per]
        fat: list[int] = []
        for s in difat[:n_fat]:
            fat.extend(struct.unpack_from(f"<{self.ssz // 4}I", data, self._off(s)))
        self.fat = fat
        dir_bytes = self._chain_bytes(first_dir, self.fat, self.ssz, self._off)
        self.entries: list[tuple[str, int, int, int]] = []  # name, type, start, size
        for i in range(0, len(dir_bytes) - 127, 128):
            e = dir_bytes[i : i + 128]
            nlen = struct.unpack_from("<H", e, 64)[0]
            etype = e[66]
            if etype == 0:
                continue
            ename = e[: max(0, min(nlen, 64) - 2)].decode("utf-16-le", "replace")
            start = struct.unpack_from("<I", e, 116)[0]
            size = struct.unpack_from("<Q", e, 120)[0]
            if self.ssz == 512:
                size &= 0xFFFFFFFF
            self.entries.append((ename, etype, start, size))
        if not self.entries or self.entries[0][1] != 5:
            raise _CfbError("root")
        root = self.entries[0]
        self.ministream = self._chain_bytes(root[2], self.fat, self.ssz, self._off)[: root[3]]
        self.minifat: list[int] = []
        mf = self._chain_bytes(first_minifat, self.fat, self.ssz, self._off)
        self.minifat = list(struct.unpack_from(f"<{len(mf) // 4}I", mf))

    def _off(self, sect: int) -> int:
        off = (sect + 1) * self.ssz
        if off + self.ssz > len(self.data):
            raise _CfbError("sector out of range")
        return off

    def _chain_bytes(
        self, start: int, table: list[int], size: int, off_of: Any, limit: int | None = None
    ) -> bytes:
        out = bytearray()
        sect = start
        steps = 0
        cap = len(table) + 1
        while sect not in (self.ENDOFCHAIN, self.FREESECT) and sect < len(table):
            steps += 1
            if steps > cap:
                raise _CfbError("loop")
            o = off_of(sect)
            out += self.data[o : o + size] if off_of == self._off else self.ministream[o : o + size]
            if limit is not None and len(out) >= limit:
                break
            sect = table[sect]
        return bytes(out)

    def _mini_off(self, sect: int) -> int:
        off = sect * self.mssz
        if off + self.mssz > len(self.ministream):
            raise _CfbError("mini sector out of range")
        return off

    def names(self) -> set[str]:
        return {e[0] for e in self.entries if e[1] == 2}

    def stream(self, name: str) -> bytes:
        for ename, etype, start, size in self.entries:
            if etype == 2 and ename == name:
                if size < self.cutoff:
                    data = self._chain_bytes(start, self.minifat, self.mssz, self._mini_off, size)
                else:
                    data = self._chain_bytes(start, self.fat, self.ssz, self._off, size)
                return data[:size]
        raise KeyError(name)


# BIFF8 record types used by the scan
_BIFF_BOF, _BIFF_EOF, _BIFF_FILEPASS, _BIFF_DATEMODE, _BIFF_BOUNDSHEET = (
    0x0809,
    0x000A,
    0x002F,
    0x0022,
    0x0085,
)
_BIFF_DIMENSIONS = 0x0200
_BIFF_SST = 0x00FC
_BIFF_CONTINUE = 0x003C
_BIFF_CELLS = {0x0203, 0x0204, 0x00FD, 0x027E, 0x0006, 0x0205, 0x00D6}
_BIFF_MULRK = 0x00BD
_BIFF_FORMULA = 0x0006
_BIFF_STRING = 0x0207
#: records that may stand between a FORMULA and its STRING: SHRFMLA, ARRAY, TABLE
_BIFF_FORMULA_COMPANIONS = {0x04BC, 0x0221, 0x0236}


def _gate_ole(fh: BinaryIO, p: Path, size: int, lim: Limits) -> GateResult:
    name = p.name
    fh.seek(0)
    data = fh.read()
    try:
        cfb = _Cfb(data)
        names = cfb.names()
    except (_CfbError, struct.error, IndexError, ValueError):
        raise _refuse("corrupt-ole", name) from None
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        raise _refuse("encrypted", name)
    stream_name = "Workbook" if "Workbook" in names else ("Book" if "Book" in names else None)
    if stream_name is None:
        if "WordDocument" in names:
            raise _refuse("word", name)
        if "PowerPoint Document" in names:
            raise _refuse("powerpoint", name)
        raise _refuse("ole-not-workbook", name)
    try:
        wbs = cfb.stream(stream_name)
    except (_CfbError, struct.error, IndexError, ValueError, KeyError):
        raise _refuse("corrupt-ole", name) from None
    state = _ZipScan(fmt="xls")
    notes_biff5 = stream_name == "Book"
    state.scans.extend(_biff_scan(wbs, state, name))
    result = _finish(p, "xls", size, state, lim)
    if notes_biff5:
        result = GateResult(**{**result.__dict__, "notes": result.notes + ("biff5",)})
    return result


def _biff_records(wbs: bytes, start: int) -> Iterator[tuple[int, int, bytes]]:
    """(depth, type, body) of the BIFF records of one substream starting at ``start``,
    up to its own EOF (embedded chart substreams nest BOF/EOF pairs: depth > 1)."""
    i, n, depth = start, len(wbs), 0
    while i + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", wbs, i)
        body = wbs[i + 4 : i + 4 + rlen]
        i += 4 + rlen
        if rtype == _BIFF_BOF:
            depth += 1
        yield depth, rtype, body
        if rtype == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                return


def _sst_ok(bodies: list[bytes]) -> bool:
    """Whether the shared-string table (SST + CONTINUE records) parses within its bytes.

    calamine slices it without bounds checks (measured: a panic in utils.rs for a mutated
    length) and sizes a vector by its declared count, so both are checked here.  Character
    data that crosses into a CONTINUE record starts again with a flags byte (MS-XLS 2.5.293).
    """
    if not bodies or len(bodies[0]) < 8:
        return not bodies
    unique = struct.unpack_from("<I", bodies[0], 4)[0]
    if unique > sum(len(b) for b in bodies) // 3 + 1:
        return False
    bi, off = 0, 8

    def take(k: int) -> bytes | None:
        nonlocal bi, off
        out = b""
        while k > 0:
            if off >= len(bodies[bi]):
                bi += 1
                off = 0
                if bi >= len(bodies):
                    return None
            piece = bodies[bi][off : off + k]
            out += piece
            off += len(piece)
            k -= len(piece)
        return out

    for _ in range(unique):
        head = take(3)
        if head is None:
            return False
        cch, flags = struct.unpack("<HB", head)
        runs = ext = 0
        if flags & 0x08:
            raw = take(2)
            if raw is None:
                return False
            runs = struct.unpack("<H", raw)[0]
        if flags & 0x04:
            raw = take(4)
            if raw is None:
                return False
            ext = struct.unpack("<i", raw)[0]
            if ext < 0:
                return False
        width = 2 if flags & 0x01 else 1
        left = cch
        while left:
            if off >= len(bodies[bi]):  # characters continue in the next record
                bi += 1
                off = 0
                if bi >= len(bodies) or not bodies[bi]:
                    return False
                width = 2 if bodies[bi][0] & 0x01 else 1
                off = 1
            fit = min(left, (len(bodies[bi]) - off) // width)
            if fit == 0:
                return False
            off += fit * width
            left -= fit
        if take(4 * runs + ext) is None and (runs or ext):
            return False
    # calamine parses until the bytes run out, not by the declared count: leftover bytes
    # are read as further strings (a panic, found by fuzzing); Excel and LibreOffice leave none
    return off >= len(bodies[bi]) and all(not b for b in bodies[bi + 1 :])


def _biff_scan(wbs: bytes, state: _ZipScan, name: str) -> list[SheetScan]:
    """Check a BIFF8 Workbook stream the way calamine will walk it.

    Globals from offset 0 to their EOF: FILEPASS (password), DATEMODE (1904), SST (must
    parse), BOUNDSHEET (each offset must hold a BOF: calamine slices there without a check -
    a panic, xls.rs:606).  Then every sheet from its BOUNDSHEET offset to its EOF: DIMENSIONS
    must be ordered and within BIFF8's 65,536 x 256 (calamine reserves the rectangle with
    wrapping arithmetic: a reversed one asks for terabytes and aborts the process), and the
    cells give the value extent.
    """
    sheets: list[tuple[int, str]] = []
    sst: list[bytes] = []
    in_sst = False
    for depth, rtype, body in _biff_records(wbs, 0):
        if depth != 1:
            continue
        if rtype == _BIFF_CONTINUE and in_sst:
            sst.append(body)
            continue
        in_sst = False
        if rtype == _BIFF_FILEPASS:
            raise _refuse("encrypted", name)
        if rtype == _BIFF_DATEMODE and len(body) >= 2:
            state.date1904 = struct.unpack_from("<H", body)[0] == 1
        elif rtype == _BIFF_SST:
            sst = [body]
            in_sst = True
        elif rtype == _BIFF_BOUNDSHEET and len(body) >= 8:
            pos = struct.unpack_from("<I", body)[0]
            if pos + 4 > len(wbs) or struct.unpack_from("<H", wbs, pos)[0] != _BIFF_BOF:
                raise _refuse("corrupt-xls", name)
            cch, flags = body[6], body[7]
            raw = body[8 : 8 + (cch * 2 if flags & 1 else cch)]
            sheets.append((pos, raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")))
    if sst and not _sst_ok(sst):
        raise _refuse("corrupt-xls", name)
    scans: list[SheetScan] = []
    for pos, label in sheets:
        rows = cols = formulas = no_value = 0
        first_no_value: str | None = None
        string_owed: str | None = None  # a text formula's cell whose STRING record is due
        for _depth, rtype, body in _biff_records(wbs, pos):
            if string_owed is not None and rtype not in _BIFF_FORMULA_COMPANIONS:
                if rtype != _BIFF_STRING:
                    no_value += 1
                    first_no_value = first_no_value or string_owed
                string_owed = None
            if rtype == _BIFF_DIMENSIONS and len(body) >= 8:
                if len(body) >= 14:
                    rw_mic, rw_mac, col_mic, col_mac = struct.unpack_from("<IIHH", body)
                else:
                    rw_mic, rw_mac, col_mic, col_mac = struct.unpack_from("<HHHH", body)
                if not (rw_mic <= rw_mac <= 65536 and col_mic <= col_mac <= 256):
                    raise _refuse("corrupt-xls", name)
            elif rtype in _BIFF_CELLS and len(body) >= 4:
                r, c = struct.unpack_from("<HH", body)
                rows, cols = max(rows, r + 1), max(cols, c + 1)
                if rtype == _BIFF_FORMULA:
                    # BIFF8 keeps every formula's last result in the record (bytes 6-13);
                    # a text result says so (FFFF in bytes 12-13, type 0) and follows in
                    # a STRING record: only its absence is a formula without a value
                    formulas += 1
                    if len(body) >= 14 and body[12:14] == b"\xff\xff" and body[6] == 0:
                        string_owed = _a1(r + 1, c + 1)
            elif rtype == _BIFF_MULRK and len(body) >= 6:
                r, c = struct.unpack_from("<HH", body)
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                rows, cols = max(rows, r + 1), max(cols, last + 1)
        if string_owed is not None:
            no_value += 1
            first_no_value = first_no_value or string_owed
        scans.append(SheetScan(label, "Workbook", rows, cols, formulas=formulas, formulas_without_value=no_value,
                               first_formula_without_value=first_no_value))
    return scans
