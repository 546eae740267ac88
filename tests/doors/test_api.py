"""The curated public API, and the engine/surface boundary."""

from __future__ import annotations

import subprocess
import sys

import gendan

ENGINE_MODULES = [
    "gendan.rules.engine",
    "gendan.read.tables",
    "gendan.read.reader",
    "gendan.rules.checks",
    "gendan.rules.receivables",
    "gendan.model.schema",
    "gendan.model.values",
    "gendan.model.terms",
    "gendan.model.findings",
    "gendan.model.plan",
    "gendan.cli",
]


def test_public_api() -> None:
    assert sorted(gendan.__all__) == sorted(
        [
            "Finding",
            "GendanError",
            "InputError",
            "PaymentTerms",
            "Report",
            "SchemaError",
            "SheetGrid",
            "WorkbookData",
            "check_data",
            "check_workbook",
            "due_date",
            "load_schema",
            "parse_terms",
        ]
    )
    for name in gendan.__all__:
        assert getattr(gendan, name) is not None


def test_engine_never_imports_excel_libraries() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in ENGINE_MODULES)
        + "bad = [m for m in ('xlwings', 'openpyxl') if m in sys.modules]\nprint(','.join(bad))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == ""
