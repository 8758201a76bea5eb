"""The decision policy: the only place where evidence becomes a verdict.

Order of precedence, strongest first:

1. ``spam`` signals (honeypot, and later block lists and campaigns);
2. ``rejected`` signals (banned words);
3. ``held`` signals (premoderation, too many links, and later floods and doubt);
4. classifier scores against the policy thresholds, when classifiers are configured;
5. otherwise ``approved``.

Every signal that contributed is kept as a reason, whatever the verdict, so a moderator
sees the whole picture ("banned word; 3 links").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from moderation.pipeline.types import Decision
from moderation.pipeline.types import Reason
from moderation.pipeline.types import Score
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Verdict

POLICY_VERSION = "2026.11-1"

_PRECEDENCE = (Verdict.SPAM, Verdict.REJECT, Verdict.HOLD)


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds for classifier scores: approve below ``hold_at``, hold up to ``reject_at``."""

    hold_at: float = 0.5
    reject_at: float = 0.9
    version: str = POLICY_VERSION


def decide(signals: Iterable[Signal], scores: Iterable[Score], policy: Policy) -> Decision:
    """Weigh rule signals and classifier scores into one :class:`Decision`."""
    signals = tuple(signals)
    scores = tuple(scores)
    reasons = [Reason(s.rule_id, s.code, dict(s.params), s.spans, s.score) for s in signals]
    verdict = Verdict.APPROVE
    for candidate in _PRECEDENCE:
        if any(s.verdict is candidate for s in signals):
            verdict = candidate
            break
    if verdict is Verdict.APPROVE:
        for score in scores:
            if score.value >= policy.reject_at:
                verdict = Verdict.SPAM if score.label == "spam" else Verdict.REJECT
                reasons.append(_score_reason(score, "score_above_reject", policy.reject_at))
                break
            if score.value >= policy.hold_at:
                verdict = Verdict.HOLD
                reasons.append(_score_reason(score, "score_above_hold", policy.hold_at))
    return Decision(verdict, tuple(reasons), scores, policy.version)


def _score_reason(score: Score, code: str, threshold: float) -> Reason:
    return Reason(
        f"classifier:{score.model}",
        code,
        {"label": score.label, "threshold": str(threshold)},
        score=score.value,
    )
