"""Entry points of the core: ``screen`` on the request path, ``moderate`` in the worker."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence

from moderation.pipeline.policy import Policy
from moderation.pipeline.policy import decide
from moderation.pipeline.types import Classifier
from moderation.pipeline.types import Context
from moderation.pipeline.types import Decision
from moderation.pipeline.types import Rule
from moderation.pipeline.types import Score
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
    policy: Policy,
    scores: Iterable[Score] = (),
) -> Decision:
    """Run every rule and let the policy weigh their signals with the classifiers' scores.

    Scoring happens before, on batches of comments (see :func:`score_batch`): the services
    choose the backends, and an outside one may be slow or away.
    """
    signals = _signals(submission, context, rules)
    signals.extend(availability_signals(context))
    return decide(signals, tuple(scores), policy)


def availability_signals(context: Context) -> list[Signal]:
    """Say which backends did not answer; hold when the site requires one of them.

    A missing optional backend is only flagged: the decision goes on with the others.
    """
    found = []
    for name in context.classifiers_unavailable:
        required = name in context.classifiers_required
        found.append(
            Signal(
                f"classifier:{name}",
                Verdict.HOLD if required else None,
                "classifier_required_unavailable" if required else "classifier_unavailable",
                {"backend": name},
            )
        )
    return found


def score_batch(
    classifiers: Iterable[Classifier], batch: Sequence[Submission]
) -> list[tuple[Score, ...]]:
    """Every classifier's scores for every submission of ``batch``, in order.

    A classifier with no opinion on a comment (``None``) adds nothing for it.
    """
    found: list[list[Score]] = [[] for _ in batch]
    for classifier in classifiers:
        answers = classifier.score(batch)
        if len(answers) != len(batch):
            raise ValueError(
                f"classifier {classifier.name} answered {len(answers)} of {len(batch)}"
            )
        for index, answer in enumerate(answers):
            if answer is not None:
                found[index].append(answer)
    return [tuple(scores) for scores in found]


def _signals(submission: Submission, context: Context, rules: Iterable[Rule]) -> list[Signal]:
    found: list[Signal] = []
    for rule in rules:
        evidence = rule.check(submission, context)
        if isinstance(evidence, Signal):
            found.append(evidence)
        elif evidence:
            found.extend(evidence)
    return found
