"""ISO 6346 container numbers: owner code (3 letters), category (U/J/Z), serial (6 digits),
check digit.  A wrong check digit usually means a typo, and a B/L with a wrong container
number is a discrepancy the bank and the customs both catch.
"""

from __future__ import annotations

import re
import unicodedata

_FORM = re.compile(r"^[A-Z]{4}\d{7}$")
_SPLIT = re.compile(r"[,，/;；、\s]+")


def _letter_values() -> dict[str, int]:
    # A=10, then skipping multiples of 11 (11, 22, 33 are not used).
    values: dict[str, int] = {}
    v = 10
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if v % 11 == 0:
            v += 1
        values[ch] = v
        v += 1
    return values


_VALUES = _letter_values()


def normalize(code: str) -> str:
    """Upper-case, half-width, without spaces or dashes: 'msku 123456-7' → 'MSKU1234567'."""
    s = unicodedata.normalize("NFKC", code).upper()
    return re.sub(r"[\s\-.]", "", s)


def is_well_formed(code: str) -> bool:
    return bool(_FORM.match(normalize(code)))


def check_digit(code: str) -> int:
    """The check digit of the first 10 characters (owner+category+serial)."""
    s = normalize(code)[:10]
    if len(s) != 10 or not re.match(r"^[A-Z]{4}\d{6}$", s):
        raise ValueError(f"not an ISO 6346 container prefix: {code!r}")
    total = 0
    for i, ch in enumerate(s):
        val = _VALUES[ch] if ch.isalpha() else int(ch)
        total += val * (2**i)
    return total % 11 % 10


def is_valid(code: str) -> bool:
    """Well formed and the check digit agrees."""
    s = code if (len(code) == 11 and code.isascii() and code.isupper()) else normalize(code)
    if not _FORM.match(s):
        return False
    total = 0
    for i in range(10):
        ch = s[i]
        total += (_VALUES[ch] if i < 4 else ord(ch) - 48) << i
    return total % 11 % 10 == ord(s[10]) - 48


def problem(number: str) -> str | None:
    """None for a valid number, 'form' when it is not 4 letters + 7 digits, 'digit' when the
    check digit is wrong.  ``number`` as split_numbers returns it (normalised)."""
    if not _FORM.match(number):
        return "form"
    return None if is_valid(number) else "digit"


def split_numbers(text: str) -> list[str]:
    """Split a 柜号 cell into container numbers (separators: , ， / ; 、 space newline).

    Numbers typed with an inner space or dash ('MSKU 123456 7', 'MSKU123456-7') are
    rejoined when the pieces make exactly one number."""
    if len(text) == 11 and text.isascii() and text.isalnum():
        return [text.upper()]  # the common case: one number, nothing to split
    text = unicodedata.normalize("NFKC", text).upper().strip()
    if not text:
        return []
    parts = [p for p in _SPLIT.split(text) if p]
    out: list[str] = []
    buf = ""
    for p in parts:
        cand = buf + p.replace("-", "")
        if buf and re.fullmatch(r"[A-Z]{4}\d{0,7}", cand):
            buf = cand
        elif re.fullmatch(r"[A-Z]{4}\d{0,6}", p.replace("-", "")) and not re.fullmatch(r"[A-Z]{4}\d{7}", p):
            if buf:
                out.append(buf)
            buf = p.replace("-", "")
            continue
        else:
            if buf:
                out.append(buf)
                buf = ""
            out.append(p.replace("-", ""))
            continue
        if re.fullmatch(r"[A-Z]{4}\d{7}", buf):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out
