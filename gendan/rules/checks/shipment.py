"""What the shipment's documents need from the book: the values a document would print as
missing once the order has reached the stage that needs it (doc-value-missing), and the
per-container figures — cartons per container and seal numbers (container-cartons,
seal-number).

doc-value-missing reads the needs from the document layouts themselves
(schemas/documents.yaml: a cell with ``need: true``, or ``NEED(x)`` in a calc, and the
document's ``needed_from`` stage), so a document that starts needing a value is checked
without a line here.  It reports a blank value

- once the order has reached the document's ``needed_from`` stage (shipped for every
  document that goes with the goods: the B/L is issued on them, and the shipping advice,
  packing list, invoice, collection instruction and draft are made then);
- only while the order is not settled: an order paid or closed is history, and a blank
  optional column there is not a defect (books kept before the column existed);
- only when the book has the column (a book without a seal column keeps today's findings;
  the document shows the marker) and the column has no ``required`` rule of its own (that
  rule already reports it, at its own stage);
- once per blank cell, naming every document that needs it.

Per-container figures: the packing list prints one row per container, with the seal and
the cartons taken from lists typed in one cell ("1080 / 1080 / 960", one item per
container in the order of the container numbers, split exactly as the documents split
them: :func:`gendan.documents.expr.list_items`).  A seal belongs to one container: the same
seal twice in an order, or on another container of another order, is a typo a bank and a
customs broker both catch.  Two rows that name the same container (two contracts loaded
in one box) may of course share its seal.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gendan.model import iso6346
from gendan.model.findings import Finding
from gendan.read.lookup import customer_rows, product_rows
from gendan.rules.checks.base import Context, check
from gendan.rules.stages import STAGE_INDEX

if TYPE_CHECKING:
    from gendan.documents.layout import CellSpec, DocumentSpec, Layout
    from gendan.read.tables import Table

_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")
_SCOPE_TABLE = {"m": "master", "c": "customers", "p": "products"}
_SOURCE_SCOPE = {"master": "m", "customer": "c", "product": "p"}


@dataclass(frozen=True, slots=True)
class Need:
    """One cell of a document that can print the missing marker, and the book values
    (scope ``m``/``c``/``p``, key) behind it: one group per ``NEED(...)`` of the cell (a
    ``need: true`` cell: one group of its own value).  A group can print the marker only
    when every value in it is blank (COALESCE(m.notify_party, c.notify_party): both)."""

    cell: CellSpec
    groups: tuple[tuple[tuple[str, str], ...], ...]
    repeated: bool
    #: a plain ``need: true`` value: blank means the marker, nothing to evaluate
    plain: bool


def _need_groups(text: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Per NEED(...) call of a calc expression, the (scope, key) names read inside it."""
    from gendan.documents import expr

    out: list[tuple[tuple[str, str], ...]] = []
    for node in ast.walk(expr.parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "NEED"
        ):
            refs: list[tuple[str, str]] = []
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                    pair = (sub.value.id, sub.attr)
                    if pair[0] in _SCOPE_TABLE and pair not in refs:
                        refs.append(pair)
            if refs and tuple(refs) not in out:
                out.append(tuple(refs))
    return tuple(out)


def document_needs(layout: Layout) -> tuple[tuple[DocumentSpec, tuple[Need, ...]], ...]:
    """Per document with a ``needed_from`` stage: its cells that can show the marker."""
    out = []
    for doc in layout.documents:
        if doc.needed_from is None:
            continue
        needs: list[Need] = []
        cells = [(c, False) for c in doc.cells] + [
            (c, True) for c in (doc.repeat.cells if doc.repeat else ())
        ]
        for c, rep in cells:
            if c.need and c.source in _SOURCE_SCOPE:
                needs.append(Need(c, (((_SOURCE_SCOPE[c.source], c.arg),),), rep, True))
            elif c.source == "calc" and "NEED(" in c.arg:
                groups = _need_groups(c.arg)
                if groups:
                    needs.append(Need(c, groups, rep, False))
        if needs:
            out.append((doc, tuple(needs)))
    return tuple(out)


def _table(ctx: Context, scope: str) -> Table | None:
    return {"m": ctx.master, "c": ctx.tables.customers, "p": ctx.tables.products}[scope]


def _checkable(ctx: Context, scope: str, key: str) -> bool:
    """A value the check may report: its sheet has the column, the book uses it (some row
    has a value: a column nobody fills is a practice, not a defect per order — the
    template has every column), and no required rule of its own covers it."""
    t = _table(ctx, scope)
    if t is None or not t.has(key) or not t.spec.has(key):
        return False
    col = t.spec.column(key)
    if col.required or col.required_when:
        return False
    return any(v is not None for v in t.column(key)) or bool(t.bad.get(key))


class _Rows:
    """The 客户 and 产品 row of each master row: the documents' own lookups
    (gendan.read.lookup, worked out once per master and kept on the Tables), so a value the
    check calls missing is the one the document would leave blank."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def customer(self, i: int) -> int | None:
        return customer_rows(self.ctx.tables)[i]

    def product(self, i: int) -> int | None:
        return product_rows(self.ctx.tables)[i]


def _blank(ctx: Context, rows: _Rows, ref: tuple[str, str], i: int) -> bool:
    """Is the book value blank for master row ``i`` (a bad value is not: it has its own
    finding; an unknown buyer or product neither: its own finding too)?"""
    scope, key = ref
    t = _table(ctx, scope)
    if t is None or not t.has(key):
        return True
    j = i if scope == "m" else rows.customer(i) if scope == "c" else rows.product(i)
    if j is None:
        return False
    return t.get(key, j) is None and not t.is_bad(key, j)


@check("document-values", codes=("doc-value-missing",), cost=2)
def document_values(ctx: Context) -> Iterator[Finding]:
    """doc-value-missing: see the module docstring."""
    from gendan.documents.build import ISSUED, Builder, Order
    from gendan.documents.layout import load_layout

    layout = load_layout()
    per_doc = document_needs(layout)
    checkable: dict[tuple[str, str], bool] = {}
    for _doc, needs in per_doc:
        for n in needs:
            for g in n.groups:
                for ref in g:
                    if ref not in checkable:
                        checkable[ref] = _checkable(ctx, *ref)
    if not any(checkable.values()):
        return
    m, st = ctx.master, ctx.stages
    first = min(STAGE_INDEX[doc.needed_from] for doc, _ in per_doc if doc.needed_from)
    methods = ctx.methods()
    rows = _Rows(ctx)
    cache: dict[object, object] = {}
    types: dict[str, str | None] = {}
    reported: set[tuple[str, str, int | None]] = set()
    names = {doc.key: doc.sheet for doc, _ in per_doc}
    said: dict[tuple[str, ...], dict[str, str]] = {}
    for i in range(m.n):
        if st.settled[i] or st.stage[i] < first:
            continue
        blank: dict[tuple[str, str], bool] = {}
        order: Order | None = None
        where: dict[tuple[str, str], list[DocumentSpec]] = {}
        for doc, needs in per_doc:
            if (
                doc.needed_from is None
                or not st.reached(i, doc.needed_from)
                or not doc.applies(methods[i])
            ):
                continue
            builder: Builder | None = None
            for n in needs:
                for g in n.groups:
                    if not any(checkable[r] for r in g):
                        continue
                    if not all(
                        blank[r] if r in blank else blank.setdefault(r, _blank(ctx, rows, r, i))
                        for r in g
                    ):
                        continue
                    if not n.plain:
                        # printed only on some branch (the L/C clause of a draft …): ask the
                        # document itself, as `gendan docs` would build it
                        if builder is None:
                            # (named sheets: the builder need not make a sheet name)
                            order = order or Order(ctx.tables, i, types=types, sheet_names=names)
                            builder = Builder(layout, doc, order, ISSUED, cache=cache)
                        reps = range(1, builder.n + 1) if n.repeated else (0,)
                        if not any(
                            layout.missing_text in str(builder.value(n.cell, k) or "") for k in reps
                        ):
                            continue
                    for r in g:
                        if checkable[r] and doc not in (docs := where.setdefault(r, [])):
                            docs.append(doc)
        for (scope, key), docs in where.items():
            if scope != "m":  # a 客户/产品 cell: once, for the first order that needs it
                j = rows.customer(i) if scope == "c" else rows.product(i)
                if (scope, key, j) in reported:
                    continue
                reported.add((scope, key, j))
            words = said.get(tuple(d.key for d in docs))
            if words is None:
                words = said[tuple(d.key for d in docs)] = _words(ctx, docs, layout.missing_text)
            yield _finding(ctx, rows, scope, key, i, words)


def _words(ctx: Context, docs: list[DocumentSpec], missing: str) -> dict[str, str]:
    """How a finding names the documents that need the value and the stage they need it from."""
    stage_key = min((d.needed_from for d in docs if d.needed_from), key=STAGE_INDEX.__getitem__)
    stage = next(s for s in ctx.schema.stages if s.key == stage_key)
    return {
        "documents_zh": "、".join(f"「{d.title_zh}」" for d in docs),
        "documents_en": ", ".join(d.title_en.title() for d in docs),
        "stage_zh": stage.zh,
        "stage_en": stage.en,
        "missing": missing,
    }


def _finding(
    ctx: Context, rows: _Rows, scope: str, key: str, i: int, words: dict[str, str]
) -> Finding:
    if scope == "m":
        return ctx.finding("doc-value-missing", ctx.master, key, i, value=None, **words)
    t = _table(ctx, scope)
    j = rows.customer(i) if scope == "c" else rows.product(i)
    assert t is not None and j is not None
    return ctx.finding(
        "doc-value-missing",
        t,
        key,
        j,
        value=None,
        reason="reference",
        contract=ctx.contract_no(ctx.master, i) or "",
        **words,
    )


# ----------------------------------------------------------------------------- per container


def _container_count(ctx: Context, i: int, numbers: list[str] | None) -> int | None:
    """How many containers row ``i`` has: the container numbers typed, else the count."""
    if numbers:
        return len(numbers)
    n = ctx.master.get("containers", i)
    return n if isinstance(n, int) and n > 0 else None


def _container_numbers(ctx: Context) -> list[list[str] | None]:
    """The container numbers of every row, split as the containers check splits them."""
    got = ctx.cache.get("container_numbers")
    if got is None:
        m = ctx.master
        col = m.column("container_nos") if m.has("container_nos") else [None] * m.n
        got = ctx.cache["container_numbers"] = [
            None if t is None else iso6346.split_numbers(str(t)) for t in col
        ]
    return got


@check("container-cartons", codes=("container-cartons",))
def container_cartons(ctx: Context) -> Iterator[Finding]:
    """Cartons per container: one whole number per container, adding up to the cartons."""
    from gendan.documents.expr import list_items

    m = ctx.master
    if not m.has("container_cartons"):
        return
    raw, cartons = m.column("container_cartons"), m.column("cartons")
    numbers = _container_numbers(ctx)
    for i, text in enumerate(raw):
        if text is None:
            continue
        items = list_items(text)
        n = _container_count(ctx, i, numbers[i])
        if n is not None and len(items) != n:
            reason = "thousands" if _THOUSANDS.search(str(text)) else "count"
            yield ctx.finding(
                "container-cartons",
                m,
                "container_cartons",
                i,
                value=text,
                reason=reason,
                items=len(items),
                containers=n,
            )
            continue
        counts = [int(x) for x in items if x.isdigit() and int(x) > 0]
        if len(counts) != len(items):
            yield ctx.finding(
                "container-cartons", m, "container_cartons", i, value=text, reason="form"
            )
            continue
        c = cartons[i]
        if c is not None and sum(counts) != c:
            yield ctx.finding(
                "container-cartons",
                m,
                "container_cartons",
                i,
                value=text,
                expected=c,
                total=sum(counts),
                cartons=c,
            )


@check("seals", codes=("seal-number",))
def seals(ctx: Context) -> Iterator[Finding]:
    """One seal per container: as many seals as containers, none twice in an order, none on
    another container of another order."""
    from gendan.documents.expr import list_items

    m = ctx.master
    if not m.has("seal_nos"):
        return
    numbers = _container_numbers(ctx)
    #: seal → (row, its container or None) where it was first seen
    first: dict[str, tuple[int, str | None]] = {}
    for i, text in enumerate(m.column("seal_nos")):
        if text is None:
            continue
        items = [x.upper() for x in list_items(text)]
        nos = numbers[i] or []
        n = _container_count(ctx, i, numbers[i])
        if n is not None and len(items) != n:
            yield ctx.finding(
                "seal-number",
                m,
                "seal_nos",
                i,
                value=text,
                reason="count",
                items=len(items),
                containers=n,
            )
        seen: set[str] = set()
        for k, seal in enumerate(items):
            box = nos[k] if k < len(nos) and len(items) == len(nos) else None
            if seal in seen:
                yield ctx.finding("seal-number", m, "seal_nos", i, value=seal, reason="repeated")
                continue
            seen.add(seal)
            other = first.get(seal)
            if other is None:
                first[seal] = (i, box)
            elif box is None or other[1] is None or other[1] != box:
                j = other[0]
                yield ctx.finding(
                    "seal-number",
                    m,
                    "seal_nos",
                    i,
                    value=seal,
                    reason="shared",
                    first_row=m.rows[j],
                    first_contract=ctx.contract_no(m, j) or "",
                )
