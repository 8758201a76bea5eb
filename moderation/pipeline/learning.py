"""Fitting the built-in models from labelled texts (pure: texts and labels in, weights out).

Logistic regression throughout: it trains in seconds on a few thousand comments, its
probabilities are usable as they come, and its weights per hashed bucket are all a model
file needs. The services choose the data (a CSV, the moderators' decisions) and store the
result; the metrics used to compare versions live here too, so every caller measures alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from moderation.pipeline import text_features
from moderation.pipeline.classifiers import Encoder
from moderation.pipeline.classifiers import Head
from moderation.pipeline.classifiers import TextModel

#: Inverse regularization strengths, chosen by cross-validation on the public sets
#: (bench/quality.py): the fast head wants little regularization, the full one more.
FAST_C = 8.0
FULL_C = 4.0
#: Fast-head probabilities inside this band go through the encoder.
DEFAULT_BAND = (0.1, 0.9)
#: The base model's logit is multiplied by this before the residual fit, so that the
#: penalty on its weight stays small and a few decisions cannot wipe out what it knew.
PRIOR_SCALE = 10.0
SEED = 1234


def fit(
    texts: Sequence[str],
    labels: Sequence[int],
    encoder: Encoder | None = None,
    band: tuple[float, float] = DEFAULT_BAND,
) -> TextModel:
    """A fresh model for one language family; with an encoder, the cascade's full head too."""
    _check(labels)
    y = np.asarray(labels, dtype=np.int64)
    hashed = text_features.hashed(texts)
    dense = text_features.dense(texts)
    fast = _fit_head(sparse.hstack([hashed, dense], format="csr"), y, FAST_C, dense.shape[1], 0)
    full = None
    if encoder is not None:
        embedded = np.asarray(encoder.encode(texts), dtype=np.float32)
        features = sparse.hstack([hashed, dense, sparse.csr_matrix(embedded)], format="csr")
        full = _fit_head(features, y, FULL_C, dense.shape[1], embedded.shape[1])
    return TextModel(fast=fast, full=full, band=band if full is not None else (0.0, 1.0))


def adapt(
    base: TextModel,
    texts: Sequence[str],
    labels: Sequence[int],
    encoder: Encoder | None = None,
) -> TextModel:
    """``base`` corrected by a site's own labelled comments (a residual head on top).

    The residual learns from the site's examples only; the base's logit enters as one
    feature, so with few examples the adapted model stays close to the base.
    """
    _check(labels)
    y = np.asarray(labels, dtype=np.int64)
    hashed = text_features.hashed(texts)
    dense = text_features.dense(texts)
    prior, _ = base.logits(texts, encoder, hashed, dense)
    features = sparse.hstack(
        [hashed, dense, sparse.csr_matrix((prior / PRIOR_SCALE).reshape(-1, 1))], format="csr"
    )
    model = _logistic(FAST_C)
    model.fit(features, y)
    weights = model.coef_.ravel()
    n_hashed = text_features.HASHED_SIZE
    head = Head(
        hashed=weights[:n_hashed].astype(np.float32),
        dense=weights[n_hashed : n_hashed + dense.shape[1]].astype(np.float32),
        intercept=float(model.intercept_[0]),
        prior=float(weights[-1]) / PRIOR_SCALE,
    )
    return TextModel(fast=head, base=base)


def _fit_head(
    features: sparse.csr_matrix, y: np.ndarray, c: float, n_dense: int, n_embedding: int
) -> Head:
    model = _logistic(c)
    model.fit(features, y)
    weights = model.coef_.ravel()
    n_hashed = text_features.HASHED_SIZE
    return Head(
        hashed=weights[:n_hashed].astype(np.float32),
        dense=weights[n_hashed : n_hashed + n_dense].astype(np.float32),
        embedding=weights[n_hashed + n_dense : n_hashed + n_dense + n_embedding].astype(np.float32),
        intercept=float(model.intercept_[0]),
    )


def _logistic(c: float) -> LogisticRegression:
    # liblinear's dual solver: with far more hashed buckets than examples it converges in
    # a fraction of a second where the primal one takes many seconds.
    return LogisticRegression(C=c, max_iter=2000, solver="liblinear", dual=True, random_state=SEED)


def _check(labels: Sequence[int]) -> None:
    if len(set(labels)) < 2:
        raise ValueError("training needs examples of both labels")


@dataclass(frozen=True, slots=True)
class Metrics:
    """How well scores separate labels, and what a threshold would do."""

    rows: int
    positives: int
    roc_auc: float | None
    precision: float
    recall: float
    f1: float
    threshold: float
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    auto_share_at_p95: float
    threshold_at_p95: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "positives": self.positives,
            "roc_auc": self.roc_auc,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "threshold": self.threshold,
            "confusion": {
                "true_positives": self.true_positives,
                "false_positives": self.false_positives,
                "false_negatives": self.false_negatives,
                "true_negatives": self.true_negatives,
            },
            "auto_share_at_p95": self.auto_share_at_p95,
            "threshold_at_p95": self.threshold_at_p95,
        }


def measure(
    labels: Sequence[int], scores: Sequence[float] | np.ndarray, threshold: float = 0.5
) -> Metrics:
    """ROC-AUC, precision/recall/F1 at ``threshold``, and the share decidable at p >= 0.95.

    ``auto_share_at_p95`` is the recall at the lowest threshold whose precision is at least
    0.95: the share of positives a site could act on without a person.
    """
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    auc = float(roc_auc_score(y, s)) if len(set(y.tolist())) == 2 else None
    flagged = s >= threshold
    tp = int(np.sum(flagged & (y == 1)))
    fp = int(np.sum(flagged & (y == 0)))
    fn = int(np.sum(~flagged & (y == 1)))
    tn = int(np.sum(~flagged & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    share, at = recall_at_precision(y, s, 0.95)
    return Metrics(
        rows=len(y),
        positives=int(y.sum()),
        roc_auc=auc,
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        threshold=threshold,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        true_negatives=tn,
        auto_share_at_p95=round(share, 4),
        threshold_at_p95=at,
    )


def recall_at_precision(
    y: np.ndarray, scores: np.ndarray, target: float
) -> tuple[float, float | None]:
    """The best recall among thresholds with precision >= ``target``, and that threshold."""
    positives = int(y.sum())
    if not positives:
        return 0.0, None
    order = np.argsort(-scores, kind="stable")
    ranked_scores = scores[order]
    hits = np.cumsum(y[order])
    counts = np.arange(1, len(y) + 1)
    # Only the last row of a run of equal scores is a real cut-off.
    cut = np.r_[ranked_scores[1:] != ranked_scores[:-1], True]
    precision = hits / counts
    good = np.flatnonzero(cut & (precision >= target))
    if not good.size:
        return 0.0, None
    best = good[np.argmax(hits[good])]
    return float(hits[best] / positives), float(ranked_scores[best])
