"""The moderator API: token authentication, listing with reasons, decisions and the log."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import ApiToken
from moderation.models import CommentStatus
from moderation.models import Event
from moderation.models import ModerationDecision
from moderation.models import Moderator
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import set_status
from tests.helpers import status_of

BASE = "/api/v1/moderation/comments"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_or_wrong_token_is_401_and_changes_nothing(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    public_id = post(client)
    moderator_token(app)
    for headers in ({}, bearer("mod_wrong"), {"Authorization": "Basic abc"}, bearer("")):
        listing = client.get(BASE, headers=headers)
        assert listing.status_code == 401
        assert listing.headers["WWW-Authenticate"].startswith("Bearer")
        decision = client.post(
            f"{BASE}/{public_id}/decision", json={"action": "approve"}, headers=headers
        )
        assert decision.status_code == 401
    assert status_of(app, public_id) is CommentStatus.PENDING
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationDecision.id))) == 0


def test_tokens_are_stored_hashed_and_revocable(app: Flask, client: FlaskClient) -> None:
    from moderation.services import moderators
    from moderation.services.ports import SystemClock

    token = moderator_token(app, "bob")
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
        assert token not in stored
        assert len(stored) == 1
    assert client.get(BASE, headers=bearer(token)).status_code == 200
    with app.app_context():
        bob = moderators.find_by_email(db.session, "bob@example.org")
        assert bob is not None
        moderators.revoke_tokens(db.session, bob, SystemClock().now())
        db.session.commit()
    assert client.get(BASE, headers=bearer(token)).status_code == 401


def test_list_by_status_and_article_shows_email_and_reasons(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    add_article(app, "a2")
    held = post(client, email="held@example.org")
    set_status(app, held, CommentStatus.HELD)
    post(client, email="pending@example.org")
    other = post(client, "a2", email="other@example.org")
    set_status(app, other, CommentStatus.HELD)
    token = moderator_token(app)
    data = client.get(f"{BASE}?status=held&article=a1", headers=bearer(token)).get_json()
    assert [c["id"] for c in data["comments"]] == [held]
    assert data["comments"][0]["email"] == "held@example.org"
    assert data["comments"][0]["reasons"] == []
    everything = client.get(f"{BASE}?limit=2", headers=bearer(token)).get_json()
    assert len(everything["comments"]) == 2
    assert everything["next_cursor"]
    rest = client.get(f"{BASE}?limit=2&cursor={everything['next_cursor']}", headers=bearer(token))
    assert len(rest.get_json()["comments"]) == 1
    assert client.get(f"{BASE}?status=nope", headers=bearer(token)).status_code == 422


def test_decision_changes_status_and_writes_the_log(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    public_id = post(client)
    token = moderator_token(app, "alice")
    response = client.post(
        f"{BASE}/{public_id}/decision",
        json={"action": "reject", "reason": "Hors sujet"},
        headers=bearer(token),
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "rejected"
    assert status_of(app, public_id) is CommentStatus.REJECTED
    detail = client.get(f"{BASE}/{public_id}", headers=bearer(token)).get_json()
    [entry] = detail["log"]
    assert entry["actor"] == "Alice"
    with app.app_context():
        alice = db.session.scalar(
            sa.select(Moderator).where(Moderator.email == "alice@example.org")
        )
        assert alice is not None
        assert entry["moderator_id"] == alice.id
        [event] = db.session.scalars(sa.select(Event).where(Event.type == "comment.rejected"))
        assert event.moderator_id == alice.id
    assert entry["source"] == "moderator"
    assert (entry["from_status"], entry["to_status"]) == ("pending", "rejected")
    assert entry["reasons"][0]["params"]["note"] == "Hors sujet"
    again = client.post(
        f"{BASE}/{public_id}/decision", json={"action": "approve"}, headers=bearer(token)
    )
    assert again.status_code == 200
    assert again.get_json()["status"] == "approved"


def test_illegal_transition_is_409(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    public_id = post(client)
    token = moderator_token(app)
    set_status(app, public_id, CommentStatus.HELD)
    response = client.post(
        f"{BASE}/{public_id}/decision", json={"action": "hold"}, headers=bearer(token)
    )
    assert response.status_code == 409
    assert response.get_json()["current_status"] == "held"
    assert status_of(app, public_id) is CommentStatus.HELD


def test_unknown_action_and_comment(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    public_id = post(client)
    token = moderator_token(app)
    bad = client.post(
        f"{BASE}/{public_id}/decision", json={"action": "delete-all"}, headers=bearer(token)
    )
    assert bad.status_code == 422
    missing = client.post(
        f"{BASE}/nope/decision", json={"action": "approve"}, headers=bearer(token)
    )
    assert missing.status_code == 404
