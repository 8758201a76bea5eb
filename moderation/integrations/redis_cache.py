"""The shared read cache on Redis (implements ``moderation.services.ports.ReadCache``).

Keys: ``mod:gen:<article>`` holds the article's generation, a random token replaced on
every public change; response entries embed the generation they were computed at, so an
invalidation is one SET and old entries simply expire. Tokens are random rather than a
counter so that a Redis restart or flush (which forgets them) can never bring back a
generation some process still has entries for. Every call fails open: if Redis
is unreachable the reader gets a cache miss and the database answers.

Because an entry's key names its generation, an entry never changes once written: each
process also keeps the entries it has seen in a small local LRU. A read then costs one
Redis round trip (the generations) instead of two, and no copy of a large thread.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable

import redis

logger = logging.getLogger(__name__)

_ERRORS = (redis.RedisError, OSError)


def _token() -> str:
    return secrets.token_hex(8)


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
            missing = [i for i, value in enumerate(values) if value is None]
            if missing:
                # First read since the last change or a Redis restart: start a generation.
                # SET NX then GET in one round trip: a concurrent starter's token wins.
                pipe = self._redis.pipeline(transaction=False)
                for i in missing:
                    pipe.set(keys[i], _token(), nx=True)
                    pipe.get(keys[i])
                results = pipe.execute()
                for n, i in enumerate(missing):
                    values[i] = results[2 * n + 1]
        except _ERRORS:
            logger.warning("read cache unavailable (generations)")
            return None
        tokens = [v.decode() for v in values if isinstance(v, bytes)]
        return tokens if len(tokens) == len(keys) else None

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
                pipe.set(key, _token())
            pipe.execute()
        except _ERRORS:
            # The entries will still expire after their TTL; say so loudly.
            logger.error("read cache invalidation failed; entries expire by TTL")
