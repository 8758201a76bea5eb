"""A hung broker stalls nothing: posts answer fast, reads are unaffected, the log stays
short, nothing is lost; a database error at a task's commit is retried; each queue has a
binding of its own."""

from __future__ import annotations

import logging
import os
import signal
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from moderation import tasks
from moderation.config import Settings
from moderation.db import db
from moderation.integrations.celery_producer import CeleryPublisher
from moderation.models import Comment
from moderation.models import CommentStatus
from tests.backends import Backend
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_status
from tests.processes import Process
from tests.processes import celery_worker
from tests.processes import started_redis
from workers.app import make_celery

pytestmark = pytest.mark.slow


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, Process]]:
    """A redis-server of this test's own, so that it can be frozen without harm."""
    port, server = started_redis(tmp_path / "redis.log", "the hung broker test")
    yield port, server
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGCONT)
    server.kill()


def statuses(app: Flask) -> list[CommentStatus]:
    with app.app_context():
        db.session.expire_all()
        return list(db.session.scalars(sa.select(Comment.status).order_by(Comment.id)))


def wait_decided(app: Flask, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = statuses(app)
        if len(current) == count and CommentStatus.PENDING not in current:
            return
        time.sleep(0.2)
    raise AssertionError(f"not all decided after {timeout}s: {statuses(app)}")


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_frozen_broker_stalls_neither_posts_nor_reads(
    settings: Settings,
    backend: Backend,
    own_redis: tuple[int, Process],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, server = own_redis
    # Broker and cache on the same frozen server: the worst case for the web.
    settings = settings.replace(
        broker_url=f"redis://127.0.0.1:{port}/0",
        redis_url=f"redis://127.0.0.1:{port}/1",
        outbox_stale_seconds=2.0,
    )
    app = build_app(settings)
    worker = celery_worker(settings, tmp_path / "worker.log").start()
    try:
        worker.wait_for_log("ready.", timeout=90)
        add_article(app)
        client = app.test_client()
        published = post(client, body="Un premier commentaire, publié avant la panne.")
        wait_decided(app, 1, timeout=30)
        set_status(app, published, CommentStatus.APPROVED)
        assert client.get(URL.format(key="a1")).status_code == 200
        assert server.proc is not None
        os.kill(server.proc.pid, signal.SIGSTOP)
        caplog.clear()
        posts, reads = [], []
        with caplog.at_level(logging.INFO):
            for i in range(40):
                started = time.monotonic()
                post(client, body=f"Commentaire pendant le gel du broker, numéro {i}.")
                posts.append(time.monotonic() - started)
                started = time.monotonic()
                page = client.get(URL.format(key="a1"))
                reads.append(time.monotonic() - started)
                assert page.status_code == 200
                assert [c["id"] for c in page.get_json()["comments"]] == [published]
                time.sleep(0.15)  # the outage spans more than one breaker cooldown
        assert p99(posts) < 0.6, sorted(posts)[-5:]
        assert statistics.median(posts) < 0.15, statistics.median(posts)
        assert p99(reads) < 0.6, sorted(reads)[-5:]
        assert statistics.median(reads) < 0.15, statistics.median(reads)
        outage = [r for r in caplog.records if r.name.startswith("moderation")]
        assert not any(r.exc_info for r in outage), "no traceback per publish"
        went_away = [r for r in outage if "broker unreachable" in r.getMessage()]
        assert len(went_away) == 1, [r.getMessage() for r in outage]
        assert len(outage) <= 6, [r.getMessage() for r in outage]
        os.kill(server.proc.pid, signal.SIGCONT)
        time.sleep(5.5)  # past the breaker's cooldown: the next publish probes
        with caplog.at_level(logging.INFO):
            post(client, body="Le broker est revenu, ce commentaire le dit.")
        back = [r for r in caplog.records if "broker reachable again" in r.getMessage()]
        assert len(back) == 1
        # Nothing was lost: the sweeper publishes what the web skipped, and the worker
        # that lived through the freeze decides it (an acknowledgement that timed out
        # during the freeze does not keep its prefetch slot: moderation's Redis transport).
        wait_decided(app, 42, timeout=120)
    finally:
        worker.stop()
        _clean(app, backend)


FAIL_ONCE = """
CREATE SEQUENCE commit_fault_seq;
CREATE FUNCTION commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status <> 'pending' AND nextval('commit_fault_seq') = 1 THEN
    RAISE EXCEPTION 'injected commit failure' USING ERRCODE = '40001';
  END IF;
  RETURN NEW;
END $$;
CREATE CONSTRAINT TRIGGER commit_fault AFTER UPDATE ON comments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_fault();
"""
UNDO_FAIL_ONCE = """
DROP TRIGGER IF EXISTS commit_fault ON comments;
DROP FUNCTION IF EXISTS commit_fault();
DROP SEQUENCE IF EXISTS commit_fault_seq;
"""


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_database_error_at_the_tasks_commit_is_retried_at_once(
    settings: Settings, backend: Backend, tmp_path: Path
) -> None:
    # The sweeper would only publish the check again after ten minutes: a decision within
    # seconds can only come from the task's own retry.
    settings = settings.replace(outbox_stale_seconds=600.0)
    app = build_app(settings)
    dsn = settings.database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(FAIL_ONCE)
    redis.Redis.from_url(settings.broker_url).flushdb()
    worker = celery_worker(settings, tmp_path / "worker.log", beat=False).start()
    try:
        worker.wait_for_log("ready.", timeout=90)
        add_article(app)
        post(app.test_client(), body="Un commentaire dont la première décision échoue.")
        wait_decided(app, 1, timeout=45)
        log = worker.log()
        assert "commit failed (OperationalError)" in log
        assert "ERROR" not in log
    finally:
        worker.stop()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(UNDO_FAIL_ONCE)
        _clean(app, backend)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_each_queue_receives_only_its_own_tasks(settings: Settings, backend: Backend) -> None:
    broker = backend.broker_url
    client = redis.Redis.from_url(broker)
    client.flushdb()
    settings = settings.replace(broker_url=broker)
    worker_app = make_celery(settings, flask_app=build_app(settings))
    bindings = {q.name: (q.exchange.name, q.routing_key) for q in worker_app.conf.task_queues}
    names = set(tasks.TASK_QUEUES.values())
    assert bindings == {name: (name, name) for name in names}
    # Declare the queues as a worker does, then publish one task of each family with
    # kombu's own routing (the worker's retries and the beat publish this way).
    with worker_app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in worker_app.conf.task_queues:
            queue(channel).declare()
    try:
        for name in (
            tasks.TASK_SWEEP_OUTBOX,
            tasks.TASK_CLASSIFY_COMMENT,
            tasks.TASK_RETRAIN_MODELS,
        ):
            worker_app.send_task(name, kwargs={}, queue=tasks.TASK_QUEUES[name])
        CeleryPublisher(settings).publish(tasks.TASK_DELIVER_WEBHOOK, {"delivery_id": 1})
        lengths = {name: client.llen(name) for name in names}
        expected = dict.fromkeys(names, 0) | {
            "checks": 1,
            "maintenance": 1,
            "webhooks": 1,
            "training": 1,
        }
        assert lengths == expected
    finally:
        client.flushdb()
        client.close()
