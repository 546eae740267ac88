"""One registry of finding codes (gendan.model.codes): every code a check can emit is there with
its severity, both languages and its docs line; the doc-* codes are an ordinary check."""

from __future__ import annotations

import re

import pytest

from gendan.book.schemadoc import render_markdown
from gendan.model.codes import CODE_DOCS, CODES, DEFAULT_SEVERITY, TEMPLATES
from gendan.model.schema import load_schema
from gendan.rules.checks import REGISTRY
from gendan.rules.checks.base import check


def test_every_code_a_check_can_emit_is_registered_in_both_languages_with_docs() -> None:
    emitted = {c for spec in REGISTRY.values() for c in spec.codes}
    assert emitted == set(CODES), "a code no check emits, or a check code not in gendan.model.codes"
    for name in emitted:
        code = CODES[name]
        assert code.severity in ("info", "warning", "error")
        assert code.doc.strip(), name
        assert None in code.templates, f"{name} has no plain template"
        for reason, (zh, en) in code.templates.items():
            assert zh.strip() and en.strip(), (name, reason)
            assert re.search(r"[\u4e00-\u9fff]", zh), (name, reason, "zh template has no Chinese")

            # the same placeholders in both languages (modulo the *_zh / *_en pairs)
            def names(t: str) -> set[str]:
                return {re.sub(r"_(zh|en)$", "", p) for p in re.findall(r"{(\w+)}", t)}

            assert names(zh) == names(en), (name, reason)


def test_messages_and_schemadoc_read_the_registry() -> None:
    from gendan.book import schemadoc
    from gendan.model import messages

    assert messages.DEFAULT_SEVERITY is DEFAULT_SEVERITY and messages.TEMPLATES is TEMPLATES
    assert vars(schemadoc)["CODE_DOCS"] is CODE_DOCS  # its own global, not a public name
    text = render_markdown(load_schema())
    for name, code in CODES.items():
        assert f"| `{name}` | {code.severity} |" in text


def test_documents_check_is_registered_last_and_local() -> None:
    spec = REGISTRY["documents"]
    assert spec.codes == ("doc-mismatch", "doc-missing") and spec.local
    assert list(REGISTRY)[-1] == "documents"


def test_a_check_with_an_unregistered_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown code no-such-code"):
        check("bogus", codes=("no-such-code",))(lambda ctx: [])
    assert "bogus" not in REGISTRY


def test_disabling_the_doc_codes_skips_the_documents_check() -> None:
    import dataclasses
    import datetime as dt

    from factory import clean_order, make_data

    from gendan.read.tables import load_tables
    from gendan.rules.checks.base import Context, selected_checks

    base = load_schema()
    off = (*base.settings.disabled, "doc-mismatch", "doc-missing")
    schema = dataclasses.replace(base, settings=dataclasses.replace(base.settings, disabled=off))
    data = make_data([clean_order()], schema=schema)
    ctx = Context(tables=load_tables(data, schema), schema=schema, as_of=dt.date(2026, 11, 30))
    names = [s.name for s in selected_checks(ctx)]
    assert "documents" not in names and "references" in names
