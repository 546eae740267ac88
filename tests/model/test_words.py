"""Amounts in words: the Python reference against independent spellings, and the Excel
formulas against the Python reference (in LibreOffice headless)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from factory import active_sheet

from gendan.model.schema import load_schema
from gendan.model.words import (
    CURRENCIES,
    _zh_integer,
    _zh_pipeline,
    amount_in_words_en,
    amount_in_words_zh,
    currency_info,
    digits_formula,
    words_en_formula,
    words_zh_formula,
)


def test_issue_examples() -> None:
    assert (
        amount_in_words_en(36288, "USD")
        == "SAY US DOLLARS THIRTY-SIX THOUSAND TWO HUNDRED EIGHTY-EIGHT ONLY"
    )
    assert amount_in_words_zh(36288, "USD") == "美元叁万陆仟贰佰捌拾捌元整"


@pytest.mark.parametrize(
    ("amount", "currency", "en"),
    [
        (
            36288.5,
            "USD",
            "SAY US DOLLARS THIRTY-SIX THOUSAND TWO HUNDRED EIGHTY-EIGHT AND CENTS FIFTY ONLY",
        ),
        (0.05, "EUR", "SAY EUROS ZERO AND CENTS FIVE ONLY"),
        (0, "USD", "SAY US DOLLARS ZERO ONLY"),
        (1000000, "GBP", "SAY POUNDS STERLING ONE MILLION ONLY"),
        (1_000_005_000, "IDR", "SAY INDONESIAN RUPIAH ONE BILLION FIVE THOUSAND ONLY"),
        (115.99, "HKD", "SAY HONG KONG DOLLARS ONE HUNDRED FIFTEEN AND CENTS NINETY-NINE ONLY"),
        (2.675, "USD", "SAY US DOLLARS TWO AND CENTS SIXTY-EIGHT ONLY"),  # half up, as Excel
        (
            1234.5,
            "JPY",
            "SAY JAPANESE YEN ONE THOUSAND TWO HUNDRED THIRTY-FIVE ONLY",
        ),  # no decimals
        (12, "XYZ", "SAY XYZ TWELVE ONLY"),
    ],
)
def test_english_examples(amount: float, currency: str, en: str) -> None:
    assert amount_in_words_en(amount, currency) == en


@pytest.mark.parametrize(
    ("amount", "zh"),
    [
        (10.05, "人民币壹拾元零伍分"),
        (10.5, "人民币壹拾元伍角"),
        (0.05, "人民币伍分"),
        (0, "人民币零元整"),
        (1005, "人民币壹仟零伍元整"),
        (10500, "人民币壹万零伍佰元整"),
        (107000.53, "人民币壹拾万柒仟元伍角叁分"),  # a zero at the 万 position is absorbed
        (100_000_005, "人民币壹亿零伍元整"),
        (1_000_005_000, "人民币壹拾亿零伍仟元整"),  # cn2an drops this 零; we do not
        (1_500_005, "人民币壹佰伍拾万零伍元整"),
    ],
)
def test_chinese_examples(amount: float, zh: str) -> None:
    assert amount_in_words_zh(amount, "CNY") == zh


def test_english_agrees_with_num2words() -> None:
    from num2words import num2words

    rng = random.Random(5)
    for n in list(range(0, 2000)) + [rng.randrange(0, 10**12) for _ in range(3000)]:
        theirs = num2words(n, lang="en").upper().replace(",", "").replace(" AND ", " ")
        assert amount_in_words_en(n, "USD") == f"SAY US DOLLARS {theirs} ONLY", n


def test_chinese_agrees_with_cn2an_except_zero_sections() -> None:
    import cn2an

    rng = random.Random(7)
    for cents in [rng.randrange(0, 10**11) for _ in range(4000)]:
        x = Decimal(cents) / 100
        ours = amount_in_words_zh(x, "CNY").removeprefix("人民币")
        theirs = cn2an.an2cn(f"{x:.2f}", "rmb")
        whole = int(x)
        zero_wan_section = (
            whole >= 10**8 and (whole // 10**4) % 10**4 == 0 and whole % 10**4 >= 1000
        )
        if not zero_wan_section:
            assert ours == theirs, x


def test_formula_pipeline_mirrors_reference() -> None:
    """The SUBSTITUTE steps the zh formula applies give the reference's integer words."""
    rng = random.Random(11)
    for n in (
        list(range(0, 30000))
        + [rng.randrange(0, 10**12) for _ in range(30000)]
        + [10**k for k in range(12)]
    ):
        expected = _zh_integer(n) + "元" if n else ""
        assert _zh_pipeline(f"{n:012d}") == expected, n


def test_every_dropdown_currency_is_named() -> None:
    master = load_schema().master
    for code in master.column("currency").dropdown:
        c = CURRENCIES[code]
        assert c.en and c.zh and c.minor_en
        assert amount_in_words_en(1, code) == f"SAY {c.en} ONE ONLY"
        assert amount_in_words_zh(1, code) == f"{c.zh}壹元整"
    assert currency_info("usd").code == "USD"


def test_too_large_amount_is_refused() -> None:
    with pytest.raises(ValueError):
        amount_in_words_en(10**12, "USD")


_ALLOWED = {
    "IF",
    "ISNUMBER",
    "TEXT",
    "ROUND",
    "ABS",
    "OR",
    "AND",
    "MID",
    "LEFT",
    "RIGHT",
    "TRIM",
    "CHOOSE",
    "INDEX",
    "MATCH",
    "IFERROR",
    "SUBSTITUTE",
}


@pytest.mark.parametrize("builder", [words_en_formula, words_zh_formula])
def test_formulas_use_only_old_functions_and_fit_excel_limits(builder: Callable[..., str]) -> None:
    for digits in (None, "$Q$7"):
        f = builder("$G$15", "$Q$6", digits=digits)
        assert f.startswith("=")
        assert len(f) < 8192, len(f)  # Excel's formula length limit
        used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', '""', f)))
        assert used <= _ALLOWED, used - _ALLOWED
        assert "_xlfn" not in f


def test_digits_formula_shape() -> None:
    assert (
        digits_formula("A1", "B1")
        == 'TEXT(ROUND(ABS(A1),IF(OR(B1="JPY",B1="VND"),0,2)),"000000000000.00")'
    )


@pytest.mark.libreoffice
def test_formulas_match_python_in_libreoffice(tmp_path: Path) -> None:
    from gendan.office.recalc import find_soffice, recalculate

    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    import openpyxl
    import python_calamine

    rng = random.Random(3)
    values: list[float] = [
        0,
        0.01,
        0.05,
        0.1,
        0.5,
        1,
        10,
        10.05,
        10.5,
        19,
        20,
        21,
        99.99,
        100,
        101,
        1005,
        1050,
        10500,
        36288,
        36288.5,
        107000.53,
        1500005,
        15005000,
        100000005,
        1000005000,
        999999999999.99,
        2.675,
        -15.5,
    ]
    values += [round(rng.uniform(0, 10 ** rng.randint(1, 12)), 2) for _ in range(200)]
    codes = list(CURRENCIES) + ["XYZ"]
    wb = openpyxl.Workbook()
    ws = active_sheet(wb)
    cases = []
    for r, v in enumerate(values, start=1):
        cur = codes[r % len(codes)]
        ws.cell(r, 1, v)
        ws.cell(r, 2, cur)
        ws.cell(r, 3).value = words_en_formula(f"A{r}", f"B{r}")
        ws.cell(r, 4).value = words_zh_formula(f"A{r}", f"B{r}")
        ws.cell(r, 5).value = "=" + digits_formula(f"A{r}", f"B{r}")
        ws.cell(r, 6).value = words_en_formula(f"A{r}", f"B{r}", digits=f"E{r}")
        ws.cell(r, 7).value = words_zh_formula(f"A{r}", f"B{r}", digits=f"E{r}")
        cases.append((v, cur))
    src = tmp_path / "words.xlsx"
    wb.save(src)
    out = recalculate(src, tmp_path / "out")
    rows = (
        python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Sheet").to_python()
    )
    for (v, cur), row in zip(cases, rows, strict=True):
        en, zh = amount_in_words_en(v, cur), amount_in_words_zh(v, cur)
        assert (row[2], row[3], row[5], row[6]) == (en, zh, en, zh), (v, cur)
