"""Quality benchmark of the built-in models on each labelled public set.

Usage (from the project root)::

    .venv/bin/python bench/quality.py [--sets youtube-spam,toxifrench-fr] [--folds 5]
                                      [--no-encoder] [--json]

For each set in ``../shared/data`` (beside the checkout, or ``MODERATION_SHARED_DATA``):

1. k-fold cross-validation (stratified, seed 77) on its ``train.csv``: ROC-AUC of the fast
   head (hashed n-grams and counts), of the full head (plus the sentence embedding) and
   of the cascade the service runs (the encoder only where the fast head is unsure), and
   the share of comments the cascade sent through the encoder;
2. at the threshold that keeps precision >= 0.95 on the fold, the recall: the share of
   spam or toxic comments a site could decide without a person;
3. a learning curve: the cascade's AUC after 50, 200 and 1,000 training examples and all
   of them, as moderators would supply them;
4. end to end: rules + cascade scores through ``pipeline.moderate`` with the default
   policy, as a first comment by a new author: clean comments stopped, positives stopped
   (and given the ``spam`` verdict for the spam sets), and the same with the rules alone;
5. the shipped spam model on single-link spam of the kinds that rules let through;
6. clean comments that cite a link (the toxicity sets' rows with a link, none of them
   spam): the share the spam model would mark spam or hold, out of fold, trained as the
   shipped model is (the spam sets plus the other folds' linked comments) and, before,
   on the spam sets alone.

Embeddings are computed once per text and cached under the temporary directory, so a
second run is quick. Figures go to docs/quality.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from moderation.integrations.sentence_encoder import UniversalSentenceEncoder  # noqa: E402
from moderation.pipeline import Context  # noqa: E402
from moderation.pipeline import Policy  # noqa: E402
from moderation.pipeline import Score  # noqa: E402
from moderation.pipeline import Submission  # noqa: E402
from moderation.pipeline import Verdict  # noqa: E402
from moderation.pipeline import compile_wordlist  # noqa: E402
from moderation.pipeline import default_rules  # noqa: E402
from moderation.pipeline import learning  # noqa: E402
from moderation.pipeline import moderate  # noqa: E402
from moderation.pipeline.classifiers import BuiltinClassifier  # noqa: E402
from moderation.pipeline.classifiers import TextModel  # noqa: E402
from moderation.pipeline.wordlists import SEED_EN  # noqa: E402
from moderation.pipeline.wordlists import SEED_FR  # noqa: E402
from moderation.services import model_versions  # noqa: E402
from moderation.services import training  # noqa: E402

SHARED_DATA = Path(
    os.environ.get(
        "MODERATION_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
#: Set -> task. cyberado-fr has no clear licence: measured here, never shipped.
SETS = {
    "youtube-spam": "spam",
    "sms-spam": "spam",
    "jigsaw-toxic-en": "toxicity",
    "toxifrench-fr": "toxicity",
    "cyberado-fr": "toxicity",
    "mlma-fr": "toxicity",
    "mhc-fr": "toxicity",
}
CURVE = (50, 200, 1000)
SEED = 77
#: Written for this benchmark: single-link spam that the rules approve as a first comment.
SINGLE_LINK_SPAM = (
    "Gagnez 5000€ par mois depuis chez vous, sans diplôme : http://revenu-facile.example/go",
    "Meilleur casino en ligne, 200 tours gratuits à l'inscription http://casino-bonus.example",
    "Viagra et Cialis sans ordonnance, livraison discrète 48h http://pharma-direct.example",
    "J'ai doublé mon capital en bitcoin en une semaine, suivez ma méthode http://crypto.example",
    "Make $5000 a month working from home, no experience needed http://easy-money.example",
    "Cheap replica watches and bags, 80% off today only http://replica-shop.example",
)


class CachedEncoder:
    """The real encoder, with every text's embedding kept on disk by its digest."""

    def __init__(self, directory: Path) -> None:
        self.inner = UniversalSentenceEncoder()
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.memory: dict[str, np.ndarray] = {}
        self.seconds = 0.0
        self.computed = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def preload(self, name: str, texts: Sequence[str]) -> None:
        digest = hashlib.sha256("\n\0".join(texts).encode()).hexdigest()[:16]
        path = self.directory / f"{name}-{digest}.npy"
        if path.exists():
            vectors = np.load(path, allow_pickle=False)
        else:
            started = time.perf_counter()
            vectors = self.inner.encode(list(texts))
            self.seconds += time.perf_counter() - started
            self.computed += len(texts)
            np.save(path, vectors, allow_pickle=False)
        self.memory.update(zip(texts, vectors, strict=True))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self.memory]
        if missing:
            self.memory.update(zip(missing, self.inner.encode(missing), strict=True))
        return np.vstack([self.memory[t] for t in texts]) if texts else np.zeros((0, 512))


def read(name: str) -> tuple[list[str], np.ndarray, list[str | None]]:
    path = SHARED_DATA / name / "train.csv"
    if not path.exists():
        raise SystemExit(f"missing {path}: the shared data must sit beside the checkout")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return (
        [r["text"] for r in rows],
        np.array([int(r["label"]) for r in rows]),
        [r.get("lang") or None for r in rows],
    )


def _subsample(indexes: np.ndarray, labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picked = rng.permutation(indexes)[:size]
    if len(set(labels[picked].tolist())) < 2:  # both labels, as a moderator would give
        first = indexes[labels[indexes] != labels[picked[0]]][0]
        picked = np.r_[picked[:-1], first]
    return picked


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(labels, scores))


def end_to_end(
    texts: Sequence[str],
    languages: Sequence[str | None],
    probabilities: np.ndarray | None,
    kind: str,
    rules: tuple[object, ...],
) -> list[Verdict]:
    """Each comment's verdict from rules (+ scores) as a new author's first comment."""
    verdicts = []
    for index, text in enumerate(texts):
        submission = Submission(
            text=text,
            html=text,
            author_name="Lecteur",
            email_hash="bench",
            article_key="bench",
            language=languages[index],
            link_count=text.count("http"),
            elapsed_seconds=60.0,
        )
        scores = ()
        if probabilities is not None:
            scores = (Score("builtin-" + kind, "bench", {kind: float(probabilities[index])}),)
        decision = moderate(submission, Context(), rules, Policy(), scores)  # type: ignore[arg-type]
        verdicts.append(decision.verdict)
    return verdicts


def evaluate_set(
    name: str, folds: int, encoder: CachedEncoder | None, rules: tuple[object, ...]
) -> dict[str, object]:
    kind = SETS[name]
    texts, labels, languages = read(name)
    if encoder is not None:
        encoder.preload(name, texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    fast_aucs, full_aucs, cascade_aucs, shares, recalls = [], [], [], [], []
    curve: dict[str, list[float]] = {str(n): [] for n in CURVE} | {"all": []}
    outcomes = {"models": [0, 0, 0, 0], "rules": [0, 0, 0, 0]}  # clean stopped, pos stopped,
    # positives marked spam, clean rows
    fit_seconds = 0.0
    for fold, (train, test) in enumerate(splitter.split(texts, labels)):
        train_texts = [texts[i] for i in train]
        test_texts = [texts[i] for i in test]
        started = time.perf_counter()
        model = learning.fit(train_texts, labels[train].tolist(), encoder)
        fit_seconds += time.perf_counter() - started
        fast_only = TextModel(fast=model.fast)
        fast_aucs.append(_auc(labels[test], fast_only.probabilities(test_texts, None)))
        if model.full is not None:
            full_only = TextModel(fast=model.fast, full=model.full, band=(0.0, 1.0))
            full_aucs.append(_auc(labels[test], full_only.probabilities(test_texts, encoder)))
        logits, encoded = model.logits(test_texts, encoder)
        probabilities = 1 / (1 + np.exp(-logits))
        cascade_aucs.append(_auc(labels[test], probabilities))
        shares.append(encoded / len(test))
        recalls.append(learning.recall_at_precision(labels[test], probabilities, 0.95)[0])
        curve["all"].append(cascade_aucs[-1])  # the model above saw all of them
        for size in CURVE:
            if size >= len(train):
                continue
            chosen = _subsample(train, labels, size, SEED + fold)
            small = learning.fit([texts[i] for i in chosen], labels[chosen].tolist(), encoder)
            curve[str(size)].append(_auc(labels[test], small.probabilities(test_texts, encoder)))
        test_languages = [languages[i] for i in test]
        for key, scores in (("models", probabilities), ("rules", None)):
            verdicts = end_to_end(test_texts, test_languages, scores, kind, rules)
            for verdict, label in zip(verdicts, labels[test], strict=True):
                stopped = verdict is not Verdict.APPROVE
                if label:
                    outcomes[key][1] += stopped
                    outcomes[key][2] += verdict is Verdict.SPAM
                else:
                    outcomes[key][0] += stopped
                    outcomes[key][3] += 1
    positives = int(labels.sum())
    clean = len(labels) - positives

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    return {
        "set": name,
        "task": kind,
        "rows": len(labels),
        "positives": positives,
        "folds": folds,
        "roc_auc_fast": round(float(np.mean(fast_aucs)), 4),
        "roc_auc_full": round(float(np.mean(full_aucs)), 4) if full_aucs else None,
        "roc_auc_cascade": round(float(np.mean(cascade_aucs)), 4),
        "roc_auc_cascade_std": round(float(np.std(cascade_aucs)), 4),
        "encoded_share": round(float(np.mean(shares)), 4),
        "recall_at_p95": round(float(np.mean(recalls)), 4),
        "learning_curve": {k: round(float(np.mean(v)), 4) for k, v in curve.items() if v},
        "end_to_end": {
            key: {
                "clean_stopped": share(values[0], clean),
                "positives_stopped": share(values[1], positives),
                "positives_let_through": share(positives - values[1], positives),
                "positives_marked_spam": share(values[2], positives),
            }
            for key, values in outcomes.items()
        },
        "fit_seconds_per_fold": round(fit_seconds / folds, 2),
    }


def single_link_spam(encoder: CachedEncoder | None, rules: tuple[object, ...]) -> list[dict]:
    bundle = model_versions.shipped_bundle("spam")
    if bundle is None:
        return []
    classifier = BuiltinClassifier(bundle, encoder)
    found = []
    for text in SINGLE_LINK_SPAM:
        submission = Submission(
            text=text,
            html=text,
            author_name="Lecteur",
            email_hash="bench",
            article_key="bench",
            link_count=1,
            elapsed_seconds=60.0,
        )
        [score] = classifier.score([submission])
        scores = () if score is None else (score,)
        rules_only = moderate(submission, Context(), rules, Policy()).verdict  # type: ignore[arg-type]
        verdict = moderate(submission, Context(), rules, Policy(), scores).verdict  # type: ignore[arg-type]
        found.append(
            {
                "text": text[:60],
                "spam": None if score is None else score.attributes["spam"],
                "verdict": verdict.value,
                "rules_only": rules_only.value,
            }
        )
    return found


def linked_clean_comments(encoder: CachedEncoder | None, folds: int) -> dict:
    """Out-of-fold spam verdicts on comments with a link that are not spam."""
    spam = training.shipped_examples(SHARED_DATA, "spam")
    spam_texts = [e.text for e in spam]
    spam_labels = [e.label for e in spam]
    linked = [e.text for e in training.linked_ham(SHARED_DATA, "spam")]
    policy = Policy()
    alone = learning.fit(spam_texts, spam_labels, encoder).probabilities(linked, encoder)
    with_linked = np.zeros(len(linked))
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(linked):
        model = learning.fit(
            spam_texts + [linked[i] for i in train], spam_labels + [0] * len(train), encoder
        )
        with_linked[test] = model.probabilities([linked[i] for i in test], encoder)

    def shares(scores: np.ndarray) -> dict[str, float]:
        return {
            "marked_spam": round(float(np.mean(scores >= policy.reject_at)), 3),
            "held": round(
                float(np.mean((scores >= policy.hold_at) & (scores < policy.reject_at))), 3
            ),
        }

    return {
        "rows": len(linked),
        "spam_sets_alone": shares(alone),
        "shipped_way": shares(with_linked),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-encoder", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "moderation-bench-use"
    )
    args = parser.parse_args(argv)
    encoder = None if args.no_encoder else CachedEncoder(args.cache)
    wordlist = compile_wordlist([*SEED_FR, *SEED_EN], version="bench")
    rules = default_rules(wordlist=wordlist)
    results = [
        evaluate_set(name, args.folds, encoder, rules) for name in args.sets.split(",") if name
    ]
    report = {
        "sets": results,
        "single_link_spam": single_link_spam(encoder, rules),
        "linked_clean_comments": linked_clean_comments(encoder, args.folds),
        "encoder_texts_per_second": (
            round(encoder.computed / encoder.seconds, 1) if encoder and encoder.seconds else None
        ),
    }
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print("set              task      rows   AUC fast  full  cascade (sd)  encoded  R@P95")
    for r in results:
        print(
            f"{r['set']:<16} {r['task']:<9} {r['rows']:>5}  {r['roc_auc_fast']:.3f}    "
            f"{r['roc_auc_full'] or 0:.3f} {r['roc_auc_cascade']:.3f} "
            f"({r['roc_auc_cascade_std']:.3f})  {r['encoded_share']:.0%}      "
            f"{r['recall_at_p95']:.0%}"
        )
    print("\nlearning curve (cascade AUC by training examples)")
    for r in results:
        print(
            f"  {r['set']:<16} "
            + "  ".join(f"{k}: {v:.3f}" for k, v in r["learning_curve"].items())
        )
    print("\nend to end (first comment, default policy): clean stopped / positives stopped / spam")
    for r in results:
        m, o = r["end_to_end"]["models"], r["end_to_end"]["rules"]
        print(
            f"  {r['set']:<16} models {m['clean_stopped']:.1%} / "
            f"{m['positives_stopped']:.1%} / {m['positives_marked_spam']:.1%}"
            f"   rules only {o['clean_stopped']:.1%} / "
            f"{o['positives_stopped']:.1%} / {o['positives_marked_spam']:.1%}"
        )
    print("\nsingle-link spam, shipped spam model (score, verdict; rules alone)")
    for item in report["single_link_spam"]:
        print(f"  {item['spam']:.3f} {item['verdict']:<9} ({item['rules_only']})  {item['text']}")
    linked = report["linked_clean_comments"]
    print(f"\nclean comments with a link ({linked['rows']} rows), spam model out of fold")
    for way in ("spam_sets_alone", "shipped_way"):
        print(
            f"  {way:<16} marked spam {linked[way]['marked_spam']:.1%}, "
            f"held {linked[way]['held']:.1%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
