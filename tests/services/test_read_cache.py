"""The shared read cache on a real Redis: generations, immutable entries, fail-open."""

from __future__ import annotations

import pytest

from moderation.integrations.redis_cache import RedisReadCache
from moderation.integrations.redis_cache import _LocalEntries
from tests.backends import Backend
from tests.processes import free_port


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_generations_change_on_invalidation_and_entries_follow(backend: Backend) -> None:
    cache = RedisReadCache(backend.redis_url, prefix="test-cache:")
    assert cache.generations(["a1"]) == [None]
    [before] = cache.start_generations(["a1"]) or ["?"]
    cache.set(f"thread:a1:{before}", b"old page", ttl=60)
    assert cache.get(f"thread:a1:{before}") == b"old page"
    cache.invalidate(["a1"])
    [after] = cache.generations(["a1"]) or ["?"]
    assert after != before
    assert cache.get(f"thread:a1:{after}") is None
    # Another process (a fresh cache object) finds the entry in Redis.
    other = RedisReadCache(backend.redis_url, prefix="test-cache:")
    assert other.get_many([f"thread:a1:{before}", "missing"]) == [b"old page", None]


def test_unreachable_redis_fails_open() -> None:
    cache = RedisReadCache(f"redis://127.0.0.1:{free_port()}/0")
    assert cache.generations(["a1"]) is None
    assert cache.start_generations(["a1"]) is None
    assert cache.get("x") is None
    cache.set("x", b"y", ttl=5)
    cache.invalidate(["a1"])


def test_local_entries_are_bounded_by_size() -> None:
    local = _LocalEntries(max_bytes=100)
    for i in range(10):
        local.put(f"k{i}", b"x" * 20)
    kept = [i for i in range(10) if local.get(f"k{i}") is not None]
    assert kept == [5, 6, 7, 8, 9]
    local.put("huge", b"x" * 60)  # over a quarter of the budget: never kept
    assert local.get("huge") is None


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_redis_flush_never_brings_back_an_old_generation(backend: Backend) -> None:
    import redis

    cache = RedisReadCache(backend.redis_url, prefix="test-flush:")
    [old] = cache.start_generations(["a1"]) or ["?"]
    cache.set(f"thread:a1:{old}", b"page before the flush", ttl=60)
    client = redis.Redis.from_url(backend.redis_url)
    for key in client.scan_iter("test-flush:*"):
        client.delete(key)
    client.close()
    # This process still holds the old entry locally; the new generation must not reach it.
    assert cache.generations(["a1"]) == [None]
    [new] = cache.start_generations(["a1"]) or ["?"]
    assert new != old
    assert cache.get(f"thread:a1:{new}") is None
    assert cache.generations(["a1"]) == [new]
