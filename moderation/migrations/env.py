"""Alembic environment: run migrations with the application's engine and metadata.

Migrations never import the app's models at upgrade time; this file only hands the
metadata to autogenerate, and renders our ``UTCDateTime`` type as a plain timezone-aware
``sa.DateTime`` so revisions stay self-contained.
"""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

from moderation.db import UTCDateTime

logger = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def render_item(type_, obj, autogen_context):
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def skip_empty_revisions(context_, revision, directives):
    # `moderation db migrate` with no model change must not write an empty revision.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("no schema change detected")


def run_migrations_online():
    engine = migrate_ext.db.engine
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", skip_empty_revisions)
    options.setdefault("compare_type", True)
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    options["render_as_batch"] = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_item=render_item,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `moderation db upgrade`")
run_migrations_online()
