"""The ``moderation`` command: tokens, articles and the demo data."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from moderation.cli import create_token
from moderation.cli import revoke_token
from moderation.cli import seed_demo
from moderation.db import db
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus


def test_create_token_prints_a_working_token_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(create_token, ["alice"])
    token = result.output.strip()
    assert result.exit_code == 0
    assert token.startswith("mod_")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/moderation/comments", headers=auth).status_code == 200
    assert runner.invoke(revoke_token, ["alice"]).output.strip() == "revoked 1 token(s)"
    assert client.get("/api/v1/moderation/comments", headers=auth).status_code == 401


def test_seed_demo_is_idempotent(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(seed_demo).exit_code == 0
    assert runner.invoke(seed_demo).exit_code == 0
    with app.app_context():
        keys = set(db.session.scalars(sa.select(Article.key)))
        statuses = list(db.session.scalars(sa.select(Comment.status)))
    assert {"demo", "demo-2", "demo-3", "demo-4"} <= keys
    assert statuses == [CommentStatus.APPROVED] * 3
    thread = app.test_client().get("/api/v1/articles/demo/comments").get_json()
    assert thread["total"] == 3
