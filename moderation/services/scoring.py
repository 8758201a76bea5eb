"""Scoring a batch of comments with the configured backends, in order, come what may.

``MODERATION_CLASSIFIERS`` names the backends that decide, in order (``builtin`` are the
offline models; ``akismet``, ``openai``, ``perspective`` outside services), and
``MODERATION_SHADOW_CLASSIFIERS`` those that score every comment but decide nothing. A
backend that cannot answer (unreachable, circuit open, malformed answer) is left out of
the decision and named in it; the availability rule then holds the comment when the
backend is in ``MODERATION_REQUIRED_CLASSIFIERS``, and only flags it otherwise.

A failing batch is retried comment by comment (the adapters cache what did answer), so
that one bad comment or one hiccup does not deprive its batch-mates of a score.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy.orm import Session

from moderation import pipeline
from moderation.errors import PermanentError
from moderation.errors import TransientError
from moderation.models import Article
from moderation.models import Comment
from moderation.pipeline import Score
from moderation.pipeline import Submission
from moderation.pipeline.classifiers import BuiltinClassifier
from moderation.services import model_versions
from moderation.services import surroundings
from moderation.services.ports import Deps

logger = logging.getLogger(__name__)

#: Prefix of the keys of shadow scores in the stored ``scores`` mapping.
SHADOW_PREFIX = "shadow:"


@dataclass(frozen=True, slots=True)
class Backend:
    """One classifier as configured: its name, and whether it is in shadow."""

    name: str
    classifier: pipeline.Classifier
    shadow: bool = False


@dataclass(slots=True)
class Scored:
    """What the backends said about one comment."""

    live: list[Score] = field(default_factory=list)
    shadow: list[Score] = field(default_factory=list)
    #: Backends that could not answer for this comment (not those with no opinion).
    unavailable: list[str] = field(default_factory=list)

    def stored_shadow(self) -> dict[str, object]:
        """The shadow scores as stored beside the live ones (``shadow:<model>`` keys)."""
        return {f"{SHADOW_PREFIX}{s.model}": {**s.as_dict(), "shadow": True} for s in self.shadow}


def backends(session: Session, deps: Deps) -> list[Backend]:
    """The backends the settings name, in their order, with the current built-in models."""
    settings = deps.settings
    available: dict[str, list[pipeline.Classifier]] = {
        "builtin": builtin_classifiers(session, deps)
    }
    for classifier in deps.classifiers:
        available.setdefault(classifier.name, []).append(classifier)
    for name in settings.shadow_classifiers:
        if name.startswith("builtin@"):
            available[name] = builtin_version(session, deps, name.partition("@")[2])
    return arrange(available, settings.classifiers, settings.shadow_classifiers)


def builtin_classifiers(session: Session, deps: Deps) -> list[pipeline.Classifier]:
    """The built-in models in force (spam, toxicity), those switched on."""
    found = model_versions.current_classifiers(session, deps.settings, deps.encoder)
    return [classifier for classifier in found if classifier is not None]


def builtin_version(session: Session, deps: Deps, name: str) -> list[pipeline.Classifier]:
    """One stored built-in model version (by name or id), to run it in shadow."""
    row = model_versions.find(session, name)
    bundle = model_versions.bundle_for(session, row.kind, row.id)
    return [] if bundle is None else [BuiltinClassifier(bundle, deps.encoder)]


def score_comments(
    session: Session, deps: Deps, comments: Sequence[tuple[Comment, Article]]
) -> list[Scored]:
    """Score stored comments (with their articles) in one batch per backend."""
    batch = [surroundings.submission_of(comment, article) for comment, article in comments]
    return score_batch(backends(session, deps), batch)


def replay_scores(session: Session, deps: Deps, comment: Comment, article: Article) -> Scored:
    """Scores for a dry run: offline models afresh, outside backends as they answered then.

    A replay must not call outside services (they count, bill and learn from each call).
    """
    offline = [b for b in backends(session, deps) if b.name.partition("@")[0] == "builtin"]
    [scored] = score_batch(offline, [surroundings.submission_of(comment, article)])
    outside = {c.name for c in deps.classifiers} - set(deps.settings.shadow_classifiers)
    for name in deps.settings.classifiers:
        entry = (comment.scores or {}).get(name)
        if name in outside and isinstance(entry, dict):
            scored.live.append(stored_score(entry))
    return scored


def stored_score(entry: dict[str, Any]) -> Score:
    """A score back from its stored form (``Score.as_dict``)."""
    return Score(
        str(entry.get("model", "")),
        str(entry.get("version", "")),
        {str(k): float(v) for k, v in (entry.get("attributes") or {}).items()},
        tuple(pipeline.Span(int(a), int(b)) for a, b in entry.get("spans") or ()),
        entry.get("latency_ms"),
    )


def missing_required(scored: Scored, required: Sequence[str]) -> list[str]:
    """The required backends that could not answer for this comment."""
    return [name for name in scored.unavailable if name in required]


def arrange(
    available: Mapping[str, Sequence[pipeline.Classifier]],
    order: Sequence[str],
    shadow: Sequence[str],
) -> list[Backend]:
    """The backends in the configured order, live ones first, then the shadow ones.

    ``available`` maps a configured name to its classifiers (``builtin`` may have two: spam
    and toxicity). A name in both lists runs in shadow only: shadow is the safe reading.
    """
    found: list[Backend] = []
    for name in order:
        if name in shadow:
            continue
        found.extend(Backend(name, c) for c in available.get(name, ()))
    for name in shadow:
        found.extend(Backend(name, c, shadow=True) for c in available.get(name, ()))
    return found


def score_batch(backends: Sequence[Backend], batch: Sequence[Submission]) -> list[Scored]:
    """Every backend's answers for every comment of ``batch``; failures are noted, not raised."""
    results = [Scored() for _ in batch]
    for backend in backends:
        answers = _answers(backend, batch)
        for result, answer in zip(results, answers, strict=True):
            if answer is _FAILED:
                if backend.name not in result.unavailable and not backend.shadow:
                    result.unavailable.append(backend.name)
            elif isinstance(answer, Score):
                (result.shadow if backend.shadow else result.live).append(answer)
    return results


class _Failed:
    """Marks a comment the backend could not score."""


_FAILED = _Failed()


def _answers(backend: Backend, batch: Sequence[Submission]) -> list[Score | None | _Failed]:
    try:
        return list(_checked(backend, batch))
    except (TransientError, PermanentError) as error:
        if len(batch) == 1:
            logger.warning("backend=%s unavailable: %s", backend.name, error)
            return [_FAILED]
    # One comment at a time: what answered before the failure comes from the cache.
    answers: list[Score | None | _Failed] = []
    for submission in batch:
        try:
            [answer] = _checked(backend, [submission])
        except (TransientError, PermanentError) as error:
            logger.warning("backend=%s unavailable for one comment: %s", backend.name, error)
            answers.append(_FAILED)
        else:
            answers.append(answer)
    return answers


def _checked(backend: Backend, batch: Sequence[Submission]) -> Sequence[Score | None]:
    answers = backend.classifier.score(batch)
    if len(answers) != len(batch):
        raise PermanentError(
            f"classifier {backend.name} answered {len(answers)} of {len(batch)} comments"
        )
    return answers
