"""Moderators' spam and ham decisions, reported back to the outside spam filter (Akismet).

A moderator who marks as spam a comment the filter let through, or approves one it called
spam, teaches it: the report goes out later through a task (outbox), with the commenter's
original context as stored at intake (address as the privacy settings kept it, browser,
referrer, permalink, language), never the moderator's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from moderation import jobs
from moderation import tasks
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import surroundings
from moderation.services.ports import Deps

#: At or above this, the filter's score counts as its "spam" answer.
SAID_SPAM = 0.5


def feedback_key(comment_id: int) -> str:
    return f"spam-feedback:{comment_id}"


def after_moderator_decision(
    session: Session, deps: Deps, comment: Comment, target: CommentStatus
) -> bool:
    """Queue a report when the moderator's decision contradicts the filter; whether it did."""
    if deps.spam_reporter is None:
        return False
    said_spam = _filter_said_spam(comment.scores or {})
    if said_spam is None:
        return False
    if target is CommentStatus.SPAM and not said_spam:
        is_spam = True
    elif target is CommentStatus.APPROVED and said_spam:
        is_spam = False
    else:
        return False
    now = deps.clock.now()
    jobs.enqueue_after_commit(
        session,
        deps.publisher,
        tasks.TASK_REPORT_SPAM_FEEDBACK,
        {"comment_id": comment.id, "is_spam": is_spam},
        key=feedback_key(comment.id),
        now=now,
        stale_after=dt.timedelta(seconds=deps.settings.outbox_stale_seconds),
    )
    return True


def report(session: Session, deps: Deps, comment_id: int, is_spam: bool) -> bool:
    """Send one report (the task's body); ``False`` when there is nothing to send.

    :raises moderation.errors.TransientError: the filter is unreachable; try again later.
    """
    now = deps.clock.now()
    comment = session.get(Comment, comment_id)
    sent = False
    if comment is not None and deps.spam_reporter is not None:
        article = session.get_one(Article, comment.article_id)
        submission = surroundings.submission_of(comment, article)
        deps.spam_reporter.report(submission, author_email=comment.email, is_spam=is_spam)
        sent = True
    jobs.mark_done(session, tasks.TASK_REPORT_SPAM_FEEDBACK, feedback_key(comment_id), now)
    return sent


def _filter_said_spam(scores: dict[str, Any]) -> bool | None:
    """What the filter said of this comment (``None``: it did not score it)."""
    entry = scores.get("akismet") or scores.get("shadow:akismet")
    if not isinstance(entry, dict):
        return None
    value = (entry.get("attributes") or {}).get("spam")
    if not isinstance(value, int | float):
        return None
    return float(value) >= SAID_SPAM
