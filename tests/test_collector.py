"""The serving processes take their long-lived objects out of the garbage collector's walks."""

from __future__ import annotations

import gc

from moderation import settle_collector


def test_settling_freezes_what_the_process_holds_and_still_collects_new_garbage() -> None:
    tracked = len(gc.get_objects())
    try:
        settle_collector()
        # What existed is frozen: a full collection no longer walks it.
        assert gc.get_freeze_count() >= tracked // 2
        assert len(gc.get_objects()) < tracked // 10
        # Cycles made afterwards are still found and freed.
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
