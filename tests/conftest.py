"""Fixtures: both backends, a migrated database per backend, apps, clients, real workers."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation import PACKAGE_DIR
from moderation import create_app
from moderation.config import Settings
from moderation.db import db
from moderation.services.wiring import build_deps
from tests import contract_check
from tests.backends import PG_SCHEMA
from tests.backends import PG_URL
from tests.backends import REDIS_DATABASES
from tests.backends import REDIS_URL
from tests.backends import Backend
from tests.backends import how_to_start
from tests.backends import in_ci
from tests.backends import postgres_problem
from tests.backends import postgres_url_with_schema
from tests.processes import Process
from tests.processes import celery_worker

if TYPE_CHECKING:
    import psycopg

#: The webhook tests' fixtures (``rig``), available to every test module.
pytest_plugins = ("tests.webhook_helpers",)

SHARED_DATA = Path(
    os.environ.get(
        "MODERATION_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
TEST_SECRET = "test-secret-" + "x" * 40
BANNED_WORDS = ("connard", "enfoiré", "asshole")
ALLOWED_SITE = "https://www.journal.example"


def pytest_sessionstart(session: pytest.Session) -> None:
    start_at_test_now()
    problem = postgres_problem()
    session.config.stash[_PG_PROBLEM] = problem
    if problem and in_ci():
        pytest.exit(how_to_start(problem), returncode=3)


_PG_PROBLEM = pytest.StashKey[str | None]()


def start_at_test_now() -> None:
    """Move the suite's clock to ``MODERATION_TEST_NOW`` (ISO 8601), if set.

    The suite must pass on any day: ``MODERATION_TEST_NOW=2027-02-28T22:45:00+00:00 make
    pytest`` runs it as if it were that moment (the clock keeps ticking from there). The
    servers and workers the tests start move with it (``tests/clock/sitecustomize.py``),
    so what one process signs or schedules is on time for the others.
    """
    when = os.environ.get("MODERATION_TEST_NOW")
    if not when:
        return
    # The first process records the real time it moves at; the others (the test
    # processes, and through them every server and worker) inherit both and start where
    # the clock has got to.
    os.environ.setdefault("TESTS_CLOCK_NOW", when)
    os.environ.setdefault("TESTS_CLOCK_ORIGIN", repr(time.time()))
    from tests.clock.sitecustomize import travel

    travel()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    chromium = Path(os.environ.get("MODERATION_TEST_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        line = "!" * 78
        terminalreporter.write_line(line, red=True, bold=True)
        terminalreporter.write_line(
            f"THE BROWSER TESTS WERE NOT RUN: {chromium} is missing "
            "(apt-get install chromium; never a downloaded browser).",
            red=True,
            bold=True,
        )
        terminalreporter.write_line(line, red=True, bold=True)
    problem = config.stash.get(_PG_PROBLEM, None)
    if problem:
        line = "!" * 78
        terminalreporter.write_line(line, red=True, bold=True)
        terminalreporter.write_line(
            f"THE POSTGRESQL + REDIS LEG WAS NOT RUN: {problem} unreachable.", red=True, bold=True
        )
        terminalreporter.write_line(
            "Only the embedded backend (SQLite + SQLAlchemy broker) was tested.", red=True
        )
        for text in how_to_start(problem).splitlines()[1:]:
            terminalreporter.write_line(text, red=True)
        terminalreporter.write_line(line, red=True, bold=True)


def shared_data(*parts: str) -> Path:
    """A file of the shared labelled data; fails loudly in CI if it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = (
            f"shared test data {path} is missing: the 'shared' folder must sit beside the "
            "checkout (or set MODERATION_SHARED_DATA)"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


def make_settings(backend: Backend, instance_dir: Path, **overrides: object) -> Settings:
    broker = backend.broker_url
    if broker.startswith("sqla+"):
        # One embedded broker per test: no message from an earlier test can reach its worker.
        broker = f"sqla+sqlite:///{instance_dir / 'broker.sqlite'}"
    base = Settings(
        env="test",
        secret_key=TEST_SECRET,
        database_url=backend.database_url,
        broker_url=broker,
        redis_url=backend.redis_url,
        instance_dir=str(instance_dir),
        allowed_sites=(ALLOWED_SITE,),
        rate_limit="",
        banned_words=BANNED_WORDS,
        outbox_stale_seconds=3.0,
        sweep_interval_seconds=1.0,
        outbox_max_attempts=50,
        # The rules' tests see the rules alone; tests of the models switch them on.
        builtin_models=False,
    )
    return base.replace(**overrides)


def _migrate(settings: Settings) -> None:
    from flask_migrate import upgrade

    app = create_app(settings, with_web=False)
    with app.app_context():
        upgrade(directory=str(PACKAGE_DIR / "migrations"))
        db.engine.dispose()


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


# Held while one test process moves the extension, so that two never race to create it.
_EXTENSION_LOCK = 0x6D6F6465


def _keep_pg_trgm_in_public(conn: psycopg.Connection[Any]) -> None:
    """Put pg_trgm in ``public``, which no test process drops.

    An extension belongs to one schema of the database, the first of the search path that
    created it: left in one test process's schema, its ``DROP SCHEMA ... CASCADE`` (at
    every set-up of that process's PostgreSQL leg) would drop the trigram indexes of every
    other process's schema in the middle of their queries, and can deadlock with them.
    """
    conn.execute("SELECT pg_advisory_lock(%s)", (_EXTENSION_LOCK,))
    try:
        row = conn.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        ).fetchone()
        if row is None:
            conn.execute("CREATE EXTENSION pg_trgm SCHEMA public")
        elif row[0] != "public":
            conn.execute("ALTER EXTENSION pg_trgm SET SCHEMA public")
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_EXTENSION_LOCK,))


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    """A freshly migrated database (and broker) of each kind."""
    directory = tmp_path_factory.mktemp(request.param)
    if request.param == "postgres":
        problem = request.config.stash.get(_PG_PROBLEM, None)
        if problem:
            pytest.skip(f"PostgreSQL + Redis leg not run: {problem} unreachable")
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
            _keep_pg_trgm_in_public(conn)
            conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
            conn.execute(f"CREATE SCHEMA {PG_SCHEMA}")
        broker_db, cache_db = REDIS_DATABASES
        chosen = Backend(
            "postgres",
            postgres_url_with_schema(),
            f"{REDIS_URL}/{broker_db}",
            f"{REDIS_URL}/{cache_db}",
        )
        _flush_redis(chosen.broker_url)
        _flush_redis(chosen.redis_url)
    else:
        chosen = Backend(
            "sqlite",
            f"sqlite:///{directory / 'moderation.sqlite'}",
            f"sqla+sqlite:///{directory / 'broker.sqlite'}",
            "",
        )
    _migrate(make_settings(chosen, directory))
    return chosen


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    return make_settings(backend, tmp_path)


def _clean(app: Flask, backend: Backend) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()
    if backend.redis_url:
        _flush_redis(backend.redis_url)
    # Every test app ends here: the requests it served are held to its document.
    check_contract(app)


def build_app(settings: Settings, **deps_overrides: object) -> Flask:
    deps = build_deps(settings, **deps_overrides) if deps_overrides else None  # type: ignore[arg-type]
    app = create_app(settings, deps=deps)
    app.config["TESTING"] = True
    contract_check.record(app)
    return app


def check_contract(app: Flask) -> None:
    """Fail the test if a request it sent, or an answer, disagrees with the document."""
    recorder = app.extensions.get("tests.contract_recorder")
    if recorder is None or not recorder.exchanges:
        return
    problems = contract_check.violations(app, recorder.exchanges)
    recorder.exchanges.clear()
    assert not problems, "requests or answers outside the OpenAPI document:\n" + "\n".join(
        problems[:20]
    )


@pytest.fixture
def app(settings: Settings, backend: Backend) -> Iterator[Flask]:
    app = build_app(settings)
    yield app
    _clean(app, backend)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[sa.orm.scoped_session]:  # type: ignore[type-arg]
    with app.app_context():
        yield db.session


class FrozenClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[Process]:
    """A real Celery worker process (with its beat) on the test's backend."""
    _purge_broker(settings)
    process = celery_worker(settings, tmp_path / "worker.log").start()
    try:
        process.wait_for_log("ready.", timeout=90)
        yield process
    finally:
        process.stop()


def _purge_broker(settings: Settings) -> None:
    if settings.broker_url.startswith("redis"):
        _flush_redis(settings.broker_url)


@pytest.fixture
def app_with(settings: Settings, backend: Backend) -> Iterator[object]:
    """A factory of apps with changed settings, cleaned up after the test."""
    made: list[Flask] = []

    def factory(**overrides: object) -> Flask:
        app = build_app(settings.replace(**overrides))
        made.append(app)
        return app

    yield factory
    for app in made:
        _clean(app, backend)
