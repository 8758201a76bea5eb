"""The first rules and the policy, as pure functions (no app, no database).

Updated for the second policy: word-list reasons carry ``term`` and ``count`` besides
``word``; the link rule is ``links``; trusted authors (5 approved comments) skip the links
premoderation; reasons follow the order of ``default_rules`` (precedence order).
"""

from __future__ import annotations

import pytest

from moderation.pipeline import Context
from moderation.pipeline import Policy
from moderation.pipeline import Score
from moderation.pipeline import Span
from moderation.pipeline import Submission
from moderation.pipeline import Verdict
from moderation.pipeline import WordEntry
from moderation.pipeline import compile_wordlist
from moderation.pipeline import decide
from moderation.pipeline import default_rules
from moderation.pipeline import moderate
from moderation.pipeline import screen
from moderation.pipeline.folding import fold as fold_text
from moderation.pipeline.rules import WordListRule
from tests.pipeline.factories import sub

RULES = default_rules(banned_words=("connard", "enfoiré", "asshole"), max_links=2)


def run(submission: Submission, context: Context | None = None) -> tuple[Verdict, list[str]]:
    decision = moderate(submission, context or Context(), RULES, Policy())
    return decision.verdict, [r.rule_id for r in decision.reasons]


def test_clean_comment_is_approved_without_reasons() -> None:
    assert run(sub("Très bon article, merci.")) == (Verdict.APPROVE, [])


@pytest.mark.parametrize(
    ("text", "word", "term"),
    [
        ("Quel CONNARD celui-là", "CONNARD", "connard"),
        ("espèce d'enfoire !", "enfoire", "enfoiré"),
        ("What an asshole.", "asshole", "asshole"),
        ("Enfoiré.", "Enfoiré", "enfoiré"),
    ],
)
def test_banned_words_reject_with_spans(text: str, word: str, term: str) -> None:
    decision = moderate(sub(text), Context(), RULES, Policy())
    assert decision.verdict is Verdict.REJECT
    [reason] = decision.reasons
    assert reason.params == {"word": word, "term": term, "count": 1}
    span = reason.spans[0]
    assert text[span.start : span.end] == word


@pytest.mark.parametrize(
    "text", ["Connardise n'est pas un mot", "Scunthorpe asshole-free? no: classhole", "Bonjour"]
)
def test_banned_words_need_whole_words(text: str) -> None:
    rules = default_rules(banned_words=("connard", "hole"))
    decision = moderate(sub(text), Context(), rules, Policy())
    assert decision.verdict is Verdict.APPROVE
    assert not [r for r in decision.reasons if r.rule_id == "banned_word"]


def test_too_many_links_hold() -> None:
    assert run(sub("liens", link_count=2)) == (Verdict.HOLD, ["links"])
    assert run(sub("un lien", link_count=1)) == (Verdict.APPROVE, [])


@pytest.mark.parametrize(
    ("mode", "links", "approved_before", "verdict"),
    [
        ("none", 1, 0, Verdict.APPROVE),
        ("all", 0, 5, Verdict.HOLD),
        ("links", 1, 4, Verdict.HOLD),
        ("links", 1, 5, Verdict.APPROVE),  # a trusted author skips the links premoderation
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
    assert reasons == ["honeypot", "links", "banned_word", "premoderation"]
    verdict, reasons = run(sub("connard", link_count=3))
    assert (verdict, reasons) == (Verdict.REJECT, ["links", "banned_word"])


def test_screen_stops_only_definitive_outcomes() -> None:
    assert screen(sub("x", honeypot_filled=True), Context(), RULES) is not None
    assert screen(sub("connard"), Context(), RULES) is None  # banned words run in the worker
    assert screen(sub("x", link_count=5), Context(), RULES) is None


@pytest.mark.parametrize(
    ("value", "verdict"),
    [(0.1, Verdict.APPROVE), (0.5, Verdict.HOLD), (0.89, Verdict.HOLD), (0.95, Verdict.SPAM)],
)
def test_scores_against_thresholds(value: float, verdict: Verdict) -> None:
    decision = decide([], [Score("nb", "1", {"spam": value})], Policy(hold_at=0.5, reject_at=0.9))
    assert decision.verdict is verdict
    assert decision.scores[0].attributes == {"spam": value}


def test_reason_serialises_spans() -> None:
    decision = moderate(sub("connard"), Context(), RULES, Policy())
    assert decision.reasons[0].as_dict()["spans"] == [[0, 7]]
    assert decision.reasons[0].spans == (Span(0, 7),)


# --- Word lists as a rule ---------------------------------------------------------------------

LISTS = compile_wordlist(
    [
        WordEntry("connard", "reject", "fr"),
        WordEntry("ordure", "hold", "fr"),
        WordEntry("merde", "flag", "fr"),
        WordEntry("asshole", "reject", "en"),
        WordEntry("moron", "hold", "en"),
        WordEntry("crap", "flag", "en"),
        WordEntry("con", "flag", "fr"),
        WordEntry("con", "reject", site_key="strict"),
        WordEntry("macron", "hold", article_key="a9"),
    ],
    version="v1",
)
WORD_RULE = WordListRule(LISTS)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Merde, quel connard, cette ordure", "fr", ["banned_word", "held_word", "flagged_word"]),
        ("Crap, what an asshole, a moron", "en", ["banned_word", "held_word", "flagged_word"]),
        ("Quelle ordure", "fr", ["held_word"]),
        ("What a moron", "en", ["held_word"]),
        ("Oh merde", "fr", ["flagged_word"]),
        ("Oh crap", "en", ["flagged_word"]),
        ("Very good point", "en", []),
        ("Très juste", "fr", []),
        ("Quel asshole", "fr", []),  # an English entry, a French comment
        ("Quel asshole", None, ["banned_word"]),  # unknown language: every entry applies
    ],
)
def test_word_list_rule_signals_one_reason_per_action(
    text: str, language: str | None, expected: list[str]
) -> None:
    evidence = WORD_RULE.check(sub(text, language=language), Context())
    assert [s.code for s in evidence or ()] == expected
    verdicts = {"banned_word": Verdict.REJECT, "held_word": Verdict.HOLD, "flagged_word": None}
    for signal in evidence or ():
        assert signal.verdict is verdicts[signal.code]
        for span in signal.spans:  # each span is the term as written in the text
            written = text[span.start : span.end]
            assert fold_text(written).text == fold_text(str(signal.params["term"])).text


def test_word_list_rule_reports_each_occurrence_once_under_the_strongest_action() -> None:
    text = "Con, con et re-con"
    flagged = WORD_RULE.check(sub(text, language="fr"), Context())
    strict = WORD_RULE.check(sub(text, language="fr", site_key="strict"), Context())
    assert [(s.code, s.params["count"]) for s in flagged or ()] == [("flagged_word", 3)]
    assert [(s.code, s.params["count"]) for s in strict or ()] == [("banned_word", 3)]
    assert [text[sp.start : sp.end] for sp in (strict or ())[0].spans] == ["Con", "con", "con"]


def test_word_list_rule_applies_article_entries_to_their_article() -> None:
    assert WORD_RULE.check(sub("Macron", article_key="a1"), Context()) is None
    evidence = WORD_RULE.check(sub("Macron", article_key="a9"), Context())
    assert [s.code for s in evidence or ()] == ["held_word"]


def test_flagged_words_leave_the_verdict_alone_but_are_kept() -> None:
    rules = default_rules(wordlist=LISTS)
    decision = moderate(sub("Oh merde, encore", language="fr"), Context(), rules, Policy())
    assert decision.verdict is Verdict.APPROVE
    assert [(r.code, r.verdict) for r in decision.reasons] == [("flagged_word", None)]


# --- Trusted authors through the default rules ---------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "context", "verdict"),
    [
        ({"link_count": 3}, Context(author_approved_count=9), Verdict.APPROVE),
        ({"elapsed_seconds": 0.5}, Context(author_approved_count=9), Verdict.APPROVE),
        ({"link_count": 3}, Context(author_approved_count=2), Verdict.HOLD),
        ({}, Context(author_approved_count=9, premoderation="all"), Verdict.HOLD),
        ({}, Context(author_approved_count=9, surge_active=True), Verdict.HOLD),
        (
            {"link_count": 3},
            Context(author_approved_count=9, author_recent_rejected=1, author_recent_total=9),
            Verdict.HOLD,  # a recent rejection ends the trust
        ),
        ({"text": "Quel connard"}, Context(author_approved_count=9), Verdict.REJECT),
    ],
)
def test_trusted_author_through_default_rules(
    fields: dict[str, object], context: Context, verdict: Verdict
) -> None:
    decision = moderate(sub(**fields), context, RULES, Policy())  # type: ignore[arg-type]
    assert decision.verdict is verdict
