"""The queue read model and the moderator decisions it serves: tabs, orders, cursors,
highlighting, undo."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Report
from moderation.models import ReportReason
from moderation.services import decisions
from moderation.services import queue
from moderation.services import undo
from moderation.services.queue import QueueFilter
from moderation.services.queue import Tab
from tests.conftest import TEST_SECRET
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import set_created_at
from tests.helpers import set_status

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def comments(app: Flask, count: int, status: CommentStatus = CommentStatus.HELD) -> list[str]:
    add_article(app)
    client = app.test_client()
    ids = []
    for n in range(count):
        public_id = post(client)
        set_status(app, public_id, status)
        set_created_at(app, public_id, NOW - dt.timedelta(hours=count - n))
        ids.append(public_id)
    return ids


def listed(app: Flask, filters: QueueFilter, limit: int = 50) -> list[str]:
    with app.app_context():
        found: list[str] = []
        cursor = None
        while True:
            page = queue.list_queue(
                db.session, filters, now=NOW, secret=TEST_SECRET, cursor=cursor, limit=limit
            )
            found += [item.comment.public_id for item in page.items]
            cursor = page.next_cursor
            if cursor is None:
                return found


def set_risk(app: Flask, public_id: str, risk: float | None) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Comment).where(Comment.public_id == public_id).values(risk=risk)
        )
        db.session.commit()


def test_cursors_walk_every_order_without_gaps_or_repeats(app: Flask) -> None:
    ids = comments(app, 7)
    for n, risk in enumerate([0.2, None, 0.9, 0.2, 0.5, None, 0.9]):
        set_risk(app, ids[n], risk)
    review = QueueFilter(tab=Tab.REVIEW)
    assert listed(app, review, limit=2) == ids
    newest = QueueFilter(tab=Tab.REVIEW, order=queue.Order.NEWEST)
    assert listed(app, newest, limit=3) == ids[::-1]
    priority = QueueFilter(tab=Tab.REVIEW, order=queue.Order.PRIORITY)
    assert listed(app, priority, limit=2) == [ids[i] for i in (2, 6, 4, 0, 3, 1, 5)]


def test_a_forged_cursor_is_a_field_error(app: Flask) -> None:
    comments(app, 1)
    with app.app_context(), pytest.raises(ValidationFailed):
        queue.list_queue(
            db.session, QueueFilter(), now=NOW, secret=TEST_SECRET, cursor="nope", limit=5
        )


def test_counts_hold_fresh_pending_comments_back_and_count_open_reports(app: Flask) -> None:
    [held] = comments(app, 1)
    [approved, reported] = comments(app, 2, CommentStatus.APPROVED)
    fresh = post(app.test_client())
    set_created_at(app, fresh, NOW - dt.timedelta(seconds=3))
    with app.app_context():
        reported_id = db.session.scalar(sa.select(Comment.id).where(Comment.public_id == reported))
        for n, resolved in enumerate((None, None, NOW)):
            db.session.add(
                Report(
                    comment_id=reported_id,
                    reason=ReportReason.SPAM,
                    reporter_hash=f"r{n}",
                    created_at=NOW,
                    resolved_at=resolved,
                )
            )
        db.session.commit()
        counts = queue.tab_counts(db.session, NOW)
        oldest = queue.oldest_waiting(db.session, NOW)
    assert counts[Tab.REVIEW] == 1
    assert counts[Tab.REPORTED] == 1
    assert counts[Tab.APPROVED] == 2
    assert counts[Tab.ALL] == 4
    assert listed(app, QueueFilter(tab=Tab.REPORTED)) == [reported]
    assert oldest == NOW - dt.timedelta(hours=1)
    del held, approved


def test_matched_spans_are_marked_and_overlaps_merged() -> None:
    reasons = [{"spans": [[4, 9], [7, 12]]}, {"spans": [[20, 99]]}, {"spans": "junk"}]
    segments = queue.highlight("Quel connard abruti ici.", reasons)
    assert [(s.text, s.marked) for s in segments] == [
        ("Quel", False),
        (" conn", True),
        ("ard", True),
        (" abruti ", False),
        ("ici.", True),
    ]
    assert queue.highlight("", []) == (queue.Segment(""),)


def test_emails_are_masked_to_their_first_letter_and_domain() -> None:
    assert queue.mask_email("camille@example.org") == "c•••@example.org"
    assert queue.mask_email("broken") == "•••"


def test_undo_of_a_pending_comment_returns_it_to_held_never_to_pending(app: Flask) -> None:
    add_article(app)
    public_id = post(app.test_client())
    moderator_token(app, "alice")
    with app.app_context():
        deps = app.extensions["moderation.deps"]
        from moderation.services import moderators

        alice = moderators.find_by_email(db.session, "alice@example.org")
        assert alice is not None
        actor = decisions.Actor.of(alice)
        decisions.apply_moderator_action(
            db.session, deps, public_id, decisions.Action.APPROVE, actor=actor
        )
        assert undo.undo_last(db.session, deps, actor) == [public_id]
        db.session.commit()
        status = db.session.scalar(sa.select(Comment.status).where(Comment.public_id == public_id))
    assert status is CommentStatus.HELD


def test_undo_leaves_a_comment_someone_else_moved_since(app: Flask) -> None:
    [public_id] = comments(app, 1)
    moderator_token(app, "alice")
    moderator_token(app, "bob")
    with app.app_context():
        from moderation.services import moderators

        deps = app.extensions["moderation.deps"]
        people = [
            moderators.find_by_email(db.session, f"{n}@example.org") for n in ("alice", "bob")
        ]
        alice, bob = (decisions.Actor.of(p) for p in people if p is not None)
        decisions.apply_moderator_action(
            db.session, deps, public_id, decisions.Action.APPROVE, actor=alice
        )
        decisions.apply_moderator_action(
            db.session, deps, public_id, decisions.Action.REJECT, actor=bob
        )
        assert undo.undo_last(db.session, deps, alice) == []
        db.session.commit()


def test_risk_is_the_highest_attribute_score_of_any_model() -> None:
    scores = {
        "a": {"attributes": {"toxicity": 0.2, "insult": 0.7}},
        "b": {"attributes": {"spam": 0.4}},
        "broken": "x",
    }
    assert decisions.top_score(scores) == 0.7
    assert decisions.top_score({}) is None


@pytest.mark.parametrize("window", [1, 2, 3, 1_000])
def test_substring_searches_find_every_match_in_order_whatever_the_plan(
    app: Flask, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    # On PostgreSQL a search reads the tab's next `window` comments first and asks the
    # trigram index when they hold no full page: both paths must give the same pages.
    monkeypatch.setattr(queue, "SEARCH_WINDOW", window)
    add_article(app)
    client = app.test_client()
    bodies = [
        "La marmotte du col, vue au printemps.",  # the rare word, in the oldest comment only
        *[
            f"Le budget {n} de la commune." if n % 2 else f"Avis {n} sur la séance."
            for n in range(1, 11)
        ],
    ]
    ids = []
    for n, body in enumerate(bodies):
        public_id = post(client, body=body, author_name=f"Lecteur {n % 3}")
        set_status(app, public_id, CommentStatus.HELD)
        set_created_at(app, public_id, NOW - dt.timedelta(hours=len(bodies) - n))
        set_risk(app, public_id, (n * 7 % 5) / 5)
        ids.append(public_id)

    def matching(word: str) -> list[str]:
        return [i for i, body in zip(ids, bodies, strict=True) if word in body.lower()]

    budget = matching("budget")
    assert listed(app, QueueFilter(tab=Tab.REVIEW, text="BUDGET"), limit=2) == budget
    newest = QueueFilter(tab=Tab.REVIEW, text="budget", order=queue.Order.NEWEST)
    assert listed(app, newest, limit=2) == budget[::-1]
    by_risk = sorted(budget, key=lambda i: (-(ids.index(i) * 7 % 5) / 5, ids.index(i)))
    priority = QueueFilter(tab=Tab.REVIEW, text="budget", order=queue.Order.PRIORITY)
    assert listed(app, priority, limit=2) == by_risk
    newest_rare = QueueFilter(tab=Tab.ALL, text="marmotte")
    assert listed(app, newest_rare, limit=2) == [ids[0]]
    named = QueueFilter(tab=Tab.ALL, author_name="lecteur 2", text="budget")
    expected = [i for i in budget if ids.index(i) % 3 == 2][::-1]
    assert listed(app, named, limit=1) == expected
    assert listed(app, QueueFilter(tab=Tab.REJECTED, text="budget")) == []
    assert listed(app, QueueFilter(tab=Tab.ALL, text="introuvable"), limit=2) == []
