"""A circuit breaker for a dependency that may hang (the broker, the read cache's Redis).

A frozen server (overloaded, black-holed, stopped with SIGSTOP) does not refuse the
connection: every call waits for its socket timeout. After one failure the breaker stays
*open* for ``cooldown`` seconds and callers skip the dependency at once; then one call is
let through to probe it. The breaker also owns the log lines of an outage: one warning
when the dependency goes away, a count of skipped calls while it stays away (at most one
line per ``report_every`` seconds), and one line when it is back, instead of a traceback
per call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class CircuitBreaker:
    """Thread-safe; one per dependency per process."""

    def __init__(
        self,
        name: str,
        *,
        cooldown: float = 5.0,
        report_every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._cooldown = cooldown
        self._report_every = report_every
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None
        self._probing = False
        self._skipped = 0
        self._failures = 0
        self._reported_at = 0.0

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allow(self) -> bool:
        """Whether to try the dependency now (``False``: skip it, the call is counted)."""
        with self._lock:
            if self._open_until is None:
                return True
            now = self._clock()
            if now >= self._open_until and not self._probing:
                # One caller probes; the others keep skipping until it has an answer.
                self._probing = True
                return True
            self._skipped += 1
            if now - self._reported_at >= self._report_every:
                self._reported_at = now
                logger.warning(
                    "%s still unreachable: %d calls skipped, %d failed so far",
                    self.name,
                    self._skipped,
                    self._failures,
                )
            return False

    def succeeded(self) -> None:
        with self._lock:
            if self._open_until is None:
                return
            logger.warning(
                "%s reachable again after %d skipped and %d failed calls",
                self.name,
                self._skipped,
                self._failures,
            )
            self._open_until = None
            self._probing = False
            self._skipped = 0
            self._failures = 0

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = self._clock()
            self._failures += 1
            self._probing = False
            if self._open_until is None:
                self._reported_at = now
                logger.warning(
                    "%s unreachable (%s); skipping it for %.1f s at a time",
                    self.name,
                    type(error).__name__,
                    self._cooldown,
                )
            self._open_until = now + self._cooldown
