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

from gendan import iso6346
from gendan.checks.base import Context, check
from gendan.findings import Finding
from gendan.stages import STAGE_INDEX

if TYPE_CHECKING:
    from gendan.documents.layout import CellSpec, DocumentSpec, Layout

_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")
_SCOPE_TABLE = {"m": "master", "c": "customers", "p": "products"}
_SOURCE_SCOPE = {"master": "m", "customer": "c", "product": "p"}


@dataclass(frozen=True, slots=True)
class Need:
    """One cell of a document that can print the missing marker, and the book values
    (scope ``m``/``c``/``p``, key) whose blank makes it do so."""

    cell: CellSpec
    refs: tuple[tuple[str, str], ...]
    repeated: bool


def _need_refs(text: str) -> tuple[tuple[str, str], ...]:
    """The (scope, key) names read inside the NEED(...) calls of a calc expression."""
    from gendan.documents import expr

    out: list[tuple[str, str]] = []
    for node in ast.walk(expr.parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "NEED"
        ):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                    pair = (sub.value.id, sub.attr)
                    if pair[0] in _SCOPE_TABLE and pair not in out:
                        out.append(pair)
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
                needs.append(Need(c, ((_SOURCE_SCOPE[c.source], c.arg),), rep))
            elif c.source == "calc" and "NEED(" in c.arg:
                refs = _need_refs(c.arg)
                if refs:
                    needs.append(Need(c, refs, rep))
        if needs:
            out.append((doc, tuple(needs)))
    return tuple(out)


def _checkable(ctx: Context, scope: str, key: str) -> bool:
    """A value the check may report: its sheet has the column, and no required rule of
    its own covers it."""
    t = {"m": ctx.master, "c": ctx.tables.customers, "p": ctx.tables.products}[scope]
    if t is None or not t.has(key) or not t.spec.has(key):
        return False
    col = t.spec.column(key)
    return not (col.required or col.required_when)


@check("document-values", codes=("doc-value-missing",), cost=2)
def document_values(ctx: Context) -> Iterator[Finding]:
    """doc-value-missing: see the module docstring."""
    from gendan.documents.build import ISSUED, Builder, Order
    from gendan.documents.layout import load_layout

    layout = load_layout()
    per_doc = document_needs(layout)
    if not per_doc:
        return
    m, st = ctx.master, ctx.stages
    checkable: dict[tuple[str, str], bool] = {}
    for _doc, needs in per_doc:
        for n in needs:
            for ref in n.refs:
                if ref not in checkable:
                    checkable[ref] = _checkable(ctx, *ref)
    if not any(checkable.values()):
        return
    first = min(STAGE_INDEX[doc.needed_from] for doc, _ in per_doc if doc.needed_from)
    master_refs = sorted({k for (s, k), ok in checkable.items() if ok and s == "m"})
    cols = {k: m.column(k) for k in master_refs}
    other_refs = any(ok and s != "m" for (s, _k), ok in checkable.items())
    methods = ctx.methods()
    cache: dict[object, object] = {}
    types: dict[str, str | None] = {}
    for i in range(m.n):
        if st.settled[i] or st.stage[i] < first:
            continue
        # most rows have every master value a document needs: nothing can be missing there
        if not other_refs and all(cols[k][i] is not None or m.is_bad(k, i) for k in master_refs):
            continue
        order = Order(ctx.tables, i, types=types)
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
                refs = [r for r in n.refs if checkable[r]]
                if not refs:
                    continue
                blank = [r for r in refs if _blank_ref(ctx, order, r)]
                if not blank:
                    continue
                if builder is None:
                    builder = Builder(layout, doc, order, ISSUED, cache=cache)
                reps = range(1, builder.n + 1) if n.repeated else (0,)
                if not any(
                    layout.missing_text in str(builder.value(n.cell, k) or "") for k in reps
                ):
                    continue  # a branch that does not print it for this order (IF …)
                for r in blank:
                    docs = where.setdefault(r, [])
                    if doc not in docs:
                        docs.append(doc)
        for (scope, key), docs in where.items():
            yield _finding(ctx, order, scope, key, i, docs)


def _blank_ref(ctx: Context, order: object, ref: tuple[str, str]) -> bool:
    """Is the book value blank (and not a bad value, which has its own finding)?"""
    from gendan.documents.build import Order

    assert isinstance(order, Order)
    scope, key = ref
    if scope == "m":
        return ctx.master.get(key, order.index) is None and not ctx.master.is_bad(key, order.index)
    t = ctx.tables.customers if scope == "c" else ctx.tables.products
    j = order.customer_index if scope == "c" else order.product_index
    if t is None or j is None:
        return False  # unknown customer / product: its own finding
    return t.get(key, j) is None and not t.is_bad(key, j)


def layout_missing_text() -> str:
    from gendan.documents.layout import load_layout

    return load_layout().missing_text


def _finding(
    ctx: Context, order: object, scope: str, key: str, i: int, docs: list[DocumentSpec]
) -> Finding:
    from gendan.documents.build import Order

    assert isinstance(order, Order)
    stage = next(
        s
        for s in ctx.schema.stages
        if s.key == min((d.needed_from for d in docs if d.needed_from), key=STAGE_INDEX.__getitem__)
    )
    params = {
        "documents_zh": "、".join(f"「{d.title_zh}」" for d in docs),
        "documents_en": ", ".join(d.title_en.title() for d in docs),
        "stage_zh": stage.zh,
        "stage_en": stage.en,
        "missing": layout_missing_text(),
        "contract": ctx.contract_no(ctx.master, i) or "",
    }
    if scope == "m":
        return ctx.finding("doc-value-missing", ctx.master, key, i, value=None, **params)
    t = ctx.tables.customers if scope == "c" else ctx.tables.products
    j = order.customer_index if scope == "c" else order.product_index
    assert t is not None and j is not None
    return ctx.finding("doc-value-missing", t, key, j, value=None, reason="reference", **params)


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
    return got  # type: ignore[no-any-return]


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
