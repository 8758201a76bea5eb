"""Public threads and counts served through the read cache, already compressed.

An entry is made once per article generation and holds the response in every encoding a
browser may ask for (identity, gzip level 6, brotli quality 5), each with an ETag of its
own, so a cached read is a choice of bytes, never a compression. Generations are only
started for articles found in the database, and cache keys are built from the parsed,
canonical request (the cursor's comment id, not the cursor's spelling), so neither made-up
article keys nor re-encoded cursors can fill the cache or bypass it.
"""

from __future__ import annotations

import gzip
import hashlib
import json as stdjson
from typing import Any

import brotli
from flask import current_app
from flask import json
from flask import request
from werkzeug.wrappers import Response

from moderation.db import db
from moderation.errors import ArticleNotFound
from moderation.services import articles as article_service
from moderation.services import comments as comment_service
from moderation.services.ports import Deps
from moderation.services.ports import ReadCache
from moderation.web import serializers

#: Bodies this small are sent as they are: compressing them saves nothing.
MIN_COMPRESS_BYTES = 256


def encode_entry(body: bytes) -> bytes:
    """One cache entry: a header line (ETag and the three lengths), then the variants."""
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()
    if len(body) < MIN_COMPRESS_BYTES:
        gz = br = b""
    else:
        gz = gzip.compress(body, compresslevel=6, mtime=0)
        br = brotli.compress(body, quality=5)
    header = f"{etag} {len(body)} {len(gz)} {len(br)}\n".encode()
    return header + body + gz + br


def respond(entry: bytes) -> Response:
    """The variant the request accepts, with its ETag, ``Vary`` and revalidation."""
    header, _sep, data = entry.partition(b"\n")
    etag, *sizes = header.decode().split()
    n_id, n_gz, n_br = (int(n) for n in sizes)
    accepts = request.accept_encodings
    if n_br and accepts["br"]:
        body, encoding = data[n_id + n_gz : n_id + n_gz + n_br], "br"
    elif n_gz and accepts["gzip"]:
        body, encoding = data[n_id : n_id + n_gz], "gzip"
    else:
        body, encoding = data[:n_id], None
    response: Response = current_app.response_class(body, mimetype="application/json")
    if encoding is not None:
        response.headers["Content-Encoding"] = encoding
        etag = f"{etag}-{encoding}"
    response.set_etag(etag)
    response.vary.add("Accept-Encoding")
    # Shared caches may keep it but must revalidate: a moderator's approval shows at once.
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)


def _digest(article_key: str) -> str:
    return hashlib.sha256(article_key.encode()).hexdigest()[:32]


def _generation(cache: ReadCache, article_key: str) -> str | None:
    """The article's generation, started only if the article exists (else 404)."""
    current = cache.generations([article_key])
    if current is None:
        return None
    if current[0] is not None:
        return current[0]
    if article_service.find_article(db.session(), article_key) is None:
        raise ArticleNotFound(article_key)
    started = cache.start_generations([article_key])
    return started[0] if started else None


def thread(deps: Deps, article_key: str, *, sort: str, cursor: str | None, limit: int) -> Response:
    """One page of a thread (see ``services.comments.public_thread``), cached.

    :raises ValueError: a malformed cursor.
    :raises ArticleNotFound:
    """
    after = comment_service.decode_cursor(cursor) if cursor else None
    canonical = comment_service.encode_cursor(after) if after is not None else None
    cache = deps.cache
    generation = _generation(cache, article_key)
    key = None
    if generation is not None:
        key = f"thread:{_digest(article_key)}:{generation}:{sort}:{limit}:{after or ''}"
        hit = cache.get(key)
        if hit is not None:
            return respond(hit)
    page = comment_service.public_thread(
        db.session(), article_key, sort=sort, cursor=canonical, limit=limit
    )
    entry = encode_entry(json.dumps(serializers.thread_page(page, sort)).encode())
    if key is not None:
        cache.set(key, entry, deps.settings.cache_ttl_seconds)
    return respond(entry)


def counts(deps: Deps, keys: list[str]) -> Response:
    """Approved-comment counts of ``keys`` (unknown articles count 0), cached."""
    cache = deps.cache
    generations = cache.generations(keys)
    if generations is None:
        fresh = comment_service.approved_counts(db.session(), keys)
        return respond(_counts_entry(keys, fresh))
    unstarted = [k for k, g in zip(keys, generations, strict=True) if g is None]
    known = dict(zip(keys, generations, strict=True))
    if unstarted:
        existing = article_service.existing_keys(db.session(), unstarted)
        started = cache.start_generations(existing)
        if started is None:
            fresh = comment_service.approved_counts(db.session(), keys)
            return respond(_counts_entry(keys, fresh))
        known.update(zip(existing, started, strict=True))
    counts: dict[str, int] = {k: 0 for k, g in known.items() if g is None}
    # A whole response is cached only when every article has a generation, so made-up
    # keys never create entries.
    response_key = None
    if not counts:
        signature = stdjson.dumps([[k, known[k]] for k in keys]).encode()
        response_key = "counts:" + hashlib.sha256(signature).hexdigest()[:32]
        hit = cache.get(response_key)
        if hit is not None:
            return respond(hit)
    with_generation = [k for k in keys if known[k] is not None]
    counts.update(_article_counts(cache, deps, with_generation, known))
    entry = _counts_entry(keys, counts)
    if response_key is not None:
        cache.set(response_key, entry, deps.settings.cache_ttl_seconds)
    return respond(entry)


def _article_counts(
    cache: ReadCache, deps: Deps, keys: list[str], generations: dict[str, str | None]
) -> dict[str, int]:
    def entry_key(article_key: str) -> str:
        return f"count:{_digest(article_key)}:{generations[article_key]}"

    counts: dict[str, int] = {}
    missing = []
    for key, cached in zip(keys, cache.get_many([entry_key(k) for k in keys]), strict=True):
        if cached is None:
            missing.append(key)
        else:
            counts[key] = int(cached)
    if missing:
        fresh = comment_service.approved_counts(db.session(), missing)
        ttl = deps.settings.cache_ttl_seconds
        for key, count in fresh.items():
            cache.set(entry_key(key), str(count).encode(), ttl)
        counts.update(fresh)
    return counts


def _counts_entry(keys: list[str], counts: dict[str, Any]) -> bytes:
    return encode_entry(json.dumps({"counts": {k: counts[k] for k in keys}}).encode())
