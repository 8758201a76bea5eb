"""Inputs that used to crash the service: each is now a 4xx problem, and nothing is logged
at ERROR (an anonymous visitor must not be able to fill the error log). Both backends:
PostgreSQL refuses NUL characters and over-long keys that SQLite stores."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Article
from moderation.models import CommentStatus
from tests.conftest import ALLOWED_SITE
from tests.conftest import shared_data
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import set_status
from tests.helpers import valid

DEEP = "[" * 40_000


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def test_deeply_nested_json_is_a_422_not_a_crash(
    app: Flask, client: FlaskClient, quiet: pytest.LogCaptureFixture
) -> None:
    add_article(app)
    root = post(client)
    token = {"Authorization": f"Bearer {moderator_token(app)}"}
    targets = [
        (URL.format(key="a1"), {}),
        (f"/api/v1/comments/{root}/reports", {}),
        (f"/api/v1/moderation/comments/{root}/decision", token),
    ]
    for url, headers in targets:
        answer = client.post(url, data=DEEP, content_type="application/json", headers=headers)
        assert answer.status_code == 422, url
        assert answer.mimetype == "application/problem+json"
    _no_errors_logged(quiet)


@pytest.mark.parametrize("limit", ["²", "١٢", "1e3", "-1", "0", " 5", "9" * 30])
def test_odd_page_sizes_are_refused(
    app: Flask, client: FlaskClient, quiet: pytest.LogCaptureFixture, limit: str
) -> None:
    add_article(app)
    answer = client.get(URL.format(key="a1") + "?limit=" + quote(limit))
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "limit"
    _no_errors_logged(quiet)


def test_nul_characters_in_keys_ids_and_queries_are_4xx(
    app: Flask, client: FlaskClient, quiet: pytest.LogCaptureFixture
) -> None:
    add_article(app)
    root = post(client)
    set_status(app, root, CommentStatus.APPROVED)
    token = {"Authorization": f"Bearer {moderator_token(app)}"}
    answers = {
        "thread": client.get(URL.format(key="a%00b")),
        "post": client.post(URL.format(key="a%00b"), json=valid()),
        "page": client.get("/embed/articles/a%00b"),
        "page post": client.post("/embed/articles/a%00b/comments", data=valid()),
        "comment": client.get("/api/v1/comments/ab%00cd"),
        "report": client.post("/api/v1/comments/ab%00/reports", json={"reason": "spam"}),
        "counts": client.get("/api/v1/counts?article=a1&article=b%00"),
        "cursor": client.get(URL.format(key="a1") + "?cursor=%00"),
        "queue": client.get("/api/v1/moderation/comments?q=%00", headers=token),
        "wordpress": client.post(
            "/wp-comments-post.php",
            data={"comment_post_ID": "a\x00", "author": "A", "email": "a@b.fr", "comment": "x"},
        ),
        "long key": client.get(URL.format(key="k" * 201)),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert all(400 <= status < 500 for status in statuses.values()), statuses
    assert client.get(f"/api/v1/comments/{root}").status_code == 200
    _no_errors_logged(quiet)


def test_nul_in_an_article_title_is_dropped(
    app_with,
    quiet: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    app = app_with(auto_create_articles=True)
    client = app.test_client()
    answer = client.post(
        URL.format(key="nouveau"),
        json=valid(article_title="Titre\x00 piégé", article_url=f"{ALLOWED_SITE}/n\x00"),
        headers={"Origin": ALLOWED_SITE},
    )
    assert answer.status_code in (202, 403, 404, 422)
    if answer.status_code == 202:
        with app.app_context():
            article = db.session.scalar(sa.select(Article).where(Article.key == "nouveau"))
            assert article is not None
            assert "\x00" not in article.title
            assert "\x00" not in article.url
    _no_errors_logged(quiet)


def test_naughty_strings_in_keys_ids_and_queries_never_crash(
    app: Flask, client: FlaskClient, quiet: pytest.LogCaptureFixture
) -> None:
    strings = json.loads(shared_data("naughty-strings", "blns.json").read_text(encoding="utf-8"))
    add_article(app)
    outcomes: dict[int, int] = {}
    for text in strings:
        key = quote(text, safe="")
        for answer in (
            client.get(URL.format(key=key)),
            client.get(f"/api/v1/comments/{key}"),
            client.post(f"/api/v1/comments/{key}/reports", json={"reason": "spam"}),
            client.get("/api/v1/counts", query_string={"article": text}),
            client.get(URL.format(key="a1"), query_string={"cursor": text, "sort": text}),
            client.get(f"/embed/articles/{key}"),
        ):
            outcomes[answer.status_code] = outcomes.get(answer.status_code, 0) + 1
            assert answer.status_code < 500, (text, answer.request.path)
    assert outcomes.get(404, 0) > 500
    _no_errors_logged(quiet)
