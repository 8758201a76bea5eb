"""Status changes of comments and their log: the transition table, and who may move what.

Every change is a compare-and-set (``UPDATE ... WHERE status = :expected``) followed by an
append-only :class:`ModerationDecision` row and an event, in the caller's transaction. A
task that runs twice, or a moderator racing the worker, therefore changes a comment at
most once, and the log and the events say exactly what happened.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from moderation import jobs
from moderation import pipeline
from moderation.errors import CommentNotFound
from moderation.errors import IllegalTransition
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModerationDecision
from moderation.models import Moderator
from moderation.models import Report
from moderation.services import audit
from moderation.services import events
from moderation.services import spam_feedback
from moderation.services.audit import AuditAction
from moderation.services.ports import Deps


@dataclass(frozen=True, slots=True)
class Actor:
    """Who decides: a moderator (their id, and their name at the time) or the system."""

    name: str
    moderator_id: int | None = None

    @classmethod
    def of(cls, moderator: Moderator) -> Actor:
        return cls(moderator.display_name, moderator.id)


SYSTEM = Actor("system")


class Action(StrEnum):
    """What a moderator may do to one comment."""

    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"
    SPAM = "spam"


class RejectionReason(StrEnum):
    """Why a moderator refuses a comment (the short list readers and editors understand)."""

    OFFENSIVE = "offensive"
    ABUSIVE = "abusive"
    SPAM = "spam"
    ADVERTISING = "advertising"
    HATE_SPEECH = "hate_speech"
    HARASSMENT = "harassment"
    MISINFORMATION = "misinformation"
    OFF_TOPIC = "off_topic"
    ILLEGAL_CONTENT = "illegal_content"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rejection's reason and the explanation sent with it (empty: none)."""

    reason: RejectionReason
    explanation: str = ""
    language: str = ""


def new_batch() -> str:
    """The id shared by every decision of one moderator action (see :func:`undo_last`)."""
    return secrets.token_hex(8)


ACTION_TARGETS = {
    Action.APPROVE: CommentStatus.APPROVED,
    Action.HOLD: CommentStatus.HELD,
    Action.REJECT: CommentStatus.REJECTED,
    Action.SPAM: CommentStatus.SPAM,
}

#: The machine's verdicts are named for the statuses they lead to; map them here, once,
#: rather than by sharing strings.
VERDICT_TARGETS = {
    pipeline.Verdict.APPROVE: CommentStatus.APPROVED,
    pipeline.Verdict.HOLD: CommentStatus.HELD,
    pipeline.Verdict.SPAM: CommentStatus.SPAM,
    pipeline.Verdict.REJECT: CommentStatus.REJECTED,
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
    session: Session,
    deps: Deps,
    comment: Comment,
    decision: pipeline.Decision,
    *,
    shadow: dict[str, Any] | None = None,
    facts: dict[str, Any] | None = None,
) -> bool:
    """Apply the pipeline's decision to a pending comment; ``False`` if already decided.

    ``shadow`` are the scores of backends in shadow mode, stored beside the live ones
    (they decided nothing) for the shadow report. ``facts``: other columns the check
    worked out (language, fingerprint), written in the same statement as the verdict.
    """
    source = DecisionSource.CLASSIFIERS if decision.scores else DecisionSource.RULES
    return change_status(
        session,
        deps,
        comment,
        expected=CommentStatus.PENDING,
        target=VERDICT_TARGETS[decision.verdict],
        source=source,
        actor=SYSTEM,
        reasons=[reason.as_dict() for reason in decision.reasons],
        scores={**{s.model: s.as_dict() for s in decision.scores}, **(shadow or {})},
        policy_version=decision.policy_version,
        thresholds=dict(decision.thresholds),
        facts=facts,
    )


def apply_moderator_action(
    session: Session,
    deps: Deps,
    public_id: str,
    action: Action,
    *,
    actor: Actor,
    note: str | None = None,
    rejection: Rejection | None = None,
    batch_id: str | None = None,
) -> Comment:
    """A moderator's decision on one comment (the API and the workspace both call this).

    :raises CommentNotFound:
    :raises IllegalTransition: the move is not allowed from the current status, or the
        comment changed under the moderator's feet.
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status == CommentStatus.DELETED:
        raise CommentNotFound(public_id)
    if (
        action is Action.APPROVE
        and comment.status is CommentStatus.APPROVED
        and _resolve_reports(session, deps, comment)
    ):
        # Keeping a reported comment published: its reports are answered, the status
        # stays, and the audit trail says who kept it.
        audit.record(
            session,
            AuditAction.REPORTS_DISMISSED,
            now=deps.clock.now(),
            moderator_id=actor.moderator_id,
            comment_id=comment.id,
            article_id=comment.article_id,
        )
        return comment
    return moderate_comment(
        session,
        deps,
        comment,
        action,
        actor=actor,
        note=note,
        rejection=rejection,
        batch_id=batch_id or new_batch(),
    )


def moderate_comment(
    session: Session,
    deps: Deps,
    comment: Comment,
    action: Action,
    *,
    actor: Actor,
    note: str | None,
    rejection: Rejection | None = None,
    batch_id: str | None = None,
    code: str = "moderator_action",
    extra: dict[str, str] | None = None,
) -> Comment:
    current = comment.status
    target = ACTION_TARGETS[action]
    if not is_legal(current, target):
        raise IllegalTransition(current.value, target.value)
    params: dict[str, str | int] = {"note": note or "", **(extra or {})}
    if rejection is not None and target is CommentStatus.REJECTED:
        params["rejection_reason"] = rejection.reason.value
        if rejection.explanation:
            params["explanation"] = rejection.explanation
            params["explanation_language"] = rejection.language
    reasons: list[dict[str, Any]] = [pipeline.Reason("moderator", code, params).as_dict()]
    changed = change_status(
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
        batch_id=batch_id,
    )
    if not changed:
        session.refresh(comment)
        raise IllegalTransition(comment.status.value, target.value)
    # A person has looked at it: whatever they decided, its open reports are answered.
    _resolve_reports(session, deps, comment)
    spam_feedback.after_moderator_decision(session, deps, comment, target)
    return comment


def _resolve_reports(session: Session, deps: Deps, comment: Comment) -> int:
    """Mark the comment's open reports answered; returns how many there were."""
    result = session.execute(
        sa.update(Report)
        .where(Report.comment_id == comment.id, Report.resolved_at.is_(None))
        .values(resolved_at=deps.clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult on UPDATE


def change_status(
    session: Session,
    deps: Deps,
    comment: Comment,
    *,
    expected: CommentStatus,
    target: CommentStatus,
    source: DecisionSource,
    actor: Actor,
    reasons: list[dict[str, Any]],
    scores: dict[str, Any],
    policy_version: str,
    thresholds: dict[str, Any] | None = None,
    batch_id: str | None = None,
    facts: dict[str, Any] | None = None,
) -> bool:
    """Move ``comment`` from ``expected`` to ``target`` if nobody moved it first.

    Logs the decision and records its event in the same transaction; ``False`` (and
    nothing written) when the comment was no longer in ``expected``. ``facts`` are more
    columns to write with the status (one row version instead of several: every update of
    a comment rewrites its index entries, its body's trigrams among them).
    """
    now = deps.clock.now()
    result = session.execute(
        sa.update(Comment)
        .where(Comment.id == comment.id, Comment.status == expected)
        .values(
            status=target,
            reasons=reasons,
            scores=scores,
            decided_at=now,
            risk=top_score(scores),
            **(facts or {}),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult on UPDATE
        return False
    session.add(
        ModerationDecision(
            comment_id=comment.id,
            source=source,
            moderator_id=actor.moderator_id,
            actor=actor.name,
            from_status=expected,
            to_status=target,
            reasons=reasons,
            scores=scores,
            policy_version=policy_version,
            thresholds=thresholds,
            batch_id=batch_id,
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
        ("risk", top_score(scores)),
    ):
        set_committed_value(comment, name, value)
    events.emit(
        session,
        events.STATUS_EVENTS[target],
        deps=deps,
        now=now,
        comment=comment,
        moderator_id=actor.moderator_id,
        payload={
            "from_status": expected.value,
            "to_status": target.value,
            "source": source.value,
            "actor": actor.name,
            "reasons": reasons,
        },
    )
    if CommentStatus.APPROVED in (expected, target):
        # The public thread and counts change only when a comment enters or leaves
        # "approved"; tell the read cache once the change is visible to readers.
        # From the identity map when the article is loaded already (a worker's batch).
        article = session.get(Article, comment.article_id)
        article_key = article.key if article is not None else None
        cache = deps.cache
        jobs.after_commit(session, lambda: cache.invalidate([article_key or ""]))
    return True


def apply_to_campaign(
    session: Session,
    deps: Deps,
    campaign_id: int,
    action: Action,
    *,
    actor: Actor,
    note: str | None = None,
    rejection: Rejection | None = None,
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
    return _apply_to(session, deps, members, action, actor=actor, note=note, rejection=rejection)


def _apply_to(
    session: Session,
    deps: Deps,
    comments: Sequence[Comment],
    action: Action,
    *,
    actor: Actor,
    note: str | None,
    rejection: Rejection | None,
) -> list[str]:
    """One decision, one batch, for each of ``comments`` it is legal for."""
    target = ACTION_TARGETS[action]
    batch_id = new_batch()
    changed = []
    for comment in comments:
        if is_legal(comment.status, target):
            moderate_comment(
                session,
                deps,
                comment,
                action,
                actor=actor,
                note=note,
                rejection=rejection,
                batch_id=batch_id,
            )
            changed.append(comment.public_id)
    return changed


def apply_bulk(
    session: Session,
    deps: Deps,
    public_ids: Sequence[str],
    action: Action,
    *,
    actor: Actor,
    rejection: Rejection | None = None,
) -> list[str]:
    """The same decision for many comments (selected in a queue); returns those changed.

    Comments already in the target status, deleted or unknown are left out, so a bulk
    action over a queue that moved meanwhile does what still makes sense.
    """
    comments = session.scalars(
        sa.select(Comment)
        .where(Comment.public_id.in_(list(public_ids)), Comment.status != CommentStatus.DELETED)
        .order_by(Comment.id)
    ).all()
    return _apply_to(session, deps, comments, action, actor=actor, note=None, rejection=rejection)


def top_score(scores: dict[str, Any]) -> float | None:
    """The highest attribute score of any live model in a stored ``scores`` mapping.

    Shadow scores decided nothing: they do not make a comment look risky.
    """
    values = [
        float(value)
        for score in scores.values()
        if isinstance(score, dict) and not score.get("shadow")
        for value in (score.get("attributes") or {}).values()
        if isinstance(value, int | float)
    ]
    return max(values) if values else None


def log_of(session: Session, comment_id: int) -> Sequence[ModerationDecision]:
    """The moderation log of one comment, oldest first."""
    return session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.comment_id == comment_id)
        .order_by(ModerationDecision.id)
    ).all()
