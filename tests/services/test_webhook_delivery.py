"""Sending deliveries to real receivers on 127.0.0.1, with the clock moved by hand.

The task bodies run in-process as a worker runs them (one commit each); the receivers are
real HTTP servers that verify every signature with the standardwebhooks package.
"""

from __future__ import annotations

import datetime as dt

import pytest

from moderation.db import db
from moderation.models import DeliveryStatus
from moderation.services import decisions
from moderation.services import webhook_delivery
from moderation.services import webhooks
from tests.webhook_helpers import Rig
from tests.webhook_helpers import body_of
from tests.webhook_receivers import Reply
from tests.webhook_receivers import receiving
from tests.webhook_receivers import verify_at
from workers import webhooks as webhook_tasks

SCHEDULE_SECONDS = [0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]


def test_the_schedule_is_the_specifications_with_jitter() -> None:
    assert [d.total_seconds() for d in webhook_delivery.RETRY_SCHEDULE] == SCHEDULE_SECONDS
    for failures in range(1, 10):
        base = SCHEDULE_SECONDS[failures]
        low = webhook_delivery.retry_delay(failures, jitter=0.0)
        high = webhook_delivery.retry_delay(failures, jitter=0.999999)
        assert low is not None
        assert high is not None
        assert low.total_seconds() == pytest.approx(base * 0.9)
        assert high.total_seconds() == pytest.approx(base * 1.1, rel=1e-5)
    assert webhook_delivery.retry_delay(10) is None
    total = sum(SCHEDULE_SECONDS) / 3600
    assert 70 < total < 80  # about three days


def test_retry_after_is_honoured_but_never_shortens_the_schedule() -> None:
    later = webhook_delivery.retry_delay(1, retry_after=600, jitter=0.5)
    assert later == dt.timedelta(seconds=600)
    sooner = webhook_delivery.retry_delay(3, retry_after=1, jitter=0.5)
    assert sooner == dt.timedelta(minutes=30)
    capped = webhook_delivery.retry_delay(1, retry_after=10**9, jitter=0.5)
    assert capped == dt.timedelta(hours=24)


def test_three_500s_then_200_is_delivered_on_the_fourth_attempt_with_one_webhook_id(
    rig: Rig,
) -> None:
    with receiving(Reply(500), Reply(500), Reply(500), Reply(200)) as receiver:
        _, secret = rig.endpoint(receiver.url)
        rig.comment()
        (delivery,) = rig.deliveries()
        assert rig.deliver(delivery.id) == "pending"
        for wait in SCHEDULE_SECONDS[1:3]:
            # Not due yet: nothing is sent before its time.
            rig.clock.advance(seconds=wait * 0.85)
            assert rig.deliver_due() == []
            rig.clock.advance(seconds=wait * 0.3)
            assert rig.deliver_due() == ["pending"]
        rig.clock.advance(seconds=SCHEDULE_SECONDS[3] * 1.15)
        assert rig.deliver_due() == ["delivered"]
        requests = receiver.wait_for(4)
    assert len(requests) == 4
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert requests[0].headers["webhook-id"] == delivery.message_id
    assert len({r.body for r in requests}) == 1
    for received in requests:
        verify_at(secret, received)
    stamps = [int(r.headers["webhook-timestamp"]) for r in requests]
    assert stamps == sorted(stamps)
    assert stamps[-1] - stamps[0] > 35 * 60
    (done,) = rig.deliveries()
    assert (done.status, done.attempts, done.last_status_code) == (DeliveryStatus.DELIVERED, 4, 200)
    log = webhook_delivery.attempts_of(db.session, done.id)
    assert [(a.number, a.status_code, a.error) for a in log] == [
        (1, 500, "http_500"),
        (2, 500, "http_500"),
        (3, 500, "http_500"),
        (4, 200, None),
    ]
    assert all(a.latency_ms >= 0 and a.response_excerpt == "ok" for a in log)


def test_a_receiver_verifies_the_first_attempt_at_once_with_the_package(rig: Rig) -> None:
    with receiving(secret=None) as receiver:
        _, secret = rig.endpoint(receiver.url)
        receiver.secret = secret
        public_id = rig.comment()
        rig.deliver(rig.deliveries()[0].id)
        (received,) = receiver.wait_for(1)
    assert received.verified is True, received.error
    assert body_of(received)["data"]["comment"]["id"] == public_id


def test_a_delivery_fails_after_the_last_attempt_of_the_schedule(rig: Rig) -> None:
    with receiving(Reply(503)) as receiver:
        rig.endpoint(receiver.url)
        rig.comment()
        rig.deliver(rig.deliveries()[0].id)
        for wait in SCHEDULE_SECONDS[1:]:
            rig.clock.advance(seconds=wait * 1.2)
            rig.deliver_due()
        receiver.wait_for(10)
        rig.clock.advance(days=2)
        assert rig.deliver_due() == []
    (delivery,) = rig.deliveries()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 10)
    assert delivery.last_error == "http_503"
    assert len(receiver.requests) == 10


def test_410_gone_turns_the_endpoint_off_at_once(rig: Rig) -> None:
    with receiving(Reply(410)) as receiver:
        endpoint_id, _ = rig.endpoint(receiver.url)
        public_id = rig.comment()
        rig.deliver(rig.deliveries()[0].id)
        endpoint = webhooks.get_endpoint(db.session, endpoint_id)
        assert (endpoint.is_active, endpoint.disabled_reason) == (False, "gone")
        decisions.apply_moderator_action(
            db.session, rig.deps, public_id, decisions.Action.HOLD, actor=decisions.SYSTEM
        )
        db.session.commit()
    (delivery,) = rig.deliveries()  # nothing new for a disabled endpoint
    assert delivery.status is DeliveryStatus.FAILED
    assert len(receiver.requests) == 1


def test_an_endpoint_failing_for_days_is_turned_off_and_its_queue_fails(rig: Rig) -> None:
    with receiving(Reply(500)) as receiver:
        endpoint_id, _ = rig.endpoint(receiver.url)
        rig.comment()
        rig.deliver(rig.deliveries()[-1].id)
        for _day in range(5):
            rig.clock.advance(days=1, seconds=1)
            rig.comment(body=f"Un autre avis, jour {_day}.")
            rig.deliver(rig.deliveries()[-1].id)
        endpoint = webhooks.get_endpoint(db.session, endpoint_id)
        assert (endpoint.is_active, endpoint.disabled_reason) == (False, "failing")
        assert endpoint.disabled_at == rig.clock.now()
        sent = len(receiver.requests)
        rig.clock.advance(days=1)
        rig.deliver_due()
        assert len(receiver.requests) == sent
    assert {d.status for d in rig.deliveries()} == {DeliveryStatus.FAILED}
    assert {d.last_error for d in rig.deliveries()} >= {"endpoint_disabled"}


def test_a_success_clears_the_failing_mark(rig: Rig) -> None:
    with receiving(Reply(500), Reply(204)) as receiver:
        endpoint_id, _ = rig.endpoint(receiver.url)
        rig.comment()
        delivery_id = rig.deliveries()[0].id
        rig.deliver(delivery_id)
        assert webhooks.get_endpoint(db.session, endpoint_id).failing_since is not None
        rig.clock.advance(seconds=6)
        assert rig.deliver(delivery_id) == "delivered"
    endpoint = webhooks.get_endpoint(db.session, endpoint_id)
    assert endpoint.failing_since is None
    assert endpoint.last_success_at == rig.clock.now()


def test_retry_after_of_a_429_sets_the_next_attempt(rig: Rig) -> None:
    with receiving(Reply(429, headers=(("Retry-After", "3600"),))) as receiver:
        rig.endpoint(receiver.url)
        rig.comment()
        rig.deliver(rig.deliveries()[0].id)
    (delivery,) = rig.deliveries()
    assert delivery.next_attempt_at == rig.clock.now() + dt.timedelta(hours=1)


def test_two_tasks_for_one_delivery_send_it_once(rig: Rig) -> None:
    with receiving() as receiver:
        rig.endpoint(receiver.url)
        rig.comment()
        delivery_id = rig.deliveries()[0].id
        assert rig.deliver(delivery_id) == "delivered"
        assert rig.deliver(delivery_id) is None
        rig.clock.advance(minutes=10)
        assert rig.deliver_due() == []
    assert len(receiver.requests) == 1


def test_an_attempt_in_flight_cannot_be_taken_twice(rig: Rig) -> None:
    rig.endpoint("http://127.0.0.1:9/hook")
    rig.comment()
    delivery_id = rig.deliveries()[0].id
    first = webhook_delivery.claim(db.session, rig.deps, delivery_id)
    db.session.commit()
    assert first is not None
    assert webhook_delivery.claim(db.session, rig.deps, delivery_id) is None
    rig.publisher.sent.clear()
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert rig.publisher.deliveries() == []


def test_a_lease_that_runs_out_counts_as_a_failed_attempt_and_is_retried(rig: Rig) -> None:
    with receiving() as receiver:
        rig.endpoint(receiver.url)
        rig.comment()
        delivery_id = rig.deliveries()[0].id
        # A worker takes the attempt and dies before saying how it went.
        assert webhook_delivery.claim(db.session, rig.deps, delivery_id) is not None
        db.session.commit()
        rig.clock.advance(seconds=rig.deps.settings.webhook_timeout_seconds + 11)
        assert rig.deliver_due() == ["delivered"]
        (received,) = receiver.wait_for(1)
    (delivery,) = rig.deliveries()
    assert delivery.attempts == 2
    log = webhook_delivery.attempts_of(db.session, delivery_id)
    assert [(a.number, a.error) for a in log] == [(1, "no_result"), (2, None)]
    assert received.headers["webhook-id"] == delivery.message_id


def test_the_sweeper_publishes_what_a_broken_doorbell_left_behind(rig: Rig) -> None:
    rig.publisher.broken = True
    rig.endpoint("http://127.0.0.1:9/hook")
    rig.comment()
    rig.publisher.broken = False
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert rig.publisher.deliveries() == []  # just published: give the doorbell its chance
    rig.clock.advance(seconds=rig.deps.settings.outbox_stale_seconds + 1)
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert rig.publisher.deliveries() == [rig.deliveries()[0].id]
    rig.publisher.sent.clear()
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert rig.publisher.deliveries() == []  # not twice in a row


def test_redeliver_sends_again_with_the_same_webhook_id(rig: Rig) -> None:
    with receiving(Reply(200), Reply(200)) as receiver:
        rig.endpoint(receiver.url)
        rig.comment()
        delivery_id = rig.deliveries()[0].id
        rig.deliver(delivery_id)
        webhook_delivery.redeliver(db.session, rig.deps, delivery_id)
        db.session.commit()
        assert rig.deliver(delivery_id) == "delivered"
        first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_redeliver_failed_since_a_date_restarts_only_those(rig: Rig) -> None:
    with receiving(Reply(400)) as receiver:
        endpoint_id, _ = rig.endpoint(receiver.url)
        old = rig.comment(body="Ancien commentaire.")
        rig.clock.advance(days=2)
        since = rig.clock.now()
        rig.comment(body="Commentaire récent.")
        for delivery in rig.deliveries():
            # Exhaust the schedule quickly by failing each attempt.
            delivery.failures = len(webhook_delivery.RETRY_SCHEDULE) - 1
        db.session.commit()
        for delivery in rig.deliveries():
            rig.deliver(delivery.id)
        assert {d.status for d in rig.deliveries()} == {DeliveryStatus.FAILED}
        count = webhook_delivery.redeliver_failed(db.session, rig.deps, endpoint_id, since)
        db.session.commit()
    assert count == 1
    (restarted,) = rig.deliveries(status=DeliveryStatus.PENDING)
    assert restarted.payload["data"]["comment"]["id"] != old
    assert restarted.failures == 0


def test_a_test_message_reaches_even_an_endpoint_that_is_turned_off(rig: Rig) -> None:
    with receiving() as receiver:
        endpoint_id, secret = rig.endpoint(receiver.url, is_active=False)
        receiver.secret = secret
        delivery = webhooks.send_test(db.session, rig.deps, endpoint_id)
        db.session.commit()
        assert rig.deliver(delivery.id) == "delivered"
        (received,) = receiver.wait_for(1)
    assert received.verified is True
    assert body_of(received)["type"] == "webhook.test"


def test_finished_deliveries_leave_the_log_after_its_retention(rig: Rig) -> None:
    with receiving() as receiver:
        rig.endpoint(receiver.url)
        rig.comment()
        rig.deliver(rig.deliveries()[0].id)
    rig.clock.advance(days=29)
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert len(rig.deliveries()) == 1
    rig.clock.advance(days=2)
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert rig.deliveries() == []


def test_redeliver_leaves_an_attempt_in_flight_alone(rig: Rig) -> None:
    rig.endpoint("http://127.0.0.1:9/hook")
    rig.comment()
    delivery_id = rig.deliveries()[0].id
    assert webhook_delivery.claim(db.session, rig.deps, delivery_id) is not None
    db.session.commit()
    rig.publisher.sent.clear()
    webhook_delivery.redeliver(db.session, rig.deps, delivery_id)
    db.session.commit()
    assert rig.publisher.sent == []
    (delivery,) = rig.deliveries()
    assert delivery.claimed_until is not None


def test_one_attempt_per_endpoint_at_a_time(rig: Rig) -> None:
    rig.endpoint("http://127.0.0.1:9/hook")
    rig.comment(body="Premier avis.")
    rig.comment(body="Second avis.")
    first, second = (d.id for d in rig.deliveries())
    assert webhook_delivery.claim(db.session, rig.deps, first) is not None
    db.session.commit()
    # The endpoint is busy: the second waits, and the sweeper does not hand it out.
    assert webhook_delivery.claim(db.session, rig.deps, second) is None
    db.session.commit()
    rig.publisher.sent.clear()
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert rig.publisher.deliveries() == []


def test_a_worker_goes_on_with_the_endpoints_next_deliveries(rig: Rig) -> None:
    with receiving() as receiver:
        rig.endpoint(receiver.url)
        for i in range(3):
            rig.comment(body=f"Avis numéro {i}.")
        first = rig.deliveries()[0].id
        rig.publisher.sent.clear()
        assert rig.deliver(first) == "delivered"
        assert len(receiver.wait_for(3)) == 3
    assert {d.status for d in rig.deliveries()} == {DeliveryStatus.DELIVERED}
    assert rig.publisher.deliveries() == []


def test_past_its_drain_time_a_worker_hands_the_next_delivery_on(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_tasks, "DRAIN_SECONDS", 0.0)
    with receiving() as receiver:
        rig.endpoint(receiver.url)
        rig.comment(body="Premier avis.")
        rig.comment(body="Second avis.")
        first, second = (d.id for d in rig.deliveries())
        rig.publisher.sent.clear()
        assert rig.deliver(first) == "delivered"
        assert rig.publisher.deliveries() == [second]
        assert rig.deliver(second) == "delivered"
        assert len(receiver.wait_for(2)) == 2


def test_the_sweeper_hands_out_no_more_than_the_free_slots_of_an_endpoint(rig: Rig) -> None:
    rig.publisher.broken = True
    rig.endpoint("http://127.0.0.1:9/hook")
    for i in range(3):
        rig.comment(body=f"Avis numéro {i}.")
    rig.publisher.broken = False
    rig.clock.advance(seconds=rig.deps.settings.outbox_stale_seconds + 1)
    rig.run(webhook_delivery.publish_due, db.session, rig.deps)
    assert rig.publisher.deliveries() == [rig.deliveries()[0].id]
