"""The read cache cannot be filled or bypassed by anonymous readers, and serves the
page's rows only, compressed the way browsers ask."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager

import brotli
import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from tests.backends import Backend
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_status


def approved(app: Flask, client: FlaskClient, key: str = "a1", **fields: object) -> str:
    public_id = post(client, key, **fields)
    set_status(app, public_id, CommentStatus.APPROVED)
    return public_id


def redis_keys(backend: Backend) -> list[bytes]:
    client = redis.Redis.from_url(backend.redis_url)
    try:
        return sorted(client.scan_iter("*"))
    finally:
        client.close()


@contextmanager
def counted(app: Flask) -> Iterator[dict[str, int]]:
    """Counts the SQL statements run and the comment rows loaded inside the block."""
    seen = {"statements": 0, "comments": 0}

    def on_execute(*_args: object) -> None:
        seen["statements"] += 1

    def on_load(*_args: object) -> None:
        seen["comments"] += 1

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    sa.event.listen(Comment, "load", on_load)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
        sa.event.remove(Comment, "load", on_load)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_reads_of_unknown_articles_create_no_cache_keys(
    app: Flask, client: FlaskClient, backend: Backend
) -> None:
    before = redis_keys(backend)
    for i in range(40):
        assert client.get(URL.format(key=f"made-up-{i}")).status_code == 404
    answer = client.get("/api/v1/counts?" + "&".join(f"article=nope-{i}" for i in range(100)))
    assert answer.status_code == 200
    assert set(answer.get_json()["counts"].values()) == {0}
    assert redis_keys(backend) == before


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_generation_of_an_existing_article_expires(
    app: Flask, client: FlaskClient, backend: Backend
) -> None:
    add_article(app)
    approved(app, client)
    assert client.get(URL.format(key="a1")).status_code == 200
    assert client.get("/api/v1/counts?article=a1").status_code == 200
    conn = redis.Redis.from_url(backend.redis_url)
    try:
        keys = list(conn.scan_iter("*"))
        assert any(b"gen:a1" in k for k in keys)
        # Every key the reads made has a TTL: an evicting Redis can drop any of them.
        assert all(conn.ttl(k) > 0 for k in keys)
    finally:
        conn.close()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_re_encoded_cursor_is_served_from_the_same_entry(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    for i in range(4):
        approved(app, client, body=f"Commentaire numéro {i}")
    first = client.get(URL.format(key="a1") + "?limit=2").get_json()
    cursor = first["next_cursor"]
    after = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
    page = client.get(URL.format(key="a1") + f"?limit=2&cursor={cursor}")
    assert page.status_code == 200
    spaced = base64.urlsafe_b64encode(f'{{ "after" :   {after} }}'.encode()).decode()
    with counted(app) as seen:
        again = client.get(URL.format(key="a1") + f"?limit=2&cursor={spaced}")
    assert again.status_code == 200
    assert again.get_json() == page.get_json()
    assert seen["statements"] == 0, "the same page in another spelling must hit the cache"


def test_a_page_reads_only_its_own_rows(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    roots = [approved(app, client, body=f"Racine {i}") for i in range(12)]
    replies = [approved(app, client, body="Réponse à la première", parent_id=roots[0])]
    replies.append(approved(app, client, body="Réponse à la réponse", parent_id=replies[0]))
    with counted(app) as seen:
        data = client.get(URL.format(key="a1") + "?limit=3").get_json()
    assert [c["id"] for c in data["comments"]] == roots[:3]
    assert data["comments"][0]["replies"][0]["id"] == replies[0]
    assert data["comments"][0]["replies"][0]["replies"][0]["id"] == replies[1]
    assert data["total"] == 14
    # Three roots, one more to know a next page exists, and the two replies: never the
    # whole thread.
    assert seen["comments"] <= 3 + 1 + 2


def test_paging_by_keyset_visits_every_top_level_comment_once(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    roots = [approved(app, client, body=f"Racine {i}") for i in range(7)]
    orphan_parent = approved(app, client, body="Bientôt retiré")
    orphan = approved(app, client, body="Réponse orpheline", parent_id=orphan_parent)
    set_status(app, orphan_parent, CommentStatus.HELD)
    for sort, expected in (("oldest", [*roots, orphan]), ("newest", [orphan, *roots[::-1]])):
        seen: list[str] = []
        cursor = ""
        while True:
            data = client.get(URL.format(key="a1") + f"?limit=3&sort={sort}{cursor}").get_json()
            seen += [c["id"] for c in data["comments"]]
            if data["next_cursor"] is None:
                break
            cursor = f"&cursor={data['next_cursor']}"
        assert seen == expected, sort


def test_threads_and_counts_are_served_compressed_per_encoding(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    for i in range(6):
        approved(
            app, client, body=f"Un commentaire assez long pour être compressé, numéro {i}. " * 3
        )
    url = URL.format(key="a1")
    plain = client.get(url)
    assert plain.headers.get("Content-Encoding") is None
    assert "Accept-Encoding" in plain.headers["Vary"]
    as_gzip = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    as_br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert as_br.headers["Content-Encoding"] == "br"
    assert json.loads(gzip.decompress(as_gzip.data)) == plain.get_json()
    assert json.loads(brotli.decompress(as_br.data)) == plain.get_json()
    assert len(as_br.data) < len(plain.data)
    assert len(as_gzip.data) < len(plain.data)
    etags = {r.headers["ETag"] for r in (plain, as_gzip, as_br)}
    assert len(etags) == 3, "each encoding has its own ETag"
    revalidated = client.get(
        url, headers={"Accept-Encoding": "br", "If-None-Match": as_br.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    # The identity ETag does not validate the brotli variant.
    other = client.get(
        url, headers={"Accept-Encoding": "br", "If-None-Match": plain.headers["ETag"]}
    )
    assert other.status_code == 200
    counts = client.get(
        "/api/v1/counts?" + "&".join(f"article=a{i}" for i in range(1, 40)),
        headers={"Accept-Encoding": "gzip"},
    )
    assert counts.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(counts.data))["counts"]["a1"] == 6
