"""The policy: precedence, trusted authors, thresholds, and the reason-code contract."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from moderation.pipeline import POLICY_VERSION
from moderation.pipeline import REASON_CODES
from moderation.pipeline import BlockAction
from moderation.pipeline import BlockEntry
from moderation.pipeline import BlockKind
from moderation.pipeline import Context
from moderation.pipeline import Policy
from moderation.pipeline import Score
from moderation.pipeline import Signal
from moderation.pipeline import SimilarComment
from moderation.pipeline import Submission
from moderation.pipeline import Verdict
from moderation.pipeline import WordEntry
from moderation.pipeline import compile_wordlist
from moderation.pipeline import decide
from moderation.pipeline import default_rules
from moderation.pipeline import moderate
from moderation.pipeline import score_batch
from moderation.pipeline import screen
from tests.pipeline.factories import sub

DOCS = Path(__file__).resolve().parents[2] / "docs" / "moderation.md"

S, R, H = Verdict.SPAM, Verdict.REJECT, Verdict.HOLD
TRUSTED = Signal("reputation", None, "trusted_author", {"approved": 9}, trusted=True)
ALLOWED = Signal("block_list", None, "allow_listed", {"entry_id": 1}, trusted=True)


def sig(verdict: Verdict | None, code: str, rule_id: str = "rule") -> Signal:
    return Signal(rule_id, verdict, code)


@pytest.mark.parametrize(
    ("evidence", "verdict"),
    [
        ([], Verdict.APPROVE),
        ([sig(None, "flagged_word")], Verdict.APPROVE),
        ([sig(H, "shouting")], H),
        # Hard blocks come first, with the verdict their entry names.
        ([sig(S, "honeypot_filled"), sig(R, "blocked_email")], R),
        ([sig(R, "banned_word"), sig(S, "blocked_network")], S),
        ([sig(R, "banned_word"), sig(S, "blocked_link_domain")], S),
        # Then the honeypot, banned words and campaigns.
        ([sig(R, "banned_word"), sig(S, "honeypot_filled")], S),
        ([sig(S, "campaign"), sig(R, "banned_word")], R),
        ([sig(H, "held_word"), sig(S, "campaign")], S),
        ([sig(S, "custom_spam"), sig(R, "banned_word")], R),  # unlisted codes rank last
        ([sig(S, "custom_spam"), sig(R, "custom_reject")], S),  # ... in signal order
        # A block-list hold never beats a refusal.
        ([sig(H, "blocked_ip"), sig(R, "banned_word")], R),
        # Holds: premoderation, surge, flood and the soft ones.
        ([sig(H, "premoderation_all"), sig(None, "flagged_word")], H),
        ([sig(H, "surge"), sig(H, "flood_ip")], H),
    ],
)
def test_precedence(evidence: list[Signal], verdict: Verdict) -> None:
    decision = decide(evidence, (), Policy())
    assert decision.verdict is verdict
    assert [r.code for r in decision.reasons] == [s.code for s in evidence]


@pytest.mark.parametrize(
    ("evidence", "verdict"),
    [
        # Soft holds are waived for trusted authors...
        ([TRUSTED, sig(H, "too_many_links")], Verdict.APPROVE),
        ([TRUSTED, sig(H, "premoderation_first_time")], Verdict.APPROVE),
        ([TRUSTED, sig(H, "premoderation_links")], Verdict.APPROVE),
        ([ALLOWED, sig(H, "flood_author"), sig(H, "flood_ip")], Verdict.APPROVE),
        ([ALLOWED, sig(H, "poor_reputation"), sig(H, "disposable_email")], Verdict.APPROVE),
        (
            [TRUSTED, sig(H, "typed_too_fast"), sig(H, "shouting"), sig(H, "gibberish_repeats")],
            Verdict.APPROVE,
        ),
        ([TRUSTED, sig(H, "language_not_accepted")], Verdict.APPROVE),
        # ... but never what concerns the content or the site's state.
        ([TRUSTED, sig(H, "premoderation_all")], H),
        ([TRUSTED, sig(H, "surge")], H),
        ([TRUSTED, sig(H, "held_word")], H),
        ([TRUSTED, sig(H, "blocked_ip")], H),
        ([TRUSTED, sig(R, "banned_word")], R),
        ([ALLOWED, sig(S, "blocked_network")], S),
        ([ALLOWED, sig(S, "campaign")], S),
        ([ALLOWED, sig(S, "honeypot_filled")], S),
        ([TRUSTED, sig(H, "too_many_links"), sig(H, "surge")], H),
    ],
)
def test_trusted_authors_skip_only_soft_holds(evidence: list[Signal], verdict: Verdict) -> None:
    decision = decide(evidence, (), Policy())
    assert decision.verdict is verdict
    assert decision.trusted
    waived = {r.code for r in decision.reasons if r.waived}
    assert waived <= Policy().trust_waives
    assert len(decision.reasons) == len(evidence)  # waived reasons are kept


def test_without_trust_nothing_is_waived() -> None:
    decision = decide([sig(H, "too_many_links")], (), Policy())
    assert (decision.verdict, decision.trusted) == (H, False)
    assert not decision.reasons[0].waived


@pytest.mark.parametrize(
    ("evidence", "value", "label", "verdict", "codes"),
    [
        ([], 0.1, "toxic", Verdict.APPROVE, []),
        ([], 0.5, "toxic", H, ["score_above_hold"]),
        ([], 0.95, "toxic", R, ["score_above_reject"]),
        ([], 0.95, "spam", S, ["score_above_reject"]),
        # Holds rank above scores, and the score is still shown to the moderator.
        (
            [sig(H, "premoderation_all")],
            0.95,
            "toxic",
            H,
            ["premoderation_all", "score_above_reject"],
        ),
        ([sig(R, "banned_word")], 0.6, "toxic", R, ["banned_word", "score_above_hold"]),
        # Trust waives no score.
        (
            [TRUSTED, sig(H, "shouting")],
            0.6,
            "toxic",
            H,
            ["trusted_author", "shouting", "score_above_hold"],
        ),
    ],
)
def test_scores_after_rules(
    evidence: list[Signal], value: float, label: str, verdict: Verdict, codes: list[str]
) -> None:
    decision = decide(evidence, [Score("nb", "1", {label: value})], Policy())
    assert decision.verdict is verdict
    assert [r.code for r in decision.reasons] == codes


def test_highest_score_band_wins_across_labels() -> None:
    scores = [Score("nb", "1", {"toxic": 0.6}), Score("nb", "1", {"spam": 0.97})]
    assert decide([], scores, Policy()).verdict is S


def test_decision_records_thresholds_and_version() -> None:
    policy = Policy().for_article({"hold_at": 0.3, "toxic.reject_at": 0.7})
    decision = decide([], [Score("nb", "1", {"toxic": 0.75})], policy)
    assert decision.verdict is R
    assert decision.thresholds == {
        "hold_at": 0.3,
        "reject_at": 0.9,
        "toxic.hold_at": 0.3,
        "toxic.reject_at": 0.7,
    }
    assert decision.reasons[0].params == {
        "label": "toxic",
        "threshold": "0.7",
        "value": "0.75",
        "model": "nb",
        "version": "1",
    }
    assert decision.policy_version == POLICY_VERSION != "2026.11-1"


@pytest.mark.parametrize(
    ("overrides", "label", "value", "verdict"),
    [
        ({}, "toxic", 0.4, Verdict.APPROVE),
        ({"hold_at": 0.3}, "toxic", 0.4, H),
        ({"reject_at": 0.6}, "toxic", 0.65, R),
        ({"toxic.hold_at": 0.2}, "toxic", 0.25, H),
        ({"toxic.hold_at": 0.2}, "spam", 0.25, Verdict.APPROVE),
    ],
)
def test_per_article_overrides(
    overrides: dict[str, float], label: str, value: float, verdict: Verdict
) -> None:
    policy = Policy().for_article(overrides)
    assert decide([], [Score("nb", "1", {label: value})], policy).verdict is verdict


@pytest.mark.parametrize(
    "overrides",
    [{"hold_at": 0.95}, {"toxic.reject_at": 0.1}, {"toxic.colour": 0.5}, {"threshold": 0.5}],
)
def test_bad_overrides_are_refused(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="threshold"):
        Policy().for_article(overrides)


def test_policy_stays_hashable() -> None:
    assert hash(Policy().for_article({"toxic.hold_at": 0.2})) == hash(
        Policy(label_thresholds=(("toxic", 0.2, 0.9),))
    )


# --- The whole pipeline: default rules, runner, codes -----------------------------------------

WORDS = compile_wordlist(
    [WordEntry("connard", "reject"), WordEntry("ordure", "hold"), WordEntry("merde", "flag")], "v1"
)
RULES = default_rules(
    wordlist=WORDS, blocked_domains=("casino.example",), newsroom_names=("La Rédaction",)
)
CAMPAIGN = (
    "Gagnez un iPhone gratuit en cliquant sur le lien de mon profil, offre limitée aujourd'hui"
)

#: One scenario per reason code: (submission fields, context, scores).
SCENARIOS: list[tuple[dict[str, object], Context, list[Score]]] = [
    ({"honeypot_filled": True}, Context(), []),
    (
        {"email_hash": "bad"},
        Context(block_entries=(BlockEntry(BlockKind.EMAIL, "bad", BlockAction.SPAM),)),
        [],
    ),
    (
        {"email_domain": "spam.example"},
        Context(
            block_entries=(BlockEntry(BlockKind.EMAIL_DOMAIN, "spam.example", BlockAction.REJECT),)
        ),
        [],
    ),
    (
        {"ip": "192.0.2.1"},
        Context(block_entries=(BlockEntry(BlockKind.IP, "192.0.2.1", BlockAction.HOLD),)),
        [],
    ),
    (
        {"ip": "192.0.2.1"},
        Context(block_entries=(BlockEntry(BlockKind.CIDR, "192.0.2.0/24", BlockAction.SPAM),)),
        [],
    ),
    (
        {"email_hash": "ok"},
        Context(block_entries=(BlockEntry(BlockKind.EMAIL, "ok", BlockAction.ALLOW),)),
        [],
    ),
    ({"email_domain": "yopmail.com"}, Context(), []),
    ({"link_count": 1, "link_hosts": ("casino.example",)}, Context(), []),
    ({"website": "https://www.casino.example"}, Context(), []),
    ({"link_count": 3}, Context(), []),
    ({"text": "Quel connard"}, Context(), []),
    ({"text": "Quelle ordure"}, Context(), []),
    ({"text": "Merde alors"}, Context(), []),
    (
        {"text": CAMPAIGN},
        Context(similar_recent=tuple(SimilarComment(i, f"a{i}", "x", 0) for i in range(2, 5))),
        [],
    ),
    ({}, Context(premoderation="all"), []),
    ({"link_count": 1}, Context(premoderation="links"), []),
    ({}, Context(premoderation="first_time"), []),
    ({}, Context(surge_active=True), []),
    ({}, Context(author_recent_count=9, ip_recent_count=99), []),
    ({}, Context(author_approved_count=9), []),
    ({}, Context(author_recent_rejected=4, author_recent_total=4), []),
    ({"elapsed_seconds": 0.5}, Context(), []),
    ({"elapsed_seconds": None}, Context(), []),
    ({"author_name": "La Rédaction"}, Context(), []),
    ({}, Context(exact_duplicate=True), []),
    ({"text": "JE NE SUIS PAS DU TOUT D'ACCORD AVEC CET ARTICLE MENSONGER"}, Context(), []),
    ({"text": "!!!!!!!!!!!!!!!!!!!!!!!!"}, Context(), []),
    ({"text": "qsdfghjklm"}, Context(), []),
    ({"text": "lol lol lol lol lol lol lol lol"}, Context(), []),
    ({"language": "de"}, Context(accepted_languages=("fr",)), []),
    ({}, Context(), [Score("nb", "1", {"toxic": 0.6})]),
    ({}, Context(), [Score("nb", "1", {"toxic": 0.95})]),
    ({}, Context(classifiers_unavailable=("akismet",)), []),
    ({}, Context(classifiers_unavailable=("openai",), classifiers_required=("openai",)), []),
]


def test_every_reason_code_is_emitted_worded_and_documented() -> None:
    emitted: set[str] = set()
    for fields, context, scores in SCENARIOS:
        submission = sub(**fields)  # type: ignore[arg-type]
        for reason in moderate(submission, context, RULES, Policy(), scores).reasons:
            emitted.add(reason.code)
            assert REASON_CODES[reason.code] % reason.params  # every placeholder is filled
    assert emitted == set(REASON_CODES)
    documented = set(re.findall(r"`([a-z_]+)`", DOCS.read_text(encoding="utf-8")))
    assert set(REASON_CODES) <= documented


@pytest.mark.parametrize(
    "text",
    [
        "Très bon article, merci à la rédaction pour ce travail de fond.",
        "Great article, thanks to the newsroom for this in-depth work.",
    ],
)
def test_clean_comment_is_approved_without_reasons(text: str) -> None:
    decision = moderate(
        sub(text, language="fr"), Context(accepted_languages=("fr", "en")), RULES, Policy()
    )
    assert (decision.verdict, decision.reasons) == (Verdict.APPROVE, ())


def test_screen_settles_hard_blocks_on_the_request_path() -> None:
    entry = BlockEntry(BlockKind.IP, "192.0.2.1", BlockAction.SPAM)
    decision = screen(sub("x", ip="192.0.2.1"), Context(block_entries=(entry,)), RULES)
    assert decision is not None
    assert decision.verdict is S
    blocked = sub("x", link_count=1, link_hosts=("casino.example",))
    assert screen(blocked, Context(), RULES) is not None
    assert screen(sub("Quel connard"), Context(), RULES) is None  # word lists run in the worker


def test_reason_dict_carries_verdict_and_waiver() -> None:
    decision = decide([TRUSTED, sig(H, "too_many_links", "links")], (), Policy())
    assert [r.as_dict() for r in decision.reasons] == [
        {
            "rule": "reputation",
            "code": "trusted_author",
            "params": {"approved": 9},
            "spans": [],
            "score": None,
            "verdict": None,
            "waived": False,
        },
        {
            "rule": "links",
            "code": "too_many_links",
            "params": {},
            "spans": [],
            "score": None,
            "verdict": "held",
            "waived": True,
        },
    ]


class _Answers:
    """A classifier answering fixed values, one per submission of the batch."""

    name = "fixed"

    def __init__(self, *answers: Score | None) -> None:
        self._answers = answers

    def score(self, batch: Sequence[Submission]) -> Sequence[Score | None]:
        return self._answers[: len(batch)]


def test_score_batch_keeps_order_and_drops_no_opinion() -> None:
    first = Score("a", "1", {"spam": 0.9})
    second = Score("b", "2", {"toxicity": 0.4})
    batch = [sub("un"), sub("deux")]
    scored = score_batch([_Answers(first, None), _Answers(None, second)], batch)
    assert scored == [(first,), (second,)]


def test_score_batch_refuses_a_short_answer() -> None:
    with pytest.raises(ValueError, match="answered 1 of 2"):
        score_batch([_Answers(None)], [sub("un"), sub("deux")])


def test_scores_outside_zero_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match="within 0..1"):
        Score("a", "1", {"spam": 1.5})
