"""Automatic moderation with the real database: campaigns, surges, lists, reputation,
language, timing, explain and replay. Driven with a frozen clock; the worker's service is
called directly (the real worker process is exercised in tests/workers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.config import Settings
from moderation.db import db
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Event
from moderation.services import checks
from moderation.services import comments
from moderation.services import decisions
from moderation.services import explain
from moderation.services import privacy
from moderation.services import surge
from moderation.services import wordlists
from moderation.validation import CommentDraft
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import Quiet
from tests.helpers import add_article

CAMPAIGN_TEXT = (
    "Gagnez de l'argent facilement depuis chez vous grâce à notre méthode secrète, "
    "inscrivez-vous vite sur notre site avant qu'il ne soit trop tard"
)


@dataclasses.dataclass
class Rig:
    app: Flask
    deps: Any
    clock: FrozenClock

    def submit(
        self,
        body: str,
        *,
        email: str = "ana@example.org",
        article: str = "a1",
        name: str = "Ana",
        ip: str | None = "198.51.100.7",
        elapsed: float | None = 60.0,
    ) -> Comment:
        draft = CommentDraft(author_name=name, email=email, body=body)
        comment = comments.submit_comment(
            db.session(),
            self.deps,
            draft,
            article_key=article,
            client=comments.ClientInfo(ip=ip, elapsed_seconds=elapsed),
        )
        db.session.commit()
        return comment

    def decide(self, comment: Comment) -> CommentStatus:
        checks.classify_and_decide(db.session(), self.deps, comment.id)
        db.session.commit()
        db.session.refresh(comment)
        return comment.status

    def post_and_decide(self, body: str, **kwargs: Any) -> Comment:
        comment = self.submit(body, **kwargs)
        self.decide(comment)
        self.clock.advance(seconds=1)
        return comment


@pytest.fixture
def rig(settings: Settings, backend) -> Iterator[Rig]:  # type: ignore[no-untyped-def]
    clock = FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    app = build_app(settings, clock=clock, publisher=Quiet())
    for key in ("a1", "a2", "a3", "a4"):
        add_article(app, key)
    with app.app_context():
        yield Rig(app, app.extensions["moderation.deps"], clock)
    _clean(app, backend)


def codes(comment: Comment) -> list[str]:
    return [r["code"] for r in comment.reasons]


def test_clean_french_comment_is_approved_and_its_language_stored(rig: Rig) -> None:
    comment = rig.post_and_decide(
        "Je trouve que le conseil municipal a bien fait de voter ce budget pour les écoles."
    )
    assert comment.status is CommentStatus.APPROVED
    assert comment.language == "fr"


def test_language_not_accepted_is_held(rig: Rig) -> None:
    comment = rig.post_and_decide(
        "Ich finde, dass der Gemeinderat diesen Haushalt für die Schulen beschließen sollte."
    )
    assert comment.status is CommentStatus.HELD
    assert "language_not_accepted" in codes(comment)


def test_author_name_posing_as_the_newsroom_is_held(rig: Rig) -> None:
    text = "Je trouve que le conseil municipal a bien fait de voter ce budget pour les écoles."
    comment = rig.post_and_decide(text, name="La rédaction")
    assert comment.status is CommentStatus.HELD
    assert codes(comment) == ["newsroom_name"]
    ordinary = rig.post_and_decide(text + " Vraiment.", name="Camille")
    assert ordinary.status is CommentStatus.APPROVED


def test_comment_without_a_usable_form_token_is_held(rig: Rig) -> None:
    comment = rig.post_and_decide(
        "Je trouve que le conseil municipal a bien fait de voter ce budget pour les écoles.",
        elapsed=None,
    )
    assert comment.status is CommentStatus.HELD
    assert codes(comment) == ["no_form_token"]


def test_campaign_across_three_articles_is_spam_and_linked(rig: Rig) -> None:
    first = [
        rig.post_and_decide(CAMPAIGN_TEXT, email=f"bot{i}@example.org", article=f"a{i + 1}")
        for i in range(3)
    ]
    copy = rig.post_and_decide(
        CAMPAIGN_TEXT.upper().replace("VITE", "VITE !!"), email="bot9@example.org", article="a4"
    )
    assert copy.status is CommentStatus.SPAM
    reason = next(r for r in copy.reasons if r["code"] == "campaign")
    assert reason["params"]["articles"] >= 3
    campaign_id = copy.campaign_id
    assert campaign_id is not None
    members = db.session.scalars(
        sa.select(Comment.id).where(Comment.campaign_id == campaign_id)
    ).all()
    assert set(members) == {c.id for c in [*first, copy]}
    changed = decisions.apply_to_campaign(
        db.session(), rig.deps, campaign_id, decisions.Action.SPAM, actor=decisions.Actor("x")
    )
    db.session.commit()
    assert len(changed) == 3  # the copy was spam already
    assert set(db.session.scalars(sa.select(Comment.status))) == {CommentStatus.SPAM}


def test_unrelated_comments_are_no_campaign(rig: Rig) -> None:
    texts = [
        "Le budget des écoles augmente enfin, c'est une excellente nouvelle pour les familles.",
        "Quelqu'un sait si la piscine municipale restera ouverte pendant les travaux ?",
        "La ligne de tramway aurait dû être prioritaire, on attend depuis dix ans déjà.",
        "Merci au journal pour ce compte rendu précis de la séance du conseil municipal.",
    ]
    for i, text in enumerate(texts):
        comment = rig.post_and_decide(text, email=f"reader{i}@example.org", article=f"a{i + 1}")
        assert comment.status is CommentStatus.APPROVED, comment.reasons
        assert comment.campaign_id is None


def test_surge_switches_premoderation_on_and_a_moderator_ends_it(rig: Rig) -> None:
    settings = rig.deps.settings.replace(
        surge_min_comments=6, flood_max_per_author=100, flood_max_per_network=100
    )
    deps = dataclasses.replace(rig.deps, settings=settings)
    rig.deps = deps
    for i in range(6):
        comment = rig.post_and_decide(
            f"Réaction numéro {i} à cette annonce surprenante du maire.", email=f"r{i}@example.org"
        )
    article = db.session.scalar(sa.select(Article).where(Article.key == "a1"))
    assert article is not None
    assert surge.surge_active(article, rig.clock.now())
    [event] = db.session.scalars(sa.select(Event).where(Event.type == "article.surge")).all()
    assert event.article_id == article.id
    assert event.payload["reason"] == "rate"
    held = rig.post_and_decide(
        "Encore un avis sur ce budget voté hier soir en séance publique.", email="late@example.org"
    )
    assert held.status is CommentStatus.HELD
    assert "surge" in codes(held)
    surge.end_surge(db.session(), deps, "a1")
    db.session.commit()
    assert not surge.surge_active(article, rig.clock.now())
    [ended] = db.session.scalars(sa.select(Event).where(Event.type == "article.surge_ended")).all()
    assert ended.article_id == article.id
    assert comment.status is CommentStatus.APPROVED


def test_surge_ends_by_itself_after_its_duration(rig: Rig) -> None:
    article = db.session.scalar(sa.select(Article).where(Article.key == "a1"))
    assert article is not None
    article.surge_until = rig.clock.now() + dt.timedelta(minutes=60)
    db.session.commit()
    assert rig.post_and_decide("Premier avis sur ce sujet passionnant.").status is (
        CommentStatus.HELD
    )
    rig.clock.advance(minutes=61)
    later = rig.post_and_decide("Second avis, bien plus tard, sur ce même sujet.")
    assert later.status is CommentStatus.APPROVED


def test_trusted_author_skips_soft_holds_but_not_banned_words(rig: Rig) -> None:
    for i in range(5):
        rig.post_and_decide(f"Contribution mesurée numéro {i} au débat public de la ville.")
    links = rig.post_and_decide(
        "Deux sources utiles : https://www.insee.fr/fr/statistiques et https://www.legifrance.gouv.fr"
    )
    assert links.status is CommentStatus.APPROVED
    assert "trusted_author" in codes(links)
    insult = rig.post_and_decide("Franchement, ce maire est un connard.")
    assert insult.status is CommentStatus.REJECTED


def test_first_links_from_a_new_author_are_held(rig: Rig) -> None:
    comment = rig.post_and_decide(
        "Lisez https://a.example/un et https://b.example/deux pour comprendre.",
        email="new@example.org",
    )
    assert comment.status is CommentStatus.HELD
    assert "too_many_links" in codes(comment)


def test_word_list_entries_apply_at_the_next_check(rig: Rig) -> None:
    assert rig.post_and_decide("Ce projet de rocade est une gabegie totale.").status is (
        CommentStatus.APPROVED
    )
    wordlists.add_word(
        db.session(),
        "gabegie",
        action="hold",
        language="fr",
        article_key=None,
        actor="test",
        now=rig.clock.now(),
    )
    db.session.commit()
    comment = rig.post_and_decide(
        "Encore une gabegie de plus, franchement.", email="other@example.org"
    )
    assert comment.status is CommentStatus.HELD
    [reason] = [r for r in comment.reasons if r["code"] == "held_word"]
    start, end = reason["spans"][0]
    assert comment.body_text[start:end] == "gabegie"


def test_block_rules_by_email_and_network(rig: Rig) -> None:
    blocked = privacy.email_hash(rig.deps.settings.secret_key, "troll@example.org")
    wordlists.add_block(
        db.session(),
        "email",
        blocked,
        action="spam",
        expires_at=None,
        note="",
        actor="test",
        now=rig.clock.now(),
        ip_storage=rig.deps.settings.ip_storage,
    )
    wordlists.add_block(
        db.session(),
        "cidr",
        "203.0.113.0/24",
        action="hold",
        expires_at=None,
        note="",
        actor="test",
        now=rig.clock.now(),
        ip_storage=rig.deps.settings.ip_storage,
    )
    wordlists.add_block(
        db.session(),
        "email_domain",
        "old.example",
        action="reject",
        expires_at=rig.clock.now() - dt.timedelta(days=1),
        note="expired",
        actor="test",
        now=rig.clock.now(),
        ip_storage=rig.deps.settings.ip_storage,
    )
    db.session.commit()
    troll = rig.post_and_decide(
        "Un avis tout à fait anodin sur la question.", email="troll@example.org"
    )
    assert troll.status is CommentStatus.SPAM
    network = rig.post_and_decide(
        "Un autre avis anodin depuis ce réseau-là.", email="n@example.org", ip="203.0.113.50"
    )
    assert network.status is CommentStatus.HELD
    expired = rig.post_and_decide(
        "Un avis anodin depuis un domaine jadis bloqué.", email="x@mail.old.example"
    )
    assert expired.status is CommentStatus.APPROVED


def test_a_domain_rule_covers_subdomains_and_authors_it_misses_skip_the_rule_query(
    rig: Rig,
) -> None:
    wordlists.add_block(
        db.session(),
        "email_domain",
        "spam.example",
        action="reject",
        expires_at=rig.clock.now() + dt.timedelta(days=1),
        note="",
        actor="test",
        now=rig.clock.now(),
        ip_storage=rig.deps.settings.ip_storage,
    )
    db.session.commit()
    covered = rig.post_and_decide(
        "Un avis anodin venu d'un sous-domaine.", email="a@mail.spam.example"
    )
    assert covered.status is CommentStatus.REJECTED
    rule_reads: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().startswith("SELECT block_rules."):
            rule_reads.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        missed = rig.post_and_decide("Un avis anodin d'ailleurs.", email="b@spam.example.org")
        assert rule_reads == [], "no rule may match: the author's history query said so"
        again = rig.post_and_decide("Un autre avis, du même domaine.", email="c@spam.example")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert missed.status is CommentStatus.APPROVED
    assert again.status is CommentStatus.REJECTED
    assert len(rule_reads) == 1, "a rule may match: its entries are read"


def test_too_fast_or_shouting_comments_are_held(rig: Rig) -> None:
    fast = rig.post_and_decide(
        "Un commentaire écrit bien trop vite pour un humain normal.", elapsed=0.5
    )
    assert fast.status is CommentStatus.HELD
    assert "typed_too_fast" in codes(fast)
    shout = rig.post_and_decide(
        "CE CONSEIL MUNICIPAL SE MOQUE VRAIMENT DE NOUS TOUS, HONTE !", email="loud@example.org"
    )
    assert shout.status is CommentStatus.HELD
    assert "shouting" in codes(shout)


def test_flood_from_one_author_is_held(rig: Rig) -> None:
    # Trust would waive the flood hold (a soft hold): keep this author untrusted.
    rig.deps = dataclasses.replace(rig.deps, settings=rig.deps.settings.replace(trust_after=100))
    statuses = [
        rig.post_and_decide(
            f"Message numéro {i} sur un sujet différent à chaque fois, promis.",
            email="flood@example.org",
        ).status
        for i in range(7)
    ]
    assert statuses[:6] == [CommentStatus.APPROVED] * 6
    assert statuses[6] is CommentStatus.HELD


def test_flood_from_one_network_is_held_and_counts_only_that_network(rig: Rig) -> None:
    settings = rig.deps.settings.replace(trust_after=100, flood_max_per_network=3)
    rig.deps = dataclasses.replace(rig.deps, settings=settings)
    # Another network's comments, in the same window, count for nobody here.
    for i in range(4):
        rig.submit(f"Avis numéro {i} venu d'ailleurs.", email=f"o{i}@example.org", ip="192.0.2.9")
    statuses = [
        rig.post_and_decide(
            f"Avis numéro {i} d'un lecteur différent à chaque fois, promis.",
            email=f"voisin{i}@example.org",
            ip=f"198.51.100.{10 + i}",
        )
        for i in range(5)
    ]
    assert [c.status for c in statuses[:4]] == [CommentStatus.APPROVED] * 4
    assert statuses[4].status is CommentStatus.HELD
    reason = next(r for r in statuses[4].reasons if r["code"] == "flood_ip")
    assert reason["params"] == {"count": 4, "limit": 3}


def test_explain_prints_rules_spans_and_thresholds(rig: Rig) -> None:
    comment = rig.post_and_decide("Quel connard, ce type.")
    lines = "\n".join(explain.explanation_lines(explain.explain(db.session(), comment.public_id)))
    assert "rules (system): pending -> rejected" in lines
    assert "[banned_word]" in lines
    assert "'connard'" in lines
    assert "thresholds: hold_at=0.5, reject_at=0.9" in lines


def test_replay_reports_differences_without_changing_data(rig: Rig) -> None:
    kept = rig.post_and_decide("Cette mesure est une véritable forfaiture, disons-le.")
    assert kept.status is CommentStatus.APPROVED
    wordlists.add_word(
        db.session(),
        "forfaiture",
        action="reject",
        language="any",
        article_key=None,
        actor="test",
        now=rig.clock.now(),
    )
    db.session.commit()
    count, changes = explain.replay(db.session(), rig.deps, rig.clock.now() - dt.timedelta(days=1))
    db.session.rollback()
    assert count == 1
    assert [(c.public_id, c.current, c.replayed) for c in changes] == [
        (kept.public_id, "approved", "rejected")
    ]
    db.session.expire_all()
    assert db.session.get(Comment, kept.id).status is CommentStatus.APPROVED
