"""Run options instead of process-global switches (gendan.model.options, gendan.model.parallel,
gendan.read.reader, gendan.model.schema): one language rule for the command line and the ribbon,
RUST_BACKTRACE set once and never over the user's, enum tables owned by their spec."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from gendan.model.options import RunOptions, one_lang, resolve_lang

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("explicit", "env", "system", "want"),
    [
        ("en", {"GENDAN_LANG": "zh"}, "zh_CN", "en"),  # asked for wins
        (None, {"GENDAN_LANG": "both", "LANG": "en_US.UTF-8"}, "", "both"),
        (None, {"GENDAN_LANG": "zh_CN.UTF-8"}, "", "zh"),
        (None, {"GENDAN_LANG": "fr"}, "zh_CN", "en"),
        (None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US"}, "", "zh"),
        (None, {"LANG": "C.UTF-8"}, "zh_CN", "en"),
        (None, {}, "Chinese (Simplified)_China", "zh"),  # Excel on Chinese Windows: no variables
        (None, {}, "zh_CN", "zh"),
        (None, {}, "", "en"),
    ],
)
def test_one_language_rule(explicit, env, system, want) -> None:  # type: ignore[no-untyped-def]
    assert resolve_lang(explicit, env, system) == want
    assert one_lang(want) == ("en" if want == "en" else "zh")


def test_cli_and_ribbon_choose_the_language_by_the_same_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import argparse

    from gendan import cli
    from macros_py import ribbon

    for value, ribbon_lang, cli_lang in (
        ("both", "both", "zh"),
        ("en", "en", "en"),
        ("zh", "zh", "zh"),
    ):
        monkeypatch.setenv("GENDAN_LANG", value)
        args = argparse.Namespace(lang=None, schema=None)
        assert ribbon._lang() == ribbon_lang == cli._options(args).lang
        assert cli._lang(args) == cli_lang  # a one-language output shows zh for both


def test_annotate_from_the_command_line_writes_both_languages(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    from gendan.cli import main

    monkeypatch.setenv("GENDAN_LANG", "both")
    out = tmp_path / "marked.xlsx"
    main(
        ["annotate", str(REPO / "xlsx" / "sample.xlsx"), "--out", str(out), "--as-of", "2026-11-27"]
    )
    notes = [
        c.comment.text
        for ws in openpyxl.load_workbook(out).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.comment is not None
    ]
    assert notes and any("。" in n and ". " in n for n in notes)


def test_run_options_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RunOptions().cores = 1  # type: ignore[misc]


def test_rust_backtrace_is_set_once_and_never_over_the_users(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from gendan.read import reader

    sample = REPO / "xlsx" / "sample.xlsx"
    monkeypatch.setattr(reader, "_RUST_QUIETED", False)
    monkeypatch.setenv("RUST_BACKTRACE", "1")  # someone debugging calamine
    reader.read_workbook(sample)
    assert os.environ["RUST_BACKTRACE"] == "1"
    monkeypatch.setattr(reader, "_RUST_QUIETED", False)
    monkeypatch.delenv("RUST_BACKTRACE")
    reader.read_workbook(sample)
    assert os.environ["RUST_BACKTRACE"] == "0"
    monkeypatch.setenv("RUST_BACKTRACE", "full")  # changed later in the process: left alone
    reader.read_workbook(sample)
    assert os.environ["RUST_BACKTRACE"] == "full"


def test_enum_tables_belong_to_their_spec() -> None:
    import gc

    from gendan.model import schema as S
    from gendan.model.schema import ColumnSpec

    assert not hasattr(S, "_ENUM_CACHE")
    a = ColumnSpec("a", "甲", "A", type="enum", enum=(S.EnumValue("X"), S.EnumValue("Y")))
    assert a.enum_match("x") == "X" and a.enum_lookup() is a.enum_lookup()
    tables = []
    for _ in range(50):  # specs made and dropped: an id() reused must not return an old table
        b = ColumnSpec("b", "乙", "B", type="enum", enum=(S.EnumValue(f"V{_}"),))
        tables.append(b.enum_match(f"v{_}"))
        del b
        gc.collect()
    assert tables == [f"V{i}" for i in range(50)]


def test_the_unused_courier_cache_is_gone() -> None:
    from gendan.rules.checks import cells

    assert not hasattr(cells, "_COURIER_CACHE")
