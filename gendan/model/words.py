"""Amounts in words, English and Chinese 大写, as Python functions and as Excel formulas.

Banks refuse documents whose amount in words disagrees with the figures, so the words must
follow the figures wherever they are computed.  Draft document sheets are *linked* to the
master: when a merchandiser corrects a price in Excel (or LibreOffice), the words must change
with no Python running.  So this module has two faces that must agree exactly:

* :func:`amount_in_words_en` / :func:`amount_in_words_zh` — the reference, used when a
  document is issued (frozen) and by the checks;
* :func:`words_en_formula` / :func:`words_zh_formula` — native formulas (``TEXT``, ``MID``,
  ``CHOOSE``, ``SUBSTITUTE``, ``INDEX``/``MATCH`` over inline arrays; nothing newer than
  Excel 2010, nothing LibreOffice 7.4 lacks) that compute the same text in the sheet.

Both read the amount through the same fixed-width digit string
``TEXT(ROUND(ABS(x), d), "000000000000.00")`` (12 integer digits, so up to
999,999,999,999.99 — VND and IDR amounts run into the billions), which makes the
formula a pure string walk; the Python reference is written independently (sections of
four digits for 大写, groups of three for English) and the tests compare the two over many
values, in Python and in LibreOffice headless.

Conventions (one choice where practice varies, documented in docs/documents.md):

* English: ``SAY US DOLLARS THIRTY-SIX THOUSAND TWO HUNDRED EIGHTY-EIGHT AND CENTS FIFTY
  ONLY`` — US style, no "AND" inside hundreds, hyphenated tens, the minor unit word of the
  currency (CENTS, PENCE, FILS…).
* Chinese: ``美元叁万陆仟贰佰捌拾捌元整`` — 元/角/分 for every currency (the usage of
  Chinese export documents); 壹拾 written in full; a zero at a 万/亿 position is absorbed
  (``壹拾万柒仟``), zeros between non-zero digits are written once (``壹仟零伍``,
  ``壹拾亿零伍仟``); ``整`` only when there are neither 角 nor 分 (as cn2an's "rmb" mode,
  whose one difference — it drops the 零 of a zero 万 section, ``壹拾亿伍仟`` — we do not copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CURRENCIES",
    "Currency",
    "amount_in_words_en",
    "amount_in_words_zh",
    "currency_info",
    "digits_formula",
    "words_en_formula",
    "words_zh_formula",
]


@dataclass(frozen=True)
class Currency:
    """How a currency is named in words: English plural, its minor unit, Chinese name, and
    how many decimals amounts in it carry (ISO 4217 in practice: JPY and VND have none)."""

    code: str
    en: str
    minor_en: str
    zh: str
    decimals: int = 2


#: Every currency in the master schema's dropdown (schemas/master.yaml), plus nothing else:
#: an unknown code is spelled as the code itself with CENTS / 元 (see :func:`currency_info`).
CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", "US DOLLARS", "CENTS", "美元"),
        Currency("EUR", "EUROS", "CENTS", "欧元"),
        Currency("CNY", "CHINESE YUAN", "FEN", "人民币"),
        Currency("GBP", "POUNDS STERLING", "PENCE", "英镑"),
        Currency("JPY", "JAPANESE YEN", "SEN", "日元", 0),
        Currency("HKD", "HONG KONG DOLLARS", "CENTS", "港币"),
        Currency("AUD", "AUSTRALIAN DOLLARS", "CENTS", "澳元"),
        Currency("CAD", "CANADIAN DOLLARS", "CENTS", "加元"),
        Currency("SGD", "SINGAPORE DOLLARS", "CENTS", "新加坡元"),
        Currency("AED", "UAE DIRHAMS", "FILS", "阿联酋迪拉姆"),
        Currency("RUB", "RUSSIAN ROUBLES", "KOPECKS", "卢布"),
        Currency("THB", "THAI BAHT", "SATANG", "泰铢"),
        Currency("MYR", "MALAYSIAN RINGGIT", "SEN", "马来西亚林吉特"),
        Currency("IDR", "INDONESIAN RUPIAH", "SEN", "印尼盾"),
        Currency("VND", "VIETNAMESE DONG", "XU", "越南盾", 0),
        Currency("PHP", "PHILIPPINE PESOS", "CENTAVOS", "菲律宾比索"),
    )
}

#: The largest amount spelled (12 integer digits).
MAX_AMOUNT = Decimal("999999999999.99")

_ONES = (
    "",
    "ONE",
    "TWO",
    "THREE",
    "FOUR",
    "FIVE",
    "SIX",
    "SEVEN",
    "EIGHT",
    "NINE",
    "TEN",
    "ELEVEN",
    "TWELVE",
    "THIRTEEN",
    "FOURTEEN",
    "FIFTEEN",
    "SIXTEEN",
    "SEVENTEEN",
    "EIGHTEEN",
    "NINETEEN",
)
_TENS = ("", "", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY")
_SCALES = ("BILLION", "MILLION", "THOUSAND", "")
_ZH_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def currency_info(code: str | None) -> Currency:
    """The naming of ``code``; an unknown code is named by itself (never an exception: a
    document with an odd currency still prints)."""
    c = (code or "").strip().upper()
    return CURRENCIES.get(c) or Currency(c or "", c or "", "CENTS", c or "")


def _round(amount: float | int | Decimal | str, decimals: int) -> Decimal:
    """Round half away from zero as Excel's ROUND does (via the shortest repr of a float,
    so 2.675 rounds to 2.68 like Excel, not to 2.67 like binary floating point)."""
    d = (
        amount
        if isinstance(amount, Decimal)
        else Decimal(repr(amount) if isinstance(amount, float) else str(amount))
    )
    q = Decimal(1).scaleb(-decimals)
    r = abs(d).quantize(q, rounding=ROUND_HALF_UP)
    if r > MAX_AMOUNT:
        raise ValueError(f"amount {amount} is beyond {MAX_AMOUNT} and cannot be spelled")
    return r


def _split(amount: float | int | Decimal | str, decimals: int) -> tuple[int, int, bool]:
    d = (
        amount
        if isinstance(amount, Decimal)
        else Decimal(repr(amount) if isinstance(amount, float) else str(amount))
    )
    r = _round(d, decimals)
    whole = int(r)
    cents = int((r - whole) * 100)
    return whole, cents, d < 0 and r != 0


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts: list[str] = []
    if hundreds:
        parts.append(f"{_ONES[hundreds]} HUNDRED")
    if rest:
        if rest < 20:
            parts.append(_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            parts.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    return " ".join(parts)


def _en_integer(n: int) -> str:
    if n == 0:
        return "ZERO"
    parts: list[str] = []
    groups = [(n // 10**9) % 1000, (n // 10**6) % 1000, (n // 10**3) % 1000, n % 1000]
    for value, scale in zip(groups, _SCALES, strict=True):
        if value:
            parts.append(_en_below_1000(value) + (f" {scale}" if scale else ""))
    return " ".join(parts)


def amount_in_words_en(amount: float | int | Decimal | str, currency: str | None) -> str:
    """``36288, "USD"`` → ``SAY US DOLLARS THIRTY-SIX THOUSAND TWO HUNDRED EIGHTY-EIGHT ONLY``;
    cents as ``… AND CENTS FIFTY ONLY``.  Rounded to the currency's decimals, half up."""
    cur = currency_info(currency)
    whole, cents, negative = _split(amount, cur.decimals)
    text = ("MINUS " if negative else "") + _en_integer(whole)
    if cents:
        text += f" AND {cur.minor_en} {_en_below_1000(cents)}"
    return f"SAY {cur.en} {text} ONLY"


def _zh_section(v: int) -> str:
    """0 < v < 10000 in 大写, without leading zeros (the caller decides about a 零 before)."""
    out = ""
    zero = False
    for unit, p in (("仟", 1000), ("佰", 100), ("拾", 10), ("", 1)):
        d = (v // p) % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _ZH_DIGITS[d] + unit
    return out


def _zh_integer(n: int) -> str:
    out = ""
    pending_zero = False
    for unit, p in (("亿", 10**8), ("万", 10**4), ("", 1)):
        v = (n // p) % 10000 if unit != "亿" else n // p
        if v == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or v < 1000):
            out += "零"
        out += _zh_section(v) + unit
        pending_zero = False
    return out


def amount_in_words_zh(amount: float | int | Decimal | str, currency: str | None) -> str:
    """``36288, "USD"`` → ``美元叁万陆仟贰佰捌拾捌元整``; ``10.05`` → ``…壹拾元零伍分``."""
    cur = currency_info(currency)
    whole, cents, negative = _split(amount, cur.decimals)
    jiao, fen = divmod(cents, 10)
    text = cur.zh + ("负" if negative else "")
    if whole:
        text += _zh_integer(whole) + "元"
    elif not cents:
        text += "零元"
    if not cents:
        return text + "整"
    if jiao:
        text += _ZH_DIGITS[jiao] + "角"
    elif whole:
        text += "零"
    if fen:
        text += _ZH_DIGITS[fen] + "分"
    return text


# ----------------------------------------------------------------------------- formulas


def _q(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _array(items: list[str] | tuple[str, ...]) -> str:
    return "{" + ",".join(_q(i) for i in items) + "}"


def _lookup(currency: str, field: str) -> str:
    """``INDEX({…},MATCH(cur,{codes},0))`` over the currency table, falling back to the code."""
    codes = list(CURRENCIES)
    names = [getattr(CURRENCIES[c], field) for c in codes]
    fallback = _q("CENTS") if field == "minor_en" else currency
    return f"IFERROR(INDEX({_array(names)},MATCH({currency},{_array(codes)},0)),{fallback})"


def _decimals_expr(currency: str) -> str:
    zero = [c for c, v in CURRENCIES.items() if v.decimals == 0]
    cond = ",".join(f"{currency}={_q(c)}" for c in zero)
    return f"IF(OR({cond}),0,2)"


def digits_formula(amount: str, currency: str) -> str:
    """The digit string both word formulas walk: ``000036288.50``-style, 12 + 2 digits.

    Put it in a (hidden) helper cell and pass that cell as ``digits=`` to the word
    formulas to keep them short; or let them inline it.  Returns an expression, no ``=``."""
    return f'TEXT(ROUND(ABS({amount}),{_decimals_expr(currency)}),"000000000000.00")'


def _d(t: str, k: int) -> str:
    return f"(MID({t},{k},1)*1)"


def _choose(index: str, items: tuple[str, ...]) -> str:
    return f"CHOOSE({index},{','.join(_q(i) for i in items)})"


def _en_group_expr(t: str, k: int, width: int = 3) -> str:
    """Words of the ``width``-digit group of ``t`` starting at position ``k`` (1-based)."""
    ones = _ONES[1:]
    tens = _TENS[2:]
    rk = k + width - 2  # first of the last two digits
    r = f"(MID({t},{rk},2)*1)"
    below100 = (
        f'IF({r}=0,"",IF({r}<20,{_choose(r, ones)},'
        f'{_choose(_d(t, rk) + "-1", tens)}&IF({_d(t, rk + 1)}>0,"-"&{_choose(_d(t, rk + 1), ones)},"")))'
    )
    if width == 2:
        return below100
    hundreds = f'IF({_d(t, k)}>0,{_choose(_d(t, k), ones)}&" HUNDRED ","")'
    return f"TRIM({hundreds}&{below100})"


def words_en_formula(amount: str, currency: str, digits: str | None = None) -> str:
    """An Excel formula (with ``=``) computing :func:`amount_in_words_en` of the cell
    ``amount`` in the currency of the cell ``currency``; blank when the amount is not a
    number.  ``digits``: a cell holding :func:`digits_formula`, to shorten the formula."""
    t = digits or digits_formula(amount, currency)
    scales = []
    for g, scale in enumerate(_SCALES):
        k = 1 + 3 * g
        grp = _en_group_expr(t, k)
        suffix = f'&" {scale}"' if scale else ""
        scales.append(f'IF(MID({t},{k},3)*1>0,{grp}{suffix}&" ","")')
    integer = f'IF(LEFT({t},12)*1=0,"ZERO",TRIM({"&".join(scales)}))'
    cents = f'IF(RIGHT({t},2)*1>0," AND "&{_lookup(currency, "minor_en")}&" "&{_en_group_expr(t, 14, 2)},"")'
    minus = f'IF(AND({amount}<0,MID({t},1,15)*1>0),"MINUS ","")'
    return f'=IF(ISNUMBER({amount}),"SAY "&{_lookup(currency, "en")}&" "&{minus}&{integer}&{cents}&" ONLY","")'


#: The 大写 clean-up, as SUBSTITUTE steps over "#" + every digit with its unit (see module
#: docstring).  Kept as data so the Python mirror (:func:`_zh_pipeline`) and the formula
#: builder apply the very same steps in the same order.
_ZH_UNITS = ("仟", "佰", "拾", "亿", "仟", "佰", "拾", "万", "仟", "佰", "拾", "")
_ZH_STEPS: tuple[tuple[str, str], ...] = (
    ("零仟", "零"),
    ("零佰", "零"),
    ("零拾", "零"),
    ("零零", "零"),
    ("零零", "零"),
    ("零亿", "亿"),
    ("零万", "万"),
    ("亿万", "亿零"),
    ("零零", "零"),
    ("#亿", "#"),
    ("#零", "#"),
    ("#", ""),
)


def _zh_pipeline(digits12: str) -> str:
    """The formula's algorithm in Python (for tests): 12 digits → 大写 integer, '' for 0."""
    s = "#" + "".join(_ZH_DIGITS[int(ch)] + u for ch, u in zip(digits12, _ZH_UNITS, strict=True))
    for old, new in _ZH_STEPS:
        s = s.replace(old, new)
    s += "元"
    s = s.replace("零元", "元")
    return "" if s == "元" else s


def words_zh_formula(amount: str, currency: str, digits: str | None = None) -> str:
    """An Excel formula (with ``=``) computing :func:`amount_in_words_zh`; see
    :func:`words_en_formula` for the arguments."""
    t = digits or digits_formula(amount, currency)
    zh = _ZH_DIGITS
    built = '"#"&' + "&".join(
        f"{_choose(_d(t, i + 1) + '+1', tuple(zh))}" + (f'&"{u}"' if u else "")
        for i, u in enumerate(_ZH_UNITS)
    )
    s = built
    for old, new in _ZH_STEPS:
        s = f'SUBSTITUTE({s},"{old}","{new}")'
    integer_words = f'SUBSTITUTE({s}&"元","零元","元")'
    whole = f"(LEFT({t},12)*1)"
    jiao, fen = _d(t, 14), _d(t, 15)
    cents = f"(RIGHT({t},2)*1)"
    integer = f'IF({whole}>0,{integer_words},IF({cents}=0,"零元",""))'
    dec = (
        f'IF({cents}=0,"整",IF({jiao}>0,{_choose(jiao + "+1", tuple(zh))}&"角",IF({whole}>0,"零",""))'
        f'&IF({fen}>0,{_choose(fen + "+1", tuple(zh))}&"分",""))'
    )
    minus = f'IF(AND({amount}<0,MID({t},1,15)*1>0),"负","")'
    return f'=IF(ISNUMBER({amount}),{_lookup(currency, "zh")}&{minus}&{integer}&{dec},"")'
