"""The two backends every integration test runs on, and how to reach them.

- ``sqlite``: the embedded default (SQLite files and kombu's SQLAlchemy broker). Always runs.
- ``postgres``: PostgreSQL + Redis, as in production. Runs when both answer; required when
  ``CI=true`` (an unreachable service then stops the run with instructions).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

PG_URL = os.environ.get(
    "MODERATION_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MODERATION_TEST_REDIS_URL", "redis://127.0.0.1:6379")
#: The test process's place among the suite's parallel processes (pytest-xdist names them
#: gw0, gw1...; a run without it is process 0).
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
#: A schema of our own inside the ``test`` database, dropped and created per run (one per
#: process, so parallel processes never see each other's rows).
PG_SCHEMA = "moderation_test" if WORKER == 0 else f"moderation_test_{WORKER}"
#: The Redis databases (broker, cache) of this process: 14 and 15 for the first, then down.
REDIS_DATABASES = (14 - 2 * WORKER, 15 - 2 * WORKER)

HOW_TO_START = """\
The PostgreSQL + Redis test leg is required in CI (CI=true) but {what} is unreachable.
Start the services, for example on Debian:
  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
or point the tests elsewhere with MODERATION_TEST_DATABASE_URL (database 'test', trust auth)
and MODERATION_TEST_REDIS_URL. Currently: {pg} and {redis}."""


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    broker_url: str
    redis_url: str


def _port_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def postgres_problem() -> str | None:
    """``None`` if PostgreSQL and Redis both answer, else what is missing."""
    missing = []
    if not _port_open(PG_URL, 5432):
        missing.append("PostgreSQL")
    else:
        import psycopg

        try:
            with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
                pass
        except psycopg.Error:
            missing.append("PostgreSQL")
    if not _port_open(REDIS_URL, 6379):
        missing.append("Redis")
    return " and ".join(missing) or None


def how_to_start(what: str) -> str:
    return HOW_TO_START.format(what=what, pg=PG_URL, redis=REDIS_URL)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def postgres_url_with_schema() -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{PG_SCHEMA}"
