"""Status changes of comments: the machine's verdicts and moderators' actions.

Every change is a compare-and-set (``UPDATE ... WHERE status = :expected``) followed by an
append-only :class:`ModerationDecision` row, in the caller's transaction. A task that runs
twice, or a moderator racing the worker, therefore changes a comment at most once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from moderation import jobs
from moderation import pipeline
from moderation.db import on_commit
from moderation.errors import CommentNotFound
from moderation.errors import IllegalTransition
from moderation.models import Article
from moderation.models import Campaign
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModerationDecision
from moderation.pipeline.language import detect_language
from moderation.services import context
from moderation.services.ports import Deps
from moderation.services.surge import evaluate_surge
from moderation.services.wordlists import current_rules

SYSTEM_ACTOR = "system"


class Action(StrEnum):
    """What a moderator may do to one comment."""

    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"
    SPAM = "spam"


ACTION_TARGETS = {
    Action.APPROVE: CommentStatus.APPROVED,
    Action.HOLD: CommentStatus.HELD,
    Action.REJECT: CommentStatus.REJECTED,
    Action.SPAM: CommentStatus.SPAM,
}

#: Legal moves. A moderator may reverse any verdict (the machine makes mistakes, and so do
#: people), but nothing returns to ``pending`` and ``deleted`` is final.
TRANSITIONS: dict[CommentStatus, frozenset[CommentStatus]] = {
    CommentStatus.PENDING: frozenset(
        {CommentStatus.APPROVED, CommentStatus.HELD, CommentStatus.SPAM, CommentStatus.REJECTED}
    ),
    CommentStatus.HELD: frozenset(
        {CommentStatus.APPROVED, CommentStatus.SPAM, CommentStatus.REJECTED}
    ),
    CommentStatus.APPROVED: frozenset(
        {CommentStatus.HELD, CommentStatus.SPAM, CommentStatus.REJECTED}
    ),
    CommentStatus.SPAM: frozenset(
        {CommentStatus.APPROVED, CommentStatus.HELD, CommentStatus.REJECTED}
    ),
    CommentStatus.REJECTED: frozenset(
        {CommentStatus.APPROVED, CommentStatus.HELD, CommentStatus.SPAM}
    ),
    CommentStatus.DELETED: frozenset(),
}


def is_legal(current: CommentStatus, target: CommentStatus) -> bool:
    return target in TRANSITIONS[current]


def record_machine_decision(
    session: Session, deps: Deps, comment: Comment, decision: pipeline.Decision
) -> bool:
    """Apply the pipeline's decision to a pending comment; ``False`` if already decided."""
    target = CommentStatus(decision.verdict.value)
    source = DecisionSource.CLASSIFIERS if decision.scores else DecisionSource.RULES
    reasons = [reason.as_dict() for reason in decision.reasons]
    scores: dict[str, Any] = {s.model: s.as_dict() for s in decision.scores}
    return _change_status(
        session,
        deps,
        comment,
        expected=CommentStatus.PENDING,
        target=target,
        source=source,
        actor=SYSTEM_ACTOR,
        reasons=reasons,
        scores=scores,
        policy_version=decision.policy_version,
        thresholds=dict(decision.thresholds),
    )


def check_key(comment_id: int) -> str:
    """The outbox key of a comment's check."""
    return f"comment:{comment_id}"


def classify_and_decide(session: Session, deps: Deps, comment_id: int) -> CommentStatus | None:
    """Run the full pipeline on a pending comment and store the verdict.

    Idempotent: a comment already decided (by an earlier run or a moderator) is left as it
    is. Returns the new status, or ``None`` when there was nothing to do.
    """
    now = deps.clock.now()
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status != CommentStatus.PENDING:
        jobs.mark_done(session, jobs.TASK_CLASSIFY_COMMENT, check_key(comment_id), now)
        return None
    article = session.get_one(Article, comment.article_id)
    # Language and fingerprint are worked out here, off the request path. The fingerprint
    # is flushed before the near-duplicate lookup so later comments find this one.
    if comment.language is None:
        comment.language = detect_language(comment.body_text)
    if comment.fingerprint is None:
        for column, value in context.fingerprint_columns(comment.body_text).items():
            setattr(comment, column, value)
        session.flush()
    decision, surroundings = evaluate(session, deps, comment, article, now)
    changed = record_machine_decision(session, deps, comment, decision)
    if changed:
        _link_campaign(session, deps, comment, decision, surroundings)
        evaluate_surge(session, deps, article)
    jobs.mark_done(session, jobs.TASK_CLASSIFY_COMMENT, check_key(comment_id), now)
    return comment.status if changed else None


def evaluate(
    session: Session, deps: Deps, comment: Comment, article: Article, now: dt.datetime
) -> tuple[pipeline.Decision, pipeline.Context]:
    """What today's rules and policy decide for ``comment`` (writes nothing).

    The worker stores the result; ``explain.replay`` only compares it.
    """
    submission = context.submission_of(comment, article)
    surroundings = context.context_of(session, deps, comment, article, now)
    policy = deps.policy
    if article.policy_overrides:
        policy = policy.for_article(article.policy_overrides)
    rules = current_rules(session, deps.settings)
    decision = pipeline.moderate(submission, surroundings, rules, policy)
    return decision, surroundings


def _link_campaign(
    session: Session,
    deps: Deps,
    comment: Comment,
    decision: pipeline.Decision,
    surroundings: pipeline.Context,
) -> None:
    """Attach a campaign comment, and its near copies, to one campaign id."""
    reason = next((r for r in decision.reasons if r.rule_id == "campaign"), None)
    if reason is None:
        return
    campaign_id = int(reason.params.get("campaign_id", 0))
    if not campaign_id:
        campaign = Campaign(fingerprint=comment.fingerprint or 0, created_at=deps.clock.now())
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    members = [s.comment_id for s in surroundings.similar_recent if s.campaign_id is None]
    session.execute(
        sa.update(Comment)
        .where(Comment.id.in_([comment.id, *members]), Comment.campaign_id.is_(None))
        .values(campaign_id=campaign_id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(comment)


def fail_check(session: Session, deps: Deps, comment_id: int, attempts: int) -> bool:
    """Give up on the automatic check: hold the comment for a person, never approve it."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        return False
    reason: dict[str, Any] = {
        "rule": "check_failed",
        "code": "check_failed",
        "params": {"attempts": attempts},
        "spans": [],
        "score": None,
    }
    return _change_status(
        session,
        deps,
        comment,
        expected=CommentStatus.PENDING,
        target=CommentStatus.HELD,
        source=DecisionSource.SYSTEM,
        actor=SYSTEM_ACTOR,
        reasons=[reason],
        scores={},
        policy_version=deps.policy.version,
    )


def apply_moderator_action(
    session: Session,
    deps: Deps,
    public_id: str,
    action: Action,
    *,
    actor: str,
    reason: str | None = None,
) -> Comment:
    """A moderator's decision on one comment (the API and the queue UI both call this).

    :raises CommentNotFound:
    :raises IllegalTransition: the move is not allowed from the current status, or the
        comment changed under the moderator's feet.
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status == CommentStatus.DELETED:
        raise CommentNotFound(public_id)
    return _moderate(session, deps, comment, action, actor=actor, reason=reason)


def _moderate(
    session: Session,
    deps: Deps,
    comment: Comment,
    action: Action,
    *,
    actor: str,
    reason: str | None,
) -> Comment:
    current = comment.status
    target = ACTION_TARGETS[action]
    if not is_legal(current, target):
        raise IllegalTransition(current.value, target.value)
    reasons: list[dict[str, Any]] = [
        {
            "rule": "moderator",
            "code": "moderator_action",
            "params": {"note": reason or ""},
            "spans": [],
            "score": None,
        }
    ]
    changed = _change_status(
        session,
        deps,
        comment,
        expected=current,
        target=target,
        source=DecisionSource.MODERATOR,
        actor=actor,
        reasons=reasons,
        scores=dict(comment.scores or {}),
        policy_version=deps.policy.version,
    )
    if not changed:
        session.refresh(comment)
        raise IllegalTransition(comment.status.value, target.value)
    return comment


def _change_status(
    session: Session,
    deps: Deps,
    comment: Comment,
    *,
    expected: CommentStatus,
    target: CommentStatus,
    source: DecisionSource,
    actor: str,
    reasons: list[dict[str, Any]],
    scores: dict[str, Any],
    policy_version: str,
    thresholds: dict[str, Any] | None = None,
) -> bool:
    now = deps.clock.now()
    result = session.execute(
        sa.update(Comment)
        .where(Comment.id == comment.id, Comment.status == expected)
        .values(status=target, reasons=reasons, scores=scores, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult on UPDATE
        return False
    session.add(
        ModerationDecision(
            comment_id=comment.id,
            source=source,
            actor=actor,
            from_status=expected,
            to_status=target,
            reasons=reasons,
            scores=scores,
            policy_version=policy_version,
            thresholds=thresholds,
            created_at=now,
        )
    )
    # The row now holds these values: set them on the loaded object as committed state
    # rather than reading the row back.
    for name, value in (
        ("status", target),
        ("reasons", reasons),
        ("scores", scores),
        ("decided_at", now),
    ):
        set_committed_value(comment, name, value)
    if CommentStatus.APPROVED in (expected, target):
        # The public thread and counts change only when a comment enters or leaves
        # "approved"; tell the read cache once the change is visible to readers.
        article = session.get_one(Article, comment.article_id)
        cache, key = deps.cache, article.key
        on_commit(session, lambda: cache.invalidate([key]))
    return True


def apply_to_campaign(
    session: Session,
    deps: Deps,
    campaign_id: int,
    action: Action,
    *,
    actor: str,
    reason: str | None = None,
) -> list[str]:
    """One decision for every comment of a campaign; returns the ids that changed.

    Comments for which the move is not legal (already in that status) are left alone.
    """
    members = session.scalars(
        sa.select(Comment)
        .where(Comment.campaign_id == campaign_id, Comment.status != CommentStatus.DELETED)
        .order_by(Comment.id)
    ).all()
    if not members:
        raise CommentNotFound(f"campaign {campaign_id}")
    target = ACTION_TARGETS[action]
    changed = []
    for comment in members:
        if is_legal(comment.status, target):
            _moderate(session, deps, comment, action, actor=actor, reason=reason)
            changed.append(comment.public_id)
    return changed


@dataclass(frozen=True, slots=True)
class QueuePage:
    comments: Sequence[Comment]
    next_cursor: int | None


def list_for_moderators(
    session: Session,
    *,
    status: CommentStatus | None = None,
    article_key: str | None = None,
    campaign_id: int | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> QueuePage:
    """Comments by status, article and campaign, oldest first, keyset-paginated on the id."""
    query = sa.select(Comment).order_by(Comment.id).limit(limit + 1)
    if campaign_id is not None:
        query = query.where(Comment.campaign_id == campaign_id)
    if status is not None:
        query = query.where(Comment.status == status)
    if article_key is not None:
        query = query.join(Article, Article.id == Comment.article_id).where(
            Article.key == article_key
        )
    if after_id is not None:
        query = query.where(Comment.id > after_id)
    rows = session.scalars(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(rows, rows[-1].id if more and rows else None)


def decisions_of(session: Session, comment_id: int) -> Sequence[ModerationDecision]:
    """The moderation log of one comment, oldest first."""
    return session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.comment_id == comment_id)
        .order_by(ModerationDecision.id)
    ).all()
