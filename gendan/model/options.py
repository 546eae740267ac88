"""How one run goes, as one explicit object: the as-of date, the schema, the master
sheets, the cores, the language.

Why: these used to be process-wide switches read from wherever they were needed
(``parallel.serial()`` could not be undone; the ribbon and the command line each chose the
language by their own rule, so ``GENDAN_LANG=both`` worked only in the ribbon).  The
command line and the ribbon build a :class:`RunOptions` and hand it to :mod:`gendan.api`;
:meth:`RunOptions.scope` applies what must reach deep code (one core) for the length of
one call only.
"""

from __future__ import annotations

import datetime as dt
import locale
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gendan.model.schema import Schema

Lang = Literal["zh", "en", "both"]
_LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


def resolve_lang(
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
    system_locale: str | None = None,
) -> Lang:
    """The language of messages, by one rule for the command line and the ribbon:

    1. the one asked for (``--lang``, a ribbon argument);
    2. ``GENDAN_LANG`` (``zh``, ``en`` or ``both``: zh and en side by side where the output
       has room for two, i.e. cell notes and the results sheet);
    3. the locale variables (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): Chinese when they say so;
    4. the operating system's locale (Excel on Windows sets no variables): Chinese when it
       says so;
    5. English.

    ``environ`` and ``system_locale`` are for tests."""
    env = os.environ if environ is None else environ
    for v in (explicit, env.get("GENDAN_LANG")):
        if v and v.strip():
            low = v.strip().lower()
            return "both" if low == "both" else "zh" if low.startswith("zh") else "en"
    for var in _LOCALE_VARS:
        v = env.get(var)
        if v:
            return "zh" if v.lower().startswith("zh") else "en"
    if system_locale is None:
        try:
            system_locale = locale.getlocale()[0] or ""
        except ValueError:
            system_locale = ""
    low = system_locale.lower()
    return "zh" if low.startswith("zh") or low.startswith("chinese") else "en"


def one_lang(lang: Lang) -> Literal["zh", "en"]:
    """``lang`` for an output that holds one language (a terminal table, CSV headers):
    ``both`` shows Chinese, the team's language."""
    return "en" if lang == "en" else "zh"


@dataclass(frozen=True)
class RunOptions:
    """Everything a use case of :mod:`gendan.api` depends on besides its input."""

    #: the day the book is judged on (overdue days, due documents); None: today
    as_of: dt.date | None = None
    #: the schema, or the path of its YAML; None: the bundled default
    schema: Schema | str | Path | None = None
    #: only these master sheets (None: every one)
    sheets: Sequence[str] | None = None
    #: 1: read and check one workbook on one core (no threads, no forked rules); None: as
    #: many as this process may use
    cores: int | None = None
    lang: Lang = "en"

    @property
    def day(self) -> dt.date:
        return self.as_of or dt.date.today()

    def load_schema(self) -> Schema:
        from gendan.model.schema import Schema, load_schema

        return self.schema if isinstance(self.schema, Schema) else load_schema(self.schema)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Apply the options that deep code reads (one core) for one call, undone after."""
        if self.cores == 1:
            from gendan.model import parallel

            with parallel.one_core():
                yield
        else:
            yield
