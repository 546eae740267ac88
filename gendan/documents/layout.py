"""Load schemas/documents.yaml: the six documents as data (see that file's header and
docs/documents.md).  Mistakes stop the run with a SchemaError naming the document and the
cell, because a layout error found while printing an invoice for a waiting buyer is worse
than one found when the YAML is edited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from gendan.documents import expr
from gendan.model import yamldata
from gendan.model.errors import SchemaError
from gendan.model.grid import column_index, column_letter
from gendan.model.plan import BORDER_STYLES, BorderStyle
from gendan.model.schema import STAGE_KEYS

SOURCES = (
    "text",
    "master",
    "customer",
    "product",
    "company",
    "template",
    "calc",
    "words_en",
    "words_zh",
    "container_no",
)
_CELL_KEYS = set(SOURCES) | {
    "at",
    "to",
    "col",
    "to_col",
    "style",
    "format",
    "name",
    "key",
    "label",
    "check",
    "need",
}
#: sources whose blank value ``need: true`` can replace by the layout's missing_text
_NEED_SOURCES = ("master", "customer", "product", "company", "calc")
_STYLE_KEYS = {
    "bold",
    "italic",
    "size",
    "color",
    "font",
    "horizontal",
    "vertical",
    "wrap",
    "fill",
    "border",
    "border_style",
}
_DOC_KEYS = {
    "key",
    "sheet",
    "title",
    "number",
    "when",
    "blocks",
    "cells",
    "row_heights",
    "needed_from",
}
_ADDR = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")
_PLACEHOLDER = re.compile(r"\{(m|c|p|co|doc)\.([A-Za-z0-9_]+)\}")


@dataclass(frozen=True)
class Style:
    bold: bool | None = None
    italic: bool | None = None
    size: float | None = None
    color: str | None = None
    font: str | None = None
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool | None = None
    fill: str | None = None
    border: tuple[str, ...] = ()
    border_style: BorderStyle = "thin"


@dataclass(frozen=True)
class CellSpec:
    """One cell (or merged range) of a document and what feeds it."""

    row: int
    col: int
    source: str  # one of SOURCES
    arg: str  # the text / key / expression / name the source takes
    to_row: int | None = None
    to_col: int | None = None
    styles: tuple[str, ...] = ()
    format: str | None = None
    name: str | None = None
    key: str | None = None
    label: tuple[str, str] | None = None  # zh, en
    check: bool | None = None
    #: the document needs this value: blank shows the layout's missing_text instead
    need: bool = False

    @property
    def merged(self) -> bool:
        return self.to_row is not None and (self.to_row, self.to_col) != (self.row, self.col)

    def moved(self, rows: int) -> CellSpec:
        from dataclasses import replace

        return replace(
            self, row=self.row + rows, to_row=None if self.to_row is None else self.to_row + rows
        )

    def addr(self) -> str:
        return f"{column_letter(self.col)}{self.row}"

    def ref(self) -> str:
        if not self.merged:
            return self.addr()
        return f"{self.addr()}:{column_letter(self.to_col or self.col)}{self.to_row}"

    @property
    def checked(self) -> bool:
        """Compared by the check: explicit ``check``, else values fed by the order."""
        if self.check is not None:
            return self.check
        return self.source in (
            "master",
            "customer",
            "product",
            "calc",
            "words_en",
            "words_zh",
            "container_no",
        )

    @property
    def field_key(self) -> str:
        if self.key:
            return self.key
        if self.source in ("master", "customer", "product", "company"):
            return self.arg if self.source == "master" else f"{self.source}.{self.arg}"
        return self.name or f"{self.source}@{self.addr()}"


@dataclass(frozen=True)
class RepeatSpec:
    """Rows written once per container (``over: containers``)."""

    over: str
    row: int
    cells: tuple[CellSpec, ...]


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    sheet: str
    title_zh: str
    title_en: str
    number: str | None
    terms: tuple[str, ...]  # payment methods the document is for; () = every order
    cells: tuple[CellSpec, ...]
    repeat: RepeatSpec | None = None
    row_heights: dict[int, float] = field(default_factory=dict)
    #: the order stage from which the document is needed: `gendan check` reports a value it
    #: needs (need: true, NEED(x)) that is blank from then on (gendan.rules.checks.shipment);
    #: None: never reported
    needed_from: str | None = None

    def applies(self, method: str | None) -> bool:
        return not self.terms or method in self.terms


@dataclass(frozen=True)
class Layout:
    version: int
    columns: dict[str, float]
    margins_cm: tuple[float, float, float, float]
    orientation: str
    paper: str
    font: str
    font_size: float
    provenance_column: str
    missing_statuses: tuple[str, ...]
    missing_documents: tuple[str, ...]
    missing_sheets: str  # order | workbook | always: when a missing document sheet is reported
    styles: dict[str, Style]
    documents: tuple[DocumentSpec, ...]
    source: str = "<default>"
    #: what a ``need: true`` cell shows when its value is blank
    missing_text: str = "〔缺 MISSING〕"

    def document(self, key: str) -> DocumentSpec:
        for d in self.documents:
            if d.key == key:
                return d
        raise KeyError(key)

    @property
    def last_column(self) -> str:
        return max(self.columns, key=column_index)


def default_layout_path() -> Path:
    """The bundled documents.yaml (package data gendan.schemas; schemas/ in a checkout)."""
    from gendan.model.resources import SCHEMAS, data_file

    return data_file(SCHEMAS, "documents.yaml")


def load_layout(path: str | Path | None = None) -> Layout:
    """The document layouts (the shipped schemas/documents.yaml when ``path`` is None)."""
    p = Path(path) if path else default_layout_path()
    return _load_cached(str(p), p.stat().st_mtime if p.exists() else 0.0)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Layout:
    try:
        raw = yamldata.load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaError(
            f"Cannot read the document layouts {path}: {exc.strerror}.",
            f"无法读取单据版式文件 {path}：{exc.strerror}。",
        ) from None
    except yaml.YAMLError as exc:
        raise SchemaError(
            f"{path} is not valid YAML: {exc}", f"{path} 不是有效的 YAML：{exc}"
        ) from None
    return parse_layout(raw, path)


def _fail(src: str, where: str, en: str, zh: str) -> SchemaError:
    return SchemaError(f"{src}: {where}: {en}", f"{src}：{where}：{zh}")


def _addr(src: str, where: str, text: Any) -> tuple[int, int]:
    m = _ADDR.match(str(text or "").strip().upper())
    if not m:
        raise _fail(
            src,
            where,
            f"{text!r} is not a cell address like B7",
            f"{text!r} 不是单元格地址（如 B7）",
        )
    return int(m.group(2)), column_index(m.group(1))


def _style(src: str, name: str, raw: Any) -> Style:
    if not isinstance(raw, dict):
        raise _fail(src, f"styles.{name}", "must be a mapping", "必须是映射")
    unknown = set(raw) - _STYLE_KEYS
    if unknown:
        raise _fail(
            src, f"styles.{name}", f"unknown keys {sorted(unknown)}", f"未知的键 {sorted(unknown)}"
        )
    border = raw.get("border") or ()
    weight = raw.get("border_style", "thin")
    if weight not in BORDER_STYLES:
        raise _fail(
            src,
            f"styles.{name}.border_style",
            f"{weight!r} is not one of {list(BORDER_STYLES)}",
            f"{weight!r} 不是 {list(BORDER_STYLES)} 之一",
        )
    return Style(
        bold=raw.get("bold"),
        italic=raw.get("italic"),
        size=raw.get("size"),
        color=str(raw["color"]) if raw.get("color") is not None else None,
        font=raw.get("font"),
        horizontal=raw.get("horizontal"),
        vertical=raw.get("vertical"),
        wrap=raw.get("wrap"),
        fill=str(raw["fill"]) if raw.get("fill") is not None else None,
        border=tuple(border),
        border_style=weight,
    )


def _cell(
    src: str,
    where: str,
    raw: Any,
    styles: dict[str, Style],
    in_repeat: bool = False,
    repeat_row: int = 0,
) -> CellSpec:
    if not isinstance(raw, dict):
        raise _fail(src, where, "a cell must be a mapping", "单元格定义必须是映射")
    unknown = set(raw) - _CELL_KEYS
    if unknown:
        raise _fail(src, where, f"unknown keys {sorted(unknown)}", f"未知的键 {sorted(unknown)}")
    given = [s for s in SOURCES if s in raw]
    if len(given) != 1:
        raise _fail(
            src,
            where,
            f"give exactly one of {', '.join(SOURCES)}",
            f"须且只能给出 {', '.join(SOURCES)} 之一",
        )
    source = given[0]
    arg = raw[source]
    arg = "" if arg is None else str(arg)
    if in_repeat:
        col = column_index(str(raw.get("col", "")).upper()) if raw.get("col") else 0
        if not col:
            raise _fail(src, where, "a repeated cell needs col:", "重复行中的单元格需要 col:")
        row = repeat_row
        to_col = column_index(str(raw["to_col"]).upper()) if raw.get("to_col") else None
        to_row = row if to_col else None
    else:
        row, col = _addr(src, where, raw.get("at"))
        to_row = to_col = None
        if raw.get("to"):
            to_row, to_col = _addr(src, where, raw["to"])
            if to_row < row or to_col < col:
                raise _fail(src, where, "to: must be below/right of at:", "to: 必须在 at: 的右下方")
    st = raw.get("style") or ()
    names = (st,) if isinstance(st, str) else tuple(st)
    for s in names:
        if s not in styles:
            raise _fail(src, where, f"unknown style {s!r}", f"未知样式 {s!r}")
    if source == "calc":
        expr.parse(arg)
    if source == "template" and any(
        not _PLACEHOLDER.fullmatch(b) for b in re.findall(r"\{[^}]*\}", arg)
    ):
        raise _fail(
            src,
            where,
            "a {…} in a template is not {m.KEY}, {c.KEY}, {p.KEY}, {co.KEY} or {doc.NAME}",
            "模板中的 {…} 不是 {m.KEY}、{c.KEY}、{p.KEY}、{co.KEY} 或 {doc.NAME}",
        )
    label = raw.get("label")
    lab = (str(label.get("zh", "")), str(label.get("en", ""))) if isinstance(label, dict) else None
    need = bool(raw.get("need", False))
    if need and source not in _NEED_SOURCES:
        raise _fail(
            src,
            where,
            f"need: is for {', '.join(_NEED_SOURCES)} cells",
            f"need: 只用于 {'、'.join(_NEED_SOURCES)} 单元格",
        )
    return CellSpec(
        row=row,
        col=col,
        source=source,
        arg=arg,
        to_row=to_row,
        to_col=to_col,
        styles=names,
        format=raw.get("format"),
        name=raw.get("name"),
        key=raw.get("key"),
        label=lab,
        check=raw.get("check"),
        need=need,
    )


def parse_layout(raw: Any, src: str = "documents.yaml") -> Layout:
    if not isinstance(raw, dict) or "documents" not in raw:
        raise _fail(src, "top", "needs a documents: list", "缺少 documents: 列表")
    page = raw.get("page") or {}
    styles = {name: _style(src, name, s) for name, s in (raw.get("styles") or {}).items()}
    blocks_raw = raw.get("blocks") or {}
    missing = raw.get("doc_missing") or {}
    docs: list[DocumentSpec] = []
    seen: set[str] = set()
    for k, d in enumerate(raw["documents"]):
        where = f"documents[{k}]"
        if not isinstance(d, dict) or not d.get("key"):
            raise _fail(src, where, "needs key:", "缺少 key:")
        unknown = set(d) - _DOC_KEYS
        if unknown:
            raise _fail(
                src, where, f"unknown keys {sorted(unknown)}", f"未知的键 {sorted(unknown)}"
            )
        key = str(d["key"])
        if key in seen:
            raise _fail(src, where, f"document {key} appears twice", f"单据 {key} 重复")
        seen.add(key)
        cells: list[CellSpec] = []
        for b in d.get("blocks") or ():
            if b not in blocks_raw:
                raise _fail(src, f"{key}.blocks", f"unknown block {b!r}", f"未知区块 {b!r}")
            cells += [
                _cell(src, f"blocks.{b}[{j}]", c, styles) for j, c in enumerate(blocks_raw[b])
            ]
        repeat: RepeatSpec | None = None
        for j, c in enumerate(d.get("cells") or ()):
            if isinstance(c, dict) and "repeat" in c:
                if repeat is not None:
                    raise _fail(
                        src,
                        f"{key}.cells[{j}]",
                        "only one repeat per document",
                        "每个单据只能有一个 repeat",
                    )
                row = int(c.get("row") or 0)
                rc = tuple(
                    _cell(src, f"{key}.cells[{j}].cells[{q}]", x, styles, True, row)
                    for q, x in enumerate(c.get("cells") or ())
                )
                repeat = RepeatSpec(over=str(c["repeat"]), row=row, cells=rc)
                continue
            cells.append(_cell(src, f"{key}.cells[{j}]", c, styles))
        _check_names(src, key, cells + list(repeat.cells if repeat else ()))
        title = d.get("title") or {}
        when = d.get("when") or {}
        needed_from = d.get("needed_from")
        if needed_from is not None and needed_from not in STAGE_KEYS:
            raise _fail(
                src,
                f"{key}.needed_from",
                f"{needed_from!r} is not one of {', '.join(STAGE_KEYS)}",
                f"{needed_from!r} 不是 {'、'.join(STAGE_KEYS)} 之一",
            )
        docs.append(
            DocumentSpec(
                key=key,
                sheet=str(d.get("sheet") or key),
                title_zh=str(title.get("zh", key)),
                title_en=str(title.get("en", key)),
                number=d.get("number"),
                terms=tuple(when.get("terms") or ()),
                cells=tuple(cells),
                repeat=repeat,
                row_heights={int(r): float(h) for r, h in (d.get("row_heights") or {}).items()},
                needed_from=None if needed_from is None else str(needed_from),
            )
        )
    margins = tuple(float(m) for m in page.get("margins_cm", (1.5, 1.2, 1.2, 1.5)))
    return Layout(
        version=int(raw.get("version", 1)),
        columns={str(c).upper(): float(w) for c, w in (page.get("columns") or {"A": 10}).items()},
        margins_cm=(margins[0], margins[1], margins[2], margins[3]),
        orientation=str(page.get("orientation", "portrait")),
        paper=str(page.get("paper", "A4")),
        font=str(page.get("font", "Arial")),
        font_size=float(page.get("font_size", 9)),
        provenance_column=str(raw.get("provenance_column", "P")).upper(),
        missing_statuses=tuple(missing.get("statuses") or ()),
        missing_documents=tuple(missing.get("documents") or ()),
        missing_sheets=_missing_mode(src, missing.get("sheets", "order")),
        styles=styles,
        documents=tuple(docs),
        source=src,
        missing_text=str(raw.get("missing_text") or "〔缺 MISSING〕"),
    )


def _check_names(src: str, doc: str, cells: list[CellSpec]) -> None:
    """Every ``doc.NAME`` / ``words_*: NAME`` must name a cell of the same document."""
    names = {c.name for c in cells if c.name}
    for c in cells:
        used: list[str] = []
        if c.source in ("words_en", "words_zh"):
            used.append(c.arg)
        elif c.source == "calc":
            used += [k for scope, k in expr.names(c.arg) if scope == "doc"]
        elif c.source == "template":
            used += [k for scope, k in placeholders(c.arg) if scope == "doc"]
        for name in used:
            if name not in names:
                raise _fail(
                    src,
                    f"{doc} {c.addr()}",
                    f"refers to {name!r}, which no cell of {doc} names",
                    f"引用了 {name!r}，但 {doc} 中没有这样命名的单元格",
                )


def _missing_mode(src: str, mode: Any) -> str:
    if mode not in ("order", "workbook", "always"):
        raise _fail(
            src,
            "doc_missing.sheets",
            f"{mode!r} is not one of order, workbook, always",
            f"{mode!r} 不是 order、workbook、always 之一",
        )
    return str(mode)


def placeholders(template: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _PLACEHOLDER.finditer(template)]


def split_template(template: str) -> list[tuple[str, str] | str]:
    """``"A {m.x} B"`` → ``["A ", ("m", "x"), " B"]``."""
    out: list[tuple[str, str] | str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > pos:
            out.append(template[pos : m.start()])
        out.append((m.group(1), m.group(2)))
        pos = m.end()
    if pos < len(template):
        out.append(template[pos:])
    return out
