"""The retraining task: adapt the built-in models to the moderators' decisions.

Runs on its own ``training`` queue (beat publishes it periodically; ``moderation model
retrain`` does the same by hand), so a retrain of a few seconds never delays the checks.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import current_app
from sqlalchemy.exc import OperationalError

from moderation import tasks
from moderation.db import db
from moderation.services import model_versions
from moderation.services import training
from moderation.services import wiring


def retrain_models(kind: str | None = None) -> dict[str, str]:
    """Retrain ``kind`` (or every kind); returns what happened to each, by code."""
    deps = current_app.extensions["moderation.deps"]
    encoder = wiring.sentence_encoder(deps.settings)
    outcome: dict[str, str] = {}
    for each in (kind,) if kind else model_versions.KINDS:
        if each not in model_versions.KINDS:
            raise ValueError(f"unknown model kind {each!r}")
        result = training.retrain_from_decisions(db.session(), deps.clock.now(), each, encoder)
        outcome[each] = result.reason
    return outcome


def register(app: Celery[Any]) -> None:
    app.task(
        name=tasks.TASK_RETRAIN_MODELS,
        acks_late=True,
        # Adapting two models to tens of thousands of decisions takes minutes, not hours.
        soft_time_limit=1800,
        time_limit=1900,
        autoretry_for=(OperationalError,),
        retry_backoff=True,
        retry_jitter=True,
        max_retries=3,
    )(retrain_models)
