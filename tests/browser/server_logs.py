"""Which server logs a browser test watches: should it fail, its report shows what they got
while it ran (``pytest_runtest_makereport`` in ``conftest.py``), a 500's traceback first."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Each watched log and its size when the test began.
LOG_STARTS = pytest.StashKey[dict[Path, int]]()


def watch_logs(request: pytest.FixtureRequest, paths: list[Path]) -> None:
    """Should the test fail, its report shows what ``paths`` got written while it ran."""
    request.node.stash[LOG_STARTS] = {path: path.stat().st_size for path in paths if path.exists()}
