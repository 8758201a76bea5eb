"""Deterministic moderation rules: honeypot, banned words, links, premoderation.

Each rule is a small object with a stable ``rule_id``; it returns a :class:`Signal` or
``None``. Rules never decide: they argue for a verdict and ``policy.decide`` weighs them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

from moderation.pipeline.types import Context
from moderation.pipeline.types import Rule
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Span
from moderation.pipeline.types import Submission
from moderation.pipeline.types import Verdict


@dataclass(frozen=True, slots=True)
class HoneypotRule:
    """A field hidden from people was filled: a bot."""

    rule_id: str = "honeypot"
    cheap: bool = True

    def check(self, submission: Submission, context: Context) -> Signal | None:
        if submission.honeypot_filled:
            return Signal(self.rule_id, Verdict.SPAM, "honeypot_filled")
        return None


def fold(text: str) -> str:
    """Lowercase and drop accents, keeping one output character per input character.

    Keeping the length equal means offsets found in the folded text are offsets in the
    original, so spans can be shown to moderators exactly.
    """
    out = []
    for char in text.lower():
        base = unicodedata.normalize("NFD", char)[0]
        out.append(base if len(base) == 1 else char)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class BannedWordsRule:
    """A word of the banned list appears as a whole word (accent- and case-insensitive)."""

    words: tuple[str, ...]
    rule_id: str = "banned_word"
    cheap: bool = False
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        cleaned = sorted({fold(w.strip()) for w in self.words if w.strip()}, key=len, reverse=True)
        if cleaned:
            # One alternation compiled once per list: the regex engine walks the text once.
            # Word boundaries stop "Scunthorpe"-style matches inside longer words.
            alternation = "|".join(re.escape(w) for w in cleaned)
            pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
            object.__setattr__(self, "_pattern", pattern)

    def check(self, submission: Submission, context: Context) -> Signal | None:
        if self._pattern is None:
            return None
        folded = fold(submission.text)
        spans = tuple(Span(m.start(), m.end()) for m in self._pattern.finditer(folded))
        if not spans:
            return None
        first = submission.text[spans[0].start : spans[0].end]
        return Signal(self.rule_id, Verdict.REJECT, "banned_word", {"word": first}, spans=spans)


@dataclass(frozen=True, slots=True)
class LinkCountRule:
    """Too many links: hold for a person (WordPress holds at 2 by default)."""

    max_links: int = 2
    rule_id: str = "too_many_links"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        if submission.link_count >= self.max_links:
            return Signal(
                self.rule_id,
                Verdict.HOLD,
                "too_many_links",
                {"count": submission.link_count, "limit": self.max_links},
            )
        return None


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


def default_rules(*, banned_words: Iterable[str] = (), max_links: int = 2) -> tuple[Rule, ...]:
    """The rule set in force, in the order their reasons are listed."""
    return (
        HoneypotRule(),
        BannedWordsRule(tuple(banned_words)),
        LinkCountRule(max_links),
        PremoderationRule(),
    )
