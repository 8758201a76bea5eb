"""Pipeline benchmark: rules and policy on 10,000 realistic comments, in one process.

Usage (from the project root)::

    .venv/bin/python bench/pipeline.py [--comments 10000] [--entries 5000] [--json]
    .venv/bin/python bench/pipeline.py --models [--batch 64] [--comments 2000]

What it does:

1. reads French and English comments from the shared labelled data (``../shared/data``
   beside the checkout, or ``MODERATION_SHARED_DATA``), and builds the comments: real
   texts, a tenth with links (some to a blocked domain), a twentieth from campaigns
   (restyled copies of a few templates with their near-duplicates in the context);
2. builds a 5,000-entry word list (the seed lists plus pronounceable pseudo-words, a tenth
   of them phrases) and times its compilation;
3. gives each comment a varied ``Context`` (premoderation modes, author history, block
   entries, floods, surges, accepted languages, render times) and runs ``moderate()`` with
   ``default_rules()`` and the default ``Policy``, timing each call;
4. runs the same loop again under ``tracemalloc`` for the peak of Python allocations;
5. prints comments per second (one core), p50/p99 per comment in microseconds, the verdict
   mix, peak memory (tracemalloc and the process's maximum resident set), and the cost of
   the two intake helpers the services call once per comment (language, fingerprint).

With ``--models [--batch 64]`` it measures instead the worker's scoring path: the shipped
spam and toxicity models (the sentence encoder on for the comments their n-gram heads are
unsure of) score the comments in batches, then ``moderate()`` decides each one; it prints
comments per second on one core and the process's peak resident memory with Flask, Celery
and SQLAlchemy imported as in a worker (run it with ``OMP_NUM_THREADS=1
OPENBLAS_NUM_THREADS=1`` for a one-core figure).

Languages are detected while building the comments, as the services do at intake: the
timed loop runs what the worker runs.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gc
import json
import os
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from moderation.pipeline import BlockAction  # noqa: E402  (after the path set-up above)
from moderation.pipeline import BlockEntry  # noqa: E402
from moderation.pipeline import BlockKind  # noqa: E402
from moderation.pipeline import Context  # noqa: E402
from moderation.pipeline import Policy  # noqa: E402
from moderation.pipeline import SimilarComment  # noqa: E402
from moderation.pipeline import Submission  # noqa: E402
from moderation.pipeline import WordAction  # noqa: E402
from moderation.pipeline import WordEntry  # noqa: E402
from moderation.pipeline import compile_wordlist  # noqa: E402
from moderation.pipeline import default_rules  # noqa: E402
from moderation.pipeline import moderate  # noqa: E402
from moderation.pipeline.language import detect_language  # noqa: E402
from moderation.pipeline.similarity import fingerprint  # noqa: E402
from moderation.pipeline.wordlists import SEED_EN  # noqa: E402
from moderation.pipeline.wordlists import SEED_FR  # noqa: E402

SHARED_DATA = Path(
    os.environ.get(
        "MODERATION_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
DATASETS = (
    "toxifrench-fr",
    "mlma-fr",
    "mhc-fr",
    "cyberado-fr",
    "jigsaw-toxic-en",
    "youtube-spam",
    "sms-spam",
)
CAMPAIGN_TEMPLATES = (
    "Gagnez un iPhone 15 gratuit en cliquant sur le lien de mon profil, offre limitée à "
    "aujourd'hui seulement, dépêchez-vous avant qu'il ne soit trop tard",
    "Check out my channel for free gift cards, click the link in my profile before the "
    "offer ends tonight, thousands of people already got theirs",
    "Ce journal est vendu au pouvoir, lisez la vraie information sur notre site libre et "
    "indépendant, partagez avant la censure",
)
LINK_HOSTS = ("www.lemonde.fr", "fr.wikipedia.org", "www.insee.fr", "www.bbc.co.uk")
BLOCKED = "casino.example"


def read_texts(limit_per_set: int | None = None) -> list[str]:
    """Every text of the shared CSVs (``text,label,lang``)."""
    found = []
    for name in DATASETS:
        path = SHARED_DATA / name / "train.csv"
        if not path.exists():
            raise SystemExit(f"missing {path}: set MODERATION_SHARED_DATA to the shared data")
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [row["text"] for row in csv.DictReader(handle)]
        found.extend(rows[:limit_per_set])
    return found


def restyle(text: str, rng: random.Random) -> str:
    """A campaign copy: same words, other case, spacing and punctuation."""
    if rng.random() < 0.5:
        text = text.upper()
    return text.replace(" ", rng.choice([" ", "  "])).replace(",", rng.choice([",", " ,", ""]))


def build_wordlist(count: int, rng: random.Random) -> list[WordEntry]:
    syllables = ["ba", "bo", "cra", "dou", "fi", "gre", "ja", "ku", "li", "mo", "nu", "pra"]
    syllables += ["que", "ri", "sto", "tu", "vi", "xa", "zo", "ch", "ille", "eur", "ard", "asse"]
    entries = list(SEED_FR + SEED_EN)
    terms = {e.term for e in entries}
    while len(entries) < count:
        term = "".join(rng.choice(syllables) for _ in range(rng.randint(3, 4)))
        if rng.random() < 0.1:
            term += " " + "".join(rng.choice(syllables) for _ in range(2))
        if term not in terms:
            terms.add(term)
            language = rng.choice(["fr", "en", "any"])
            entries.append(WordEntry(term, rng.choice(list(WordAction)), language))
    return entries


def build_comments(count: int, rng: random.Random) -> list[tuple[Submission, Context]]:
    texts = read_texts()
    comments = []
    for index in range(count):
        roll = rng.random()
        link_hosts: tuple[str, ...] = ()
        similar: tuple[SimilarComment, ...] = ()
        if roll < 0.05:
            text = restyle(rng.choice(CAMPAIGN_TEMPLATES), rng)
            similar = tuple(
                SimilarComment(
                    i, f"a{rng.randrange(50)}", f"h{rng.randrange(9)}", rng.randint(0, 4)
                )
                for i in range(rng.randint(1, 6))
            )
        else:
            text = rng.choice(texts)
        if 0.05 <= roll < 0.15:
            link_hosts = tuple(rng.choice(LINK_HOSTS) for _ in range(rng.randint(1, 3)))
            if rng.random() < 0.2:
                link_hosts += (f"promo.{BLOCKED}",)
            text += " " + " ".join(
                f"https://{h}/article/{rng.randrange(10**6)}" for h in link_hosts
            )
        submission = Submission(
            text=text,
            html=f"<p>{text}</p>",
            author_name=f"Lecteur {index}",
            email_hash=f"h{rng.randrange(3000)}",
            article_key=f"a{rng.randrange(50)}",
            site_key="site",
            link_count=len(link_hosts),
            link_hosts=link_hosts,
            is_reply=rng.random() < 0.3,
            honeypot_filled=rng.random() < 0.01,
            language=detect_language(text),
            email_domain=rng.choice(["gmail.com", "orange.fr", "free.fr", "yopmail.com"]),
            ip=f"192.0.2.{rng.randrange(256)}",
            elapsed_seconds=rng.choice([None, 1.0, 15.0, 60.0, 300.0]),
        )
        comments.append((submission, vary_context(rng, similar)))
    return comments


def vary_context(rng: random.Random, similar: tuple[SimilarComment, ...]) -> Context:
    entries: tuple[BlockEntry, ...] = ()
    if rng.random() < 0.05:
        kind, value = rng.choice(
            [(BlockKind.IP, "192.0.2.7"), (BlockKind.CIDR, "192.0.2.0/28"), (BlockKind.EMAIL, "h1")]
        )
        entries = (BlockEntry(kind, value, rng.choice(list(BlockAction)), entry_id=1),)
    return Context(
        premoderation=rng.choice(["none", "none", "none", "links", "first_time", "all"]),
        author_approved_count=rng.choice([0, 1, 3, 8, 40]),
        author_rejected_count=rng.choice([0, 0, 1, 5]),
        author_recent_rejected=rng.choice([0, 0, 0, 1, 4]),
        author_recent_total=rng.choice([0, 2, 5, 8]),
        author_recent_count=rng.choice([0, 1, 2, 9]),
        ip_recent_count=rng.choice([0, 3, 30]),
        block_entries=entries,
        blocked_domains=(BLOCKED,),
        similar_recent=similar,
        accepted_languages=rng.choice([(), ("fr",), ("fr", "en")]),
        surge_active=rng.random() < 0.02,
    )


def run(comments: list[tuple[Submission, Context]], rules: tuple[object, ...]) -> list[int]:
    policy = Policy()
    durations = []
    clock = time.perf_counter_ns
    for submission, context in comments:
        start = clock()
        moderate(submission, context, rules, policy)  # type: ignore[arg-type]
        durations.append(clock() - start)
    return durations


def run_with_models(
    comments: list[tuple[Submission, Context]],
    rules: tuple[object, ...],
    batch: int,
    encoder: object,
) -> tuple[float, int, Counter[str]]:
    """Score in batches with the shipped models (cascade on), then decide each comment.

    Returns (seconds, comments sent through the encoder, verdicts).
    """
    from moderation.pipeline.classifiers import BuiltinClassifier
    from moderation.pipeline.text_features import FeatureMemo
    from moderation.services import model_versions

    classifiers = []
    for kind in model_versions.KINDS:
        bundle = model_versions.shipped_bundle(kind)
        assert bundle is not None, f"no shipped {kind} model"
        classifiers.append(BuiltinClassifier(bundle, CountingEncoder(encoder)))
    policy = Policy()
    verdicts: Counter[str] = Counter()
    start = time.perf_counter()
    for offset in range(0, len(comments), batch):
        chunk = comments[offset : offset + batch]
        submissions = [s for s, _ in chunk]
        # As the worker does: the models of one batch share its memo of text features.
        memo = FeatureMemo()
        for classifier in classifiers:
            classifier.features = memo
        scored = [c.score(submissions) for c in classifiers]
        for index, (submission, context) in enumerate(chunk):
            scores = tuple(found[index] for found in scored if found[index] is not None)
            decision = moderate(submission, context, rules, policy, scores)  # type: ignore[arg-type]
            verdicts[decision.verdict.value] += 1
    elapsed = time.perf_counter() - start
    encoded = sum(c.encoder.encoded for c in classifiers if c.encoder is not None)  # type: ignore[attr-defined]
    return elapsed, encoded, verdicts


def warm_up_comments(count: int, seed: int) -> list[tuple[Submission, Context]]:
    """Comments of the measured kinds whose texts the measured run never sees.

    A prefix keeps their embeddings out of the encoder's memory of recent texts (which
    would make the measured comments free), and one comment spelled out letter by letter
    makes the word list compile its pattern for spaced-out words, as a worker's first such
    comment does once.
    """
    warm = build_comments(count, random.Random(seed))
    warm[0] = (dataclasses.replace(warm[0][0], text="c o n n a r d"), warm[0][1])
    return [
        (dataclasses.replace(submission, text=f"échauffement {index} : {submission.text}"), context)
        if index
        else (submission, context)
        for index, (submission, context) in enumerate(warm)
    ]


class CountingEncoder:
    """The real encoder, counting the texts the cascade sends it."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.encoded = 0

    @property
    def dim(self) -> int:
        return 512

    def encode(self, texts: list[str]) -> object:
        self.encoded += len(texts)
        return self.inner.encode(texts)  # type: ignore[attr-defined]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _vm(field: str) -> int:
    """A ``/proc/self/status`` memory figure, in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def worker_stack_loaded() -> None:
    """Import what a worker process holds besides the models (Flask, Celery, SQLAlchemy)."""
    import tempfile

    from moderation.config import Settings
    from workers.app import make_celery

    instance = tempfile.mkdtemp(prefix="bench-worker-")
    make_celery(
        Settings(
            instance_dir=instance,
            database_url=f"sqlite:///{instance}/bench.sqlite",
            broker_url=f"sqla+sqlite:///{instance}/broker.sqlite",
        )
    )


def per_call_us(function: object, texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        function(text)  # type: ignore[operator]
    return (time.perf_counter() - start) / len(texts) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--models",
        action="store_true",
        help="score with the shipped models (and their sentence encoder) before deciding",
    )
    parser.add_argument("--batch", type=int, default=64, help="comments per scoring batch")
    args = parser.parse_args(argv)
    if args.models:
        return main_models(args)
    rng = random.Random(args.seed)

    print(f"building {args.comments} comments from {SHARED_DATA.name}/ ...", file=sys.stderr)
    comments = build_comments(args.comments, rng)
    entries = build_wordlist(args.entries, rng)
    re.purge()  # time a real compilation, not the regex module's cache
    start = time.perf_counter()
    wordlist = compile_wordlist(entries, version="bench")
    compile_s = time.perf_counter() - start
    rules = default_rules(wordlist=wordlist, blocked_domains=(BLOCKED,))

    run(comments[:200], rules)  # warm-up: folding tables, lazy imports
    gc.collect()
    start = time.perf_counter()
    durations = run(comments, rules)
    elapsed = time.perf_counter() - start

    tracemalloc.start()
    run(comments, rules)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    verdicts = Counter(
        moderate(s, c, rules, Policy()).verdict.value  # type: ignore[arg-type]
        for s, c in comments
    )
    micro = sorted(d / 1000 for d in durations)
    sample = [s.text for s, _ in comments[:2000]]
    figures = {
        "comments": len(comments),
        "wordlist_entries": len(entries),
        "wordlist_compile_s": round(compile_s, 3),
        "comments_per_s": round(len(comments) / elapsed),
        "p50_us": round(statistics.median(micro), 1),
        "p99_us": round(micro[int(len(micro) * 0.99) - 1], 1),
        "max_us": round(micro[-1], 1),
        "mean_chars": round(statistics.mean(len(s.text) for s, _ in comments)),
        "tracemalloc_peak_kib": round(peak / 1024),
        "maxrss_mib": round(maxrss_kib / 1024, 1),
        "verdicts": dict(verdicts.most_common()),
        "detect_language_us": round(per_call_us(detect_language, sample), 1),
        "fingerprint_us": round(per_call_us(fingerprint, sample), 1),
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"word list: {len(entries)} entries compiled in {figures['wordlist_compile_s']} s")
    print(
        f"moderate(): {figures['comments_per_s']} comments/s on one core "
        f"(target >= 2000); per comment p50 {figures['p50_us']} us, "
        f"p99 {figures['p99_us']} us, max {figures['max_us']} us "
        f"(mean {figures['mean_chars']} characters)"
    )
    print(
        f"memory: tracemalloc peak {figures['tracemalloc_peak_kib']} KiB during the run, "
        f"max RSS {figures['maxrss_mib']} MiB (whole process, data and model included)"
    )
    print(f"verdicts: {figures['verdicts']}")
    print(
        f"intake helpers: detect_language {figures['detect_language_us']} us, "
        f"fingerprint {figures['fingerprint_us']} us per comment"
    )
    return 0


def main_models(args: argparse.Namespace) -> int:
    """Comments per second with the built-in models on, and the process's peak memory."""
    from moderation.integrations.sentence_encoder import UniversalSentenceEncoder

    rng = random.Random(args.seed)
    # What a worker holds: its stack, the models, the encoder (kept, as a worker keeps it),
    # one batch. Measured before this benchmark reads its thousands of comments (which no
    # worker holds at once).
    worker_stack_loaded()
    encoder = UniversalSentenceEncoder(threads=1)
    run_with_models(
        warm_up_comments(args.batch, args.seed + 1), default_rules(), args.batch, encoder
    )
    worker_rss = _vm("VmRSS")
    comments = build_comments(args.comments, rng)
    rules = default_rules(wordlist=compile_wordlist(build_wordlist(args.entries, rng), "bench"))
    # A worker compiles its word lists once (per list version), not once per comment: this
    # warm-up does it before the clocks, as the encoder's weights were loaded above.
    run_with_models(warm_up_comments(args.batch, args.seed + 2), rules, args.batch, encoder)
    cpu_before = _cpu_seconds()
    elapsed, encoded, verdicts = run_with_models(comments, rules, args.batch, encoder)
    cpu = _cpu_seconds() - cpu_before
    figures = {
        "comments": len(comments),
        "batch": args.batch,
        "comments_per_s": round(len(comments) / elapsed),
        # Wall time depends on what else the machine runs; CPU time is one core's work.
        "comments_per_cpu_s": round(len(comments) / cpu),
        "load_average_1min": os.getloadavg()[0],
        "worker_rss_mib": round(worker_rss / 1024, 1),
        "encoded_share": round(encoded / (2 * len(comments)), 3),
        "maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "verdicts": dict(verdicts.most_common()),
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"models on: {figures['comments_per_cpu_s']} comments per CPU-second on one core "
        f"({figures['comments_per_s']}/s wall, load {figures['load_average_1min']}), batches of "
        f"{args.batch} (target >= 500); encoder on {figures['encoded_share']:.0%} of "
        f"(comment, model) pairs"
    )
    print(
        f"memory: worker (stack + models + encoder + one batch) {figures['worker_rss_mib']} MiB "
        f"(target < 400); this process's peak {figures['maxrss_mib']} MiB with all its data"
    )
    print(f"verdicts: {figures['verdicts']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
