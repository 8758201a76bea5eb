"""Bare ceilings for ``bench/intake.py``: what Flask alone can do on this machine.

Two tiny apps, served by gunicorn exactly like the service (2 sync workers):

* ``create_hello_app()``: ``GET /hello`` answers a small JSON document. The ceiling for
  the service's cached reads (thread, counts), which also touch Redis and nothing else.
* ``create_insert_app()``: ``POST /insert`` parses a JSON comment, inserts one row with
  Flask-SQLAlchemy into PostgreSQL and commits. The ceiling for comment intake. The
  database URL comes from ``BENCH_CEILING_DATABASE_URL`` (its ``search_path`` option
  selects a schema of its own); ``create_table()`` creates the one table beforehand.

A third one is informational: ``create_blob_app()`` answers ``GET /blob`` with the bytes of
the file named by ``BENCH_CEILING_BLOB`` (the benchmark saves the 200-comment thread's
response there), read once. It shows what sending a response of that size costs by itself.

Run them with ``gunicorn --pythonpath bench 'ceilings:create_hello_app()'``.
"""

from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa
from flask import Flask
from flask import jsonify
from flask import request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

DATABASE_URL_VAR = "BENCH_CEILING_DATABASE_URL"
BLOB_VAR = "BENCH_CEILING_BLOB"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(Base):
    """One posted comment, stored as received: no validation, no sanitizing, no queue."""

    __tablename__ = "ceiling_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))


def create_hello_app() -> Flask:
    """``GET /hello`` -> ``{"hello": "world"}``: routing plus JSON, nothing else."""
    app = Flask("ceiling_hello")

    @app.get("/hello")
    def hello():  # type: ignore[no-untyped-def]
        return jsonify(hello="world")

    return app


def create_blob_app(path: str | None = None) -> Flask:
    """``GET /blob`` -> the same bytes every time, from memory: the cost of the payload."""
    app = Flask("ceiling_blob")
    with open(path or os.environ[BLOB_VAR], "rb") as handle:
        body = handle.read()

    @app.get("/blob")
    def blob():  # type: ignore[no-untyped-def]
        return app.response_class(body, mimetype="application/json")

    return app


def create_insert_app(database_url: str | None = None) -> Flask:
    """``POST /insert`` -> 201 ``{"id": n}``: one INSERT and one COMMIT per request."""
    app = Flask("ceiling_insert")
    # Flask-SQLAlchemy's defaults (a pool of 5, no pre-ping): the bare ceiling.
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url or os.environ[DATABASE_URL_VAR]
    db.init_app(app)

    @app.post("/insert")
    def insert():  # type: ignore[no-untyped-def]
        data = request.get_json(force=True)
        row = Row(
            author_name=str(data.get("author_name", ""))[:200],
            email=str(data.get("email", ""))[:320],
            body=str(data.get("body", "")),
            created_at=dt.datetime.now(dt.UTC),
        )
        db.session.add(row)
        db.session.flush()  # INSERT ... RETURNING id; reading it after commit would reload
        row_id = row.id
        db.session.commit()
        return jsonify(id=row_id), 201

    return app


def create_table(database_url: str) -> None:
    """Create the ceiling's table (once, before gunicorn starts its workers)."""
    app = create_insert_app(database_url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
