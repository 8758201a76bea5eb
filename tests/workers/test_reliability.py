"""No accepted comment is lost: not when the broker is down, not when a worker dies mid-check."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.models import OutboxMessage
from tests.backends import Backend
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import add_article
from tests.helpers import post
from tests.processes import Process
from tests.processes import celery_worker
from tests.processes import free_port
from tests.processes import redis_server
from tests.processes import started_redis
from tests.processes import wait_port

pytestmark = pytest.mark.slow


def statuses(app: Flask) -> list[CommentStatus]:
    with app.app_context():
        db.session.expire_all()
        return list(db.session.scalars(sa.select(Comment.status).order_by(Comment.id)))


def wait_all_decided(app: Flask, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = statuses(app)
        if len(current) == count and CommentStatus.PENDING not in current:
            return
        time.sleep(0.2)
    raise AssertionError(f"not all decided after {timeout}s: {statuses(app)}")


def one_decision_each(app: Flask) -> None:
    with app.app_context():
        per_comment = db.session.execute(
            sa.select(ModerationDecision.comment_id, sa.func.count()).group_by(
                ModerationDecision.comment_id
            )
        ).all()
        assert per_comment
        assert all(count == 1 for _, count in per_comment)
        assert (
            db.session.scalar(
                sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.done_at.is_(None))
            )
            == 0
        )


def post_timed(app: Flask, n: int) -> list[float]:
    client = app.test_client()
    timings = []
    for i in range(n):
        started = time.monotonic()
        post(client, body=f"Commentaire pendant la panne numéro {i}, {time.monotonic_ns()}")
        timings.append(time.monotonic() - started)
    return timings


@pytest.fixture
def own_redis(backend: Backend, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, server = started_redis(tmp_path / "redis.log", "the broker outage test")
    yield port, tmp_path
    server.kill()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_redis_broker_outage_loses_nothing(
    settings: Settings, backend: Backend, own_redis: tuple[int, Path]
) -> None:
    port, tmp_path = own_redis
    broker = f"redis://127.0.0.1:{port}/0"
    settings = settings.replace(broker_url=broker)
    app = build_app(settings)
    worker = celery_worker(settings, tmp_path / "worker.log").start()
    try:
        worker.wait_for_log("ready.", timeout=90)
        add_article(app)
        post_timed(app, 3)
        wait_all_decided(app, 3, timeout=30)
        # Kill the broker outright, post while it is gone.
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True
        )
        time.sleep(0.5)
        timings = post_timed(app, 20)
        assert max(timings) < 5, "intake must not hang while the broker is down"
        assert statuses(app).count(CommentStatus.PENDING) == 20
        # Bring an empty broker back on the same port: every comment still gets decided.
        restarted = redis_server(port, tmp_path / "redis2.log")
        assert restarted is not None
        restarted.start()
        try:
            wait_port(port)
            wait_all_decided(app, 23, timeout=90)
            one_decision_each(app)
        finally:
            restarted.kill()
    finally:
        worker.stop()
        _clean(app, backend)


def test_unreachable_broker_at_intake_loses_nothing(
    settings: Settings, backend: Backend, tmp_path: Path, worker: Process
) -> None:
    # The web process points at a broker that does not answer; the worker side (and its
    # sweeper) is healthy. Intake still answers 202 and the sweeper publishes the work.
    if backend.name == "postgres":
        dead = f"redis://127.0.0.1:{free_port()}/0"
    else:
        dead = f"sqla+sqlite:///{tmp_path / 'missing-dir' / 'nope' / 'broker.sqlite'}"
    app = build_app(settings.replace(broker_url=dead))
    try:
        add_article(app)
        timings = post_timed(app, 10)
        assert max(timings) < 5
        assert statuses(app) == [CommentStatus.PENDING] * 10
        wait_all_decided(app, 10, timeout=60)
        one_decision_each(app)
    finally:
        _clean(app, backend)


class RowLock:
    """Holds the comments table (SQLite) or one comment row (PostgreSQL) locked."""

    def __init__(self, backend: Backend, database_url: str, comment_id: int) -> None:
        self.backend = backend
        if backend.name == "postgres":
            dsn = database_url.replace("postgresql+psycopg", "postgresql")
            self.pg = psycopg.connect(dsn)
            self.pg.execute("SELECT id FROM comments WHERE id = %s FOR UPDATE", (comment_id,))
        else:
            path = database_url.removeprefix("sqlite:///")
            self.sq = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.sq.execute("BEGIN IMMEDIATE")

    def worker_is_blocked(self, worker: Process) -> bool:
        if self.backend.name == "postgres":
            with psycopg.connect(self.pg.info.dsn, autocommit=True) as probe:
                row = probe.execute(
                    # The check waits either to lock its comment or to update it.
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE '%%comments%%' AND pid <> pg_backend_pid()"
                ).fetchone()
                return bool(row and row[0])
        # SQLite cannot tell who waits; the task was received and has had time to start.
        return "moderation.classify_comment" in worker.log() and "received" in worker.log()

    def release(self) -> None:
        if self.backend.name == "postgres":
            self.pg.rollback()
            self.pg.close()
        else:
            self.sq.execute("ROLLBACK")
            self.sq.close()


def test_worker_killed_mid_check_the_comment_is_decided_after_restart(
    app: Flask, settings: Settings, backend: Backend, tmp_path: Path
) -> None:
    add_article(app)
    public_id = post(app.test_client(), body="Un commentaire tout à fait correct.")
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.public_id == public_id))
    assert comment_id is not None
    lock = RowLock(backend, settings.database_url, comment_id)
    # No beat in the first worker: the only task it can be running is this check.
    first = celery_worker(settings, tmp_path / "first.log", beat=False).start()
    try:
        first.wait_for_log("ready.", timeout=90)
        deadline = time.monotonic() + 30
        while not lock.worker_is_blocked(first):
            assert time.monotonic() < deadline, first.log()[-3000:]
            time.sleep(0.2)
        time.sleep(1.0 if backend.name == "sqlite" else 0.2)
        first.kill()
    finally:
        lock.release()
    assert statuses(app) == [CommentStatus.PENDING]
    second = celery_worker(settings, tmp_path / "second.log").start()
    try:
        second.wait_for_log("ready.", timeout=90)
        wait_all_decided(app, 1, timeout=60)
    finally:
        second.stop()
    assert statuses(app) == [CommentStatus.APPROVED]
    one_decision_each(app)
