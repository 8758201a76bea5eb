"""Deterministic moderation rules about the comment and its article, and the default set.

Each rule is a small object with a stable ``rule_id``; it returns evidence (a
:class:`Signal`, several, or ``None``) with a message ``code`` and ``params`` listed in
``codes.REASON_CODES``. Rules never decide: they argue for a verdict and ``policy.decide``
weighs them. Rules about the author and the network live in ``author_rules``, rules about
the way a comment is written in ``style_rules``; :func:`default_rules` assembles all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from moderation.pipeline.author_rules import DISPOSABLE_DOMAINS
from moderation.pipeline.author_rules import BlockListRule
from moderation.pipeline.author_rules import CampaignRule
from moderation.pipeline.author_rules import FloodRule
from moderation.pipeline.author_rules import NewsroomNameRule
from moderation.pipeline.author_rules import ReputationRule
from moderation.pipeline.author_rules import domain_in
from moderation.pipeline.style_rules import GibberishRule
from moderation.pipeline.style_rules import ShoutingRule
from moderation.pipeline.style_rules import TypingSpeedRule
from moderation.pipeline.types import ACTION_STRENGTH
from moderation.pipeline.types import Context
from moderation.pipeline.types import Rule
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Submission
from moderation.pipeline.types import Verdict
from moderation.pipeline.types import WordAction
from moderation.pipeline.types import WordEntry
from moderation.pipeline.wordlists import CompiledWordList
from moderation.pipeline.wordlists import compile_wordlist

__all__ = [
    "BlockListRule",
    "CampaignRule",
    "DuplicateRule",
    "FloodRule",
    "GibberishRule",
    "HoneypotRule",
    "LanguageRule",
    "LinkRule",
    "NewsroomNameRule",
    "PremoderationRule",
    "ReputationRule",
    "ShoutingRule",
    "SurgeRule",
    "TypingSpeedRule",
    "WordListRule",
    "default_rules",
]


@dataclass(frozen=True, slots=True)
class HoneypotRule:
    """A field hidden from people was filled: a bot."""

    rule_id: str = "honeypot"
    cheap: bool = True

    def check(self, submission: Submission, context: Context) -> Signal | None:
        if submission.honeypot_filled:
            return Signal(self.rule_id, Verdict.SPAM, "honeypot_filled")
        return None


@dataclass(frozen=True, slots=True)
class DuplicateRule:
    """The author posts again, word for word, what they posted here recently: refused.

    The services say so in ``Context.exact_duplicate`` at intake, where the comment is
    settled at once; the sender is answered as for any accepted comment all the same, so
    a repost cannot confirm whose address wrote a comment.
    """

    rule_id: str = "duplicate"
    cheap: bool = True

    def check(self, submission: Submission, context: Context) -> Signal | None:
        if context.exact_duplicate:
            return Signal(self.rule_id, Verdict.REJECT, "duplicate_comment")
        return None


_WORD_VERDICTS = {WordAction.REJECT: Verdict.REJECT, WordAction.HOLD: Verdict.HOLD}
_WORD_CODES = {
    WordAction.REJECT: "banned_word",
    WordAction.HOLD: "held_word",
    WordAction.FLAG: "flagged_word",
}


@dataclass(frozen=True, slots=True)
class WordListRule:
    """Terms of the word lists in force for the comment's language, site and article.

    One signal per action found (reject, hold, flag), each with every occurrence as a span;
    an occurrence already reported under a stronger action is not repeated.
    """

    wordlist: CompiledWordList
    rule_id: str = "banned_word"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> tuple[Signal, ...] | None:
        matches = self.wordlist.find(
            submission.text,
            language=submission.language,
            site_key=submission.site_key,
            article_key=submission.article_key,
        )
        if not matches:
            return None
        signals = []
        seen: set[tuple[int, int]] = set()
        for action in sorted(ACTION_STRENGTH, key=ACTION_STRENGTH.__getitem__):
            hits = [
                m for m in matches if m.action is action and (m.span.start, m.span.end) not in seen
            ]
            if not hits:
                continue
            spans = tuple(dict.fromkeys(m.span for m in hits))
            seen.update((s.start, s.end) for s in spans)
            first = hits[0]
            params: dict[str, str | int] = {
                "word": first.matched_text,
                "term": first.term,
                "count": len(spans),
            }
            signal = Signal(
                self.rule_id, _WORD_VERDICTS.get(action), _WORD_CODES[action], params, spans
            )
            signals.append(signal)
        return tuple(signals) or None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


@dataclass(frozen=True, slots=True)
class LinkRule:
    """Links: hold at ``max_links``; a link, website or email on a blocked domain is spam.

    Blocked domains come from the settings (``blocked_domains``) and from the database
    (``Context.blocked_domains``); a domain also blocks its subdomains.
    """

    max_links: int = 2
    blocked_domains: frozenset[str] = frozenset()
    rule_id: str = "links"
    cheap: bool = True

    def check(self, submission: Submission, context: Context) -> tuple[Signal, ...] | None:
        signals = []
        blocked = self.blocked_domains | {d.lower().rstrip(".") for d in context.blocked_domains}
        if blocked:
            sources = (
                ("blocked_link_domain", submission.link_hosts),
                ("blocked_website_domain", (_host(submission.website),)),
                ("blocked_email_domain", (submission.email_domain,)),
            )
            for code, hosts in sources:
                hits = [d for d in (domain_in(h, blocked) for h in hosts) if d]
                if hits:
                    params: dict[str, str | int] = {"domain": hits[0], "count": len(hits)}
                    signals.append(Signal(self.rule_id, Verdict.SPAM, code, params))
        if submission.link_count >= self.max_links:
            params = {"count": submission.link_count, "limit": self.max_links}
            signals.append(Signal(self.rule_id, Verdict.HOLD, "too_many_links", params))
        return tuple(signals) or None


@dataclass(frozen=True, slots=True)
class PremoderationRule:
    """The article or the site asks a person to look first (all, links, first-time)."""

    rule_id: str = "premoderation"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        mode = context.premoderation
        if mode == "all":
            return Signal(self.rule_id, Verdict.HOLD, "premoderation_all")
        if mode == "links" and submission.link_count > 0:
            return Signal(self.rule_id, Verdict.HOLD, "premoderation_links")
        if mode == "first_time" and context.author_approved_count == 0:
            return Signal(self.rule_id, Verdict.HOLD, "premoderation_first_time")
        return None


@dataclass(frozen=True, slots=True)
class SurgeRule:
    """The article is under a surge (a raid, a viral share): everything waits for a person.

    The services decide when a surge is on (comment rate against the article's usual
    rate, or a moderator's switch) and say so in ``Context.surge_active``.
    """

    rule_id: str = "surge"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        if context.surge_active:
            return Signal(self.rule_id, Verdict.HOLD, "surge")
        return None


@dataclass(frozen=True, slots=True)
class LanguageRule:
    """The comment is in a language the site does not moderate (``accepted_languages``).

    No opinion when the language is unknown (a short comment) or every language is
    accepted (an empty list).
    """

    rule_id: str = "language"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        accepted = context.accepted_languages
        language = submission.language
        if not accepted or language is None or language in accepted:
            return None
        params: dict[str, str | int] = {"language": language, "accepted": ", ".join(accepted)}
        return Signal(self.rule_id, Verdict.HOLD, "language_not_accepted", params)


def default_rules(
    *,
    banned_words: Iterable[str] = (),
    max_links: int = 2,
    wordlist: CompiledWordList | None = None,
    blocked_domains: Iterable[str] = (),
    disposable_domains: Iterable[str] = DISPOSABLE_DOMAINS,
    disposable_verdict: Verdict = Verdict.HOLD,
    trust_after: int = 5,
    max_reject_rate: float = 0.5,
    min_recent: int = 4,
    max_author_recent: int = 5,
    max_ip_recent: int = 20,
    campaign_min_similar: int = 3,
    campaign_max_distance: int = 3,
    campaign_min_words: int = 10,
    min_seconds: float = 3.0,
    max_chars_per_second: float = 25.0,
    shouting_min_letters: int = 30,
    shouting_ratio: float = 0.7,
    gibberish_max_repeat_share: float = 0.5,
    gibberish_min_letters: int = 24,
    gibberish_min_entropy: float = 2.5,
    gibberish_no_vowel_length: int = 8,
    newsroom_names: Iterable[str] = (),
) -> tuple[Rule, ...]:
    """The rule set in force, in the order of the policy's precedence (reasons are listed
    in this order).

    ``banned_words`` (the first version's setting) are added to ``wordlist`` as ``reject``
    entries in every language; the merged list is compiled here, once.
    """
    words = tuple(WordEntry(w.strip()) for w in banned_words if w.strip())
    if words:
        entries = (wordlist.entries if wordlist else ()) + words
        version = f"{wordlist.version}+banned" if wordlist else "banned-words"
        wordlist = compile_wordlist(entries, version)
    rules: list[Rule] = [
        BlockListRule(
            disposable_domains=frozenset(d.lower() for d in disposable_domains),
            disposable_verdict=disposable_verdict,
        ),
        HoneypotRule(),
        DuplicateRule(),
        LinkRule(
            max_links=max_links,
            blocked_domains=frozenset(d.lower().rstrip(".") for d in blocked_domains),
        ),
    ]
    if wordlist is not None:
        rules.append(WordListRule(wordlist))
    rules += [
        CampaignRule(
            min_similar=campaign_min_similar,
            max_distance=campaign_max_distance,
            min_words=campaign_min_words,
        ),
        PremoderationRule(),
        SurgeRule(),
        NewsroomNameRule(names=tuple(n for n in newsroom_names if n.strip())),
        FloodRule(max_author_recent=max_author_recent, max_ip_recent=max_ip_recent),
        ReputationRule(
            trust_after=trust_after, max_reject_rate=max_reject_rate, min_recent=min_recent
        ),
        TypingSpeedRule(min_seconds=min_seconds, max_chars_per_second=max_chars_per_second),
        ShoutingRule(min_letters=shouting_min_letters, min_ratio=shouting_ratio),
        GibberishRule(
            max_repeat_share=gibberish_max_repeat_share,
            min_letters=gibberish_min_letters,
            min_entropy=gibberish_min_entropy,
            no_vowel_length=gibberish_no_vowel_length,
        ),
        LanguageRule(),
    ]
    return tuple(rules)
