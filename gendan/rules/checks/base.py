"""The check registry and the context every check receives.

A check is a function ``(ctx) -> Iterable[Finding]`` registered with the codes it can
emit.  It reads typed columns from ``ctx.tables`` and never parses.  The schema's
``settings.disabled`` switches codes off and ``settings.severity`` changes their level;
both are applied here, in one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gendan.model.codes import DEFAULT_SEVERITY
from gendan.model.findings import Finding
from gendan.model.schema import Schema, Settings
from gendan.model.terms import PaymentTerms
from gendan.model.values import display
from gendan.read.tables import Table, Tables
from gendan.rules.stages import Stages, stages_of

CheckFn = Callable[["Context"], Iterable[Finding]]
_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class CheckSpec:
    name: str
    codes: tuple[str, ...]
    fn: CheckFn
    tags: tuple[str, ...] = ()
    #: relative time on a big master (docs/performance.md), to share the rules between
    #: two processes evenly (gendan.rules.engine)
    cost: int = 1
    #: never handed to the forked child: runs in the calling process (the documents
    #: check, which reads every sheet of the book, always has)
    local: bool = False


REGISTRY: dict[str, CheckSpec] = {}


def check(
    name: str, codes: Iterable[str], tags: Iterable[str] = (), cost: int = 1, local: bool = False
) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` under ``name`` as emitting ``codes`` (each must be in gendan.model.codes)."""

    def deco(fn: CheckFn) -> CheckFn:
        codes_t = tuple(codes)
        for c in codes_t:
            if c not in DEFAULT_SEVERITY:
                raise ValueError(f"check {name} declares unknown code {c}")
        REGISTRY[name] = CheckSpec(name, codes_t, fn, tuple(tags), cost, local)
        return fn

    return deco


@dataclass
class Context:
    """What a check may read: the typed tables, the schema, the as-of date."""

    tables: Tables
    schema: Schema
    as_of: dt.date
    _settings_cache: dict[str | None, Settings] = field(default_factory=dict)
    _methods: list[str | None] | None = None
    #: Per-run results that several checks share (e.g. the 产品 row of every master row).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def master(self) -> Table:
        return self.tables.master

    @property
    def stages(self) -> Stages:
        """Where each master row is in its life (gendan.rules.stages), worked out once per run."""
        return stages_of(self.cache, self.master, self.schema, self.as_of)

    @property
    def terms(self) -> list[PaymentTerms | None]:
        return self.master.column("payment_terms")

    def methods(self) -> list[str | None]:
        """The payment method of every master row (None: blank or not recognised), once."""
        cached = self._methods
        if cached is None:
            cached = self._methods = [t.method if t is not None else None for t in self.terms]
        return cached

    def settings_for(self, i: int) -> Settings:
        """The settings for master row ``i``, with its customer's overrides."""
        cust = self.master.get("customer", i)
        s = self._settings_cache.get(cust)
        if s is None:
            s = self.schema.settings.for_customer(cust)
            self._settings_cache[cust] = s
        return s

    def contract_no(self, table: Table, i: int) -> str | None:
        if table is not self.master or i < 0:
            return None
        v = self.master.get("contract_no", i)
        if v is None:
            raw = self.master.raw.get("contract_no")
            return display(raw[i]) if raw and raw[i] is not None else None
        return str(v)

    def finding(
        self,
        code: str,
        table: Table,
        key: str,
        i: int,
        *,
        value: Any = ...,
        expected: Any = None,
        reason: str | None = None,
        at_most: str | None = None,
        **params: Any,
    ) -> Finding:
        """A finding at column ``key`` of data row ``i`` (``i = -1``: the header row).
        ``at_most`` caps the severity (a past event on a settled order: ``warning``)."""
        if value is ...:
            raw = table.raw.get(key)
            value = raw[i] if raw is not None and i >= 0 else None
        spec_col = next((c for c in table.spec.columns if c.key == key), None)
        p = {
            "label_zh": spec_col.zh if spec_col else key,
            "label_en": spec_col.en if spec_col else key,
        }
        p.update({k: display(v) for k, v in params.items()})
        severity = self.schema.severity(code, DEFAULT_SEVERITY[code])
        if at_most is not None and _RANK[severity] > _RANK[at_most]:
            severity = at_most
        return Finding(
            code=code,
            severity=severity,  # type: ignore[arg-type]
            sheet=table.sheet,
            cell=table.cell(key, i),
            row=table.rows[i] if i >= 0 else table.header_row,
            key=key,
            contract_no=self.contract_no(table, i),
            value=None if value is None else display(value),
            expected=None if expected is None else display(expected),
            reason=reason,
            params=tuple(sorted(p.items())),
        )


def selected_checks(ctx: Context, only: Iterable[str] | None = None) -> list[CheckSpec]:
    """The registered checks to run (or those named in ``only``) that can emit an enabled code."""
    # the built-in checks are registered: importing this module ran gendan/rules/checks/__init__
    wanted = set(only) if only is not None else None
    return [
        spec
        for spec in REGISTRY.values()
        if (wanted is None or spec.name in wanted)
        and any(ctx.schema.enabled(c) for c in spec.codes)
    ]


def run_check(ctx: Context, spec: CheckSpec) -> list[Finding]:
    """One check's findings, its disabled codes dropped."""
    from gendan.read.reader import collector_paused

    with collector_paused():  # rules make big temporary lists: see collector_paused
        return [f for f in spec.fn(ctx) if ctx.schema.enabled(f.code)]


def reference_tables(ctx: Context) -> list[Table]:
    """The master and whichever reference sheets were found."""
    return [t for t in (ctx.master, ctx.tables.customers, ctx.tables.products) if t is not None]
