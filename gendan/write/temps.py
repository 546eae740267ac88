"""The temporary files gendan writes: their name prefix and the registry of those this
process has open, removed on any exit Python sees (see
:func:`gendan.write.safe_write.cleanup_temps`).

A module of its own so that every writer of temporaries (safe_write's atomic writes, the
write guard's package rewrite) registers them in one place without importing each other.
"""

from __future__ import annotations

from pathlib import Path

#: Every temporary file gendan writes starts with this; folder runs skip such names, and a
#: stale one (left by a power cut or ``kill -9``) can be deleted by hand at any time.
TEMP_PREFIX = ".~gendan-"
#: Temporary files this process has open: removed on any exit Python sees (exceptions,
#: Ctrl+C, SIGTERM/SIGHUP once :func:`gendan.write.safe_write.install_signal_cleanup` ran,
#: ``sys.exit``).
LIVE: set[Path] = set()


def is_temp_name(name: str) -> bool:
    """True for gendan's own temporary files and for Excel/LibreOffice lock files."""
    return name.startswith((TEMP_PREFIX, "~$", ".~lock."))
