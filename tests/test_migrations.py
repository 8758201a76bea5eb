"""Migrations build the schema from empty, and agree with the models, on both backends."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from moderation.db import db


def _declared(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # PostgreSQL's trigram search indexes exist only there, by design (not in the models).
    return not (type_ == "index" and (name or "").endswith("_trgm"))


def test_models_and_migrations_agree(app: Flask) -> None:
    # The backend fixture upgraded an empty database to head with the migrations.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _declared}
        )
        differences = compare_metadata(context, db.metadata)
        assert differences == []
        revision = context.get_current_revision()
    assert revision is not None


def test_every_table_exists_with_its_indexes(app: Flask) -> None:
    with app.app_context():
        inspector = sa.inspect(db.engine)
        assert set(inspector.get_table_names()) >= {
            "articles",
            "comments",
            "moderation_decisions",
            "outbox_messages",
            "api_tokens",
            "alembic_version",
        }
        indexes = {i["name"] for i in inspector.get_indexes("comments")}
        assert {
            "ix_comments_article_status_created",
            "ix_comments_status_created",
            "ix_comments_email_hash_created",
        } <= indexes


def test_sqlite_never_reuses_comment_ids_after_migrations(app: Flask) -> None:
    # Late task deliveries carry comment ids: SQLite must keep AUTOINCREMENT even after
    # batch migrations rebuild the table.
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert db.engine.dialect.name == "postgresql"  # sequences never reuse ids
            return
        with db.engine.connect() as connection:
            for table in ("comments", "outbox_messages"):
                sql = connection.execute(
                    sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                ).scalar_one()
                assert "AUTOINCREMENT" in sql, table
