"""Entry points of the core: ``screen`` on the request path, ``moderate`` in the worker."""

from __future__ import annotations

from collections.abc import Iterable

from moderation.pipeline.policy import Policy
from moderation.pipeline.policy import decide
from moderation.pipeline.types import Classifier
from moderation.pipeline.types import Context
from moderation.pipeline.types import Decision
from moderation.pipeline.types import Rule
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Submission
from moderation.pipeline.types import Verdict


def screen(submission: Submission, context: Context, rules: Iterable[Rule]) -> Decision | None:
    """Run the cheap rules only; return a decision if one of them settles the matter.

    Only a definitive outcome (spam or rejected) stops the comment at intake: anything
    less is left ``pending`` for the worker, which sees the whole picture.
    """
    signals = _signals(submission, context, (r for r in rules if r.cheap))
    decision = decide(signals, (), Policy())
    if decision.verdict in (Verdict.SPAM, Verdict.REJECT):
        return decision
    return None


def moderate(
    submission: Submission,
    context: Context,
    rules: Iterable[Rule],
    classifiers: Iterable[Classifier],
    policy: Policy,
) -> Decision:
    """Run every rule, then every classifier, and let the policy decide."""
    signals = _signals(submission, context, rules)
    scores = tuple(c.score(submission) for c in classifiers)
    return decide(signals, scores, policy)


def _signals(submission: Submission, context: Context, rules: Iterable[Rule]) -> list[Signal]:
    found: list[Signal] = []
    for rule in rules:
        evidence = rule.check(submission, context)
        if isinstance(evidence, Signal):
            found.append(evidence)
        elif evidence:
            found.extend(evidence)
    return found
