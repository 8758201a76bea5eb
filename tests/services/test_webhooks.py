"""Webhook endpoints and fan-out: who gets which event, what the payload holds, secrets."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.errors import WebhookNotFound
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import WebhookDelivery
from moderation.services import decisions
from moderation.services import reports
from moderation.services import webhooks
from tests.webhook_helpers import Rig

HOOK = "http://127.0.0.1:9/hook"


def fields(**data: object) -> webhooks.EndpointFields:
    return webhooks.parse_fields(data, creating=True)


def test_fan_out_writes_one_delivery_per_subscribed_active_endpoint(rig: Rig) -> None:
    everything, _ = rig.endpoint(HOOK)
    held_only, _ = rig.endpoint(HOOK, event_types=["comment.held"])
    rig.endpoint(HOOK, is_active=False)
    public_id = rig.comment()
    created = rig.deliveries()
    assert [(d.endpoint_id, d.event_type) for d in created] == [(everything, "comment.created")]
    decisions.apply_moderator_action(
        db.session, rig.deps, public_id, decisions.Action.HOLD, actor=decisions.SYSTEM
    )
    db.session.commit()
    held = [(d.endpoint_id, d.event_type) for d in rig.deliveries(event_type="comment.held")]
    assert held == [(everything, "comment.held"), (held_only, "comment.held")]
    # Each is announced to the workers once committed, by id.
    assert sorted(rig.publisher.deliveries()) == [d.id for d in rig.deliveries()]


def test_a_rolled_back_change_leaves_no_delivery_and_publishes_nothing(rig: Rig) -> None:
    rig.endpoint(HOOK)
    public_id = rig.comment()
    rig.publisher.sent.clear()
    decisions.apply_moderator_action(
        db.session, rig.deps, public_id, decisions.Action.REJECT, actor=decisions.SYSTEM
    )
    db.session.rollback()
    assert [d.event_type for d in rig.deliveries()] == ["comment.created"]
    assert rig.publisher.sent == []


def test_a_slack_endpoint_hears_only_of_what_needs_a_moderator(rig: Rig) -> None:
    rig.endpoint(HOOK, format="slack")
    public_id = rig.comment()
    for action in (decisions.Action.APPROVE, decisions.Action.HOLD, decisions.Action.REJECT):
        decisions.apply_moderator_action(
            db.session, rig.deps, public_id, action, actor=decisions.SYSTEM
        )
    db.session.commit()
    assert [d.event_type for d in rig.deliveries()] == ["comment.held"]


def test_a_slack_endpoint_cannot_subscribe_to_other_events(rig: Rig) -> None:
    with pytest.raises(ValidationFailed) as failed:
        webhooks.create_endpoint(
            db.session, rig.deps, fields(url=HOOK, format="slack", event_types=["comment.created"])
        )
    assert [(e.field, e.code) for e in failed.value.errors] == [
        ("event_types", "event_types_slack")
    ]


def test_the_payload_carries_no_email_address_or_user_agent_unless_opted_in(rig: Rig) -> None:
    plain, _ = rig.endpoint(HOOK)
    trusted, _ = rig.endpoint(HOOK, include_email=True)
    rig.comment(email="canary-4711@example.com")
    db.session.execute(sa.update(Comment).values(ip="203.0.113.9", user_agent="Canary/1.0"))
    db.session.commit()
    by_endpoint = {d.endpoint_id: d.payload for d in rig.deliveries()}
    for payload in by_endpoint.values():
        text = str(payload)
        assert "203.0.113.9" not in text
        assert "Canary/1.0" not in text
    assert "canary-4711" not in str(by_endpoint[plain])
    assert by_endpoint[trusted]["data"]["comment"]["author_email"] == "canary-4711@example.com"


def test_the_payload_describes_the_decision_the_actor_and_the_workspace_link(rig: Rig) -> None:
    rig.endpoint(HOOK)
    public_id = rig.comment()
    moderator = _moderator(rig)
    decisions.apply_moderator_action(
        db.session,
        rig.deps,
        public_id,
        decisions.Action.REJECT,
        actor=decisions.Actor.of(moderator),
        note="hors sujet",
    )
    db.session.commit()
    (delivery,) = rig.deliveries(event_type="comment.rejected")
    data = delivery.payload["data"]
    assert delivery.payload["type"] == "comment.rejected"
    assert data["comment"]["id"] == public_id
    assert data["comment"]["status"] == "rejected"
    assert data["comment"]["workspace_url"] == (
        f"{rig.deps.settings.site_url}/moderate/comments/{public_id}"
    )
    assert data["article"] == {
        "key": "a1",
        "url": "https://www.journal.example/a1",
        "title": "Titre a1",
    }
    assert data["decision"]["from_status"] == "pending"
    assert data["decision"]["to_status"] == "rejected"
    assert data["decision"]["source"] == "moderator"
    assert data["decision"]["reasons"] == [
        {"code": "moderator_action", "params": {"note": "hors sujet"}}
    ]
    assert data["actor"] == {"type": "moderator", "id": moderator.id, "name": "Alice"}


def _moderator(rig: Rig):  # type: ignore[no-untyped-def]
    from moderation.models import ModeratorRole
    from moderation.services import moderators

    moderator = moderators.create_moderator(
        db.session,
        "alice@example.org",
        role=ModeratorRole.MODERATOR,
        display_name="Alice",
        now=rig.clock.now(),
    )
    db.session.commit()
    return moderator


def test_a_report_carries_its_reason_and_the_count(rig: Rig) -> None:
    rig.endpoint(HOOK, event_types=["comment.reported"])
    public_id = rig.comment()
    decisions.apply_moderator_action(
        db.session, rig.deps, public_id, decisions.Action.APPROVE, actor=decisions.SYSTEM
    )
    reports.file_report(db.session, rig.deps, public_id, "abusive", "reader-1")
    reports.file_report(db.session, rig.deps, public_id, "spam", "reader-2")
    db.session.commit()
    counts = [d.payload["data"]["report"] for d in rig.deliveries()]
    assert counts == [{"reason": "abusive", "count": 1}, {"reason": "spam", "count": 2}]


def test_a_deleted_comment_is_announced(rig: Rig) -> None:
    rig.endpoint(HOOK, event_types=["comment.deleted"])
    public_id = rig.comment()
    comment = db.session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    assert comment is not None
    decisions.change_status(
        db.session,
        rig.deps,
        comment,
        expected=CommentStatus.PENDING,
        target=CommentStatus.DELETED,
        source=DecisionSource.SYSTEM,
        actor=decisions.SYSTEM,
        reasons=[],
        scores={},
        policy_version="",
    )
    db.session.commit()
    (delivery,) = rig.deliveries()
    assert delivery.payload["data"]["decision"]["to_status"] == "deleted"


def test_a_refused_address_is_a_field_error_on_save(rig: Rig) -> None:
    with pytest.raises(ValidationFailed) as failed:
        webhooks.create_endpoint(db.session, rig.deps, fields(url="https://10.0.0.1/hook"))
    assert [(e.field, e.code) for e in failed.value.errors] == [("url", "url_address")]


def test_bad_fields_are_all_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as failed:
        webhooks.parse_fields(
            {"url": "", "format": "xml", "event_types": ["comment.eaten"], "include_email": "yes"},
            creating=True,
        )
    assert {(e.field, e.code) for e in failed.value.errors} == {
        ("url", "required"),
        ("format", "invalid_value"),
        ("event_types", "invalid_value"),
        ("include_email", "invalid_value"),
    }


def test_rotation_signs_with_both_secrets_until_the_grace_period_ends(rig: Rig) -> None:
    endpoint_id, first = rig.endpoint(HOOK)
    second = webhooks.rotate_secret(db.session, rig.deps, endpoint_id, dt.timedelta(hours=2))
    db.session.commit()
    endpoint = webhooks.get_endpoint(db.session, endpoint_id)
    assert second != first
    assert second.startswith("whsec_")
    assert webhooks.signing_secrets(endpoint, rig.clock.now()) == (second, first)
    rig.clock.advance(hours=2)
    assert webhooks.signing_secrets(endpoint, rig.clock.now()) == (second,)


def test_rotation_without_grace_drops_the_old_secret_at_once(rig: Rig) -> None:
    endpoint_id, _ = rig.endpoint(HOOK)
    new = webhooks.rotate_secret(db.session, rig.deps, endpoint_id, dt.timedelta(0))
    endpoint = webhooks.get_endpoint(db.session, endpoint_id)
    assert webhooks.signing_secrets(endpoint, rig.clock.now()) == (new,)
    with pytest.raises(ValidationFailed):
        webhooks.rotate_secret(db.session, rig.deps, endpoint_id, dt.timedelta(days=8))


def test_turning_an_endpoint_on_again_clears_why_it_was_turned_off(rig: Rig) -> None:
    endpoint_id, _ = rig.endpoint(HOOK)
    endpoint = webhooks.get_endpoint(db.session, endpoint_id)
    endpoint.is_active, endpoint.disabled_reason = False, "gone"
    endpoint.failing_since = rig.clock.now()
    db.session.commit()
    webhooks.update_endpoint(
        db.session,
        rig.deps,
        endpoint_id,
        webhooks.parse_fields({"is_active": True}, creating=False),
    )
    assert (endpoint.is_active, endpoint.disabled_reason, endpoint.failing_since) == (
        True,
        None,
        None,
    )


def test_an_unknown_endpoint_is_not_found(rig: Rig) -> None:
    with pytest.raises(WebhookNotFound):
        webhooks.get_endpoint(db.session, 999)


def test_deleting_an_endpoint_removes_its_deliveries(rig: Rig) -> None:
    endpoint_id, _ = rig.endpoint(HOOK)
    rig.comment()
    webhooks.delete_endpoint(db.session, endpoint_id, now=rig.clock.now())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0


def test_since_accepts_a_date_or_a_time_and_refuses_anything_else() -> None:
    assert webhooks.parse_moment("2026-11-01") == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert webhooks.parse_moment("2026-11-01T10:00:00+01:00").hour == 10
    for bad in ("", "hier", None):
        with pytest.raises(ValidationFailed):
            webhooks.parse_moment(bad)
