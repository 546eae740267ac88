"""The refusal table: one sentence in Chinese and one in English per ``reason`` code.

Data, not code: each entry is a pair of :meth:`str.format` templates over ``name`` (the
file's base name), ``detail``, ``limit`` and ``part``, and the shared advice phrases
``save_as_*`` / ``damaged_*``.  :func:`refuse` fills one in and returns the exception.
"""

from __future__ import annotations

from gendan.model.errors import UnreadableWorkbook


class GateRefusal(UnreadableWorkbook):
    """The gate refused the file; ``reason`` is a stable code (tests and docs use it)."""

    def __init__(self, reason: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en, message_zh)
        self.reason = reason


_ADVICE = {
    "save_as_en": "open it in Excel and save it as an .xlsx workbook",
    "save_as_zh": "请在 Excel 中打开并另存为 .xlsx 工作簿",
    "damaged_en": "open it in Excel to repair it, or use a backup copy",
    "damaged_zh": "请用 Excel 打开修复，或改用备份",
}

#: reason code -> (zh template, en template)
REFUSALS: dict[str, tuple[str, str]] = {
    "not-found": ("找不到文件 {name}。", "File not found: {name}."),
    "directory": ("{name} 是一个文件夹，不是工作簿。", "{name} is a folder, not a workbook."),
    "os-error": ("无法读取 {name}：{detail}。", "Cannot read {name}: {detail}."),
    "empty": (
        "{name} 是空文件（0 字节），不是工作簿。",
        "{name} is empty (0 bytes), not a workbook.",
    ),
    "too-large": (
        "{name} 有 {detail} MB，超过了 {limit} MB 的上限（见 schemas/limits.yaml）。",
        "{name} is {detail} MB, more than the limit of {limit} MB (see schemas/limits.yaml).",
    ),
    "csv": (
        "{name} 实际上是 CSV 文本文件，只是扩展名像工作簿；{save_as_zh}。",
        "{name} is really a CSV text file with a workbook extension; {save_as_en}.",
    ),
    "csv-file": (
        "{name} 是 CSV 文本文件，gendan 只读工作簿；{save_as_zh}。",
        "{name} is a CSV text file and gendan reads workbooks only; {save_as_en}.",
    ),
    "text": (
        "{name} 是纯文本文件，不是工作簿；{save_as_zh}。",
        "{name} is a plain text file, not a workbook; {save_as_en}.",
    ),
    "html": (
        "{name} 实际上是网页（HTML，常见于网站的“导出到 Excel”）；{save_as_zh}。",
        "{name} is really a web page (HTML, as some sites' 'export to Excel' make); {save_as_en}.",
    ),
    "xml2003": (
        "{name} 是 Excel 2003 XML 表格；{save_as_zh}。",
        "{name} is an Excel 2003 XML spreadsheet; {save_as_en}.",
    ),
    "xml": (
        "{name} 是 XML 文件，不是工作簿；{save_as_zh}。",
        "{name} is an XML file, not a workbook; {save_as_en}.",
    ),
    "pdf": ("{name} 是 PDF 文件，不是工作簿。", "{name} is a PDF file, not a workbook."),
    "raw-biff": (
        "{name} 是 Excel 5.0 之前的旧格式，无法读取；{save_as_zh}。",
        "{name} is in a pre-Excel 5.0 format that cannot be read; {save_as_en}.",
    ),
    "unknown": (
        "{name} 不是可识别的工作簿（.xlsx/.xlsm/.xls/.xlsb/.ods）。",
        "{name} is not a recognisable workbook (.xlsx/.xlsm/.xls/.xlsb/.ods).",
    ),
    "corrupt-zip": (
        "{name} 已损坏（压缩包被截断或结构错误）；{damaged_zh}。",
        "{name} is damaged (its zip package is truncated or corrupt); {damaged_en}.",
    ),
    "corrupt-part": (
        "{name} 已损坏（部件 {part} 无法解压）；{damaged_zh}。",
        "{name} is damaged (part {part} cannot be inflated); {damaged_en}.",
    ),
    "missing-part": (
        "{name} 已损坏（缺少工作簿部件 {part}）；{damaged_zh}。",
        "{name} is damaged (the workbook part {part} is missing); {damaged_en}.",
    ),
    "duplicate-part": (
        "{name} 已损坏（部件 {part} 出现了两次）；{damaged_zh}。",
        "{name} is damaged (part {part} appears twice); {damaged_en}.",
    ),
    "zip-not-workbook": (
        "{name} 是一个压缩包，但不是 Excel 工作簿。",
        "{name} is a zip archive but not an Excel workbook.",
    ),
    "word": (
        "{name} 是 Word 文档，不是 Excel 工作簿。",
        "{name} is a Word document, not an Excel workbook.",
    ),
    "powerpoint": (
        "{name} 是 PowerPoint 演示文稿，不是 Excel 工作簿。",
        "{name} is a PowerPoint presentation, not an Excel workbook.",
    ),
    "odf-not-spreadsheet": (
        "{name} 是 OpenDocument 文档，但不是表格。",
        "{name} is an OpenDocument file but not a spreadsheet.",
    ),
    "encrypted": (
        "{name} 设有打开密码；请在 Excel 中打开，删除密码（文件 > 信息 > 保护工作簿 > 用密码进行加密）后保存，再检查。",
        "{name} is password-protected; open it in Excel, remove the password "
        "(File > Info > Protect Workbook > Encrypt with Password), save it and check again.",
    ),
    "encrypted-zip": (
        "{name} 的压缩包部件被加密，Excel 不会这样保存；{damaged_zh}。",
        "{name} has encrypted zip entries, which Excel never writes; {damaged_en}.",
    ),
    "unsupported-compression": (
        "{name} 的部件 {part} 使用了 Excel 不用的压缩方式；{save_as_zh}。",
        "{name} compresses part {part} with a method Excel does not use; {save_as_en}.",
    ),
    "ole-not-workbook": (
        "{name} 是 Office 旧格式文件，但不是 Excel 工作簿。",
        "{name} is an old-format Office file but not an Excel workbook.",
    ),
    "corrupt-ole": (
        "{name} 已损坏（旧版 Office 容器结构错误）；{damaged_zh}。",
        "{name} is damaged (its legacy Office container is corrupt); {damaged_en}.",
    ),
    "corrupt-xls": (
        "{name} 已损坏（.xls 内部的记录互相矛盾或越界）；{damaged_zh}。",
        "{name} is damaged (records inside the .xls are inconsistent or out of bounds); {damaged_en}.",
    ),
    "too-many-entries": (
        "{name} 含有 {detail} 个部件，超过了 {limit} 的上限（见 schemas/limits.yaml）。",
        "{name} holds {detail} parts, more than the limit of {limit} (see schemas/limits.yaml).",
    ),
    "entry-too-large": (
        "{name} 的部件 {part} 解压后有 {detail} MB，超过了 {limit} MB 的上限（疑似压缩炸弹）。",
        "{name}: part {part} inflates to {detail} MB, more than the limit of {limit} MB (a suspected zip bomb).",
    ),
    "total-too-large": (
        "{name} 解压后共有 {detail} MB，超过了 {limit} MB 的上限（疑似压缩炸弹）。",
        "{name} inflates to {detail} MB in all, more than the limit of {limit} MB (a suspected zip bomb).",
    ),
    "ratio": (
        "{name} 的部件 {part} 压缩比为 {detail}:1，超过了 {limit}:1 的上限（疑似压缩炸弹）。",
        "{name}: part {part} has a compression ratio of {detail}:1, above the limit of {limit}:1 (a suspected zip bomb).",
    ),
    "size-mismatch": (
        "{name} 的部件 {part} 解压后比声明的大小更大，文件已被篡改或损坏，未予打开。",
        "{name}: part {part} inflates to more than its declared size, so the file is tampered "
        "with or corrupt and was not opened.",
    ),
    "doctype": (
        "{name} 的部件 {part} 含有 DOCTYPE/ENTITY 声明（Excel 从不写入，可被用来读取本机文件），未予打开。",
        "{name}: part {part} contains a DOCTYPE/ENTITY declaration, which Excel never writes and which "
        "can be used to read local files, so the file was not opened.",
    ),
    "xml-encoding": (
        "{name} 的部件 {part} 使用了字符编码 {detail}（Excel 只用 UTF-8），无法读取；"
        "请在 Excel 或 LibreOffice 中打开并另存为 .xlsx。",
        "{name}: part {part} is in the character encoding {detail} (Excel only writes UTF-8) and "
        "cannot be read; open it in Excel or LibreOffice and save it as .xlsx again.",
    ),
    "xml-prolog": (
        "{name} 的部件 {part} 开头不是正常的 XML，文件已损坏或被篡改，未予打开。",
        "{name}: part {part} does not start like normal XML, so the file is corrupt or tampered with "
        "and was not opened.",
    ),
    "too-many-cells": (
        "{name} 的工作表 {part} 的数据区域有 {detail} 个单元格，超过了 {limit} 的上限；"
        "请删除远离数据的零散单元格（Ctrl+End 可找到最后一个）后保存。",
        "{name}: sheet {part} spans {detail} cells, more than the limit of {limit}; delete stray cells far "
        "from the data (Ctrl+End finds the last one) and save it again.",
    ),
}


def refuse(
    reason: str, name: str, *, detail: str = "", limit: str = "", part: str = ""
) -> GateRefusal:
    """The :class:`GateRefusal` for ``reason``; ``name`` is the file's base name."""
    values = {"name": name, "detail": detail, "limit": limit, "part": part, **_ADVICE}
    zh, en = REFUSALS[reason]
    return GateRefusal(reason, en.format(**values), zh.format(**values))
