"""Which language a comment is written in, or ``None`` when the text cannot tell.

The only importer of ``py3langid`` (a naive Bayes model over byte n-grams that ships inside
its wheel: nothing is downloaded). The model loads on first use, once per process (about a
second), and is restricted to the languages a news site in France meets, which makes it
both faster and more accurate than choosing among 97.

Short texts are where identifiers guess: "Bravo !" is French to a reader and anything to a
model. Below ``min_letters`` letters, or under ``min_confidence``, the answer is ``None``,
and the language rule and the language-scoped word lists then stay out of the way.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Protocol

#: The languages the identifier chooses among, unless the caller names others.
DEFAULT_CANDIDATES: tuple[str, ...] = ("fr", "en", "de", "es", "it", "pt", "nl", "ar")

# Addresses, mentions and numbers say nothing about the language around them.
_NOISE = re.compile(r"(?:https?://|www\.)\S++|(?<!\S)[^\s@]++@\S++|@\w++|#\w++|\d++", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


class _Identifier(Protocol):
    def set_languages(self, langs: list[str] | None = None) -> None: ...

    def classify(self, text: str) -> tuple[str, float]: ...


@cache
def _model() -> _Identifier:
    # Imported here, not at the top: the web process never detects languages, and the
    # model costs memory and a second of start-up.
    from py3langid.langid import MODEL_FILE  # type: ignore[import-untyped]  # no type hints
    from py3langid.langid import LanguageIdentifier

    identifier: _Identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return identifier


@cache
def _identifier(candidates: frozenset[str]) -> _Identifier:
    # ``set_languages`` replaces the identifier's weight arrays with slices: a shallow copy
    # per candidate set shares the loaded model and leaves the others untouched.
    identifier = copy.copy(_model())
    identifier.set_languages(sorted(candidates))
    return identifier


def detect_language(
    text: str,
    *,
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES,
    min_letters: int = 12,
    min_confidence: float = 0.9,
) -> str | None:
    """The ISO 639-1 code of the language of ``text``, or ``None`` if too short or unsure."""
    cleaned = _NOISE.sub(" ", text)
    if _LETTER.subn("", cleaned)[1] < min_letters:
        return None
    language, confidence = _identifier(frozenset(candidates)).classify(cleaned)
    if confidence < min_confidence:
        return None
    return language
