"""Findings rendered as sentences in Chinese or English, from the templates in gendan.model.codes.

A template may use ``{label}`` (the column's header in that language), ``{value}``,
``{expected}`` and any of the finding's ``params``.  A finding with a ``reason`` uses the
``(code, reason)`` template when there is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gendan.model import codes

if TYPE_CHECKING:
    from gendan.model.findings import Finding

# The codes, their severities and templates live in gendan.model.codes (one table per code);
# these names stay importable from here for the callers that render findings.
DEFAULT_SEVERITY = codes.DEFAULT_SEVERITY
KNOWN_CODES = codes.KNOWN_CODES
TEMPLATES = codes.TEMPLATES

TYPE_NAMES = {
    "date": ("日期", "date"),
    "number": ("数字", "number"),
    "integer": ("整数", "whole number"),
    "enum": ("选项", "choice"),
    "text": ("文本", "text"),
    "terms": ("付款方式", "payment terms"),
}


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(finding: Finding, lang: str) -> str:
    """The finding's sentence in ``lang`` ('zh' or 'en')."""
    tmpl = TEMPLATES.get((finding.code, finding.reason)) or TEMPLATES.get((finding.code, None))
    params = _Default(finding.params)
    params.setdefault("value", finding.value or "")
    params.setdefault("expected", finding.expected or "")
    params["label"] = params.get(f"label_{lang}", finding.key)
    if tmpl is None:
        return f"{finding.code}: {finding.key} {finding.value or ''}".strip()
    text = tmpl[0] if lang == "zh" else tmpl[1]
    return text.format_map(params)
