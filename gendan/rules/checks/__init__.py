"""The built-in checks; importing this package registers them (see :mod:`gendan.rules.checks.base`)."""

from gendan.rules.checks import cells, orders, payments, prices  # noqa: F401
from gendan.rules.checks.base import REGISTRY, Context, check, run_check, selected_checks

__all__ = ["REGISTRY", "Context", "check", "run_check", "selected_checks"]
