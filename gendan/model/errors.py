"""Exceptions that stop a run.  Everything else a check finds is a Finding, not an exception.

    GendanError                 base; carries a zh and an en sentence for the user
    ├── InputError              the workbook cannot be used (command line exit code 2)
    │   ├── UnreadableWorkbook  not a workbook, corrupt, encrypted, unsupported format, too large
    │   ├── SheetNotFound       no sheet matches the schema's sheet names
    │   └── HeaderNotFound      the sheet has no row that looks like the schema's header
    ├── SchemaError             the YAML schema or settings are malformed (exit code 2)
    └── OutputError             an output cannot be written safely (locked, would lose parts)

Each carries ``message_zh`` and ``message_en``; ``str(exc)`` is the English sentence.
The command line prints both on stderr and exits with code 2; it never prints a traceback
for these.
"""

from __future__ import annotations


class GendanError(Exception):
    """Base class: a run cannot go on.  Holds one sentence in Chinese and one in English."""

    def __init__(self, message_en: str, message_zh: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh or message_en

    def user_text(self) -> str:
        """The two sentences as printed on stderr: Chinese first, then English."""
        if self.message_zh == self.message_en:
            return self.message_en
        return f"{self.message_zh}\n{self.message_en}"


class InputError(GendanError):
    """The input workbook cannot be read or used."""


class UnreadableWorkbook(InputError):
    """Not a workbook, corrupt, password-protected, unsupported, or beyond the size limits."""


class SheetNotFound(InputError):
    """No sheet of the workbook matches the names the schema gives for a required sheet."""


class HeaderNotFound(InputError):
    """A sheet was found but no row in it looks like the schema's header row."""


class SchemaError(GendanError):
    """The YAML schema/settings file is malformed or names an unknown rule."""


class OutputError(GendanError):
    """An output file cannot be written without risk (locked by Excel, parts would be lost)."""
