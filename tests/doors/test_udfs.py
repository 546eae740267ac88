"""The GD_ worksheet formulas as plain Python functions, fed the value forms Excel passes:
floats for dates (serial numbers) or datetimes, 2-D lists for ranges, None for blanks.
(On Linux ``@xw.func`` does nothing, so these are the very functions Excel would call.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from factory import CUSTOMERS, clean_order

from gendan.model.schema import Schema, load_schema
from gendan.model.values import date_to_serial
from macros_py import udfs
from macros_py.udfs import (
    GD_AGING,
    GD_CHECK_DIGIT,
    GD_CONTAINER_OK,
    GD_DAYS_OVERDUE,
    GD_DUE_DATE,
    GD_OUTSTANDING,
    GD_ROW_CHECK,
    GD_TERMS,
    GD_WORDS_EN,
    GD_WORDS_ZH,
)


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """GD_ROW_CHECK reads the user's settings file when there is one; these tests use the defaults."""
    from macros_py import ribbon

    monkeypatch.delenv("GENDAN_SCHEMA", raising=False)
    monkeypatch.setattr(ribbon, "USER_SCHEMA", tmp_path / "none.yaml")


def serial(y: int, m: int, d: int) -> float:
    return float(date_to_serial(dt.date(y, m, d)))


def test_serial_helper_is_excels() -> None:
    assert serial(2026, 3, 25) == 46106.0  # =DATE(2026,3,25) in Excel


@pytest.mark.parametrize(
    ("terms", "args", "want"),
    [
        (
            "D/P at sight",
            {"docs_sent_date": serial(2026, 3, 25)},
            dt.date(2026, 4, 8),
        ),  # + 14 transit
        ("O/A 30 days", {"bl_date": serial(2026, 3, 21)}, dt.date(2026, 4, 20)),
        ("L/C 90 days after B/L date", {"bl_date": dt.datetime(2026, 3, 21)}, dt.date(2026, 6, 19)),
        ("T/T in advance", {"etd": "2026-03-20"}, dt.date(2026, 3, 20)),
        (
            "T/T 30% deposit, 70% against B/L copy",
            {"contract_date": serial(2026, 3, 2), "bl_date": serial(2026, 3, 21)},
            dt.date(2026, 3, 28),
        ),
        ("D/P at sight", {}, None),  # not sent yet: no due date
        (None, {"bl_date": serial(2026, 3, 21)}, None),  # blank terms: blank
    ],
)
def test_due_date(terms: str | None, args: dict[str, Any], want: dt.date | None) -> None:
    assert GD_DUE_DATE(terms, **args) == want


def test_due_date_deposit_part() -> None:
    got = GD_DUE_DATE(
        "T/T 30% deposit, 70% against B/L copy",
        serial(2026, 3, 2),
        None,
        serial(2026, 3, 21),
        None,
        "deposit",
    )
    assert got == dt.date(2026, 3, 9)


def test_due_date_over_a_column_with_a_bad_row() -> None:
    got = GD_DUE_DATE(
        [["D/P at sight"], ["O/A 30 days"], ["cash please"]],
        None,
        None,
        [[serial(2026, 3, 21)], [serial(2026, 3, 21)], [None]],
        [[serial(2026, 3, 25)], [None], [None]],
    )
    assert got[:2] == [[dt.date(2026, 4, 8)], [dt.date(2026, 4, 20)]]
    assert got[2][0] == "#VALUE! payment terms not recognised: 'cash please'"


def test_days_overdue() -> None:
    due = serial(2026, 4, 8)
    assert GD_DAYS_OVERDUE(due, serial(2026, 5, 8)) == 30
    assert GD_DAYS_OVERDUE(due, serial(2026, 4, 1)) == 0  # not yet due
    assert GD_DAYS_OVERDUE(due, serial(2026, 5, 8), 0.0) == 0  # paid
    assert GD_DAYS_OVERDUE(due, serial(2026, 5, 8), 100.0) == 30
    assert GD_DAYS_OVERDUE(None, serial(2026, 5, 8)) is None
    assert GD_DAYS_OVERDUE([[due], [None]], serial(2026, 5, 8)) == [[30], [None]]
    assert GD_DAYS_OVERDUE("soon", serial(2026, 5, 8)).startswith("#VALUE! due date is not a date")


def test_aging_buckets_on_a_row_range() -> None:
    assert GD_AGING([[0.0, 1.0, 30.0, 31.0, 60.0, 61.0, 90.0, 91.0, None]]) == [
        ["current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", ">90", None]
    ]


def test_outstanding() -> None:
    assert GD_OUTSTANDING(25850.0, 10000.5) == 15849.5
    assert GD_OUTSTANDING("USD 12,345.60", None) == 12345.6
    assert GD_OUTSTANDING([[100.0], [200.0]], [[100.0], [50.0]]) == [[0.0], [150.0]]
    assert GD_OUTSTANDING(None, 5.0) is None
    assert GD_OUTSTANDING("abc", 1.0) == "#VALUE! amount is not a number: 'abc'"


def test_words() -> None:
    assert (
        GD_WORDS_EN(36288.0, "USD")
        == "SAY US DOLLARS THIRTY-SIX THOUSAND TWO HUNDRED EIGHTY-EIGHT ONLY"
    )
    assert GD_WORDS_ZH(36288.0, "USD") == "美元叁万陆仟贰佰捌拾捌元整"
    assert GD_WORDS_ZH(10.05) == "人民币壹拾元零伍分"
    assert GD_WORDS_EN(None) is None
    assert GD_WORDS_EN([[1.0], [2.0]], "USD") == [
        ["SAY US DOLLARS ONE ONLY"],
        ["SAY US DOLLARS TWO ONLY"],
    ]


def test_container_numbers() -> None:
    assert GD_CONTAINER_OK("CSQU3054383") is True
    assert GD_CONTAINER_OK("CSQU3054384") is False
    assert GD_CONTAINER_OK("CSQU3054383，CSQU3054383") is True
    assert GD_CONTAINER_OK(None) is None
    assert GD_CHECK_DIGIT("CSQU305438") == 3
    assert GD_CHECK_DIGIT([["CSQU305438"], ["12"]]) == [
        [3],
        ["#VALUE! not a container number: '12'"],
    ]


def test_terms() -> None:
    text = "T/T 30% deposit, 70% against B/L copy"
    assert GD_TERMS(text) == "TT_BALANCE"
    assert GD_TERMS(text, "deposit") == 30.0
    assert GD_TERMS("D/A 60 days", "days") == 60
    assert GD_TERMS("即期信用证") == "LC_SIGHT"
    assert GD_TERMS("by cheque").startswith("#VALUE! payment terms not recognised")
    assert GD_TERMS(text, "colour").startswith("#VALUE! field must be")


def test_mismatched_range_sizes_say_so() -> None:
    assert GD_OUTSTANDING([[1.0, 2.0]], [[1.0], [2.0]]) == "#VALUE! ranges of different sizes"


def test_no_traceback_ever() -> None:
    class Weird:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    got = GD_TERMS(Weird())
    assert got.startswith("#VALUE! ") and "Traceback" not in got


# ----------------------------------------------------------------------------- row check


def _row(order: dict[str, Any], schema: Schema) -> list[list[Any]]:
    out = []
    for c in schema.master.columns:
        v = order.get(c.key)
        out.append(serial(v.year, v.month, v.day) if isinstance(v, dt.date) else v)
    return [out]


def test_row_check_clean_and_broken_rows() -> None:
    schema = load_schema()
    header = [[c.zh for c in schema.master.columns]]
    paid = clean_order(1, received_amount=25850.0)
    assert GD_ROW_CHECK(header, _row(paid, schema)) == ""
    broken = clean_order(1, amount=1.0, received_amount=1.0, container_nos="CSQU3054384")
    assert GD_ROW_CHECK(header, _row(broken, schema)) == "container-check-digit, amount-mismatch"


def test_row_check_uses_the_customers_table_when_given() -> None:
    schema = load_schema()
    header = [[c.zh for c in schema.master.columns]]
    row = _row(clean_order(1, customer="NOBODY", received_amount=25850.0), schema)
    assert GD_ROW_CHECK(header, row) == ""  # no 客户 table: that check is skipped
    customers = [[c.zh for c in schema.customers.columns]] + [
        [r.get(c.key) for c in schema.customers.columns] for r in CUSTOMERS
    ]
    assert GD_ROW_CHECK(header, row, customers) == "unknown-customer"


def test_row_check_explains_a_wrong_header() -> None:
    got = GD_ROW_CHECK([["foo", "bar"]], [[1.0, 2.0]])
    assert got.startswith("#VALUE! ") and "header" in got


def test_every_formula_has_the_gd_prefix_and_is_exported() -> None:
    names = [n for n in dir(udfs) if n.startswith("GD_")]
    assert sorted(names) == sorted(udfs.__all__)
    assert all(n.isidentifier() and "." not in n for n in names)  # VBA wrapper names


def test_row_check_follows_the_settings_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A GENDAN_SCHEMA that switches a check off switches it off in the formula too."""
    from gendan.model.schema import default_schema_path

    text = default_schema_path().read_text(encoding="utf-8")
    assert text.count("  disabled: []") == 1
    custom = tmp_path / "mine.yaml"
    custom.write_text(
        text.replace("  disabled: []", "  disabled: [amount-mismatch]"), encoding="utf-8"
    )
    schema = load_schema()
    header = [[c.zh for c in schema.master.columns]]
    row = _row(clean_order(1, amount=1.0, received_amount=1.0), schema)
    assert GD_ROW_CHECK(header, row) == "amount-mismatch"
    monkeypatch.setenv("GENDAN_SCHEMA", str(custom))
    assert GD_ROW_CHECK(header, row) == ""
