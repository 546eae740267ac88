"""The built-in checks; importing this package registers them (see :mod:`gendan.checks.base`)."""

from gendan.checks import cells, orders, payments, prices  # noqa: F401

# isort: split
# the documents check registers last: its findings follow every rule's
from gendan.checks import documents  # noqa: F401
from gendan.checks.base import REGISTRY, Context, check, run_check, selected_checks

__all__ = ["REGISTRY", "Context", "check", "run_check", "selected_checks"]
