"""The built-in models: prediction only (training is in ``learning``).

A :class:`TextModel` scores one language family with two logistic heads: a *fast* one over
hashed n-grams and counts, and, when a sentence encoder is at hand, a *full* one that adds
the sentence embedding. The encoder is the slow part, so it runs only on the comments the
fast head is unsure of (a cascade: ``band``). A model adapted to a site's own decisions adds
a residual head on top of the model it started from (``base``).

A :class:`ModelBundle` is one version of one task (spam or toxicity): a model per language
family. :class:`BuiltinClassifier` is the :class:`~moderation.pipeline.types.Classifier`
the worker calls.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol

import numpy as np
from scipy import sparse

from moderation.pipeline import text_features
from moderation.pipeline.types import Score
from moderation.pipeline.types import Span
from moderation.pipeline.types import Submission

#: The ``languages`` key of the family a comment of unknown or unlisted language goes to.
ANY_LANGUAGE_KEY = "*"
#: Words whose weight is below this are not pointed out as spans.
SPAN_WEIGHT = 0.5
MAX_SPANS = 3


class Encoder(Protocol):
    """A sentence encoder: one fixed-size vector per text (an adapter in integrations)."""

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Head:
    """One logistic layer: weights for the hashed n-grams, the counts and the embedding.

    ``embedding`` is empty for a head that does not use the encoder; ``prior`` weighs the
    base model's logit in an adapted model.
    """

    hashed: np.ndarray
    dense: np.ndarray
    intercept: float
    embedding: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    prior: float = 0.0

    def logits(
        self,
        hashed: sparse.csr_matrix,
        dense: np.ndarray,
        embedded: np.ndarray | None = None,
        prior: np.ndarray | None = None,
    ) -> np.ndarray:
        out = np.asarray(hashed @ self.hashed, dtype=np.float64).ravel()
        out += dense @ self.dense + self.intercept
        if self.embedding.size:
            if embedded is None:
                raise ValueError("this head needs sentence embeddings")
            out += embedded @ self.embedding
        if prior is not None and self.prior:
            out += self.prior * prior
        return out


@dataclass(frozen=True)
class TextModel:
    """One task in one language family (see the module docstring)."""

    fast: Head
    full: Head | None = None
    band: tuple[float, float] = (0.0, 1.0)
    base: TextModel | None = None

    @property
    def uses_encoder(self) -> bool:
        return self.full is not None or (self.base is not None and self.base.uses_encoder)

    def logits(
        self,
        texts: Sequence[str],
        encoder: Encoder | None,
        hashed: sparse.csr_matrix | None = None,
        dense: np.ndarray | None = None,
    ) -> tuple[np.ndarray, int]:
        """Logits for ``texts`` and how many of them went through the encoder."""
        if hashed is None:
            hashed = text_features.hashed(texts)
        if dense is None:
            dense = text_features.dense(texts)
        encoded = 0
        prior = None
        if self.base is not None:
            prior, encoded = self.base.logits(texts, encoder, hashed, dense)
        out = self.fast.logits(hashed, dense, prior=prior)
        if self.full is not None and encoder is not None:
            probability = _sigmoid(out)
            unsure = np.flatnonzero((probability > self.band[0]) & (probability < self.band[1]))
            if unsure.size:
                embedded = encoder.encode([texts[int(i)] for i in unsure])
                out[unsure] = self.full.logits(
                    hashed[unsure], dense[unsure], embedded=embedded, prior=None
                )
                encoded += int(unsure.size)
        return out, encoded

    def probabilities(
        self,
        texts: Sequence[str],
        encoder: Encoder | None,
        features: text_features.FeatureMemo | None = None,
    ) -> np.ndarray:
        hashed, dense = features.features(texts) if features is not None else (None, None)
        logits, _ = self.logits(texts, encoder, hashed, dense)
        return _sigmoid(logits)

    def word_weight(self, token: str) -> float:
        """How much one word argues for the label in the fast head (for spans)."""
        weight = float(self.fast.hashed[text_features.word_bucket(token)])
        if self.base is not None:
            weight += self.fast.prior * self.base.word_weight(token)
        return weight


@dataclass(frozen=True)
class ModelBundle:
    """One version of one task: ``kind`` is ``spam`` or ``toxicity``."""

    kind: str
    version: str
    families: Mapping[str, TextModel]
    #: Language code -> family; a language not listed goes to the ``*`` entry's family.
    languages: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, object] = field(default_factory=dict)

    def family_of(self, language: str | None) -> str:
        """The family scoring ``language``: its own, else the ``*`` entry, else the first."""
        family = self.languages.get(language or "") or self.languages.get(ANY_LANGUAGE_KEY)
        if family is None or family not in self.families:
            family = next(iter(self.families))
        return family

    @property
    def uses_encoder(self) -> bool:
        return any(m.uses_encoder for m in self.families.values())

    def probabilities(
        self,
        texts: Sequence[str],
        languages: Sequence[str | None],
        encoder: Encoder | None,
        features: text_features.FeatureMemo | None = None,
    ) -> np.ndarray:
        """The probability of the label for each text, each by its family's model.

        ``features``: the batch's memo of text features, shared with the other models.
        """
        out = np.zeros(len(texts), dtype=np.float64)
        groups: dict[str, list[int]] = {}
        for index, language in enumerate(languages):
            groups.setdefault(self.family_of(language), []).append(index)
        for family, indexes in groups.items():
            model = self.families[family]
            out[indexes] = model.probabilities([texts[i] for i in indexes], encoder, features)
        return out


class BuiltinClassifier:
    """Scores a batch with one :class:`ModelBundle`, its encoder shared across families."""

    def __init__(
        self,
        bundle: ModelBundle,
        encoder: Encoder | None = None,
        timer: Callable[[], float] | None = None,
        features: text_features.FeatureMemo | None = None,
    ) -> None:
        self.bundle = bundle
        self.encoder = encoder if bundle.uses_encoder else None
        # Shared by the classifiers of one batch: each comment's n-grams are hashed once.
        self.features = features
        # The core reads no clock: the services hand in one (seconds) to measure latency.
        self._timer = timer

    @property
    def name(self) -> str:
        return f"builtin-{self.bundle.kind}"

    def score(self, batch: Sequence[Submission]) -> Sequence[Score | None]:
        if not batch:
            return []
        started = self._timer() if self._timer else None
        texts = [s.text for s in batch]
        # An empty comment gives the model nothing to go on: no opinion, not a guess.
        known = [i for i, t in enumerate(texts) if t.strip()]
        probabilities = self.bundle.probabilities(
            [texts[i] for i in known],
            [batch[i].language for i in known],
            self.encoder,
            self.features,
        )
        share = None
        if self._timer is not None and started is not None:
            share = round((self._timer() - started) * 1000 / len(batch), 3)
        answers: list[Score | None] = [None] * len(batch)
        for position, index in enumerate(known):
            family = self.bundle.families[self.bundle.family_of(batch[index].language)]
            answers[index] = Score(
                model=self.name,
                version=self.bundle.version,
                attributes={self.bundle.kind: round(float(probabilities[position]), 4)},
                spans=heaviest_words(texts[index], family),
                latency_ms=share,
            )
        return answers


def heaviest_words(text: str, model: TextModel) -> tuple[Span, ...]:
    """The few words of ``text`` that argue most for the label, as spans, in text order."""
    weighed: list[tuple[float, Span]] = []
    weights: dict[str, float] = {}  # a comment repeats its words: each is hashed once
    for match in text_features.WORD.finditer(text):
        word = match.group()
        weight = weights.get(word)
        if weight is None:
            weight = weights[word] = model.word_weight(text_features.normalize_word(word))
        if weight >= SPAN_WEIGHT:
            weighed.append((weight, Span(match.start(), match.end())))
    weighed.sort(key=lambda item: -item[0])
    return tuple(sorted((span for _, span in weighed[:MAX_SPANS]), key=lambda s: s.start))


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(values, -30, 30))))


# Serialization: plain arrays (and one JSON header), so a version fits in an ``.npz`` file
# or a database column; the services turn them into bytes.


def bundle_to_arrays(bundle: ModelBundle) -> dict[str, np.ndarray]:
    """The bundle as named arrays; ``header`` holds the JSON description."""
    arrays: dict[str, np.ndarray] = {}
    families = {}
    for name, model in bundle.families.items():
        families[name] = _model_to_arrays(model, f"{name}.", arrays)
    header = {
        "kind": bundle.kind,
        "version": bundle.version,
        "languages": dict(bundle.languages),
        "families": families,
        "metadata": dict(bundle.metadata),
    }
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    return arrays


def header_from_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """The JSON description of a bundle (kind, version, languages...), without its weights."""
    raw = bytes(np.asarray(arrays["header"], dtype=np.uint8))
    header: dict[str, Any] = json.loads(raw.decode())
    return header


def bundle_from_arrays(arrays: Mapping[str, np.ndarray]) -> ModelBundle:
    """The inverse of :func:`bundle_to_arrays`."""
    header = header_from_arrays(arrays)
    families = {name: _model_from_arrays(spec, arrays) for name, spec in header["families"].items()}
    return ModelBundle(
        kind=header["kind"],
        version=header["version"],
        families=families,
        languages=header["languages"],
        metadata=header["metadata"],
    )


def _model_to_arrays(model: TextModel, prefix: str, arrays: dict[str, np.ndarray]) -> object:
    spec: dict[str, object] = {"band": list(model.band)}
    for part in ("fast", "full"):
        head = getattr(model, part)
        if head is None:
            continue
        # Half precision halves the files; the weights' rounding moves scores by < 1e-3.
        arrays[f"{prefix}{part}.hashed"] = head.hashed.astype(np.float16)
        arrays[f"{prefix}{part}.dense"] = head.dense.astype(np.float32)
        arrays[f"{prefix}{part}.embedding"] = head.embedding.astype(np.float32)
        spec[part] = {"intercept": head.intercept, "prior": head.prior}
    if model.base is not None:
        spec["base"] = _model_to_arrays(model.base, f"{prefix}base.", arrays)
    spec["prefix"] = prefix
    return spec


def _model_from_arrays(spec: Mapping[str, object], arrays: Mapping[str, np.ndarray]) -> TextModel:
    prefix = str(spec["prefix"])
    heads: dict[str, Head] = {}
    for part in ("fast", "full"):
        head_spec = spec.get(part)
        if not isinstance(head_spec, Mapping):
            continue
        heads[part] = Head(
            hashed=np.asarray(arrays[f"{prefix}{part}.hashed"], dtype=np.float32),
            dense=np.asarray(arrays[f"{prefix}{part}.dense"], dtype=np.float32),
            embedding=np.asarray(arrays[f"{prefix}{part}.embedding"], dtype=np.float32),
            intercept=float(head_spec["intercept"]),
            prior=float(head_spec["prior"]),
        )
    base = spec.get("base")
    band = spec["band"]
    assert isinstance(band, list)
    return TextModel(
        fast=heads["fast"],
        full=heads.get("full"),
        band=(float(band[0]), float(band[1])),
        base=_model_from_arrays(base, arrays) if isinstance(base, Mapping) else None,
    )


def logit(probability: float) -> float:
    """The log-odds of ``probability`` (clipped away from 0 and 1)."""
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
