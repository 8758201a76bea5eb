"""Model versions: the shipped models in force, training from moderators and from a CSV,
the not-worse gate, activation and rollback, and the CLI around them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.cli_models import evaluate_command
from moderation.cli_models import model_group
from moderation.cli_models import train_command
from moderation.config import Settings
from moderation.db import db
from moderation.errors import ModelVersionNotFound
from moderation.models import AuditEntry
from moderation.models import ModelVersion
from moderation.services import comments
from moderation.services import decisions
from moderation.services import model_versions
from moderation.services import training
from moderation.validation import CommentDraft
from tests.helpers import add_article
from tests.pipeline.factories import sub

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
SPAM = "Gagnez de l'argent facile depuis chez vous, offre exclusive {i}"
HAM = "Merci pour cet article sur le budget de la commune, point {i}"


@pytest.fixture(autouse=True)
def _fresh_models() -> None:
    # Each test has its own database, where version ids and names start over.
    model_versions.forget_loaded()


def _spam_score(session: object, text: str) -> float:
    bundle = model_versions.bundle_in_force(session, "spam")  # type: ignore[arg-type]
    assert bundle is not None
    return float(bundle.probabilities([text], ["fr"], None)[0])


def test_a_fresh_install_scores_with_the_shipped_models(session, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    spam, toxicity = model_versions.current_classifiers(
        session, settings.replace(builtin_models=True)
    )
    assert spam is not None
    assert toxicity is not None
    assert spam.name == "builtin-spam"
    [obvious, harmless] = spam.score(
        [
            sub("WIN a FREE iPhone now!!! Click here http://win.example to claim your prize"),
            sub("I think the council should publish the budget before the vote."),
        ]
    )
    assert obvious is not None
    assert harmless is not None
    assert obvious.attributes["spam"] > 0.8 > 0.3 > harmless.attributes["spam"]
    assert obvious.version == model_versions.shipped_bundle("spam").version  # type: ignore[union-attr]
    [insult] = toxicity.score([sub("Tu es un abruti fini, ferme-la", language="fr")])
    [kind] = toxicity.score([sub("Merci pour ce reportage très complet", language="fr")])
    assert insult is not None
    assert kind is not None
    assert insult.attributes["toxicity"] > kind.attributes["toxicity"]


def test_built_in_models_switched_off_give_no_classifier(session, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    assert model_versions.current_classifiers(session, settings.replace(builtin_models=False)) == (
        None,
        None,
    )


def _decide(app: Flask, texts: list[tuple[str, decisions.Action]]) -> None:
    deps = app.extensions["moderation.deps"]
    for number, (text, action) in enumerate(texts):
        draft = CommentDraft(author_name=f"R{number}", email=f"r{number}@example.org", body=text)
        comment = comments.submit_comment(db.session, deps, draft, article_key="a1")
        decisions.apply_moderator_action(
            db.session, deps, comment.public_id, action, actor=decisions.Actor("mod")
        )
    db.session.commit()


def test_moderators_decisions_move_later_scores_their_way(app: Flask, session) -> None:  # type: ignore[no-untyped-def]
    add_article(app)
    # This site's spammers sell garden furniture, which no public set has seen.
    spam = [f"Mobilier de jardin à prix cassé, livraison offerte, code {i}" for i in range(20)]
    ham = [f"Le jardin botanique rouvre enfin, merci pour l'article {i}" for i in range(20)]
    _decide(
        app,
        [(t, decisions.Action.SPAM) for t in spam] + [(t, decisions.Action.APPROVE) for t in ham],
    )
    unseen = "Mobilier de jardin à prix cassé cette semaine, livraison offerte"
    before = _spam_score(session, unseen)
    result = training.retrain_from_decisions(session, NOW, "spam", None)
    session.commit()
    assert result.reason == "activated"
    assert result.row is not None
    assert result.row.source == "moderators"
    assert result.row.training["examples"] + result.row.training["held_out"] == 40
    assert result.row.validation["new"]["roc_auc"] >= result.row.validation["in_force"]["roc_auc"]
    after = _spam_score(session, unseen)
    assert after > before
    assert after > 0.5
    assert _spam_score(session, "Le jardin botanique rouvre enfin, bravo") < 0.5
    # A second retrain starts again from the shipped base: one residual layer, not two.
    again = training.retrain_from_decisions(session, NOW, "spam", None)
    assert again.row is not None
    adapted = model_versions.decode(again.row.weights).families["any"]
    assert adapted.base is not None
    assert adapted.base.base is None
    assert again.row.validation["in_force_version"] == result.row.version


def test_a_retrain_waits_for_enough_decisions(app: Flask, session) -> None:  # type: ignore[no-untyped-def]
    add_article(app)
    _decide(app, [("Super article", decisions.Action.APPROVE), ("Promo", decisions.Action.SPAM)])
    result = training.retrain_from_decisions(session, NOW, "spam", None)
    assert result.reason == "not_enough_decisions"
    assert session.scalar(sa.select(sa.func.count()).select_from(ModelVersion)) == 0


def _labelled(count: int) -> list[training.Example]:
    return [
        training.Example((SPAM if i % 2 else HAM).format(i=i), i % 2, "fr") for i in range(count)
    ]


def test_a_version_worse_on_held_out_rows_is_stored_but_not_activated(session) -> None:  # type: ignore[no-untyped-def]
    first = training.train_from_csv(session, NOW, "spam", _labelled(60), None)
    assert first.activated
    # Same labels, but the rows it learns from are noise: only the held-out ones speak.
    examples = _labelled(60)
    held_texts = {e.text for e in training.split(examples)[1]}
    rng = random.Random(9)
    noisy = [
        e
        if e.text in held_texts
        else training.Example(" ".join(f"zq{rng.randrange(10**6)}" for _ in range(4)), e.label)
        for e in examples
    ]
    second = training.train_from_csv(session, NOW, "spam", noisy, None)
    session.commit()
    assert not second.activated
    assert second.reason == "worse_than_in_force"
    assert second.new is not None
    assert second.current is not None
    assert second.new.roc_auc is not None
    assert second.current.roc_auc is not None
    assert second.new.roc_auc < second.current.roc_auc
    assert model_versions.active_rows(session) == {"spam": first.row.id}  # type: ignore[union-attr]
    assert [r.version for r in model_versions.versions(session, "spam")] == [
        "spam-csv-2026-12-02-2",
        "spam-csv-2026-12-02-1",
    ]


def test_rollback_walks_back_through_activations_to_the_shipped_model(session) -> None:  # type: ignore[no-untyped-def]
    first = training.train_from_csv(session, NOW, "spam", _labelled(40), None).row
    second = training.train_from_csv(session, NOW, "spam", _labelled(50), None).row
    assert first is not None
    assert second is not None
    model_versions.activate(session, "spam", second.id, NOW + dt.timedelta(minutes=5))
    session.commit()
    assert model_versions.active_rows(session) == {"spam": second.id}
    back = model_versions.rollback(session, "spam", NOW + dt.timedelta(minutes=6))
    assert back is not None
    assert back.id == first.id
    assert model_versions.active_rows(session) == {"spam": first.id}
    # The only other activated version is the one just left: "before" is by activation.
    model_versions.activate(session, "spam", None, NOW + dt.timedelta(minutes=7))
    assert model_versions.active_rows(session) == {}
    with pytest.raises(ModelVersionNotFound):
        model_versions.rollback(session, "spam", NOW + dt.timedelta(minutes=8))
    with pytest.raises(ModelVersionNotFound):
        model_versions.activate(session, "toxicity", first.id, NOW)


def _csv(path: Path, examples: list[training.Example]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "lang"])
        writer.writerows((e.text, e.label, e.language or "") for e in examples)
    return path


def test_the_cli_trains_evaluates_lists_and_rolls_back(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    data = _csv(tmp_path / "site.csv", _labelled(60))
    trained = runner.invoke(train_command, ["spam", str(data), "--no-encoder"])
    assert trained.exit_code == 0, trained.output
    assert "held-out report (12 rows)" in trained.output
    assert "spam-csv-" in trained.output
    assert "now in force" in trained.output

    evaluated = runner.invoke(evaluate_command, ["spam", str(data), "--json", "--no-encoder"])
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    assert {"roc_auc", "precision", "recall", "f1", "auto_share_at_p95", "rows"} <= set(report)
    assert report["rows"] == 60
    assert report["model"] == model_versions.shipped_bundle("spam").version  # type: ignore[union-attr]
    with app.app_context():
        name = model_versions.versions(db.session, "spam")[0].version
    mine = runner.invoke(evaluate_command, ["spam", str(data), "--model", name, "--json"])
    assert json.loads(mine.output)["model"] == name
    assert json.loads(mine.output)["roc_auc"] > 0.9

    listed = runner.invoke(model_group, ["list", "spam"])
    assert f"{name}\tACTIVE" in listed.output
    rolled = runner.invoke(model_group, ["rollback", "spam"])
    assert rolled.exit_code == 0, rolled.output
    assert "spam: shipped in force" in rolled.output
    assert runner.invoke(model_group, ["rollback", "spam"]).exit_code != 0
    again = runner.invoke(model_group, ["activate", "spam", name])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert model_versions.find(db.session, name).is_active
        # Both switches are in the audit log, as an operator's (no moderator named).
        entries = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.in_(("model_rolled_back", "model_activated")))
            .order_by(AuditEntry.id)
        ).all()
    assert [(e.action, e.moderator_id) for e in entries] == [
        ("model_rolled_back", None),
        ("model_activated", None),
    ]
    assert entries[0].details["changes"]["spam"]["from"] == name
    assert entries[1].details["changes"]["spam"]["to"] == name


def test_the_cli_refuses_a_file_without_labels(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nbonjour,maybe\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(evaluate_command, ["spam", str(bad)])
    assert result.exit_code != 0
    assert "line 2: csv_label" in result.output
