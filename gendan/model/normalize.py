"""Text normalisation shared by header matching, enum matching and key lookups.

Headers and enum values typed by people differ in width (ＡＢＣ/ABC, １２３/123), case,
and spacing.  Comparing after NFKC + case-fold + removing all white space makes
``"  Contract  No. "``, ``"ＣＯＮＴＲＡＣＴ ＮＯ．"`` and ``"contract no."`` the same header.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def norm(text: object) -> str:
    """The comparison form of a header, enum value or key (``""`` for blanks)."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    return _SPACE.sub("", s).casefold()


def clean_text(value: object) -> str:
    """A cell's text as a person means it: NFKC for digits/letters, trimmed, inner runs of
    space kept as one space.  Used for keys such as contract numbers and customer names."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = unicodedata.normalize("NFKC", str(value))
    return _SPACE.sub(" ", s).strip()
