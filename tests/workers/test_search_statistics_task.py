"""Beat's search statistics (at its start, then hourly), run by a real worker on the
``maintenance`` queue."""

from __future__ import annotations

import datetime as dt
import re
import time

import sqlalchemy as sa
from flask import Flask

from moderation import tasks
from moderation.db import db
from moderation.models import Comment
from moderation.models import SearchTrigram
from moderation.services import search_statistics
from tests.backends import Backend
from tests.helpers import add_article
from tests.helpers import post
from tests.processes import Process


def wait_for_runs(worker: Process, count: int) -> None:
    done = re.compile(re.escape(tasks.TASK_REFRESH_SEARCH_STATISTICS) + r"\[[^\]]+\] succeeded")
    deadline = time.monotonic() + 60
    while len(done.findall(worker.log())) < count:
        assert time.monotonic() < deadline, f"{count} runs did not succeed in 60 s:\n{worker.log()}"
        time.sleep(0.2)


def test_a_worker_samples_the_comments_for_the_searches(
    app: Flask, backend: Backend, worker: Process
) -> None:
    # Beat refreshes them once as it starts, not only after its first hour.
    wait_for_runs(worker, 1)
    add_article(app)
    post(app.test_client(), body="Le budget de la commune.")
    with app.app_context():
        first = db.session.scalars(sa.select(Comment)).one()
        columns = {c.key: getattr(first, c.key) for c in Comment.__table__.columns if c.key != "id"}
        start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        db.session.execute(
            sa.insert(Comment),
            [
                columns
                | {
                    "public_id": f"s{n}",
                    "body_text": f"Avis {n} sur le budget.",
                    "created_at": start + dt.timedelta(minutes=n),
                }
                for n in range(search_statistics.MIN_SAMPLE)
            ],
        )
        db.session.commit()
    celery = app.extensions["moderation.deps"].publisher
    celery.publish(tasks.TASK_REFRESH_SEARCH_STATISTICS, {})
    wait_for_runs(worker, 2)
    with app.app_context():
        shares = dict(
            db.session.execute(
                sa.select(SearchTrigram.trigram, SearchTrigram.share).where(
                    SearchTrigram.field == "body_text"
                )
            ).all()
        )
    if backend.name == "postgres":
        # Every comment speaks of the budget; one in a thousand or so of « commune ».
        assert shares[" bu"] == 1.0
        assert "com" not in shares
    else:
        assert shares == {}  # no trigram index to guide on SQLite
