"""POST /api/v1/articles/<key>/comments: what is accepted, and every way it refuses."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import IntakeCounter
from moderation.models import ModerationDecision
from moderation.models import OutboxMessage
from moderation.services import article_signing
from tests.conftest import ALLOWED_SITE
from tests.conftest import TEST_SECRET
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import status_of
from tests.helpers import valid


def test_post_json_is_accepted_pending_with_outbox_row(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), json=valid(website="lemonde.fr"))
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "pending"
    assert response.headers["Location"] == f"/api/v1/comments/{body['id']}"
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.public_id == body["id"]))
        assert comment is not None
        assert comment.status is CommentStatus.PENDING
        assert comment.website == "https://lemonde.fr"
        assert comment.body_html == "<p>Merci pour cet article très clair.</p>"
        assert comment.email == "camille@example.org"
        assert len(comment.email_hash) == 64
        assert "camille" not in comment.email_hash
        outbox = db.session.scalars(sa.select(OutboxMessage)).all()
        assert [m.payload for m in outbox] == [{"comment_id": comment.id}]
        assert outbox[0].done_at is None


def test_post_form_encoded_is_accepted(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), data=valid())
    assert response.status_code == 202
    assert response.get_json()["status"] == "pending"


def test_body_is_sanitized_and_raw_kept(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    raw = 'Voir <a href="javascript:alert(1)">ça</a> <script>alert(1)</script>https://exemple.fr'
    response = client.post(URL.format(key="a1"), json=valid(body=raw))
    assert response.status_code == 202
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment))
        assert comment is not None
        assert comment.body_raw == raw
        assert "javascript" not in comment.body_html
        assert "<script" not in comment.body_html
        assert 'href="https://exemple.fr"' in comment.body_html
        assert 'rel="nofollow ugc noopener noreferrer"' in comment.body_html


def test_field_errors_are_listed_per_field_in_french(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(
        URL.format(key="a1"),
        json={
            "author_name": " ",
            "email": "pas-une-adresse",
            "body": "x" * 5001,
            "website": "javascript:alert(1)",
        },
        headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert problem["fields"] == {
        "author_name": "Ce champ est obligatoire.",
        "email": "Saisissez une adresse e-mail valide.",
        "website": "Saisissez une adresse web commençant par http:// ou https://.",
        "body": "Ce champ ne doit pas dépasser 5000 caractères.",
    }
    assert response.headers["Content-Language"] == "fr"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_field_errors_in_english_when_asked(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(
        URL.format(key="a1"), json=valid(email="nope"), headers={"Accept-Language": "en-GB"}
    )
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"email": "Enter a valid email address."}


def test_control_characters_in_name_are_refused(client: FlaskClient, app: Flask) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), json=valid(author_name="Eve\u202emal"))
    assert response.status_code == 422
    assert list(response.get_json()["fields"]) == ["author_name"]


def test_non_string_fields_are_refused_not_crashed(client: FlaskClient, app: Flask) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), json=valid(author_name=["x"], body={"a": 1}))
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"author_name", "body"}


def test_body_empty_after_cleaning_is_refused(client: FlaskClient, app: Flask) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), json=valid(body="<script>alert(1)</script>"))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "empty_after_cleaning"


def test_unknown_article_is_404_without_allowed_origin(client: FlaskClient) -> None:
    response = client.post(URL.format(key="nouveau"), json=valid())
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_unknown_article_is_created_from_an_allowed_site(app: Flask, client: FlaskClient) -> None:
    secret = article_signing.site_secret(TEST_SECRET, ALLOWED_SITE)
    signature = article_signing.signature(secret, "nouveau", f"{ALLOWED_SITE}/nouveau", "Nouveau")
    response = client.post(
        URL.format(key="nouveau"),
        json=valid(
            article_url=f"{ALLOWED_SITE}/nouveau",
            article_title="Nouveau",
            article_signature=signature,
        ),
        headers={"Origin": ALLOWED_SITE},
    )
    assert response.status_code == 202
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_SITE
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.key == "nouveau"))
        assert article is not None
        assert article.title == "Nouveau"


def test_lookalike_origin_does_not_create_articles(client: FlaskClient) -> None:
    response = client.post(
        URL.format(key="nouveau"),
        json=valid(),
        headers={"Origin": "https://www.journal.example.evil.test"},
    )
    # Refused before anything is looked up: a write from another site (test_cross_site.py).
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_auto_create_setting_creates_any_article(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(auto_create_articles=True)
    response = app.test_client().post(URL.format(key="libre"), json=valid())
    assert response.status_code == 202


def test_closed_article_refuses_comments(app: Flask, client: FlaskClient) -> None:
    add_article(app, is_open=False)
    response = client.post(URL.format(key="a1"), json=valid(), headers={"Accept-Language": "fr"})
    assert response.status_code == 403
    assert response.get_json()["title"] == "Les commentaires sont fermés pour cet article."


def test_oversized_request_is_413(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), json=valid(body="x" * 70_000))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_unsupported_content_type_is_415(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), data="hello", content_type="text/plain")
    assert response.status_code == 415


def test_malformed_json_is_refused(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(URL.format(key="a1"), data="{nope", content_type="application/json")
    assert response.status_code == 422


def test_rate_limit_answers_429_with_retry_after(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(rate_limit="3 per minute")
    add_article(app)
    client = app.test_client()
    codes = [
        client.post(URL.format(key="a1"), json=valid(body=f"Message {i}")).status_code
        for i in range(4)
    ]
    assert codes == [202, 202, 202, 429]
    limited = client.post(URL.format(key="a1"), json=valid())
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = client.post(
        URL.format(key="a1"), json=valid(), environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert other.status_code == 202


def test_spoofed_forwarded_for_does_not_change_the_rate_limit_key(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(rate_limit="2 per minute")
    add_article(app)
    client = app.test_client()
    codes = [
        client.post(
            URL.format(key="a1"),
            json=valid(body=f"n{i}"),
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [202, 202, 429]


def test_honeypot_answers_like_success_and_stores_nothing_but_a_count(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    person = client.post(URL.format(key="a1"), json=valid())
    bot = client.post(URL.format(key="a1"), json=valid(company="ACME SEO", body="Autre texte"))
    assert bot.status_code == person.status_code == 202
    assert set(bot.get_json()) == set(person.get_json()) == {"id", "status", "author_token"}
    assert bot.get_json()["status"] == "pending"
    assert len(bot.get_json()["author_token"]) == len(person.get_json()["author_token"])
    assert len(bot.get_json()["id"]) == len(person.get_json()["id"])
    assert bot.headers["Location"].endswith(bot.get_json()["id"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1  # the person's
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(ModerationDecision.id))) == 0
        counts = db.session.execute(sa.select(IntakeCounter.kind, IntakeCounter.count)).all()
        assert [tuple(row) for row in counts] == [("honeypot", 1)]
    # Nor does a trapped post on a new article create the article, even a signed one.
    secret = article_signing.site_secret(TEST_SECRET, ALLOWED_SITE)
    page = f"{ALLOWED_SITE}/nouveau"
    client.post(
        URL.format(key="nouveau"),
        json=valid(
            company="x",
            article_url=page,
            article_title="Nouveau",
            article_signature=article_signing.signature(secret, "nouveau", page, "Nouveau"),
        ),
        headers={"Origin": "https://www.journal.example"},
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Article).where(Article.key == "nouveau")) is None
        assert db.session.scalar(sa.select(IntakeCounter.count)) == 2


def test_reply_must_target_an_approved_comment_of_the_same_article(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    add_article(app, key="a2")
    first = client.post(URL.format(key="a1"), json=valid()).get_json()["id"]
    pending_reply = client.post(URL.format(key="a1"), json=valid(parent_id=first, body="Oui"))
    assert pending_reply.status_code == 422
    assert pending_reply.get_json()["errors"][0]["code"] == "invalid_parent"
    with app.app_context():
        db.session.execute(sa.update(Comment).values(status=CommentStatus.APPROVED))
        db.session.commit()
    assert (
        client.post(URL.format(key="a1"), json=valid(parent_id=first, body="Non")).status_code
        == 202
    )
    other_article = client.post(URL.format(key="a2"), json=valid(parent_id=first, body="Si"))
    assert other_article.status_code == 422


def test_reply_depth_is_limited(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(max_depth=1)
    add_article(app)
    client = app.test_client()
    parent = None
    codes = []
    for level in range(3):
        response = client.post(
            URL.format(key="a1"), json=valid(parent_id=parent, body=f"Niveau {level}")
        )
        codes.append(response.status_code)
        if response.status_code != 202:
            assert response.get_json()["errors"][0]["code"] == "too_deep"
            break
        parent = response.get_json()["id"]
        with app.app_context():
            db.session.execute(sa.update(Comment).values(status=CommentStatus.APPROVED))
            db.session.commit()
    assert codes == [202, 202, 422]


def test_ip_is_stored_truncated_by_default(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    client.post(URL.format(key="a1"), json=valid(), environ_base={"REMOTE_ADDR": "198.51.100.77"})
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment))
        assert comment is not None
        assert comment.ip == "198.51.100.0"


def test_email_hash_is_keyed_and_case_insensitive() -> None:
    from moderation.services.privacy import email_hash

    assert email_hash(TEST_SECRET, "A@Example.org") == email_hash(TEST_SECRET, "a@example.org")
    assert email_hash(TEST_SECRET, "a@example.org") != email_hash("other", "a@example.org")


def test_cors_preflight_from_an_allowed_site(client: FlaskClient) -> None:
    response = client.options(
        URL.format(key="a1"),
        headers={"Origin": ALLOWED_SITE, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_SITE
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    foreign = client.options(URL.format(key="a1"), headers={"Origin": "https://evil.test"})
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_exact_duplicate_is_answered_as_accepted_and_stored_refused(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    add_article(app, key="a2")
    first = client.post(URL.format(key="a1"), json=valid())
    again = client.post(URL.format(key="a1"), json=valid(), headers={"Accept-Language": "fr"})
    # Another address reposting the same text gets the very same kind of answer: nothing
    # tells a prober which address wrote the published comment.
    other = client.post(URL.format(key="a1"), json=valid(email="autre@example.org"))
    for response in (first, again, other):
        assert response.status_code == 202
        assert set(response.get_json()) == {"id", "status", "author_token"}
        assert response.get_json()["status"] == "pending"
    with app.app_context():
        rows = {c.public_id: c for c in db.session.scalars(sa.select(Comment))}
        repost = rows[again.get_json()["id"]]
        assert repost.status is CommentStatus.REJECTED
        assert [r["code"] for r in repost.reasons] == ["duplicate_comment"]
        assert rows[first.get_json()["id"]].status is CommentStatus.PENDING
        assert rows[other.get_json()["id"]].status is CommentStatus.PENDING
        # Only the two real comments wait for a check.
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 2
    # To the reposting author the refusal still reads "pending", undecided.
    own = client.get(
        f"/api/v1/comments/{again.get_json()['id']}",
        headers={"Moderation-Author-Token": again.get_json()["author_token"]},
    ).get_json()
    assert (own["status"], own["decided_at"]) == ("pending", None)
    # Another article may get the same text.
    elsewhere = client.post(URL.format(key="a2"), json=valid())
    assert status_of(app, elsewhere.get_json()["id"]) is CommentStatus.PENDING
