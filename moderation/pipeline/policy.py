"""The decision policy: the only place where evidence becomes a verdict.

Order of precedence, strongest first (the first step that applies gives the verdict):

1. **Hard blocks**: block-list entries and blocked link, website or email domains, with
   the verdict the entry names (``spam`` or ``rejected``);
2. **honeypot** filled: ``spam``;
3. **banned words** (word-list entries with the ``reject`` action): ``rejected``;
4. **campaigns** (near-duplicates across articles or authors): ``spam``;
   any other ``spam``/``rejected`` evidence from a rule not listed here comes next;
5. **holds**: premoderation and surge, then floods, then every other hold (held words,
   block-list holds, links, reputation, typing speed, shouting, gibberish, language,
   throwaway email). Holds rank above classifiers: when a person is asked to look,
   scores inform the person rather than overrule them;
6. **classifier scores** against the thresholds in force (``Policy``, with per-label and
   per-article overrides): at or above ``reject_at`` -> ``spam`` for the ``spam`` label,
   ``rejected`` otherwise; at or above ``hold_at`` -> ``held``;
7. otherwise ``approved``.

**Trusted authors** (a ``trusted`` signal: a good track record, or an ``allow`` entry)
have their *soft* holds waived: the codes in ``Policy.trust_waives`` (first-time and links
premoderation, too many links, floods, throwaway email, poor reputation, typing speed,
shouting, gibberish, language). Everything about the comment's content or the site's
state still applies to them: hard blocks, honeypot, word lists (including ``hold``
entries), campaigns, premoderation of every comment, surges and classifier scores.

Every piece of evidence is kept as a reason, whatever the verdict: flag-only evidence
(``verdict`` ``None``), waived holds (``waived`` set), and the classifier scores that
crossed a threshold even when a rule had already decided, so a moderator sees the whole
picture. The thresholds in force are recorded on the decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace

from moderation.pipeline.types import Decision
from moderation.pipeline.types import Reason
from moderation.pipeline.types import Score
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Verdict

POLICY_VERSION = "2026.11-2"

#: Rank of the codes that can settle a comment outright; lower wins.
HARD_RANK: dict[str, int] = {
    "blocked_email": 0,
    "blocked_email_domain": 0,
    "blocked_ip": 0,
    "blocked_network": 0,
    "blocked_link_domain": 0,
    "blocked_website_domain": 0,
    "honeypot_filled": 1,
    "banned_word": 2,
    "campaign": 3,
}
_UNLISTED_HARD_RANK = 4

#: Soft holds that a trusted author skips.
DEFAULT_TRUST_WAIVES: frozenset[str] = frozenset(
    {
        "premoderation_first_time",
        "premoderation_links",
        "too_many_links",
        "flood_author",
        "flood_ip",
        "disposable_email",
        "poor_reputation",
        "typed_too_fast",
        "no_form_token",
        "shouting",
        "gibberish_repeats",
        "gibberish_no_vowels",
        "gibberish_low_entropy",
        "language_not_accepted",
    }
)

_THRESHOLD_KEYS = ("hold_at", "reject_at")


@dataclass(frozen=True, slots=True)
class Policy:
    """Thresholds for classifier scores: approve below ``hold_at``, hold up to ``reject_at``.

    ``label_thresholds`` holds ``(label, hold_at, reject_at)`` overrides for one label
    (kept as a tuple so the policy stays hashable); :meth:`for_article` applies an
    article's overrides.
    """

    hold_at: float = 0.5
    reject_at: float = 0.9
    version: str = POLICY_VERSION
    label_thresholds: tuple[tuple[str, float, float], ...] = ()
    trust_waives: frozenset[str] = DEFAULT_TRUST_WAIVES

    def __post_init__(self) -> None:
        pairs = [(self.hold_at, self.reject_at)] + [(h, r) for _, h, r in self.label_thresholds]
        for hold_at, reject_at in pairs:
            if not 0.0 <= hold_at <= reject_at <= 1.0:
                raise ValueError(
                    f"thresholds must satisfy 0 <= hold_at <= reject_at <= 1, "
                    f"got {hold_at} and {reject_at}"
                )

    def thresholds_for(self, label: str) -> tuple[float, float]:
        """``(hold_at, reject_at)`` for scores of ``label``."""
        for name, hold_at, reject_at in self.label_thresholds:
            if name == label:
                return hold_at, reject_at
        return self.hold_at, self.reject_at

    def thresholds(self) -> dict[str, float]:
        """Every threshold in force, flat and JSON-ready: ``hold_at``, ``toxic.reject_at``..."""
        flat = {"hold_at": self.hold_at, "reject_at": self.reject_at}
        for label, hold_at, reject_at in self.label_thresholds:
            flat[f"{label}.hold_at"] = hold_at
            flat[f"{label}.reject_at"] = reject_at
        return flat

    def for_article(self, overrides: Mapping[str, float]) -> Policy:
        """This policy with an article's overrides applied.

        Keys are ``hold_at`` and ``reject_at`` (every label) or ``<label>.hold_at`` and
        ``<label>.reject_at`` (one label); an unknown key or an inconsistent pair raises
        ``ValueError``.
        """
        hold_at = float(overrides.get("hold_at", self.hold_at))
        reject_at = float(overrides.get("reject_at", self.reject_at))
        labels = {name: (h, r) for name, h, r in self.label_thresholds}
        for key, value in overrides.items():
            if key in _THRESHOLD_KEYS:
                continue
            label, _, which = key.rpartition(".")
            if not label or which not in _THRESHOLD_KEYS:
                raise ValueError(f"unknown threshold override {key!r}")
            current = labels.get(label, (hold_at, reject_at))
            pair = (float(value), current[1]) if which == "hold_at" else (current[0], float(value))
            labels[label] = pair
        table = tuple(sorted((name, h, r) for name, (h, r) in labels.items()))
        return replace(self, hold_at=hold_at, reject_at=reject_at, label_thresholds=table)


def decide(signals: Iterable[Signal], scores: Iterable[Score], policy: Policy) -> Decision:
    """Weigh rule signals and classifier scores into one :class:`Decision`."""
    signals = tuple(signals)
    scores = tuple(scores)
    trusted = any(s.trusted for s in signals)
    waived = [
        trusted and s.verdict is Verdict.HOLD and s.code in policy.trust_waives for s in signals
    ]
    reasons = [
        Reason(s.rule_id, s.code, dict(s.params), s.spans, s.score, s.verdict, skip)
        for s, skip in zip(signals, waived, strict=True)
    ]

    hard = [
        (HARD_RANK.get(s.code, _UNLISTED_HARD_RANK), index, s.verdict)
        for index, s in enumerate(signals)
        if s.verdict in (Verdict.SPAM, Verdict.REJECT)
    ]
    holds = [
        s for s, skip in zip(signals, waived, strict=True) if s.verdict is Verdict.HOLD and not skip
    ]
    verdict: Verdict | None = None
    if hard:
        verdict = min(hard, key=lambda item: (item[0], item[1]))[2]
    elif holds:
        verdict = Verdict.HOLD

    scored: Verdict | None = None
    for score in scores:
        for label, value in score.attributes.items():
            hold_at, reject_at = policy.thresholds_for(label)
            if value >= reject_at:
                reasons.append(_score_reason(score, label, value, "score_above_reject", reject_at))
                if scored in (None, Verdict.HOLD):
                    scored = Verdict.SPAM if label == "spam" else Verdict.REJECT
            elif value >= hold_at:
                reasons.append(_score_reason(score, label, value, "score_above_hold", hold_at))
                scored = scored or Verdict.HOLD
    verdict = verdict or scored or Verdict.APPROVE
    return Decision(
        verdict,
        tuple(reasons),
        scores,
        policy.version,
        thresholds=policy.thresholds(),
        trusted=trusted,
    )


def _score_reason(score: Score, label: str, value: float, code: str, threshold: float) -> Reason:
    verdict = (
        Verdict.HOLD
        if code == "score_above_hold"
        else (Verdict.SPAM if label == "spam" else Verdict.REJECT)
    )
    return Reason(
        f"classifier:{score.model}",
        code,
        {
            "label": label,
            "threshold": str(threshold),
            "value": f"{value:.2f}",
            "model": score.model,
            "version": score.version,
        },
        spans=score.spans,
        score=value,
        verdict=verdict,
    )
