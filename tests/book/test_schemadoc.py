"""docs/schema.md is rendered from the schema and must be regenerated when the YAML changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gendan.book.schemadoc import INTRO, main, render_markdown
from gendan.model.schema import load_schema

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "schema.md"


def test_docs_schema_md_is_up_to_date() -> None:
    expected = render_markdown(load_schema())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/schema.md is stale: run `python -m gendan.book.schemadoc > docs/schema.md`"
    )


def test_doc_lists_every_column_setting_and_the_intro() -> None:
    schema = load_schema()
    text = render_markdown(schema)
    assert text.startswith(INTRO) and "--schema my.yaml" in text
    for spec in schema.sheets.values():
        for col in spec.columns:
            assert f"| `{col.key}` | {col.zh} | {col.en} |" in text
        for f in spec.fields:
            assert f"| `{f.key}` | {f.zh} | {f.en} |" in text
    assert f"| `grace_days` | {schema.settings.grace_days} |" in text
    assert "| `text-date` | warning |" in text


def test_doc_follows_a_changed_schema(tmp_path: Path) -> None:
    text = (ROOT / "schemas" / "master.yaml").read_text(encoding="utf-8")
    text = text.replace("zh: 箱数,", "zh: 件数,").replace("grace_days: 7 ", "grace_days: 10 ")
    text = text.replace("  disabled: []", "  disabled: [text-date]")
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    doc = render_markdown(load_schema(path))
    assert "| `cartons` | 件数 | Cartons |" in doc
    assert "| `grace_days` | 10 |" in doc and "balance: B/L date + 10" in doc
    assert "| `text-date` | off |" in doc


def test_main_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == render_markdown(load_schema())
