"""Near-duplicate fingerprints: 64-bit SimHash over folded word shingles, and LSH bands.

The services store ``fingerprint(text)`` and its four ``bands`` with each comment; to find
the recent comments similar to a new one they select those sharing any band (an indexed
equality lookup), then keep those within ``hamming`` distance 3 and hand them to the
campaign rule. Four 16-bit bands make that lookup exact for distances up to 3: four
differing bits cannot touch all four bands (pigeonhole).

Texts are folded like word lists fold them (case, accents, look-alikes, leetspeak), and a
web address is reduced to its host: a campaign that varies the path or the tracking
parameters of its link still shares the domain it advertises.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from moderation.pipeline.folding import fold

_URL = re.compile(r"(?:https?://|www\.)([^\s/?#:]++)\S*+")
_TOKEN = re.compile(r"[^\W_]+")
_MASK_16 = 0xFFFF
BITS = 64


def _features(text: str) -> list[str]:
    folded = _URL.sub(lambda m: " " + m.group(1).removeprefix("www.") + " ", fold(text).text)
    words = _TOKEN.findall(folded)
    # Words and pairs of neighbours: single words make the fingerprint robust to a changed
    # word, pairs keep some order so that shuffled texts do not look alike.
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@lru_cache(maxsize=1 << 16)
def _hash(feature: str) -> int:
    # A fixed hash (unlike ``hash()``, salted per process): fingerprints are stored and
    # compared across processes and releases.
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")


def fingerprint(text: str) -> int:
    """The 64-bit SimHash of ``text`` (0 for a text without words)."""
    features = _features(text)
    if not features:
        return 0
    # Count, for each bit position, the features whose hash has it set: zip over their
    # binary spellings does the 64 x n counting in C rather than in a Python loop.
    spelled = [format(_hash(f), "064b") for f in features]
    half = len(spelled) / 2
    value = 0
    for column in zip(*spelled, strict=True):
        value = (value << 1) | (column.count("1") > half)
    return value


def hamming(a: int, b: int) -> int:
    """The number of bits that differ between two fingerprints."""
    return (a ^ b).bit_count()


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a fingerprint, most significant first."""
    return (
        (value >> 48) & _MASK_16,
        (value >> 32) & _MASK_16,
        (value >> 16) & _MASK_16,
        value & _MASK_16,
    )


def is_near_duplicate(a: str, b: str, max_distance: int = 3) -> bool:
    """Whether two texts' fingerprints are within ``max_distance`` bits."""
    return hamming(fingerprint(a), fingerprint(b)) <= max_distance
