"""What one check decision costs the worker and PostgreSQL, measured in process.

Usage (from the project root; PostgreSQL as for ``bench/intake.py``)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/decision_cost.py \
        [--comments 400] [--json]

``bench/intake.py`` measures the real Celery worker beside a load of POSTs, which takes
ten minutes and shares two cores with everything else. This measures the same unit of work
alone: in this process, on PostgreSQL (schema ``moderation_bench_decisions``, dropped at
the start and the end), comments with the intake benchmark's bodies (French and English,
200-2,000 characters, some links) are stored as intake stores them, then each comment's
check task runs as the worker runs it (the task function, one commit after its body), in
order, so that the first task of a burst decides the comments waiting with it. Twice:
with the rules alone, and with the built-in models and the sentence encoder on.

It prints CPU milliseconds per decision (this process), PostgreSQL's CPU per decision
(every backend of the server: other clients count too) and SQL statements per decision,
the most frequent first, each target with MET or MISS. Exit status 0 when all are met.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import secrets
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import intake  # noqa: E402  (the intake benchmark's bodies and readers)
from growth import postgres_cpu  # noqa: E402
from statements import StatementTally  # noqa: E402
from statements import drop_schema  # noqa: E402
from statements import print_statements  # noqa: E402
from statements import reset_schema  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "moderation_bench_decisions"
TARGET_RULES_MS = 5.0
TARGET_MODELS_MS = 8.0
TARGET_PG_MS = 2.0
#: What the check task reads of Celery's task object: its retry count.
FIRST_ATTEMPT = SimpleNamespace(request=SimpleNamespace(retries=0))


class Quiet:
    """A publisher that rings no broker: this process runs the tasks itself."""

    def publish(self, task_name: str, kwargs: dict[str, Any]) -> None:
        return None


def measure(models: bool, count: int, seed: int, profile: int = 0) -> dict[str, Any]:
    from flask_migrate import upgrade

    from moderation import create_app
    from moderation import settle_collector
    from moderation.config import Settings
    from moderation.db import db
    from moderation.services import comments
    from moderation.services import wiring
    from moderation.validation import CommentDraft
    from workers import checks as check_tasks

    reset_schema(PG_URL, SCHEMA)
    settings = Settings.from_env(
        {
            "MODERATION_DATABASE_URL": f"{PG_URL}?options=-csearch_path%3D{SCHEMA}",
            "MODERATION_SECRET_KEY": secrets.token_urlsafe(48),
            "MODERATION_RATE_LIMIT": "",
            "MODERATION_AUTO_CREATE_ARTICLES": "true",
            "MODERATION_LOG_LEVEL": "ERROR",
            "MODERATION_INSTANCE_DIR": "/tmp/bench-decision-cost",
            "MODERATION_BUILTIN_MODELS": "true" if models else "false",
            "MODERATION_SENTENCE_ENCODER": "true" if models else "false",
        }
    )
    deps = wiring.build_deps(settings, publisher=Quiet())
    app = create_app(settings, deps=deps, with_web=False)
    rng = random.Random(seed)
    corpus = intake.Corpus.build(rng, 400)

    def store(n: int) -> None:
        with app.app_context():
            for _ in range(n):
                serial = rng.randrange(10**9)
                draft = CommentDraft(
                    author_name=intake.author(rng),
                    email=f"lecteur.{serial}@exemple.fr",
                    body=corpus.body(rng, intake.link_count_for(rng)),
                )
                comments.submit_comment(
                    db.session(),
                    deps,
                    draft,
                    article_key=f"bench-{rng.randrange(10)}",
                    client=comments.ClientInfo(ip=intake.reader_ip(rng), elapsed_seconds=45.0),
                )
            db.session.commit()
            db.session.remove()

    def pending() -> list[int]:
        with app.app_context():
            rows = db.session.execute(
                sa.text("SELECT id FROM comments WHERE status = 'pending' ORDER BY id")
            )
            return [int(row[0]) for row in rows]

    def run_tasks(ids: list[int]) -> None:
        for comment_id in ids:  # as AppContextTask runs one: the body, then one commit
            with app.app_context():
                check_tasks.classify_comment(FIRST_ATTEMPT, comment_id)  # type: ignore[arg-type]
                db.session.commit()
                db.session.remove()

    tally = StatementTally()

    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "moderation" / "migrations"))
            engine = db.engine
        store(64)  # warm up: models, encoder and word lists load once per process
        run_tasks(pending())
        store(count)
        ids = pending()
        settle_collector()
        tally.start(engine)
        cpu, pg, wall = time.process_time(), postgres_cpu(), time.perf_counter()
        run_tasks(ids)
        cpu, pg = time.process_time() - cpu, postgres_cpu() - pg
        wall = time.perf_counter() - wall
        tally.stop()
        if profile:  # the same work again, under cProfile (not counted in the figures)
            store(count)
            profiler = cProfile.Profile()
            profiler.runcall(run_tasks, pending())
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(profile)
        left = len(pending())
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_schema(PG_URL, SCHEMA)
    n = len(ids)
    return {
        "models": models,
        "decisions": n,
        "left_pending": left,
        "cpu_ms": round(cpu * 1000 / n, 2),
        "pg_ms": round(pg * 1000 / n, 2),
        "wall_ms": round(wall * 1000 / n, 2),
        **tally.per_unit(n),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print cProfile's top N entries"
    )
    parser.add_argument(
        "--only", choices=("rules", "models"), help="measure one of the two configurations"
    )
    args = parser.parse_args(argv)
    chosen = {"rules": (False,), "models": (True,), None: (False, True)}[args.only]
    runs = [measure(models, args.comments, args.seed, args.profile) for models in chosen]
    checks = []
    for run in runs:
        if run["models"]:
            checks += [
                ("worker CPU per decision, models on", run["cpu_ms"], TARGET_MODELS_MS),
                ("PostgreSQL CPU per decision, models on", run["pg_ms"], TARGET_PG_MS),
            ]
        else:
            checks.append(("worker CPU per decision, rules only", run["cpu_ms"], TARGET_RULES_MS))
    if args.json:
        print(json.dumps({"runs": runs}, indent=1))
    else:
        for run in runs:
            label = "models on" if run["models"] else "rules only"
            print(
                f"{label}: {run['decisions']} decisions, {run['cpu_ms']} ms CPU, "
                f"{run['pg_ms']} ms PostgreSQL, {run['wall_ms']} ms wall, "
                f"{run['statements']} statements a decision ({run['left_pending']} left pending)"
            )
            print_statements(run["by_statement"], "decision")
    for label, value, target in checks:
        print(f"[{'MET ' if value <= target else 'MISS'}] {label}: {value} ms (<= {target})")
    return 0 if all(value <= target for _, value, target in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
