"""Payment terms: the grammar of master-sheet.md, in Chinese or English, any case.

    T/T in advance · 100% T/T before shipment                → TT_ADVANCE
    T/T 30% deposit, 70% against B/L copy (any %)            → TT_BALANCE (deposit_pct)
    TT 30/70 · 30%TT+70%                                      → TT_BALANCE (deposit_pct 30)
    30% T/T + 70% D/P at sight · 30%TT+70%LC                  → DP / LC_SIGHT (deposit_pct 30)
    D/P at sight · D/P 即期 · 付款交单                          → DP
    D/A 60 days · 承兑交单 60天                                 → DA (days)
    L/C at sight · 即期信用证                                   → LC_SIGHT
    L/C 90 days after B/L date · 远期信用证 90天                → LC_USANCE (days)
    O/A 30 days · 赊销 30天                                     → OA (days)

Anything else does not parse (``None``): the check reports it as a ``type`` finding rather
than guessing a due date.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

METHODS = ("TT_ADVANCE", "TT_BALANCE", "DP", "DA", "LC_SIGHT", "LC_USANCE", "OA")
#: Methods whose documents must go through the bank, never by courier to the buyer.
BANK_METHODS = frozenset({"DP", "DA", "LC_SIGHT", "LC_USANCE"})
LC_METHODS = frozenset({"LC_SIGHT", "LC_USANCE"})

LABELS = {
    "TT_ADVANCE": ("T/T 预付", "T/T in advance"),
    "TT_BALANCE": ("T/T 定金+尾款", "T/T deposit + balance"),
    "DP": ("D/P 付款交单", "D/P"),
    "DA": ("D/A 承兑交单", "D/A"),
    "LC_SIGHT": ("即期信用证", "L/C at sight"),
    "LC_USANCE": ("远期信用证", "usance L/C"),
    "OA": ("O/A 赊销", "O/A"),
}


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """Parsed terms.  ``days``: the tenor (D/A, usance L/C, O/A, or D/P N days);
    ``deposit_pct``: the T/T deposit in percent (0 when the whole amount is against B/L)."""

    method: str
    days: int | None = None
    deposit_pct: float | None = None
    text: str = ""

    @property
    def is_lc(self) -> bool:
        return self.method in LC_METHODS

    @property
    def via_bank(self) -> bool:
        return self.method in BANK_METHODS

    def label(self, lang: str = "en") -> str:
        zh, en = LABELS[self.method]
        return zh if lang == "zh" else en


_SLASH = re.compile(r"(?<![A-Z])([TDLO])\s*[/／]\s*([TPACL])(?![A-Z])")
_PCT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_DAYS = re.compile(r"(\d{1,3})\s*(?:DAYS?|DS|天|日)")
_AT_N = re.compile(r"(?:AT|@)\s*(\d{1,3})(?!\s*%)")
_BARE_N = re.compile(r"(?<![\d.%])(\d{1,3})(?![\d.%])")
#: "30/70", "30-70", "30:70": deposit and balance in percent, written as a pair
_PAIR = re.compile(
    r"(?<![\d.])(\d{1,2}(?:\.\d+)?)\s*%?\s*[/:+-]\s*(\d{1,2}(?:\.\d+)?)\s*%?(?![\d.])"
)
#: a T/T part before a bank method: "30% T/T + 70% D/P", "30%TT+70%LC"
_TT_PART = re.compile(
    r"(\d{1,2}(?:\.\d+)?)\s*%\s*(?:TT|电汇|DEPOSIT|定金|订金)|(?:TT|电汇|DEPOSIT|定金|订金)\s*(\d{1,2}(?:\.\d+)?)\s*%"
)


def _pair_deposit(s: str) -> float | None:
    """The deposit of a "30/70" pair whose parts add up to 100, else None."""
    for m in _PAIR.finditer(s):
        a, b = float(m[1]), float(m[2])
        if abs(a + b - 100) < 1e-9 and 0 < a < 100:
            return a
    return None


def _tt_deposit(s: str) -> float | None:
    """The percent paid by T/T ahead of a bank method ("30%TT+70%DP"), else None."""
    m = _TT_PART.search(s)
    if m is None:
        return None
    pct = float(m[1] or m[2])
    return pct if 0 < pct < 100 else None


#: The words that name each method (besides its two-letter code, T/T D/P D/A L/C O/A, as a
#: word) and the words that classify T/T terms.  Module constants so that the workbook's
#: own formulas (gendan.native.rules) are made from the very same lists.
LC_WORDS = ("信用证", "CREDIT")
DA_WORDS = ("承兑交单",)
DP_WORDS = ("付款交单",)
OA_WORDS = ("OPEN ACCOUNT", "赊销", "赊账", "放账")
TT_WORDS = ("电汇", "TELEGRAPHIC", "WIRE", "预付", "款到发货", "DEPOSIT", "定金", "订金")
DEPOSIT_WORDS = ("DEPOSIT", "DOWN PAYMENT", "定金", "订金", "首付")
BALANCE_WORDS = ("BALANCE", "AGAINST", "COPY", "尾款", "余款", "见提单", "提单副本", "提单复印件")
ADVANCE_WORDS = ("ADVANCE", "BEFORE SHIPMENT", "PREPAID", "预付", "款到发货", "出运前", "装运前")
SIGHT_WORDS = ("SIGHT", "即期")
USANCE_WORDS = ("远期", "USANCE")


def _has(pattern: str, s: str) -> bool:
    return re.search(pattern, s) is not None


def _tenor(s: str) -> int | None:
    for rx in (_DAYS, _AT_N):
        if m := rx.search(s):
            return int(m[1])
    s_wo_pct = _PCT.sub(" ", s)
    if m := _BARE_N.search(s_wo_pct):
        return int(m[1])
    return None


@lru_cache(maxsize=4096)
def parse_terms(text: object) -> PaymentTerms | None:
    """Parse a 付款方式 cell; ``None`` when it is blank or not recognised."""
    if text is None:
        return None
    raw = str(text).strip()
    if not raw:
        return None
    s = unicodedata.normalize("NFKC", raw).upper()
    s = _SLASH.sub(r"\1\2", s)

    def word(w: str) -> bool:
        return _has(rf"(?<![A-Z]){w}(?![A-Z])", s)

    if word("LC") or word("L C") or any(w in s for w in LC_WORDS):
        days = _tenor(_TT_PART.sub(" ", s))
        dep = _tt_deposit(s)
        if days and not ("即期" in s and days is None):
            if "SIGHT" in s and not _has(r"\d+\s*(DAYS?|天)", s):
                return PaymentTerms("LC_SIGHT", deposit_pct=dep, text=raw)
            return PaymentTerms("LC_USANCE", days=days, deposit_pct=dep, text=raw)
        if any(w in s for w in SIGHT_WORDS) or not days:
            if any(w in s for w in USANCE_WORDS):
                return None  # a usance credit without its tenor
            return PaymentTerms("LC_SIGHT", deposit_pct=dep, text=raw)
    if word("DA") or any(w in s for w in DA_WORDS):
        days = _tenor(_TT_PART.sub(" ", s))
        return (
            PaymentTerms("DA", days=days, deposit_pct=_tt_deposit(s), text=raw)
            if days is not None
            else None
        )
    if word("DP") or any(w in s for w in DP_WORDS):
        days = None if any(w in s for w in SIGHT_WORDS) else _tenor(_TT_PART.sub(" ", s))
        return PaymentTerms("DP", days=days, deposit_pct=_tt_deposit(s), text=raw)
    if word("OA") or any(w in s for w in OA_WORDS):
        days = _tenor(s)
        return PaymentTerms("OA", days=days, text=raw) if days is not None else None
    if word("TT") or any(w in s for w in TT_WORDS):
        pcts = [float(p) for p in _PCT.findall(s)]
        deposit_words = any(w in s for w in DEPOSIT_WORDS)
        balance_words = any(w in s for w in BALANCE_WORDS)
        advance_words = any(w in s for w in ADVANCE_WORDS)
        if pcts and pcts[0] >= 100 and not balance_words:
            return PaymentTerms("TT_ADVANCE", deposit_pct=100.0, text=raw)
        if not pcts and (pair := _pair_deposit(s)) is not None:
            return PaymentTerms("TT_BALANCE", deposit_pct=pair, text=raw)
        if (
            deposit_words
            or (len(pcts) >= 2 and pcts[0] < 100)
            or (balance_words and pcts and pcts[0] < 100)
        ):
            dep = pcts[0] if pcts else None
            if dep is None:
                return None
            return PaymentTerms("TT_BALANCE", deposit_pct=dep, text=raw)
        if balance_words and not advance_words:
            return PaymentTerms("TT_BALANCE", deposit_pct=0.0, text=raw)
        if advance_words:
            return PaymentTerms("TT_ADVANCE", deposit_pct=100.0, text=raw)
        return None
    return None
