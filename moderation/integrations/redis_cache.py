"""The shared read cache on Redis (implements ``moderation.services.ports.ReadCache``).

Keys: ``mod:gen:<article>`` holds the article's generation, a random token replaced on
every public change; response entries embed the generation they were computed at, so an
invalidation is one SET and old entries simply expire. Tokens are random rather than a
counter so that a Redis restart or flush (which forgets them) can never bring back a
generation some process still has entries for. A generation is only ever started for an
article the caller found in the database (:meth:`RedisReadCache.start_generations`), and
expires (``GENERATION_TTL_SECONDS``): anonymous reads of made-up keys create nothing.

Every call fails open: if Redis is unreachable the reader gets a cache miss and the
database answers. A frozen Redis (which accepts connections but never answers) costs one
short timeout, then a circuit breaker skips Redis for a few seconds at a time.

Because an entry's key names its generation, an entry never changes once written: each
process also keeps the entries it has seen in a small local LRU. A read then costs one
Redis round trip (the generations) instead of two, and no copy of a large thread.

Redis must be configured to evict (``allkeys-lru`` or ``volatile-lru``: every key written
here has a TTL); it must not be the broker's database, which needs ``noeviction``.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from moderation.integrations.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

_ERRORS = (redis.RedisError, OSError)

#: How long an article's generation lives without a change (it is started again after).
GENERATION_TTL_SECONDS = 24 * 3600
#: A cache is worth nothing if waiting for it costs more than the database query.
TIMEOUT_SECONDS = 0.25


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
    def __init__(
        self,
        url: str,
        *,
        prefix: str = "mod:",
        local_bytes: int = 32 << 20,
        generation_ttl: int = GENERATION_TTL_SECONDS,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self._redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=30,
        )
        self._prefix = prefix
        self._local = _LocalEntries(local_bytes)
        self._generation_ttl = generation_ttl
        self.breaker = breaker or CircuitBreaker("read cache", cooldown=5.0)

    def _gen_key(self, article_key: str) -> str:
        return f"{self._prefix}gen:{article_key}"

    def _failed(self, error: BaseException) -> None:
        # A half-read answer must not be read by the next call on the same connection.
        self._redis.connection_pool.disconnect()
        self.breaker.failed(error)

    def generations(self, article_keys: Iterable[str]) -> list[str | None] | None:
        keys = [self._gen_key(k) for k in article_keys]
        if not self.breaker.allow():
            return None
        try:
            values = self._redis.mget(keys)
        except _ERRORS as error:
            self._failed(error)
            return None
        self.breaker.succeeded()
        return [v.decode() if isinstance(v, bytes) else None for v in values]

    def start_generations(self, article_keys: Iterable[str]) -> list[str] | None:
        keys = [self._gen_key(k) for k in article_keys]
        if not keys:
            return []
        if not self.breaker.allow():
            return None
        try:
            # SET NX then GET in one round trip: a concurrent starter's token wins.
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, _token(), nx=True, ex=self._generation_ttl)
                pipe.get(key)
            results = pipe.execute()
        except _ERRORS as error:
            self._failed(error)
            return None
        self.breaker.succeeded()
        tokens = [v.decode() for v in results[1::2] if isinstance(v, bytes)]
        return tokens if len(tokens) == len(keys) else None

    def get(self, key: str) -> bytes | None:
        return self.get_many([key])[0]

    def get_many(self, keys: list[str]) -> list[bytes | None]:
        found = [self._local.get(k) for k in keys]
        missing = [k for k, v in zip(keys, found, strict=True) if v is None]
        if not missing or not self.breaker.allow():
            return found
        try:
            values = self._redis.mget([self._prefix + k for k in missing])
        except _ERRORS as error:
            self._failed(error)
            return found
        self.breaker.succeeded()
        fetched = {}
        for key, value in zip(missing, values, strict=True):
            if isinstance(value, bytes):
                fetched[key] = value
                self._local.put(key, value)
        return [v if v is not None else fetched.get(k) for k, v in zip(keys, found, strict=True)]

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._local.put(key, value)
        if not self.breaker.allow():
            return
        try:
            self._redis.set(self._prefix + key, value, ex=ttl)
        except _ERRORS as error:
            self._failed(error)
            return
        self.breaker.succeeded()

    def invalidate(self, article_keys: Iterable[str]) -> None:
        keys = [self._gen_key(k) for k in article_keys]
        if not keys:
            return
        try:
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, _token(), ex=self._generation_ttl)
            pipe.execute()
        except _ERRORS as error:
            # Tried even while the breaker is open: a missed invalidation shows a stale
            # page until the entries expire. Say so loudly.
            self._failed(error)
            logger.error("read cache invalidation failed; entries expire by TTL")
            return
        self.breaker.succeeded()
