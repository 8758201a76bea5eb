"""Rules about how a comment is written, and the article-state rules (language, surge)."""

from __future__ import annotations

import pytest

from moderation.pipeline import Context
from moderation.pipeline import Verdict
from moderation.pipeline.rules import LanguageRule
from moderation.pipeline.rules import SurgeRule
from moderation.pipeline.style_rules import GibberishRule
from moderation.pipeline.style_rules import ShoutingRule
from moderation.pipeline.style_rules import TypingSpeedRule
from tests.pipeline.factories import sub
from tests.pipeline.factories import texts

LONG_FR = (
    "Je trouve cet article très juste sur le fond, même si la conclusion mérite débat. "
    "La réforme des retraites touche d'abord ceux qui ont commencé à travailler tôt."
)
LONG_EN = (
    "A thoughtful piece, although the conclusion deserves a debate. The pension reform "
    "hits first those who started working young, and nobody in government says so."
)

# --- Typing speed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "elapsed", "code"),
    [
        ("Bravo !", None, "no_form_token"),  # no usable form token: held, not skipped
        ("Bravo !", 1.0, "typed_too_fast"),  # below the 3 s floor
        ("Bravo !", 3.5, None),
        (LONG_FR, 4.0, "typed_too_fast"),  # 165 characters need 7 s at 25 per second
        (LONG_FR, 8.0, None),
        (LONG_EN, 2.0, "typed_too_fast"),
        (LONG_EN, 30.0, None),
        ("Thanks", -5.0, "typed_too_fast"),  # a render time from the future
    ],
)
def test_typing_speed(text: str, elapsed: float | None, code: str | None) -> None:
    signal = TypingSpeedRule().check(sub(text, elapsed_seconds=elapsed), Context())
    assert (signal.code if signal else None) == code
    if signal:
        assert signal.verdict is Verdict.HOLD
        if code == "typed_too_fast":
            assert signal.params["seconds"] >= 0


# --- Shouting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "C'EST SCANDALEUX, CE GOUVERNEMENT NOUS MENT DEPUIS DES ANNÉES !!!",
        "THIS IS A DISGRACE AND EVERYONE IN THIS NEWSROOM KNOWS IT",
        "ÉCŒURANT. DÉMISSION IMMÉDIATE DU MINISTRE ET DE SON ÉQUIPE",
    ],
)
def test_shouting_is_held(text: str) -> None:
    signal = ShoutingRule().check(sub(text), Context())
    assert signal is not None
    assert (signal.verdict, signal.code) == (Verdict.HOLD, "shouting")
    assert int(signal.params["percent"]) >= 70


@pytest.mark.parametrize(
    "text",
    [
        "NON !",  # too short to be shouting
        "La SNCF, la RATP et l'URSSAF publient leurs chiffres ce matin, enfin.",
        "The BBC and the NHS said so on Monday, as the OECD did last year.",
        "VOIR HTTPS://WWW.EXEMPLE-DE-SITE-TRES-LONG.FR/ARTICLE Merci pour le lien vers la source",
        LONG_FR,
        LONG_EN,
    ],
)
def test_capitals_in_normal_writing_are_not_shouting(text: str) -> None:
    assert ShoutingRule().check(sub(text), Context()) is None


# --- Gibberish --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("!!!!!!!!!!!!!!!!!!!!!!!!", "gibberish_repeats"),
        ("hahahahahahahahahahahaha", "gibberish_repeats"),
        ("asdasdasdasdasdasdasd", "gibberish_repeats"),
        ("mdrrrrrrrrrrrrrrrrrrrrr", "gibberish_repeats"),
        ("qsdfghjklm wxcvbn", "gibberish_no_vowels"),
        ("Super article, mwjxkwkxqs", "gibberish_no_vowels"),
        ("lol lol lol lol lol lol lol lol lol", "gibberish_low_entropy"),
        ("abab baba abba baab abab baba abba", "gibberish_low_entropy"),
    ],
)
def test_gibberish_is_held(text: str, code: str) -> None:
    signal = GibberishRule().check(sub(text), Context())
    assert signal is not None
    assert (signal.verdict, signal.code) == (Verdict.HOLD, code)


@pytest.mark.parametrize(
    "text",
    [
        LONG_FR,
        LONG_EN,
        "Pffffff, encore une réforme ratée. Nooooon vraiment, ils exagèrent !!!!!!!!",
        "ptdrrrrr il a raison",
        "Grrrr. Rhythm and blues, 2024.",
        "Voir https://xkcd.com/927 et www.qsdfghjklm.example",
        "هذا مقال ممتاز شكرا جزيلا للكاتب على هذا التحليل",  # no Latin vowels, not gibberish
        "Ok",
    ],
)
def test_real_writing_is_not_gibberish(text: str) -> None:
    assert GibberishRule().check(sub(text), Context()) is None


@pytest.mark.parametrize("dataset", ["toxifrench-fr", "jigsaw-toxic-en"])
def test_style_rules_rarely_hold_real_comments(dataset: str) -> None:
    comments = texts(dataset)
    gibberish = sum(GibberishRule().check(sub(t), Context()) is not None for t in comments)
    shouting = sum(ShoutingRule().check(sub(t), Context()) is not None for t in comments)
    assert gibberish / len(comments) < 0.01
    assert shouting / len(comments) < 0.05


# --- Language and surge -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "accepted", "held"),
    [
        ("fr", ("fr",), False),
        ("en", ("fr",), True),
        ("en", ("fr", "en"), False),
        ("de", ("fr", "en"), True),
        (None, ("fr",), False),  # unknown (too short): no opinion
        ("de", (), False),  # no list: every language is accepted
    ],
)
def test_language(language: str | None, accepted: tuple[str, ...], held: bool) -> None:
    context = Context(accepted_languages=accepted)
    signal = LanguageRule().check(sub("Texte", language=language), context)
    assert (signal is not None) == held
    if signal:
        assert signal.verdict is Verdict.HOLD
        assert signal.params == {"language": language, "accepted": ", ".join(accepted)}


@pytest.mark.parametrize(("surge", "held"), [(True, True), (False, False)])
def test_surge(surge: bool, held: bool) -> None:
    signal = SurgeRule().check(sub(LONG_FR), Context(surge_active=surge))
    assert (signal is not None) == held
    if signal:
        assert (signal.verdict, signal.code) == (Verdict.HOLD, "surge")
