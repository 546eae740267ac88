"""YAML as data only: the one way gendan parses YAML (schemas, layouts, limits, settings).

The loader is PyYAML's safe loader - in its C build (libyaml's ``CSafeLoader``) when PyYAML
has it, which parses the shipped schemas ~8x faster (0.6 s of a 100,000-order check went
into YAML, docs/performance.md); both construct plain types only: no tags, no objects, no
``!!python/...``.  ``compose`` gives the node tree with line numbers, which only an error
message needs, so callers compose lazily.
"""

from __future__ import annotations

from typing import Any

import yaml

#: SafeLoader's C twin: same SafeConstructor, same refusals
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


def load(text: str) -> Any:
    """Plain data from YAML text (dict, list, str, int, float, bool, None, date)."""
    return yaml.load(text, Loader=SafeLoader)  # a safe loader, never yaml.Loader


def compose(text: str) -> yaml.Node | None:
    """The node tree of YAML text, for line numbers in error messages."""
    return yaml.compose(text, Loader=SafeLoader)
