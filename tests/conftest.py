import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

AS_OF = dt.date(2026, 11, 27)


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF
