"""Measuring a built-in model on a labelled file, writing nothing.

By default the model a fresh install ships is measured, so that figures are comparable
across sites; a stored version can be named instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from moderation.errors import ModelVersionNotFound
from moderation.pipeline import learning
from moderation.pipeline.classifiers import Encoder
from moderation.pipeline.classifiers import ModelBundle
from moderation.services import model_versions
from moderation.services.training import Example
from moderation.services.training import score


def model_to_evaluate(session: Session, kind: str, version: str | None) -> ModelBundle:
    """The shipped model of ``kind``, or the stored version named ``version``."""
    if version is None or version == model_versions.SHIPPED:
        bundle = model_versions.shipped_bundle(kind)
        if bundle is None:
            raise ModelVersionNotFound(f"{kind}: no shipped model in this package")
        return bundle
    row = model_versions.find(session, version)
    if row.kind != kind:
        raise ModelVersionNotFound(f"{version} is a {row.kind} model")
    return model_versions.decode(row.weights)


def evaluate(
    bundle: ModelBundle,
    examples: Sequence[Example],
    encoder: Encoder | None,
    threshold: float,
) -> dict[str, object]:
    """ROC-AUC, precision, recall, F1 and the confusion matrix at ``threshold``, and the
    share decided automatically at precision >= 0.95 (see ``learning.measure``)."""
    scores = score(bundle, examples, encoder)
    metrics = learning.measure([e.label for e in examples], scores, threshold)
    return {"model": bundle.version, **metrics.as_dict()}
