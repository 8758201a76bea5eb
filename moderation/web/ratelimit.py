"""Per-client rate limits for writes, on shared storage (Redis) so every web process agrees.

Fails open: if the storage is unreachable the request goes through (a broken limiter must
not turn into a broken comment form); the outage is logged. Clients are counted by IPv4
address or IPv6 /64, under a keyed hash (``services.privacy.rate_limit_key``): the
storage never holds an address.
"""

from __future__ import annotations

import logging
import math
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from moderation.services.privacy import rate_limit_key

logger = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, spec: str, storage_uri: str, secret: str) -> None:
        self._secret = secret
        self._limits = parse_many(spec) if spec.strip() else []
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        storage = storage_from_string(
            storage_uri, **(options if storage_uri.startswith("redis") else {})
        )
        self._limiter = FixedWindowRateLimiter(storage)

    @property
    def enabled(self) -> bool:
        return bool(self._limits)

    def hit(self, scope: str, ip: str | None) -> int | None:
        """Count one request from ``ip``; return the seconds to wait if a limit is exceeded."""
        client = rate_limit_key(self._secret, ip)
        try:
            for limit in self._limits:
                if not self._limiter.hit(limit, scope, client):
                    stats = self._limiter.get_window_stats(limit, scope, client)
                    return max(1, math.ceil(stats.reset_time - time.time()))
        except Exception:  # noqa: BLE001 - storage outage: fail open, loudly
            logger.warning("rate limit storage unavailable; request allowed")
        return None
