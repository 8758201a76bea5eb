"""The JSON Schemas of docs/webhooks.md hold for real payloads of every event type.

Every event is produced by its real use case (intake, the worker's checks, a moderator's
decision, a report, closing an article, a surge), delivered by the task body to a real
receiver, and the body it received is validated against the schema of its type.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator
from jsonschema import FormatChecker
from referencing import Registry
from referencing import Resource

from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import DeliveryStatus
from moderation.services import articles
from moderation.services import checks
from moderation.services import decisions
from moderation.services import reports
from moderation.services import surge
from moderation.services import webhooks
from tests.backends import Backend
from tests.webhook_helpers import Rig
from tests.webhook_helpers import make_rig
from tests.webhook_receivers import receiving

DOC = Path(__file__).resolve().parent.parent / "docs" / "webhooks.md"
BASE = "https://moderation.invalid/webhooks/"
CANARY = "canary-5fd1@example.com"


def documented_schemas() -> dict[str, dict[str, Any]]:
    """Every JSON block of the document that declares a schema ``$id``, by that id."""
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    schemas = [json.loads(block) for block in blocks if '"$id"' in block]
    return {schema["$id"]: schema for schema in schemas}


def validator_for(event_type: str) -> Draft202012Validator:
    schemas = documented_schemas()
    registry: Registry = Registry().with_resources(
        (key, Resource.from_contents(value)) for key, value in schemas.items()
    )
    return Draft202012Validator(
        schemas[f"{BASE}{event_type}.json"], registry=registry, format_checker=FormatChecker()
    )


def test_every_event_type_has_a_valid_schema_in_the_docs() -> None:
    schemas = documented_schemas()
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    types = {*webhooks.EVENT_TYPES, webhooks.TEST_EVENT}
    assert {f"{BASE}{t}.json" for t in types} | {f"{BASE}common.json"} == set(schemas)


@pytest.fixture
def surging(settings: Settings, backend: Backend) -> Iterator[Rig]:
    # A fourth comment in the window starts surge mode (the article has no usual rate).
    yield from make_rig(settings, backend, surge_min_comments=4, surge_factor=1.0)


def _check(rig: Rig, public_id: str) -> CommentStatus | None:
    comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.public_id == public_id))
    status = checks.classify_and_decide(db.session, rig.deps, int(comment_id or 0))
    db.session.commit()
    return status


def produce_every_event(rig: Rig) -> Counter[str]:
    """Each event type through its real use case; returns how many of each to expect."""
    moderator = _admin(rig)
    actor = decisions.Actor.of(moderator)
    kind = dict(email=CANARY)
    approved = rig.comment("Merci pour cet article très clair.", **kind)
    assert _check(rig, approved) is CommentStatus.APPROVED
    held = rig.comment("Voyez https://un.example/a et https://deux.example/b.", **kind)
    assert _check(rig, held) is CommentStatus.HELD
    rejected = rig.comment("Quel connard, cet élu.", **kind)
    assert _check(rig, rejected) is CommentStatus.REJECTED
    spam = rig.comment("Achetez maintenant, offre limitée.", honeypot_filled=True, **kind)
    surging_comment = rig.comment("Un quatrième avis sur le budget.", **kind)
    _check(rig, surging_comment)  # the fourth in the window: surge mode starts
    reports.file_report(db.session, rig.deps, approved, "abusive", "reader-hash-1")
    decisions.apply_moderator_action(
        db.session, rig.deps, held, decisions.Action.APPROVE, actor=actor, note="ok"
    )
    comment = db.session.scalar(sa.select(Comment).where(Comment.public_id == rejected))
    assert comment is not None
    decisions.change_status(
        db.session,
        rig.deps,
        comment,
        expected=CommentStatus.REJECTED,
        target=CommentStatus.DELETED,
        source=DecisionSource.MODERATOR,
        actor=actor,
        reasons=[],
        scores={},
        policy_version="",
    )
    surge.end_surge(db.session, rig.deps, "a1", moderator.id)
    articles.set_open(db.session, rig.deps, "a1", False, moderator_id=moderator.id)
    db.session.commit()
    for endpoint in webhooks.list_endpoints(db.session):
        webhooks.send_test(db.session, rig.deps, endpoint.id, moderator=moderator)
    db.session.commit()
    assert spam
    return Counter(
        {
            "comment.created": 5,
            "comment.approved": 3,  # two by the checks, one by the moderator
            "comment.held": 1,
            "comment.rejected": 1,
            "comment.spam": 1,
            "comment.reported": 1,
            "comment.deleted": 1,
            "article.surge": 1,
            "article.surge_ended": 1,
            "article.closed": 1,
            "webhook.test": 1,
        }
    )


def _admin(rig: Rig):  # type: ignore[no-untyped-def]
    from moderation.models import ModeratorRole
    from moderation.services import moderators

    moderator = moderators.create_moderator(
        db.session,
        "chef@example.org",
        role=ModeratorRole.ADMIN,
        display_name="Chef",
        now=rig.clock.now(),
    )
    db.session.commit()
    return moderator


def test_real_payloads_of_every_type_match_their_schema_and_carry_no_email(
    surging: Rig,
) -> None:
    rig = surging
    with receiving() as plain, receiving() as trusted:
        rig.endpoint(plain.url)
        rig.endpoint(trusted.url, include_email=True)
        expected = produce_every_event(rig)
        for delivery in rig.deliveries():
            rig.deliver(delivery.id)
        total = sum(expected.values())
        bodies = [json.loads(r.body) for r in plain.wait_for(total)]
        opted = [json.loads(r.body) for r in trusted.wait_for(total)]
    assert {d.status for d in rig.deliveries()} == {DeliveryStatus.DELIVERED}
    assert Counter(b["type"] for b in bodies) == expected
    for body in [*bodies, *opted]:
        errors = sorted(validator_for(body["type"]).iter_errors(body), key=str)
        assert not errors, (body["type"], [e.message for e in errors])
    assert CANARY not in json.dumps(bodies)
    emails = {b["data"]["comment"].get("author_email") for b in opted if "comment" in b["data"]}
    assert emails == {CANARY}


def test_the_schemas_are_strict_enough_to_fail() -> None:
    validator = validator_for("comment.held")
    good = {
        "type": "comment.held",
        "timestamp": "2026-11-24T12:00:00Z",
        "data": {
            "article": {"key": "a1", "url": "", "title": ""},
            "comment": {
                "id": "x" * 22,
                "parent_id": None,
                "author_name": "Lou",
                "website": None,
                "text": "t",
                "html": "<p>t</p>",
                "language": "fr",
                "status": "held",
                "created_at": "2026-11-24T12:00:00Z",
                "workspace_url": "https://s.example/moderate/comments/x",
            },
            "decision": {
                "from_status": "pending",
                "to_status": "held",
                "source": "rules",
                "reasons": [{"code": "too_many_links", "params": {"count": 2}}],
                "summary": "2 liens",
            },
            "actor": {"type": "system"},
        },
    }
    assert not list(validator.iter_errors(good))
    leaky = json.loads(json.dumps(good))
    leaky["data"]["comment"]["ip"] = "203.0.113.9"
    assert list(validator.iter_errors(leaky))
    wrong = json.loads(json.dumps(good))
    wrong["data"]["decision"]["to_status"] = "approved"
    assert list(validator.iter_errors(wrong))
    anonymous = json.loads(json.dumps(good))
    anonymous["data"]["actor"] = {"type": "moderator"}
    assert list(validator.iter_errors(anonymous))
