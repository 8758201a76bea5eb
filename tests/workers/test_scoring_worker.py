"""End to end through a real worker: models trained here decide with their scores shown."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.config import Settings
from moderation.db import db
from moderation.services import model_versions
from moderation.services import training
from moderation.services.ports import SystemClock
from tests.backends import Backend
from tests.conftest import make_settings
from tests.conftest import shared_data
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post_receipt
from tests.helpers import read_own
from tests.processes import Process

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(backend: Backend, tmp_path: Path) -> Settings:
    """The built-in models on (the suite's default leaves the rules alone)."""
    return make_settings(backend, tmp_path, builtin_models=True, sentence_encoder=False)


WORD_LIST_CODES = {"banned_word", "held_word", "flagged_word"}


def wait_decided(client: FlaskClient, receipt: dict[str, str], timeout: float = 90) -> str:
    """The comment's status once decided, read as its author does (with the author token)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        own = read_own(client, receipt)
        assert own is not None, "the author can always read their own comment"
        if own["status"] != "pending":
            return str(own["status"])
        time.sleep(0.2)
    raise AssertionError(f"comment {receipt['id']} still pending after {timeout}s")


def train(app: Flask, kind: str, *sets: str) -> str:
    """Train a version of ``kind`` on the shared sets, put it in force; its version name."""
    examples = [e for name in sets for e in training.read_examples(shared_data(name, "train.csv"))]
    with app.app_context():
        now = SystemClock().now()
        result = training.train_from_csv(db.session, now, kind, examples, encoder=None)
        assert result.row is not None
        # Whatever the gate against the shipped model said: this test is about this model.
        model_versions.activate(db.session, kind, result.row.id, now)
        db.session.commit()
        return result.row.version


def test_trained_models_mark_spam_and_hold_an_unlisted_insult(
    app: Flask, client: FlaskClient, worker: Process
) -> None:
    spam_version = train(app, "spam", "sms-spam", "youtube-spam")
    toxicity_version = train(app, "toxicity", "toxifrench-fr")
    add_article(app)
    spam_receipt = post_receipt(
        client,
        email="promo@example.org",
        body="Check out my channel and subscribe for a free iPhone giveaway "
        "http://free-phones.example/win",
    )
    insult_receipt = post_receipt(
        client,
        email="rageux@example.org",
        body="Espèce de tocard, ferme-la et va te cacher, pauvre minable",
    )
    assert wait_decided(client, spam_receipt) == "spam"
    assert wait_decided(client, insult_receipt) == "held"
    spam, insult = spam_receipt["id"], insult_receipt["id"]
    headers = {"Authorization": f"Bearer {moderator_token(app)}", "Accept-Language": "fr"}

    spam_detail = client.get(f"/api/v1/moderation/comments/{spam}", headers=headers).get_json()
    [reason] = [r for r in spam_detail["reasons"] if r["code"] == "score_above_reject"]
    assert reason["params"]["label"] == "spam"
    assert reason["params"]["model"] == "builtin-spam"
    assert reason["params"]["version"] == spam_version
    assert float(reason["params"]["value"]) >= 0.9
    assert spam_detail["scores"]["builtin-spam"]["version"] == spam_version
    assert f"(modèle {spam_version})" in spam_detail["summary"]

    held = client.get(f"/api/v1/moderation/comments/{insult}", headers=headers).get_json()
    codes = {r["code"] for r in held["reasons"]}
    assert not codes & WORD_LIST_CODES
    [reason] = [r for r in held["reasons"] if r["code"] == "score_above_hold"]
    assert reason["params"]["label"] == "toxicity"
    assert reason["params"]["version"] == toxicity_version
    assert f"toxicité {reason['params']['value'].replace('.', ',')}" in held["summary"]
