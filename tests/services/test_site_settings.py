"""Site settings from the database: effective values, audit, validation, and the services
that must follow them (intake screening, the worker's checks, automatic closing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import PremoderationMode
from moderation.config import Settings
from moderation.db import db
from moderation.errors import ArticleClosed
from moderation.errors import ValidationFailed
from moderation.models import AuditEntry
from moderation.models import CommentStatus
from moderation.models import ModeratorRole
from moderation.models import SiteSetting
from moderation.services import checks
from moderation.services import comments
from moderation.services import moderators
from moderation.services import site_settings
from moderation.validation import CommentDraft
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import Quiet
from tests.helpers import add_article

START = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
CLEAN = "Je trouve que le conseil municipal a bien fait de voter ce budget pour les écoles."


@pytest.fixture
def rig(settings: Settings, backend) -> Iterator[tuple[Flask, Any, FrozenClock, int]]:  # type: ignore[no-untyped-def]
    clock = FrozenClock(START)
    app = build_app(settings, clock=clock, publisher=Quiet())
    add_article(app, "a1")
    with app.app_context():
        admin = moderators.create_moderator(
            db.session, "ada@example.org", role=ModeratorRole.ADMIN, display_name="Ada", now=START
        )
        db.session.commit()
        yield app, app.extensions["moderation.deps"], clock, admin.id
    _clean(app, backend)


def submit(deps: Any, body: str = CLEAN, article: str = "a1") -> Any:
    comment = comments.submit_comment(
        db.session(),
        deps,
        CommentDraft(author_name="Ana", email="ana@example.org", body=body),
        article_key=article,
        client=comments.ClientInfo(ip="198.51.100.7", elapsed_seconds=60.0),
    )
    db.session.commit()
    return comment


def test_without_overrides_the_environment_values_apply(rig: Any) -> None:
    _, deps, _, _ = rig
    assert site_settings.effective(db.session(), deps.settings) is deps.settings


def test_a_saved_value_overrides_the_environment_and_is_audited(rig: Any) -> None:
    _, deps, _, admin_id = rig
    changed = site_settings.save(
        db.session(),
        deps.settings,
        {"max_links": "5", "accepted_languages": "fr, EN, de", "premoderation": "links"},
        moderator_id=admin_id,
        now=START,
    )
    db.session.commit()
    assert changed == ["accepted_languages", "max_links", "premoderation"]
    current = site_settings.effective(db.session(), deps.settings)
    assert current.max_links == 5
    assert current.accepted_languages == ("fr", "en", "de")
    assert current.premoderation is PremoderationMode.LINKS
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "settings_changed")
    ).one()
    assert entry.moderator_id == admin_id
    assert entry.details["changes"]["max_links"] == {"from": 2, "to": 5}


def test_blank_or_default_value_removes_the_override(rig: Any) -> None:
    _, deps, _, admin_id = rig
    session = db.session()
    site_settings.save(session, deps.settings, {"max_links": "4"}, moderator_id=admin_id, now=START)
    db.session.commit()
    assert db.session.get(SiteSetting, "max_links") is not None
    site_settings.save(session, deps.settings, {"max_links": ""}, moderator_id=admin_id, now=START)
    db.session.commit()
    assert db.session.get(SiteSetting, "max_links") is None
    assert site_settings.effective(session, deps.settings).max_links == deps.settings.max_links


def test_invalid_values_are_refused_field_by_field_and_nothing_is_stored(rig: Any) -> None:
    _, deps, _, admin_id = rig
    with pytest.raises(ValidationFailed) as failed:
        site_settings.save(
            db.session(),
            deps.settings,
            {
                "max_links": "0",
                "surge_factor": "beaucoup",
                "accepted_languages": "fr;;",
                "premoderation": "x",
            },
            moderator_id=admin_id,
            now=START,
        )
    codes = {e.field: e.code for e in failed.value.errors}
    assert codes == {
        "max_links": "out_of_range",
        "surge_factor": "not_a_number",
        "accepted_languages": "invalid_languages",
        "premoderation": "invalid_value",
    }
    with pytest.raises(ValidationFailed) as crossed:
        site_settings.save(
            db.session(),
            deps.settings,
            {"score_hold_at": "0.95", "score_reject_at": "0.9"},
            moderator_id=admin_id,
            now=START,
        )
    assert [e.code for e in crossed.value.errors] == ["hold_above_reject"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SiteSetting)) == 0


def test_a_change_made_elsewhere_is_seen_by_the_next_transaction(rig: Any) -> None:
    app, deps, _, admin_id = rig
    session = db.session()
    assert site_settings.effective(session, deps.settings).max_links == 2
    with app.app_context():  # another request: its own session
        site_settings.save(
            db.session(), deps.settings, {"max_links": "7"}, moderator_id=admin_id, now=START
        )
        db.session.commit()
    session.commit()
    assert site_settings.effective(session, deps.settings).max_links == 7


def test_other_base_settings_in_the_same_transaction_get_their_own_values(rig: Any) -> None:
    _, deps, _, admin_id = rig
    session = db.session()
    site_settings.save(session, deps.settings, {"max_links": "7"}, moderator_id=admin_id, now=START)
    other = deps.settings.replace(history_days=deps.settings.history_days + 1)
    assert site_settings.effective(session, deps.settings).max_links == 7
    found = site_settings.effective(session, other)
    assert (found.max_links, found.history_days) == (7, other.history_days)
    assert site_settings.effective(session, deps.settings).history_days == (
        deps.settings.history_days
    )


def test_the_worker_follows_the_stored_premoderation_and_thresholds(rig: Any) -> None:
    _, deps, clock, admin_id = rig
    comment = submit(deps)
    checks.classify_and_decide(db.session(), deps, comment.id)
    db.session.commit()
    assert comment.status is CommentStatus.APPROVED
    site_settings.save(
        db.session(), deps.settings, {"premoderation": "all"}, moderator_id=admin_id, now=START
    )
    db.session.commit()
    clock.advance(minutes=5)
    second = submit(deps, CLEAN + " Et les crèches aussi.")
    checks.classify_and_decide(db.session(), deps, second.id)
    db.session.commit()
    assert second.status is CommentStatus.HELD
    assert site_settings.policy(db.session(), deps) is deps.policy
    site_settings.save(
        db.session(),
        deps.settings,
        {"score_hold_at": "0.3", "score_reject_at": "0.6"},
        moderator_id=admin_id,
        now=START,
    )
    db.session.commit()
    policy = site_settings.policy(db.session(), deps)
    assert (policy.hold_at, policy.reject_at) == (0.3, 0.6)


def test_the_link_limit_follows_the_stored_value(rig: Any) -> None:
    _, deps, clock, admin_id = rig
    links = "Voir https://a.example/x et https://b.example/y pour les détails du budget."

    def decided(body: str) -> CommentStatus:
        comment = submit(deps, body)
        checks.classify_and_decide(db.session(), deps, comment.id)
        db.session.commit()
        clock.advance(minutes=5)
        return comment.status  # type: ignore[no-any-return]

    assert decided(links) is CommentStatus.HELD
    site_settings.save(
        db.session(), deps.settings, {"max_links": "5"}, moderator_id=admin_id, now=START
    )
    db.session.commit()
    # The intake screen is rebuilt from the stored value too.
    assert site_settings.screening_rules(db.session(), deps) is not deps.rules
    assert decided(links + " Merci.") is CommentStatus.APPROVED


def test_articles_close_by_themselves_after_the_site_default(rig: Any) -> None:
    _, deps, clock, admin_id = rig
    site_settings.save(
        db.session(), deps.settings, {"close_after_days": "3"}, moderator_id=admin_id, now=START
    )
    db.session.commit()
    clock.current = dt.datetime.now(dt.UTC) + dt.timedelta(days=4)
    with pytest.raises(ArticleClosed):
        submit(deps)
    db.session.rollback()
