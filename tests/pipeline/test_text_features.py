"""The models' text features: remembered rows are the rows computed afresh."""

from __future__ import annotations

import numpy as np

from moderation.pipeline import text_features

TEXTS = [
    "Gagnez 5000€ par mois depuis chez vous : http://gain.example/inscription",
    "Merci pour cet article très complet.",
    "",
    "   ",
    "Le 12 mars 2026, 3 élus sur 45 ont voté contre ; écrivez à mairie@ville.example !",
    "Ｆｕｌｌｗｉｄｔｈ ＴＥＸＴ and ²³ superscripts, x²+y² and ١٢٣ digits",
    "Merci pour cet article très complet.",  # a repeat within the batch
]


def _dense_rows(matrix: object) -> np.ndarray:
    return np.asarray(matrix.toarray())  # type: ignore[attr-defined]


def test_features_equal_fresh_hashing_in_any_order_and_subset() -> None:
    expected_hashed = _dense_rows(text_features.hashed(TEXTS))
    expected_dense = text_features.dense(TEXTS)
    # First call computes; the later ones read remembered rows, in another order, as a
    # subset, and mixed with a text never seen.
    memo = text_features.FeatureMemo()
    for texts in (TEXTS, TEXTS[::-1], TEXTS[1:3], [*TEXTS[4:], "un texte nouveau"]):
        matrix, counts = memo.features(texts)
        assert matrix.shape == (len(texts), text_features.HASHED_SIZE)
        for row, text in enumerate(texts):
            if text in TEXTS:
                i = TEXTS.index(text)
                np.testing.assert_array_equal(_dense_rows(matrix[row]), expected_hashed[i : i + 1])
                np.testing.assert_array_equal(counts[row], expected_dense[i])
            else:
                np.testing.assert_array_equal(
                    _dense_rows(matrix[row]), _dense_rows(text_features.hashed([text]))
                )


def test_features_of_no_text() -> None:
    matrix, counts = text_features.FeatureMemo().features([])
    assert matrix.shape == (0, text_features.HASHED_SIZE)
    assert counts.shape == (0, text_features.DENSE_SIZE)


def test_remembered_rows_are_bounded() -> None:
    memo = text_features.FeatureMemo(3)
    for i in range(10):
        memo.features([f"commentaire {i}"])
    assert len(memo._rows) == 3
    matrix, _ = memo.features(["commentaire 0", "commentaire 9"])
    np.testing.assert_array_equal(
        _dense_rows(matrix), _dense_rows(text_features.hashed(["commentaire 0", "commentaire 9"]))
    )


def test_normalize_word_is_normalize_of_one_word() -> None:
    text = " ".join(TEXTS) + " COVID19 3ème 1er l'an2000 ÉTÉ Straße İstanbul ǅemal"
    words = [m.group() for m in text_features.WORD.finditer(text)]
    assert len(words) > 40
    for word in words:
        assert text_features.normalize_word(word) == text_features.normalize(word).strip(), word
