"""Findings are data: one frozen record per problem, and a Report that holds them.

A finding stores the facts (code, where, the value found, what was expected, and the
parameters of its message); the zh/en sentences are rendered from the per-code templates
in :mod:`gendan.model.messages` when shown, never stored pre-rendered (frictionless-py's way).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

#: The public fields of a finding, in the order reports print them (interfaces.md).
FIELDS: tuple[str, ...] = (
    "code",
    "severity",
    "sheet",
    "cell",
    "row",
    "key",
    "contract_no",
    "value",
    "expected",
    "message_zh",
    "message_en",
)


@dataclass(frozen=True)
class Finding:
    """One problem at one place.  ``params`` feed the message templates (name, value pairs)."""

    code: str
    severity: Severity
    sheet: str
    cell: str
    row: int
    key: str
    contract_no: str | None = None
    value: str | None = None
    expected: str | None = None
    reason: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    #: For findings that compare two places (doc-mismatch): the other sheet and cell.
    ref_sheet: str | None = None
    ref_cell: str | None = None

    @property
    def message_zh(self) -> str:
        from gendan.model.messages import render

        return render(self, "zh")

    @property
    def message_en(self) -> str:
        from gendan.model.messages import render

        return render(self, "en")

    def message(self, lang: str) -> str:
        from gendan.model.messages import render

        return render(self, lang)

    def to_dict(self) -> dict[str, Any]:
        """The interfaces.md shape (plus ref_sheet/ref_cell where set and the reason)."""
        d: dict[str, Any] = {name: getattr(self, name) for name in FIELDS}
        if self.reason:
            d["reason"] = self.reason
        if self.ref_sheet:
            d["ref_sheet"] = self.ref_sheet
            d["ref_cell"] = self.ref_cell
        return d


def _sort_key(f: Finding) -> tuple[Any, ...]:
    return (f.sheet, f.row, _col_order(f.cell), f.code)


def _col_order(cell: str) -> tuple[int, str]:
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (len(letters), letters)


@dataclass
class Report:
    """The findings of one run over one workbook, and what was looked at."""

    findings: list[Finding] = field(default_factory=list)
    path: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def sort(self) -> None:
        self.findings.sort(key=_sort_key)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def flatten(self, fields: Sequence[str] = ("row", "code")) -> list[list[Any]]:
        """``report.flatten(["row", "code"]) == [[7, "amount-mismatch"]]`` — for tests."""
        return [[getattr(f, name) for name in fields] for f in self.findings]

    def to_dicts(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self.findings]

    def count_by_severity(self) -> dict[str, int]:
        counts: dict[str, int] = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            counts[f.severity] += 1
        return counts
