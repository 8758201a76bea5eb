"""Language detection on real French and English comments, and its refusals to guess."""

from __future__ import annotations

import pytest

from moderation.pipeline.language import detect_language
from tests.pipeline.factories import texts


@pytest.mark.parametrize(
    ("dataset", "language"),
    [
        ("toxifrench-fr", "fr"),
        ("mlma-fr", "fr"),
        ("mhc-fr", "fr"),
        ("jigsaw-toxic-en", "en"),
        ("sms-spam", "en"),
    ],
)
def test_real_comments_are_recognised(dataset: str, language: str) -> None:
    comments = [t for t in texts(dataset) if len(t) >= 60]
    answers = [detect_language(t) for t in comments]
    known = [a for a in answers if a is not None]
    assert len(known) / len(comments) > 0.95
    assert sum(a == language for a in known) / len(known) > 0.99


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Je trouve cet article très juste, merci à la rédaction pour ce travail.", "fr"),
        ("I found this article very fair, thanks to the newsroom for the work.", "en"),
        ("Ich finde diesen Artikel sehr gut geschrieben und ausgewogen.", "de"),
        ("Me parece un artículo muy bien escrito y equilibrado, gracias.", "es"),
        ("QUEL SCANDALE, CE GOUVERNEMENT NOUS MENT DEPUIS DES ANNÉES", "fr"),
    ],
)
def test_clear_sentences(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Bravo !",
        "ok",
        "lol",
        "Merci",
        "👍👍👍",
        "@user https://example.com/article-2024 #tag 42",
    ],
)
def test_too_short_or_noise_is_unknown(text: str) -> None:
    assert detect_language(text) is None


def test_candidates_restrict_the_answer() -> None:
    text = "Ich finde diesen Artikel sehr gut geschrieben und ausgewogen."
    assert detect_language(text, candidates=("de", "fr")) == "de"
    assert detect_language(text, candidates=("fr", "en")) != "de"
