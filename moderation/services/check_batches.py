"""Micro-batched checks: one check task scores the other pending comments waiting with it.

Models are much faster on batches, and an outside backend's round trip is better shared.
A check task never waits for company: it takes its own comment plus whatever other checks
are already waiting in the outbox (up to ``MODERATION_CHECK_BATCH_SIZE``), so a lone
comment is decided at once and a burst is scored in batches. On PostgreSQL the comments
taken with it are locked with ``SKIP LOCKED``: two workers never score the same comment at
once, and the tasks of comments already decided in a batch find nothing left to do.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import jobs
from moderation import tasks
from moderation.errors import TransientError
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import OutboxMessage
from moderation.services import checks
from moderation.services import scoring
from moderation.services.ports import Deps


class RequiredBackendUnavailable(TransientError):
    """A backend the site requires did not answer: try the check again later."""


def classify_batch(
    session: Session, deps: Deps, comment_id: int, *, final_attempt: bool = True
) -> dict[int, CommentStatus | None]:
    """Decide ``comment_id`` and the checks waiting with it; their new statuses by id.

    When a required backend cannot answer and this is not the last attempt, raises
    :class:`RequiredBackendUnavailable` (the task retries with backoff); on the last
    attempt the comment is held, the reasons saying which check failed.
    """
    # Its own comment first, waiting for a lock held elsewhere (a moderator, a slower
    # worker): once that commits, the pending test is read again. The waiting ones are taken
    # only if free, so a check never waits on a comment that is not its own and two checks
    # can never wait on each other.
    own = session.execute(_pending([comment_id]).with_for_update(of=Comment)).first()
    if own is None:
        # Decided already (most often by the batch of an earlier task), or gone: only its
        # outbox row is left to close.
        jobs.mark_done(
            session, tasks.TASK_CLASSIFY_COMMENT, checks.check_key(comment_id), deps.clock.now()
        )
        return {comment_id: None}
    others = session.execute(
        _pending(_waiting(session, deps, comment_id)).with_for_update(of=Comment, skip_locked=True)
    ).all()
    pairs = [(row[0], row[1]) for row in (own, *others)]
    # The built-in models and some services choose by language: it is worked out before
    # scoring (with the fingerprint), and written with each verdict.
    facts = {comment.id: checks.derive_facts(comment) for comment, _ in pairs}
    scored = scoring.score_comments(session, deps, pairs)
    required = deps.settings.required_classifiers
    if not final_attempt:
        for result in scored:
            missing = scoring.missing_required(result, required)
            if missing:
                raise RequiredBackendUnavailable(", ".join(missing))
    # Each verdict is an UPDATE run at once; its decision row and event wait, and the
    # batch writes them at commit as one multi-row INSERT per table. Otherwise the next
    # comment's context queries would flush them one comment at a time. Those queries
    # read comments, block rules and articles, never decisions or events; a campaign is
    # flushed explicitly when created.
    with session.no_autoflush:
        statuses = {
            comment.id: checks.classify_and_decide(
                session, deps, comment.id, result, close=False, facts=facts[comment.id]
            )
            for (comment, _), result in zip(pairs, scored, strict=True)
        }
    keys = [checks.check_key(comment.id) for comment, _ in pairs]
    jobs.mark_all_done(session, tasks.TASK_CLASSIFY_COMMENT, keys, deps.clock.now())
    return statuses


def _pending(ids: list[int]) -> sa.Select[Comment, Article]:
    return (
        sa.select(Comment, Article)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.id.in_(ids), Comment.status == CommentStatus.PENDING)
        .order_by(Comment.id)
    )


def _waiting(session: Session, deps: Deps, comment_id: int) -> list[int]:
    """Ids of other comments whose check is waiting in the outbox, oldest first."""
    limit = deps.settings.check_batch_size - 1
    if limit < 1:
        return []
    keys = session.scalars(
        sa.select(OutboxMessage.key)
        .where(
            OutboxMessage.task_name == tasks.TASK_CLASSIFY_COMMENT,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.key != checks.check_key(comment_id),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    found = []
    for key in keys:
        prefix, _, number = key.partition(":")
        if prefix == "comment" and number.isdigit():
            found.append(int(number))
    return found
