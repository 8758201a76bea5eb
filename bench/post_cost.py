"""What one accepted comment POST costs the web process, measured in process.

Usage (from the project root; PostgreSQL and Redis as for ``bench/intake.py``)::

    .venv/bin/python bench/post_cost.py [--posts 1000] [--profile N] [--json]

``bench/intake.py`` measures gunicorn under wrk, beside the worker, on two shared cores:
its "web CPU per POST" is right but moves with everything else on the machine, and it
cannot say where the time goes. This runs the same request alone: the production
configuration (PostgreSQL in schema ``moderation_bench_posts``, dropped at the start and
the end; Redis for the cache and the broker's doorbell, databases 12 and 13, flushed), the
intake benchmark's bodies and readers (one address and one network each, behind one
proxy), the JSON API's ``POST /api/v1/articles/<key>/comments`` through Flask's WSGI
stack without a socket. No worker runs: the doorbells stay in Redis.

It prints this process's CPU milliseconds per POST, PostgreSQL's CPU per POST, the SQL
statements per POST with their round trips, and the target with MET or MISS (exit status
0 when met). ``--profile N`` runs the same POSTs again under cProfile and prints its top
N entries (not counted in the figures).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import intake  # noqa: E402  (the intake benchmark's bodies and readers)
from growth import postgres_cpu  # noqa: E402
from statements import StatementTally  # noqa: E402
from statements import drop_schema  # noqa: E402
from statements import print_statements  # noqa: E402
from statements import reset_schema  # noqa: E402

SCHEMA = "moderation_bench_posts"
ARTICLES = 20


def flush_redis() -> None:
    for number in (intake.BROKER_DB, intake.CACHE_DB):
        redis.Redis.from_url(f"{intake.REDIS_BASE}/{number}").flushdb()


def measure(count: int, seed: int, profile: int = 0) -> dict[str, Any]:
    from flask_migrate import upgrade

    from moderation import create_app
    from moderation import settle_collector
    from moderation.config import Settings
    from moderation.db import db

    reset_schema(intake.PG_URL, SCHEMA)
    flush_redis()
    settings = Settings.from_env(
        {
            "MODERATION_ENV": "production",
            "MODERATION_SECRET_KEY": secrets.token_urlsafe(48),
            "MODERATION_DATABASE_URL": f"{intake.PG_URL}?options=-csearch_path%3D{SCHEMA}",
            "MODERATION_REDIS_URL": f"{intake.REDIS_BASE}/{intake.CACHE_DB}",
            "MODERATION_BROKER_URL": f"{intake.REDIS_BASE}/{intake.BROKER_DB}",
            "MODERATION_RATE_LIMIT": "",
            "MODERATION_AUTO_CREATE_ARTICLES": "true",
            "MODERATION_TRUSTED_PROXIES": "1",
            "MODERATION_INSTANCE_DIR": "/tmp/bench-post-cost",
            "MODERATION_LOG_LEVEL": "WARNING",
        }
    )
    app = create_app(settings)
    rng = random.Random(seed)
    corpus = intake.Corpus.build(rng, 400)
    client = app.test_client()
    serial = 0

    def requests(n: int) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
        # Built before the clock starts: the bodies' generation is the harness's CPU.
        nonlocal serial
        built = []
        for _ in range(n):
            serial += 1
            payload = intake.comment_payload(rng, corpus, serial)
            if serial % 5 == 0:
                payload["website"] = f"https://blog.exemple.fr/{serial % 97}"
            headers = {"Accept-Language": "fr", "X-Forwarded-For": intake.reader_ip(rng)}
            built.append(
                (f"/api/v1/articles/bench-post-{serial % ARTICLES}/comments", payload, headers)
            )
        return built

    def post(batch: list[tuple[str, dict[str, Any], dict[str, str]]]) -> None:
        for path, payload, headers in batch:
            answer = client.post(path, json=payload, headers=headers)
            if answer.status_code != 202:
                raise RuntimeError(f"POST answered {answer.status_code}: {answer.text[:300]}")

    tally = StatementTally()

    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "moderation" / "migrations"))
            engine = db.engine
        post(requests(200))  # warm up: the articles exist, the pools are full, caches built
        measured = requests(count)
        profiled = requests(count) if profile else []
        settle_collector()
        tally.start(engine)
        cpu, pg, wall = time.process_time(), postgres_cpu(), time.perf_counter()
        post(measured)
        cpu, pg = time.process_time() - cpu, postgres_cpu() - pg
        wall = time.perf_counter() - wall
        tally.stop()
        if profile:
            # CPU time, not wall time: the round trips' waits are not the web's cost
            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(post, profiled)
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(profile)
            stats.sort_stats("tottime").print_stats(profile)
    finally:
        with app.app_context():
            db.engine.dispose()
        drop_schema(intake.PG_URL, SCHEMA)
        flush_redis()
    return {
        "posts": count,
        "cpu_ms": round(cpu * 1000 / count, 2),
        "pg_ms": round(pg * 1000 / count, 2),
        "wall_ms": round(wall * 1000 / count, 2),
        **tally.per_unit(count),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print cProfile's top N entries"
    )
    args = parser.parse_args(argv)
    run = measure(args.posts, args.seed, args.profile)
    target = intake.TARGET_WEB_CPU_PER_POST_MS
    if args.json:
        print(json.dumps(run, indent=1))
    else:
        print(
            f"{run['posts']} POSTs: {run['cpu_ms']} ms CPU, {run['pg_ms']} ms PostgreSQL, "
            f"{run['wall_ms']} ms wall, {run['statements']} statements a POST"
        )
        print_statements(run["by_statement"], "POST")
    met = run["cpu_ms"] <= target
    verdict = "MET " if met else "MISS"
    print(f"[{verdict}] web CPU per POST, in process: {run['cpu_ms']} ms (<= {target})")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
