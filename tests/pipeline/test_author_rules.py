"""Rules about who writes: block lists, blocked domains, reputation, floods, campaigns."""

from __future__ import annotations

import datetime as dt

import pytest

from moderation.pipeline import BlockAction
from moderation.pipeline import BlockEntry
from moderation.pipeline import BlockKind
from moderation.pipeline import Context
from moderation.pipeline import Signal
from moderation.pipeline import SimilarComment
from moderation.pipeline import Verdict
from moderation.pipeline.author_rules import BlockListRule
from moderation.pipeline.author_rules import CampaignRule
from moderation.pipeline.author_rules import FloodRule
from moderation.pipeline.author_rules import NewsroomNameRule
from moderation.pipeline.author_rules import ReputationRule
from moderation.pipeline.author_rules import domain_in
from moderation.pipeline.rules import LinkRule
from tests.pipeline.factories import sub


def signals(evidence: Signal | tuple[Signal, ...] | None) -> list[tuple[Verdict | None, str]]:
    if evidence is None:
        return []
    items = (evidence,) if isinstance(evidence, Signal) else evidence
    return [(s.verdict, s.code) for s in items]


# --- Block lists ------------------------------------------------------------------------------

SUBMITTER = sub(
    "Un commentaire", email_hash="hash-1", email_domain="mail.example.fr", ip="192.0.2.7"
)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (BlockEntry(BlockKind.EMAIL, "hash-1", BlockAction.SPAM), (Verdict.SPAM, "blocked_email")),
        (BlockEntry(BlockKind.EMAIL, "hash-2", BlockAction.SPAM), None),
        (
            BlockEntry(BlockKind.EMAIL_DOMAIN, "example.fr", BlockAction.REJECT),
            (Verdict.REJECT, "blocked_email_domain"),
        ),
        (BlockEntry(BlockKind.EMAIL_DOMAIN, "ample.fr", BlockAction.REJECT), None),
        (BlockEntry(BlockKind.IP, "192.0.2.7", BlockAction.HOLD), (Verdict.HOLD, "blocked_ip")),
        (BlockEntry(BlockKind.IP, "192.0.2.8", BlockAction.HOLD), None),
        (
            BlockEntry(BlockKind.CIDR, "192.0.2.0/24", BlockAction.SPAM),
            (Verdict.SPAM, "blocked_network"),
        ),
        (BlockEntry(BlockKind.CIDR, "198.51.100.0/24", BlockAction.SPAM), None),
        (BlockEntry(BlockKind.CIDR, "not a network", BlockAction.SPAM), None),
        (BlockEntry(BlockKind.EMAIL, "hash-1", BlockAction.ALLOW), (None, "allow_listed")),
    ],
)
def test_block_entries(entry: BlockEntry, expected: tuple[Verdict | None, str] | None) -> None:
    evidence = BlockListRule().check(SUBMITTER, Context(block_entries=(entry,)))
    assert signals(evidence) == ([expected] if expected else [])


def test_allow_entry_vouches_for_the_author() -> None:
    entry = BlockEntry(BlockKind.EMAIL, "hash-1", BlockAction.ALLOW, entry_id=12)
    evidence = BlockListRule().check(SUBMITTER, Context(block_entries=(entry,)))
    assert isinstance(evidence, tuple)
    [allow] = evidence
    assert allow.trusted
    assert allow.params == {"kind": "email", "action": "allow", "entry_id": 12}


def test_block_entry_params_name_the_entry_not_the_address() -> None:
    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    entry = BlockEntry(BlockKind.IP, "192.0.2.7", BlockAction.SPAM, expires, entry_id=3)
    evidence = BlockListRule().check(SUBMITTER, Context(block_entries=(entry,)))
    assert isinstance(evidence, tuple)
    assert evidence[0].params == {"kind": "ip", "action": "spam", "entry_id": 3}
    assert "192.0.2.7" not in str(evidence[0].params)


@pytest.mark.parametrize(
    ("ip", "entry_value", "kind"),
    [
        ("::ffff:192.0.2.7", "192.0.2.7", BlockKind.IP),
        ("2001:db8::1", "2001:0db8:0000::1", BlockKind.IP),
        ("2001:db8::1", "2001:db8::/32", BlockKind.CIDR),
    ],
)
def test_addresses_are_compared_as_addresses(ip: str, entry_value: str, kind: BlockKind) -> None:
    entry = BlockEntry(kind, entry_value, BlockAction.SPAM)
    evidence = BlockListRule().check(sub("x", ip=ip), Context(block_entries=(entry,)))
    assert signals(evidence)[0][0] is Verdict.SPAM


def test_block_entries_come_from_database_strings() -> None:
    entry = BlockEntry("cidr", "10.0.0.0/8", "hold")  # type: ignore[arg-type]
    assert (entry.kind, entry.action) == (BlockKind.CIDR, BlockAction.HOLD)
    with pytest.raises(ValueError, match="'phone'"):
        BlockEntry("phone", "x", "hold")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("domain", "expected"),
    [("yopmail.com", "yopmail.com"), ("fr.yopmail.com", "yopmail.com"), ("gmail.com", None)],
)
def test_disposable_email_domains_are_held(domain: str, expected: str | None) -> None:
    evidence = BlockListRule().check(sub("x", email_domain=domain), Context())
    if expected is None:
        assert evidence is None
    else:
        assert signals(evidence) == [(Verdict.HOLD, "disposable_email")]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("spam.example", "spam.example"),
        ("www.SPAM.example.", "spam.example"),
        ("notspam.example", None),
        ("example", None),
        (None, None),
    ],
)
def test_domain_in_matches_subdomains_only(host: str | None, expected: str | None) -> None:
    assert domain_in(host, frozenset({"spam.example"})) == expected


# --- Links ------------------------------------------------------------------------------------

LINKS = LinkRule(max_links=2, blocked_domains=frozenset({"casino.example"}))


@pytest.mark.parametrize(
    ("submission", "context", "expected"),
    [
        (sub("Voir la source", link_count=1, link_hosts=("www.lemonde.fr",)), Context(), []),
        (
            sub("Gagnez vite", link_count=1, link_hosts=("promo.casino.example",)),
            Context(),
            [(Verdict.SPAM, "blocked_link_domain")],
        ),
        (
            sub("Great read", website="https://casino.example/win"),
            Context(),
            [(Verdict.SPAM, "blocked_website_domain")],
        ),
        (
            sub("Great read", email_domain="casino.example"),
            Context(),
            [(Verdict.SPAM, "blocked_email_domain")],
        ),
        (
            sub("See this", link_count=1, link_hosts=("pills.example",)),
            Context(blocked_domains=("PILLS.example",)),
            [(Verdict.SPAM, "blocked_link_domain")],
        ),
        (
            sub("Sources : a et b", link_count=2, link_hosts=("a.fr", "b.fr")),
            Context(),
            [(Verdict.HOLD, "too_many_links")],
        ),
        (sub("Broken website", website="http://[::1"), Context(), []),
    ],
)
def test_link_rule(submission: object, context: Context, expected: list[object]) -> None:
    assert signals(LINKS.check(submission, context)) == expected  # type: ignore[arg-type]


# --- Reputation -------------------------------------------------------------------------------

REPUTATION = ReputationRule(trust_after=5, max_reject_rate=0.5, min_recent=4)


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (Context(author_approved_count=5), [(None, "trusted_author")]),
        (Context(author_approved_count=4), []),
        (Context(author_approved_count=9, author_recent_rejected=1, author_recent_total=6), []),
        (
            Context(author_approved_count=9, author_recent_rejected=3, author_recent_total=5),
            [(Verdict.HOLD, "poor_reputation")],
        ),
        (Context(author_recent_rejected=3, author_recent_total=3), []),  # too few to judge
        (Context(author_recent_rejected=2, author_recent_total=4), []),  # 50% is not above 50%
    ],
)
def test_reputation(context: Context, expected: list[object]) -> None:
    assert signals(REPUTATION.check(sub("Bonjour"), context)) == expected


def test_trusted_signal_vouches_and_poor_reputation_says_how_poor() -> None:
    trusted = REPUTATION.check(sub("x"), Context(author_approved_count=7))
    assert trusted is not None
    assert trusted.trusted
    assert trusted.params == {"approved": 7}
    poor = REPUTATION.check(sub("x"), Context(author_recent_rejected=3, author_recent_total=4))
    assert poor is not None
    assert not poor.trusted
    assert poor.params == {"rejected": 3, "total": 4, "rate": 75, "limit": 50}


def test_trust_can_be_turned_off() -> None:
    rule = ReputationRule(trust_after=0)
    assert rule.check(sub("x"), Context(author_approved_count=100)) is None


# --- Floods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "ip", "expected"),
    [
        (5, 20, []),
        (6, 0, [(Verdict.HOLD, "flood_author")]),
        (0, 21, [(Verdict.HOLD, "flood_ip")]),
        (6, 21, [(Verdict.HOLD, "flood_author"), (Verdict.HOLD, "flood_ip")]),
    ],
)
def test_flood(author: int, ip: int, expected: list[object]) -> None:
    context = Context(author_recent_count=author, ip_recent_count=ip)
    assert signals(FloodRule(max_author_recent=5, max_ip_recent=20).check(sub("x"), context)) == (
        expected
    )


# --- Campaigns --------------------------------------------------------------------------------

CAMPAIGN_FR = (
    "Gagnez un iPhone gratuit en cliquant sur le lien de mon profil, offre limitée aujourd'hui"
)
CAMPAIGN_EN = (
    "Check out my channel for free gift cards, click the link in my profile before it ends"
)


def similar(*specs: tuple[str, str, int | None], distance: int = 1) -> tuple[SimilarComment, ...]:
    return tuple(
        SimilarComment(i + 1, article, author, distance, campaign)
        for i, (article, author, campaign) in enumerate(specs)
    )


@pytest.mark.parametrize("text", [CAMPAIGN_FR, CAMPAIGN_EN])
def test_campaign_across_three_articles_is_spam_and_opens_a_campaign(text: str) -> None:
    context = Context(
        similar_recent=similar(("a2", "h", None), ("a3", "h", None), ("a4", "h", None))
    )
    signal = CampaignRule().check(sub(text, article_key="a1", email_hash="h"), context)
    assert signal is not None
    assert signal.verdict is Verdict.SPAM
    assert signal.params == {
        "similar": 3,
        "articles": 4,
        "authors": 1,
        "campaign_id": 0,
        "new_campaign": 1,
    }


def test_campaign_reuses_the_campaign_most_similar_comments_belong_to() -> None:
    context = Context(
        similar_recent=similar(
            ("a1", "h2", 9), ("a1", "h3", 4), ("a1", "h4", 4), ("a1", "h5", None)
        )
    )
    signal = CampaignRule().check(sub(CAMPAIGN_FR, article_key="a1", email_hash="h1"), context)
    assert signal is not None
    assert (signal.params["campaign_id"], signal.params["new_campaign"]) == (4, 0)
    assert signal.params["authors"] == 5


@pytest.mark.parametrize(
    ("text", "context"),
    [
        # One author repeating themselves under one article: a flood, not a campaign.
        (
            CAMPAIGN_FR,
            Context(
                similar_recent=similar(("a1", "h", None), ("a1", "h", None), ("a1", "h", None))
            ),
        ),
        # Too few similar comments.
        (CAMPAIGN_EN, Context(similar_recent=similar(("a2", "h2", None), ("a3", "h3", None)))),
        # Too far apart.
        (
            CAMPAIGN_EN,
            Context(
                similar_recent=similar(
                    ("a2", "h", None), ("a3", "h", None), ("a4", "h", None), distance=9
                )
            ),
        ),
        # Short and common: "Merci pour cet article" is not coordinated.
        (
            "Merci pour cet article",
            Context(
                similar_recent=similar(("a2", "h2", None), ("a3", "h3", None), ("a4", "h4", None))
            ),
        ),
        (CAMPAIGN_FR, Context()),
    ],
)
def test_no_campaign(text: str, context: Context) -> None:
    assert CampaignRule().check(sub(text, article_key="a1", email_hash="h"), context) is None


NEWSROOM = NewsroomNameRule(names=("La Rédaction", "Modérateur", "Le Journal du Soir"))


@pytest.mark.parametrize(
    ("name", "listed"),
    [
        ("La Rédaction", "La Rédaction"),
        ("LA REDACTION", "La Rédaction"),
        ("la rédaction ", "La Rédaction"),
        ("LaRédaction", "La Rédaction"),
        ("Marie, de la Rédaction", "La Rédaction"),
        ("Modérateur", "Modérateur"),
        ("M0dérateur", "Modérateur"),  # leetspeak
        ("Моdérateur", "Modérateur"),  # Cyrillic М and о
        ("Le journal du soir", "Le Journal du Soir"),
        ("le-journal-du-soir", "Le Journal du Soir"),
    ],
)
def test_newsroom_name_holds_names_posing_as_the_newsroom(name: str, listed: str) -> None:
    signal = NEWSROOM.check(sub(author_name=name), Context())
    assert signal is not None
    assert (signal.verdict, signal.code, signal.params) == (
        Verdict.HOLD,
        "newsroom_name",
        {"name": listed},
    )


@pytest.mark.parametrize(
    "name", ["Camille Dupont", "Rédactrice en herbe", "Journal intime", "Le Soir", "Modérément"]
)
def test_newsroom_name_leaves_ordinary_names_alone(name: str) -> None:
    assert NEWSROOM.check(sub(author_name=name), Context()) is None


def test_newsroom_name_is_not_waived_for_trusted_authors() -> None:
    from moderation.pipeline import Policy
    from moderation.pipeline import default_rules
    from moderation.pipeline import moderate

    rules = default_rules(newsroom_names=("La Rédaction",))
    decision = moderate(
        sub("Merci à tous pour vos messages.", author_name="La Rédaction"),
        Context(author_approved_count=50),
        rules,
        Policy(),
    )
    assert decision.trusted
    assert decision.verdict is Verdict.HOLD
