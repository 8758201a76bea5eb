"""Small builders shared by the tests (real services, no mocks of our own code)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModeratorRole
from moderation.services import articles
from moderation.services import moderators
from moderation.services.ports import SystemClock

URL = "/api/v1/articles/{key}/comments"


class Quiet:
    """A publisher that rings no broker: the test runs the tasks itself, or none."""

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        return None


def add_article(app: Flask, key: str = "a1", **fields: object) -> None:
    with app.app_context():
        article = articles.ensure_article(
            db.session,
            key,
            url=f"https://www.journal.example/{key}",
            title=f"Titre {key}",
            now=SystemClock().now(),
        )
        for name, value in fields.items():
            setattr(article, name, value)
        db.session.commit()


def valid(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "author_name": "Camille Dupont",
        "email": "camille@example.org",
        "body": "Merci pour cet article très clair.",
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    return data


_bodies = itertools.count(1)


def form_token(app: Flask, key: str = "a1", *, age_seconds: float = 120.0) -> str:
    """A genuine single-use form token for ``key``, as if the form was shown a while ago
    (a person takes time to write; the checks hold comments sent faster)."""
    from moderation.web.intake import make_render_token

    shown = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age_seconds)
    return make_render_token(app.config["SECRET_KEY"], key, shown)


def post_receipt(client: FlaskClient, key: str = "a1", **overrides: object) -> dict[str, str]:
    """Post a valid comment as the widget does (with a form token); return the 202 body."""
    overrides.setdefault("body", f"Merci pour cet article très clair, point {next(_bodies)}.")
    overrides.setdefault("render_token", form_token(client.application, key))
    response = client.post(URL.format(key=key), json=valid(**overrides))
    assert response.status_code == 202, response.get_json()
    return dict(response.get_json())


def post(client: FlaskClient, key: str = "a1", **overrides: object) -> str:
    """Post a valid comment (a new text each time unless given) and return its public id."""
    return post_receipt(client, key, **overrides)["id"]


def read_own(client: FlaskClient, receipt: dict[str, str]) -> dict[str, object] | None:
    """``GET /api/v1/comments/<id>`` with the author token; ``None`` on a 404."""
    response = client.get(
        f"/api/v1/comments/{receipt['id']}",
        headers={"Moderation-Author-Token": receipt["author_token"]},
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def canary_email() -> str:
    return f"canary-{uuid.uuid4().hex}@example.com"


def set_status(app: Flask, public_id: str, status: CommentStatus) -> None:
    """Put a comment in a status directly (to build fixtures, not to test decisions)."""
    with app.app_context():
        db.session.execute(
            sa.update(Comment).where(Comment.public_id == public_id).values(status=status)
        )
        db.session.commit()


def moderator_token(app: Flask, name: str = "alice") -> str:
    """An API token of the moderator ``<name>@example.org`` (created if needed)."""
    with app.app_context():
        now = SystemClock().now()
        moderator = moderators.find_by_email(db.session, f"{name}@example.org")
        if moderator is None:
            moderator = moderators.create_moderator(
                db.session,
                f"{name}@example.org",
                role=ModeratorRole.MODERATOR,
                display_name=name.capitalize(),
                now=now,
            )
        raw = moderators.create_token(db.session, moderator, "tests", now)
        db.session.commit()
        return raw


def status_of(app: Flask, public_id: str) -> CommentStatus:
    with app.app_context():
        db.session.expire_all()
        value = db.session.scalar(sa.select(Comment.status).where(Comment.public_id == public_id))
        assert value is not None
        return value


def set_created_at(app: Flask, public_id: str, when: dt.datetime) -> None:
    """Date a comment (fixtures for date formatting, never a test of intake)."""
    with app.app_context():
        db.session.execute(
            sa.update(Comment).where(Comment.public_id == public_id).values(created_at=when)
        )
        db.session.commit()
