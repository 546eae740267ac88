"""The built-in checks; importing this package registers them (see :mod:`gendan.rules.checks.base`)."""

from gendan.rules.checks import (  # noqa: F401
    cells,
    orders,
    payments,
    prices,
    shipment,
)

# isort: split
# the documents check registers last: its findings follow every rule's
from gendan.rules.checks import documents  # noqa: F401
from gendan.rules.checks.base import REGISTRY, Context, check, run_check, selected_checks

__all__ = ["REGISTRY", "Context", "check", "run_check", "selected_checks"]
