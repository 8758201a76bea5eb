"""Features of a comment's text for the built-in models: hashed n-grams and a few counts.

Words (one and two) and characters (three to five, inside word boundaries) are hashed into
fixed-size spaces, so a model stores weights per bucket and never a vocabulary: the shipped
files carry no fragment of the text they were trained on. A handful of dense counts (links,
digits, capitals, length) give the spam model what n-grams see badly.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

#: Buckets per hashed space; 2**18 keeps collisions rare on comment-sized corpora while a
#: model's weights stay about a megabyte once compressed.
WORD_BUCKETS = 2**18
CHAR_BUCKETS = 2**18
HASHED_SIZE = WORD_BUCKETS + CHAR_BUCKETS

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAILISH = re.compile(r"\S+@\S+\.\w+")
_NUMBER = re.compile(r"\d[\d\s.,]*\d|\d")
#: Words as the word vectorizer sees them (letters and digits, any script).
WORD = re.compile(r"(?u)\b\w\w+\b")

DENSE_NAMES = (
    "links",
    "emails",
    "numbers",
    "digit_share",
    "upper_share",
    "log_length",
    "exclamations",
    "currency",
)
DENSE_SIZE = len(DENSE_NAMES)


def has_link(text: str) -> bool:
    """Whether ``text`` holds a link, as these features see one."""
    return _URL.search(text) is not None


def normalize(text: str) -> str:
    """Lower-case, with links, addresses and numbers folded into placeholder words.

    A model should learn "has a link" or "quotes a price", not one spammer's domain.
    """
    folded = _URL.sub(" xxlink ", text)
    folded = _EMAILISH.sub(" xxemail ", folded)
    folded = _NUMBER.sub(" xxnum ", folded)
    return folded.lower()


def normalize_word(word: str) -> str:
    """:func:`normalize` of one word as :data:`WORD` finds them, without its spaces.

    Such a word holds no link or address (no ``:``, ``/``, ``.`` or ``@``), so only its
    digits can be folded: the common case is a lower-casing.
    """
    if word.isalpha():
        return word.lower()
    return normalize(word).strip()


_WORDS = HashingVectorizer(
    n_features=WORD_BUCKETS,
    analyzer="word",
    ngram_range=(1, 2),
    token_pattern=WORD.pattern,
    lowercase=False,
    alternate_sign=False,
    norm="l2",
    dtype=np.float32,
)
_CHARS = HashingVectorizer(
    n_features=CHAR_BUCKETS,
    analyzer="char_wb",
    ngram_range=(3, 5),
    lowercase=False,
    alternate_sign=False,
    norm="l2",
    dtype=np.float32,
)


def hashed(texts: Sequence[str]) -> sparse.csr_matrix:
    """The hashed word and character n-grams of ``texts``, one row each."""
    normalized = [normalize(t) for t in texts]
    words = _WORDS.transform(normalized)
    chars = _CHARS.transform(normalized)
    return sparse.hstack([words, chars], format="csr", dtype=np.float32)


class FeatureMemo:
    """:func:`hashed` and :func:`dense` of the texts of one batch, each text computed once.

    Several models read the same comments in turn (spam, then toxicity by language family):
    the classifiers of one batch share a memo, and the second reads the rows for free. It
    is bounded (a long comment's row holds a few thousand n-grams, some 25 KB) and meant to
    live as long as one batch, in one thread.
    """

    def __init__(self, size: int = 256) -> None:
        self._rows: OrderedDict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self._size = size

    def features(self, texts: Sequence[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
        known = {t: self._rows[t] for t in texts if t in self._rows}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            matrix, counts = hashed(missing), dense(missing)
            for i, text in enumerate(missing):
                start, end = matrix.indptr[i], matrix.indptr[i + 1]
                known[text] = (matrix.indices[start:end], matrix.data[start:end], counts[i])
                self._rows[text] = known[text]
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)
        if not texts:
            return sparse.csr_matrix((0, HASHED_SIZE), dtype=np.float32), dense([])
        rows = [known[t] for t in texts]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r[0]) for r in rows], out=indptr[1:])
        indices = np.concatenate([r[0] for r in rows])
        data = np.concatenate([r[1] for r in rows])
        matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), HASHED_SIZE))
        return matrix, np.vstack([r[2] for r in rows])


def dense(texts: Sequence[str]) -> np.ndarray:
    """The counts named in :data:`DENSE_NAMES`, squashed to comparable ranges."""
    rows = np.zeros((len(texts), DENSE_SIZE), dtype=np.float32)
    for i, text in enumerate(texts):
        length = max(len(text), 1)
        letters = list(filter(str.isalpha, text))
        rows[i] = (
            min(len(_URL.findall(text)), 3) / 3,
            min(len(_EMAILISH.findall(text)), 2) / 2,
            min(len(_NUMBER.findall(text)), 5) / 5,
            sum(map(str.isdigit, text)) / length,
            sum(map(str.isupper, letters)) / max(len(letters), 1),
            math.log1p(len(text)) / 8,
            min(text.count("!"), 5) / 5,
            1.0 if any(c in text for c in "€$£") else 0.0,
        )
    return rows


def word_bucket(token: str) -> int:
    """The bucket of one (normalized) word, as the word vectorizer hashes it."""
    return abs(int(murmurhash3_32(token, seed=0))) % WORD_BUCKETS
