"""docs/robustness.md says what the limits are: its table must be schemas/limits.yaml's."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gendan.read.gate import Limits, load_limits

ROOT = Path(__file__).resolve().parents[2]
_UNITS = {"": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def _value(text: str) -> float:
    m = re.fullmatch(r"([\d,]+(?:\.\d+)?)\s*(KiB|MiB|GiB)?", text.strip())
    assert m, f"cannot read the limit value {text!r}"
    return float(m.group(1).replace(",", "")) * _UNITS[m.group(2) or ""]


def doc_limits() -> dict[str, float]:
    """``name -> value`` from the table under "### Limits" in docs/robustness.md."""
    text = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    section = text.split("### Limits", 1)[1]
    out: dict[str, float] = {}
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`(\w+)`", cells[0]):
            assert name not in out, f"{name} twice in the table"
            out[name] = _value(cells[1])
    return out


def test_the_limits_table_matches_limits_yaml() -> None:
    raw = yaml.safe_load((ROOT / "schemas" / "limits.yaml").read_text(encoding="utf-8"))["limits"]
    assert doc_limits() == {k: float(v) for k, v in raw.items()}


def test_limits_yaml_is_what_the_gate_loads() -> None:
    loaded = load_limits(ROOT / "schemas" / "limits.yaml")
    assert set(doc_limits()) == set(vars(Limits()))  # every limit the gate knows is documented
    for name, value in doc_limits().items():
        assert float(getattr(loaded, name)) == value
