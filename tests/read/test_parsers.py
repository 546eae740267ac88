"""The value forms master-sheet.md lists, and the payment-terms grammar."""

from __future__ import annotations

import datetime as dt

import pytest

from gendan.model.terms import parse_terms
from gendan.model.values import parse_date, parse_integer, parse_number, parse_text

D = dt.date


@pytest.mark.parametrize(
    "raw,expected,as_text",
    [
        (D(2020, 5, 1), D(2020, 5, 1), False),
        (dt.datetime(2020, 5, 1, 8, 30), D(2020, 5, 1), False),
        (43952.0, D(2020, 5, 1), False),  # Excel serial
        (43952, D(2020, 5, 1), False),
        ("2020-05-01", D(2020, 5, 1), True),
        ("2020/5/1", D(2020, 5, 1), True),
        ("2020.5.1", D(2020, 5, 1), True),
        ("2020年5月1日", D(2020, 5, 1), True),
        ("２０２０年５月１日", D(2020, 5, 1), True),
        ("01-May-2020", D(2020, 5, 1), True),
        ("May 1, 2020", D(2020, 5, 1), True),
    ],
)
def test_dates_that_parse(raw: str | float, expected: dt.date, as_text: bool) -> None:
    p = parse_date(raw)
    assert (p.ok, p.value, p.as_text) == (True, expected, as_text)


@pytest.mark.parametrize("raw", ["2020-02-30", "next week", "5/1", "2020-13-01", -5.0, 3e9, True])
def test_dates_that_do_not_parse(raw: str | float) -> None:
    assert parse_date(raw).ok is False


def test_1904_date_system() -> None:
    assert parse_date(42490.0, date1904=True).value == D(2020, 5, 1)


@pytest.mark.parametrize(
    "raw,expected",
    [
        (12345.6, 12345.6),
        (7, 7),
        ("USD 12,345.60", 12345.6),
        ("１２３", 123.0),
        ("US$ 1,000", 1000.0),
        ("$99.5", 99.5),
        ("￥1,234", 1234.0),
        ("(1,200.00)", -1200.0),
        ("  42 ", 42.0),
        ("1,234,567.8", 1234567.8),
    ],
)
def test_numbers_that_parse(raw: str | float, expected: float) -> None:
    p = parse_number(raw)
    assert p.ok and p.value == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["1,200 箱", "12.3.4", "1,2345", "abc", "#N/A", True, float("nan")])
def test_numbers_that_do_not_parse(raw: str | float) -> None:
    assert parse_number(raw).ok is False


def test_integers() -> None:
    assert parse_integer("1,200").value == 1200
    assert parse_integer(1100.0).value == 1100
    assert parse_integer(1100.5).ok is False


def test_text_keeps_codes_whole() -> None:
    assert parse_text(2024001.0).value == "2024001"
    assert parse_text("030745").value == "030745"  # leading zeros stay
    assert parse_text("#REF!").ok is False


@pytest.mark.parametrize(
    "text,method,days,deposit",
    [
        ("T/T in advance", "TT_ADVANCE", None, 100.0),
        ("100% T/T before shipment", "TT_ADVANCE", None, 100.0),
        ("t/t 30% deposit, 70% against b/l copy", "TT_BALANCE", None, 30.0),
        ("T/T 50% DEPOSIT, 50% AGAINST B/L COPY", "TT_BALANCE", None, 50.0),
        ("30%定金，70%见提单副本付款", "TT_BALANCE", None, 30.0),
        ("D/P at sight", "DP", None, None),
        ("D/P 即期", "DP", None, None),
        ("付款交单", "DP", None, None),
        ("D/A 60 days", "DA", 60, None),
        ("承兑交单 90天", "DA", 90, None),
        ("L/C at sight", "LC_SIGHT", None, None),
        ("即期信用证", "LC_SIGHT", None, None),
        ("Irrevocable L/C at sight", "LC_SIGHT", None, None),
        ("L/C 90 days after B/L date", "LC_USANCE", 90, None),
        ("远期信用证 120天", "LC_USANCE", 120, None),
        ("O/A 30 days", "OA", 30, None),
        ("赊销 45天", "OA", 45, None),
        # forms of real books: a deposit/balance pair, a T/T part before a bank method
        ("TT 30/70", "TT_BALANCE", None, 30.0),
        ("T/T 30/70", "TT_BALANCE", None, 30.0),
        ("30/70 TT", "TT_BALANCE", None, 30.0),
        ("TT 50/50", "TT_BALANCE", None, 50.0),
        ("T/T 30% deposit 70% against B/L copy", "TT_BALANCE", None, 30.0),
        ("30%TT+70%DP", "DP", None, 30.0),
        ("30% T/T + 70% D/P at sight", "DP", None, 30.0),
        ("30%TT,70%LC", "LC_SIGHT", None, 30.0),
        ("30%TT+70% L/C 60 days", "LC_USANCE", 60, 30.0),
        ("30% deposit, 70% D/A 60 days", "DA", 60, 30.0),
    ],
)
def test_payment_terms_grammar(
    text: str, method: str, days: int | None, deposit: float | None
) -> None:
    t = parse_terms(text)
    assert t is not None and (t.method, t.days, t.deposit_pct) == (method, days, deposit)


@pytest.mark.parametrize(
    "text", ["", "cash", "D/A", "O/A", "T/T", "see contract", "TT 60/30", "TT 2/22"]
)
def test_terms_that_do_not_parse(text: str) -> None:
    assert parse_terms(text) is None


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("2/22/2026", dt.date(2026, 2, 22)),  # only month/day makes a date
        ("22/2/2026", dt.date(2026, 2, 22)),  # only day/month does
        ("22.02.2026", dt.date(2026, 2, 22)),
        ("5/5/2026", dt.date(2026, 5, 5)),  # both readings are the same day
        ("2026.2.22", dt.date(2026, 2, 22)),
        ("2026年2月22日", dt.date(2026, 2, 22)),
        ("22-Feb-2026", dt.date(2026, 2, 22)),
    ],
)
def test_text_dates_with_one_reading_are_read(raw: str, expected: dt.date) -> None:
    p = parse_date(raw)
    assert p.ok and p.value == expected and p.as_text


@pytest.mark.parametrize(
    "raw,readings",
    [
        ("3/5/2026", "2026-03-05 / 2026-05-03"),
        ("12/1/2026", "2026-01-12 / 2026-12-01"),
        ("01.02.2026", "2026-01-02 / 2026-02-01"),
    ],
)
def test_text_dates_with_two_readings_are_errors_naming_both(raw: str, readings: str) -> None:
    p = parse_date(raw)
    assert not p.ok and p.value is None and p.reason == "ambiguous-date" and p.expected == readings


@pytest.mark.parametrize("raw", ["13/13/2026", "2/30/2026", "3/5/26", "3-5.2026"])
def test_day_month_texts_that_are_no_date(raw: str) -> None:
    p = parse_date(raw)
    assert not p.ok and p.reason is None
