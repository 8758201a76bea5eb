"""Webhooks with a real Celery worker process and real receivers: nothing lost, nothing
sent twice (except as attempts of one webhook-id), and a bad receiver delays nobody else.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import db
from moderation.models import DeliveryStatus
from moderation.models import WebhookAttempt
from moderation.models import WebhookDelivery
from moderation.services import webhooks
from tests.backends import Backend
from tests.conftest import _clean
from tests.conftest import _purge_broker
from tests.conftest import build_app
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.processes import Process
from tests.processes import celery_worker
from tests.processes import free_port
from tests.processes import redis_server
from tests.processes import started_redis
from tests.processes import wait_port
from tests.webhook_helpers import body_of
from tests.webhook_receivers import Flood
from tests.webhook_receivers import Hang
from tests.webhook_receivers import Received
from tests.webhook_receivers import Receiver
from tests.webhook_receivers import Reply
from tests.webhook_receivers import Trickle
from tests.webhook_receivers import receiving

pytestmark = pytest.mark.slow

TOTAL_TIMEOUT = 3.0


def webhook_settings(settings: Settings, **overrides: Any) -> Settings:
    return settings.replace(
        webhook_allowed_networks=("127.0.0.1/32",),
        webhook_timeout_seconds=TOTAL_TIMEOUT,
        webhook_connect_timeout_seconds=1.0,
        webhook_sweep_interval_seconds=1.0,
        **overrides,
    )


@pytest.fixture
def hooked(settings: Settings, backend: Backend) -> Iterator[tuple[Settings, Flask]]:
    chosen = webhook_settings(settings)
    app = build_app(chosen)
    add_article(app)
    _purge_broker(chosen)
    yield chosen, app
    _clean(app, backend)


def start_worker(settings: Settings, log: Path, **options: Any) -> Process:
    process = celery_worker(settings, log, **options).start()
    try:
        process.wait_for_log("ready.", timeout=90)
    except BaseException:
        process.stop()  # no child left running into the next test
        raise
    return process


def endpoint(app: Flask, url: str, **fields: Any) -> str:
    with app.app_context():
        _, secret = webhooks.create_endpoint(
            db.session,
            app.extensions["moderation.deps"],
            webhooks.parse_fields({"url": url, **fields}, creating=True),
        )
        db.session.commit()
        return secret


def deliveries(app: Flask) -> list[WebhookDelivery]:
    with app.app_context():
        db.session.expire_all()
        rows = list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))
        db.session.expunge_all()
        return rows


def attempts(app: Flask) -> list[WebhookAttempt]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.id)))
        db.session.expunge_all()
        return rows


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not {what} after {timeout}s")


def all_delivered(app: Flask, count: int) -> Callable[[], bool]:
    def check() -> bool:
        rows = deliveries(app)
        return len(rows) == count and all(d.status is DeliveryStatus.DELIVERED for d in rows)

    return check


def once_per_delivery(app: Flask, received: list[Received]) -> None:
    """Each delivery reached the receiver under its own webhook-id, as often as attempted."""
    ids = Counter(r.headers["webhook-id"] for r in received)
    expected = {d.message_id: d.attempts for d in deliveries(app)}
    assert set(ids) == set(expected)
    for message_id, count in ids.items():
        assert count <= expected[message_id]


def test_a_real_worker_delivers_each_event_once_signed(
    hooked: tuple[Settings, Flask], tmp_path: Path
) -> None:
    settings, app = hooked
    with receiving() as receiver:
        receiver.secret = endpoint(app, receiver.url)
        worker = start_worker(settings, tmp_path / "worker.log")
        try:
            client = app.test_client()
            first = post(client)
            second = post(client, body="Quel connard, cet élu.")
            wait_until(all_delivered(app, 4), 60, "created and decided twice")
            token = {"Authorization": f"Bearer {moderator_token(app)}"}
            held = client.post(
                f"/api/v1/moderation/comments/{first}/decision",
                json={"action": "hold"},
                headers=token,
            )
            assert held.status_code == 200
            wait_until(all_delivered(app, 5), 60, "the moderator's decision delivered")
        finally:
            worker.stop()
        received = receiver.wait_for(5)
    assert all(r.verified for r in received), [r.error for r in received]
    seen = Counter((body_of(r)["type"], body_of(r)["data"]["comment"]["id"]) for r in received)
    assert seen == Counter(
        {
            ("comment.created", first): 1,
            ("comment.approved", first): 1,
            ("comment.held", first): 1,
            ("comment.created", second): 1,
            ("comment.rejected", second): 1,
        }
    )
    once_per_delivery(app, received)
    held_body = next(body_of(r) for r in received if body_of(r)["type"] == "comment.held")
    actor = held_body["data"]["actor"]
    assert (actor["type"], actor["name"]) == ("moderator", "Alice")


def test_a_receiver_that_is_down_gets_the_delivery_once_it_is_back(
    hooked: tuple[Settings, Flask], tmp_path: Path
) -> None:
    settings, app = hooked
    port = free_port()
    endpoint(app, f"http://127.0.0.1:{port}/hook", event_types=["comment.created"])
    worker = start_worker(settings, tmp_path / "worker.log")
    receiver: Receiver | None = None
    try:
        post(app.test_client())
        wait_until(lambda: len(attempts(app)) >= 1, 60, "a first attempt")
        assert attempts(app)[0].error == "connect_error"
        receiver = Receiver(port=port).start()  # listening only from now on
        wait_until(all_delivered(app, 1), 60, "delivered after the receiver came back")
    finally:
        worker.stop()
        if receiver is not None:
            receiver.stop()
    assert receiver is not None
    (request,) = receiver.requests
    (delivery,) = deliveries(app)
    assert request.headers["webhook-id"] == delivery.message_id
    assert delivery.attempts == 2


def test_hanging_trickling_and_flooding_receivers_delay_no_other_endpoint(
    hooked: tuple[Settings, Flask], tmp_path: Path
) -> None:
    settings, app = hooked
    only_created = {"event_types": ["comment.created"]}
    with (
        receiving(Hang(30)) as hanging,
        receiving(Trickle("headers", interval=0.3)) as trickling,
        receiving(Flood()) as flooding,
        receiving() as healthy,
    ):
        for bad in (hanging, trickling, flooding):
            endpoint(app, bad.url, **only_created)
        endpoint(app, healthy.url, **only_created)
        # As deployed: webhook workers of their own, the checks and the sweepers apart.
        senders = start_worker(
            settings, tmp_path / "webhooks.log", beat=False, concurrency=4, queues="webhooks"
        )
        try:
            others = start_worker(settings, tmp_path / "worker.log", queues="checks,maintenance")
            try:
                posted = time.monotonic()
                post(app.test_client())
                (good,) = healthy.wait_for(1, timeout=30)
                wait_until(lambda: len(attempts(app)) >= 4, 60, "every first attempt recorded")
            finally:
                others.stop()
        finally:
            senders.stop()
    # The healthy endpoint got its message at once, not after the bad ones gave up.
    assert good.at - posted < TOTAL_TIMEOUT
    by_error = {a.error: a for a in attempts(app)}
    assert set(by_error) == {None, "timeout", "response_too_large"}
    for attempt in attempts(app):
        assert attempt.latency_ms <= (TOTAL_TIMEOUT + 1) * 1000
        assert len(attempt.response_excerpt) <= 2048


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_events_produced_while_the_broker_is_down_are_all_delivered_once_it_is_back(
    settings: Settings, backend: Backend, tmp_path: Path
) -> None:
    port, server = started_redis(tmp_path / "redis.log", "the broker outage test")
    chosen = webhook_settings(settings, broker_url=f"redis://127.0.0.1:{port}/0")
    app = build_app(chosen)
    add_article(app)
    worker = start_worker(chosen, tmp_path / "worker.log")
    restarted: Process | None = None
    try:
        with receiving() as receiver:
            endpoint(app, receiver.url)
            subprocess.run(
                ["redis-cli", "-p", str(port), "shutdown", "nosave"],
                check=False,
                capture_output=True,
            )
            time.sleep(0.5)
            for i in range(5):
                post(app.test_client(), body=f"Avis pendant la panne, numéro {i}.")
            assert len(deliveries(app)) == 5  # the created events, recorded all the same
            restarted = redis_server(port, tmp_path / "redis2.log")
            assert restarted is not None
            restarted.start()
            wait_port(port)
            wait_until(all_delivered(app, 10), 120, "every event delivered after the outage")
            received = receiver.wait_for(10)
            once_per_delivery(app, received)
            assert Counter(body_of(r)["type"] for r in received) == {
                "comment.created": 5,
                "comment.approved": 5,
            }
    finally:
        worker.stop()
        if restarted is not None:
            restarted.kill()
        server.kill()
        _clean(app, backend)


def test_a_worker_killed_during_a_delivery_delivers_it_after_restart(
    hooked: tuple[Settings, Flask], tmp_path: Path
) -> None:
    settings, app = hooked
    with receiving(Hang(60), Reply(200)) as receiver:
        endpoint(app, receiver.url, event_types=["comment.created"])
        first = start_worker(settings, tmp_path / "first.log", beat=False)
        try:
            post(app.test_client())
            receiver.wait_for(1, timeout=60)  # the worker is inside the attempt now
        finally:
            first.kill()
        (pending,) = deliveries(app)
        assert pending.status is DeliveryStatus.PENDING
        second = start_worker(settings, tmp_path / "second.log")
        try:
            # The lease (total timeout + 10 s) must run out before anyone retries.
            wait_until(all_delivered(app, 1), 90, "delivered after the restart")
        finally:
            second.stop()
        requests = receiver.wait_for(2)
    assert len(requests) == 2
    assert {r.headers["webhook-id"] for r in requests} == {pending.message_id}
    assert [a.error for a in attempts(app)] == ["no_result", None]
