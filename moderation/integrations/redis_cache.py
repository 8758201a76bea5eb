"""The shared read cache on Redis (implements ``moderation.services.ports.ReadCache``).

Keys: ``mod:gen:<article>`` holds the article's generation (a counter bumped on every
public change); response entries embed the generation they were computed at, so an
invalidation is one INCR and old entries simply expire. Every call fails open: if Redis
is unreachable the reader gets a cache miss and the database answers.

Because an entry's key names its generation, an entry never changes once written: each
process also keeps the entries it has seen in a small local LRU. A read then costs one
Redis round trip (the generations) instead of two, and no copy of a large thread.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable

import redis

logger = logging.getLogger(__name__)

_ERRORS = (redis.RedisError, OSError)


class _LocalEntries:
    """A byte-bounded LRU of immutable entries (thread-safe enough for gunicorn threads)."""

    def __init__(self, max_bytes: int) -> None:
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        if len(value) > self._max // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self._max:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)


class RedisReadCache:
    def __init__(self, url: str, *, prefix: str = "mod:", local_bytes: int = 32 << 20) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=0.5, health_check_interval=30
        )
        self._prefix = prefix
        self._local = _LocalEntries(local_bytes)

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
        found = [self._local.get(k) for k in keys]
        missing = [k for k, v in zip(keys, found, strict=True) if v is None]
        if not missing:
            return found
        try:
            values = self._redis.mget([self._prefix + k for k in missing])
        except _ERRORS:
            logger.warning("read cache unavailable (get)")
            return found
        fetched = {}
        for key, value in zip(missing, values, strict=True):
            if isinstance(value, bytes):
                fetched[key] = value
                self._local.put(key, value)
        return [v if v is not None else fetched.get(k) for k, v in zip(keys, found, strict=True)]

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._local.put(key, value)
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
