"""The shadow report: how each backend's scores compare with what moderators decided.

For every comment a moderator has decided (its latest human decision: approved is a
negative; spam a positive for ``spam``; rejected a positive for the other attributes;
held says nothing), and for every backend and attribute that scored it, live or in
shadow: the agreement at the thresholds in force, precision and recall at candidate
thresholds, and the share of comments it would have decided without a person (a score
below ``hold_at`` approves, at or above ``reject_at`` refuses). A newsroom can then switch
backends or move thresholds on evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModerationDecision
from moderation.pipeline import Policy
from moderation.services.scoring import SHADOW_PREFIX

CANDIDATE_THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)


@dataclass(frozen=True, slots=True)
class AtThreshold:
    threshold: float
    precision: float | None
    recall: float | None


@dataclass(frozen=True, slots=True)
class BackendReport:
    """One backend's attribute against the moderators' decisions."""

    backend: str
    version: str
    attribute: str
    shadow: bool
    rows: int
    positives: int
    hold_at: float
    reject_at: float
    #: Share of comments where "would stop it" (score >= hold_at) matches the moderator.
    agreement: float
    #: Share it would have decided alone (below hold_at, or at/above reject_at).
    decided_alone: float
    #: Of those, the share decided the way the moderator did.
    decided_alone_correct: float | None
    curve: tuple[AtThreshold, ...]


def human_labels(session: Session) -> dict[int, tuple[CommentStatus, dict[str, object]]]:
    """Comment id -> (latest moderator decision, the scores the comment had)."""
    latest = (
        sa.select(sa.func.max(ModerationDecision.id))
        .where(ModerationDecision.source == DecisionSource.MODERATOR)
        .group_by(ModerationDecision.comment_id)
    )
    rows = session.execute(
        sa.select(Comment.id, ModerationDecision.to_status, Comment.scores)
        .join(Comment, Comment.id == ModerationDecision.comment_id)
        .where(ModerationDecision.id.in_(latest))
    )
    return {comment_id: (status, scores or {}) for comment_id, status, scores in rows}


def label_for(status: CommentStatus, attribute: str) -> int | None:
    """The moderator's answer for ``attribute`` (``None``: their decision says nothing)."""
    if status is CommentStatus.APPROVED:
        return 0
    if attribute == "spam":
        return 1 if status is CommentStatus.SPAM else None
    return 1 if status is CommentStatus.REJECTED else None


def shadow_report(session: Session, policy: Policy) -> list[BackendReport]:
    """One report per backend, version and attribute seen in the decided comments."""
    samples: dict[tuple[str, str, str, bool], list[tuple[float, int]]] = defaultdict(list)
    for status, scores in human_labels(session).values():
        for key, entry in scores.items():
            if not isinstance(entry, dict):
                continue
            shadow = key.startswith(SHADOW_PREFIX)
            backend = str(entry.get("model") or key.removeprefix(SHADOW_PREFIX))
            version = str(entry.get("version") or "")
            attributes = entry.get("attributes") or {}
            if not isinstance(attributes, dict):
                continue
            for attribute, value in attributes.items():
                label = label_for(status, str(attribute))
                if label is not None and isinstance(value, int | float):
                    samples[(backend, version, str(attribute), shadow)].append(
                        (float(value), label)
                    )
    reports = []
    for (backend, version, attribute, shadow), pairs in sorted(samples.items()):
        hold_at, reject_at = policy.thresholds_for(attribute)
        reports.append(measure(backend, version, attribute, shadow, pairs, hold_at, reject_at))
    return reports


def measure(
    backend: str,
    version: str,
    attribute: str,
    shadow: bool,
    pairs: Sequence[tuple[float, int]],
    hold_at: float,
    reject_at: float,
    candidates: Iterable[float] = CANDIDATE_THRESHOLDS,
) -> BackendReport:
    """The figures of one backend's attribute over ``(score, human label)`` pairs."""
    rows = len(pairs)
    positives = sum(label for _, label in pairs)
    agree = sum(1 for value, label in pairs if (value >= hold_at) == bool(label))
    alone = [(value, label) for value, label in pairs if value < hold_at or value >= reject_at]
    alone_correct = sum(1 for value, label in alone if (value >= reject_at) == bool(label))
    curve = []
    for threshold in candidates:
        flagged = [label for value, label in pairs if value >= threshold]
        hits = sum(flagged)
        curve.append(
            AtThreshold(
                threshold,
                hits / len(flagged) if flagged else None,
                hits / positives if positives else None,
            )
        )
    return BackendReport(
        backend=backend,
        version=version,
        attribute=attribute,
        shadow=shadow,
        rows=rows,
        positives=positives,
        hold_at=hold_at,
        reject_at=reject_at,
        agreement=agree / rows if rows else 0.0,
        decided_alone=len(alone) / rows if rows else 0.0,
        decided_alone_correct=alone_correct / len(alone) if alone else None,
        curve=tuple(curve),
    )
