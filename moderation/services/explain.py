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
from moderation.services.checks import evaluate
from moderation.services.ports import Deps


@dataclass(frozen=True, slots=True)
class ExplainedSpan:
    """A matched stretch of the comment's plain text, with the text itself."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ExplainedReason:
    rule: str
    code: str
    params: dict[str, object]
    verdict: str | None
    waived: bool
    score: float | None
    spans: tuple[ExplainedSpan, ...]


@dataclass(frozen=True, slots=True)
class ExplainedDecision:
    """One entry of the moderation log, as stored."""

    at: dt.datetime
    source: str
    actor: str
    moderator_id: int | None
    from_status: str
    to_status: str
    policy_version: str
    thresholds: dict[str, object]
    scores: dict[str, object]
    reasons: tuple[ExplainedReason, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a comment has its status: its whole log, each reason with the text it matched.

    Plain data: the CLI and the workspace each render it in their own way and language.
    """

    public_id: str
    article_key: str
    status: str
    language: str | None
    campaign_id: int | None
    decisions: tuple[ExplainedDecision, ...]


def explain(session: Session, public_id: str) -> Explanation:
    """The full reasoning behind a comment's status.

    :raises CommentNotFound:
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None:
        raise CommentNotFound(public_id)
    article_key = session.scalar(sa.select(Article.key).where(Article.id == comment.article_id))
    log = session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.comment_id == comment.id)
        .order_by(ModerationDecision.id)
    ).all()
    return Explanation(
        public_id=comment.public_id,
        article_key=article_key or "",
        status=comment.status.value,
        language=comment.language,
        campaign_id=comment.campaign_id,
        decisions=tuple(
            ExplainedDecision(
                at=entry.created_at,
                source=entry.source.value,
                actor=entry.actor,
                moderator_id=entry.moderator_id,
                from_status=entry.from_status.value,
                to_status=entry.to_status.value,
                policy_version=entry.policy_version,
                thresholds=dict(entry.thresholds or {}),
                scores=dict(entry.scores or {}),
                reasons=tuple(_reason(r, comment.body_text) for r in entry.reasons or []),
            )
            for entry in log
        ),
    )


def _reason(stored: dict[str, object], text: str) -> ExplainedReason:
    spans = []
    for pair in stored.get("spans") or []:  # type: ignore[attr-defined]
        start, end = int(pair[0]), int(pair[1])
        spans.append(ExplainedSpan(start, end, text[start:end]))
    score = stored.get("score")
    params = stored.get("params")
    verdict = stored.get("verdict")
    return ExplainedReason(
        rule=str(stored.get("rule", "")),
        code=str(stored.get("code", "")),
        params=dict(params) if isinstance(params, dict) else {},
        verdict=str(verdict) if verdict is not None else None,
        waived=bool(stored.get("waived")),
        score=float(score) if isinstance(score, int | float) else None,
        spans=tuple(spans),
    )


def explanation_lines(explanation: Explanation) -> Iterator[str]:
    """The explanation as plain English lines (the CLI's rendering)."""
    yield (
        f"comment {explanation.public_id} on article {explanation.article_key}: "
        f"{explanation.status}"
    )
    yield (
        f"  language: {explanation.language or 'unknown'}; "
        f"campaign: {explanation.campaign_id or '-'}"
    )
    if not explanation.decisions:
        yield "  no decision yet"
    for entry in explanation.decisions:
        yield (
            f"  {entry.at.isoformat()} {entry.source} ({entry.actor}): "
            f"{entry.from_status} -> {entry.to_status}, policy {entry.policy_version or '-'}"
        )
        if entry.thresholds:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(entry.thresholds.items()))
            yield f"    thresholds: {shown}"
        for model, score in entry.scores.items():
            yield f"    score {model}: {score}"
        for reason in entry.reasons:
            template = REASON_CODES.get(reason.code, reason.code)
            try:
                wording = template % reason.params
            except (KeyError, TypeError, ValueError):
                wording = template
            waived = " (waived: trusted author)" if reason.waived else ""
            yield f"    - [{reason.rule}] {wording} -> {reason.verdict or 'flag'}{waived}"
            for span in reason.spans:
                yield f"      at {span.start}-{span.end}: {span.text!r}"


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
