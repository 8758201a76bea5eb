"""The ``moderation`` command: moderators, tokens, articles and the demo data."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from moderation.cli import create_token
from moderation.cli import create_user
from moderation.cli import demo_login
from moderation.cli import revoke_token
from moderation.cli import seed_demo
from moderation.db import db
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.services import moderators


def test_create_user_then_a_token_acting_as_them(app: Flask) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(create_user, ["Alice@Example.org", "--role", "admin"])
    assert created.exit_code == 0, created.output
    password = created.output.split("password: ")[1].strip()
    with app.app_context():
        alice = moderators.find_by_email(db.session, "alice@example.org")
        assert alice is not None
        assert alice.role is ModeratorRole.ADMIN
        assert alice.password_hash is not None
        assert alice.password_hash.startswith("$argon2id$")
        assert password not in alice.password_hash
        assert moderators.password_matches(alice, password)
        assert not moderators.password_matches(alice, password + "x")
    result = runner.invoke(create_token, ["alice@example.org"])
    token = result.output.strip()
    assert result.exit_code == 0
    assert token.startswith("mod_")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/moderation/comments", headers=auth).status_code == 200
    revoked = runner.invoke(revoke_token, ["alice@example.org"])
    assert revoked.output.strip() == "revoked 1 token(s)"
    assert client.get("/api/v1/moderation/comments", headers=auth).status_code == 401


def test_create_user_refuses_a_taken_address_and_a_short_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(create_user, ["bob@example.org"]).exit_code == 0
    again = runner.invoke(create_user, ["BOB@example.org"])
    assert again.exit_code != 0
    assert "email:already_taken" in again.output
    short = runner.invoke(create_user, ["carol@example.org", "--password-stdin"], input="abc\n")
    assert short.exit_code != 0
    assert "password:too_short" in short.output
    token = runner.invoke(create_token, ["nobody@example.org"])
    assert token.exit_code != 0
    assert "create-user" in token.output


def test_a_deactivated_moderators_token_stops_working(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(create_user, ["dave@example.org"])
    token = runner.invoke(create_token, ["dave@example.org"]).output.strip()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/moderation/comments", headers=auth).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(Moderator).values(is_active=False))
        db.session.commit()
    assert client.get("/api/v1/moderation/comments", headers=auth).status_code == 401


def test_demo_login_gives_a_new_password_and_token_each_time(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(demo_login).output.split()
    second = runner.invoke(demo_login).output.split()
    assert first[0] == second[0]
    assert first[1] != second[1]
    client = app.test_client()
    old = client.get("/api/v1/moderation/comments", headers={"Authorization": f"Bearer {first[2]}"})
    new = client.get(
        "/api/v1/moderation/comments", headers={"Authorization": f"Bearer {second[2]}"}
    )
    assert (old.status_code, new.status_code) == (401, 200)


def test_seed_demo_is_idempotent(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(seed_demo).exit_code == 0
    assert runner.invoke(seed_demo).exit_code == 0
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Article.key)))
        statuses = list(db.session.scalars(sa.select(Comment.status)))
    assert {"demo", "demo-2", "demo-3", "demo-4"} <= keys
    # Three approved, and one left for the worker (whose model holds it; see test_serve).
    assert sorted(statuses) == sorted([CommentStatus.APPROVED] * 3 + [CommentStatus.PENDING])
    thread = app.test_client().get("/api/v1/articles/demo/comments").get_json()
    assert thread["total"] == 3
