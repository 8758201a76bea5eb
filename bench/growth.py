"""How cost grows: the same unit of work on small and large articles and tables.

Usage (from the project root; PostgreSQL as for ``bench/intake.py``)::

    .venv/bin/python bench/growth.py [--sizes 10 1000 20000]

In this process, on PostgreSQL (schema ``moderation_growth``, dropped at the start and
the end), with the service's own code and no HTTP, it measures CPU per unit of work
(this process's CPU; PostgreSQL's is reported apart) for:

- an article with 10, 1,000 and 20,000 approved comments (added by SQL in bulk): the
  worker's decision on a new comment there, and a thread page read (50 top-level
  comments, uncached);
- a campaign of 500 near-duplicates on one article: the decision on each;
- approved counts of 1, 10 and 100 articles, uncached.

A figure that grows with the thread or the table shows as a ratio well above 1 between
the largest and the smallest case; each is printed with MET (at most 2x) or MISS.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "moderation_growth"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAX_GROWTH = 2.0


def postgres_cpu() -> float:
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        if raw[raw.find("(") + 1 : raw.rfind(")")].startswith("postgres"):
            fields = raw[raw.rfind(")") + 2 :].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


class Meter:
    """CPU milliseconds per unit, this process and PostgreSQL."""

    def __enter__(self) -> Meter:
        self.cpu, self.pg = time.process_time(), postgres_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu_ms = (time.process_time() - self.cpu) * 1000
        self.pg_ms = (postgres_cpu() - self.pg) * 1000


def reset_schema() -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")


def bulk_approved(article_key: str, count: int) -> None:
    """``count`` approved copies of the article's first comment, spread over 30 days."""
    with psycopg.connect(PG_URL, autocommit=True, options=f"-csearch_path={SCHEMA}") as conn:
        columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'comments' "
                "AND column_name NOT IN ('id', 'public_id', 'status', 'created_at', "
                "'email', 'email_hash', 'fingerprint', 'fp_band0', 'fp_band1', 'fp_band2', "
                "'fp_band3')",
                (SCHEMA,),
            )
        ]
        names = ", ".join(columns)
        conn.execute(
            f"INSERT INTO comments ({names}, public_id, status, created_at, email, email_hash) "
            f"SELECT {names}, md5(random()::text || g), 'approved', "
            "c.created_at - g * interval '2 minutes', 'r' || g || '@example.org', md5('r' || g) "
            "FROM comments c JOIN articles a ON a.id = c.article_id, generate_series(1, %s) g "
            "WHERE a.key = %s AND c.id = (SELECT min(id) FROM comments c2 "
            "WHERE c2.article_id = a.id)",
            (count, article_key),
        )
        conn.execute("ANALYZE comments")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 20000])
    parser.add_argument("--decisions", type=int, default=30, help="decisions per case")
    args = parser.parse_args(argv)
    reset_schema()
    os.environ.update(
        MODERATION_DATABASE_URL=f"{PG_URL}?options=-csearch_path%3D{SCHEMA}",
        MODERATION_RATE_LIMIT="",
        MODERATION_AUTO_CREATE_ARTICLES="true",
        MODERATION_LOG_LEVEL="ERROR",
        MODERATION_INSTANCE_DIR=str(Path("/tmp") / "bench-growth"),
    )
    import subprocess

    subprocess.run([sys.executable, "-m", "moderation.cli", "db", "upgrade"], check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT / "bench"))
    import embedded  # the same in-process submission

    from moderation import create_app
    from moderation.config import Settings
    from moderation.db import db
    from moderation.services import checks
    from moderation.services import comments
    from moderation.services.ports import NullCache

    settings = Settings.from_env()
    app = create_app(settings, with_web=False)
    deps = app.extensions["moderation.deps"]
    assert isinstance(deps.cache, NullCache)

    def decide(ids: list[int]) -> None:
        for comment_id in ids:
            with app.app_context():
                checks.classify_and_decide(db.session(), deps, comment_id)
                db.session.commit()
                db.session.remove()

    rows: list[tuple[str, float, float]] = []
    try:
        for size in args.sizes:
            tag = f"size{size}"
            decide(embedded.submit(app, 1, tag))
            bulk_approved(f"bench-{tag}", size)
            ids = embedded.submit(app, args.decisions, tag)
            with Meter() as meter:
                decide(ids)
            n = len(ids)
            rows.append((f"decision, article of {size}", meter.cpu_ms / n, meter.pg_ms / n))
            with Meter() as meter:
                for _ in range(20):
                    with app.app_context():
                        comments.public_thread(db.session(), f"bench-{tag}", limit=50)
                        db.session.remove()
            rows.append((f"thread page, article of {size}", meter.cpu_ms / 20, meter.pg_ms / 20))
        campaign = embedded.BODIES[0]
        embedded_bodies = embedded.BODIES
        embedded.BODIES = (campaign,)  # every body the same text (plus its numbered tag)
        try:
            ids = embedded.submit(app, 500, "campaign")
        finally:
            embedded.BODIES = embedded_bodies
        with Meter() as meter:
            decide(ids[:100])
        first = (meter.cpu_ms / 100, meter.pg_ms / 100)
        with Meter() as meter:
            decide(ids[400:])
        rows.append(("campaign: decisions 1-100 of 500", *first))
        rows.append(("campaign: decisions 401-500 of 500", meter.cpu_ms / 100, meter.pg_ms / 100))
        keys = [f"bench-size{size}" for size in args.sizes]
        keys += [f"bench-none-{i}" for i in range(100)]
        for n in (1, 10, 100):
            with Meter() as meter:
                for _ in range(20):
                    with app.app_context():
                        comments.approved_counts(db.session(), keys[:n])
                        db.session.remove()
            rows.append((f"counts of {n} articles", meter.cpu_ms / 20, meter.pg_ms / 20))
    finally:
        with app.app_context():
            db.engine.dispose()
        reset_schema()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    print(f"{'unit of work':<38}{'app CPU ms':>12}{'PG CPU ms':>12}")
    for label, cpu, pg in rows:
        print(f"{label:<38}{cpu:>12.2f}{pg:>12.2f}")
    checks_: list[tuple[str, float, bool]] = []

    def growth(prefix: str, first: str, last: str) -> None:
        by_label = {label: cpu + pg for label, cpu, pg in rows}
        ratio = by_label[last] / max(by_label[first], 1e-6)
        checks_.append((f"{prefix}: {last} / {first}", ratio, ratio <= MAX_GROWTH))

    small, large = args.sizes[0], args.sizes[-1]
    growth("decision", f"decision, article of {small}", f"decision, article of {large}")
    growth("thread", f"thread page, article of {small}", f"thread page, article of {large}")
    growth("campaign", "campaign: decisions 1-100 of 500", "campaign: decisions 401-500 of 500")
    growth("counts", "counts of 1 articles", "counts of 100 articles")
    for label, ratio, ok in checks_:
        print(f"[{'MET ' if ok else 'MISS'}] {label}: {ratio:.2f} x (app + PG CPU)")
    return 0 if all(ok for *_rest, ok in checks_) else 1


if __name__ == "__main__":
    sys.exit(main())
