"""What intake reads before it writes a comment, in one statement.

A submission needs its article, whether the same author posted the same text there within
the duplicate window, the admins' site settings and whether any webhook endpoint is
active; on PostgreSQL, the new comment's id is drawn from its sequence too. Asked one by
one, those were four round trips to the database, each with SQLAlchemy's cost around it,
on every POST: the most frequent request that writes. Here they are columns of one
``SELECT``; the settings and the endpoints' answer are remembered for the transaction, so
the services that ask later (screening, webhook fan-out) do not ask the database again.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import site_settings
from moderation.services import webhooks


@dataclass(frozen=True, slots=True)
class IntakeReads:
    #: The article, or ``None`` when no article has that key yet.
    article: Article | None
    #: The same author's same text on that article within the window, not deleted.
    duplicate: bool
    #: The site settings in effect (the environment's, with the admins' overrides).
    settings: Settings
    #: The id the new comment will have, drawn from its sequence on PostgreSQL (so that
    #: the comment, its event and its outbox row can be written by one statement);
    #: ``None`` where the insert itself gives it (SQLite).
    comment_id: int | None


def read(
    session: Session,
    base: Settings,
    *,
    article_key: str,
    author: str,
    text: str,
    since: dt.datetime,
) -> IntakeReads:
    """The article, the duplicate test, the site settings and the webhook endpoints' state."""
    dialect = session.get_bind().dialect.name
    row = session.execute(
        _statement(dialect), {"key": article_key, "author": author, "text": text, "since": since}
    ).one()
    article, duplicate, stored, hooks, comment_id = row
    if not hooks:
        webhooks.none_active(session)
    settings = site_settings.effective_from(
        session, base, site_settings.decode_stored_values(stored)
    )
    return IntakeReads(article, bool(duplicate), settings, comment_id)


@functools.cache
def _statement(dialect: str) -> sa.Select[Any]:
    """Built once per dialect, with bound parameters."""
    same = (
        sa.select(Comment.id)
        .where(
            Comment.email_hash == sa.bindparam("author", type_=Comment.email_hash.type),
            Comment.created_at >= sa.bindparam("since", type_=Comment.created_at.type),
            Comment.article_id == Article.id,
            Comment.body_text == sa.bindparam("text", type_=Comment.body_text.type),
            Comment.status != CommentStatus.DELETED,
        )
        .exists()
    )
    # One row whether the article exists or not: the other columns are answered anyway.
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    if dialect == "postgresql":
        table = sa.literal(Comment.__tablename__)
        next_id: sa.ColumnElement[Any] = sa.func.nextval(
            sa.func.pg_get_serial_sequence(table, "id")
        )
    else:
        next_id = sa.null()
    return (
        sa.select(
            Article,
            same.label("duplicate"),
            site_settings.stored_values(dialect).label("stored"),
            webhooks.any_active_endpoint().label("hooks"),
            next_id.label("comment_id"),
        )
        .select_from(one)
        .outerjoin(Article, Article.key == sa.bindparam("key", type_=Article.key.type))
    )
