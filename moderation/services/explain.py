"""Why a comment got its status, and what today's rules would decide instead.

``explain`` reads the stored decision log; ``replay`` re-runs the current rules and policy
over past comments as a dry run (nothing is written), so admins can tune their lists and
thresholds knowing what would change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import CommentNotFound
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.pipeline.codes import REASON_CODES
from moderation.services.moderation import evaluate
from moderation.services.ports import Deps


def explain(session: Session, public_id: str) -> list[str]:
    """The full reasoning behind a comment's status, as printable lines.

    :raises CommentNotFound:
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None:
        raise CommentNotFound(public_id)
    article = session.get_one(Article, comment.article_id)
    lines = [
        f"comment {comment.public_id} on article {article.key}: {comment.status.value}",
        f"  language: {comment.language or 'unknown'}; campaign: {comment.campaign_id or '-'}",
    ]
    log = session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.comment_id == comment.id)
        .order_by(ModerationDecision.id)
    ).all()
    if not log:
        lines.append("  no decision yet")
    for entry in log:
        lines.append(
            f"  {entry.created_at.isoformat()} {entry.source.value} ({entry.actor}): "
            f"{entry.from_status.value} -> {entry.to_status.value}, "
            f"policy {entry.policy_version or '-'}"
        )
        if entry.thresholds:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(entry.thresholds.items()))
            lines.append(f"    thresholds: {shown}")
        for label, score in (entry.scores or {}).items():
            lines.append(f"    score {label}: {score}")
        for reason in entry.reasons or []:
            lines.extend(_reason_lines(reason, comment.body_text))
    return lines


def _reason_lines(reason: dict[str, object], text: str) -> Iterator[str]:
    code = str(reason.get("code", ""))
    params = reason.get("params") or {}
    template = REASON_CODES.get(code, code)
    try:
        wording = template % params
    except (KeyError, TypeError, ValueError):
        wording = template
    verdict = reason.get("verdict") or "flag"
    waived = " (waived: trusted author)" if reason.get("waived") else ""
    yield f"    - [{reason.get('rule')}] {wording} -> {verdict}{waived}"
    for start, end in reason.get("spans") or []:  # type: ignore[attr-defined]
        yield f"      at {start}-{end}: {text[start:end]!r}"


@dataclass(frozen=True, slots=True)
class ReplayChange:
    public_id: str
    article_key: str
    current: str
    replayed: str
    reasons: tuple[str, ...]


def replay(
    session: Session, deps: Deps, since: dt.datetime, limit: int = 10_000
) -> tuple[int, list[ReplayChange]]:
    """Re-run today's rules over comments created since ``since``; never writes.

    Compares with the machine's verdicts (comments a moderator decided are compared too:
    a difference there shows where the rules and people disagree). Returns the number of
    comments replayed and the differences.
    """
    now = deps.clock.now()
    rows = session.execute(
        sa.select(Comment, Article)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.created_at >= since, Comment.status != CommentStatus.DELETED)
        .order_by(Comment.id)
        .limit(limit)
    ).all()
    changes = []
    for comment, article in rows:
        decision, _surroundings = evaluate(session, deps, comment, article, now)
        if decision.verdict.value != comment.status.value:
            changes.append(
                ReplayChange(
                    comment.public_id,
                    article.key,
                    comment.status.value,
                    decision.verdict.value,
                    tuple(r.code for r in decision.reasons),
                )
            )
    return len(rows), changes
