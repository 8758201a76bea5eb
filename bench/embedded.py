"""Embedded-mode benchmark: how fast ``make run``'s worker decides comments.

Usage (from the project root)::

    .venv/bin/python bench/embedded.py [--lone 20] [--burst 200]

Everything is the embedded setup of ``make run``: SQLite database, the serverless
SQLite broker, and the worker as ``moderation serve`` starts it (``moderation worker
--beat --concurrency=1 --pool=solo``), in a temporary instance directory. Comments are submitted
in this process through the service's own Flask app (the web's code path, without HTTP,
which is not what is measured here). It prints, each with MET or MISS:

- the idle worker's CPU, over 10 s with nothing to do (target < 2 % of a core);
- a lone comment's decision latency, ``decided_at - created_at``, over ``--lone``
  comments posted one at a time 0.4 s apart (target p50 < 300 ms);
- a burst of ``--burst`` comments posted as fast as one client can: the time until the
  last one is decided (target < 10 s) and the rate from first to last decision (target
  >= 50 decisions/s), with the worker's CPU per decision.

Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGET_IDLE_CORE = 0.02
TARGET_LONE_P50_MS = 300.0
TARGET_BURST_SECONDS = 10.0
TARGET_RATE = 50.0

BODIES = (
    "Je ne comprends pas pourquoi le conseil municipal a voté ce budget sans débat public.",
    "Merci pour cet article très complet, c'est rare de lire un compte rendu aussi précis.",
    "Le maire avait promis une concertation ; on attend toujours la première réunion.",
    "The council should publish the full report rather than a few chosen extracts.",
    "Une vraie piste cyclable sécurisée changerait tout pour les collégiens du quartier.",
)


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by every process of a process group."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def environment(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env.update(
        MODERATION_INSTANCE_DIR=str(instance),
        MODERATION_RATE_LIMIT="",
        MODERATION_AUTO_CREATE_ARTICLES="true",
        MODERATION_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def submit(app: Any, count: int, tag: str, pause: float = 0.0) -> list[int]:
    """Submit ``count`` comments through the service; their ids."""
    from moderation.db import db
    from moderation.services import comments
    from moderation.validation import parse_submission
    from moderation.web.intake import limits

    deps = app.extensions["moderation.deps"]
    ids = []
    for i in range(count):
        with app.test_request_context():
            draft = parse_submission(
                {
                    "author_name": f"Lecteur {tag} {i}",
                    "email": f"lecteur-{tag}-{i}@example.org",
                    "body": f"{BODIES[i % len(BODIES)]} ({tag} {i})",
                },
                limits(deps.settings),
            )
            comment = comments.submit_comment(
                db.session(),
                deps,
                draft,
                article_key=f"bench-{tag}",
                article_url="",
                article_title="",
            )
            db.session.commit()
            ids.append(comment.id)
            db.session.remove()
        if pause:
            time.sleep(pause)
    return ids


def decided(app: Any, ids: list[int]) -> dict[int, tuple[Any, Any]]:
    import sqlalchemy as sa

    from moderation.db import db
    from moderation.models import Comment

    with app.app_context():
        rows = db.session.execute(
            sa.select(Comment.id, Comment.created_at, Comment.decided_at).where(
                Comment.id.in_(ids), Comment.decided_at.is_not(None)
            )
        ).all()
        db.session.remove()
    return {row.id: (row.created_at, row.decided_at) for row in rows}


def wait_decided(app: Any, ids: list[int], timeout: float) -> dict[int, tuple[Any, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        done = decided(app, ids)
        if len(done) == len(ids) or time.monotonic() > deadline:
            return done
        time.sleep(0.05)


def verdict(ok: bool) -> str:
    return "MET " if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lone", type=int, default=20)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-embedded-"))
    instance = workdir / "instance"
    env = environment(instance)
    os.environ.update({k: v for k, v in env.items() if k.startswith("MODERATION_")})
    python = sys.executable
    subprocess.run([python, "-m", "moderation.cli", "db", "upgrade"], env=env, check=True, cwd=ROOT)
    log = open(workdir / "worker.log", "ab")  # noqa: SIM115 - the child's whole life
    worker = subprocess.Popen(
        [python, "-m", "moderation.cli", "worker", "--beat", "--concurrency=1", "--pool=solo"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    results: list[tuple[str, float, str, bool]] = []
    try:
        from moderation import create_app
        from moderation.config import Settings

        app = create_app(Settings.from_env())
        # Warm-up: the worker has started once it decides a comment.
        warm = submit(app, 3, "warm")
        if len(wait_decided(app, warm, 120)) != len(warm):
            raise SystemExit("the worker decided nothing in 120 s:\n" + log.name)
        time.sleep(2)

        before = group_cpu(worker.pid)
        time.sleep(args.idle_seconds)
        idle = (group_cpu(worker.pid) - before) / args.idle_seconds
        results.append(("idle worker", idle * 100, "% of a core", idle < TARGET_IDLE_CORE))

        lone_ids = submit(app, args.lone, "lone", pause=0.4)
        lone = wait_decided(app, lone_ids, 60)
        delays = [(d - c).total_seconds() * 1000 for c, d in lone.values()]
        p50 = statistics.median(delays) if delays else float("inf")
        ok = len(lone) == len(lone_ids) and p50 < TARGET_LONE_P50_MS
        results.append(("lone comment decided, p50", p50, "ms", ok))

        cpu_before = group_cpu(worker.pid)
        started = time.monotonic()
        burst_ids = submit(app, args.burst, "burst")
        print(f"burst submitted in {time.monotonic() - started:.1f} s (one client, no HTTP)")
        burst = wait_decided(app, burst_ids, 120)
        cpu = group_cpu(worker.pid) - cpu_before
        created = min(c for c, _ in burst.values())
        first = min(d for _, d in burst.values())
        last = max(d for _, d in burst.values())
        total = (last - created).total_seconds()
        rate = (len(burst) - 1) / max((last - first).total_seconds(), 1e-6)
        complete = len(burst) == len(burst_ids)
        results.append(
            (f"burst of {args.burst} all decided", total, "s", complete and total < 10.0)
        )
        results.append(("decisions per second (burst)", rate, "/s", rate >= TARGET_RATE))
        per_decision = cpu / max(len(burst), 1) * 1000
        print(f"worker CPU per decision during the burst: {per_decision:.1f} ms")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()
    for label, value, unit, ok in results:
        print(f"[{verdict(ok)}] {label}: {value:.1f} {unit}")
    return 0 if all(ok for *_rest, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
