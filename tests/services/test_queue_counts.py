"""Capped tab counts: exact below the cap, "cap and more" above it, on both backends."""

from __future__ import annotations

from flask import Flask

from moderation.db import db
from moderation.models import CommentStatus
from moderation.services.ports import SystemClock
from moderation.services.queue import Tab
from moderation.services.queue_counts import TabCount
from moderation.services.queue_counts import capped_tab_counts
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_status


def test_counts_are_exact_below_the_cap_and_flagged_above_it(app: Flask) -> None:
    add_article(app)
    client = app.test_client()
    approved = [post(client) for _ in range(4)]
    for public_id in approved:
        set_status(app, public_id, CommentStatus.APPROVED)
    set_status(app, post(client), CommentStatus.HELD)
    with app.app_context():
        counts = capped_tab_counts(db.session, SystemClock().now(), cap=3)
    assert counts[Tab.REVIEW] == TabCount(1, more=False)
    assert counts[Tab.APPROVED] == TabCount(3, more=True)
    assert counts[Tab.ALL] == TabCount(3, more=True)
    assert counts[Tab.SPAM] == TabCount(0, more=False)
    assert counts[Tab.REPORTED] == TabCount(0, more=False)
