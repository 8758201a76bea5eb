"""The first rules and the policy, as pure functions (no app, no database)."""

from __future__ import annotations

import pytest

from moderation.pipeline import Context
from moderation.pipeline import Policy
from moderation.pipeline import Score
from moderation.pipeline import Span
from moderation.pipeline import Submission
from moderation.pipeline import Verdict
from moderation.pipeline import decide
from moderation.pipeline import default_rules
from moderation.pipeline import moderate
from moderation.pipeline import screen
from moderation.pipeline.rules import BannedWordsRule
from moderation.pipeline.rules import fold

RULES = default_rules(banned_words=("connard", "enfoiré", "asshole"), max_links=2)


def sub(text: str = "Bonjour", **fields: object) -> Submission:
    values: dict[str, object] = {
        "text": text,
        "html": f"<p>{text}</p>",
        "author_name": "A",
        "email_hash": "h",
        "article_key": "a1",
    }
    values.update(fields)
    return Submission(**values)  # type: ignore[arg-type]


def run(submission: Submission, context: Context | None = None) -> tuple[Verdict, list[str]]:
    decision = moderate(submission, context or Context(), RULES, (), Policy())
    return decision.verdict, [r.rule_id for r in decision.reasons]


def test_clean_comment_is_approved_without_reasons() -> None:
    assert run(sub("Très bon article, merci.")) == (Verdict.APPROVE, [])


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Quel CONNARD celui-là", "CONNARD"),
        ("espèce d'enfoire !", "enfoire"),
        ("What an asshole.", "asshole"),
        ("Enfoiré.", "Enfoiré"),
    ],
)
def test_banned_words_reject_with_spans(text: str, word: str) -> None:
    decision = moderate(sub(text), Context(), RULES, (), Policy())
    assert decision.verdict is Verdict.REJECT
    [reason] = decision.reasons
    assert reason.params == {"word": word}
    span = reason.spans[0]
    assert text[span.start : span.end] == word


@pytest.mark.parametrize(
    "text", ["Connardise n'est pas un mot", "Scunthorpe asshole-free? no: classhole", "Bonjour"]
)
def test_banned_words_need_whole_words(text: str) -> None:
    assert BannedWordsRule(("connard", "hole")).check(sub(text), Context()) is None


def test_fold_keeps_offsets() -> None:
    text = "Élève ÇA œuvre"
    assert len(fold(text)) == len(text)
    assert fold(text).startswith("eleve ca")


def test_too_many_links_hold() -> None:
    assert run(sub("liens", link_count=2)) == (Verdict.HOLD, ["too_many_links"])
    assert run(sub("un lien", link_count=1)) == (Verdict.APPROVE, [])


@pytest.mark.parametrize(
    ("mode", "links", "approved_before", "verdict"),
    [
        ("none", 1, 0, Verdict.APPROVE),
        ("all", 0, 5, Verdict.HOLD),
        ("links", 1, 5, Verdict.HOLD),
        ("links", 0, 0, Verdict.APPROVE),
        ("first_time", 0, 0, Verdict.HOLD),
        ("first_time", 0, 1, Verdict.APPROVE),
    ],
)
def test_premoderation_modes(mode: str, links: int, approved_before: int, verdict: Verdict) -> None:
    context = Context(premoderation=mode, author_approved_count=approved_before)
    assert run(sub("x", link_count=links), context)[0] is verdict


def test_precedence_keeps_every_reason() -> None:
    verdict, reasons = run(
        sub("connard", link_count=3, honeypot_filled=True), Context(premoderation="all")
    )
    assert verdict is Verdict.SPAM
    assert reasons == ["honeypot", "banned_word", "too_many_links", "premoderation"]
    verdict, reasons = run(sub("connard", link_count=3))
    assert (verdict, reasons) == (Verdict.REJECT, ["banned_word", "too_many_links"])


def test_screen_stops_only_definitive_outcomes() -> None:
    assert screen(sub("x", honeypot_filled=True), Context(), RULES) is not None
    assert screen(sub("connard"), Context(), RULES) is None  # banned words run in the worker
    assert screen(sub("x", link_count=5), Context(), RULES) is None


@pytest.mark.parametrize(
    ("value", "verdict"),
    [(0.1, Verdict.APPROVE), (0.5, Verdict.HOLD), (0.89, Verdict.HOLD), (0.95, Verdict.SPAM)],
)
def test_scores_against_thresholds(value: float, verdict: Verdict) -> None:
    decision = decide([], [Score("spam", value, "nb", "1")], Policy(hold_at=0.5, reject_at=0.9))
    assert decision.verdict is verdict
    assert decision.scores[0].value == value


def test_reason_serialises_spans() -> None:
    decision = moderate(sub("connard"), Context(), RULES, (), Policy())
    assert decision.reasons[0].as_dict()["spans"] == [[0, 7]]
    assert decision.reasons[0].spans == (Span(0, 7),)
