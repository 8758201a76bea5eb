"""What the in-process benchmarks share: a schema of their own, and a tally of the SQL
statements a unit of work runs with their round trips."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import psycopg
import sqlalchemy as sa


def reset_schema(pg_url: str, schema: str) -> None:
    """Drop and create ``schema``, with pg_trgm in ``public``: created in this schema, the
    extension would be dropped with it, and with it every trigram index of the database."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")


def drop_schema(pg_url: str, schema: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


class StatementTally:
    """Counts an engine's statements (by their first four words) and times each round trip,
    between :meth:`start` and :meth:`stop`."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self._started: list[float] = []
        self._engine: sa.Engine | None = None

    def _before(self, _c: object, _cur: object, statement: str, *_rest: object) -> None:
        self.counts[" ".join(statement.split()[:4])] += 1
        self._started.append(time.perf_counter())

    def _after(self, _c: object, _cur: object, statement: str, *_rest: object) -> None:
        elapsed = time.perf_counter() - self._started.pop()
        self.seconds[" ".join(statement.split()[:4])] += elapsed

    def start(self, engine: sa.Engine) -> None:
        self._engine = engine
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def stop(self) -> None:
        if self._engine is not None:
            sa.event.remove(self._engine, "before_cursor_execute", self._before)
            sa.event.remove(self._engine, "after_cursor_execute", self._after)
            self._engine = None

    def per_unit(self, units: int, most: int = 12) -> dict[str, Any]:
        """Statements a unit, and the most frequent ones: (a unit, ms a round trip)."""
        return {
            "statements": round(sum(self.counts.values()) / units, 2),
            "by_statement": {
                k: (round(v / units, 2), round(self.seconds[k] * 1000 / v, 3))
                for k, v in self.counts.most_common(most)
            },
        }


def print_statements(by_statement: dict[str, tuple[float, float]], unit: str) -> None:
    print(f"    {'a ' + unit:>10}  ms each (round trip)  statement")
    for statement, (per, each) in by_statement.items():
        print(f"    {per:10.2f}  {each:20.3f}  {statement}")
