"""Scoring in the worker's service, with outside backends on local servers: live and shadow
backends, thresholds per attribute, unavailable and required backends, batches, reasons."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from moderation.config import Settings
from moderation.db import db
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.services import check_batches
from moderation.services import comments
from moderation.validation import CommentDraft
from moderation.wording import reason_summary
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import Quiet
from tests.helpers import add_article
from tests.integrations import scoring_servers as fake


@dataclasses.dataclass
class Rig:
    app: Flask
    deps: Any

    def submit(self, body: str, email: str = "ana@example.org") -> Comment:
        draft = CommentDraft(author_name="Ana", email=email, body=body)
        comment = comments.submit_comment(
            db.session(),
            self.deps,
            draft,
            article_key="a1",
            client=comments.ClientInfo(ip="198.51.100.7", elapsed_seconds=60.0),
        )
        db.session.commit()
        return comment

    def check(self, comment: Comment, *, final: bool = True) -> CommentStatus:
        check_batches.classify_batch(db.session(), self.deps, comment.id, final_attempt=final)
        db.session.commit()
        db.session.refresh(comment)
        return comment.status


@pytest.fixture
def servers() -> Iterator[tuple[fake.FakeService, fake.FakeService]]:
    with fake.serve(fake.openai()) as openai, fake.serve(fake.perspective()) as perspective:
        yield openai, perspective


@pytest.fixture
def rig_for(
    settings: Settings, backend: Any, servers: tuple[fake.FakeService, fake.FakeService]
) -> Iterator[Any]:
    openai, perspective = servers
    made: list[Flask] = []
    pushed: list[Any] = []

    def factory(**overrides: Any) -> Rig:
        changed = settings.replace(
            builtin_models=False,
            classifiers=("openai",),
            openai_base_url=openai.url,
            openai_api_key="sk-test",
            perspective_url=f"{perspective.url}/v1alpha1",
            perspective_api_key="pk-test",
            classifier_retries=0,
            classifier_timeout_seconds=1.0,
            **overrides,
        )
        app = build_app(changed, clock=FrozenClock(), publisher=Quiet())
        made.append(app)
        context = app.app_context()
        context.push()
        pushed.append(context)
        add_article(app)
        return Rig(app, app.extensions["moderation.deps"])

    yield factory
    for context in reversed(pushed):
        db.session.remove()
        context.pop()
    for app in made:
        _clean(app, backend)


def last_decision(comment: Comment) -> ModerationDecision:
    return db.session.scalars(
        sa.select(ModerationDecision)
        .where(ModerationDecision.comment_id == comment.id)
        .order_by(ModerationDecision.id.desc())
    ).first()  # type: ignore[return-value]


def test_insult_is_refused_with_its_score_and_model_in_the_sites_words(rig_for: Any) -> None:
    rig = rig_for()
    comment = rig.submit("Quel crétin, ce maire, vraiment")
    assert rig.check(comment) is CommentStatus.REJECTED
    decision = last_decision(comment)
    assert decision.scores["openai"]["attributes"]["insult"] == pytest.approx(0.97)
    assert decision.scores["openai"]["version"] == "moderation-test-1"
    with force_locale("fr"):
        french = reason_summary(comment.reasons)
    with force_locale("en"):
        english = reason_summary(comment.reasons)
    assert "toxicité 0,97 (modèle moderation-test-1)" in french
    assert "insulte 0,97" in french
    assert "toxicity 0.97 (model moderation-test-1)" in english


def test_site_thresholds_per_attribute_and_article_overrides_apply(rig_for: Any) -> None:
    rig = rig_for(score_thresholds=(("insult", 0.99, 0.995), ("toxicity", 0.5, 0.98)))
    held = rig.submit("Quel crétin, ce maire")
    assert rig.check(held) is CommentStatus.HELD
    db.session.execute(sa.update(Article).values(policy_overrides={"toxicity.hold_at": 0.98}))
    db.session.commit()
    approved = rig.submit("Quel idiot ce conseiller", email="bea@example.org")
    assert rig.check(approved) is CommentStatus.APPROVED
    assert last_decision(approved).thresholds["toxicity.hold_at"] == 0.98


def test_shadow_backend_scores_every_comment_but_decides_nothing(rig_for: Any) -> None:
    rig = rig_for(shadow_classifiers=("perspective",))
    comment = rig.submit("Ce maire est vraiment minable")
    assert rig.check(comment) is CommentStatus.APPROVED
    decision = last_decision(comment)
    shadow = decision.scores["shadow:perspective"]
    assert shadow["shadow"] is True
    assert shadow["attributes"]["toxicity"] == pytest.approx(0.93)
    assert all(r["code"] != "score_above_hold" for r in decision.reasons)
    # What the queue sorts by ignores it too.
    assert comment.risk is not None
    assert comment.risk < 0.5


def test_unreachable_backend_is_left_out_and_named_in_the_reasons(
    rig_for: Any, servers: tuple[fake.FakeService, fake.FakeService]
) -> None:
    openai, _ = servers
    rig = rig_for()
    openai.faults += [fake.Reply(503)] * 4
    comment = rig.submit("Un avis mesuré sur la question")
    assert rig.check(comment) is CommentStatus.APPROVED
    [reason] = [r for r in comment.reasons if r["code"] == "classifier_unavailable"]
    assert reason["params"] == {"backend": "openai"}
    assert reason["verdict"] is None
    with force_locale("fr"):
        assert "service de modération n’a pas répondu" in reason_summary(comment.reasons)


def test_required_backend_that_cannot_answer_retries_then_holds(
    rig_for: Any, servers: tuple[fake.FakeService, fake.FakeService]
) -> None:
    openai, _ = servers
    rig = rig_for(required_classifiers=("openai",))
    openai.faults += [fake.Reply(500)] * 8
    comment = rig.submit("Un avis mesuré sur la question")
    with pytest.raises(check_batches.RequiredBackendUnavailable):
        rig.check(comment, final=False)
    db.session.rollback()
    assert rig.check(comment) is CommentStatus.HELD
    codes = [r["code"] for r in comment.reasons]
    assert "classifier_required_unavailable" in codes
    with force_locale("fr"):
        assert reason_summary(comment.reasons).startswith("Vérification échouée")


def test_waiting_checks_are_scored_in_one_batch(
    rig_for: Any, servers: tuple[fake.FakeService, fake.FakeService]
) -> None:
    openai, _ = servers
    rig = rig_for()
    waiting = [
        rig.submit("Bon article", email="a@example.org"),
        rig.submit("Quel crétin", email="b@example.org"),
        rig.submit("Merci pour ce travail", email="c@example.org"),
    ]
    rig.check(waiting[1])
    for comment in waiting:
        db.session.refresh(comment)
    assert [c.status for c in waiting] == [
        CommentStatus.APPROVED,
        CommentStatus.REJECTED,
        CommentStatus.APPROVED,
    ]
    [request] = openai.received
    # Its own comment first, then those waiting, oldest first.
    assert request.json()["input"] == [  # type: ignore[index]
        "Quel crétin",
        "Bon article",
        "Merci pour ce travail",
    ]
    # The others' own tasks come later and find nothing left to do.
    assert rig.check(waiting[0]) is CommentStatus.APPROVED
    assert len(openai.received) == 1


def test_shadow_report_compares_each_backend_with_the_moderators(rig_for: Any) -> None:
    import json

    from moderation.cli_scoring import shadow_report_command
    from moderation.services import decisions

    rig = rig_for(shadow_classifiers=("perspective",))
    texts = [
        ("Ce maire est vraiment minable", decisions.Action.REJECT),
        ("Quel minable, ce conseiller", decisions.Action.REJECT),
        ("Merci pour cet article", decisions.Action.APPROVE),
        ("Bonne analyse de la situation", decisions.Action.REJECT),
    ]
    actor = decisions.Actor("Alice", None)
    for number, (text, action) in enumerate(texts):
        comment = rig.submit(text, email=f"r{number}@example.org")
        assert rig.check(comment) is CommentStatus.APPROVED  # shadow: it decided nothing
        if action is decisions.Action.APPROVE:
            decisions.apply_moderator_action(
                db.session(), rig.deps, comment.public_id, decisions.Action.HOLD, actor=actor
            )
        decisions.apply_moderator_action(
            db.session(), rig.deps, comment.public_id, action, actor=actor
        )
        db.session.commit()
    result = rig.app.test_cli_runner().invoke(shadow_report_command, ["--json"])
    assert result.exit_code == 0, result.output
    reports = [json.loads(line) for line in result.output.splitlines()]
    [toxicity] = [
        r for r in reports if r["backend"] == "perspective" and r["attribute"] == "toxicity"
    ]
    assert toxicity["shadow"] is True
    assert (toxicity["rows"], toxicity["positives"]) == (4, 3)
    assert toxicity["agreement"] == pytest.approx(0.75)
    assert toxicity["decided_alone"] == pytest.approx(1.0)
    assert toxicity["decided_alone_correct"] == pytest.approx(0.75)
    at_half = next(p for p in toxicity["curve"] if p["threshold"] == 0.5)
    assert at_half["precision"] == pytest.approx(1.0)
    assert at_half["recall"] == pytest.approx(2 / 3)
    assert any(r["backend"] == "openai" and r["shadow"] is False for r in reports)
    text = rig.app.test_cli_runner().invoke(shadow_report_command, [])
    assert "perspective v1alpha1 [shadow] toxicity: 4 decided by moderators" in text.output


def test_a_dry_run_reuses_outside_answers_instead_of_asking_again(
    rig_for: Any, servers: tuple[fake.FakeService, fake.FakeService]
) -> None:
    from moderation.services import checks

    openai, _ = servers
    rig = rig_for()
    comment = rig.submit("Quel crétin, ce maire, vraiment")
    assert rig.check(comment) is CommentStatus.REJECTED
    asked = len(openai.received)
    article = db.session.get_one(Article, comment.article_id)
    decision, _ = checks.evaluate(db.session(), rig.deps, comment, article, rig.deps.clock.now())
    assert len(openai.received) == asked
    assert decision.verdict.value == "rejected"
    assert [s.model for s in decision.scores] == ["openai"]
