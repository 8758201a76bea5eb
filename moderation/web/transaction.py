"""One commit point per request: views and services never commit; this does.

A request whose answer is a success (below 400) commits its session once, after the view
returns and before the answer leaves; any other answer rolls back. Work recorded for the
workers is therefore published only for committed changes (``jobs.after_commit``), and a
view cannot forget to commit, or commit half of what it did.
"""

from __future__ import annotations

from flask import Response

from moderation.db import db


def commit_or_roll_back(response: Response) -> Response:
    if not db.session.registry.has():
        return response  # the request never opened a session (a cached read): nothing to end
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response
