"""The input limits (schemas/limits.yaml) and the formats the gate knows."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from gendan.model.errors import SchemaError

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
