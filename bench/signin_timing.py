"""Sign-in timing: an unknown account must cost what a wrong password costs.

Usage (from the project root)::

    .venv/bin/python bench/signin_timing.py [--rounds 40]

Builds the app in-process on a temporary SQLite database with one moderator per round,
then posts the sign-in form ``--rounds`` times for each case, interleaved (unknown
address, known address with a wrong password, right password) so that machine noise falls
on all three alike; the two failure cases come in a shuffled order each round. Each round
uses fresh account names, so the throttle never locks them. Prints the median and p90 of
each case in milliseconds, the difference of the medians between an unknown account and
a wrong password (target: under 50 ms, ideally about 0), and the median of the per-round
differences.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
PASSWORD = "the right password for the benchmark"  # noqa: S105 - a throwaway account


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from moderation import PACKAGE_DIR
    from moderation import create_app
    from moderation.config import Settings
    from moderation.db import db
    from moderation.models import ModeratorRole
    from moderation.services import moderators
    from moderation.services.ports import SystemClock

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            env="test",
            secret_key="bench-" + "x" * 40,
            database_url=f"sqlite:///{directory}/bench.sqlite",
            broker_url=f"sqla+sqlite:///{directory}/broker.sqlite",
            instance_dir=directory,
            rate_limit="",
        )
        app = create_app(settings)
        with app.app_context():
            upgrade(directory=str(PACKAGE_DIR / "migrations"))
        accounts = []
        with app.app_context():
            for n in range(args.rounds):
                email = f"known{n}@example.org"
                moderators.create_moderator(
                    db.session,
                    email,
                    role=ModeratorRole.MODERATOR,
                    password=PASSWORD,
                    now=SystemClock().now(),
                )
                accounts.append(email)
            db.session.commit()
        client = app.test_client()
        page = client.get("/moderate/login").get_data(as_text=True)
        found = TOKEN.search(page)
        assert found is not None
        token = found.group(1)

        def attempt(email: str, password: str) -> float:
            started = time.perf_counter()
            response = client.post(
                "/moderate/login",
                data={"email": email, "password": password, "csrf_token": token},
            )
            elapsed = time.perf_counter() - started
            assert response.status_code in (200, 302), response.status_code
            if response.status_code == 302:
                # Sign out again through a fresh client so the next attempt starts anonymous.
                client.delete_cookie("moderation")
                client.get("/moderate/login")
            return elapsed * 1000

        timings: dict[str, list[float]] = {"unknown": [], "wrong": [], "right": []}
        attempt("warm-up@example.org", "x" * 12)
        shuffle = random.Random(8)  # noqa: S311 - an order, not a secret
        for n in range(args.rounds):
            cases = {
                "unknown": (f"nobody{n}@example.org", "a wrong password"),
                "wrong": (accounts[n], "a wrong password"),
                "right": (accounts[n], PASSWORD),
            }
            # A different order each round: no case always follows the same one.
            order = ["unknown", "wrong"]
            shuffle.shuffle(order)
            for case in [*order, "right"]:
                timings[case].append(attempt(*cases[case]))
            page = client.get("/moderate/login").get_data(as_text=True)
            found = TOKEN.search(page)
            assert found is not None
            token = found.group(1)

    print(f"sign-in form, {args.rounds} interleaved rounds, in-process (Flask test client)")
    print(f"{'case':<10} {'median ms':>10} {'p90 ms':>8}")
    for case, values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{case:<10} {statistics.median(values):>10.1f} {p90:>8.1f}")
    gap = statistics.median(timings["unknown"]) - statistics.median(timings["wrong"])
    pairs = zip(timings["unknown"], timings["wrong"], strict=True)
    paired = statistics.median(u - w for u, w in pairs)
    print(f"median(unknown) - median(wrong password) = {gap:+.1f} ms (target: |gap| < 50 ms)")
    print(f"median of the per-round differences     = {paired:+.1f} ms")
    return 0 if abs(gap) < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
