"""The moderators' pages at scale: 1,000,000 comments in PostgreSQL.

Usage (from the project root)::

    .venv/bin/python bench/queue_scale.py [--comments 1000000] [--rounds 40] [--keep]

Seeds its own schema (``moderation_bench_scale``, dropped and recreated; dropped again at
the end unless ``--keep``) of the PostgreSQL at ``BENCH_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) with generate_series: 5,000 articles, three
of them very large threads (60,000 comments each), a realistic status mix (mostly
approved; about 1 % held, some pending, rejected, spam, deleted), a decision per decided
comment and 20,000 reader reports. It refreshes the search statistics, as beat does every
hour (on a kept schema too). Then it signs in an admin and requests, in-process
through the real Flask app (every query, every template), ``--rounds`` times each: every
queue tab's first page, the tab counts, four searches and a decision (approving a
different held comment each time, with its undo batch and log). Prints p50/p95/max in ms
against the targets (pages, searches, decisions < 100 ms p95; counts < 50 ms p95) and the
EXPLAIN ANALYZE plans of the queue queries. Exit status 0 when every target is met.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "moderation_bench_scale"
PASSWORD = "a long password for the benchmark"  # noqa: S105 - a throwaway account
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
PAGE_TARGET_MS = 100.0
COUNT_TARGET_MS = 50.0

SEED_SQL = """
INSERT INTO articles (key, url, title, is_open, created_at)
SELECT 'article-' || n, 'https://www.journal.example/' || n, 'Article numéro ' || n, true,
       now() - interval '200 days' + n * interval '1 hour'
FROM generate_series(1, 5000) AS n;

INSERT INTO comments (public_id, article_id, parent_id, depth, author_name, email,
    email_hash, website, body_raw, body_html, body_text, language, ip, ip_prefix,
    user_agent, status, reasons, scores, risk, created_at, decided_at)
SELECT md5('p' || n), article_id, NULL, 0,
       'Lecteur ' || (n % 50000), 'lecteur' || (n % 50000) || '@example.org',
       md5('e' || (n % 50000)) || md5('f' || (n % 50000)), NULL,
       body, '<p>' || body || '</p>', body,
       CASE WHEN n % 5 = 0 THEN 'en' ELSE 'fr' END,
       '198.51.' || (n % 250) || '.0', '198.51.' || (n % 250) || '.0', 'bench',
       status, '[]', '{{}}', (n % 1000) / 1000.0, created_at,
       CASE WHEN status IN ('pending', 'held') THEN NULL ELSE created_at + interval '1 second' END
FROM (
    SELECT n,
        CASE WHEN n % 100 < 18 THEN 1 + (n % 3)
             ELSE 4 + ((n::bigint * 7919) % 4997)::int END AS article_id,
        CASE WHEN n % 1000 < 840 THEN 'approved'
             WHEN n % 1000 < 910 THEN 'rejected'
             WHEN n % 1000 < 975 THEN 'spam'
             WHEN n % 1000 < 985 THEN 'held'
             WHEN n % 1000 < 986 THEN 'pending'
             ELSE 'deleted' END AS status,
        (ARRAY['Je trouve cet article très juste sur le budget',
               'Merci pour ce reportage sur les transports',
               'Le conseil municipal se trompe encore une fois',
               'Great piece about the local elections',
               'Quelle honte pour la ville et ses habitants',
               'Les écoles méritent mieux que cette réforme'])[1 + n % 6]
            || ', remarque ' || n AS body,
        now() - interval '180 days' + n * (interval '180 days' / {count}) AS created_at
    FROM generate_series(1, {count}) AS n
) AS seed;

INSERT INTO moderation_decisions (comment_id, source, actor, from_status, to_status,
    reasons, scores, policy_version, created_at)
SELECT id, 'rules', 'system', 'pending', status, '[]', '{{}}', 'bench', decided_at
FROM comments WHERE decided_at IS NOT NULL AND status <> 'deleted';

INSERT INTO reports (comment_id, reason, reporter_hash, created_at, resolved_at)
SELECT c.id, 'spam', md5('r' || c.id), c.created_at + interval '1 hour',
       CASE WHEN c.id % 2 = 0 THEN c.created_at + interval '2 hours' END
FROM comments c WHERE c.status = 'approved' AND c.id % 42 = 0 LIMIT 20000;

ANALYZE;
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the seeded schema")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept schema")
    args = parser.parse_args()

    import psycopg
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from moderation import PACKAGE_DIR
    from moderation import create_app
    from moderation import settle_collector
    from moderation.config import Settings
    from moderation.db import db
    from moderation.models import Comment
    from moderation.models import ModeratorRole
    from moderation.services import moderators
    from moderation.services import search_statistics
    from moderation.services.ports import SystemClock

    url = f"{PG_URL}?options=-csearch_path%3D{SCHEMA}"
    admin = psycopg.connect(PG_URL, autocommit=True)
    # The trigram extension goes to public, so that dropping the bench schema never takes
    # it (and the indexes using it) away from the database's other schemas.
    admin.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    if not args.reuse:
        admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        admin.execute(f"CREATE SCHEMA {SCHEMA}")
    settings = Settings(
        env="test",
        secret_key="bench-" + "x" * 40,
        database_url=url.replace("postgresql://", "postgresql+psycopg://", 1),
        broker_url="memory://",
        instance_dir=str(ROOT / "instance"),
        rate_limit="",
    )
    app = create_app(settings)
    app.config["TESTING"] = True
    settle_collector()  # as gunicorn's workers do once the app is built (moderation.wsgi)
    try:
        with app.app_context():
            # A kept schema is brought up to the current migrations too (new indexes).
            upgrade(directory=str(PACKAGE_DIR / "migrations"))
            if not args.reuse:
                started = time.perf_counter()
                # Plain psycopg without parameters: the SQL's % operators stay as they are.
                with psycopg.connect(
                    PG_URL, autocommit=True, options=f"-csearch_path={SCHEMA}"
                ) as seed:
                    seed.execute(SEED_SQL.format(count=args.comments).encode())
                print(f"seeded {args.comments:,} comments in {time.perf_counter() - started:.0f} s")
                moderators.create_moderator(
                    db.session(),
                    "bench@example.org",
                    role=ModeratorRole.ADMIN,
                    display_name="Bench",
                    password=PASSWORD,
                    now=SystemClock().now(),
                )
                db.session.commit()
            # What beat does every hour: the trigram statistics the searches consult.
            started = time.perf_counter()
            sampled = search_statistics.refresh(db.session())
            db.session.commit()
            print(
                f"search statistics from {sampled:,} comments"
                f" in {(time.perf_counter() - started) * 1000:.0f} ms"
            )
            total = db.session.scalar(sa.select(sa.func.count(Comment.id)))
            held = list(
                db.session.scalars(
                    sa.select(Comment.public_id)
                    .where(Comment.status == "held")
                    .order_by(Comment.id)
                    .limit(args.rounds + 5)
                )
            )
        print(f"{total:,} comments in the database")
        return measure(app, args.rounds, held)
    finally:
        if not args.keep:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        admin.close()


def measure(app: object, rounds: int, held: list[str]) -> int:
    from flask import Flask

    assert isinstance(app, Flask)
    client = app.test_client()
    page = client.get("/moderate/login").get_data(as_text=True)
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    signed = client.post(
        "/moderate/login",
        data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert signed.status_code == 302, signed.status_code
    token = TOKEN.search(client.get("/moderate/account").get_data(as_text=True)).group(1)  # type: ignore[union-attr]

    def get(path: str) -> Callable[[], None]:
        def run() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return run

    decisions = iter(held)

    def decide() -> None:
        public_id = next(decisions)
        response = client.post(
            f"/moderate/comments/{public_id}/decision",
            data={"csrf_token": token, "action": "approve"},
            headers={"X-Requested-With": "fetch"},
        )
        assert response.status_code == 200, response.status_code

    cases: list[tuple[str, Callable[[], None], float]] = [
        (f"queue page: {tab}", get(f"/moderate/?tab={tab}"), PAGE_TARGET_MS)
        for tab in ("review", "reported", "spam", "rejected", "approved", "all")
    ]
    cases += [
        (
            "queue page: review by priority",
            get("/moderate/?tab=review&order=priority"),
            PAGE_TARGET_MS,
        ),
        ("tab counts", get("/moderate/queue/counts"), COUNT_TARGET_MS),
        ("search: text (common)", get("/moderate/?tab=all&q=budget"), PAGE_TARGET_MS),
        ("search: text (rare)", get("/moderate/?tab=all&q=remarque+123457"), PAGE_TARGET_MS),
        ("search: text (in no comment)", get("/moderate/?tab=all&q=marmotte"), PAGE_TARGET_MS),
        (
            # 18,000 matches, none among the newest 400,000 comments.
            "search: text (older matches only)",
            get("/moderate/?tab=all&q=les+transports%2C+remarque+5"),
            PAGE_TARGET_MS,
        ),
        ("search: text (common, review tab)", get("/moderate/?q=budget"), PAGE_TARGET_MS),
        ("search: author name", get("/moderate/?tab=all&author_name=Lecteur+4242"), PAGE_TARGET_MS),
        ("search: email", get("/moderate/?tab=all&email=lecteur4242@example.org"), PAGE_TARGET_MS),
        ("search: huge article", get("/moderate/?tab=all&article=article-1"), PAGE_TARGET_MS),
        ("decision: approve", decide, PAGE_TARGET_MS),
    ]
    import sqlalchemy as sa

    from moderation.db import db

    # Time spent inside the database driver, to tell SQL from Python (templates, models).
    in_sql = [0.0]
    starts: list[float] = []

    def before(*_: object) -> None:
        starts.append(time.perf_counter())

    def after(*_: object) -> None:
        in_sql[0] += time.perf_counter() - starts.pop()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    failures = 0
    print(f"\n{'case':34} {'p50':>8} {'p95':>8} {'max':>8} {'sql p50':>8}  target")
    for name, run, target in cases:
        run()  # warm the caches once
        timings, sql = [], []
        for _ in range(rounds):
            in_sql[0] = 0.0
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
            sql.append(in_sql[0] * 1000)
        p95 = percentile(timings, 0.95)
        ok = p95 < target
        failures += not ok
        print(
            f"{name:34} {statistics.median(timings):8.1f} {p95:8.1f} {max(timings):8.1f}"
            f" {statistics.median(sql):8.1f}  < {target:.0f} ms p95 {'ok' if ok else 'MISSED'}"
        )
    sa.event.remove(engine, "before_cursor_execute", before)
    sa.event.remove(engine, "after_cursor_execute", after)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    explain(app)
    return 0 if failures == 0 else 1


def explain(app: object) -> None:
    """EXPLAIN ANALYZE of the queries a review page and the counts run."""
    import sqlalchemy as sa
    from flask import Flask

    from moderation.db import db

    assert isinstance(app, Flask)
    captured: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.startswith("SET ") or (
            "FROM comments" in statement and statement.lstrip().startswith("SELECT")
        ):
            captured.append((statement, parameters))

    client = app.test_client()
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        try:
            token = TOKEN.search(client.get("/moderate/login").get_data(as_text=True))
            client.post(
                "/moderate/login",
                data={
                    "email": "bench@example.org",
                    "password": PASSWORD,
                    "csrf_token": token.group(1),  # type: ignore[union-attr]
                },
            )
            captured.clear()
            for path in (
                "/moderate/?tab=review",
                "/moderate/?tab=all",
                "/moderate/?tab=approved",
                "/moderate/?tab=all&q=remarque+123457",
                "/moderate/?tab=all&q=marmotte",
                "/moderate/?tab=all&q=les+transports%2C+remarque+5",
                "/moderate/?q=budget",
                "/moderate/?tab=all&author_name=Lecteur+4242",
                "/moderate/?tab=all&article=article-1",
            ):
                client.get(path)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", capture)
        seen: set[str] = set()
        with db.engine.connect() as conn:
            for statement, parameters in captured:
                if statement.startswith("SET "):
                    # The search's planner settings, in force for the statements after it.
                    conn.exec_driver_sql(statement)
                    continue
                if statement in seen:
                    continue
                seen.add(statement)
                plan = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
                ).all()
                print("\n" + " ".join(statement.split())[:400])
                for (line,) in plan:
                    print("    " + line)


if __name__ == "__main__":
    sys.exit(main())
