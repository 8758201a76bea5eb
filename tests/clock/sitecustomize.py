"""Moves the clock of every Python process the tests start when the suite runs as of another
moment (``MODERATION_TEST_NOW``, see ``tests/conftest.py``).

Python imports ``sitecustomize`` at start-up from its path; the suite puts this directory
first on ``PYTHONPATH`` for that run only, so gunicorn, the Celery workers and the demo host
all read the same moved clock as the test process. Each starts where the test process's
clock is now (its start plus the real time since), so a token made by one is on time for
the others. Without the two variables it does nothing.
"""

from __future__ import annotations

import datetime as _dt
import os as _os
import time as _time

_started = False


def travel() -> None:
    """Move this process's clock (once) to where the suite's clock stands."""
    global _started
    moment, origin = _os.environ.get("TESTS_CLOCK_NOW"), _os.environ.get("TESTS_CLOCK_ORIGIN")
    if _started or not moment or not origin:
        return
    import time_machine

    since = _time.time() - float(origin)
    start = _dt.datetime.fromisoformat(moment) + _dt.timedelta(seconds=since)
    time_machine.travel(start, tick=True).start()
    # A moved clock starts ticking at its first reading, not at the move: read it now, or
    # a server idle since start-up would still be at its start when its first request comes.
    _time.time()
    _started = True


travel()
