"""Rules about how a comment was written: typing speed, shouting, gibberish.

Cheap heuristics that only ever *hold* a comment for a person: each catches a kind of
low-effort or automated post that words and scores miss, and each can be wrong about a
human, which is why a trusted author's comment skips them (see ``policy``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from moderation.pipeline.folding import fold
from moderation.pipeline.types import Context
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Submission
from moderation.pipeline.types import Verdict

# Addresses are not prose: "HTTPS://WWW.EXAMPLE.COM" is not shouting, "xkcd.com/927" is
# not gibberish.
_URL = re.compile(r"(?:https?://|www\.)\S++|(?<!\S)[^\s@]++@\S++", re.IGNORECASE)
_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞŒŸ]")
_LETTER = re.compile(r"[^\W\d_]")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_VOWELS = frozenset("aeiouy")
_LATIN_WORD = re.compile(r"[a-z]+")  # vowels are a Latin-script test: Arabic has none here
_LETTER_RUN = re.compile(r"([a-z])\1+")
_RUN = re.compile(r"(\S)\1{2,}")  # three or more of one character
_REPEATED_UNIT = re.compile(r"(\S{2,6}?)\1{3,}")  # a short unit four times or more
# How much of a text the gibberish rule weighs: filler shows early, and the repeated-unit
# pattern tries five unit lengths at every position, so it only reads the head.
_SAMPLE = 800
_REPEAT_SAMPLE = 240
_ENTROPY_SAMPLE = 256


@dataclass(frozen=True, slots=True)
class TypingSpeedRule:
    """Posted faster than a person types: ``elapsed_seconds`` (from the signed render time
    of the form) below ``min_seconds``, or below the text's length at
    ``max_chars_per_second``.

    No usable form token at all (missing, forged, expired, already used, or made for
    another article: the services leave ``elapsed_seconds`` unset) is evidence too, held
    like a post made too fast; otherwise leaving the token out would skip the check.
    The budget is generous on purpose: readers paste comments written elsewhere.
    """

    min_seconds: float = 3.0
    max_chars_per_second: float = 25.0
    rule_id: str = "typing_speed"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        elapsed = submission.elapsed_seconds
        if elapsed is None:
            return Signal(self.rule_id, Verdict.HOLD, "no_form_token")
        needed = max(self.min_seconds, len(submission.text) / self.max_chars_per_second)
        if elapsed >= needed:
            return None
        params: dict[str, str | int] = {
            "seconds": max(0, math.floor(elapsed)),
            "minimum": math.ceil(needed),
        }
        return Signal(self.rule_id, Verdict.HOLD, "typed_too_fast", params)


@dataclass(frozen=True, slots=True)
class ShoutingRule:
    """Written mostly in capitals: at least ``min_letters`` letters, ``min_ratio`` of them
    upper case (addresses left out)."""

    min_letters: int = 30
    min_ratio: float = 0.7
    rule_id: str = "shouting"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        text = submission.text
        # Most comments have few capitals: count them first, the letters only if needed.
        upper = _UPPER.subn("", text)[1]
        if upper < self.min_letters * self.min_ratio:
            return None
        text = _URL.sub(" ", text)
        upper = sum(1 for c in text if c.isupper())
        letters = _LETTER.subn("", text)[1]
        if letters < self.min_letters or upper < self.min_ratio * letters:
            return None
        params: dict[str, str | int] = {"percent": round(100 * upper / letters)}
        return Signal(self.rule_id, Verdict.HOLD, "shouting", params)


def _entropy(letters: str) -> float:
    """Shannon entropy of the letter distribution, in bits (French or English prose: ~4)."""
    counts = Counter(letters)
    total = len(letters)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


@dataclass(frozen=True, slots=True)
class GibberishRule:
    """Keyboard mashing and filler: one of

    * repetition makes up at least ``max_repeat_share`` of a text of ``min_length``
      characters or more ("!!!!!!!!!!!!!!", "hahahahahahahahaha", "asdasdasdasdasd"), while
      emphasis inside a real sentence ("PUTAINNNNNNN ce match") does not;
    * a word of ``no_vowel_length`` letters or more without a vowel, once runs of one
      letter are collapsed ("qsdfghjklm"; "ptdrrrrr" and "pfffff" are fine);
    * letters too uniform to be prose: entropy below ``min_entropy`` bits over at least
      ``min_letters`` letters ("FAGGOT FAGGOT FAGGOT").

    Only the start of a long text is weighed (repetition in its first 240 characters),
    which keeps the rule cheap: gibberish shows early.
    """

    min_length: int = 12
    max_repeat_share: float = 0.5
    min_letters: int = 24
    min_entropy: float = 2.5
    no_vowel_length: int = 8
    rule_id: str = "gibberish"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        # The folded text is shared with the word lists (``fold`` remembers recent texts).
        folded = _URL.sub(" ", fold(submission.text).text[:_SAMPLE]).strip()
        if len(folded) >= self.min_length:
            head = folded[:_REPEAT_SAMPLE]
            collapsed = _REPEATED_UNIT.sub(r"\1", _RUN.sub(r"\1", head))
            share = 1 - len(collapsed) / len(head)
            if share >= self.max_repeat_share:
                params: dict[str, str | int] = {"percent": round(100 * share)}
                return Signal(self.rule_id, Verdict.HOLD, "gibberish_repeats", params)
        for word in _LATIN_WORD.findall(_LETTER_RUN.sub(r"\1", folded)):
            if len(word) >= self.no_vowel_length and _VOWELS.isdisjoint(word):
                params = {"word": word[:40]}
                return Signal(self.rule_id, Verdict.HOLD, "gibberish_no_vowels", params)
        letters = _NOT_LETTER.sub("", folded)[:_ENTROPY_SAMPLE]
        if len(letters) >= self.min_letters:
            entropy = _entropy(letters)
            if entropy < self.min_entropy:
                params = {"entropy": f"{entropy:.2f}"}
                return Signal(self.rule_id, Verdict.HOLD, "gibberish_low_entropy", params)
        return None
