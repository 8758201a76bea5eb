"""The shared read cache on Redis (implements ``moderation.services.ports.ReadCache``).

Keys: ``mod:gen:<article>`` holds the article's generation (a counter bumped on every
public change); response entries embed the generation they were computed at, so an
invalidation is one INCR and old entries simply expire. Every call fails open: if Redis
is unreachable the reader gets a cache miss and the database answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis

logger = logging.getLogger(__name__)

_ERRORS = (redis.RedisError, OSError)


class RedisReadCache:
    def __init__(self, url: str, *, prefix: str = "mod:") -> None:
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=0.5, health_check_interval=30
        )
        self._prefix = prefix

    def _gen_key(self, article_key: str) -> str:
        return f"{self._prefix}gen:{article_key}"

    def generations(self, article_keys: Iterable[str]) -> list[str] | None:
        keys = [self._gen_key(k) for k in article_keys]
        try:
            values = self._redis.mget(keys)
        except _ERRORS:
            logger.warning("read cache unavailable (generations)")
            return None
        return [v.decode() if isinstance(v, bytes) else "0" for v in values]

    def get(self, key: str) -> bytes | None:
        return self.get_many([key])[0]

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        try:
            values = self._redis.mget([self._prefix + k for k in keys])
        except _ERRORS:
            logger.warning("read cache unavailable (get)")
            return [None] * len(keys)
        return [v if isinstance(v, bytes) else None for v in values]

    def set(self, key: str, value: bytes, ttl: int) -> None:
        try:
            self._redis.set(self._prefix + key, value, ex=ttl)
        except _ERRORS:
            logger.warning("read cache unavailable (set)")

    def invalidate(self, article_keys: Iterable[str]) -> None:
        keys = [self._gen_key(k) for k in article_keys]
        if not keys:
            return
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
            pipe.execute()
        except _ERRORS:
            # The entries will still expire after their TTL; say so loudly.
            logger.error("read cache invalidation failed; entries expire by TTL")
