"""Text folding for matching: one canonical form of a comment, mapped back to its offsets.

Folding lowercases, drops accents, expands ligatures (œ→oe, æ→ae, ß→ss), maps look-alike
letters from other scripts and compatibility forms (Cyrillic "с", Greek "ο", fullwidth
"Ｃ", mathematical "𝐜") to Latin, maps the unambiguous leetspeak characters (0→o, 3→e,
4→a, 5→s, 7→t, @→a, $→s), unifies apostrophes, middots and hyphens, and deletes invisible
characters (zero-width spaces, soft hyphens, combining marks).

Word lists and fingerprints both read the folded text; spans found in it are mapped back
with :meth:`Folded.span`, so moderators see exactly the characters the reader typed.

Speed matters (every comment, thousands of entries): the per-character work is one
``str.translate`` with a table built once. Only characters whose folded form has another
length (ligatures, deletions, "…") need bookkeeping, and only around them is the text
cut into pieces, so most comments take the fast path with an identity offset map.

"1" is *not* folded: it stands for "i" as often as for "l", so the word lists accept it in
place of either letter instead (see ``wordlists``).
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from functools import lru_cache

from moderation.pipeline.types import Span

#: Curated look-alikes that Unicode normalisation does not fold (Cyrillic, Greek, Latin
#: letters with strokes, small capitals). Keys are checked before and after lowercasing;
#: uppercase keys are listed where the capital looks like another letter than the small one.
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h",
    "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b",
    "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y",
    "һ": "h", "ӏ": "l", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "c",
    "Η": "h", "Ν": "n", "Β": "b", "Ζ": "z", "Μ": "m", "Υ": "y",
    # Latin letters that do not decompose, and small capitals
    "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ƀ": "b",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip

#: Ligatures and letters that fold to two letters.
EXPANSIONS: dict[str, str] = {"œ": "oe", "æ": "ae", "ß": "ss", "þ": "th"}

#: Leetspeak digits and symbols with one reading. "1" is left to the matcher (i or l).
LEET: dict[str, str] = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}

#: One apostrophe, one middot (inclusive writing), one hyphen.
PUNCTUATION: dict[str, str] = {
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'",
    "‧": "·", "⋅": "·", "•": "·", "∙": "·", "・": "·",
    "‐": "-", "‑": "-",
}  # fmt: skip

#: Invisible characters used to break words apart ("con\u200bnard"): deleted.
INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u2060\u2061\u2062\u2063\u2064\ufeff"
)

# Blocks that hold letters worth folding; other characters (CJK, emoji...) stay as they are.
_RANGES = (
    (0x0000, 0x052F),  # Latin, IPA, modifiers, combining marks, Greek, Cyrillic
    (0x1D00, 0x1DFF),  # phonetic extensions (small capitals), combining supplement
    (0x1E00, 0x1FFF),  # Latin extended additional, Greek extended
    (0x2000, 0x24FF),  # punctuation, letterlike symbols, enclosed alphanumerics
    (0x2C60, 0x2C7F),
    (0xA720, 0xA7FF),
    (0xFB00, 0xFB4F),  # presentation forms (ﬁ)
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFF00, 0xFFEF),  # fullwidth forms
    (0x1D400, 0x1D7FF),  # mathematical alphanumerics
    (0x1F100, 0x1F1FF),  # enclosed alphanumeric supplement
)


def fold_char(char: str) -> str:
    """The folded form of one character (possibly empty or two characters long)."""
    if char in INVISIBLE:
        return ""
    mapped = CONFUSABLES.get(char)
    if mapped is not None:
        return mapped
    out = []
    for part in unicodedata.normalize("NFKD", char):
        for low in part.lower():
            if unicodedata.combining(low) or low in INVISIBLE:
                continue  # accents, and the dot that "İ".lower() adds
            mapped = CONFUSABLES.get(low) or EXPANSIONS.get(low)
            out.append(mapped or PUNCTUATION.get(low) or LEET.get(low) or low)
    return "".join(out)


_BMP = 0x10000


@dataclass(frozen=True, slots=True)
class _Tables:
    ascii: dict[int, int]  # for ASCII texts: CPython translates them from a cache
    bmp: array[int]  # every BMP code point to its one-character fold (256 KiB)
    special: dict[str, str]  # characters folded in pieces: other lengths, or astral
    special_pattern: re.Pattern[str]


def _character_class(chars: Iterable[str]) -> str:
    """A regex class of ``chars`` written as ranges: sre keeps it compact and fast."""
    ranges: list[list[int]] = []
    for code in sorted(ord(c) for c in chars):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = [
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    ]
    return "[" + "".join(parts) + "]"


@cache
def _tables() -> _Tables:
    # Built on first use, once per process: about 12,000 code points, a few milliseconds.
    bmp = array("I", range(_BMP))
    special: dict[str, str] = {}
    for low, high in _RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            folded = fold_char(char)
            if folded == char:
                continue
            if len(folded) == 1 and code < _BMP:
                bmp[code] = ord(folded)
            else:
                # Astral characters ("𝐜") go with the pieces: an array lookup table for all
                # of Unicode would cost 4 MiB, and they are rare.
                special[char] = folded
    ascii_only = {code: bmp[code] for code in range(128) if bmp[code] != code}
    # Every astral character takes the piece path (emoji keep their form there): one range
    # is much faster to test than the hundreds of foldable astral letters.
    bmp_special = _character_class(c for c in special if ord(c) < _BMP)
    pattern = re.compile(bmp_special[:-1] + "\U00010000-\U0010ffff]")
    return _Tables(ascii_only, bmp, special, pattern)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and the way back to offsets in the original.

    The map is piecewise: piece ``i`` starts at ``folded_starts[i]`` in the folded text
    and at ``original_starts[i]`` in the original; it is either a stretch copied one
    character for one, or the expansion of a single original character. No pieces means
    the identity.
    """

    original: str
    text: str
    folded_starts: list[int] = field(default_factory=list)
    original_starts: list[int] = field(default_factory=list)
    expansion: list[bool] = field(default_factory=list)

    def position(self, index: int) -> int:
        """The original offset of the character at ``index`` in the folded text."""
        if not self.folded_starts:
            return index
        piece = bisect_right(self.folded_starts, index) - 1
        if piece < 0:
            return index
        origin = self.original_starts[piece]
        if self.expansion[piece]:
            return origin
        return origin + index - self.folded_starts[piece]

    def span(self, start: int, end: int) -> Span:
        """The original stretch that folded to ``text[start:end]``."""
        if end <= start:
            at = self.position(start) if start < len(self.text) else len(self.original)
            return Span(at, at)
        first = self.position(start)
        last = self.position(end - 1) + 1
        # Keep combining accents that follow the last letter inside the span, so the
        # highlighted text never ends in the middle of a decomposed "é".
        while last < len(self.original) and unicodedata.combining(self.original[last]):
            last += 1
        return Span(first, last)


@lru_cache(maxsize=64)
def fold(text: str) -> Folded:
    """Fold ``text`` for matching, keeping the way back to its offsets.

    Remembers the last few texts: several rules fold the same comment (word lists,
    gibberish), and a ``Folded`` is never modified.
    """
    tables = _tables()
    if text.isascii():
        return Folded(text, text.translate(tables.ascii))
    if tables.special_pattern.search(text) is None:
        return Folded(text, text.translate(tables.bmp))
    parts: list[str] = []
    folded_starts: list[int] = []
    original_starts: list[int] = []
    expansion: list[bool] = []
    position = 0
    last = 0
    for match in tables.special_pattern.finditer(text):
        at = match.start()
        if at > last:
            folded_starts.append(position)
            original_starts.append(last)
            expansion.append(False)
            chunk = text[last:at].translate(tables.bmp)
            parts.append(chunk)
            position += len(chunk)
        replacement = tables.special.get(match.group(), match.group())
        if replacement:  # deleted characters leave no piece
            folded_starts.append(position)
            original_starts.append(at)
            expansion.append(True)
            parts.append(replacement)
            position += len(replacement)
        last = at + 1
    if last < len(text):
        folded_starts.append(position)
        original_starts.append(last)
        expansion.append(False)
        parts.append(text[last:].translate(tables.bmp))
    return Folded(text, "".join(parts), folded_starts, original_starts, expansion)
