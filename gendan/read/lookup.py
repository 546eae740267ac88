"""Which 产品 and 客户 rows an order (a master row) means: one rule, computed once per
Tables and shared by the checks and the documents.

The rule is a merchandiser's:

* a customer is the first 客户 row whose name is the same text (compared normalised:
  width, case and spaces do not matter);
* a product is the first 产品 row with the same product name and the same spec;
* no spec typed on the order, and the product has exactly one spec in 产品: that row (a
  product sold in one size needs no spec; with two sizes the order must say which);
* a 产品 sheet without a spec column lists products by name alone: the first row with that
  name, whatever spec the order gives.

Before, the checks (``checks/orders._product_lookup``) accepted a blank spec for a
single-spec product and the documents (``documents/build._find_product``) did not, so an
order passed the check and then got a packing list without its product's facts.  The
results are kept on the Tables (``Tables.lookups``), so a master of 100,000 orders is
looked up once per distinct (product, spec), not once per rule or per document.
"""

from __future__ import annotations

from typing import Any

from gendan.model.normalize import norm
from gendan.read.tables import Table, Tables

__all__ = ["customer_rows", "product_row", "product_rows"]


def _product_index(products: Table) -> dict[tuple[str, str], int]:
    """(product, spec) normalised → the first 产品 row that has them."""
    idx: dict[tuple[str, str], int] = {}
    names = products.column("product")
    specs = products.column("spec") if products.has("spec") else [None] * products.n
    for i in range(products.n):
        if names[i] is not None:
            idx.setdefault((norm(names[i]), norm(specs[i])), i)
    return idx


def _lookup(
    idx: dict[tuple[str, str], int], by_name_only: bool, name: Any, spec: Any
) -> int | None:
    if name is None or norm(name) == "":
        return None
    n = norm(name)
    if by_name_only:
        return idx.get((n, ""))
    hit = idx.get((n, norm(spec)))
    if hit is None and norm(spec) == "":
        cands = [j for (pn, _s), j in idx.items() if pn == n]
        hit = cands[0] if len(cands) == 1 else None
    return hit


def product_row(products: Table, name: Any, spec: Any) -> int | None:
    """The 产品 row of one (product, spec), by the rule above (for a single order)."""
    return _lookup(_product_index(products), not products.has("spec"), name, spec)


def product_rows(tables: Tables) -> list[int | None]:
    """The 产品 row of every master row (None: no 产品 sheet, blank or unknown product),
    computed on the first call and kept on ``tables``."""
    got = tables.lookups.get("product_rows")
    if got is None:
        m, p = tables.master, tables.products
        if p is None:
            got = [None] * m.n
        else:
            idx, by_name = _product_index(p), not p.has("spec")
            pairs = list(zip(m.column("product"), m.column("spec"), strict=True))
            memo = {pair: _lookup(idx, by_name, *pair) for pair in set(pairs)}
            got = list(map(memo.__getitem__, pairs))
        tables.lookups["product_rows"] = got
    return got


def customer_rows(tables: Tables) -> list[int | None]:
    """The 客户 row of every master row (None: no 客户 sheet, blank or unknown customer),
    computed on the first call and kept on ``tables``."""
    got = tables.lookups.get("customer_rows")
    if got is None:
        m, c = tables.master, tables.customers
        if c is None:
            got = [None] * m.n
        else:
            names = m.column("customer")
            memo = {v: (None if v in (None, "") else c.find("customer", v)) for v in set(names)}
            got = list(map(memo.__getitem__, names))
        tables.lookups["customer_rows"] = got
    return got
