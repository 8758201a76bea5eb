"""The built-in models: they learn, they generalize, they round-trip, and they cascade."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from moderation.pipeline import learning
from moderation.pipeline import text_features
from moderation.pipeline.classifiers import BuiltinClassifier
from moderation.pipeline.classifiers import ModelBundle
from moderation.pipeline.classifiers import bundle_from_arrays
from moderation.pipeline.classifiers import bundle_to_arrays
from tests.pipeline.factories import rows
from tests.pipeline.factories import sub


class CountingEncoder:
    """A stand-in sentence encoder: a fixed random projection of the hashed words.

    It counts the texts it was asked to encode, which is what the cascade tests look at.
    """

    dim = 16

    def __init__(self) -> None:
        self.encoded = 0
        self._projection = np.random.default_rng(5).normal(
            size=(text_features.WORD_BUCKETS, self.dim)
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        words = text_features.hashed(texts)[:, : text_features.WORD_BUCKETS]
        return np.asarray(words @ self._projection, dtype=np.float32)


def _split(dataset: str, share: float = 0.3) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    data = rows(dataset)
    random.Random(3).shuffle(data)
    cut = int(len(data) * share)
    return data[cut:], data[:cut]


def _fit(data: list[dict[str, str]], encoder: CountingEncoder | None = None) -> learning.TextModel:
    return learning.fit([r["text"] for r in data], [int(r["label"]) for r in data], encoder)


def test_a_model_trained_on_part_of_a_sample_separates_the_rest() -> None:
    train, held = _split("youtube-spam")
    model = _fit(train)
    scores = model.probabilities([r["text"] for r in held], None)
    auc = roc_auc_score([int(r["label"]) for r in held], scores)
    assert auc > 0.9


def test_a_french_toxicity_model_does_better_than_chance_on_unseen_comments() -> None:
    train, held = _split("toxifrench-fr")
    model = _fit(train)
    scores = model.probabilities([r["text"] for r in held], None)
    assert roc_auc_score([int(r["label"]) for r in held], scores) > 0.62


def test_the_cascade_encodes_only_the_comments_the_fast_head_is_unsure_of() -> None:
    train, held = _split("youtube-spam")
    encoder = CountingEncoder()
    model = _fit(train, encoder)
    assert model.full is not None
    encoder.encoded = 0
    texts = [r["text"] for r in held]
    _, encoded = model.logits(texts, encoder)
    assert encoded == encoder.encoded
    assert 0 < encoded < len(texts)
    # Outside the band the fast head's answer stands: the same with or without encoder.
    fast_only = model.probabilities(texts, None)
    both = model.probabilities(texts, encoder)
    sure = (fast_only <= model.band[0]) | (fast_only >= model.band[1])
    assert sure.any()
    assert np.allclose(fast_only[sure], both[sure])


def test_a_bundle_survives_the_round_trip_through_arrays() -> None:
    train, held = _split("youtube-spam")
    encoder = CountingEncoder()
    bundle = ModelBundle("spam", "spam-test-1", {"any": _fit(train, encoder)}, {"*": "any"})
    again = bundle_from_arrays(bundle_to_arrays(bundle))
    texts = [r["text"] for r in held]
    languages = [None] * len(texts)
    before = bundle.probabilities(texts, languages, encoder)
    after = again.probabilities(texts, languages, encoder)
    assert again.version == "spam-test-1"
    assert np.max(np.abs(before - after)) < 5e-3


def test_adapting_to_a_sites_decisions_moves_its_scores_their_way() -> None:
    train, _ = _split("youtube-spam")
    base = _fit(train)
    # This site's spammers sell garden furniture, which the public set never saw.
    spam = [f"Mobilier de jardin en promotion, offre {i} sur notre boutique" for i in range(12)]
    ham = [f"Le jardin public de la ville ouvre enfin, bravo pour l'article {i}" for i in range(12)]
    adapted = learning.adapt(base, spam + ham, [1] * len(spam) + [0] * len(ham))
    unseen_spam = ["Mobilier de jardin en promotion cette semaine sur la boutique"]
    unseen_ham = ["Le jardin de la ville ouvre enfin, bravo"]
    assert adapted.probabilities(unseen_spam, None)[0] > base.probabilities(unseen_spam, None)[0]
    assert adapted.probabilities(unseen_spam, None)[0] > 0.5
    assert adapted.probabilities(unseen_ham, None)[0] < 0.5
    again = bundle_from_arrays(
        bundle_to_arrays(ModelBundle("spam", "v", {"any": adapted}, {"*": "any"}))
    )
    assert (
        abs(
            again.families["any"].probabilities(unseen_spam, None)[0]
            - adapted.probabilities(unseen_spam, None)[0]
        )
        < 5e-3
    )


def test_the_classifier_scores_each_comment_by_its_language_family() -> None:
    spam = ["Gagnez 5000€ par mois depuis chez vous http://argent.example", "Casino gratuit"]
    ham = ["Très bon article, merci", "Je ne suis pas d'accord avec l'auteur"]
    texts = spam * 5 + ham * 5
    labels = [1, 1] * 5 + [0, 0] * 5
    french = learning.fit(texts, labels)
    inverted = learning.fit(texts, [1 - label for label in labels])
    bundle = ModelBundle("spam", "v1", {"fr": french, "en": inverted}, {"fr": "fr", "*": "en"})
    ticks = iter([10.0, 10.5])
    classifier = BuiltinClassifier(bundle, timer=lambda: next(ticks))
    fr, other, empty = classifier.score(
        [sub(spam[0], language="fr"), sub(spam[0], language="de"), sub("   ")]
    )
    assert fr is not None
    assert other is not None
    assert empty is None  # no text, no opinion
    assert fr.attributes["spam"] > 0.5 > other.attributes["spam"]
    assert fr.model == "builtin-spam"
    assert fr.version == "v1"
    assert fr.latency_ms == pytest.approx(500 / 3, abs=1e-3)  # its share of the batch's half second


def test_classifiers_sharing_a_feature_memo_score_as_alone_and_hash_each_text_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spam = ["Gagnez 5000€ par mois depuis chez vous http://argent.example", "Casino gratuit"]
    ham = ["Très bon article, merci", "Je ne suis pas d'accord avec l'auteur"]
    texts, labels = spam * 5 + ham * 5, [1, 1] * 5 + [0, 0] * 5
    spam_model = ModelBundle("spam", "v1", {"any": learning.fit(texts, labels)}, {"*": "any"})
    families = {"fr": learning.fit(texts, labels), "en": learning.fit(texts, labels[::-1])}
    toxicity = ModelBundle("toxicity", "v1", families, {"fr": "fr", "*": "en"})
    batch = [sub(t, language=lang) for t in (*spam, *ham) for lang in ("fr", "en")]
    alone = [BuiltinClassifier(b).score(batch) for b in (spam_model, toxicity)]
    hashed_texts: list[str] = []
    real_hashed = text_features.hashed

    def counting(texts: Sequence[str]) -> object:
        hashed_texts.extend(texts)
        return real_hashed(texts)

    monkeypatch.setattr(text_features, "hashed", counting)
    memo = text_features.FeatureMemo()
    shared = [BuiltinClassifier(b, features=memo).score(batch) for b in (spam_model, toxicity)]
    assert shared == alone
    assert sorted(hashed_texts) == sorted(set(spam + ham))  # once each, for both models


def test_the_spans_point_at_the_words_that_weighed_most() -> None:
    texts = [f"achetez du viagra pas cher numéro {i}" for i in range(10)] + [
        f"un article pas cher à lire numéro {i}" for i in range(10)
    ]
    model = learning.fit(texts, [1] * 10 + [0] * 10)
    [score] = BuiltinClassifier(ModelBundle("spam", "v", {"any": model}, {"*": "any"})).score(
        [sub("Bonjour, achetez du viagra ici")]
    )
    assert score is not None
    pointed = {"Bonjour, achetez du viagra ici"[s.start : s.end] for s in score.spans}
    assert "viagra" in pointed
    assert "Bonjour" not in pointed


def test_a_word_lands_in_the_bucket_the_vectorizer_gives_it() -> None:
    matrix = text_features.hashed(["viagra"])
    words = matrix[:, : text_features.WORD_BUCKETS].nonzero()[1].tolist()
    assert words == [text_features.word_bucket("viagra")]


def test_links_and_numbers_are_folded_into_placeholders() -> None:
    assert text_features.normalize("Voir https://x.example/a?b=1 ou 06 12 34 56 78") == (
        "voir  xxlink  ou  xxnum "
    )


@pytest.mark.parametrize(
    ("labels", "scores", "share", "threshold"),
    [
        # Ranked: 1 1 0 1 0 -> precision 1.0 down to the second row, then 2/3.
        ([1, 1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.1], 2 / 3, 0.8),
        ([0, 1], [0.9, 0.1], 0.0, None),
        ([1, 1, 0], [0.5, 0.5, 0.5], 0.0, None),  # a tie cannot be split
    ],
)
def test_recall_at_precision_95_takes_the_best_clean_cut(
    labels: list[int], scores: list[float], share: float, threshold: float | None
) -> None:
    metrics = learning.measure(labels, scores)
    assert metrics.auto_share_at_p95 == pytest.approx(share, abs=1e-4)
    assert metrics.threshold_at_p95 == threshold


def test_training_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="both labels"):
        learning.fit(["a b", "c d"], [1, 1])
