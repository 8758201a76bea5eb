"""Training the built-in models: from a labelled CSV, from moderators' decisions, and the
shipped cold-start models from the public data sets.

Every new version is measured on examples it did not learn from and stored with those
figures; it goes live only if it is not worse than the version in force on the same slice
(the not-worse gate). The services flush and never commit.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModelVersion
from moderation.models import ModerationDecision
from moderation.pipeline import learning
from moderation.pipeline import text_features
from moderation.pipeline.classifiers import ANY_LANGUAGE_KEY
from moderation.pipeline.classifiers import Encoder
from moderation.pipeline.classifiers import ModelBundle
from moderation.pipeline.classifiers import TextModel
from moderation.services import model_versions

#: Called after each unit of work with (done, total), for a progress bar.
Progress = Callable[[int, int], None]
HELD_OUT_SHARE = 0.2
SEED = 77
#: Fewer labelled decisions than this (or a held-out slice without both labels) and a
#: retrain waits for more: a gate measured on a handful of comments would be noise.
MIN_DECISIONS = 20

#: What a moderator's decision says about each kind: status -> label (absent: no example).
DECISION_LABELS = {
    "spam": {CommentStatus.SPAM: 1, CommentStatus.APPROVED: 0},
    "toxicity": {CommentStatus.REJECTED: 1, CommentStatus.APPROVED: 0},
}

#: The public sets each shipped model learns from (see docs/models.md for the licences).
#: Sets are not pooled across label definitions: each language family has its own source.
SHIPPED_SOURCES: dict[str, dict[str, tuple[str, ...]]] = {
    "spam": {"any": ("youtube-spam", "sms-spam")},
    "toxicity": {"fr": ("toxifrench-fr",), "en": ("jigsaw-toxic-en",)},
}
#: Comments of other public sets that carry a link, learned as not spam: none of them sells
#: anything, whatever their own labels say. The spam sets' clean rows almost never hold a
#: link, so without these the spam model learned that a link is spam, and marked most
#: readers' comments citing a source as spam (see docs/quality.md).
SHIPPED_LINKED_HAM: dict[str, dict[str, tuple[str, ...]]] = {
    "spam": {"any": ("jigsaw-toxic-en",)},
}
SHIPPED_LANGUAGES = {
    "spam": {ANY_LANGUAGE_KEY: "any"},
    "toxicity": {"fr": "fr", "en": "en", ANY_LANGUAGE_KEY: "en"},
}


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled comment (``label`` 1: spam or toxic)."""

    text: str
    label: int
    language: str | None = None


@dataclass(frozen=True, slots=True)
class TrainingResult:
    """What a training run made and measured; ``row`` is ``None`` when nothing was stored."""

    kind: str
    row: ModelVersion | None
    activated: bool
    new: learning.Metrics | None
    current: learning.Metrics | None
    counts: dict[str, int]
    reason: str = ""


def read_examples(path: Path) -> list[Example]:
    """The rows of a ``text,label[,lang]`` CSV; a malformed file is refused line by line."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "label"} <= set(reader.fieldnames):
            raise ValidationFailed([FieldError("file", "csv_columns")])
        found: list[Example] = []
        errors: list[FieldError] = []
        for number, row in enumerate(reader, start=2):
            label = (row.get("label") or "").strip()
            if label not in ("0", "1"):
                errors.append(FieldError(f"line {number}", "csv_label"))
                continue
            language = (row.get("lang") or "").strip().lower() or None
            found.append(Example(row.get("text") or "", int(label), language))
    if errors:
        raise ValidationFailed(errors[:20])
    return found


def split(examples: Sequence[Example], share: float = HELD_OUT_SHARE) -> tuple[list[Example], ...]:
    """A seeded stratified split: (train, held out), the same for the same examples."""
    rng = random.Random(SEED)  # noqa: S311 - a reproducible split, not a secret
    train: list[Example] = []
    held: list[Example] = []
    for label in (0, 1):
        group = [e for e in examples if e.label == label]
        rng.shuffle(group)
        cut = round(len(group) * share)
        held.extend(group[:cut])
        train.extend(group[cut:])
    return train, held


def fit_bundle(
    kind: str,
    version: str,
    examples: Sequence[Example],
    languages: dict[str, str],
    encoder: Encoder | None,
    progress: Progress | None = None,
) -> ModelBundle:
    """A fresh bundle: one model per family of ``languages``, each on its own examples."""
    families = sorted(set(languages.values()))
    models: dict[str, TextModel] = {}
    for done, family in enumerate(families, start=1):
        mine = [e for e in examples if _family(e.language, languages) == family]
        if len({e.label for e in mine}) == 2:
            models[family] = learning.fit([e.text for e in mine], [e.label for e in mine], encoder)
        if progress:
            progress(done, len(families))
    if not models:
        raise ValidationFailed([FieldError("file", "csv_one_label")])
    return ModelBundle(kind, version, models, languages)


def score(bundle: ModelBundle, examples: Sequence[Example], encoder: Encoder | None) -> np.ndarray:
    """The bundle's probability for each example."""
    return bundle.probabilities([e.text for e in examples], [e.language for e in examples], encoder)


def train_from_csv(
    session: Session,
    now: dt.datetime,
    kind: str,
    examples: Sequence[Example],
    encoder: Encoder | None,
    progress: Progress | None = None,
) -> TrainingResult:
    """A new version from an operator's labelled rows, gated on a held-out fifth of them."""
    train, held = split(examples)
    current = model_versions.bundle_in_force(session, kind)
    languages = dict(current.languages) if current else dict(SHIPPED_LANGUAGES[kind])
    for example in train:
        if example.language and example.language not in languages:
            languages[example.language] = languages.get(ANY_LANGUAGE_KEY, example.language)
    version = _version_name(session, kind, "csv", now)
    bundle = fit_bundle(kind, version, train, languages, encoder, progress)
    counts = {"examples": len(train), "positives": sum(e.label for e in train)}
    return _gate_and_store(
        session, now, kind, bundle, current, held, encoder, "csv", counts, parent=None
    )


def decision_examples(session: Session, kind: str) -> list[Example]:
    """The latest moderator decision on each comment, as an example for ``kind``.

    Deleted comments are left out: their text is no longer the site's to learn from.
    """
    labels = DECISION_LABELS[kind]
    latest = (
        sa.select(sa.func.max(ModerationDecision.id))
        .where(ModerationDecision.source == DecisionSource.MODERATOR)
        .group_by(ModerationDecision.comment_id)
    )
    rows = session.execute(
        sa.select(ModerationDecision.to_status, Comment.body_text, Comment.language)
        .join(Comment, Comment.id == ModerationDecision.comment_id)
        .where(ModerationDecision.id.in_(latest), Comment.status != CommentStatus.DELETED)
        .order_by(ModerationDecision.id)
    )
    return [
        Example(text, labels[status], language)
        for status, text, language in rows
        if status in labels and text
    ]


def retrain_from_decisions(
    session: Session, now: dt.datetime, kind: str, encoder: Encoder | None
) -> TrainingResult:
    """Adapt the version in force to the moderators' decisions; activate it if not worse.

    The adapted model keeps what the base knew (shipped or earlier) and learns the site's
    corrections; both are measured on the same held-out slice of the site's decisions.
    """
    examples = decision_examples(session, kind)
    train, held = split(examples)
    counts = {"examples": len(train), "positives": sum(e.label for e in train)}
    if (
        len(examples) < MIN_DECISIONS
        or len({e.label for e in held}) < 2
        or (len({e.label for e in train}) < 2)
    ):
        return TrainingResult(kind, None, False, None, None, counts, "not_enough_decisions")
    current = model_versions.bundle_in_force(session, kind)
    if current is None:
        return TrainingResult(kind, None, False, None, None, counts, "no_base_model")
    models: dict[str, TextModel] = {}
    for family, model in current.families.items():
        mine = [e for e in train if current.family_of(e.language) == family]
        # Every decision so far is in ``mine``: an adapted model is adapted again from its
        # own base, so residual heads never pile up retrain after retrain.
        base = model.base if model.base is not None else model
        if len({e.label for e in mine}) == 2:
            models[family] = learning.adapt(
                base, [e.text for e in mine], [e.label for e in mine], encoder
            )
        else:
            models[family] = model
    version = _version_name(session, kind, "site", now)
    bundle = ModelBundle(kind, version, models, current.languages)
    parent = model_versions.active_rows(session).get(kind)
    return _gate_and_store(
        session, now, kind, bundle, current, held, encoder, "moderators", counts, parent
    )


def _gate_and_store(
    session: Session,
    now: dt.datetime,
    kind: str,
    bundle: ModelBundle,
    current: ModelBundle | None,
    held: Sequence[Example],
    encoder: Encoder | None,
    source: str,
    counts: dict[str, int],
    parent: int | None,
) -> TrainingResult:
    labels = [e.label for e in held]
    new = learning.measure(labels, score(bundle, held, encoder)) if held else None
    old = learning.measure(labels, score(current, held, encoder)) if held and current else None
    activated = not_worse(new, old)
    row = ModelVersion(
        kind=kind,
        version=bundle.version,
        source=source,
        parent_id=parent,
        is_active=False,
        training={**counts, "held_out": len(held)},
        validation={
            "new": new.as_dict() if new else None,
            "in_force": old.as_dict() if old else None,
            "in_force_version": current.version if current else None,
        },
        weights=model_versions.encode(bundle),
        created_at=now,
    )
    session.add(row)
    session.flush()
    if activated:
        model_versions.activate(session, kind, row.id, now)
    reason = "activated" if activated else "worse_than_in_force"
    return TrainingResult(kind, row, activated, new, old, counts, reason)


def not_worse(new: learning.Metrics | None, current: learning.Metrics | None) -> bool:
    """The gate: a version goes live only if its held-out ROC-AUC is at least the current's."""
    if new is None or new.roc_auc is None:
        return False
    if current is None or current.roc_auc is None:
        return True
    return new.roc_auc >= current.roc_auc


def build_shipped(
    data_dir: Path, encoder: Encoder | None, version: str, progress: Progress | None = None
) -> dict[str, ModelBundle]:
    """The cold-start models from the public sets under ``data_dir`` (see docs/models.md)."""
    bundles: dict[str, ModelBundle] = {}
    for kind, families in SHIPPED_SOURCES.items():
        examples = shipped_examples(data_dir, kind) + linked_ham(data_dir, kind)
        languages = {family: family for family in families} | SHIPPED_LANGUAGES[kind]
        bundles[kind] = fit_bundle(
            kind,
            f"{kind}-{version}",
            examples,
            languages,
            encoder,
            progress,
        )
    return bundles


def shipped_examples(data_dir: Path, kind: str) -> list[Example]:
    """The rows of the sets :data:`SHIPPED_SOURCES` names for ``kind``, with their family."""
    return [
        Example(e.text, e.label, family)
        for family, names in SHIPPED_SOURCES[kind].items()
        for name in names
        for e in read_examples(data_dir / name / "train.csv")
    ]


def linked_ham(data_dir: Path, kind: str) -> list[Example]:
    """The linked comments :data:`SHIPPED_LINKED_HAM` names for ``kind``, labelled 0."""
    return [
        Example(e.text, 0, family)
        for family, names in SHIPPED_LINKED_HAM.get(kind, {}).items()
        for name in names
        for e in read_examples(data_dir / name / "train.csv")
        if text_features.has_link(e.text)
    ]


def _family(language: str | None, languages: dict[str, str]) -> str | None:
    return languages.get(language or "") or languages.get(ANY_LANGUAGE_KEY)


def _version_name(session: Session, kind: str, source: str, now: dt.datetime) -> str:
    """``spam-site-2026-12-02-3``: readable, dated, and unique with its sequence number."""
    stem = f"{kind}-{source}-{now:%Y-%m-%d}"
    taken = session.scalar(sa.select(sa.func.count()).where(ModelVersion.version.like(f"{stem}-%")))
    return f"{stem}-{int(taken or 0) + 1}"


def labelled(examples: Iterable[Example]) -> tuple[int, int]:
    """(rows, positives) of ``examples``."""
    rows = list(examples)
    return len(rows), sum(e.label for e in rows)
