"""Driving the moderators' workspace from a browser test: accounts, sign-in, seeding."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.models import ModeratorRole
from moderation.services import moderators
from moderation.services.ports import SystemClock
from tests.browser.widget import Stack
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_created_at
from tests.helpers import set_status

PASSWORD = "a long browser test password"
START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def add_moderator(stack: Stack, name: str, role: ModeratorRole = ModeratorRole.ADMIN) -> str:
    email = f"{name}@example.org"
    with stack.app.app_context():
        moderators.create_moderator(
            db.session,
            email,
            role=role,
            display_name=name.capitalize(),
            password=PASSWORD,
            now=SystemClock().now(),
        )
        db.session.commit()
    return email


def sign_in(page: Page, stack: Stack, email: str, lang: str = "fr") -> None:
    page.goto(f"{stack.service}/moderate/login?lang={lang}")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    wait_ready(page)


def wait_ready(page: Page) -> None:
    """Wait until workspace.js has attached its keyboard and form handlers."""
    expect(page.locator("html[data-workspace-ready]")).to_be_attached()


def seed_held(stack: Stack, count: int, key: str = "demo", **fields: object) -> list[str]:
    """``count`` held comments on ``key``, a minute apart, oldest first."""
    add_article(stack.app, key)
    client = stack.app.test_client()
    ids = []
    for n in range(count):
        values: dict[str, object] = {
            "author_name": f"Lectrice {n + 1}",
            "email": f"lectrice{n}@example.org",
            "body": f"Avis numéro {n + 1} sur la séance du conseil municipal.",
            **fields,
        }
        public_id = post(client, key=key, **values)
        set_status(stack.app, public_id, CommentStatus.HELD)
        set_created_at(stack.app, public_id, START + dt.timedelta(minutes=n))
        ids.append(public_id)
    return ids


def statuses(stack: Stack, ids: list[str]) -> list[CommentStatus]:
    with stack.app.app_context():
        db.session.expire_all()
        found = dict(
            db.session.execute(
                sa.select(Comment.public_id, Comment.status).where(Comment.public_id.in_(ids))
            ).all()
        )
    return [found[i] for i in ids]


def log_of(stack: Stack, public_id: str) -> list[tuple[str, str, str, str]]:
    """(from, to, actor, first reason code) of each decision on a comment, in order."""
    with stack.app.app_context():
        rows = db.session.execute(
            sa.select(ModerationDecision)
            .join(Comment, Comment.id == ModerationDecision.comment_id)
            .where(Comment.public_id == public_id)
            .order_by(ModerationDecision.id)
        ).scalars()
        return [
            (r.from_status.value, r.to_status.value, r.actor, r.reasons[0]["code"]) for r in rows
        ]
