"""The email is never published: not in public JSON or HTML, not in logs."""

from __future__ import annotations

import hashlib
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.models import CommentStatus
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import canary_email
from tests.helpers import post
from tests.helpers import set_status


def forms_of(email: str) -> list[str]:
    """The address and the digests someone could use to recognise it."""
    lowered = email.lower()
    return [
        email,
        lowered,
        email.split("@")[0],
        *(hashlib.new(name, lowered.encode()).hexdigest() for name in ("md5", "sha1", "sha256")),
    ]


def test_no_public_response_contains_an_email(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    add_article(app)
    add_article(app, "demo")
    emails = [canary_email() for _ in range(4)]
    ids = []
    for i, email in enumerate(emails):
        public_id = post(client, email=email, body=f"Commentaire numéro {i}")
        ids.append(public_id)
        if i % 2 == 0:
            set_status(app, public_id, CommentStatus.APPROVED)
    reply = post(client, email=emails[0], parent_id=ids[0], body="Réponse")
    set_status(app, reply, CommentStatus.APPROVED)
    demo = client.post(
        "/embed/articles/demo/comments",
        data={"author_name": "Nina", "email": emails[1], "body": "Depuis la démo"},
    )
    assert demo.status_code == 303
    responses = [
        client.get(URL.format(key="a1")),
        client.get(URL.format(key="a1") + "?sort=newest&limit=1"),
        client.get("/api/v1/counts?article=a1"),
        client.get("/embed/articles/demo"),
        client.get("/"),
        client.get("/api/v1/openapi.json"),
        *(client.get(f"/api/v1/comments/{public_id}") for public_id in [*ids, reply]),
        client.post(
            URL.format(key="a1"), json={"author_name": "X", "email": emails[2], "body": ""}
        ),
    ]
    texts = [r.get_data(as_text=True) + str(r.headers) for r in responses]
    assert all(r.status_code < 500 for r in responses)
    assert any("Commentaire numéro 0" in t for t in texts)
    for email in emails:
        for form in forms_of(email):
            for text in texts:
                assert form not in text
            assert form not in caplog.text


def test_database_errors_do_not_carry_submitted_values(app: Flask) -> None:
    import sqlalchemy as sa

    from moderation.db import db

    email = canary_email()
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as caught:
            db.session.execute(
                sa.text("SELECT * FROM no_such_table WHERE x = :email"), {"email": email}
            )
        db.session.rollback()
    assert email not in str(caught.value)
