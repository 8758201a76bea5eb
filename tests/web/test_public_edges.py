"""Public edges: takedowns stick, authorship is proven by a token, hand-offs, form tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import SpentToken
from tests.backends import Backend
from tests.conftest import ALLOWED_SITE
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import form_token
from tests.helpers import post
from tests.helpers import post_receipt
from tests.helpers import read_own
from tests.helpers import set_status
from tests.helpers import valid

NOT_PUBLIC = [CommentStatus.PENDING, CommentStatus.HELD, CommentStatus.REJECTED, CommentStatus.SPAM]
TEXT_FIELDS = ("html", "author_name", "website")


@pytest.fixture
def frozen(settings: Settings, backend: Backend) -> Iterator[tuple[Flask, FrozenClock]]:
    clock = FrozenClock(dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC))
    app = build_app(settings, clock=clock)
    yield app, clock
    _clean(app, backend)


@pytest.mark.parametrize("status", NOT_PUBLIC)
def test_a_comment_that_is_not_approved_is_not_served_without_its_author_token(
    app: Flask, client: FlaskClient, status: CommentStatus
) -> None:
    add_article(app)
    receipt = post_receipt(client, author_name="Diffamateur", website="https://x.example")
    set_status(app, receipt["id"], status)
    url = f"/api/v1/comments/{receipt['id']}"
    anonymous = client.get(url)
    wrong = client.get(url, headers={"Moderation-Author-Token": "x" * 43})
    for response in (anonymous, wrong):
        # Exactly what an unknown id gets: nothing tells "taken down" from "never was".
        assert response.status_code == 404
        assert response.get_json() == client.get("/api/v1/comments/inconnu").get_json()
        assert "Diffamateur" not in response.get_data(as_text=True)
    own = read_own(client, receipt)
    assert own is not None
    assert own["status"] == status.value
    assert own["author_name"] == "Diffamateur"


def test_an_approved_comment_is_public_without_a_token(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    public_id = post(client, author_name="Lina")
    set_status(app, public_id, CommentStatus.APPROVED)
    data = client.get(f"/api/v1/comments/{public_id}").get_json()
    assert (data["status"], data["author_name"]) == ("approved", "Lina")


def test_the_author_token_is_stored_hashed_and_differs_from_the_public_id(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    receipt = post_receipt(client)
    token = receipt["author_token"]
    assert len(token) >= 40
    assert token != receipt["id"]
    with app.app_context():
        stored = db.session.scalar(
            sa.select(Comment.author_token_hash).where(Comment.public_id == receipt["id"])
        )
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    # Another comment's token proves nothing about this one.
    other = post_receipt(client)
    cross = client.get(
        f"/api/v1/comments/{receipt['id']}",
        headers={"Moderation-Author-Token": other["author_token"]},
    )
    assert cross.status_code == 404


def test_a_reply_never_names_a_parent_that_is_not_public(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    parent = post(client, author_name="Retiré", body="Propos diffamatoires")
    set_status(app, parent, CommentStatus.APPROVED)
    reply = post(client, author_name="Zoé", body="Je réponds", parent_id=parent)
    set_status(app, reply, CommentStatus.APPROVED)
    set_status(app, parent, CommentStatus.REJECTED)  # the takedown

    thread = client.get(URL.format(key="a1"))
    [shown] = thread.get_json()["comments"]
    assert (shown["id"], shown["parent_id"], shown["parent_removed"]) == (reply, None, True)
    assert parent not in thread.get_data(as_text=True)

    one = client.get(f"/api/v1/comments/{reply}").get_json()
    assert (one["parent_id"], one["parent_removed"]) == (None, True)

    page = client.get("/embed/articles/a1?lang=fr").get_data(as_text=True)
    assert parent not in page
    assert "Retiré" not in page
    assert "diffamatoires" not in page
    assert "En réponse à un commentaire retiré" in page


def test_a_reply_to_a_public_comment_names_it(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    parent = post(client)
    set_status(app, parent, CommentStatus.APPROVED)
    reply = post(client, parent_id=parent)
    set_status(app, reply, CommentStatus.APPROVED)
    [root] = client.get(URL.format(key="a1")).get_json()["comments"]
    assert root["parent_removed"] is False
    assert (root["replies"][0]["parent_id"], root["replies"][0]["parent_removed"]) == (
        parent,
        False,
    )


def _wordpress_post(client: FlaskClient, **extra: str) -> tuple[str, str]:
    form = {
        "author": "Paul",
        "email": "paul@example.org",
        "comment": "Un avis posté depuis le thème.",
        "comment_post_ID": "a1",
        "redirect_to": f"{ALLOWED_SITE}/2026/12/article/",
        **extra,
    }
    response = client.post("/wp-comments-post.php", data=form)
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    public_id, _dot, handoff = query["moderation_handoff"][0].partition(".")
    return public_id, handoff


def test_a_hand_off_works_once_within_minutes_and_for_its_comment_only(
    frozen: tuple[Flask, FrozenClock],
) -> None:
    app, clock = frozen
    add_article(app)
    client = app.test_client()
    first, first_handoff = _wordpress_post(client)
    second, second_handoff = _wordpress_post(client, comment="Un autre avis, plus tard.")

    def read(public_id: str, handoff: str) -> int:
        url = f"/api/v1/comments/{public_id}"
        return client.get(url, headers={"Moderation-Handoff": handoff}).status_code

    assert read(first, second_handoff) == 404  # bound to its comment
    assert read(first, first_handoff[:-3] + "abc") == 404  # forged
    clock.advance(minutes=6)
    assert read(second, second_handoff) == 404  # expired
    clock.advance(minutes=-6)
    assert read(first, first_handoff) == 200
    assert read(first, first_handoff) == 404  # spent
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SpentToken)) == 1


def test_a_filled_honeypot_on_the_wordpress_form_looks_accepted_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    public_id, handoff = _wordpress_post(client, company="ACME")
    person_id, person_handoff = _wordpress_post(client, comment="Un vrai avis.")
    assert len(public_id) == len(person_id)
    assert len(handoff) == len(person_handoff)
    with app.app_context():
        assert db.session.scalars(sa.select(Comment.public_id)).all() == [person_id]


def test_a_duplicate_from_the_no_js_page_comes_back_like_an_accepted_comment(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    data = {"author_name": "Inès", "email": "ines@example.org", "body": "Très juste."}
    first = client.post("/embed/articles/a1/comments?lang=fr", data=data)
    again = client.post("/embed/articles/a1/comments?lang=fr", data=data)
    assert first.status_code == again.status_code == 303
    for response in (first, again):
        assert "posted" in parse_qs(urlsplit(response.headers["Location"]).query)


def _elapsed(app: Flask, public_id: str) -> float | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(Comment.elapsed_seconds).where(Comment.public_id == public_id)
        )


def test_a_form_token_gives_the_time_taken_once_and_for_its_article_only(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    add_article(app, "a2")
    token = form_token(app, "a1", age_seconds=90)
    first = post(client, render_token=token)
    elapsed = _elapsed(app, first)
    assert elapsed is not None
    assert 89 <= elapsed <= 100
    assert _elapsed(app, post(client, render_token=token)) is None  # reused
    assert _elapsed(app, post(client, "a2", render_token=form_token(app, "a1"))) is None
    assert _elapsed(app, post(client, render_token=token[:-2] + "xx")) is None  # forged
    old = form_token(app, "a1", age_seconds=13 * 3600)
    assert _elapsed(app, post(client, render_token=old)) is None  # expired
    missing = client.post(URL.format(key="a1"), json=valid(body="Sans jeton du tout"))
    assert _elapsed(app, missing.get_json()["id"]) is None


def test_the_form_token_endpoint_gives_a_fresh_token_for_the_article(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    one = client.get("/api/v1/articles/a1/form-token")
    two = client.get("/api/v1/articles/a1/form-token")
    assert one.headers["Cache-Control"] == "no-store"
    assert one.get_json()["render_token"] != two.get_json()["render_token"]
    public_id = post(client, render_token=one.get_json()["render_token"])
    assert _elapsed(app, public_id) is not None
