"""Micro-batched checks: the worker's check service, one comment per task vs batches.

Usage (from the project root)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/check_batches.py \
        [--comments 400] [--batch 16] [--encoder] [--json]

What it does, on an embedded SQLite database in a temporary folder, with the shipped
built-in models on (and the sentence encoder when ``--encoder`` is given):

1. stores ``--comments`` pending comments (texts from the shared labelled data beside the
   checkout, or ``MODERATION_SHARED_DATA``; made-up sentences if it is missing), each with
   its outbox row, as intake does;
2. decides them all with ``MODERATION_CHECK_BATCH_SIZE=1`` (every task scores its own
   comment alone), timing the whole run: comments per second;
3. stores them again and decides them with the given batch size: one task per comment, in
   order, as the worker receives them; the first task of a burst scores the waiting ones
   with it and the later tasks find nothing left to do;
4. times a lone comment (nothing else waiting) through the batched path and through the
   single-comment path, 50 times each: the median difference is what batching costs a
   comment that arrives alone (the one outbox query looking for company).

It prints the figures; ``--json`` prints them as one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from flask_migrate import upgrade  # noqa: E402  (after the path set-up above)

from moderation import create_app  # noqa: E402
from moderation.config import Settings  # noqa: E402
from moderation.db import db  # noqa: E402
from moderation.services import check_batches  # noqa: E402
from moderation.services import checks  # noqa: E402
from moderation.services import comments  # noqa: E402
from moderation.services import wiring  # noqa: E402
from moderation.services.articles import ensure_article  # noqa: E402
from moderation.services.ports import SystemClock  # noqa: E402
from moderation.validation import CommentDraft  # noqa: E402

DATA = Path(os.environ.get("MODERATION_SHARED_DATA", ROOT.parent / "shared" / "data"))


class Quiet:
    """A publisher that rings no broker: the bench calls the service itself."""

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        return None


def texts(count: int) -> list[str]:
    found: list[str] = []
    for name in ("toxifrench-fr", "youtube-spam", "sms-spam", "jigsaw-toxic-en"):
        path = DATA / name / "train.csv"
        if path.exists():
            with path.open(newline="", encoding="utf-8") as handle:
                found += [row["text"] for row in csv.DictReader(handle) if row["text"].strip()]
    if not found:
        print(f"shared data not found under {DATA}: using made-up sentences", file=sys.stderr)
        found = [f"Commentaire numéro {i} sur la réforme des retraites." for i in range(count)]
    step = max(1, len(found) // count)
    return [f"{text[:900]} ({i})" for i, text in enumerate(found[::step][:count])]


def store(deps: Any, bodies: list[str]) -> list[int]:
    ids = []
    for number, body in enumerate(bodies):
        draft = CommentDraft(
            author_name=f"Lecteur {number}", email=f"r{number}@example.org", body=body
        )
        comment = comments.submit_comment(
            db.session(),
            deps,
            draft,
            article_key="bench",
            client=comments.ClientInfo(ip="198.51.100.7", elapsed_seconds=60.0),
        )
        ids.append(comment.id)
    db.session.commit()
    return ids


def decide_all(deps: Any, ids: list[int]) -> float:
    started = time.perf_counter()
    for comment_id in ids:
        check_batches.classify_batch(db.session(), deps, comment_id)
        db.session.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=400)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--encoder", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="check-batches-"))
    base = Settings(
        env="test",
        broker_url=f"sqla+sqlite:///{folder / 'broker.sqlite'}",
        instance_dir=str(folder),
        rate_limit="",
        sentence_encoder=args.encoder,
    )
    bodies = texts(args.comments)
    figures: dict[str, Any] = {"comments": len(bodies), "batch": args.batch}
    for size in (1, args.batch):
        # A database per run: the same comments are stored again.
        database = f"sqlite:///{folder / f'bench-{size}.sqlite'}"
        settings = base.replace(check_batch_size=size, database_url=database)
        deps = wiring.build_deps(settings, publisher=Quiet())
        app = create_app(settings, deps=deps, with_web=False)
        with app.app_context():
            upgrade(directory=str(ROOT / "moderation" / "migrations"))
            ensure_article(
                db.session,
                "bench",
                url="https://journal.example/bench",
                title="Bench",
                now=SystemClock().now(),
            )
            db.session.commit()
            # Warm up: the models load once per process, not per comment.
            decide_all(deps, store(deps, ["Premier commentaire pour charger les modèles."]))
            seconds = decide_all(deps, store(deps, bodies))
            figures[f"per_second_batch_{size}"] = round(len(bodies) / seconds, 1)
            if size == args.batch:
                figures["lone_extra_ms"] = lone_extra_ms(deps)
    if args.json:
        print(json.dumps(figures, sort_keys=True))
        return
    print(
        f"{figures['comments']} comments, shipped models, encoder {'on' if args.encoder else 'off'}"
    )
    print(f"  one comment per check : {figures['per_second_batch_1']} comments/s")
    print(f"  batches of {args.batch:<11}: {figures[f'per_second_batch_{args.batch}']} comments/s")
    print(f"  a lone comment pays   : {figures['lone_extra_ms']} ms for looking for company")


def lone_extra_ms(deps: Any) -> float:
    batched, single = [], []
    for round_ in range(50):
        [first] = store(deps, [f"Un commentaire seul, numéro {round_}, sur le budget."])
        started = time.perf_counter()
        check_batches.classify_batch(db.session(), deps, first)
        batched.append(time.perf_counter() - started)
        db.session.commit()
        [second] = store(deps, [f"Un autre commentaire seul, numéro {round_}, sur l'école."])
        started = time.perf_counter()
        checks.classify_and_decide(db.session(), deps, second)
        single.append(time.perf_counter() - started)
        db.session.commit()
    return round((statistics.median(batched) - statistics.median(single)) * 1000, 2)


if __name__ == "__main__":
    main()
